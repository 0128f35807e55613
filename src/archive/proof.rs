//! Proving a file: re-hash it and compare with its `SHA256SUMS` line. The only maker of a
//! [`Proof`], so that whatever must be sure of a file before acting on it goes through here.

use std::io;

use super::digest::Digest;
use super::local::{Folder, Slot};

impl Folder {
    /// Whether the file `name` is proven now: listed in `SHA256SUMS` and, re-hashed, equal to
    /// its line (and `expected_len` long, when given). `None` when `SHA256SUMS` does not list
    /// it. What must be certain of a file before acting on it (deleting the original from Zoom)
    /// asks this.
    /// `progress` gets each chunk's length and says whether to go on (else an `Interrupted`
    /// error).
    pub fn prove(
        &self,
        name: &str,
        expected_len: Option<u64>,
        progress: &dyn Fn(u64) -> bool,
    ) -> io::Result<Option<Check>> {
        let (manifest, _) = self.read_manifest()?;
        manifest
            .get(name)
            .map(|listed| self.check(name, listed, expected_len, progress))
            .transpose()
    }

    /// `vsrec delete --trust-manifest`: the file `name` is proven by its `SHA256SUMS` line and
    /// its size alone, without re-hashing, when Zoom lists a size and the file on disk has it.
    /// Without a size to compare (CC, TIMELINE) it is re-hashed as [`Folder::prove`] does.
    /// `None` when `SHA256SUMS` does not list it.
    pub fn vouch(
        &self,
        name: &str,
        expected_len: Option<u64>,
        progress: &dyn Fn(u64) -> bool,
    ) -> io::Result<Option<Check>> {
        let Some(expected) = expected_len else {
            return self.prove(name, None, progress);
        };
        let (manifest, _) = self.read_manifest()?;
        let Some(listed) = manifest.get(name) else {
            return Ok(None);
        };
        Ok(Some(match self.slot(name)? {
            Slot::Absent => Check::Missing,
            Slot::File { len } if len == expected => Check::Proven(Proof {
                name: name.to_owned(),
                len,
                sha256: listed,
            }),
            Slot::File { len } => Check::Corrupt {
                reason: format!("it holds {len} bytes, not the {expected} Zoom lists"),
                len: Some(len),
                actual: None,
            },
            other => Check::Corrupt {
                reason: format!("it is {}, not a file", other.what()),
                len: None,
                actual: None,
            },
        }))
    }

    /// Re-hash the file `name` and compare it with the digest `SHA256SUMS` lists for it (and,
    /// when known, its length with `expected_len`). The only way to get a [`Proof`]; `vsrec
    /// verify` (and anything that must be sure of a file before acting on it) goes through here.
    pub fn check(
        &self,
        name: &str,
        listed: Digest,
        expected_len: Option<u64>,
        progress: &dyn Fn(u64) -> bool,
    ) -> io::Result<Check> {
        match self.slot(name)? {
            Slot::Absent => return Ok(Check::Missing),
            Slot::File { len } => {
                if let Some(expected) = expected_len.filter(|&expected| expected != len) {
                    // No need to read it all to know.
                    return Ok(Check::Corrupt {
                        reason: format!("it holds {len} bytes, not the {expected} Zoom lists"),
                        len: Some(len),
                        actual: None,
                    });
                }
            }
            other => {
                return Ok(Check::Corrupt {
                    reason: format!("it is {}, not a file", other.what()),
                    len: None,
                    actual: None,
                });
            }
        }
        let hashed = match self.hash(name, progress) {
            Ok(hashed) => hashed,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Check::Missing),
            Err(e) => return Err(e),
        };
        Ok(if hashed.digest == listed {
            Check::Proven(Proof {
                name: name.to_owned(),
                len: hashed.len,
                sha256: hashed.digest,
            })
        } else {
            Check::Corrupt {
                reason: "its SHA-256 differs from SHA256SUMS".to_owned(),
                len: Some(hashed.len),
                actual: Some(hashed.digest),
            }
        })
    }
}

/// What [`Folder::check`] found.
#[derive(Debug)]
pub enum Check {
    Proven(Proof),
    /// Listed in `SHA256SUMS`, not on disk.
    Missing,
    Corrupt {
        reason: String,
        len: Option<u64>,
        actual: Option<Digest>,
    },
}

/// A file re-hashed just now and found equal to its `SHA256SUMS` line. Only
/// [`Folder::check`] (and [`Folder::prove`] through it) makes one, [`Folder::vouch`] when
/// the operator chose to trust `SHA256SUMS` (`--trust-manifest`) for a file of the right size,
/// and `ObjectFolder::prove` (`object_proof.rs`) for an object streamed back from the store.
#[derive(Debug, Clone)]
pub struct Proof {
    name: String,
    len: u64,
    sha256: Digest,
}

impl Proof {
    /// For the other provers of the archive (an object re-hashed from the store): never outside
    /// `src/archive/`.
    pub(super) fn made(name: &str, len: u64, sha256: Digest) -> Self {
        Self {
            name: name.to_owned(),
            len,
            sha256,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn sha256(&self) -> Digest {
        self.sha256
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use crate::archive::Check;
    use crate::archive::local::test_folder as folder;

    #[test]
    fn check_proves_or_says_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        std::fs::write(dir.path().join("s/a"), b"abc").unwrap();
        let listed = f.hash("a", &|_| true).unwrap().digest;
        let Check::Proven(proof) = f.check("a", listed, Some(3), &|_| true).unwrap() else {
            panic!("not proven");
        };
        assert_eq!(
            (proof.name(), proof.len(), proof.sha256()),
            ("a", 3, listed)
        );
        assert!(matches!(
            f.check("b", listed, None, &|_| true).unwrap(),
            Check::Missing
        ));
        std::fs::write(dir.path().join("s/a"), b"abd").unwrap();
        assert!(matches!(
            f.check("a", listed, None, &|_| true).unwrap(),
            Check::Corrupt {
                actual: Some(_),
                ..
            }
        ));
        assert!(matches!(
            f.check("a", listed, Some(4), &|_| true).unwrap(),
            Check::Corrupt {
                actual: None,
                len: Some(3),
                ..
            }
        ));
        assert!(
            f.prove("a", None, &|_| true).unwrap().is_none(),
            "not in SHA256SUMS"
        );
        symlink(dir.path().join("s/a"), dir.path().join("s/l")).unwrap();
        assert!(matches!(
            f.check("l", listed, None, &|_| true).unwrap(),
            Check::Corrupt { .. }
        ));
    }

    #[test]
    fn prove_reads_the_line_itself() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        std::fs::write(dir.path().join("s/a"), b"abc").unwrap();
        let listed = f.hash("a", &|_| true).unwrap().digest;
        std::fs::write(dir.path().join("s/SHA256SUMS"), format!("{listed}  a\n")).unwrap();
        assert!(matches!(
            f.prove("a", Some(3), &|_| true).unwrap(),
            Some(Check::Proven(_))
        ));
        std::fs::write(dir.path().join("s/a"), b"abd").unwrap();
        assert!(matches!(
            f.prove("a", None, &|_| true).unwrap(),
            Some(Check::Corrupt { .. })
        ));
        assert!(f.prove("b", None, &|_| true).unwrap().is_none());
    }
}
