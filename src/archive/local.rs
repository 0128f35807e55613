//! The archive as a local folder. Every operation on a session folder goes through an open
//! handle of that folder (`openat`, `renameat`, `unlinkat` with `O_NOFOLLOW`), so no symlink
//! inside `--out` is ever followed, and a folder moved away mid-run is noticed rather than
//! written into. Only `--out` itself is reached by path: the operator chose it.

use std::fs::{File, TryLockError};
use std::io::{self, IoSlice, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::digest::{Digest, Sha256, hash_range, hash_reader};
use super::manifest::{self, Malformed, Manifest};
use super::{LOCK_FILE, PART_SUFFIX, SESSION_JSON};

/// What is at a name, looked at without following a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Absent,
    File {
        len: u64,
    },
    Folder,
    Symlink,
    /// A device, pipe or socket.
    Special,
}

impl Slot {
    /// How the slot reads in a sentence: "… is a symlink".
    pub fn what(self) -> &'static str {
        match self {
            Self::Absent => "missing",
            Self::File { .. } => "a file",
            Self::Folder => "a folder",
            Self::Symlink => "a symlink",
            Self::Special => "a device, pipe or socket",
        }
    }
}

/// A path inside the archive that vsrec will not write through (a symlink, a folder where a file
/// belongs…). Travels inside an `io::Error`; see [`is_refusal`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(String);

fn refused(message: String) -> io::Error {
    io::Error::other(Refusal(message))
}

/// Whether `err` is a refusal to write through an odd path, rather than an I/O failure.
pub fn is_refusal(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|e| e.is::<Refusal>())
}

/// The folder that holds the session folders (`--out`).
pub struct Archive {
    root: PathBuf,
    dir: OwnedFd,
}

impl Archive {
    /// Open the existing folder `root` (a symlink there is followed: `--out` is the operator's
    /// choice).
    pub fn open(root: &Path) -> io::Result<Self> {
        let dir = rfs::open(
            root,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self {
            root: root.to_owned(),
            dir,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn slot(&self, name: &str) -> io::Result<Slot> {
        slot_at(&self.dir, name)
    }

    /// Every entry of the archive folder, with what it is.
    pub fn entries(&self) -> io::Result<Vec<(String, Slot)>> {
        entries_of(&self.dir)
    }

    /// The session folder `name`; created first when `create` and missing. A symlink or
    /// anything but a folder there is refused.
    pub fn folder(&self, name: &str, create: bool) -> io::Result<Option<Folder>> {
        let path = self.root.join(name);
        match self.slot(name)? {
            Slot::Folder => {}
            Slot::Absent if create => match rfs::mkdirat(&self.dir, name, Mode::from(0o777)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            },
            Slot::Absent => return Ok(None),
            other => {
                return Err(refused(format!(
                    "{} is {}, not a folder; vsrec does not write through it (move it away and run again)",
                    path.display(),
                    other.what()
                )));
            }
        }
        let dir = rfs::openat(
            &self.dir,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            // Replaced by a symlink or a file since the look above.
            Errno::LOOP | Errno::NOTDIR => refused(format!(
                "{} is not a folder; vsrec does not write through it",
                path.display()
            )),
            e => e.into(),
        })?;
        Ok(Some(Folder::new(path, dir)))
    }
}

/// One session folder: its files, its `.part` files and their locks, `SHA256SUMS` and
/// `session.json`. Cheap to clone; every clone shares one queue of manifest updates.
#[derive(Clone)]
pub struct Folder(Arc<FolderInner>);

struct FolderInner {
    path: PathBuf,
    dir: OwnedFd,
    /// Entries waiting for the next rewrite of `SHA256SUMS`.
    pending: Mutex<Batch>,
    /// Held while `SHA256SUMS` is rewritten, so that updates queue up and coalesce.
    flushing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Batch {
    entries: Vec<Entry>,
    /// Set when the batch has been written (or failed); shared by everyone in it.
    done: Arc<OnceLock<Result<(), String>>>,
}

/// A line for `SHA256SUMS`.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub digest: Digest,
    /// The file the digest was computed from: the line is only written while that file is
    /// still the one under `name` (another process may have replaced it meanwhile).
    pub file: Option<FileId>,
}

/// A file's identity: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    fn of(file: &File) -> io::Result<Self> {
        let meta = file.metadata()?;
        Ok(Self {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
}

/// A file hashed from disk.
#[derive(Debug, Clone, Copy)]
pub struct Hashed {
    pub len: u64,
    pub digest: Digest,
    pub file: FileId,
}

impl std::fmt::Debug for Folder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Folder").field(&self.0.path).finish()
    }
}

impl Folder {
    /// Open a folder the operator named by path (`vsrec verify DIR`), following a symlink there.
    pub fn open(path: &Path) -> io::Result<Self> {
        let dir = rfs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self::new(path.to_owned(), dir))
    }

