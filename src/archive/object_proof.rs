//! Proving an object before its original is deleted from Zoom: the same rule as for a file on
//! disk ([`super::proof`]), with nothing taken on the store's word. The object must exist, be
//! as long as Zoom lists, have its `SHA256SUMS` line, carry no `sha256` metadata that disagrees
//! with that line, and, streamed back whole (a `GET` of every byte) and re-hashed now, equal it.
//! There is no shortcut from a `HEAD` and metadata: that is `vsrec verify --quick`, never a
//! reason to delete.

use std::io;

use super::digest::Digest;
use super::object::ObjectFolder;
use super::proof::{Check, Proof};
use super::sink::Folder;

impl ObjectFolder {
    /// Whether the object `name` is proven now (see the module). `None` when `SHA256SUMS`
    /// does not list it. Blocking: a `GET` of `SHA256SUMS`, a `HEAD`, and a `GET` of the object.
    /// `progress` gets each chunk's length and says whether to go on (else an `Interrupted`
    /// error): reading a large object back can take minutes.
    pub fn prove(
        &self,
        name: &str,
        expected_len: Option<u64>,
        progress: &dyn Fn(u64) -> bool,
    ) -> io::Result<Option<Check>> {
        let (manifest, _) = self.read_manifest()?;
        let Some(listed) = manifest.get(name) else {
            return Ok(None);
        };
        self.check(name, listed, expected_len, progress).map(Some)
    }

    fn check(
        &self,
        name: &str,
        listed: Digest,
        expected_len: Option<u64>,
        progress: &dyn Fn(u64) -> bool,
    ) -> io::Result<Check> {
        let Some(head) = self.head(name)? else {
            return Ok(Check::Missing);
        };
        if let Some(expected) = expected_len.filter(|&expected| expected != head.len) {
            // No need to read it all to know.
            return Ok(Check::Corrupt {
                reason: format!("it holds {} bytes, not the {expected} Zoom lists", head.len),
                len: Some(head.len),
                actual: None,
            });
        }
        if let Some(stored) = head.sha256.filter(|&stored| stored != listed) {
            return Ok(Check::Corrupt {
                reason: "its sha256 metadata differs from SHA256SUMS".to_owned(),
                len: Some(head.len),
                actual: Some(stored),
            });
        }
        let (len, digest) = match self.hash(name, progress) {
            Ok(hashed) => hashed,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Check::Missing),
            Err(e) => return Err(e),
        };
        Ok(if len != head.len {
            // Replaced between the HEAD and the GET: prove what is there on the next run.
            Check::Corrupt {
                reason: format!(
                    "it changed while it was read ({} then {len} bytes)",
                    head.len
                ),
                len: Some(len),
                actual: Some(digest),
            }
        } else if digest != listed {
            Check::Corrupt {
                reason: "its SHA-256 differs from SHA256SUMS".to_owned(),
                len: Some(len),
                actual: Some(digest),
            }
        } else {
            Check::Proven(Proof::made(name, len, digest))
        })
    }
}

impl Folder {
    /// [`super::LocalFolder::prove`] or [`ObjectFolder::prove`]. Blocking.
    pub fn prove(
        &self,
        name: &str,
        expected_len: Option<u64>,
        progress: &dyn Fn(u64) -> bool,
    ) -> io::Result<Option<Check>> {
        match self {
            Self::Local(folder) => folder.prove(name, expected_len, progress),
            Self::Object(folder) => folder.prove(name, expected_len, progress),
        }
    }

