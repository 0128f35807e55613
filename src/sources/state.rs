//! The archive's memory of its complete runs, for `--from last`: `.vsrec-state.json` inside
//! `--out` (a folder, or the bucket's prefix), holding for each selection (the `--type`,
//! `--name`, `--key` and `--shard` a run was given; none for a whole-account run) the end date
//! of the latest range whose every session finished. It is replaced atomically through the
//! archive ([`crate::archive::Archive::update_root`]), so a crash leaves the old record or the
//! new one, never half of one, and in a bucket two runs recording at once (the shards of one
//! account) keep each other's records.
//!
//! Records are kept per selection because a run that archived only the MP4 files, or only the
//! sessions named `Design*`, says nothing about the rest: a whole-account `--from last` must not
//! start after sessions that only a filtered run has seen.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::dates::format_date;
use super::shard::Shard;
use crate::archive::Archive;
use crate::error::Error;

/// Inside `--out`. Session folders never start with a dot, so this cannot collide with one.
pub const FILE_NAME: &str = ".vsrec-state.json";
const VERSION: u32 = 1;

/// What part of the account and of each session a run archives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// `--type`, upper-cased, sorted, each once; empty for every type.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// `--name`, as given.
    pub name: Option<String>,
    /// `--key`, as given.
    pub key: Option<String>,
    /// `--shard K/N`; absent from records of unsharded runs (and of older vsrec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl Selection {
    pub fn new(types: &[String], name: Option<&str>, key: Option<&str>) -> Self {
        let mut types: Vec<String> = types.iter().map(|t| t.to_ascii_uppercase()).collect();
        types.sort();
        types.dedup();
        Self {
            types,
            name: name.map(str::to_owned),
            key: key.map(str::to_owned),
            shard: None,
        }
    }

    /// A shard's run says nothing about the other shards' sessions.
    pub fn with_shard(mut self, shard: Option<Shard>) -> Self {
        self.shard = shard.map(|s| s.to_string());
        self
    }

    /// How the selection reads in a message: `` (everything) or ` for --type MP4 --name "D*"`.
    fn describe(&self) -> String {
        let mut text = String::new();
        if !self.types.is_empty() {
            text.push_str(&format!(" --type {}", self.types.join(",")));
        }
        if let Some(name) = &self.name {
            text.push_str(&format!(" --name {name:?}"));
        }
        if let Some(key) = &self.key {
            text.push_str(&format!(" --key {key:?}"));
        }
        if let Some(shard) = &self.shard {
            text.push_str(&format!(" --shard {shard}"));
        }
        if text.is_empty() {
            text
        } else {
            format!(" for{text}")
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    version: u32,
    runs: Vec<Run>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Run {
    selection: Selection,
    /// `YYYY-MM-DD`: every selected session that started on or before this UTC date was
    /// archived (or its files reported not ready).
    last_complete_to: String,
    /// When the record was written (RFC 3339, UTC), for the operator.
    written_at: String,
}

fn path_of(archive: &Archive) -> String {
    archive.root().join(FILE_NAME).display().to_string()
}

fn load(archive: &Archive) -> Result<Record, Error> {
    let path = path_of(archive);
    match archive.read_root(FILE_NAME) {
        Ok(text) => judge(&path, text.as_deref()),
        Err(e) if crate::archive::is_refusal(&e) => Err(damaged(&path, &e.to_string())),
        Err(e) => Err(Error::Usage(format!("cannot read {path}: {e}"))),
    }
}

/// The record `text` holds (none: an empty one), or why it must not be used or written over.
fn judge(path: &str, text: Option<&[u8]>) -> Result<Record, Error> {
    let Some(text) = text else {
        return Ok(Record::default());
    };
    let record: Record = serde_json::from_slice(text).map_err(|e| damaged(path, &e.to_string()))?;
    if record.version > VERSION {
        return Err(Error::Usage(format!(
            "{path} was written by a newer vsrec (version {}); upgrade vsrec",
            record.version
        )));
    }
    for run in &record.runs {
        parse(&run.last_complete_to)
            .ok_or_else(|| damaged(path, &format!("{:?} is not a date", run.last_complete_to)))?;
    }
    Ok(record)
}

fn damaged(path: &str, why: &str) -> Error {
    Error::Usage(format!(
        "{path} is damaged ({why}); delete it and give --from a date"
    ))
}

fn parse(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

/// The recorded end date for `selection`, or `None` when there is none yet.
pub fn read(archive: &Archive, selection: &Selection) -> Result<Option<Date>, Error> {
    Ok(load(archive)?
        .runs
        .iter()
        .find(|run| &run.selection == selection)
        .and_then(|run| parse(&run.last_complete_to)))
}

/// Where `--from last` starts: a day before the recorded end, because a session's recordings
/// can appear after the run that covered its day. A usage error when there is no record (also
/// when `--out` does not exist yet: `archive` is `None`).
pub fn from_last(
    archive: Option<&Archive>,
    out: &std::path::Path,
    selection: &Selection,
) -> Result<Date, Error> {
    let last = match archive {
        Some(archive) => read(archive, selection)?,
        None => None,
    };
    let last = last.ok_or_else(|| {
        Error::Usage(format!(
            "--from last: {} holds no record of a complete run{} yet ({FILE_NAME} is written \
             after one); run once with a date, like --from 2026-01-01",
            out.display(),
            selection.describe()
        ))
    })?;
    Ok(last.previous_day().unwrap_or(last))
}

/// Records that every session of `selection` up to `to` is archived. The record never moves
/// back: a run over an older range leaves a later end in place.
pub fn record_complete(
    archive: &Archive,
    selection: &Selection,
    to: Date,
    now: OffsetDateTime,
) -> Result<(), Error> {
    let path = path_of(archive);
    let written_at = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .unwrap_or_default();
    // A damaged or newer record is never written over, also when it is what another writer
    // left between a bucket's read and its conditional write (the update reads again).
    let refused = std::cell::RefCell::new(None);
    archive
        .update_root(FILE_NAME, |existing| match judge(&path, existing) {
            Ok(record) => with_run(record, selection, to, &written_at),
            Err(e) => {
                refused.replace(Some(e));
                None
            }
        })
        .map_err(|e| match crate::archive::is_refusal(&e) {
            true => damaged(&path, &e.to_string()),
            false => Error::Usage(format!("cannot write {path}: {e}")),
        })?;
    refused.into_inner().map_or(Ok(()), Err)
}

/// `record` with `selection` complete up to `to`, as the file's new text; `None` when it
/// already records a later end (the record never moves back).
fn with_run(
    mut record: Record,
    selection: &Selection,
    to: Date,
    written_at: &str,
) -> Option<Vec<u8>> {
    match record.runs.iter_mut().find(|r| &r.selection == selection) {
        Some(run) if parse(&run.last_complete_to).is_some_and(|recorded| recorded > to) => {
            return None;
        }
        Some(run) => {
            run.last_complete_to = format_date(to);
            run.written_at = written_at.to_owned();
        }
        None => record.runs.push(Run {
            selection: selection.clone(),
            last_complete_to: format_date(to),
            written_at: written_at.to_owned(),
        }),
    }
    record.version = VERSION;
    let mut text = serde_json::to_vec_pretty(&record).expect("plain structs serialise");
    text.push(b'\n');
    Some(text)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use time::macros::{date, datetime};

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-07-01 02:00:00 UTC);

    fn archive(dir: &std::path::Path) -> Archive {
        Archive::Local(crate::archive::LocalArchive::open(dir).unwrap())
    }

    #[test]
    fn no_record_then_a_record_then_a_later_one() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(dir.path());
        let all = Selection::default();
        assert_eq!(read(&a, &all).unwrap(), None);
        let err = from_last(Some(&a), dir.path(), &all)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--from last") && err.contains("--from 2026-01-01"),
            "{err}"
        );
        assert!(from_last(None, dir.path(), &all).is_err());

        record_complete(&a, &all, date!(2026 - 06 - 30), NOW).unwrap();
        assert_eq!(read(&a, &all).unwrap(), Some(date!(2026 - 06 - 30)));
        assert_eq!(
            from_last(Some(&a), dir.path(), &all).unwrap(),
            date!(2026 - 06 - 29)
        );
        let text = fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(
            text.contains("\"last_complete_to\": \"2026-06-30\""),
            "{text}"
        );
        assert!(text.contains("2026-07-01T02:00:00Z"), "{text}");

        // An older range does not move the record back; a later one moves it on.
        record_complete(&a, &all, date!(2026 - 01 - 31), NOW).unwrap();
        assert_eq!(read(&a, &all).unwrap(), Some(date!(2026 - 06 - 30)));
        record_complete(&a, &all, date!(2026 - 07 - 31), NOW).unwrap();
        assert_eq!(read(&a, &all).unwrap(), Some(date!(2026 - 07 - 31)));
        // Nothing but the record is left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [FILE_NAME]);
    }

    fn shard_of(text: &str) -> Option<Shard> {
        crate::sources::shard::parse(text).ok()
    }

    #[test]
    fn each_selection_has_its_own_record() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(dir.path());
        let all = Selection::default();
        let mp4 = Selection::new(&["mp4".into(), "MP4".into()], None, None);
        assert_eq!(mp4, Selection::new(&["MP4".into()], None, None));
        let design = Selection::new(&[], Some("Design*"), None);
        record_complete(&a, &mp4, date!(2026 - 06 - 30), NOW).unwrap();
        assert_eq!(
            read(&a, &all).unwrap(),
            None,
            "a filtered run says nothing of all"
        );
        let err = from_last(Some(&a), dir.path(), &design)
            .unwrap_err()
            .to_string();
        assert!(err.contains("for --name \"Design*\""), "{err}");
        record_complete(&a, &all, date!(2026 - 05 - 31), NOW).unwrap();
        let shard = Selection::default().with_shard(shard_of("1/3"));
        assert_eq!(
            read(&a, &shard).unwrap(),
            None,
            "a shard is not the account"
        );
        record_complete(&a, &shard, date!(2026 - 04 - 30), NOW).unwrap();
        assert_eq!(read(&a, &shard).unwrap(), Some(date!(2026 - 04 - 30)));
        let err = from_last(
            Some(&a),
            dir.path(),
            &design.clone().with_shard(shard_of("0/3")),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("--shard 0/3"), "{err}");
        assert_eq!(read(&a, &mp4).unwrap(), Some(date!(2026 - 06 - 30)));
        assert_eq!(read(&a, &all).unwrap(), Some(date!(2026 - 05 - 31)));
    }

    #[test]
    fn damaged_or_foreign_records_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(dir.path());
        let all = Selection::default();
        for (text, needle) in [
            ("{", "damaged"),
            (
                r#"{"version":1,"runs":[{"selection":{"type":[],"name":null,"key":null},"last_complete_to":"June","written_at":""}]}"#,
                "not a date",
            ),
            (r#"{"version":9,"runs":[]}"#, "newer vsrec"),
        ] {
            fs::write(dir.path().join(FILE_NAME), text).unwrap();
            let err = read(&a, &all).unwrap_err();
            assert!(
                matches!(&err, Error::Usage(m) if m.contains(needle)),
                "{text}: {err}"
            );
            // A damaged record is not silently replaced either.
            assert!(record_complete(&a, &all, date!(2026 - 06 - 30), NOW).is_err());
        }
    }

    #[test]
    fn a_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.json");
        fs::write(&elsewhere, "precious").unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(FILE_NAME)).unwrap();
        let a = archive(dir.path());
        let err = read(&a, &Selection::default()).unwrap_err().to_string();
        assert!(err.contains("a symlink"), "{err}");
        assert!(record_complete(&a, &Selection::default(), date!(2026 - 06 - 30), NOW).is_err());
        assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "precious");
    }

    #[test]
    fn an_unwritable_folder_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("out");
        fs::create_dir(&gone).unwrap();
        let a = archive(&gone);
        // Nothing can be created in a folder that was deleted after it was opened, not even by
        // root.
        fs::remove_dir(&gone).unwrap();
        let err = record_complete(&a, &Selection::default(), date!(2026 - 06 - 30), NOW)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot write "), "{err}");
        assert!(!gone.exists());
    }
}
