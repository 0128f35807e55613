//! Flags, environment and the config file's profile, resolved once into the settings the rest of
//! vsrec uses, with where each came from (for `-v` and `vsrec config show`). Every configuration
//! error is found here, before any request is made.
//!
//! The order is flag > environment > profile > built-in default. Clap applies it: the profile's
//! values replace clap's built-in defaults before the command line is parsed (see
//! [`cli::command_with`]), so a value clap reports as a default is the profile's when the
//! profile has one. Secrets have no flag: environment (`VSREC_X` or `VSREC_X_FILE`), then profile.

use std::ffi::OsString;
use std::io::BufRead;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::FromArgMatches;
use clap::parser::ValueSource;
use url::Url;

use crate::auth::{Credentials, MAX_LIFETIME};
use crate::cli::{self, Cli};
use crate::config::{self, Named};
use crate::env;
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::secret_file;

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

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    Profile {
        name: String,
        file: PathBuf,
    },
    Default,
    /// Not set anywhere, and no default.
    Unset,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "flag {flag}"),
            Self::Env(var) => write!(f, "env {var}"),
            Self::Profile { name, file } => {
                write!(
                    f,
                    "profile {name} in {}",
                    crate::format::printable(&file.display().to_string())
                )
            }
            Self::Default => f.write_str("default"),
            Self::Unset => f.write_str("not set"),
        }
    }
}

impl Source {
    fn json(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::json;
        let value = match self {
            Self::Flag(flag) => json!({"source": "flag", "flag": flag}),
            Self::Env(var) => json!({"source": "env", "env": var}),
            Self::Profile { name, file } => {
                json!({"source": "profile", "profile": name, "file": file.display().to_string()})
            }
            Self::Default => json!({"source": "default"}),
            Self::Unset => json!({"source": null}),
        };
        match value {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("an object"),
        }
    }
}

/// One setting as `-v` and `vsrec config show` print it. Secrets appear as `(redacted)`.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The key in `config show --json` (and in a profile).
    pub key: &'static str,
    pub value: serde_json::Value,
    pub source: Source,
    /// The file a secret was read from.
    pub path: Option<PathBuf>,
    /// A remark after the source (`not found`).
    pub note: Option<String>,
}

impl Shown {
    fn text(&self) -> String {
        match &self.value {
            serde_json::Value::Null => "-".to_owned(),
            serde_json::Value::String(s) if self.key == "credentials" => match s.as_str() {
                "key_pair" => "API key and secret".to_owned(),
                other => other.to_owned(),
            },
            serde_json::Value::String(s) => crate::format::printable(s),
            other => other.to_string(),
        }
    }
}

/// The settings as lines for people: `key  value  (source)`, aligned.
pub fn describe(shown: &[Shown]) -> Vec<String> {
    let key_width = shown.iter().map(|s| s.key.len()).max().unwrap_or(0);
    let texts: Vec<String> = shown.iter().map(Shown::text).collect();
    let value_width = texts
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    shown
        .iter()
        .zip(texts)
        .map(|(s, text)| {
            let mut parts = Vec::new();
            // A derived value (`credentials`) has no source of its own.
            if s.source != Source::Unset || s.value.is_null() {
                parts.push(s.source.to_string());
            }
            if let Some(path) = &s.path {
                parts.push(format!(
                    "file {}",
                    crate::format::printable(&path.display().to_string())
                ));
            }
            if let Some(note) = &s.note {
                parts.push(crate::format::printable(note));
            }
            let source = if parts.is_empty() {
                String::new()
            } else {
                format!("({})", parts.join("; "))
            };
            format!("{:<key_width$}  {text:<value_width$}  {source}", s.key)
                .trim_end()
                .to_owned()
        })
        .collect()
}

