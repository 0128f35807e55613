//! The config file: named profiles of settings, for operators with several Video SDK accounts.
//!
//! ```toml
//! [profiles.default]            # used when no --profile or VSREC_PROFILE names another
//! api_key = "AbCdEf"
//! api_secret_file = "/run/credentials/vsrec.service/api-secret"
//! out = "~/recordings"
//!
//! [profiles.staging]
//! api_key = "GhIjKl"
//! api_secret = "…"              # only when the file is private (mode 600)
//! jobs = 8
//! ```
//!
//! A profile only supplies values: flags and environment variables still win over it
//! ([`crate::settings`] applies the order). Reading the file is all this module does, and every
//! message it writes names the file and the key, never a secret's value.

use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use crate::cli;
use crate::env;
use crate::error::Error;
use crate::secret::Secret;
use crate::settings::EnvLookup;

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// A config file is a few lines; the cap keeps a mistaken `--config /dev/zero` from filling memory.
const MAX_BYTES: u64 = 1024 * 1024;

/// Keys a profile may hold, in the order `config show` lists them.
pub const KEYS: [&str; 10] = [
    "api_base",
    "api_key",
    "api_secret",
    "api_secret_file",
    "token",
    "token_file",
    "retries",
    "timeout",
    "out",
    "jobs",
];

/// Keys whose values are secrets: allowed only in a file that other users cannot read.
const SECRET_KEYS: [&str; 2] = ["api_secret", "token"];

/// One profile's values, each `None` when the profile does not set it. Paths are resolved
/// (`~/` is the home folder, a relative path is relative to the config file's folder).
#[derive(Debug, Default, Clone)]
pub struct Profile {
    pub api_base: Option<String>,
    pub api_key: Option<String>,
    pub api_secret: Option<Secret>,
    pub api_secret_file: Option<PathBuf>,
    pub token: Option<Secret>,
    pub token_file: Option<PathBuf>,
    pub retries: Option<u32>,
    pub timeout: Option<u64>,
    pub out: Option<PathBuf>,
    pub jobs: Option<u8>,
}

impl Profile {
    /// The values that stand in for clap's built-in defaults, by argument ID (the key's name).
    pub fn defaults(&self) -> Vec<(&'static str, OsString)> {
        let mut defaults = Vec::new();
        let mut add = |id: &'static str, value: Option<OsString>| {
            if let Some(value) = value {
                defaults.push((id, value));
            }
        };
        add("api_base", self.api_base.clone().map(Into::into));
        add("api_key", self.api_key.clone().map(Into::into));
        add("retries", self.retries.map(|n| n.to_string().into()));
        add("timeout", self.timeout.map(|n| n.to_string().into()));
        add("out", self.out.clone().map(Into::into));
        add("jobs", self.jobs.map(|n| n.to_string().into()));
        defaults
    }
}

/// Where the file named came from, for messages: `--config` or `VSREC_CONFIG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Flag,
    Env,
}

impl Named {
    fn config(self) -> &'static str {
        match self {
            Self::Flag => "--config",
            Self::Env => env::CONFIG,
        }
    }

    fn profile(self) -> &'static str {
        match self {
            Self::Flag => "--profile",
            Self::Env => env::PROFILE,
        }
    }
}

/// What was read: the file (if there is one) and the profile chosen in it (if any).
#[derive(Debug, Default)]
pub struct Loaded {
    /// The file read; `None` when no file was named and there is none at the usual place.
    pub file: Option<PathBuf>,
    /// Where the file was looked for when it was not named (for `config show`).
    pub looked_at: Option<PathBuf>,
    /// The profile in use and its values.
    pub profile: Option<(String, Profile)>,
    /// Every profile the file has, for `config show` and messages.
    pub names: Vec<String>,
}

impl Loaded {
    pub fn profile_name(&self) -> Option<&str> {
        self.profile.as_ref().map(|(name, _)| name.as_str())
    }
}

/// The usual place of the config file: `$XDG_CONFIG_HOME/vsrec/config.toml`, else
/// `~/.config/vsrec/config.toml`. The XDG spec ignores a relative `XDG_CONFIG_HOME`; so does vsrec.
pub fn default_path(env: EnvLookup<'_>) -> Option<PathBuf> {
    let base = env(env::XDG_CONFIG_HOME)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| env(env::HOME).map(|home| Path::new(&home).join(".config")))?;
    Some(base.join("vsrec").join("config.toml"))
}

