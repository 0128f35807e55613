//! `vsrec serve`'s flags and environment, resolved once into plain values.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::http::HEALTH_PATH;
use crate::cli::ServeArgs;
use crate::env;
use crate::error::Error;
use crate::secret::Secret;
use crate::secret_file;
use crate::settings::EnvLookup;

/// The spool's folder inside `--out` when `--spool` is not given. Session folders never start
/// with a dot, so it cannot collide with one.
pub const DEFAULT_SPOOL: &str = ".vsrec-spool";

#[derive(Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub path: String,
    pub out: PathBuf,
    pub spool: PathBuf,
    pub jobs: usize,
    pub secret: Secret,
    /// How long a stop may wait for requests and events in flight; also the longest a client
    /// may take to send a body.
    pub timeout: Duration,
    /// Said once the log is up (a secret file others can read).
    pub warnings: Vec<String>,
    /// `--delete-after`: what to delete once an event's files are archived.
    pub delete_after: Option<crate::delete::Options>,
}

impl Options {
    pub fn resolve(args: &ServeArgs, env: EnvLookup<'_>, timeout: Duration) -> Result<Self, Error> {
        let loaded = secret_file::load(env, env::WEBHOOK_SECRET, env::WEBHOOK_SECRET_FILE)?
            .ok_or_else(|| {
                Error::Usage(format!(
                    "no webhook secret: set {} to the Secret Token of your Video SDK app's event \
                     subscription, or {} to a file holding it",
                    env::WEBHOOK_SECRET,
                    env::WEBHOOK_SECRET_FILE
                ))
            })?;
        let bucket = crate::archive::object::is_url(&args.out);
        let spool = match (&args.spool, bucket) {
            (Some(spool), _) => spool.clone(),
            (None, false) => args.out.join(DEFAULT_SPOOL),
            // Events must be on a disk before Zoom hears 200; a bucket is not that disk.
            (None, true) => {
                return Err(Error::Usage(format!(
                    "--out {} is a bucket: give --spool DIR (or {}), a local folder for the \
                     events received until they are archived",
                    args.out.display(),
                    env::SPOOL
                )));
            }
        };
        if crate::archive::object::is_url(&spool) {
            return Err(Error::Usage(format!(
                "--spool {} is an object store; the spool is a local folder (events are on this \
                 machine's disk before Zoom hears 200)",
                spool.display()
            )));
        }
        let delete_after = crate::delete::Options::after(&args.out, &args.delete)?;
        if delete_after.as_ref().is_some_and(|d| !d.yes) {
            return Err(Error::Usage(
                "serve --delete-after deletes from Zoom with no one to ask: add --yes to say so \
                 (or leave deleting to vsrec delete)"
                    .into(),
            ));
        }

        Ok(Self {
            delete_after,
            listen: args.listen,
            path: check_path(&args.path)?,
            spool,
            out: args.out.clone(),
            jobs: usize::from(args.jobs),
            secret: loaded.secret,
            timeout,
            warnings: loaded.warnings,
        })
    }
}

/// The webhook path: absolute, plain characters only (it goes into a route table, and Zoom's
/// endpoint URL field takes nothing fancier), and not the health check's.
fn check_path(path: &str) -> Result<String, Error> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/-._~".contains(c);
    if !path.starts_with('/') || !path.chars().all(plain) || path.len() > 200 {
        return Err(Error::Usage(format!(
            "--path {path:?} is not a plain URL path; give one like /zoom/webhook (letters, \
             digits, / - . _ ~)"
        )));
    }
    if path == HEALTH_PATH {
        return Err(Error::Usage(format!(
            "--path {HEALTH_PATH} is taken by the health check; choose another path"
        )));
    }
    Ok(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::collections::HashMap;

    fn resolve(args: &[&str], vars: &[(&str, &str)]) -> Result<Options, Error> {
        let mut argv = vec!["vsrec", "serve"];
        argv.extend_from_slice(args);
        let cli = crate::cli::Cli::try_parse_from(argv).unwrap();
        let crate::cli::Command::Serve(serve) = cli.command else {
            panic!("serve")
        };
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Options::resolve(
            &serve,
            &move |name: &str| map.get(name).cloned(),
            Duration::from_secs(30),
        )
    }

    #[test]
    fn defaults() {
        let options = resolve(&["--out", "/srv/rec"], &[(env::WEBHOOK_SECRET, "whsec")]).unwrap();
        assert_eq!(options.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(options.path, "/");
        assert_eq!(options.spool, PathBuf::from("/srv/rec/.vsrec-spool"));
        assert_eq!(options.jobs, 4);
        assert_eq!(options.secret.expose(), "whsec");
        assert!(!format!("{options:?}").contains("whsec"));
    }

    #[test]
    fn flags() {
        let options = resolve(
            &[
                "--out",
                "o",
                "--listen",
                "[::1]:0",
                "--path",
                "/zoom/hook",
                "--spool",
                "s",
                "-j",
                "9",
            ],
            &[(env::WEBHOOK_SECRET, "whsec")],
        )
        .unwrap();
        assert_eq!(options.listen.to_string(), "[::1]:0");
        assert_eq!(options.path, "/zoom/hook");
        assert_eq!(options.spool, PathBuf::from("s"));
        assert_eq!(options.jobs, 9);
    }

    #[test]
    fn a_bucket_needs_a_local_spool() {
        let secret = (env::WEBHOOK_SECRET, "whsec");
        let err = resolve(&["--out", "s3://b/p"], &[secret]).unwrap_err();
        assert!(
            matches!(&err, Error::Usage(m) if m.contains("--spool DIR")
            && m.contains("s3://b/p") && m.contains(env::SPOOL)),
            "{err}"
        );
        let options =
            resolve(&["--out", "gs://b/p", "--spool", "/var/spool/v"], &[secret]).unwrap();
        assert_eq!(options.spool, PathBuf::from("/var/spool/v"));
        assert_eq!(options.out, PathBuf::from("gs://b/p"));
        let err = resolve(&["--out", "s3://b", "--spool", "s3://b/spool"], &[secret]).unwrap_err();
        assert!(
            matches!(&err, Error::Usage(m) if m.contains("local folder")),
            "{err}"
        );
        let options = resolve(
            &["--out", "s3://b", "--spool", "s", "--delete-after", "--yes"],
            &[secret],
        )
        .unwrap();
        assert!(options.delete_after.is_some());
    }

    #[test]
    fn the_secret_is_required_and_named() {
        let err = resolve(&["--out", "o"], &[]).unwrap_err().to_string();
        assert!(
            err.contains(env::WEBHOOK_SECRET) && err.contains(env::WEBHOOK_SECRET_FILE),
            "{err}"
        );
    }

    #[test]
    fn odd_paths_are_usage_errors() {
        for path in ["zoom", "/a b", "/{id}", "/*rest", "/:x", "/a?b", "/healthz"] {
            let result = resolve(
                &["--out", "o", "--path", path],
                &[(env::WEBHOOK_SECRET, "w")],
            );
            assert!(matches!(result, Err(Error::Usage(_))), "{path}");
        }
    }
}
