//! The archive: where verified recordings live, and the one place that touches its files.
//!
//! A session folder holds the recordings under their final names, `NAME.part` files being
//! written, `SHA256SUMS` (one line per verified file, `sha256sum -c` format), `session.json`
//! (the session as `vsrec list --json` prints it) and `.vsrec.lock` (the short lock for
//! rewriting those two). The rules, made true here rather than hoped for by callers:
//!
//! - a `.part` is written only while its writer holds an exclusive `flock` on it, so one file
//!   has one writer however many vsrec processes share the archive;
//! - a file reaches its final name only through [`Writer::commit`], which checks the length of
//!   the open file on disk (`fstat`) against the expected length and returns the SHA-256 of
//!   exactly those bytes, hashed as they were written;
//! - nothing inside the archive is opened through a symlink: session folders and files are
//!   reached with `openat` and `O_NOFOLLOW` from an open handle of their folder;
//! - `SHA256SUMS` and `session.json` are replaced atomically (temporary `.part`, `fsync`,
//!   rename, `fsync` of the folder: [`durable::replace`]) under the session lock.
//!
//! [`Folder::check`] re-hashes a file against `SHA256SUMS` and is the only maker of a
//! [`Proof`] (with `ObjectFolder::prove` for an object, which streams it back and re-hashes
//! it): `vsrec verify` uses it, and anything that must be certain of a file before acting on
//! it (deleting the original from Zoom) must too.

mod aws_profile;
pub mod digest;
pub mod durable;
mod hashing;
mod local;
pub mod manifest;
pub mod object;
pub mod object_log;
mod object_proof;
mod object_writer;
mod proof;
mod s3_stamp;
pub mod session_json;
mod sink;
mod update;
mod writer;

pub use digest::{Digest, Sha256};
pub use local::{
    Archive as LocalArchive, FileId, Folder as LocalFolder, Hashed, Refusal, Slot, is_refusal,
    part_name,
};
pub use manifest::{FILE_NAME as SHA256SUMS, Manifest};
pub use proof::{Check, Proof};
pub use sink::{Archive, Folder, Writer};
pub use update::Entry;
#[cfg(test)]
pub(crate) use writer::write_all_vectored;
pub use writer::{Busy, Claim, Claimed, CommitError, Writer as FileWriter};

/// What a file being downloaded is called until it is verified.
pub const PART_SUFFIX: &str = ".part";
/// The session as Zoom listed it, in every session folder.
pub const SESSION_JSON: &str = "session.json";
/// The lock file of a session folder, for rewriting `SHA256SUMS` and `session.json`.
pub const LOCK_FILE: &str = ".vsrec.lock";

/// Whether `name` is one of the archive's own files in a session folder, never a recording:
/// the manifests, the lock file, and any `.part` (the archive's own temporaries included).
pub fn is_own_file(name: &str) -> bool {
    name == SHA256SUMS || name == SESSION_JSON || name == LOCK_FILE || name.ends_with(PART_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_never_gives_a_recording_an_archive_name() {
        for own in [SHA256SUMS, SESSION_JSON, LOCK_FILE] {
            assert!(crate::naming::RESERVED_NAMES.contains(&own), "{own}");
        }
        assert_eq!(PART_SUFFIX, crate::naming::PART_SUFFIX);
    }
}
