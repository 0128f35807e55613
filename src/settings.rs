//! Raw flags and environment, resolved once into the settings the rest of vsrec uses. Every
//! configuration error is found here, before any request is made.

use std::io::BufRead;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::auth::{Credentials, MAX_LIFETIME};
use crate::cli::GlobalArgs;
use crate::env;
use crate::error::Error;
use crate::http::RetryPolicy;
use crate::secret::Secret;

/// How much vsrec says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug)]
pub struct Settings {
    pub api_base: Url,
    pub credentials: Credentials,
    pub jwt_lifetime: Duration,
    pub retry: RetryPolicy,
    pub connect_timeout: Duration,
    pub idle_timeout: Duration,
    pub json: bool,
    pub verbosity: Verbosity,
}

/// Reads one environment variable; a function so that tests need not touch the process env.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Settings {
    pub fn resolve(args: &GlobalArgs, env: EnvLookup<'_>) -> Result<Self, Error> {
        let api_base = parse_api_base(&args.api_base)?;
        let credentials = credentials(args.api_key.as_deref(), env)?;
        let number = |name: &str| -> Result<Option<u64>, Error> {
            env(name)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| Error::Usage(format!("{name} must be a whole number")))
                })
                .transpose()
        };
        let millis = |name: &str| Ok::<_, Error>(number(name)?.map(Duration::from_millis));
        let timeout = Duration::from_secs(args.timeout);
        let retry = RetryPolicy {
            retries: args.retries,
            base_delay: millis(env::test::RETRY_DELAY_MS)?
                .unwrap_or(RetryPolicy::default().base_delay),
            ..RetryPolicy::default()
        };
        let jwt_lifetime =
            number(env::test::JWT_LIFETIME_SECS)?.map_or(MAX_LIFETIME, Duration::from_secs);
        Ok(Self {
            api_base,
            credentials,
            jwt_lifetime,
            retry,
            connect_timeout: timeout,
            idle_timeout: millis(env::test::IDLE_TIMEOUT_MS)?.unwrap_or(timeout),
            json: args.json,
            verbosity: verbosity(args),
        })
    }
}

/// `-q` / `-v` as a [`Verbosity`]; also for commands that need no credentials.
pub fn verbosity(args: &GlobalArgs) -> Verbosity {
    match (args.quiet, args.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, _) => Verbosity::Verbose,
    }
}

/// The API base: https anywhere, plain http only to loopback, because every request carries a
/// bearer token.
pub fn parse_api_base(raw: &str) -> Result<Url, Error> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = Url::parse(trimmed)
        .map_err(|e| Error::Usage(format!("--api-base {raw:?} is not a URL ({e})")))?;
    if url.query().is_some() || url.fragment().is_some() || url.username() != "" {
        return Err(Error::Usage(
            "--api-base must be a plain base URL like https://api.zoom.us/v2, without query, \
             fragment or user info"
                .into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::Usage(format!(
            "--api-base {} uses plain http to a non-loopback host; the bearer token would cross \
             the network in clear text, so use https",
            url.host_str().unwrap_or_default()
        ))),
        scheme => Err(Error::Usage(format!(
            "--api-base has scheme {scheme:?}; use https://"
        ))),
    }
}

pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn credentials(api_key: Option<&str>, env: EnvLookup<'_>) -> Result<Credentials, Error> {
    let key = api_key.map(str::trim).filter(|k| !k.is_empty());
    let secret = env(env::API_SECRET);
    let token = env(env::TOKEN);
    match (key, secret, token) {
        (Some(key), Some(secret), _) => Ok(Credentials::KeyPair {
            key: key.to_owned(),
            secret: Secret::credential(secret),
        }),
        (_, _, Some(token)) => Ok(Credentials::Token(Secret::credential(token.trim()))),
        (Some(_), None, None) => Err(Error::Usage(format!(
            "{} is not set; it is the Video SDK API secret that goes with {}",
            env::API_SECRET,
            env::API_KEY
        ))),
        (None, Some(_), None) => Err(Error::Usage(format!(
            "{} (or --api-key) is not set; it is the Video SDK API key that goes with {}",
            env::API_KEY,
            env::API_SECRET
        ))),
        (None, None, None) => Err(Error::Usage(format!(
            "no credentials: set {} and {} (the Video SDK API key and secret), or {}",
            env::API_KEY,
            env::API_SECRET,
            env::TOKEN
        ))),
    }
}

