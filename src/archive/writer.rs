//! Writing a file into a session folder: claim its `.part` (an exclusive `flock`, or the
//! answer that another process holds it), append and hash, and commit at exactly the expected
//! length as the open file reports it.

use std::fs::{File, TryLockError};
use std::io::{self, IoSlice, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, MetadataExt};

use rustix::fs::{self as rfs, AtFlags, OFlags};
use rustix::io::Errno;

use bytes::Bytes;

use super::digest::Digest;
use super::hashing::Hashing;
use super::local::{FileId, Folder, Slot, part_name, unlink};

impl Folder {
    /// Take the `.part` of the file `name` for writing: open it (created if missing) without
    /// following a symlink and lock it. A symlink or hard link at the `.part` path is never
    /// vsrec's work, and writing through it would change a file elsewhere: the link is removed
    /// and the file starts fresh. When another process holds the lock, the answer is
    /// [`Claim::Busy`], to wait on.
    pub fn claim(&self, name: &str) -> io::Result<Claimed> {
        let part = part_name(name);
        let mut removed_link = false;
        for _ in 0..16 {
            match self.slot(&part)? {
                Slot::Symlink => {
                    unlink(self.dir(), &part)?;
                    removed_link = true;
                    continue;
                }
                Slot::Absent | Slot::File { .. } => {}
                other => return Err(self.not_a_file(&part, other)),
            }
            let file = match self.open_file(&part, OFlags::RDWR | OFlags::CREATE) {
                Err(e) if e.raw_os_error() == Some(Errno::LOOP.raw_os_error()) => continue,
                other => other?,
            };
            if file.metadata()?.nlink() > 1 {
                drop(file);
                unlink(self.dir(), &part)?;
                removed_link = true;
                continue;
            }
            let claim = match file.try_lock() {
                Ok(()) if self.holds(&part, &file)? => {
                    Claim::Ready(Writer::new(self.clone(), name, file)?)
                }
                // Renamed into place or removed by the holder just before we locked it.
                Ok(()) => continue,
                Err(TryLockError::WouldBlock) => Claim::Busy(Busy {
                    folder: self.clone(),
                    name: name.to_owned(),
                    file,
                }),
                Err(TryLockError::Error(e)) => return Err(e),
            };
            return Ok(Claimed {
                claim,
                removed_link,
            });
        }
        Err(io::Error::other(format!(
            "{} keeps changing under vsrec",
            self.path().join(part).display()
        )))
    }

    /// Remove the `.part` of the file `name` when nobody holds it (a leftover from an
    /// interrupted `--overwrite` beside a complete file). Returns whether there was one to
    /// remove; a symlink there is removed too.
    pub fn discard_part(&self, name: &str) -> io::Result<bool> {
        match self.slot(&part_name(name))? {
            Slot::Absent => Ok(false),
            Slot::File { .. } | Slot::Symlink => match self.claim(name)?.claim {
                Claim::Ready(mut writer) => {
                    writer.truncate()?;
                    Ok(true)
                }
                Claim::Busy(_) => Ok(false),
            },
            other => Err(self.not_a_file(&part_name(name), other)),
        }
    }

