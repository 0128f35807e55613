//! The archive as a local folder. Every operation on a session folder goes through an open
//! handle of that folder (`openat`, `renameat`, `unlinkat` with `O_NOFOLLOW`), so no symlink
//! inside `--out` is ever followed, and a folder moved away mid-run is noticed rather than
//! written into. Only `--out` itself is reached by path: the operator chose it.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::PART_SUFFIX;
use super::digest::{Digest, hash_reader};
use super::manifest::{self, Malformed, Manifest};
use super::update::Batch;

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

pub(super) fn refused(message: String) -> io::Error {
    io::Error::other(Refusal(message))
}

/// Whether `err` is a refusal to write through an odd path, rather than an I/O failure.
pub fn is_refusal(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|e| e.is::<Refusal>())
}

/// The folder that holds the session folders (`--out`).
pub struct Archive {
    root: PathBuf,
    pub(super) dir: OwnedFd,
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

    /// Create `root` (and its parents) if missing, then open it.
    pub fn create(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root)?;
        Self::open(root)
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

    /// The whole of the archive's own file `name` (beside the session folders), or `None` when
    /// there is none. A symlink or anything but a regular file there is refused, not followed.
    pub fn read_file(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match self.slot(name)? {
            Slot::Absent => return Ok(None),
            Slot::File { .. } => {}
            other => {
                return Err(refused(format!(
                    "{} is {}, not a regular file",
                    self.root.join(name).display(),
                    other.what()
                )));
            }
        }
        let fd = match rfs::openat(
            &self.dir,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
            Mode::empty(),
        ) {
            Err(Errno::NOENT) => return Ok(None),
            other => other?,
        };
        let mut file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Err(refused(format!(
                "{} is not a regular file",
                self.root.join(name).display()
            )));
        }
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut file, &mut bytes)?;
        Ok(Some(bytes))
    }

    /// Replace the archive's own file `name` atomically ([`super::durable::replace`]), through
    /// the new file `temp`, which must not exist.
    pub fn replace_file(&self, temp: &str, name: &str, bytes: &[u8]) -> io::Result<()> {
        super::durable::replace(&self.dir, temp, name, bytes, 0o666)
    }

    /// The archive's own file `name` (beside the session folders), opened to append: created
    /// (mode 0600, and the folder `fsync`ed so that the new name lasts) when missing; never
    /// truncated, never reached through a symlink. For logs that are only ever added to.
    pub fn open_append(&self, name: &str) -> io::Result<File> {
        let created = self.slot(name)? == Slot::Absent;
        let fd = rfs::openat(
            &self.dir,
            name,
            OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from(0o600),
        )
        .map_err(|e| match e {
            Errno::LOOP => refused(format!(
                "{} is a symlink; vsrec does not write through it",
                self.root.join(name).display()
            )),
            e => e.into(),
        })?;
        let file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Err(refused(format!(
                "{} is not a regular file",
                self.root.join(name).display()
            )));
        }
        if created {
            super::durable::sync_folder(&self.dir)?;
        }
        Ok(file)
    }

    /// Remove the archive's own file `name` if it is there (a link is removed, not followed).
    pub fn remove_file(&self, name: &str) -> io::Result<()> {
        unlink(&self.dir, name)
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
pub struct Folder(pub(super) Arc<FolderInner>);

pub(super) struct FolderInner {
    pub(super) path: PathBuf,
    dir: OwnedFd,
    /// Entries waiting for the next rewrite of `SHA256SUMS`.
    pub(super) pending: Mutex<Batch>,
    /// Held while `SHA256SUMS` is rewritten, so that updates queue up and coalesce.
    pub(super) flushing: tokio::sync::Mutex<()>,
}

/// A file's identity: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub(super) dev: u64,
    pub(super) ino: u64,
}

impl FileId {
    pub(super) fn of(file: &File) -> io::Result<Self> {
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

    pub(super) fn dir(&self) -> &OwnedFd {
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

    pub(super) fn not_a_file(&self, name: &str, slot: Slot) -> io::Error {
        refused(format!(
            "{} is {}, not a file; vsrec does not write through it (move it away and run again)",
            self.path().join(name).display(),
            slot.what()
        ))
    }

    /// Open the regular file `name` with `flags`, never through a symlink and never opening a
    /// device or pipe.
    pub(super) fn open_file(&self, name: &str, flags: OFlags) -> io::Result<File> {
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

    /// Make renames in the folder durable; best effort, since not every file system can.
    pub(super) fn sync(&self) {
        let _ = rfs::fsync(self.dir());
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

pub(super) fn unlink(dir: &OwnedFd, name: &str) -> io::Result<()> {
    match rfs::unlinkat(dir, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The session folder `s` of a new archive at `root`, for the archive's unit tests.
#[cfg(test)]
pub(crate) fn test_folder(root: &Path) -> Folder {
    Archive::open(root)
        .unwrap()
        .folder("s", true)
        .unwrap()
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::test_folder as folder;
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_symlinked_session_folder_or_part_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let root = dir.path().join("out");
        std::fs::create_dir(&root).unwrap();
        symlink(&elsewhere, root.join("s")).unwrap();
        let err = Archive::open(&root).unwrap().folder("s", true).unwrap_err();
        assert!(
            is_refusal(&err) && err.to_string().contains("a symlink"),
            "{err}"
        );
        let f = folder(dir.path());
        std::fs::create_dir(dir.path().join("s/d.part")).unwrap();
        let err = f.claim("d").err().unwrap();
        assert!(
            is_refusal(&err) && err.to_string().contains("a folder"),
            "{err}"
        );
    }
}