/// The session IDs to work on: the arguments, with `-` replaced by the lines of stdin. Blank
/// lines are skipped; IDs with whitespace or control characters are refused (they are never
/// valid, and usually a copy-paste accident).
pub fn session_ids(args: &[String], stdin: &mut dyn BufRead) -> Result<Vec<String>, Error> {
    let mut ids = Vec::new();
    let mut read_stdin = false;
    for arg in args {
        if arg == "-" {
            if read_stdin {
                continue;
            }
            read_stdin = true;
            let before = ids.len();
            for line in stdin.lines() {
                let line = line.map_err(|e| {
                    Error::Usage(format!("cannot read session IDs from stdin: {e}"))
                })?;
                let id = line.trim();
                if !id.is_empty() {
                    ids.push(check_session_id(id)?);
                }
            }
            if ids.len() == before {
                return Err(Error::Usage(
                    "no session IDs on stdin (`-` reads one per line)".into(),
                ));
            }
        } else {
            ids.push(check_session_id(arg)?);
        }
    }
    Ok(ids)
}

fn check_session_id(id: &str) -> Result<String, Error> {
    if id.is_empty() {
        return Err(Error::Usage("a session ID is empty".into()));
    }
    crate::client::check_session_id(id).map_err(Error::Usage)?;
    if let Some(bad) = id.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Usage(format!(
            "session ID {:?} contains {bad:?}; session IDs have no spaces or control characters",
            id.escape_debug().to_string()
        )));
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn api_base_rules() {
        assert!(parse_api_base("https://api.zoom.us/v2/").is_ok());
        assert!(parse_api_base("http://127.0.0.1:8080/v2").is_ok());
        assert!(parse_api_base("http://[::1]:8080/v2").is_ok());
        assert!(parse_api_base("http://localhost/v2").is_ok());
        for bad in [
            "http://api.zoom.us/v2",
            "http://10.0.0.1/v2",
            "ftp://x/v2",
            "nonsense",
            "https://u:p@api.zoom.us/v2",
        ] {
            assert!(
                matches!(parse_api_base(bad), Err(Error::Usage(_))),
                "{bad} accepted"
            );
        }
        assert_eq!(
            parse_api_base("https://api.zoom.us/v2/").unwrap().as_str(),
            "https://api.zoom.us/v2"
        );
    }

    #[test]
    fn credentials_prefer_key_pair_and_name_what_is_missing() {
        let both = lookup(&[(env::API_SECRET, "s"), (env::TOKEN, "t")]);
        assert!(matches!(
            credentials(Some("k"), &both),
            Ok(Credentials::KeyPair { .. })
        ));
        assert!(matches!(
            credentials(None, &both),
            Ok(Credentials::Token(_))
        ));
        let none = lookup(&[]);
        let err = credentials(None, &none).unwrap_err().to_string();
        assert!(
            err.contains(env::API_KEY) && err.contains(env::API_SECRET) && err.contains(env::TOKEN)
        );
        let err = credentials(Some("k"), &none).unwrap_err().to_string();
        assert!(err.contains(env::API_SECRET), "{err}");
    }

    #[test]
    fn debug_output_redacts_credentials() {
        use clap::Parser;
        let cli = crate::cli::Cli::parse_from(["vsrec", "--api-key", "key-1", "list", "x"]);
        for (env, secret) in [
            (
                lookup(&[(env::API_SECRET, "the-api-secret")]),
                "the-api-secret",
            ),
            (
                lookup(&[(env::TOKEN, "eyJhbGciOi.eyJleHAiOjF9.c2ln")]),
                "eyJhbGciOi.eyJleHAiOjF9.c2ln",
            ),
        ] {
            let settings = Settings::resolve(&cli.global, &env).expect("settings resolve");
            // The secret is in there, so the check below has something to miss.
            let held = match &settings.credentials {
                Credentials::KeyPair { secret, .. } | Credentials::Token(secret) => secret,
            };
            assert_eq!(held.expose(), secret);
            let shown = format!("{settings:?}");
            assert!(!shown.contains(secret) && !shown.contains("eyJ"), "{shown}");
            assert!(shown.contains("(redacted)"), "{shown}");
        }
    }

    #[test]
    fn session_ids_from_args_and_stdin() {
        let args = ["a==".to_string(), "-".to_string(), "b/c".to_string()];
        let mut stdin = "x\n\n  y+z=  \n".as_bytes();
        assert_eq!(
            session_ids(&args, &mut stdin).unwrap(),
            ["a==", "x", "y+z=", "b/c"]
        );
        let mut empty = "\n \n".as_bytes();
        assert!(matches!(
            session_ids(&["-".into()], &mut empty),
            Err(Error::Usage(m)) if m.contains("stdin")
        ));
        for bad in ["a b", "a\u{7}b", ""] {
            assert!(session_ids(&[bad.to_string()], &mut "".as_bytes()).is_err());
        }
    }
}
