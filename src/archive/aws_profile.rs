//! Named AWS profiles (`~/.aws/credentials`, `~/.aws/config`, `AWS_PROFILE`) for `--out s3://…`.
//! `object_store` reads the environment and instance roles but not these files, which is where
//! most operators keep their keys. What a profile gives is used only where the environment says
//! nothing, as the AWS CLI does: `AWS_ACCESS_KEY_ID` beats the profile's keys, `AWS_REGION` its
//! region, `AWS_ENDPOINT_URL` its `endpoint_url`.
//!
//! Only static keys are read. A profile that gets its credentials another way (SSO, an assumed
//! role, a `credential_process`) is named in an error that says how to export them, rather than
//! left to fall through to an instance role that would fail slowly and say less.

use std::path::{Path, PathBuf};

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};

use crate::env;
use crate::settings::EnvLookup;

/// What a profile says, from both files (the credentials file wins for a key in both).
#[derive(Default, PartialEq, Eq)]
struct Profile {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    /// The first key naming a way of getting credentials vsrec does not run (`sso_session`…).
    other_source: Option<&'static str>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("other_source", &self.other_source)
            .finish_non_exhaustive()
    }
}

/// Keys that get credentials some way other than static keys.
const OTHER_SOURCES: [&str; 6] = [
    "sso_session",
    "sso_start_url",
    "role_arn",
    "credential_process",
    "web_identity_token_file",
    "credential_source",
];

/// `builder` (from the environment) with what the profile adds. Errors name the profile and
/// the file, never a value.
pub fn apply(
    mut builder: AmazonS3Builder,
    env_lookup: EnvLookup<'_>,
) -> Result<AmazonS3Builder, String> {
    let named = env_lookup(env::AWS_PROFILE).filter(|p| !p.is_empty());
    let name = named.clone().unwrap_or_else(|| "default".to_owned());
    let (credentials_file, config_file) = files(env_lookup);
    let read = |path: &Option<PathBuf>| path.as_deref().and_then(read_text);
    let from_credentials = read(&credentials_file).and_then(|text| section(&text, &name, false));
    let from_config = read(&config_file).and_then(|text| section(&text, &name, true));
    let profile = match (from_credentials, from_config) {
        (None, None) => {
            return match named {
                Some(name) => Err(format!(
                    "{} names the AWS profile {name:?}, which neither {} nor {} has",
                    env::AWS_PROFILE,
                    shown(&credentials_file),
                    shown(&config_file)
                )),
                None => Ok(builder),
            };
        }
        (credentials, config) => merge(credentials.unwrap_or_default(), config.unwrap_or_default()),
    };

    let has = |builder: &AmazonS3Builder, key| builder.get_config_value(&key).is_some();
    if !has(&builder, AmazonS3ConfigKey::AccessKeyId) {
        match (&profile.access_key_id, &profile.secret_access_key) {
            (Some(id), Some(secret)) => {
                builder = builder
                    .with_access_key_id(id)
                    .with_secret_access_key(secret);
                if let Some(token) = &profile.session_token {
                    builder = builder.with_token(token);
                }
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(format!(
                    "the AWS profile {name:?} has only one of aws_access_key_id and \
                     aws_secret_access_key; give it both ({})",
                    shown(&credentials_file)
                ));
            }
            (None, None) => {
                if let Some(source) = profile.other_source {
                    return Err(format!(
                        "the AWS profile {name:?} gets its credentials through {source}, which \
                         vsrec does not run: export them first, e.g. eval \"$(aws configure \
                         export-credentials --profile {name} --format env)\""
                    ));
                }
            }
        }
    }
    if !has(&builder, AmazonS3ConfigKey::Region)
        && let Some(region) = &profile.region
    {
        builder = builder.with_region(region);
    }
    if !has(&builder, AmazonS3ConfigKey::Endpoint)
        && !has(&builder, AmazonS3ConfigKey::S3Endpoint)
        && let Some(url) = &profile.endpoint_url
    {
        builder = builder.with_endpoint(url);
    }
    Ok(builder)
}

/// `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`, else `~/.aws/credentials` and
/// `~/.aws/config`.
fn files(env_lookup: EnvLookup<'_>) -> (Option<PathBuf>, Option<PathBuf>) {
    let home = env_lookup(env::HOME).map(|home| Path::new(&home).join(".aws"));
    let file = |var: &str, default: &str| {
        env_lookup(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|dir| dir.join(default)))
    };
    (
        file(env::AWS_SHARED_CREDENTIALS_FILE, "credentials"),
        file(env::AWS_CONFIG_FILE, "config"),
    )
}

fn read_text(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn shown(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map_or_else(|| "~/.aws/…".into(), |p| p.display().to_string())
}

/// The keys of profile `name` in an INI text: `[name]` in the credentials file; `[profile
/// name]` (or `[default]`) in the config file. Indented lines (a nested `s3 =` block) are not
/// the profile's own keys and are skipped.
fn section(text: &str, name: &str, config: bool) -> Option<Profile> {
    let wanted = |header: &str| {
        let header = header.trim();
        match config {
            true if name == "default" => header == "default" || header == "profile default",
            true => header
                .strip_prefix("profile")
                .is_some_and(|rest| rest.starts_with([' ', '\t']) && rest.trim() == name),
            false => header == name,
        }
    };
    let mut found: Option<Profile> = None;
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            inside = wanted(header);
            if inside && found.is_none() {
                found = Some(Profile::default());
            }
            continue;
        }
        let (Some(profile), true) = (found.as_mut(), inside) else {
            continue;
        };
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim().to_owned());
        let slot = match key.as_str() {
            "aws_access_key_id" => &mut profile.access_key_id,
            "aws_secret_access_key" => &mut profile.secret_access_key,
            "aws_session_token" => &mut profile.session_token,
            "region" => &mut profile.region,
            "endpoint_url" => &mut profile.endpoint_url,
            other => {
                if let Some(source) = OTHER_SOURCES.iter().find(|s| **s == other) {
                    profile.other_source.get_or_insert(source);
                }
                continue;
            }
        };
        if !value.is_empty() {
            *slot = Some(value);
        }
    }
    found
}

