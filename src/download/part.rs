//! Writing a `.part` file off the async workers: the body's chunks are gathered (not copied) and
//! appended with one vectored write per batch on a blocking thread, while the next batch arrives.
//! Finishing a file (fsync, rename, fsync of the folder) is one blocking call too.

use std::fs::{File, OpenOptions};
use std::io::{self, IoSlice, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::task::JoinHandle;

/// Bytes gathered before each write: large enough that writes (and hand-offs to the blocking
/// pool) are few, small enough that memory stays flat however large the file.
pub const WRITE_BATCH: usize = 256 * 1024;

/// At most this many chunks per write, within every platform's `IOV_MAX`.
const MAX_SLICES: usize = 512;

type Written = (Option<File>, io::Result<()>);

/// Appends chunks to one `.part`. At most one batch is being written while the next one fills,
/// so memory per file is about two batches.
pub struct PartWriter<B> {
    path: Arc<PathBuf>,
    /// Opened by the first write; away on the blocking thread while a write is in flight.
    file: Option<File>,
    pending: Vec<B>,
    pending_len: usize,
    in_flight: Option<(JoinHandle<Written>, usize)>,
}

impl<B: AsRef<[u8]> + Send + 'static> PartWriter<B> {
    /// Nothing is opened until the first write (the file is created then if missing, and
    /// appended to).
    pub fn new(path: &Path) -> Self {
        Self {
            path: Arc::new(path.to_owned()),
            file: None,
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
    pub async fn push(&mut self, chunk: B) -> io::Result<u64> {
        let len = chunk.as_ref().len();
        if len == 0 {
            return Ok(0);
        }
        self.pending.push(chunk);
        self.pending_len += len;
        if self.pending_len < WRITE_BATCH && self.pending.len() < MAX_SLICES {
            return Ok(0);
        }
        let written = self.wait().await?;
        self.start_write();
        Ok(written)
    }

    /// Write everything queued and wait for it; the file is created even when nothing was
    /// queued. Returns the bytes written by this call, including an earlier batch still in
    /// flight.
    pub async fn finish(mut self) -> io::Result<u64> {
        let mut written = self.wait().await?;
        if self.pending_len > 0 || self.file.is_none() {
            written += self.pending_len as u64;
            self.start_write();
            self.wait().await?;
        }
        Ok(written)
    }

    /// Drop what is queued, but let a write in flight land first (so that the file can be
    /// removed after it, not before).
    pub async fn abandon(mut self) {
        let _ = self.wait().await;
    }

    /// Write everything queued, sync the file, rename it to `dest` and sync the folder, as
    /// [`commit`] does, in one trip to the blocking pool. Returns the bytes written by this call.
    pub async fn commit(mut self, dest: &Path) -> Result<u64, String> {
        let part = Arc::clone(&self.path);
        let write_error = move |e: io::Error| write_error(&part, &e);
        let mut written = self.wait().await.map_err(&write_error)?;
        let batch = std::mem::take(&mut self.pending);
        written += std::mem::replace(&mut self.pending_len, 0) as u64;
        let file = self.file.take();
        let (path, dest) = (Arc::clone(&self.path), dest.to_owned());
        let on_blocking_pool = write_error.clone();
        tokio::task::spawn_blocking(move || {
            let write_error = on_blocking_pool;
            let mut file = match file {
                Some(file) => file,
                None => open_append(&path).map_err(&write_error)?,
            };
            write_all_vectored(&mut file, &batch).map_err(&write_error)?;
            file.sync_all().map_err(&write_error)?;
            drop(file);
            rename_durably(&path, &dest)
        })
        .await
        .map_err(|e| write_error(io::Error::other(e)))??;
        Ok(written)
    }

    /// Wait for the batch in flight, if any. Returns its length.
    async fn wait(&mut self) -> io::Result<u64> {
        let Some((handle, len)) = self.in_flight.take() else {
            return Ok(0);
        };
        let (file, result) = handle.await.map_err(io::Error::other)?;
        self.file = file;
        result.map(|()| len as u64)
    }

    fn start_write(&mut self) {
        let batch = std::mem::take(&mut self.pending);
        let len = std::mem::replace(&mut self.pending_len, 0);
        let file = self.file.take();
        let path = Arc::clone(&self.path);
        let handle = tokio::task::spawn_blocking(move || {
            let mut file = match file {
                Some(file) => file,
                None => match open_append(&path) {
                    Ok(file) => file,
                    Err(e) => return (None, Err(e)),
                },
            };
            let result = write_all_vectored(&mut file, &batch);
            (Some(file), result)
        });
        self.in_flight = Some((handle, len));
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn write_all_vectored<B: AsRef<[u8]>>(file: &mut File, batch: &[B]) -> io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = batch.iter().map(|b| IoSlice::new(b.as_ref())).collect();
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        match file.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Make `part` durable, rename it to `dest`, then make the rename durable by syncing the
/// folder. One trip to the blocking pool.
pub async fn commit(part: &Path, dest: &Path) -> Result<(), String> {
    let (owned_part, owned_dest) = (part.to_owned(), dest.to_owned());
    tokio::task::spawn_blocking(move || {
        OpenOptions::new()
            .write(true)
            .open(&owned_part)
            .and_then(|file| file.sync_all())
            .map_err(|e| write_error(&owned_part, &e))?;
        rename_durably(&owned_part, &owned_dest)
    })
    .await
    .map_err(|e| write_error(part, &io::Error::other(e)))?
}

/// How every failure to write a `.part` reads: the file, then the operating system's words.
pub fn write_error(path: &Path, err: &io::Error) -> String {
    format!("cannot write {}: {err}", path.display())
}

/// Rename `part` to `dest`, then make that durable by syncing the folder (best effort: not every
/// file system can sync a folder).
fn rename_durably(part: &Path, dest: &Path) -> Result<(), String> {
    std::fs::rename(part, dest)
        .map_err(|e| format!("cannot rename {} into place: {e}", part.display()))?;
    if let Some(dir) = dest.parent()
        && let Ok(dir) = File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vsrec-part-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn appends_in_order_across_batches() {
        let dir = temp_dir("order");
        let path = dir.join("f.part");
        std::fs::write(&path, b"head:").unwrap();
        let mut writer = PartWriter::new(&path);
        let mut expected = b"head:".to_vec();
        let mut reported = 0;
        // Odd sizes, some larger than a batch, and more slices than one write takes.
        for i in 0..2000usize {
            let chunk =
                vec![(i % 251) as u8; (i * 7919) % 3000 + usize::from(i % 500 == 0) * WRITE_BATCH];
            expected.extend_from_slice(&chunk);
            reported += writer.push(chunk).await.unwrap();
            assert!(reported + writer.buffered() == expected.len() as u64 - 5);
        }
        let dest = dir.join("f");
        reported += writer.commit(&dest).await.unwrap();
        assert_eq!(reported, expected.len() as u64 - 5);
        assert!(!path.exists());
        assert!(std::fs::read(&dest).unwrap() == expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn an_empty_body_still_creates_the_file() {
        let dir = temp_dir("empty");
        let path = dir.join("e.part");
        let writer = PartWriter::<Vec<u8>>::new(&path);
        assert_eq!(writer.finish().await.unwrap(), 0);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        commit(&path, &dir.join("e")).await.unwrap();
        assert!(!path.exists() && dir.join("e").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_full_disk_is_reported() {
        let mut writer = PartWriter::new(Path::new("/dev/full"));
        let mut failure = None;
        for _ in 0..3 {
            if let Err(e) = writer.push(vec![1u8; WRITE_BATCH]).await {
                failure = Some(e);
                break;
            }
        }
        let failure = match failure {
            Some(e) => e,
            None => writer.finish().await.unwrap_err(),
        };
        assert_eq!(failure.kind(), io::ErrorKind::StorageFull, "{failure}");
    }
}