/// The settings as one JSON object for `config show --json`.
pub fn describe_json(shown: &[Shown]) -> serde_json::Value {
    let mut settings = serde_json::Map::new();
    for s in shown {
        let mut entry = serde_json::Map::new();
        entry.insert("value".into(), s.value.clone());
        entry.extend(s.source.json());
        if let Some(path) = &s.path {
            entry.insert("path".into(), path.display().to_string().into());
        }
        if let Some(note) = &s.note {
            entry.insert("note".into(), note.clone().into());
        }
        settings.insert(s.key.into(), entry.into());
    }
    settings.into()
}

/// The arguments a profile can set, with their flag and variable.
const SETTINGS: [(&str, &str, &str); 6] = [
    ("api_base", "--api-base", env::API_BASE),
    ("api_key", "--api-key", env::API_KEY),
    ("retries", "--retries", env::RETRIES),
    ("timeout", "--timeout", env::TIMEOUT),
    ("out", "--out", env::OUT),
    ("jobs", "--jobs", env::JOBS),
];

/// The parsed command line, with the config file it was parsed against.
#[derive(Debug)]
pub struct Invocation {
    pub cli: Cli,
    pub config: config::Loaded,
    matches: clap::ArgMatches,
}

/// What parsing came to: a command to run, or clap's answer (help, version, a usage error).
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Invocation>),
    Clap(clap::Error),
}

/// Parse the command line against the config file's profile. Commands without a setting a
/// profile can give (`completions`) read no config file, so a broken one cannot stop them.
pub fn parse(argv: Vec<OsString>, env: EnvLookup<'_>) -> Result<Parsed, Error> {
    let early = cli::early(&argv);
    let named = |from_flag: bool| if from_flag { Named::Flag } else { Named::Env };
    let config = if early.uses_profile {
        config::load(
            early.config.map(|(path, flag)| (path, named(flag))),
            early
                .profile
                .filter(|(name, _)| !name.is_empty())
                .map(|(name, flag)| (name, named(flag))),
            env,
        )?
    } else {
        config::Loaded::default()
    };
    let defaults = config
        .profile
        .as_ref()
        .map(|(_, profile)| profile.defaults())
        .unwrap_or_default();
    let parsed = cli::command_with(&defaults)
        .try_get_matches_from(argv)
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, matches)));
    Ok(match parsed {
        Ok((cli, matches)) => Parsed::Run(Box::new(Invocation {
            cli,
            config,
            matches,
        })),
        Err(err) => Parsed::Clap(err),
    })
}

impl Invocation {
    /// Where the value of argument `id` of the command came from.
    fn source(&self, id: &str) -> Source {
        let Some(&(_, flag, var)) = SETTINGS.iter().find(|(i, _, _)| *i == id) else {
            return Source::Unset;
        };
        match cli::leaf(&self.matches).value_source(id) {
            Some(ValueSource::CommandLine) => Source::Flag(flag),
            Some(ValueSource::EnvVariable) => Source::Env(var),
            Some(ValueSource::DefaultValue) => match self.profile_source() {
                Some(source) if self.profile_has(id) => source,
                _ => Source::Default,
            },
            _ => Source::Unset,
        }
    }

    fn profile_has(&self, id: &str) -> bool {
        self.config
            .profile
            .as_ref()
            .is_some_and(|(_, p)| p.defaults().iter().any(|(i, _)| *i == id))
    }

    fn profile_source(&self) -> Option<Source> {
        let (name, _) = self.config.profile.as_ref()?;
        Some(Source::Profile {
            name: name.clone(),
            file: self.config.file.clone()?,
        })
    }

    fn profile(&self) -> Option<&config::Profile> {
        self.config.profile.as_ref().map(|(_, p)| p)
    }

    /// The raw value of argument `id` of the command, as clap resolved it.
    fn raw(&self, id: &str) -> Option<String> {
        let leaf = cli::leaf(&self.matches);
        leaf.try_contains_id(id).ok().filter(|&has| has)?;
        leaf.get_raw(id)?
            .next()
            .map(|v| v.to_string_lossy().into_owned())
    }

