//! `fakezoom`: serves a fake Zoom with two sample sessions until killed, for trying vsrec by hand
//! and for the benchmark (`scripts/bench.sh`).
//!
//! Prints `KEY=value` lines (API_BASE, API_KEY, API_SECRET, SESSION, PROTECTED_SESSION, …) so a
//! script can read what to point vsrec at.
//!
//! With `--env`, it starts a copy of itself in the background instead and prints shell
//! `export` lines for it, then exits, so that `eval "$(fakezoom --env)"` sets `VSREC_API_BASE`,
//! `VSREC_API_KEY`, `VSREC_API_SECRET`, `FAKEZOOM_SESSION`, … and `FAKEZOOM_PID` (stop the
//! fake with `kill $FAKEZOOM_PID`); its stderr goes to the file named by `FAKEZOOM_LOG`.
//!
//! Options:
//! - `--download-base URL`: every `download_url` points at `URL/rec/download/KEY` instead of the
//!   fake's own download listener (e.g. an nginx serving real files);
//! - `--files-from DIR`: also serve one session per subdirectory of `DIR`, one file per file in
//!   it (see [`fakezoom::sessions_from_dir`]); their IDs are printed as `FILES_SESSION=ID` lines.
//! - `--account N`: also serve a generated account of N sessions (see
//!   [`fakezoom::generated_account`]) for the account listing `GET /v2/videosdk/recordings`;
//!   printed as `ACCOUNT_SESSIONS=N`, `ACCOUNT_FROM=DAY` and `ACCOUNT_TO=DAY`.

use std::io::BufRead;
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

const USAGE: &str =
    "usage: fakezoom [--env] [--download-base URL] [--files-from DIR] [--account N]";

/// Set for the background copy that `--env` starts: it has no terminal to speak to.
const BACKGROUND: &str = "FAKEZOOM_BACKGROUND";

#[derive(Debug, Default, PartialEq)]
struct Args {
    env: bool,
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
            "--env" => parsed.env = true,
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
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(argv.iter().cloned()) {
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
    if args.env {
        return in_background(argv.into_iter().filter(|a| a != "--env").collect());
    }
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
    if std::env::var_os(BACKGROUND).is_none() {
        eprintln!("fakezoom: serving until interrupted (Ctrl-C)");
    }

    // The listeners run on the server's own thread; this one only keeps the process alive.
    // Ctrl-C's default action ends the process, which is all the shutdown a fake needs.
    loop {
        std::thread::park();
    }
}

/// `--env`: a copy of this fake, serving in a process group of its own (Ctrl-C at the prompt
/// does not reach it), and its settings as `export` lines on stdout. The copy's stdout is read
/// here up to its last line, so nothing holds the `$(…)` of `eval "$(fakezoom --env)"` open.
fn in_background(args: Vec<String>) -> ExitCode {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    // The copy's stderr goes to a log file: inherited, it would hold open whatever pipe the
    // caller's stderr is (`output=$(sh -c 'eval …' 2>&1)` would never end).
    let log = std::env::temp_dir().join(format!("fakezoom-{}.log", std::process::id()));
    let spawned = std::fs::File::create(&log).and_then(|log| {
        Command::new(std::env::current_exe()?)
            .args(&args)
            .env(BACKGROUND, "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .process_group(0)
            .spawn()
    });
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            eprintln!("fakezoom: cannot start in the background: {e}");
            return ExitCode::from(2);
        }
    };
    let mut values: Vec<(String, String)> = Vec::new();
    let lines = std::io::BufReader::new(child.stdout.take().expect("piped"));
    for line in lines.lines().map_while(Result::ok) {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let last = key == "STORAGE_BASE";
        values.push((key.to_owned(), value.to_owned()));
        if last {
            values.push(("LOG".to_owned(), log.display().to_string()));
            print!("{}", exports(&values, child.id()));
            eprintln!(
                "fakezoom: serving in the background as process {0} (log: {1}); stop it with \
                 `kill {0}`",
                child.id(),
                log.display()
            );
            return ExitCode::SUCCESS;
        }
    }
    let _ = child.wait();
    eprintln!(
        "fakezoom: the background server did not start; see {}",
        log.display()
    );
    ExitCode::from(2)
}

/// Shell lines that export what the fake printed: `API_*` as vsrec's variables, the rest as
/// `FAKEZOOM_*` (a key printed more than once, like `FILES_SESSION`, as a space-separated list).
fn exports(values: &[(String, String)], pid: u32) -> String {
    let mut vsrec = Vec::new();
    let mut other: Vec<(String, String)> = Vec::new();
    for (key, value) in values {
        match key.as_str() {
            "API_BASE" | "API_KEY" | "API_SECRET" => {
                vsrec.push(format!("VSREC_{key}={}", quote(value)));
            }
            _ => match other.iter_mut().find(|(k, _)| k == key) {
                Some((_, list)) => {
                    list.push(' ');
                    list.push_str(value);
                }
                None => other.push((key.clone(), value.clone())),
            },
        }
    }
    let mut text = format!("export {}\n", vsrec.join(" "));
    text.push_str(&format!("export FAKEZOOM_PID={pid}"));
    for (key, value) in other {
        text.push_str(&format!(" FAKEZOOM_{key}={}", quote(&value)));
    }
    text.push_str("\n# stop the fake with: kill $FAKEZOOM_PID\n");
    text
}

/// `value` in single quotes for a POSIX shell (a `'` inside becomes `'\''`).
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
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
            env: false,
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
        assert!(parse(&["--env", "--account", "3"]).unwrap().unwrap().env);
    }

    #[test]
    fn exports_are_quoted_for_the_shell() {
        let values: Vec<(String, String)> = [
            ("API_BASE", "http://127.0.0.1:1/v2"),
            ("API_KEY", "k"),
            ("API_SECRET", "it's"),
            ("SESSION", "Ab/cd+ef//gh=="),
            ("FILES_SESSION", "a"),
            ("FILES_SESSION", "b"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            exports(&values, 42),
            "export VSREC_API_BASE='http://127.0.0.1:1/v2' VSREC_API_KEY='k' \
             VSREC_API_SECRET='it'\\''s'\n\
             export FAKEZOOM_PID=42 FAKEZOOM_SESSION='Ab/cd+ef//gh==' FAKEZOOM_FILES_SESSION='a b'\n\
             # stop the fake with: kill $FAKEZOOM_PID\n"
        );
    }
}