    fn new(path: PathBuf, dir: OwnedFd) -> Self {
        Self(Arc::new(FolderInner {
            path,
            dir,
            pending: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
        }))
    }

    pub fn path(&self) -> &Path {
        &self.0.path
    }

    fn dir(&self) -> &OwnedFd {
        &self.0.dir
    }

    pub fn slot(&self, name: &str) -> io::Result<Slot> {
        slot_at(self.dir(), name)
    }

    pub fn entries(&self) -> io::Result<Vec<(String, Slot)>> {
        entries_of(self.dir())
    }

    /// Fail unless the folder is still where it was opened: a folder moved or deleted mid-run
    /// (or `--out` with it) is not written into behind the operator's back.
    pub fn check_in_place(&self) -> io::Result<()> {
        let here = std::fs::symlink_metadata(self.path())?;
        let mine = rfs::fstat(self.dir())?;
        #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
        let same =
            here.is_dir() && here.dev() == mine.st_dev as u64 && here.ino() == mine.st_ino as u64;
        if same {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} was moved or replaced during the run",
                    self.path().display()
                ),
            ))
        }
    }

    /// Take the `.part` of the file `name` for writing: open it (created if missing) without
    /// following a symlink and lock it. A symlink at the `.part` path is never vsrec's work: it
    /// is removed and the file starts fresh. When another process holds the lock, the answer
    /// is [`Claim::Busy`], to wait on.
    pub fn claim(&self, name: &str) -> io::Result<Claimed> {
        let part = part_name(name);
        let mut removed_symlink = false;
        for _ in 0..16 {
            match self.slot(&part)? {
                Slot::Symlink => {
                    unlink(self.dir(), &part)?;
                    removed_symlink = true;
                    continue;
                }
                Slot::Absent | Slot::File { .. } => {}
                other => return Err(self.not_a_file(&part, other)),
            }
            let file = match self.open_file(&part, OFlags::RDWR | OFlags::CREATE) {
                Err(e) if e.raw_os_error() == Some(Errno::LOOP.raw_os_error()) => continue,
                other => other?,
            };
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
                removed_symlink,
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

    fn not_a_file(&self, name: &str, slot: Slot) -> io::Error {
        refused(format!(
            "{} is {}, not a file; vsrec does not write through it (move it away and run again)",
            self.path().join(name).display(),
            slot.what()
        ))
    }

    /// Open the regular file `name` with `flags`, never through a symlink and never opening a
    /// device or pipe.
    fn open_file(&self, name: &str, flags: OFlags) -> io::Result<File> {
        match self.slot(name)? {
            Slot::Absent | Slot::File { .. } => {}
            other => return Err(self.not_a_file(name, other)),
        }
        let fd = rfs::openat(
            self.dir(),
            name,
            flags | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
            Mode::from(0o666),
        )?;
        let file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Err(self.not_a_file(name, Slot::Special));
        }
        Ok(file)
    }

    /// `SHA256SUMS` as it is now (empty when there is none), and its malformed lines.
    pub fn read_manifest(&self) -> io::Result<(Manifest, Malformed)> {
        match self.read(manifest::FILE_NAME)? {
            Some(text) => Ok(Manifest::parse(&String::from_utf8_lossy(&text))),
            None => Ok((Manifest::default(), Vec::new())),
        }
    }

    /// The whole file `name`, or `None` when there is none.
    pub fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match self.open_file(name, OFlags::RDONLY) {
            Ok(mut file) => {
                let mut bytes = Vec::new();
                io::Read::read_to_end(&mut file, &mut bytes)?;
                Ok(Some(bytes))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Hash the file `name` as it is on disk; `progress` as for [`hash_reader`].
    pub fn hash(&self, name: &str, progress: &dyn Fn(u64) -> bool) -> io::Result<Hashed> {
        let file = self.open_file(name, OFlags::RDONLY)?;
        let id = FileId::of(&file)?;
        let (len, digest) = hash_reader(&mut &file, progress)?;
        Ok(Hashed {
            len,
            digest,
            file: id,
        })
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
        if self.slot(&temp)? == Slot::Symlink {
            unlink(self.dir(), &temp)?;
        }
        let mut file = self.open_file(&temp, OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        rfs::renameat(self.dir(), &temp, self.dir(), name)?;
        self.sync();
        Ok(())
    }

    /// Make renames in the folder durable; best effort, since not every file system can.
    fn sync(&self) {
        let _ = rfs::fsync(self.dir());
    }
}

/// The result of [`Folder::claim`].
pub struct Claimed {
    pub claim: Claim,
    /// A symlink stood at the `.part` path and was removed.
    pub removed_symlink: bool,
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
    hasher: Sha256,
    /// How many of the first bytes `hasher` has seen.
    hashed: u64,
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
            hasher: Sha256::new(),
            hashed: 0,
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

    /// Append `batch` with vectored writes and feed it to the hash. After a failed write the
    /// count is taken from the disk again and the hash starts over from there on the next call.
    pub fn write<B: AsRef<[u8]>>(&mut self, batch: &[B]) -> io::Result<()> {
        self.catch_up()?;
        if let Err(e) = write_all_vectored(&mut self.file, batch) {
            self.len = self.len_on_disk()?;
            self.file.seek(SeekFrom::Start(self.len))?;
            (self.hasher, self.hashed) = (Sha256::new(), 0);
            return Err(e);
        }
        for chunk in batch {
            self.hasher.update(chunk.as_ref());
            self.len += chunk.as_ref().len() as u64;
        }
        self.hashed = self.len;
        Ok(())
    }

    /// Hash what is on disk but not yet hashed: the prefix a resumed `.part` started with.
    pub fn catch_up(&mut self) -> io::Result<()> {
        if self.hashed < self.len {
            hash_range(&self.file, &mut self.hasher, self.hashed, self.len)?;
            self.hashed = self.len;
        }
        Ok(())
    }

    /// Empty the `.part` to start the file over.
    pub fn truncate(&mut self) -> io::Result<()> {
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.len = 0;
        (self.hasher, self.hashed) = (Sha256::new(), 0);
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
        let digest = std::mem::take(&mut self.hasher).finish();
        self.hashed = 0;
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
/// [`Folder::check`] makes one.
#[derive(Debug, Clone)]
pub struct Proof {
    name: String,
    len: u64,
    sha256: Digest,
}

impl Proof {
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

pub fn part_name(name: &str) -> String {
    format!("{name}{PART_SUFFIX}")
}

fn slot_at(dir: &OwnedFd, name: &str) -> io::Result<Slot> {
    match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(match FileType::from_raw_mode(st.st_mode) {
            FileType::RegularFile => Slot::File {
                len: u64::try_from(st.st_size).unwrap_or(0),
            },
            FileType::Directory => Slot::Folder,
            FileType::Symlink => Slot::Symlink,
            _ => Slot::Special,
        }),
        Err(Errno::NOENT) => Ok(Slot::Absent),
        Err(e) => Err(e.into()),
    }
}

fn entries_of(dir: &OwnedFd) -> io::Result<Vec<(String, Slot)>> {
    let mut names = Vec::new();
    let mut listing = rfs::Dir::read_from(dir.as_fd())?;
    while let Some(entry) = listing.read() {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != "." && name != ".." {
            names.push(name);
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| Ok((name.clone(), slot_at(dir, &name)?)))
        .collect()
}

fn unlink(dir: &OwnedFd, name: &str) -> io::Result<()> {
    match rfs::unlinkat(dir, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Write all of `batch` with as few `writev` calls as the platform allows.
pub(crate) fn write_all_vectored<B: AsRef<[u8]>>(file: &mut File, batch: &[B]) -> io::Result<()> {
    // At most this many slices per call, within every platform's `IOV_MAX`.
    const MAX_SLICES: usize = 512;
    for group in batch.chunks(MAX_SLICES) {
        let mut slices: Vec<IoSlice<'_>> = group.iter().map(|b| IoSlice::new(b.as_ref())).collect();
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
