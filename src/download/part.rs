//! Writing a `.part` off the async workers: the body's chunks are gathered (not copied) and
//! handed to the archive's [`Writer`] in batches, one vectored write plus the SHA-256 of the
//! batch per trip to the blocking pool, while the next batch arrives. Finishing a file (last
//! write, fsync, length check, rename) is one blocking call too.

use std::io;
use std::path::Path;

use bytes::Bytes;
use tokio::task::JoinHandle;

use crate::archive::{CommitError, Digest, Writer};

/// Bytes gathered before each write: large enough that writes (and hand-offs to the blocking
/// pool) are few, small enough that memory stays flat however large the file.
pub const WRITE_BATCH: usize = 256 * 1024;

/// At most this many chunks per batch, within every platform's `IOV_MAX`.
const MAX_SLICES: usize = 512;

type Job = JoinHandle<(Writer, io::Result<()>)>;

/// Feeds chunks to one locked `.part`. At most one batch is being written while the next one
/// fills, so memory per file is about two batches.
pub struct PartWriter {
    /// Away on the blocking pool while a batch is in flight; gone if that job panicked.
    writer: Option<Writer>,
    pending: Vec<Bytes>,
    pending_len: usize,
    in_flight: Option<(Job, usize)>,
}

impl PartWriter {
    pub fn new(writer: Writer) -> Self {
        Self {
            writer: Some(writer),
            pending: Vec::new(),
            pending_len: 0,
            in_flight: None,
        }
    }

    /// Bytes handed over but not known to be written yet.
    pub fn buffered(&self) -> u64 {
        (self.pending_len + self.in_flight.as_ref().map_or(0, |(_, len)| *len)) as u64
    }

    /// Queue `chunk`. Returns how many bytes (of earlier chunks) are now written to the file.
    pub async fn push(&mut self, chunk: Bytes) -> io::Result<u64> {
        let len = chunk.len();
        if len == 0 {
            return Ok(0);
        }
        self.pending.push(chunk);
        self.pending_len += len;
        if self.pending_len < WRITE_BATCH && self.pending.len() < MAX_SLICES {
            return Ok(0);
        }
        let written = self.wait().await?;
        self.start_write()?;
        Ok(written)
    }

    /// Write everything queued and wait for it. Returns the writer (to go on with, or to keep
    /// the lock until the caller lets go) and the bytes written by this call, including an
    /// earlier batch still in flight.
    pub async fn finish(mut self) -> (Option<Writer>, io::Result<u64>) {
        let result = async {
            let mut written = self.wait().await?;
            if self.pending_len > 0 {
                written += self.pending_len as u64;
                self.start_write()?;
                self.wait().await?;
            }
            Ok(written)
        }
        .await;
        (self.writer.take(), result)
    }

    /// Drop what is queued, but let a write in flight land first.
    pub async fn abandon(mut self) -> Option<Writer> {
        let _ = self.wait().await;
        self.writer.take()
    }

    /// Write everything queued, then [`Writer::commit`] at `expected` bytes, in one trip to the
    /// blocking pool. Returns the bytes written by this call and the file's SHA-256.
    pub async fn commit(
        mut self,
        expected: u64,
    ) -> (Option<Writer>, Result<(u64, Digest), CommitError>) {
        let mut written = match self.wait().await {
            Ok(written) => written,
            Err(e) => return (self.writer.take(), Err(e.into())),
        };
        let batch = std::mem::take(&mut self.pending);
        written += std::mem::replace(&mut self.pending_len, 0) as u64;
        let Some(mut writer) = self.writer.take() else {
            return (None, Err(lost().into()));
        };
        let job = tokio::task::spawn_blocking(move || {
            let result = writer
                .write(&batch)
                .map_err(CommitError::from)
                .and_then(|()| writer.commit(expected));
            (writer, result)
        });
        match job.await {
            Ok((writer, result)) => (Some(writer), result.map(|digest| (written, digest))),
            Err(e) => (None, Err(io::Error::other(e).into())),
        }
    }

