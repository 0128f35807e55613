//! `cargo run --example demo`: vsrec against the project's fake Zoom server, with nothing to set
//! up. Lists a session as a table and as JSON, then downloads three sessions with live progress
//! (on a terminal), including a dropped connection that is resumed.

use std::process::ExitCode;

use fakezoom::{Config, Content, File, FileFault, Server, Session};

const SAMPLE: &str = "KkMHZ4y8QhSUWAHi5sWvfg==";
const PROTECTED: &str = "Ab/cd+ef//gh==";
const LARGE: &str = "Lg9Xk2+Wq//Demo==";

fn main() -> ExitCode {
    let server = Server::start(Config::default());
    server.add_session(Session::sample(SAMPLE));
    server.add_session(Session::protected(PROTECTED, "demo-password"));
    server.add_session(large_session());
    // A connection that drops at 40 %: vsrec resumes it with a Range request.
    server.push_file_faults(
        "large-2",
        [FileFault::Cut {
            at: 40 * 1024 * 1024,
        }],
    );

    let out = std::env::temp_dir().join("vsrec-demo");
    let _ = std::fs::remove_dir_all(&out);
    let api_base = server.api_base();
    let config = server.config().clone();
    let secret = config.api_secret.clone();
    let env = move |name: &str| (name == vsrec::env::API_SECRET).then(|| secret.clone());
    let vsrec = |args: &[&str]| -> ExitCode {
        println!("\n$ vsrec {}", args.join(" "));
        // The API flags follow the command's name.
        let mut argv = vec!["vsrec", args[0], "--api-base", &api_base];
        argv.extend(["--api-key", &config.api_key]);
        argv.extend_from_slice(&args[1..]);
        match vsrec::run(argv, &env) {
            Ok(status) => status.into(),
            Err(err) => vsrec::error::report(&err).into(),
        }
    };

    println!("A fake Zoom API is listening at {}.", server.api_base());
    vsrec(&["list", SAMPLE]);
    vsrec(&["list", "--json", PROTECTED]);
    let out_arg = out.display().to_string();
    let code = vsrec(&[
        "download", "--out", &out_arg, "--jobs", "4", SAMPLE, PROTECTED, LARGE,
    ]);
    println!(
        "\nFiles are in {}; run the demo again to start over.",
        out.display()
    );
    code
}

/// Three larger files, so that the progress bars have something to show.
fn large_session() -> Session {
    let mut session = Session::new(LARGE);
    session.session_name = Some("All-hands (large files)".into());
    session.start_time = Some("2026-11-27T16:00:00Z".into());
    session.files = (1..=3)
        .map(|n| {
            File::recording(
                format!("large-{n}"),
                "MP4",
                "MP4",
                "gallery_view",
                Content::Pattern {
                    len: 96 * 1024 * 1024,
                    seed: n,
                },
            )
        })
        .collect();
    session
}
