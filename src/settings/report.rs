//! How each setting is shown by `-v` and `vsrec config show`: its value (a secret as
//! `(redacted)`) and where it came from.

use std::path::PathBuf;

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shown(key: &'static str, value: serde_json::Value, source: Source) -> Shown {
        Shown {
            key,
            value,
            source,
            path: None,
            note: None,
        }
    }

    #[test]
    fn lines_and_json_name_every_source() {
        let file = PathBuf::from("/etc/vsrec/config.toml");
        let mut secret = shown(
            "api_secret",
            crate::secret::REDACTED.into(),
            Source::Env("VSREC_API_SECRET_FILE"),
        );
        secret.path = Some(PathBuf::from("/run/secret"));
        let mut credentials = shown("credentials", "key_pair".into(), Source::Unset);
        credentials.note = Some("vsrec mints its own tokens".into());
        let all = [
            shown("api_base", "https://api.zoom.us/v2".into(), Source::Default),
            shown(
                "api_key",
                "k\u{1b}".into(),
                Source::Profile {
                    name: "prod".into(),
                    file: file.clone(),
                },
            ),
            secret,
            shown("token", serde_json::Value::Null, Source::Unset),
            shown("jobs", 8.into(), Source::Flag("--jobs")),
            credentials,
        ];
        assert_eq!(
            describe(&all),
            [
                "api_base     https://api.zoom.us/v2  (default)",
                "api_key      k\\u{1b}                 (profile prod in /etc/vsrec/config.toml)",
                "api_secret   (redacted)              (env VSREC_API_SECRET_FILE; file /run/secret)",
                "token        -                       (not set)",
                "jobs         8                       (flag --jobs)",
                "credentials  API key and secret      (vsrec mints its own tokens)",
            ]
        );
        assert_eq!(
            describe_json(&all),
            json!({
                "api_base": {"value": "https://api.zoom.us/v2", "source": "default"},
                "api_key": {"value": "k\u{1b}", "source": "profile", "profile": "prod",
                            "file": "/etc/vsrec/config.toml"},
                "api_secret": {"value": "(redacted)", "source": "env",
                               "env": "VSREC_API_SECRET_FILE", "path": "/run/secret"},
                "token": {"value": null, "source": null},
                "jobs": {"value": 8, "source": "flag", "flag": "--jobs"},
                "credentials": {"value": "key_pair", "source": null,
                                "note": "vsrec mints its own tokens"},
            })
        );
    }
}
