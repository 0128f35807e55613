//! The archive interface the download path writes through: a local folder or an object store
//! behind one set of calls (open a writer for a file, append, commit only at the exact length,
//! say what is at a name, keep `SHA256SUMS` and `session.json`). An enum rather than a trait
//! object: two implementations, known here, and the local one keeps its own types unchanged.

use std::io;
use std::path::Path;

use bytes::Bytes;

use super::digest::Digest;
use super::local::{self, FileId, Slot};
use super::manifest::{Malformed, Manifest};
use super::object::{Bucket, ObjectFolder};
use super::object_writer::ObjectWriter;
use super::update::Entry;
use super::writer::{self, CommitError};

/// Where `--out` points: a folder, or a bucket and prefix.
pub enum Archive {
    Local(local::Archive),
    Object(Bucket),
}

impl Archive {
    /// `s3://bucket/prefix`, or the folder's path: for messages.
    pub fn root(&self) -> &Path {
        match self {
            Self::Local(archive) => archive.root(),
            Self::Object(bucket) => bucket.root(),
        }
    }

    /// The local folder, for what only a folder has.
    pub fn local(&self) -> Option<&local::Archive> {
        match self {
            Self::Local(archive) => Some(archive),
            Self::Object(_) => None,
        }
    }

    /// The archive's own small file `name` at its root (`.vsrec-state.json`), or `None`.
    /// Blocking.
    pub fn read_root(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match self {
            Self::Local(archive) => archive.read_file(name),
            Self::Object(bucket) => bucket.folder("").read(name),
        }
    }

    /// Replace the archive's own file `name` with what `change` makes of it (`None`: leave it),
    /// atomically: in a folder through a temporary of this process's own and a rename; in a
    /// bucket as a compare-and-swap, `change` redone on what another writer left. Blocking.
    pub fn update_root(
        &self,
        name: &str,
        change: impl Fn(Option<&[u8]>) -> Option<Vec<u8>>,
    ) -> io::Result<()> {
        match self {
            Self::Local(archive) => {
                let Some(next) = change(archive.read_file(name)?.as_deref()) else {
                    return Ok(());
                };
                // Two runs finishing at once never share a temporary, and a leftover under it
                // can only be a dead process's (a pid is unique among live ones).
                let temp = format!("{name}.{}.tmp", std::process::id());
                archive.remove_file(&temp)?;
                archive.replace_file(&temp, name, &next)
            }
            Self::Object(bucket) => bucket.folder("").update(name, change),
        }
    }

    /// The session folder `name`; a local one is created first when `create` and missing.
    pub fn folder(&self, name: &str, create: bool) -> io::Result<Option<Folder>> {
        match self {
            Self::Local(archive) => Ok(archive.folder(name, create)?.map(Folder::Local)),
            Self::Object(bucket) => Ok(Some(Folder::Object(bucket.folder(name)))),
        }
    }
}

/// One session folder.
#[derive(Debug, Clone)]
pub enum Folder {
    Local(local::Folder),
    Object(ObjectFolder),
}

impl Folder {
    pub fn path(&self) -> &Path {
        match self {
            Self::Local(folder) => folder.path(),
            Self::Object(folder) => folder.path(),
        }
    }

    /// What is at `name`. Blocking (a `HEAD` for an object store).
    pub fn slot(&self, name: &str) -> io::Result<Slot> {
        match self {
            Self::Local(folder) => folder.slot(name),
            Self::Object(folder) => folder.slot(name),
        }
    }

    /// What is at `name`, and the SHA-256 the store keeps with it (an object's `sha256`
    /// metadata; a file on disk keeps none). Blocking: one `HEAD` for an object store.
    pub fn slot_and_stored_sha256(&self, name: &str) -> io::Result<(Slot, Option<Digest>)> {
        match self {
            Self::Local(folder) => Ok((folder.slot(name)?, None)),
            Self::Object(folder) => folder.slot_and_stored_sha256(name),
        }
    }

    /// Blocking.
    pub fn read_manifest(&self) -> io::Result<(Manifest, Malformed)> {
        match self {
            Self::Local(folder) => folder.read_manifest(),
            Self::Object(folder) => folder.read_manifest(),
        }
    }

    /// Blocking.
    pub fn write_session_json(&self, text: &str) -> io::Result<()> {
        match self {
            Self::Local(folder) => folder.write_session_json(text),
            Self::Object(folder) => folder.write_session_json(text),
        }
    }

    /// Merge a webhook event's object into `session.json`. Blocking.
    pub fn merge_session_json(&self, text: &str) -> io::Result<()> {
        match self {
            Self::Local(folder) => folder.merge_session_json(text),
            Self::Object(folder) => folder.merge_session_json(text),
        }
    }

    /// Add `entry` to `SHA256SUMS`.
    pub async fn record(&self, entry: Entry) -> io::Result<()> {
        match self {
            Self::Local(folder) => folder.record(entry).await,
            Self::Object(folder) => folder.record(&entry.name, entry.digest).await,
        }
    }

    /// Remove a `.part` left beside a complete file; a store has none. Blocking.
    pub fn discard_part(&self, name: &str) -> io::Result<bool> {
        match self {
            Self::Local(folder) => folder.discard_part(name),
            Self::Object(_) => Ok(false),
        }
    }

    /// Hash the file `name` as it is stored: its length, SHA-256, and (on disk) which file
    /// that was. Blocking.
    pub fn hash(
        &self,
        name: &str,
        progress: &dyn Fn(u64) -> bool,
    ) -> io::Result<(u64, Digest, Option<FileId>)> {
        match self {
            Self::Local(folder) => folder
                .hash(name, progress)
                .map(|h| (h.len, h.digest, Some(h.file))),
            Self::Object(folder) => folder
                .hash(name, progress)
                .map(|(len, digest)| (len, digest, None)),
        }
    }
}

/// A file being written: a locked `.part`, or an upload.
pub enum Writer {
    Local(writer::Writer),
    Object(ObjectWriter),
}

impl Writer {
    pub fn name(&self) -> &str {
        match self {
            Self::Local(w) => w.name(),
            Self::Object(w) => w.name(),
        }
    }

    pub fn len(&self) -> u64 {
        match self {
            Self::Local(w) => w.len(),
            Self::Object(w) => w.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len_on_disk(&self) -> io::Result<u64> {
        match self {
            Self::Local(w) => w.len_on_disk(),
            Self::Object(w) => w.len_on_disk(),
        }
    }

    /// Blocking.
    pub fn write(&mut self, batch: &[Bytes]) -> io::Result<()> {
        match self {
            Self::Local(w) => w.write(batch),
            Self::Object(w) => w.write(batch),
        }
    }

    /// Blocking.
    pub fn truncate(&mut self) -> io::Result<()> {
        match self {
            Self::Local(w) => w.truncate(),
            Self::Object(w) => w.truncate(),
        }
    }

    /// Blocking.
    pub fn read_head(&self, max: usize) -> io::Result<Vec<u8>> {
        match self {
            Self::Local(w) => w.read_head(max),
            Self::Object(w) => w.read_head(max),
        }
    }

    /// Put the file under its final name only at exactly `expected` bytes. Blocking.
    pub fn commit(&mut self, expected: u64) -> Result<Digest, CommitError> {
        match self {
            Self::Local(w) => w.commit(expected),
            Self::Object(w) => w.commit(expected),
        }
    }

    /// The committed file on disk, for its `SHA256SUMS` line; `None` for an object.
    pub fn file_id(&self) -> Option<FileId> {
        match self {
            Self::Local(w) => w.file_id().ok(),
            Self::Object(_) => None,
        }
    }
}
