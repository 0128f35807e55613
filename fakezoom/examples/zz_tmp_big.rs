use fakezoom::*;
fn main() {
    let server = Server::start(Config::default());
    let mut s = Session::new("big");
    s.files.push(File::recording(
        "big",
        "MP4",
        "MP4",
        "x",
        Content::Pattern {
            len: 4 << 30,
            seed: 1,
        },
    ));
    server.add_session(s);
    println!(
        "{} {}",
        server.download_url("big"),
        server
            .config()
            .mint_jwt(std::time::Duration::from_secs(3600))
    );
    loop {
        std::thread::park();
    }
}
