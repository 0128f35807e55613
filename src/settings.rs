//! Flags, environment and the config file's profile, resolved once into the settings the rest of
//! vsrec uses, with where each came from (for `-v` and `vsrec config show`). Every configuration
//! error is found here, before any request is made.
//!
//! The order is flag > environment > profile > built-in default. Clap applies it: the profile's
//! values replace clap's built-in defaults before the command line is parsed (see
//! [`crate::cli::command_with`]), so a value clap reports as a default is the profile's when the
//! profile has one. Secrets have no flag: environment (`VSREC_X` or `VSREC_X_FILE`), then profile.

mod report;
mod sources;

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

pub use self::report::{Shown, Source, describe, describe_json};
use self::sources::{Found, SETTINGS, find_secret};
pub use self::sources::{Invocation, Parsed, parse};

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
    /// Each setting, shown (secrets redacted), with where it came from.
    pub shown: Vec<Shown>,
    /// Said once there is a terminal: a secret file other users can read.
    pub warnings: Vec<String>,
}

/// Reads one environment variable; a function so that tests need not touch the process env.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Settings {
    /// The settings of a command that calls the API.
    pub fn resolve(inv: &Invocation, env: EnvLookup<'_>) -> Result<Self, Error> {
        let (shown, pending) = gather(inv, env)?;
        pending.finish(shown)
    }
}

/// Everything read, before it is checked: what `config show` prints even when a check fails.
pub struct Pending {
    api_base: (String, Source),
    key: Option<String>,
    secret: Option<Found>,
    token: Option<Found>,
    retries: u32,
    timeout: u64,
    json: bool,
    verbosity: Verbosity,
    test_env: TestKnobs,
    warnings: Vec<String>,
}

struct TestKnobs {
    retry_delay: Option<Duration>,
    idle_timeout: Option<Duration>,
    jwt_lifetime: Option<Duration>,
}

/// Read every setting of the command `inv` and say where each came from; the secrets are read
/// (a missing or unreadable secret file is an error here), their values never shown.
pub fn gather(inv: &Invocation, env: EnvLookup<'_>) -> Result<(Vec<Shown>, Pending), Error> {
    let api = inv
        .cli
        .command
        .api()
        .ok_or_else(|| Error::Usage("this command takes no API settings".into()))?;
    let profile = inv.profile();
    let mut warnings = Vec::new();
    let secret = find_secret(
        inv,
        env,
        (env::API_SECRET, env::API_SECRET_FILE),
        (
            profile.and_then(|p| p.api_secret.as_ref()),
            profile.and_then(|p| p.api_secret_file.as_deref()),
            "api_secret",
        ),
        &mut warnings,
    )?;
    let token = find_secret(
        inv,
        env,
        (env::TOKEN, env::TOKEN_FILE),
        (
            profile.and_then(|p| p.token.as_ref()),
            profile.and_then(|p| p.token_file.as_deref()),
            "token",
        ),
        &mut warnings,
    )?;
    let key = api
        .api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned);

    let mut shown = vec![inv.config_file_shown(), inv.profile_shown()];
    for (id, _, _) in SETTINGS {
        if !inv.has(id) {
            continue;
        }
        let value = match inv.raw(id) {
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if matches!(id, "retries" | "timeout" | "jobs") => n.into(),
                _ => raw.into(),
            },
            None => serde_json::Value::Null,
        };
        let source = if value.is_null() {
            Source::Unset
        } else {
            inv.source(id)
        };
        shown.push(Shown {
            key: id,
            value,
            source,
            path: None,
            note: None,
        });
        // The secrets go right after the key they belong with.
        if id == "api_key" {
            for (key, found) in [("api_secret", &secret), ("token", &token)] {
                shown.push(match found {
                    Some(found) => Shown {
                        key,
                        value: crate::secret::REDACTED.into(),
                        source: found.source.clone(),
                        path: found.path.clone(),
                        note: None,
                    },
                    None => Shown {
                        key,
                        value: serde_json::Value::Null,
                        source: Source::Unset,
                        path: None,
                        note: None,
                    },
                });
            }
        }
    }
    let number = |name: &str| -> Result<Option<u64>, Error> {
        env(name)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| Error::Usage(format!("{name} must be a whole number")))
            })
            .transpose()
    };
    let millis = |name: &str| Ok::<_, Error>(number(name)?.map(Duration::from_millis));
    let pending = Pending {
        api_base: (api.api_base.clone(), inv.source("api_base")),
        key,
        secret,
        token,
        retries: api.retries,
        timeout: api.timeout,
        json: inv.cli.global.json,
        verbosity: verbosity(&inv.cli.global),
        test_env: TestKnobs {
            retry_delay: millis(env::test::RETRY_DELAY_MS)?,
            idle_timeout: millis(env::test::IDLE_TIMEOUT_MS)?,
            jwt_lifetime: number(env::test::JWT_LIFETIME_SECS)?.map(Duration::from_secs),
        },
        warnings,
    };
    shown.push(Shown {
        key: "credentials",
        value: match pending.credentials_kind() {
            Some(kind) => kind.into(),
            None => serde_json::Value::Null,
        },
        source: Source::Unset,
        path: None,
        note: match pending.credentials_kind() {
            Some("key_pair") => Some("vsrec mints its own tokens".to_owned()),
            Some(_) => Some("used as it is; it cannot be renewed".to_owned()),
            None => None,
        },
    });
    Ok((shown, pending))
}