/// Read the config file and choose the profile. `file` and `profile` are what `--config` /
/// `VSREC_CONFIG` and `--profile` / `VSREC_PROFILE` said. A named file or profile that does not
/// exist is an error; the usual file and the `default` profile may be absent.
pub fn load(
    file: Option<(PathBuf, Named)>,
    profile: Option<(String, Named)>,
    env: EnvLookup<'_>,
) -> Result<Loaded, Error> {
    let (path, named) = match file {
        Some((path, named)) => (path, Some(named)),
        None => match default_path(env) {
            Some(path) => (path, None),
            None => {
                return match profile {
                    Some((name, by)) => Err(Error::Usage(format!(
                        "{} {name:?}: there is no config file to find it in ({} and {} are \
                         unset); give one with --config FILE",
                        by.profile(),
                        env::XDG_CONFIG_HOME,
                        env::HOME
                    ))),
                    None => Ok(Loaded::default()),
                };
            }
        },
    };
    let text = match read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && named.is_none() => {
            return match profile {
                Some((name, by)) => Err(Error::Usage(format!(
                    "{} {name:?}: there is no config file at {}; create it with a \
                     [profiles.{name}] table, or give another with --config FILE",
                    by.profile(),
                    path.display()
                ))),
                None => Ok(Loaded {
                    looked_at: Some(path),
                    ..Loaded::default()
                }),
            };
        }
        Err(e) => {
            let by = named.map_or("the config file".to_owned(), |n| n.config().to_owned());
            return Err(Error::Usage(format!(
                "{by}: cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let file = parse(&text, &path, env)?;
    let names: Vec<String> = file.profiles.iter().map(|(n, _)| n.clone()).collect();
    let (name, by) = match profile {
        Some((name, by)) => (name, Some(by)),
        None => (DEFAULT_PROFILE.to_owned(), None),
    };
    let chosen = file.profiles.into_iter().find(|(n, _)| *n == name);
    if chosen.is_none()
        && let Some(by) = by
    {
        let known = if names.is_empty() {
            "it has no [profiles.NAME] tables".to_owned()
        } else {
            format!("its profiles are {}", names.join(", "))
        };
        return Err(Error::Usage(format!(
            "{} {name:?}: {} has no [profiles.{name}]; {known}",
            by.profile(),
            path.display()
        )));
    }
    Ok(Loaded {
        looked_at: named.is_none().then(|| path.clone()),
        file: Some(path),
        profile: chosen,
        names,
    })
}

fn read(path: &Path) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(std::io::Error::other(format!(
            "it is longer than {} KiB",
            MAX_BYTES / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| std::io::Error::other("it is not UTF-8 text"))
}

struct File {
    profiles: Vec<(String, Profile)>,
}

/// The file's text as profiles. Every key and type is checked, so that a typo (`job = 8`) is an
/// error instead of a setting silently not applied.
fn parse(text: &str, path: &Path, env: EnvLookup<'_>) -> Result<File, Error> {
    let fail = |what: String| Error::Usage(format!("{}: {what}", path.display()));
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        // The message only: toml's own rendering quotes the offending line, which may hold a
        // secret.
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
        let at = line.map_or(String::new(), |l| format!("line {l}: "));
        fail(format!(
            "{at}{} (TOML syntax)",
            e.message().trim().replace('\n', "; ")
        ))
    })?;
    let mut profiles = Vec::new();
    let mut secrets = Vec::new();
    for (key, value) in table {
        if key != "profiles" {
            return Err(fail(format!(
                "unknown key {key:?} at the top level; settings go in [profiles.NAME] tables"
            )));
        }
        let toml::Value::Table(tables) = value else {
            return Err(fail(
                "`profiles` must hold tables: [profiles.NAME]".to_owned(),
            ));
        };
        for (name, value) in tables {
            let toml::Value::Table(values) = value else {
                return Err(fail(format!(
                    "profiles.{name} must be a table: [profiles.{name}]"
                )));
            };
            let context = Context {
                path,
                profile: &name,
                env,
            };
            let profile = context.profile(values, &mut secrets)?;
            profiles.push((name, profile));
        }
    }
    if let Some(key) = secrets.first() {
        refuse_if_shared(path, key)?;
    }
    Ok(File { profiles })
}

/// A file that holds a secret value must be private to its owner (mode 600 or stricter).
#[cfg(unix)]
fn refuse_if_shared(path: &Path, key: &str) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Error::Usage(format!(
            "{} holds a secret ({key}) but other users may read it (mode {:o}): run `chmod 600 \
             {}`, or keep the secret in a file of its own named by {key}_file",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_shared(_path: &Path, _key: &str) -> Result<(), Error> {
    Ok(())
}

struct Context<'a> {
    path: &'a Path,
    profile: &'a str,
    env: EnvLookup<'a>,
}

impl Context<'_> {
    fn fail(&self, key: &str, what: &str) -> Error {
        Error::Usage(format!(
            "{}: profiles.{}.{key} {what}",
            self.path.display(),
            self.profile
        ))
    }

    fn profile(
        &self,
        values: toml::Table,
        secrets: &mut Vec<&'static str>,
    ) -> Result<Profile, Error> {
        let mut profile = Profile::default();
        for (key, value) in values {
            let Some(&known) = KEYS.iter().find(|k| **k == key) else {
                return Err(Error::Usage(format!(
                    "{}: profiles.{} has an unknown key {key:?}; the keys are {}",
                    self.path.display(),
                    self.profile,
                    KEYS.join(", ")
                )));
            };
            if SECRET_KEYS.contains(&known) {
                secrets.push(known);
            }
            match known {
                "api_base" => profile.api_base = Some(self.text(known, value)?),
                "api_key" => profile.api_key = Some(self.text(known, value)?),
                "api_secret" => {
                    profile.api_secret = Some(Secret::credential(self.text(known, value)?))
                }
                "token" => profile.token = Some(Secret::credential(self.text(known, value)?)),
                "api_secret_file" => profile.api_secret_file = Some(self.path_value(known, value)?),
                "token_file" => profile.token_file = Some(self.path_value(known, value)?),
                "out" => profile.out = Some(self.path_value(known, value)?),
                "retries" => {
                    profile.retries = Some(self.number(known, value, cli::RETRIES_RANGE)? as u32)
                }
                "timeout" => {
                    let range = cli::TIMEOUT_RANGE;
                    let range = *range.start() as i64..=*range.end() as i64;
                    profile.timeout = Some(self.number(known, value, range)? as u64)
                }
                "jobs" => profile.jobs = Some(self.number(known, value, cli::JOBS_RANGE)? as u8),
                _ => unreachable!("every key in KEYS is handled"),
            }
        }
        let both = |value: bool, file: &Option<PathBuf>, key: &str| {
            if value && file.is_some() {
                Err(self.fail(key, &format!("and {key}_file are both set; keep only one")))
            } else {
                Ok(())
            }
        };
        both(
            profile.api_secret.is_some(),
            &profile.api_secret_file,
            "api_secret",
        )?;
        both(profile.token.is_some(), &profile.token_file, "token")?;
        Ok(profile)
    }

    /// A non-empty string. The message never quotes the value: it may be a secret.
    fn text(&self, key: &str, value: toml::Value) -> Result<String, Error> {
        match value {
            toml::Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            toml::Value::String(_) => Err(self.fail(key, "is empty")),
            other => Err(self.fail(
                key,
                &format!("must be a string in quotes, not {}", kind(&other)),
            )),
        }
    }

    fn number(
        &self,
        key: &str,
        value: toml::Value,
        range: RangeInclusive<i64>,
    ) -> Result<i64, Error> {
        match value {
            toml::Value::Integer(n) if range.contains(&n) => Ok(n),
            other => Err(self.fail(
                key,
                &format!(
                    "must be a whole number from {} to {}, not {}",
                    range.start(),
                    range.end(),
                    Shown(&other)
                ),
            )),
        }
    }

    /// A path: `~/` is the home folder, and a relative path is relative to the config file's
    /// folder, so that the profile means the same wherever vsrec runs.
    fn path_value(&self, key: &str, value: toml::Value) -> Result<PathBuf, Error> {
        let text = self.text(key, value)?;
        let path = match text.strip_prefix("~/") {
            Some(rest) => {
                let home = (self.env)(env::HOME).ok_or_else(|| {
                    self.fail(key, &format!("starts with ~/ but {} is unset", env::HOME))
                })?;
                Path::new(&home).join(rest)
            }
            None => PathBuf::from(text),
        };
        Ok(match self.path.parent() {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path,
        })
    }
}

fn kind(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "a number",
        toml::Value::Float(_) => "a decimal number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

/// A non-secret value as it was written, for messages about numbers.
struct Shown<'a>(&'a toml::Value);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            toml::Value::Integer(n) => write!(f, "{n}"),
            other => f.write_str(kind(other)),
        }
    }
}

