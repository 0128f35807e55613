//! `fakezoom`: serves a fake Zoom with two sample sessions until killed, for trying vsrec by hand.
//!
//! Prints `KEY=value` lines (API_BASE, API_KEY, API_SECRET, SESSION, PROTECTED_SESSION, …) so a
//! script can read what to point vsrec at.

use fakezoom::{Config, Server, Session};

const SESSION: &str = "KkMHZ4y8QhSUWAHi5sWvfg==";
// An ID that needs double encoding: it contains `/`, `//`, `+` and `=`.
const PROTECTED_SESSION: &str = "Ab/cd+ef//gh==";
const PROTECTED_PASSWORD: &str = "s3cret-pw";

fn main() {
    let server = Server::start(Config::default());
    server.add_session(Session::sample(SESSION));
    server.add_session(Session::protected(PROTECTED_SESSION, PROTECTED_PASSWORD));

    let config = server.config();
    println!("API_BASE={}", server.api_base());
    println!("API_KEY={}", config.api_key);
    println!("API_SECRET={}", config.api_secret);
    println!("SESSION={SESSION}");
    println!("PROTECTED_SESSION={PROTECTED_SESSION}");
    println!("DOWNLOAD_BASE={}", server.download_base());
    println!("STORAGE_BASE={}", server.storage_base());
    eprintln!("fakezoom: serving until interrupted (Ctrl-C)");

    // The listeners run on the server's own thread; this one only keeps the process alive.
    // Ctrl-C's default action ends the process, which is all the shutdown a fake needs.
    loop {
        std::thread::park();
    }
}