/// The credentials file's keys over the config file's.
fn merge(credentials: Profile, config: Profile) -> Profile {
    Profile {
        access_key_id: credentials.access_key_id.or(config.access_key_id),
        secret_access_key: credentials.secret_access_key.or(config.secret_access_key),
        session_token: credentials.session_token.or(config.session_token),
        region: credentials.region.or(config.region),
        endpoint_url: credentials.endpoint_url.or(config.endpoint_url),
        other_source: credentials.other_source.or(config.other_source),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[archive]
aws_access_key_id=AKIAARCHIVE
aws_secret_access_key=archive-secret
aws_session_token = archive-token
";

    const CONFIG: &str = "\
# the AWS CLI's own layout
[default]
region = eu-west-1

[profile archive]
region = eu-central-1
endpoint_url = http://minio.lan:9000
s3 =
  addressing_style = path
  endpoint_url = http://not-this-one

[profile sso-user]
sso_session = corp
region = us-east-2
";

    fn resolve(vars: &[(&str, &str)]) -> Result<AmazonS3Builder, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), CREDENTIALS).unwrap();
        std::fs::write(dir.path().join(".aws/config"), CONFIG).unwrap();
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        map.insert(env::HOME.into(), dir.path().display().to_string());
        let mut builder = AmazonS3Builder::new();
        for (key, value) in vars.iter().filter(|(k, _)| k.starts_with("AWS_")) {
            if let Ok(key) = key.to_ascii_lowercase().parse() {
                builder = builder.with_config(key, *value);
            }
        }
        apply(builder, &|k| map.get(k).cloned())
    }

    fn value(builder: &AmazonS3Builder, key: AmazonS3ConfigKey) -> Option<String> {
        builder.get_config_value(&key)
    }

    #[test]
    fn the_default_profile_gives_keys_and_region() {
        let b = resolve(&[]).unwrap();
        assert_eq!(
            value(&b, AmazonS3ConfigKey::AccessKeyId).unwrap(),
            "AKIADEFAULT"
        );
        assert_eq!(
            value(&b, AmazonS3ConfigKey::SecretAccessKey).unwrap(),
            "default-secret"
        );
        assert_eq!(value(&b, AmazonS3ConfigKey::Region).unwrap(), "eu-west-1");
        assert_eq!(value(&b, AmazonS3ConfigKey::Endpoint), None);
    }

    #[test]
    fn a_named_profile_gives_token_and_endpoint_but_not_its_nested_block() {
        let b = resolve(&[("AWS_PROFILE", "archive")]).unwrap();
        assert_eq!(
            value(&b, AmazonS3ConfigKey::AccessKeyId).unwrap(),
            "AKIAARCHIVE"
        );
        assert_eq!(
            value(&b, AmazonS3ConfigKey::Token).unwrap(),
            "archive-token"
        );
        assert_eq!(
            value(&b, AmazonS3ConfigKey::Region).unwrap(),
            "eu-central-1"
        );
        assert_eq!(
            value(&b, AmazonS3ConfigKey::Endpoint).unwrap(),
            "http://minio.lan:9000"
        );
    }

    #[test]
    fn the_environment_beats_the_profile() {
        let b = resolve(&[
            ("AWS_PROFILE", "archive"),
            ("AWS_ACCESS_KEY_ID", "AKIAENV"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret"),
            ("AWS_REGION", "ap-south-1"),
        ])
        .unwrap();
        assert_eq!(
            value(&b, AmazonS3ConfigKey::AccessKeyId).unwrap(),
            "AKIAENV"
        );
        assert_eq!(
            value(&b, AmazonS3ConfigKey::SecretAccessKey).unwrap(),
            "env-secret"
        );
        assert_eq!(
            value(&b, AmazonS3ConfigKey::Token),
            None,
            "no mixing of the two"
        );
        assert_eq!(value(&b, AmazonS3ConfigKey::Region).unwrap(), "ap-south-1");
    }

    #[test]
    fn a_missing_or_unsupported_profile_is_said_without_values() {
        let missing = resolve(&[("AWS_PROFILE", "nope")]).unwrap_err();
        assert!(
            missing.contains("\"nope\"") && missing.contains("credentials"),
            "{missing}"
        );
        let sso = resolve(&[("AWS_PROFILE", "sso-user")]).unwrap_err();
        assert!(sso.contains("sso_session"), "{sso}");
        assert!(
            sso.contains("export-credentials --profile sso-user"),
            "{sso}"
        );
        for e in [&missing, &sso] {
            assert!(!e.contains("secret") && !e.contains("AKIA"), "{e}");
        }
    }

    #[test]
    fn no_files_and_no_profile_named_changes_nothing() {
        let builder = AmazonS3Builder::new().with_region("us-west-2");
        let b = apply(builder, &|_| None).unwrap();
        assert_eq!(value(&b, AmazonS3ConfigKey::Region).unwrap(), "us-west-2");
        assert_eq!(value(&b, AmazonS3ConfigKey::AccessKeyId), None);
        assert_eq!(super::super::s3_stamp::endpoint_of(&b), None);
    }
}
