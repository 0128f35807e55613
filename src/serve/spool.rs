//! The spool: every accepted recording event, as the raw body Zoom signed, in a folder of its
//! own, until the archive has it. A body is on disk (temporary file, fsync, rename, fsync of the
//! folder) before Zoom hears 200, so a crash after the answer loses nothing; a crash before it
//! leaves at most a temporary file, which the next start deletes, and Zoom delivers again.
//!
//! Names are `{sequence:020}-{sha256 of the body}.json`: the sequence keeps arrival order across
//! restarts, the hash de-duplicates identical deliveries (Zoom retries, two receivers behind one
//! proxy) and lets a start check each body against its name.
//!
//! An event whose session Zoom says does not exist is moved, unchanged, into the `dead/` folder
//! inside the spool ([`Spool::bury`]): never replayed, kept for an operator to read or move back.
//!
//! Bodies carry `download_token`, a credential: the folder is created private (0700) and the
//! files are 0600.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest;

use super::signature::hex;
use crate::archive::durable;

/// Where a spooled event lives, and its identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpoolId {
    /// Arrival order, counting up across restarts.
    pub seq: u64,
    /// SHA-256 of the body, lowercase hex.
    pub hash: String,
}

impl SpoolId {
    pub fn file_name(&self) -> String {
        format!("{:020}-{}.json", self.seq, self.hash)
    }

    /// A short form for log lines: the sequence and the start of the hash.
    pub fn short(&self) -> String {
        format!("{}-{}", self.seq, &self.hash[..12])
    }

    fn parse(name: &str) -> Option<Self> {
        let stem = name.strip_suffix(".json")?;
        let (seq, hash) = stem.split_once('-')?;
        let valid = seq.len() == 20
            && seq.bytes().all(|b| b.is_ascii_digit())
            && hash.len() == 64
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !valid {
            return None;
        }
        Some(Self {
            seq: seq.parse().ok()?,
            hash: hash.to_owned(),
        })
    }
}

/// What [`Spool::store`] did with a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    New(SpoolId),
    /// The same bytes are already spooled under this name.
    Duplicate(SpoolId),
}

/// One slot per body hash. Its async lock serialises the deliveries of one body, so that two
/// identical deliveries at once write one file, and the second is answered only once the first
/// is durable (or has failed, and the second writes it instead).
type Slot = Arc<tokio::sync::Mutex<Option<SpoolId>>>;

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    next_seq: AtomicU64,
    slots: Mutex<HashMap<String, Slot>>,
    len: AtomicUsize,
}

/// A spool as found at start: the events to replay, oldest first, and what the operator should
/// hear about (warnings).
#[derive(Debug)]
pub struct Opened {
    pub spool: Spool,
    pub entries: Vec<SpoolId>,
    pub warnings: Vec<String>,
}

const TEMP_PREFIX: &str = ".tmp-";
const DAMAGED_SUFFIX: &str = ".damaged";
/// The dead-letter folder's name inside the spool.
pub const DEAD: &str = "dead";