    /// Whether `file` is (still) what `name` names in this folder.
    fn holds(&self, name: &str, file: &File) -> io::Result<bool> {
        let meta = file.metadata()?;
        match rfs::statat(self.dir(), name, AtFlags::SYMLINK_NOFOLLOW) {
            #[allow(clippy::unnecessary_cast)]
            Ok(st) => Ok(meta.nlink() > 0
                && st.st_dev as u64 == meta.dev()
                && st.st_ino as u64 == meta.ino()),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The result of [`Folder::claim`].
pub struct Claimed {
    pub claim: Claim,
    /// A symlink or hard link stood at the `.part` path and was removed.
    pub removed_link: bool,
}

pub enum Claim {
    Ready(Writer),
    /// Another process is writing this `.part`.
    Busy(Busy),
}

/// A `.part` another process holds; [`Busy::wait`] blocks until it is free.
pub struct Busy {
    folder: Folder,
    name: String,
    file: File,
}

impl Busy {
    /// Wait for the lock (blocking), then claim the `.part` again: the holder may have renamed
    /// it into place or removed it meanwhile.
    pub fn wait(self) -> io::Result<Writer> {
        let mut busy = self;
        loop {
            busy.file.lock()?;
            let part = part_name(&busy.name);
            if busy.folder.holds(&part, &busy.file)? {
                return Writer::new(busy.folder, &busy.name, busy.file);
            }
            drop(busy.file);
            match busy.folder.claim(&busy.name)?.claim {
                Claim::Ready(writer) => return Ok(writer),
                Claim::Busy(next) => busy = next,
            }
        }
    }
}

/// A locked `.part` being written, and the SHA-256 of what it holds. The lock lasts as long as
/// the writer. Dropped without a commit, an empty `.part` is removed; a non-empty one stays for
/// the next run to resume.
pub struct Writer {
    folder: Folder,
    name: String,
    file: File,
    /// Bytes in the file, all written by this writer or found there when it was claimed.
    len: u64,
    /// The SHA-256 of the file's first `hash.hashed()` bytes.
    hash: Hashing,
    committed: bool,
}

/// Why a commit did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The `.part` on disk does not hold exactly the bytes the file should have.
    #[error("the .part holds {on_disk} bytes on disk, not the {expected} expected")]
    Length { on_disk: u64, expected: u64 },
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl Writer {
    fn new(folder: Folder, name: &str, mut file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len))?;
        Ok(Self {
            folder,
            name: name.to_owned(),
            file,
            len,
            hash: Hashing::new(),
            committed: false,
        })
    }

    /// The final name this `.part` is for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Bytes in the `.part`.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `.part`'s length as the file system reports it (`fstat`), not as counted.
    pub fn len_on_disk(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Append `batch` with vectored writes and hand it to the hash. After a failed write the
    /// count is taken from the disk again and the hash starts over from there on the next call.
    /// A folder moved away since it was opened is not written into (two system calls per batch).
    pub fn write(&mut self, batch: &[Bytes]) -> io::Result<()> {
        self.folder.check_in_place()?;
        self.catch_up()?;
        if let Err(e) = write_all_vectored(&mut self.file, batch) {
            self.len = self.len_on_disk()?;
            self.file.seek(SeekFrom::Start(self.len))?;
            self.hash = Hashing::new();
            return Err(e);
        }
        self.hash.update(batch);
        self.len += batch.iter().map(|b| b.len() as u64).sum::<u64>();
        Ok(())
    }

    /// Hash what is on disk but not yet hashed: the prefix a resumed `.part` started with.
    pub fn catch_up(&mut self) -> io::Result<()> {
        if self.hash.hashed() < self.len {
            self.hash.update_from_file(&self.file, self.len)?;
        }
        Ok(())
    }

    /// Empty the `.part` to start the file over.
    pub fn truncate(&mut self) -> io::Result<()> {
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.len = 0;
        self.hash = Hashing::new();
        Ok(())
    }

    /// The first bytes of the `.part`, at most `max` of them.
    pub fn read_head(&self, max: usize) -> io::Result<Vec<u8>> {
        let want = usize::try_from(self.len).unwrap_or(max).min(max);
        let mut buf = vec![0; want];
        self.file.read_exact_at(&mut buf, 0)?;
        Ok(buf)
    }

    /// Make the `.part` durable, check that the disk holds exactly `expected` bytes (`fstat`
    /// of the open file, not a counter), and rename it to its final name. Returns the SHA-256
    /// of exactly those bytes. The lock is kept until the writer is dropped.
    pub fn commit(&mut self, expected: u64) -> Result<Digest, CommitError> {
        self.file.sync_all()?;
        let on_disk = self.len_on_disk()?;
        if on_disk != expected || on_disk != self.len {
            return Err(CommitError::Length { on_disk, expected });
        }
        self.catch_up()?;
        let digest = std::mem::replace(&mut self.hash, Hashing::new()).finish()?;
        let part = part_name(&self.name);
        self.folder.check_in_place()?;
        if !self.folder.holds(&part, &self.file)? {
            return Err(io::Error::other(format!(
                "{} was replaced during the download",
                self.folder.path().join(&part).display()
            ))
            .into());
        }
        rfs::renameat(self.folder.dir(), &part, self.folder.dir(), &self.name)
            .map_err(io::Error::from)?;
        self.committed = true;
        self.folder.sync();
        Ok(digest)
    }

    /// The committed file, for its `SHA256SUMS` line.
    pub fn file_id(&self) -> io::Result<FileId> {
        FileId::of(&self.file)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let part = part_name(&self.name);
        if !self.committed
            && self.len_on_disk().is_ok_and(|len| len == 0)
            && self.folder.holds(&part, &self.file).unwrap_or(false)
        {
            let _ = unlink(self.folder.dir(), &part);
        }
    }
}

/// Write all of `batch` with as few `writev` calls as the platform allows.
pub(crate) fn write_all_vectored(file: &mut File, batch: &[Bytes]) -> io::Result<()> {
    // At most this many slices per call, within every platform's `IOV_MAX`.
    const MAX_SLICES: usize = 512;
    for group in batch.chunks(MAX_SLICES) {
        let mut slices: Vec<IoSlice<'_>> = group.iter().map(|b| IoSlice::new(b)).collect();
        let mut slices = &mut slices[..];
        while !slices.is_empty() {
            match file.write_vectored(slices) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut slices, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    use crate::archive::local::test_folder as folder;

    fn ready(claimed: Claimed) -> Writer {
        match claimed.claim {
            Claim::Ready(writer) => writer,
            Claim::Busy(_) => panic!("busy"),
        }
    }

    #[test]
    fn a_symlink_at_a_part_is_removed_and_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        symlink(&victim, dir.path().join("s/f.part")).unwrap();
        let claimed = f.claim("f").unwrap();
        assert!(claimed.removed_link);
        let mut writer = ready(claimed);
        writer.write(&[Bytes::from_static(b"new")]).unwrap();
        assert_eq!(writer.commit(3).unwrap().hex().len(), 64);
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(
            std::fs::symlink_metadata(dir.path().join("s/f"))
                .unwrap()
                .is_file()
        );
    }

    #[test]
    fn a_hard_link_at_a_part_is_removed_and_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        std::fs::hard_link(&victim, dir.path().join("s/f.part")).unwrap();
        let claimed = f.claim("f").unwrap();
        assert!(claimed.removed_link);
        let mut writer = ready(claimed);
        assert!(writer.is_empty(), "a fresh .part, not the victim's bytes");
        writer.write(&[Bytes::from_static(b"new")]).unwrap();
        writer.commit(3).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }

    #[test]
    fn one_writer_per_part_and_the_waiter_gets_the_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        let mut first = ready(f.claim("f").unwrap());
        // A second open of the same .part, as another process would have.
        let Claim::Busy(busy) = folder(dir.path()).claim("f").unwrap().claim else {
            panic!("the lock is held");
        };
        let waiter = std::thread::spawn(move || busy.wait());
        first.write(&[Bytes::from(vec![1u8; 10])]).unwrap();
        first.commit(10).unwrap();
        drop(first);
        // The holder renamed its .part into place: the waiter claims a fresh, empty one.
        let second = waiter.join().unwrap().unwrap();
        assert!(second.is_empty());
        assert_eq!(std::fs::read(dir.path().join("s/f")).unwrap(), [1; 10]);
        drop(second);
        assert!(
            !dir.path().join("s/f.part").exists(),
            "an empty .part is removed"
        );
    }

    #[test]
    fn a_commit_checks_the_length_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        let mut writer = ready(f.claim("f").unwrap());
        writer.write(&[Bytes::from_static(b"abc")]).unwrap();
        // Something else appends behind vsrec's back.
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("s/f.part"))
            .unwrap()
            .write_all(b"xyz")
            .unwrap();
        let err = writer.commit(3).unwrap_err();
        assert!(
            matches!(err, CommitError::Length { on_disk: 6, .. }),
            "{err}"
        );
        assert!(!dir.path().join("s/f").exists());
    }

    #[test]
    fn a_resumed_part_is_hashed_from_its_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let f = folder(dir.path());
        std::fs::write(dir.path().join("s/f.part"), b"ab").unwrap();
        let mut writer = ready(f.claim("f").unwrap());
        assert_eq!(writer.len(), 2);
        writer.write(&[Bytes::from_static(b"c")]).unwrap();
        let digest = writer.commit(3).unwrap();
        assert_eq!(
            digest.hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
