//! `fakezoom`: serves a fake Zoom with two sample sessions until killed, for trying vsrec by hand
//! and for the benchmark (`scripts/bench.sh`).
//!
//! Prints `KEY=value` lines (API_BASE, API_KEY, API_SECRET, SESSION, PROTECTED_SESSION, …) so a
//! script can read what to point vsrec at.
//!
//! Options:
//! - `--download-base URL`: every `download_url` points at `URL/rec/download/KEY` instead of the
//!   fake's own download listener (e.g. an nginx serving real files);
//! - `--files-from DIR`: also serve one session per subdirectory of `DIR`, one file per file in
//!   it (see [`fakezoom::sessions_from_dir`]); their IDs are printed as `FILES_SESSION=ID` lines.
//! - `--account N`: also serve a generated account of N sessions (see
//!   [`fakezoom::generated_account`]) for the account listing `GET /v2/videosdk/recordings`;
//!   printed as `ACCOUNT_SESSIONS=N`, `ACCOUNT_FROM=DAY` and `ACCOUNT_TO=DAY`.

use std::path::PathBuf;
use std::process::ExitCode;

use fakezoom::{
    ACCOUNT_FIRST_DAY, ACCOUNT_LAST_DAY, Config, Server, Session, generated_account,
    sessions_from_dir,
};

const SESSION: &str = "KkMHZ4y8QhSUWAHi5sWvfg==";
// An ID that needs double encoding: it contains `/`, `//`, `+` and `=`.
const PROTECTED_SESSION: &str = "Ab/cd+ef//gh==";
const PROTECTED_PASSWORD: &str = "s3cret-pw";

const USAGE: &str = "usage: fakezoom [--download-base URL] [--files-from DIR] [--account N]";

#[derive(Debug, Default, PartialEq)]
struct Args {
    download_base: Option<String>,
    files_from: Option<PathBuf>,
    account: Option<usize>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.into())),
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--download-base" => {
                let base = value()?;
                if !base.starts_with("http://") && !base.starts_with("https://") {
                    return Err(format!("--download-base {base:?} is not an http(s) URL"));
                }
                parsed.download_base = Some(base);
            }
            "--files-from" => parsed.files_from = Some(PathBuf::from(value()?)),
            "--account" => {
                let n = value()?;
                let n = n
                    .parse()
                    .map_err(|_| format!("--account {n:?} is not a number of sessions"))?;
                parsed.account = Some(n);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(parsed))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("fakezoom: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let from_dir = match &args.files_from {
        Some(dir) => match sessions_from_dir(dir) {
            Ok(sessions) => sessions,
            Err(e) => {
                eprintln!("fakezoom: cannot read {}: {e}", dir.display());
                return ExitCode::from(2);
            }
        },
        None => Vec::new(),
    };

    let server = Server::start_with_download_base(Config::default(), args.download_base);
    server.add_session(Session::sample(SESSION));
    server.add_session(Session::protected(PROTECTED_SESSION, PROTECTED_PASSWORD));
    let from_dir_ids: Vec<String> = from_dir.iter().map(|s| s.session_id.clone()).collect();
    for session in from_dir {
        server.add_session(session);
    }
    if let Some(n) = args.account {
        server.add_sessions(generated_account(n));
    }

    let config = server.config();
    println!("API_BASE={}", server.api_base());
    println!("API_KEY={}", config.api_key);
    println!("API_SECRET={}", config.api_secret);
    println!("SESSION={SESSION}");
    println!("PROTECTED_SESSION={PROTECTED_SESSION}");
    for id in &from_dir_ids {
        println!("FILES_SESSION={id}");
    }
    if let Some(n) = args.account {
        println!("ACCOUNT_SESSIONS={n}");
        println!("ACCOUNT_FROM={ACCOUNT_FIRST_DAY}");
        println!("ACCOUNT_TO={ACCOUNT_LAST_DAY}");
    }
    println!("DOWNLOAD_BASE={}", server.download_base());
    println!("STORAGE_BASE={}", server.storage_base());
    eprintln!("fakezoom: serving until interrupted (Ctrl-C)");

    // The listeners run on the server's own thread; this one only keeps the process alive.
    // Ctrl-C's default action ends the process, which is all the shutdown a fake needs.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags_with_separate_or_inline_values() {
        assert_eq!(parse(&[]), Ok(Some(Args::default())));
        let expected = Args {
            download_base: Some("http://127.0.0.1:8080".into()),
            files_from: Some(PathBuf::from("/dev/shm/x")),
            account: None,
        };
        assert_eq!(
            parse(&[
                "--download-base",
                "http://127.0.0.1:8080",
                "--files-from",
                "/dev/shm/x"
            ]),
            Ok(Some(expected))
        );
        assert_eq!(
            parse(&["--files-from=/a=b"]).unwrap().unwrap().files_from,
            Some(PathBuf::from("/a=b"))
        );
        assert_eq!(
            parse(&["--account", "10000"]).unwrap().unwrap().account,
            Some(10_000)
        );
        assert!(parse(&["--account", "many"]).is_err());
        assert_eq!(parse(&["--help"]), Ok(None));
        assert!(parse(&["--download-base"]).is_err());
        assert!(parse(&["--download-base", "ftp://x"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