impl Spool {
    /// Create the folder if needed (private), delete temporary files of an interrupted write,
    /// and list the spooled events in arrival order. A file whose body does not hash to its name
    /// is renamed `NAME.damaged` and reported, not replayed.
    pub fn open(dir: &Path) -> io::Result<Opened> {
        create_private_dir(dir)?;
        let mut warnings = Vec::new();
        if let Some(warning) = exposure_warning(dir)? {
            warnings.push(warning);
        }
        let mut entries = Vec::new();
        let mut damaged = 0;
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let path = entry.path();
            if name.starts_with(TEMP_PREFIX) {
                fs::remove_file(&path)?;
                continue;
            }
            if name.ends_with(DAMAGED_SUFFIX) {
                damaged += 1;
                continue;
            }
            let Some(id) = SpoolId::parse(name) else {
                continue;
            };
            if !entry.file_type()?.is_file() || sha256_hex(&fs::read(&path)?) != id.hash {
                fs::rename(&path, dir.join(format!("{name}{DAMAGED_SUFFIX}")))?;
                damaged += 1;
                continue;
            }
            entries.push(id);
        }
        sync_dir(dir)?;
        if damaged > 0 {
            warnings.push(format!(
                "{damaged} spooled event(s) in {} do not match their checksum and are kept aside \
                 as *{DAMAGED_SUFFIX}; they are not replayed",
                dir.display()
            ));
        }
        entries.sort_by_key(|id| id.seq);
        let mut slots: HashMap<String, Slot> = HashMap::new();
        let mut unique = Vec::with_capacity(entries.len());
        for id in entries {
            if slots.contains_key(&id.hash) {
                // The same bytes twice (possible only by hand): the later copy is redundant.
                fs::remove_file(dir.join(id.file_name()))?;
                continue;
            }
            slots.insert(
                id.hash.clone(),
                Arc::new(tokio::sync::Mutex::new(Some(id.clone()))),
            );
            unique.push(id);
        }
        let next_seq = unique.last().map_or(1, |id| id.seq + 1);
        Ok(Opened {
            spool: Spool {
                dir: dir.to_path_buf(),
                next_seq: AtomicU64::new(next_seq),
                len: AtomicUsize::new(unique.len()),
                slots: Mutex::new(slots),
            },
            entries: unique,
            warnings,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many events are spooled.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::SeqCst)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Write `body` durably, unless the same bytes are spooled already. Returns only once the
    /// body is on disk under its final name.
    pub async fn store(&self, body: &[u8]) -> io::Result<Stored> {
        let hash = sha256_hex(body);
        let slot = self.slot(&hash);
        let mut held = slot.lock().await;
        if let Some(id) = &*held {
            return Ok(Stored::Duplicate(id.clone()));
        }
        let id = SpoolId {
            seq: self.next_seq.fetch_add(1, Ordering::SeqCst),
            hash,
        };
        let dir = self.dir.clone();
        let name = id.file_name();
        let body = body.to_vec();
        tokio::task::spawn_blocking(move || write_durably(&dir, &name, &body))
            .await
            .map_err(io::Error::other)??;
        self.len.fetch_add(1, Ordering::SeqCst);
        *held = Some(id.clone());
        Ok(Stored::New(id))
    }

    /// The body of a spooled event.
    pub async fn read(&self, id: &SpoolId) -> io::Result<Vec<u8>> {
        tokio::fs::read(self.dir.join(id.file_name())).await
    }

    /// Delete an archived event, durably. A later delivery of the same bytes is spooled anew.
    pub async fn remove(&self, id: &SpoolId) -> io::Result<()> {
        let dir = self.dir.clone();
        let path = dir.join(id.file_name());
        self.take_out(id, move || {
            fs::remove_file(&path)?;
            sync_dir(&dir)
        })
        .await
    }

    /// The dead-letter folder: events whose session Zoom says does not exist. Never replayed;
    /// an operator moves a file back into the spool folder to try it again at the next start.
    pub fn dead_dir(&self) -> PathBuf {
        self.dir.join(DEAD)
    }

    /// Move an event into [`Spool::dead_dir`], the same file under the same name (one rename,
    /// durable in both folders). Returns where it now is. A later delivery of the same bytes
    /// is spooled anew.
    pub async fn bury(&self, id: &SpoolId) -> io::Result<PathBuf> {
        let (dir, dead) = (self.dir.clone(), self.dead_dir());
        let name = id.file_name();
        let to = dead.join(&name);
        let moved = to.clone();
        self.take_out(id, move || {
            create_private_dir(&dead)?;
            fs::rename(dir.join(&name), &to)?;
            sync_dir(&dead)?;
            sync_dir(&dir)
        })
        .await?;
        Ok(moved)
    }

    /// Take a spooled event out of the spool with `act` (on the blocking pool), under its
    /// slot's lock so that a delivery of the same bytes meanwhile waits and is spooled anew.
    async fn take_out(
        &self,
        id: &SpoolId,
        act: impl FnOnce() -> io::Result<()> + Send + 'static,
    ) -> io::Result<()> {
        let slot = self.slot(&id.hash);
        let mut held = slot.lock().await;
        if held.as_ref() != Some(id) {
            return Ok(());
        }
        tokio::task::spawn_blocking(act)
            .await
            .map_err(io::Error::other)??;
        *held = None;
        self.len.fetch_sub(1, Ordering::SeqCst);
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.get(&id.hash).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
            slots.remove(&id.hash);
        }
        Ok(())
    }

