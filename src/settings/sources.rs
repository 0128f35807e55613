//! Where the values come from: the command line, parsed against the config file's profile, and
//! the secrets, read from the environment or the profile.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::FromArgMatches;
use clap::parser::ValueSource;

use super::{EnvLookup, Shown, Source};
use crate::cli::{self, Cli};
use crate::config::{self, Named};
use crate::env;
use crate::error::Error;
use crate::secret::Secret;
use crate::secret_file;

/// The arguments a profile can set, with their flag and variable.
pub(super) const SETTINGS: [(&str, &str, &str); 6] = [
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
    pub(super) fn source(&self, id: &str) -> Source {
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

    pub(super) fn profile_has(&self, id: &str) -> bool {
        self.config
            .profile
            .as_ref()
            .is_some_and(|(_, p)| p.defaults().iter().any(|(i, _)| *i == id))
    }

    pub(super) fn profile_source(&self) -> Option<Source> {
        let (name, _) = self.config.profile.as_ref()?;
        Some(Source::Profile {
            name: name.clone(),
            file: self.config.file.clone()?,
        })
    }

    pub(super) fn profile(&self) -> Option<&config::Profile> {
        self.config.profile.as_ref().map(|(_, p)| p)
    }

    /// The raw value of argument `id` of the command, as clap resolved it.
    pub(super) fn raw(&self, id: &str) -> Option<String> {
        let leaf = cli::leaf(&self.matches);
        leaf.try_contains_id(id).ok().filter(|&has| has)?;
        leaf.get_raw(id)?
            .next()
            .map(|v| v.to_string_lossy().into_owned())
    }

    /// Where a global argument (`--config`, `--profile`) came from, if it was given.
    pub(super) fn given(&self, id: &str, flag: &'static str, var: &'static str) -> Option<Source> {
        match cli::leaf(&self.matches).value_source(id)? {
            ValueSource::CommandLine => Some(Source::Flag(flag)),
            ValueSource::EnvVariable => Some(Source::Env(var)),
            _ => None,
        }
    }

    pub(super) fn config_file_shown(&self) -> Shown {
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

    pub(super) fn profile_shown(&self) -> Shown {
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
    pub(super) fn has(&self, id: &str) -> bool {
        cli::leaf(&self.matches).try_contains_id(id).is_ok()
    }
}

/// A secret and where it came from.
pub(super) struct Found {
    pub(super) secret: Secret,
    pub(super) source: Source,
    pub(super) path: Option<PathBuf>,
}

/// The secret `var` / `file_var` from the environment, else `value` / `file` from the profile.
pub(super) fn find_secret(
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
