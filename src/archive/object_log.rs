//! The audit log of deletions in an object store. A store cannot append, so each record is an
//! object of its own under `PREFIX/.vsrec-deletions/` (see `delete::audit`), written with one
//! `PUT` that has completed when this returns.

use std::io;

use super::object::Bucket;

/// The folder of the audit records under the prefix. Starting with a dot, it is never taken
/// for a session folder.
pub const DELETIONS: &str = ".vsrec-deletions";

impl Bucket {
    /// Store `bytes` as `PREFIX/.vsrec-deletions/<name>` (`name` may hold `/`). Blocking; `Ok`
    /// only once the store has answered the `PUT`.
    pub fn put_deletion_record(&self, name: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.folder(DELETIONS).put(name, bytes)
    }
}