    fn slot(&self, hash: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(hash.to_owned()).or_default().clone()
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// The body under `name`, durably ([`durable::replace`]); the temporary is private (0600) from
/// its creation, since bodies carry download tokens.
fn write_durably(dir: &Path, name: &str, body: &[u8]) -> io::Result<()> {
    let handle = File::open(dir)?;
    durable::replace(&handle, &format!("{TEMP_PREFIX}{name}"), name, body, 0o600)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    durable::sync_folder(File::open(dir)?)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // The parents are ordinary folders (the archive itself); only the spool is private.
            fs::create_dir_all(dir.parent().unwrap_or(dir))?;
            fs::DirBuilder::new().mode(0o700).create(dir)
        }
        other => other,
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

/// A warning when other users can enter the folder: the bodies carry download tokens.
#[cfg(unix)]
fn exposure_warning(dir: &Path) -> io::Result<Option<String>> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(dir)?.permissions().mode();
    Ok((mode & 0o077 != 0).then(|| {
        format!(
            "the spool {} is open to other users (mode {:o}) and holds download tokens; \
             `chmod 700` it",
            dir.display(),
            mode & 0o777
        )
    }))
}

#[cfg(not(unix))]
fn exposure_warning(_dir: &Path) -> io::Result<Option<String>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn stores_durably_under_sequence_and_hash() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out/.vsrec-spool");
        let opened = Spool::open(&dir).unwrap();
        assert!(opened.entries.is_empty() && opened.warnings.is_empty());
        let spool = opened.spool;
        let Stored::New(a) = spool.store(b"first").await.unwrap() else {
            panic!("new body")
        };
        let Stored::New(b) = spool.store(b"second").await.unwrap() else {
            panic!("new body")
        };
        assert_eq!((a.seq, b.seq), (1, 2));
        assert_eq!(a.hash, sha256_hex(b"first"));
        assert_eq!(a.file_name(), format!("{:020}-{}.json", 1, a.hash));
        assert_eq!(
            names(&dir),
            [a.file_name(), b.file_name()],
            "no temporary file left"
        );
        assert_eq!(fs::read(dir.join(a.file_name())).unwrap(), b"first");
        assert_eq!(spool.read(&b).await.unwrap(), b"second");
        assert_eq!(spool.len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join(a.file_name())), 0o600);
        }
    }

    #[tokio::test]
    async fn identical_bodies_are_spooled_once_even_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("spool");
        let spool = Arc::new(Spool::open(&dir).unwrap().spool);
        let stores: Vec<_> = (0..8)
            .map(|_| {
                let spool = spool.clone();
                tokio::spawn(async move { spool.store(b"same body").await.unwrap() })
            })
            .collect();
        let mut new = 0;
        let mut ids = Vec::new();
        for store in stores {
            match store.await.unwrap() {
                Stored::New(id) => {
                    new += 1;
                    ids.push(id);
                }
                Stored::Duplicate(id) => ids.push(id),
            }
        }
        assert_eq!(new, 1);
        assert!(ids.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(names(&dir).len(), 1);
        assert_eq!(spool.len(), 1);
    }

    #[tokio::test]
    async fn removal_is_final_and_the_same_body_can_come_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("spool");
        let spool = Spool::open(&dir).unwrap().spool;
        let Stored::New(id) = spool.store(b"x").await.unwrap() else {
            panic!()
        };
        spool.remove(&id).await.unwrap();
        assert!(names(&dir).is_empty());
        assert!(spool.is_empty());
        // Removing twice is harmless.
        spool.remove(&id).await.unwrap();
        let Stored::New(again) = spool.store(b"x").await.unwrap() else {
            panic!("a body delivered after its event was archived is spooled again")
        };
        assert!(again.seq > id.seq);
    }

    #[tokio::test]
    async fn a_buried_event_leaves_the_spool_for_its_dead_folder_and_can_come_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("spool");
        let spool = Spool::open(&dir).unwrap().spool;
        let Stored::New(id) = spool.store(b"gone").await.unwrap() else {
            panic!()
        };
        let moved = spool.bury(&id).await.unwrap();
        assert_eq!(moved, dir.join("dead").join(id.file_name()));
        assert_eq!(fs::read(&moved).unwrap(), b"gone", "the same bytes");
        assert_eq!(names(&dir), ["dead"]);
        assert!(spool.is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join("dead")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "it holds download tokens too");
        }
        // Not replayed; the same bytes delivered again are a new event.
        drop(spool);
        let opened = Spool::open(&dir).unwrap();
        assert!(opened.entries.is_empty() && opened.warnings.is_empty());
        assert!(matches!(
            opened.spool.store(b"gone").await.unwrap(),
            Stored::New(_)
        ));
        // Moved back by hand: replayed at the next start.
        drop(opened);
        fs::rename(&moved, dir.join(id.file_name())).unwrap();
        assert!(Spool::open(&dir).unwrap().entries.contains(&id));
    }

    #[tokio::test]
    async fn reopening_replays_in_arrival_order_and_continues_the_sequence() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("spool");
        let spool = Spool::open(&dir).unwrap().spool;
        let mut stored = Vec::new();
        for i in 0..12 {
            let body = format!("event {i}");
            if let Stored::New(id) = spool.store(body.as_bytes()).await.unwrap() {
                stored.push(id);
            }
        }
        spool.remove(&stored[3]).await.unwrap();
        drop(spool);
        // What an interrupted write leaves, and what an operator might drop in.
        fs::write(dir.join(".tmp-00000000000000000099-abc.json"), b"half").unwrap();
        fs::write(dir.join("notes.txt"), b"mine").unwrap();

        let opened = Spool::open(&dir).unwrap();
        let mut expected = stored.clone();
        expected.remove(3);
        assert_eq!(
            opened.entries, expected,
            "oldest first, by sequence, past 10"
        );
        assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
        assert!(!names(&dir).iter().any(|n| n.starts_with(".tmp-")));
        assert!(names(&dir).contains(&"notes.txt".to_owned()));
        let spool = opened.spool;
        assert_eq!(spool.len(), 11);
        // Replayed bodies are still de-duplicated, and new ones come after them.
        assert!(
            matches!(spool.store(b"event 5").await.unwrap(), Stored::Duplicate(id) if id == stored[5])
        );
        let Stored::New(next) = spool.store(b"event 12").await.unwrap() else {
            panic!()
        };
        assert_eq!(next.seq, stored.last().unwrap().seq + 1);
    }

    #[tokio::test]
    async fn a_body_that_does_not_match_its_name_is_set_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("spool");
        let spool = Spool::open(&dir).unwrap().spool;
        let Stored::New(good) = spool.store(b"good").await.unwrap() else {
            panic!()
        };
        let Stored::New(bad) = spool.store(b"bad").await.unwrap() else {
            panic!()
        };
        drop(spool);
        fs::write(dir.join(bad.file_name()), b"bit rot").unwrap();
        let opened = Spool::open(&dir).unwrap();
        assert_eq!(opened.entries, [good]);
        assert_eq!(opened.warnings.len(), 1);
        assert!(
            opened.warnings[0].contains("checksum"),
            "{:?}",
            opened.warnings
        );
        assert!(dir.join(format!("{}.damaged", bad.file_name())).exists());
        // Set aside once, not counted as an event again.
        assert_eq!(Spool::open(&dir).unwrap().entries.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn an_open_folder_gets_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let opened = Spool::open(tmp.path()).unwrap();
        assert!(
            opened.warnings[0].contains("chmod 700"),
            "{:?}",
            opened.warnings
        );
    }

    #[test]
    fn names_parse_only_in_their_own_shape() {
        let id = SpoolId {
            seq: 42,
            hash: sha256_hex(b""),
        };
        assert_eq!(SpoolId::parse(&id.file_name()), Some(id.clone()));
        assert_eq!(id.short(), format!("42-{}", &id.hash[..12]));
        for bad in [
            "42-abc.json",
            &id.file_name().replace(".json", ".txt"),
            &id.file_name().to_uppercase(),
            &format!("{:019}-{}.json", 42, id.hash),
        ] {
            assert_eq!(SpoolId::parse(bad), None, "{bad}");
        }
    }
}
