//! A secret given either in an environment variable (`VSREC_X`) or in a file it names
//! (`VSREC_X_FILE`: a systemd credential, a Docker or Kubernetes secret), never on the command
//! line, where `ps` would show it. Written once for every secret that has a `*_FILE` form.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::Error;
use crate::secret::Secret;

/// No secret vsrec reads is longer; the cap keeps a mistaken `/dev/zero` from filling memory.
const MAX_BYTES: u64 = 64 * 1024;

/// A secret read from the environment, and warnings about how it was stored, for the caller to
/// print once it has a terminal.
#[derive(Debug)]
pub struct Loaded {
    pub secret: Secret,
    pub warnings: Vec<String>,
}

/// The secret from `var`, or from the file named by `file_var`; `None` when neither is set.
/// Both set is a usage error (which one was meant is a guess); so is an empty secret. A file
/// loses its trailing line break (`echo secret > file` adds one).
pub fn load(
    env: &dyn Fn(&str) -> Option<String>,
    var: &str,
    file_var: &str,
) -> Result<Option<Loaded>, Error> {
    match (env(var), env(file_var)) {
        (Some(_), Some(_)) => Err(Error::Usage(format!(
            "both {var} and {file_var} are set; set only one of them"
        ))),
        (Some(value), None) => {
            if value.trim().is_empty() {
                return Err(Error::Usage(format!("{var} is empty")));
            }
            Ok(Some(Loaded {
                secret: Secret::new(value),
                warnings: Vec::new(),
            }))
        }
        (None, Some(path)) => read(Path::new(&path), file_var).map(Some),
        (None, None) => Ok(None),
    }
}

/// Read a secret file. `file_var` names the variable that pointed here, for the messages.
pub fn read(path: &Path, file_var: &str) -> Result<Loaded, Error> {
    let fail = |why: String| {
        Error::Usage(format!(
            "{file_var}: cannot read the secret file {}: {why}",
            path.display()
        ))
    };
    let file = File::open(path).map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if meta.is_dir() {
        return Err(fail("it is a directory".into()));
    }
    let mut warnings = Vec::new();
    if let Some(warning) = exposure_warning(&meta, path) {
        warnings.push(warning);
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(fail(format!("it is longer than {} KiB", MAX_BYTES / 1024)));
    }
    let text = String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".into()))?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.trim().is_empty() {
        return Err(fail("it is empty".into()));
    }
    if value.contains(['\n', '\r']) {
        return Err(fail(
            "it has more than one line; put only the secret in it".into(),
        ));
    }
    Ok(Loaded {
        secret: Secret::new(value),
        warnings,
    })
}

/// A warning when a regular file's mode lets other users read it.
#[cfg(unix)]
fn exposure_warning(meta: &std::fs::Metadata, path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode();
    (meta.is_file() && mode & 0o044 != 0).then(|| {
        format!(
            "the secret file {} is readable by other users (mode {:o}); `chmod 600` it",
            path.display(),
            mode & 0o777
        )
    })
}

#[cfg(not(unix))]
fn exposure_warning(_meta: &std::fs::Metadata, _path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::io::Write;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn secret_file(content: &[u8], mode: u32) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(content).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        file
    }

    #[test]
    fn from_the_variable() {
        let loaded = load(&env(&[("S", "tok")]), "S", "S_FILE").unwrap().unwrap();
        assert_eq!(loaded.secret.expose(), "tok");
        assert!(loaded.warnings.is_empty());
        assert!(load(&env(&[]), "S", "S_FILE").unwrap().is_none());
    }

    #[test]
    fn from_a_private_file_without_its_line_break() {
        let file = secret_file(b"tok-123\r\n", 0o600);
        let path = file.path().to_str().unwrap();
        let loaded = load(&env(&[("S_FILE", path)]), "S", "S_FILE")
            .unwrap()
            .unwrap();
        assert_eq!(loaded.secret.expose(), "tok-123");
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_used_with_a_warning() {
        let file = secret_file(b"tok\n", 0o644);
        let loaded = read(file.path(), "S_FILE").unwrap();
        assert_eq!(loaded.secret.expose(), "tok");
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("chmod 600"), "{loaded:?}");
        assert!(!loaded.warnings[0].contains("tok\n"));
    }

    #[test]
    fn refusals_name_the_variable_and_never_the_secret() {
        let both = load(&env(&[("S", "a"), ("S_FILE", "/x")]), "S", "S_FILE");
        assert!(
            matches!(both, Err(Error::Usage(m)) if m.contains("S_FILE") && m.contains("only one"))
        );
        assert!(matches!(
            load(&env(&[("S", " ")]), "S", "S_FILE"),
            Err(Error::Usage(_))
        ));
        let missing = read(Path::new("/nonexistent/vsrec-secret"), "S_FILE").unwrap_err();
        assert!(
            missing.to_string().starts_with("S_FILE: cannot read"),
            "{missing}"
        );
        for (content, why) in [
            (&b"\n"[..], "empty"),
            (&b"one\ntwo\n"[..], "more than one line"),
            (&[0xff, 0xfe][..], "UTF-8"),
        ] {
            let file = secret_file(content, 0o600);
            let err = read(file.path(), "S_FILE").unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
            assert!(!err.contains("two"), "{err}");
        }
        let big = secret_file(&vec![b'a'; MAX_BYTES as usize + 1], 0o600);
        assert!(
            read(big.path(), "S_FILE")
                .unwrap_err()
                .to_string()
                .contains("longer")
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read(dir.path(), "S_FILE")
                .unwrap_err()
                .to_string()
                .contains("directory")
        );
    }
}