/// A config file `config.toml` with `text` and `mode` in a folder of its own, for the tests of
/// this module and of the settings it feeds.
#[cfg(test)]
pub(crate) fn test_file(text: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
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
    (dir, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    use super::test_file as file;

    fn load_named(path: &Path, profile: Option<&str>) -> Result<Loaded, Error> {
        load(
            Some((path.to_owned(), Named::Flag)),
            profile.map(|p| (p.to_owned(), Named::Flag)),
            &env(&[(env::HOME, "/home/op")]),
        )
    }

    #[test]
    fn every_key_of_a_profile_is_read_and_paths_resolved() {
        let (dir, path) = file(
            r#"
            [profiles.default]
            api_base = "https://eu01api.zoom.us/v2"
            api_key = " key-1 "
            api_secret_file = "secrets/api"
            token_file = "/run/secrets/token"
            retries = 0
            timeout = 3600
            out = "~/recordings"
            jobs = 32
            "#,
            0o644,
        );
        let loaded = load_named(&path, None).unwrap();
        assert_eq!(loaded.file.as_deref(), Some(path.as_path()));
        assert_eq!(loaded.names, ["default"]);
        let (name, p) = loaded.profile.unwrap();
        assert_eq!(name, "default");
        assert_eq!(p.api_key.as_deref(), Some("key-1"));
        assert_eq!(p.api_secret_file, Some(dir.path().join("secrets/api")));
        assert_eq!(p.token_file, Some(PathBuf::from("/run/secrets/token")));
        assert_eq!(p.out, Some(PathBuf::from("/home/op/recordings")));
        assert_eq!(
            (p.retries, p.timeout, p.jobs),
            (Some(0), Some(3600), Some(32))
        );
        assert_eq!(
            p.defaults(),
            [
                ("api_base", "https://eu01api.zoom.us/v2".into()),
                ("api_key", "key-1".into()),
                ("retries", "0".into()),
                ("timeout", "3600".into()),
                ("out", "/home/op/recordings".into()),
                ("jobs", "32".into()),
            ]
        );
    }

    #[test]
    fn mistakes_are_errors_naming_file_profile_and_key() {
        for (text, expected) in [
            (
                "[profiles.a]\njob = 4\n",
                "profiles.a has an unknown key \"job\"",
            ),
            ("jobs = 4\n", "unknown key \"jobs\" at the top level"),
            (
                "[profiles.a]\njobs = \"4\"\n",
                "profiles.a.jobs must be a whole number from 1 to 32, not a string",
            ),
            ("[profiles.a]\njobs = 33\n", "from 1 to 32, not 33"),
            ("[profiles.a]\nretries = -1\n", "from 0 to 100, not -1"),
            ("[profiles.a]\ntimeout = 0\n", "from 1 to 3600, not 0"),
            (
                "[profiles.a]\napi_key = \"\"\n",
                "profiles.a.api_key is empty",
            ),
            (
                "[profiles.a]\nout = 5\n",
                "profiles.a.out must be a string in quotes, not a number",
            ),
            ("profiles = 3\n", "`profiles` must hold tables"),
            ("[profiles]\na = 1\n", "profiles.a must be a table"),
            ("[profiles.a]\napi_key = \"k\"\n\n[profiles.a\n", "line 4: "),
        ] {
            let (_dir, path) = file(text, 0o600);
            let err = load_named(&path, None).unwrap_err().to_string();
            assert!(err.starts_with(&path.display().to_string()), "{err}");
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn secret_values_never_appear_in_messages() {
        for text in [
            "[profiles.a]\napi_secret = 71726354\n",
            "[profiles.a]\napi_secret = s3cr3t-unquoted-71726354\n",
            "[profiles.a]\ntoken = [\"71726354\"]\n",
            "[profiles.a]\napi_secret = \"71726354\"\napi_secret_file = \"/x\"\n",
        ] {
            let (_dir, path) = file(text, 0o600);
            let err = load_named(&path, None).unwrap_err().to_string();
            assert!(!err.contains("71726354"), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn secret_values_only_in_a_private_file() {
        let text = "[profiles.a]\napi_key = \"k\"\n\n[profiles.b]\ntoken = \"tok-9f8e7d\"\n";
        for mode in [0o644, 0o640, 0o604, 0o660] {
            let (_dir, path) = file(text, mode);
            let err = load_named(&path, Some("a")).unwrap_err().to_string();
            assert!(
                err.contains("holds a secret (token)")
                    && err.contains(&format!("chmod 600 {}", path.display()))
                    && err.contains(&format!("mode {mode:o}"))
                    && !err.contains("tok-9f8e7d"),
                "{err}"
            );
        }
        for mode in [0o600, 0o400] {
            let (_dir, path) = file(text, mode);
            let loaded = load_named(&path, Some("b")).unwrap();
            assert_eq!(
                loaded.profile.unwrap().1.token.unwrap().expose(),
                "tok-9f8e7d"
            );
        }
        // Without secret values, any mode will do.
        let (_dir, path) = file("[profiles.a]\napi_key = \"k\"\n", 0o644);
        assert!(load_named(&path, Some("a")).is_ok());
    }

    #[test]
    fn choosing_files_and_profiles() {
        let home = tempfile::tempdir().unwrap();
        let home_str = home.path().to_str().unwrap();
        let vars = env(&[(env::HOME, home_str)]);
        // No file at the usual place: no profile, unless one is asked for.
        let loaded = load(None, None, &vars).unwrap();
        assert!(loaded.file.is_none() && loaded.profile.is_none());
        assert_eq!(
            loaded.looked_at,
            Some(home.path().join(".config/vsrec/config.toml"))
        );
        let err = load(None, Some(("prod".into(), Named::Env)), &vars)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("VSREC_PROFILE \"prod\": there is no config file at"),
            "{err}"
        );
        // A named file must exist.
        let err = load(
            Some((home.path().join("nope.toml"), Named::Env)),
            None,
            &vars,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("VSREC_CONFIG: cannot read"), "{err}");

        std::fs::create_dir_all(home.path().join(".config/vsrec")).unwrap();
        std::fs::write(
            home.path().join(".config/vsrec/config.toml"),
            "[profiles.prod]\napi_key = \"p\"\n[profiles.test]\napi_key = \"t\"\n",
        )
        .unwrap();
        // A file without a `default` profile: none is used unless named.
        let loaded = load(None, None, &vars).unwrap();
        assert!(loaded.file.is_some() && loaded.profile.is_none());
        let loaded = load(None, Some(("test".into(), Named::Flag)), &vars).unwrap();
        assert_eq!(loaded.profile_name(), Some("test"));
        let err = load(None, Some(("stage".into(), Named::Flag)), &vars)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--profile \"stage\"") && err.contains("its profiles are prod, test"),
            "{err}"
        );
    }

    #[test]
    fn the_usual_place() {
        let at = |pairs: &[(&str, &str)]| default_path(&env(pairs));
        assert_eq!(
            at(&[(env::XDG_CONFIG_HOME, "/xdg"), (env::HOME, "/home/op")]),
            Some(PathBuf::from("/xdg/vsrec/config.toml"))
        );
        assert_eq!(
            at(&[(env::XDG_CONFIG_HOME, "relative"), (env::HOME, "/home/op")]),
            Some(PathBuf::from("/home/op/.config/vsrec/config.toml"))
        );
        assert_eq!(at(&[]), None);
    }
}
