//! Replacing a small file so that readers, crashes and power cuts see the old bytes or the new,
//! never half of them: a new file beside it (created exclusively and never through a link),
//! written, `fsync`ed, renamed over the name, then the folder `fsync`ed so that the rename itself
//! survives. The one copy of that pattern: `SHA256SUMS` and `session.json`, the record of the last
//! complete run (`--from last`) and the spool of `vsrec serve` all go through [`replace`].

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;

use rustix::fs::{self as rfs, AtFlags, Mode, OFlags};
use rustix::io::Errno;

/// Write `bytes` to the new file `temp` in `dir` (with permission bits `mode`, less the umask),
/// sync it, rename it to `name` and sync `dir`. On failure `temp` is removed and `name` is left
/// as it was. `temp` must not exist: a leftover is the caller's to clear (under whatever lock
/// makes that safe), since the exclusive create is what keeps a planted link from being
/// followed.
pub fn replace(dir: impl AsFd, temp: &str, name: &str, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = dir.as_fd();
    let fd = rfs::openat(
        dir,
        temp,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from(mode),
    )?;
    let mut file = File::from(fd);
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            rfs::renameat(dir, temp, dir, name).map_err(io::Error::from)
        });
    if let Err(e) = written {
        let _ = rfs::unlinkat(dir, temp, AtFlags::empty());
        return Err(e);
    }
    sync_folder(dir)
}

/// `fsync` of a folder, which makes the renames and removals in it durable. A file system that
/// cannot sync a folder at all says so with `EINVAL` (or `ENOTSUP`): nothing more can be done
/// there, so that is not an error; an I/O error is.
pub fn sync_folder(dir: impl AsFd) -> io::Result<()> {
    match rfs::fsync(dir) {
        Ok(()) | Err(Errno::INVAL | Errno::NOTSUP) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn open(dir: &std::path::Path) -> std::os::fd::OwnedFd {
        rfs::open(dir, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap()
    }

    #[test]
    fn replaces_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let fd = open(dir.path());
        replace(&fd, "f.tmp", "f", b"first", 0o600).unwrap();
        replace(&fd, "f.tmp", "f", b"second", 0o600).unwrap();
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"second");
        assert!(!dir.path().join("f.tmp").exists());
        let mode = std::fs::metadata(dir.path().join("f"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    #[test]
    fn a_link_planted_at_the_temporary_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, b"precious").unwrap();
        symlink(&elsewhere, dir.path().join("f.tmp")).unwrap();
        let err = replace(open(dir.path()), "f.tmp", "f", b"new", 0o644).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"precious");
        assert!(!dir.path().join("f").exists());
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty folder under the final name cannot be renamed over.
        std::fs::create_dir_all(dir.path().join("f/inside")).unwrap();
        assert!(replace(open(dir.path()), "f.tmp", "f", b"new", 0o644).is_err());
        assert!(!dir.path().join("f.tmp").exists());
        assert!(dir.path().join("f/inside").is_dir());
    }
}