    /// Wait for the batch in flight, if any. Returns its length.
    async fn wait(&mut self) -> io::Result<u64> {
        let Some((job, len)) = self.in_flight.take() else {
            return Ok(0);
        };
        let (writer, result) = job.await.map_err(io::Error::other)?;
        self.writer = Some(writer);
        result.map(|()| len as u64)
    }

    fn start_write(&mut self) -> io::Result<()> {
        let batch = std::mem::take(&mut self.pending);
        let len = std::mem::replace(&mut self.pending_len, 0);
        let mut writer = self.writer.take().ok_or_else(lost)?;
        let job = tokio::task::spawn_blocking(move || {
            let result = writer.write(&batch);
            (writer, result)
        });
        self.in_flight = Some((job, len));
        Ok(())
    }
}

fn lost() -> io::Error {
    io::Error::other("the .part was lost to a failed write")
}

/// How every failure to write a `.part` reads: the file, then the operating system's words.
pub fn write_error(path: &Path, err: &io::Error) -> String {
    format!("cannot write {}: {err}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Claim, LocalArchive, Sha256};

    fn writer(root: &Path, name: &str) -> Writer {
        let archive = LocalArchive::open(root).unwrap();
        let folder = archive.folder("s", true).unwrap().unwrap();
        match folder.claim(name).unwrap().claim {
            Claim::Ready(writer) => Writer::Local(writer),
            Claim::Busy(_) => panic!("nobody else holds it"),
        }
    }

    #[tokio::test]
    async fn appends_in_order_across_batches_and_hashes_what_is_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("s")).unwrap();
        std::fs::write(dir.path().join("s/f.part"), b"head:").unwrap();
        let mut writer = PartWriter::new(writer(dir.path(), "f"));
        let mut expected = b"head:".to_vec();
        let mut reported = 0;
        // Odd sizes, some larger than a batch, and more slices than one write takes.
        for i in 0..2000usize {
            let chunk =
                vec![(i % 251) as u8; (i * 7919) % 3000 + usize::from(i % 500 == 0) * WRITE_BATCH];
            expected.extend_from_slice(&chunk);
            reported += writer.push(Bytes::from(chunk)).await.unwrap();
            assert!(reported + writer.buffered() == expected.len() as u64 - 5);
        }
        let (_, result) = writer.commit(expected.len() as u64).await;
        let (written, digest) = result.unwrap();
        assert_eq!(reported + written, expected.len() as u64 - 5);
        assert!(!dir.path().join("s/f.part").exists());
        assert!(std::fs::read(dir.path().join("s/f")).unwrap() == expected);
        let mut whole = Sha256::new();
        whole.update(&expected);
        assert_eq!(digest, whole.finish(), "the resumed prefix is in the hash");
    }

    #[tokio::test]
    async fn a_wrong_length_is_not_committed() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = PartWriter::new(writer(dir.path(), "f"));
        writer.push(Bytes::from(vec![7u8; 10])).await.unwrap();
        let (writer, result) = writer.commit(11).await;
        assert!(
            matches!(
                result,
                Err(CommitError::Length {
                    on_disk: 10,
                    expected: 11
                })
            ),
            "{result:?}"
        );
        assert!(!dir.path().join("s/f").exists());
        assert_eq!(std::fs::read(dir.path().join("s/f.part")).unwrap(), [7; 10]);
        drop(writer);
    }

    #[test]
    fn a_full_disk_is_reported() {
        let mut full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let failure =
            crate::archive::write_all_vectored(&mut full, &[Bytes::from(vec![1u8; WRITE_BATCH])])
                .unwrap_err();
        assert_eq!(failure.kind(), io::ErrorKind::StorageFull, "{failure}");
    }

    #[tokio::test]
    async fn an_empty_part_is_removed_when_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let writer = PartWriter::new(writer(dir.path(), "e"));
        assert!(dir.path().join("s/e.part").exists());
        let (writer, written) = writer.finish().await;
        assert_eq!(written.unwrap(), 0);
        drop(writer);
        assert!(!dir.path().join("s/e.part").exists());
    }
}