    /// Where a global argument (`--config`, `--profile`) came from, if it was given.
    fn given(&self, id: &str, flag: &'static str, var: &'static str) -> Option<Source> {
        match cli::leaf(&self.matches).value_source(id)? {
            ValueSource::CommandLine => Some(Source::Flag(flag)),
            ValueSource::EnvVariable => Some(Source::Env(var)),
            _ => None,
        }
    }

    fn config_file_shown(&self) -> Shown {
        let source = self
            .given("config", "--config", env::CONFIG)
            .unwrap_or(Source::Default);
        let (value, note) = match (&self.config.file, &self.config.looked_at) {
            (Some(file), _) => (Some(file), None),
            (None, Some(looked_at)) => (Some(looked_at), Some("not found".to_owned())),
            (None, None) => (
                None,
                Some(format!(
                    "{} and {} are unset",
                    env::XDG_CONFIG_HOME,
                    env::HOME
                )),
            ),
        };
        Shown {
            key: "config_file",
            value: value.map_or(serde_json::Value::Null, |p| p.display().to_string().into()),
            source: if value.is_some() {
                source
            } else {
                Source::Unset
            },
            path: None,
            note,
        }
    }

    fn profile_shown(&self) -> Shown {
        let name = self.config.profile_name();
        let note = match (name, &self.config.file) {
            (None, Some(_)) => Some(format!(
                "the file has no [profiles.{}]",
                config::DEFAULT_PROFILE
            )),
            _ => None,
        };
        Shown {
            key: "profile",
            value: name.map_or(serde_json::Value::Null, |n| n.into()),
            source: match name {
                Some(_) => self
                    .given("profile", "--profile", env::PROFILE)
                    .unwrap_or(Source::Default),
                None => Source::Unset,
            },
            path: None,
            note,
        }
    }

    /// Whether the command has argument `id` at all (set or not).
    fn has(&self, id: &str) -> bool {
        cli::leaf(&self.matches).try_contains_id(id).is_ok()
    }
}

/// A secret and where it came from.
struct Found {
    secret: Secret,
    source: Source,
    path: Option<PathBuf>,
}

/// The secret `var` / `file_var` from the environment, else `value` / `file` from the profile.
fn find_secret(
    inv: &Invocation,
    env: EnvLookup<'_>,
    (var, file_var): (&'static str, &'static str),
    (value, file, key): (Option<&Secret>, Option<&Path>, &str),
    warnings: &mut Vec<String>,
) -> Result<Option<Found>, Error> {
    if let Some(loaded) = secret_file::load(env, var, file_var)? {
        let from_file = env(var).is_none();
        warnings.extend(loaded.warnings);
        return Ok(Some(Found {
            secret: Secret::credential(loaded.secret.expose().trim()),
            source: Source::Env(if from_file { file_var } else { var }),
            path: from_file
                .then(|| env(file_var).map(PathBuf::from))
                .flatten(),
        }));
    }
    let Some(source) = inv.profile_source() else {
        return Ok(None);
    };
    if let Some(secret) = value {
        return Ok(Some(Found {
            secret: secret.clone(),
            source,
            path: None,
        }));
    }
    let Some(path) = file else {
        return Ok(None);
    };
    let label = format!("{key}_file of {source}");
    let loaded = secret_file::read(path, &label)?;
    warnings.extend(loaded.warnings);
    Ok(Some(Found {
        secret: Secret::credential(loaded.secret.expose().trim()),
        source,
        path: Some(path.to_owned()),
    }))
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
        verbosity: match (inv.cli.global.quiet, inv.cli.global.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, _) => Verbosity::Verbose,
        },
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

fn check_session_id(id: &str) -> Result<String, Error> {
    if id.is_empty() {
        return Err(Error::Usage("a session ID is empty".into()));
    }
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        dir
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