impl Pending {
    /// Which credentials would be used: `key_pair` when key and secret are both set, else `token`.
    fn credentials_kind(&self) -> Option<&'static str> {
        match (&self.key, &self.secret, &self.token) {
            (Some(_), Some(_), _) => Some("key_pair"),
            (_, _, Some(_)) => Some("token"),
            _ => None,
        }
    }

    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Check what was read and make the settings of it.
    pub fn finish(self, shown: Vec<Shown>) -> Result<Settings, Error> {
        let (raw_base, base_source) = &self.api_base;
        let api_base = parse_api_base(raw_base)
            .map_err(|e| Error::Usage(format!("{e} (from {base_source})")))?;
        let credentials = credentials(
            self.key,
            self.secret.map(|f| f.secret),
            self.token.map(|f| f.secret),
        )?;
        let timeout = Duration::from_secs(self.timeout);
        let retry = RetryPolicy {
            retries: self.retries,
            base_delay: self
                .test_env
                .retry_delay
                .unwrap_or(RetryPolicy::default().base_delay),
            ..RetryPolicy::default()
        };
        Ok(Settings {
            api_base,
            credentials,
            jwt_lifetime: self.test_env.jwt_lifetime.unwrap_or(MAX_LIFETIME),
            retry,
            connect_timeout: timeout,
            idle_timeout: self.test_env.idle_timeout.unwrap_or(timeout),
            json: self.json,
            verbosity: self.verbosity,
            shown,
            warnings: self.warnings,
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
        .map_err(|e| Error::Usage(format!("the API base {raw:?} is not a URL ({e})")))?;
    if url.query().is_some() || url.fragment().is_some() || url.username() != "" {
        return Err(Error::Usage(
            "the API base must be a plain base URL like https://api.zoom.us/v2, without query, \
             fragment or user info"
                .into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::Usage(format!(
            "the API base {} uses plain http to a non-loopback host; the bearer token would \
             cross the network in clear text, so use https",
            url.host_str().unwrap_or_default()
        ))),
        scheme => Err(Error::Usage(format!(
            "the API base has scheme {scheme:?}; use https://"
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

/// Key and secret when both are set (from any source), else the ready-made token.
fn credentials(
    key: Option<String>,
    secret: Option<Secret>,
    token: Option<Secret>,
) -> Result<Credentials, Error> {
    match (key, secret, token) {
        (Some(key), Some(secret), _) => Ok(Credentials::KeyPair { key, secret }),
        (_, _, Some(token)) => Ok(Credentials::Token(token)),
        (Some(_), None, None) => Err(Error::Usage(format!(
            "{} is not set; it is the Video SDK API secret that goes with {} (or give {}, or \
             api_secret_file in a profile)",
            env::API_SECRET,
            env::API_KEY,
            env::API_SECRET_FILE
        ))),
        (None, Some(_), None) => Err(Error::Usage(format!(
            "{} (or --api-key, or api_key in a profile) is not set; it is the Video SDK API key \
             that goes with {}",
            env::API_KEY,
            env::API_SECRET
        ))),
        (None, None, None) => Err(Error::Usage(format!(
            "no credentials: set {} and {} (the Video SDK API key and secret), or {}, or put \
             them in a profile of the config file (`vsrec config show` says where it is looked \
             for)",
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

/// `ids` with each ID once, in the order first given: a session named twice is worked on once.
pub fn each_once(mut ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
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
    use crate::{cli, config};
    use std::collections::HashMap;
    use std::ffi::OsString;

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
        let secret = || Some(Secret::new("s"));
        let token = || Some(Secret::new("t"));
        assert!(matches!(
            credentials(Some("k".into()), secret(), token()),
            Ok(Credentials::KeyPair { .. })
        ));
        assert!(matches!(
            credentials(None, secret(), token()),
            Ok(Credentials::Token(_))
        ));
        let err = credentials(None, None, None).unwrap_err().to_string();
        assert!(
            err.contains(env::API_KEY) && err.contains(env::API_SECRET) && err.contains(env::TOKEN)
        );
        let err = credentials(Some("k".into()), None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains(env::API_SECRET), "{err}");
    }

    fn invocation(args: &[&str], env: EnvLookup<'_>) -> Invocation {
        let mut argv = vec![OsString::from("vsrec")];
        argv.extend(args.iter().map(OsString::from));
        match parse(argv, env).expect("the config loads") {
            Parsed::Run(invocation) => *invocation,
            Parsed::Clap(err) => panic!("{err}"),
        }
    }

    #[test]
    fn debug_output_redacts_credentials() {
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
            let inv = invocation(&["list", "--api-key", "key-1", "x"], &env);
            let settings = Settings::resolve(&inv, &env).expect("settings resolve");
            // The secret is in there, so the check below has something to miss.
            let held = match &settings.credentials {
                Credentials::KeyPair { secret, .. } | Credentials::Token(secret) => secret,
            };
            assert_eq!(held.expose(), secret);
            let shown = format!("{settings:?}");
            assert!(!shown.contains(secret) && !shown.contains("eyJ"), "{shown}");
            assert!(shown.contains("(redacted)"), "{shown}");
            let lines = describe(&settings.shown).join("\n");
            assert!(!lines.contains(secret) && !lines.contains("eyJ"), "{lines}");
        }
    }

    fn config_file(text: &str, mode: u32) -> tempfile::TempDir {
        crate::config::test_file(text, mode).0
    }

    fn source_of<'a>(settings: &'a Settings, key: &str) -> (&'a serde_json::Value, &'a Source) {
        let shown = settings.shown.iter().find(|s| s.key == key).unwrap();
        (&shown.value, &shown.source)
    }

    #[test]
    fn a_profile_sits_between_flags_and_defaults() {
        let dir = config_file(
            "[profiles.default]\napi_key = \"profile-key\"\nretries = 7\njobs = 9\n\n\
             [profiles.other]\napi_key = \"other-key\"\n",
            0o644,
        );
        let config = dir.path().join("config.toml");
        let config = config.to_str().unwrap();
        let env = lookup(&[(env::API_SECRET, "s3cret-value")]);
        let inv = invocation(
            &["--config", config, "download", "--retries", "2", "x"],
            &env,
        );
        let settings = Settings::resolve(&inv, &env).unwrap();
        let profile = Source::Profile {
            name: "default".into(),
            file: dir.path().join("config.toml"),
        };
        assert_eq!(
            source_of(&settings, "api_key"),
            (&"profile-key".into(), &profile)
        );
        assert_eq!(
            source_of(&settings, "retries"),
            (&2.into(), &Source::Flag("--retries"))
        );
        assert_eq!(settings.retry.retries, 2);
        assert_eq!(source_of(&settings, "jobs"), (&9.into(), &profile));
        assert_eq!(
            source_of(&settings, "timeout"),
            (&30.into(), &Source::Default)
        );
        assert_eq!(
            source_of(&settings, "api_secret"),
            (&"(redacted)".into(), &Source::Env(env::API_SECRET))
        );
        let crate::cli::Command::Download(args) = &inv.cli.command else {
            panic!("download")
        };
        assert_eq!(args.jobs, 9, "the command gets the profile's value");

        let inv = invocation(
            &["--config", config, "--profile", "other", "list", "x"],
            &env,
        );
        let settings = Settings::resolve(&inv, &env).unwrap();
        assert_eq!(source_of(&settings, "api_key").0, "other-key");
        assert_eq!(
            source_of(&settings, "retries"),
            (&5.into(), &Source::Default)
        );
        assert!(
            settings.shown.iter().all(|s| s.key != "jobs"),
            "list has no --jobs"
        );
    }

    #[test]
    fn the_tables_of_settings_agree() {
        assert_eq!(SETTINGS.map(|(id, _, _)| id), cli::PROFILE_ARGS);
        for id in cli::PROFILE_ARGS {
            assert!(config::KEYS.contains(&id), "{id}");
        }
    }

    #[test]
    fn commands_without_api_settings_read_no_config_file() {
        let dir = config_file("not = [valid", 0o644);
        let config = dir.path().join("config.toml");
        let env = lookup(&[]);
        let argv = [
            "vsrec",
            "--config",
            config.to_str().unwrap(),
            "completions",
            "bash",
        ];
        assert!(matches!(
            parse(argv.iter().map(OsString::from).collect(), &env),
            Ok(Parsed::Run(_))
        ));
        let argv = ["vsrec", "--config", config.to_str().unwrap(), "list", "x"];
        let err = parse(argv.iter().map(OsString::from).collect(), &env).unwrap_err();
        assert!(err.to_string().contains("TOML"), "{err}");
    }

    #[test]
    fn a_profile_can_supply_the_required_serve_out() {
        let dir = config_file("[profiles.default]\nout = \"archive\"\n", 0o644);
        let config = dir.path().join("config.toml");
        let inv = invocation(
            &["serve", "--config", config.to_str().unwrap()],
            &lookup(&[]),
        );
        let crate::cli::Command::Serve(args) = &inv.cli.command else {
            panic!("serve")
        };
        assert_eq!(args.out, dir.path().join("archive"), "relative to the file");
    }

    #[test]
    fn each_id_once_in_the_order_first_given() {
        let ids = ["b", "a", "b", "c", "a"].map(String::from).to_vec();
        assert_eq!(each_once(ids), ["b", "a", "c"]);
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
