//! Rewriting `SHA256SUMS` and `session.json`: atomically (temporary `.part`, `fsync`, rename,
//! `fsync` of the folder), under the session's short lock, and for `SHA256SUMS` coalesced, so
//! that files finishing together cost one rewrite.

use std::fs::File;
use std::io;
use std::sync::{Arc, OnceLock, PoisonError};

use rustix::fs::{self as rfs, AtFlags, OFlags};
use rustix::io::Errno;

use super::digest::Digest;
use super::local::{FileId, Folder, Slot, part_name, unlink};
use super::manifest;
use super::{LOCK_FILE, SESSION_JSON};

/// A line for `SHA256SUMS`.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub digest: Digest,
    /// The file the digest was computed from: the line is only written while that file is
    /// still the one under `name` (another process may have replaced it meanwhile).
    pub file: Option<FileId>,
}

#[derive(Default)]
pub(super) struct Batch {
    entries: Vec<Entry>,
    /// Set when the batch has been written (or failed); shared by everyone in it.
    done: Arc<OnceLock<Result<(), String>>>,
}

impl Folder {
    /// Add `entry` to `SHA256SUMS`. Updates from many files coalesce: while one rewrite runs,
    /// the entries that arrive wait and go into the next one together. Returns once the entry
    /// is durable (or its rewrite failed).
    pub async fn record(&self, entry: Entry) -> io::Result<()> {
        let done = {
            let mut batch = self
                .0
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            batch.entries.push(entry);
            Arc::clone(&batch.done)
        };
        let _turn = self.0.flushing.lock().await;
        if let Some(result) = done.get() {
            return result.clone().map_err(io::Error::other);
        }
        // This batch and its outcome together: whoever arrives from now on joins the next one.
        let Batch { entries, done } = std::mem::take(
            &mut *self
                .0
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let folder = self.clone();
        let result = tokio::task::spawn_blocking(move || folder.update_manifest(&entries))
            .await
            .map_err(io::Error::other)
            .and_then(|r| r)
            .map_err(|e| e.to_string());
        // Everyone who joined this batch learns how it went.
        let _ = done.set(result.clone());
        result.map_err(io::Error::other)
    }

    /// Rewrite `SHA256SUMS` with `entries` added, under the session lock. Blocking.
    fn update_manifest(&self, entries: &[Entry]) -> io::Result<()> {
        self.check_in_place()?;
        let _lock = self.session_lock()?;
        let (mut manifest, malformed) = self.read_manifest()?;
        let mut changed = !malformed.is_empty();
        for entry in entries {
            if let Some(id) = entry.file
                && !self.is(&entry.name, id)?
            {
                continue;
            }
            changed |= manifest.set(&entry.name, entry.digest);
        }
        if changed {
            self.replace(manifest::FILE_NAME, manifest.render().as_bytes())?;
        }
        Ok(())
    }

    fn is(&self, name: &str, id: FileId) -> io::Result<bool> {
        match rfs::statat(self.dir(), name, AtFlags::SYMLINK_NOFOLLOW) {
            #[allow(clippy::unnecessary_cast)]
            Ok(st) => Ok(st.st_dev as u64 == id.dev && st.st_ino as u64 == id.ino),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Replace `session.json` with `text`, atomically, under the session lock. Blocking.
    pub fn write_session_json(&self, text: &str) -> io::Result<()> {
        self.check_in_place()?;
        let _lock = self.session_lock()?;
        self.replace(SESSION_JSON, text.as_bytes())
    }

    /// Merge `text` (a webhook event's object) into `session.json`, atomically, under the
    /// session lock (see [`super::session_json`]). Blocking.
    pub fn merge_session_json(&self, text: &str) -> io::Result<()> {
        self.check_in_place()?;
        let _lock = self.session_lock()?;
        let merged = match self.read(SESSION_JSON)? {
            Some(existing) => super::session_json::merge(&String::from_utf8_lossy(&existing), text),
            None => text.to_owned(),
        };
        self.replace(SESSION_JSON, merged.as_bytes())
    }

    /// The session lock: short, exclusive, for rewriting `SHA256SUMS` and `session.json`. It
    /// dies with the process, so there is never a stale lock to clean up.
    fn session_lock(&self) -> io::Result<File> {
        if self.slot(LOCK_FILE)? == Slot::Symlink {
            unlink(self.dir(), LOCK_FILE)?;
        }
        let file = self.open_file(LOCK_FILE, OFlags::RDWR | OFlags::CREATE)?;
        file.lock()?;
        Ok(file)
    }

    /// Write `bytes` to `NAME.part`, sync, rename it to `name` and sync the folder: readers see
    /// the old file or the new one, never half of one.
    fn replace(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let temp = part_name(name);
        // Only this process writes the temporary (the session lock is held), so a leftover is a
        // crashed run's, or a link planted to make vsrec write elsewhere: a new file it is.
        if matches!(self.slot(&temp)?, Slot::File { .. } | Slot::Symlink) {
            unlink(self.dir(), &temp)?;
        }
        super::durable::replace(self.dir(), &temp, name, bytes, 0o666)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::archive::local::test_folder as folder;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_records_all_land_in_sha256sums() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        let digest = Digest::from_hex(&"ab".repeat(32)).unwrap();
        let records = (0..50).map(|n| {
            let f = f.clone();
            tokio::spawn(async move {
                f.record(Entry {
                    name: format!("file-{n:02}"),
                    digest,
                    file: None,
                })
                .await
            })
        });
        for record in futures::future::join_all(records).await {
            record.unwrap().unwrap();
        }
        let (manifest, malformed) = f.read_manifest().unwrap();
        assert!(malformed.is_empty());
        assert_eq!(manifest.len(), 50);
        assert!(!dir.path().join("s/SHA256SUMS.part").exists());
    }
}