    /// `--trust-manifest`: [`super::LocalFolder::vouch`] for a folder. An object is always
    /// streamed back and re-hashed ([`ObjectFolder::prove`]): the store's size and metadata are
    /// never enough to delete on (and `vsrec delete` refuses `--trust-manifest` with a bucket).
    /// Blocking.
    pub fn vouch(
        &self,
        name: &str,
        expected_len: Option<u64>,
        progress: &dyn Fn(u64) -> bool,
    ) -> io::Result<Option<Check>> {
        match self {
            Self::Local(folder) => folder.vouch(name, expected_len, progress),
            Self::Object(folder) => folder.prove(name, expected_len, progress),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use object_store::memory::InMemory;
    use object_store::path::Path as Key;
    use object_store::{Attribute, Attributes, ObjectStore, PutOptions};

    use crate::archive::object::{Bucket, SHA256_METADATA, block};
    use crate::archive::{Check, Sha256};

    fn digest(bytes: &[u8]) -> crate::archive::Digest {
        let mut hasher = Sha256::new();
        hasher.update(bytes);
        hasher.finish()
    }

    fn put(store: &Arc<InMemory>, key: &str, bytes: &[u8], sha256: Option<&str>) {
        let mut attributes = Attributes::new();
        if let Some(sha256) = sha256 {
            attributes.insert(
                Attribute::Metadata(Cow::Borrowed(SHA256_METADATA)),
                sha256.to_owned().into(),
            );
        }
        let options = PutOptions {
            attributes,
            ..Default::default()
        };
        block(store.put_opts(&Key::parse(key).unwrap(), bytes.to_vec().into(), options)).unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_object_is_proven_only_streamed_back_whole_and_equal_to_its_line() {
        let store = Arc::new(InMemory::new());
        let bucket = Bucket::with_store(store.clone(), None, "s3://b/p", "b", "p");
        let folder = bucket.folder("s");
        let good = digest(b"abc");
        let sums = format!("{good}  a\n{good}  m\n{good}  gone\n{good}  flipped\n");
        put(&store, "p/s/SHA256SUMS", sums.as_bytes(), None);
        put(&store, "p/s/a", b"abc", Some(&good.hex()));
        // No metadata (a multipart upload): the re-hash alone proves it.
        put(&store, "p/s/m", b"abc", None);
        put(&store, "p/s/flipped", b"abd", Some(&good.hex()));
        put(&store, "p/s/unlisted", b"abc", None);

        // Told to stop (Ctrl-C) as the bytes come back: no verdict at all, so no Proof.
        let stopped = folder.prove("a", Some(3), &|_| false).unwrap_err();
        assert_eq!(stopped.kind(), std::io::ErrorKind::Interrupted);
        let Some(Check::Proven(proof)) = folder.prove("a", Some(3), &|_| true).unwrap() else {
            panic!("a is not proven");
        };
        assert_eq!((proof.name(), proof.len(), proof.sha256()), ("a", 3, good));
        assert!(matches!(
            folder.prove("m", None, &|_| true).unwrap(),
            Some(Check::Proven(_))
        ));
        assert!(
            folder
                .prove("unlisted", Some(3), &|_| true)
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            folder.prove("gone", Some(3), &|_| true).unwrap(),
            Some(Check::Missing)
        ));
        // The metadata says what SHA256SUMS says; the bytes do not.
        assert!(matches!(
            folder.prove("flipped", Some(3), &|_| true).unwrap(),
            Some(Check::Corrupt {
                actual: Some(actual),
                ..
            }) if actual == digest(b"abd")
        ));
        // Zoom lists another size: refused from the HEAD.
        assert!(matches!(
            folder.prove("a", Some(4), &|_| true).unwrap(),
            Some(Check::Corrupt {
                len: Some(3),
                actual: None,
                ..
            })
        ));
        // Metadata that disagrees with SHA256SUMS is refused however the bytes hash.
        put(&store, "p/s/a", b"abc", Some(&digest(b"x").hex()));
        assert!(matches!(
            folder.prove("a", Some(3), &|_| true).unwrap(),
            Some(Check::Corrupt {
                actual: Some(_),
                ..
            })
        ));
        // `--trust-manifest` takes no shortcut for an object.
        let folder = crate::archive::Folder::Object(folder);
        assert!(matches!(
            folder.vouch("flipped", Some(3), &|_| true).unwrap(),
            Some(Check::Corrupt { .. })
        ));
    }
}
