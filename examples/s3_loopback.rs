//! An S3 server on loopback for `scripts/bench-objstore.sh`: `s3s-fs` over a folder, with
//! signature checking, as the integration tests run it in-process.
//!
//!     cargo run --release --example s3_loopback -- ROOT ACCESS_KEY SECRET_KEY
//!
//! Prints `S3_ENDPOINT=http://127.0.0.1:PORT` on stdout once it listens, then serves until killed.
//! Buckets are the folders of ROOT.

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, access, secret] = &args[..] else {
        eprintln!("usage: s3_loopback ROOT ACCESS_KEY SECRET_KEY");
        std::process::exit(2);
    };
    let fs = s3s_fs::FileSystem::new(root).expect("ROOT is a folder");
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        access.as_str(),
        secret.as_str(),
    ));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    println!("S3_ENDPOINT=http://{}", listener.local_addr().unwrap());
    let http = ConnBuilder::new(TokioExecutor::new());
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        let conn = http
            .serve_connection(TokioIo::new(socket), service.clone())
            .into_owned();
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}
