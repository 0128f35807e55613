//! The archive's memory of its last complete discovery run, for `--from last`: a small file
//! inside `--out`, `.vsrec-state.json`, that holds the end date of the latest range whose every
//! session finished. It is replaced atomically (a new file, synced, renamed over the old one), so
//! a crash leaves the old record or the new one, never half of one.
//!
//! Not wired yet: `vsrec download --from` writes it and `--from last` reads it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::dates::format_date;
use crate::error::Error;

/// Inside `--out`. Session folders never start with a dot, so this cannot collide with one.
pub const FILE_NAME: &str = ".vsrec-state.json";
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    version: u32,
    /// `YYYY-MM-DD`: every session that started on or before this UTC date was archived.
    last_complete_to: String,
    /// When the record was written (RFC 3339, UTC), for the operator.
    written_at: String,
}

pub fn path(out: &Path) -> PathBuf {
    out.join(FILE_NAME)
}

/// The recorded end date, or `None` when there is no record yet.
pub fn read(out: &Path) -> Result<Option<Date>, Error> {
    let path = path(out);
    let damaged = |why: String| {
        Error::Usage(format!(
            "{} is damaged ({why}); delete it and give --from a date",
            path.display()
        ))
    };
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Usage(format!("cannot read {}: {e}", path.display()))),
        Ok(meta) if !meta.file_type().is_file() => {
            return Err(damaged("not a regular file".into()));
        }
        Ok(_) => {}
    }
    let text = fs::read(&path)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?;
    let record: Record = serde_json::from_slice(&text).map_err(|e| damaged(e.to_string()))?;
    if record.version > VERSION {
        return Err(Error::Usage(format!(
            "{} was written by a newer vsrec (version {}); upgrade vsrec",
            path.display(),
            record.version
        )));
    }
    Date::parse(
        &record.last_complete_to,
        format_description!("[year]-[month]-[day]"),
    )
    .map(Some)
    .map_err(|_| damaged(format!("{:?} is not a date", record.last_complete_to)))
}

/// Where `--from last` starts: a day before the recorded end, because a session's recordings
/// can appear after the run that covered its day. A usage error when there is no record.
pub fn from_last(out: &Path) -> Result<Date, Error> {
    let last = read(out)?.ok_or_else(|| {
        Error::Usage(format!(
            "--from last: {} has no record of a complete run yet ({} is missing); run once with \
             a date, like --from 2026-01-01",
            out.display(),
            FILE_NAME
        ))
    })?;
    Ok(last.previous_day().unwrap_or(last))
}

/// Records that every session up to `to` is archived. The record never moves back: a run over
/// an older range leaves a later end in place.
pub fn record_complete(out: &Path, to: Date, now: OffsetDateTime) -> Result<(), Error> {
    let to = match read(out)? {
        Some(recorded) if recorded > to => return Ok(()),
        _ => to,
    };
    let record = Record {
        version: VERSION,
        last_complete_to: format_date(to),
        written_at: now.format(&Rfc3339).unwrap_or_default(),
    };
    let mut text = serde_json::to_vec_pretty(&record).map_err(io::Error::other);
    if let Ok(text) = &mut text {
        text.push(b'\n');
    }
    text.and_then(|text| replace(out, &text))
        .map_err(|e| Error::Usage(format!("cannot write {}: {e}", path(out).display())))
}

/// Write `text` to a new file beside the record, sync it, rename it over the record, sync the
/// folder. The new file is created exclusively, so a symlink planted under its name is refused
/// rather than followed; `rename` replaces a link at the final name, never its target.
fn replace(out: &Path, text: &[u8]) -> io::Result<()> {
    let tmp = out.join(format!("{FILE_NAME}.{}.tmp", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut file| {
            file.write_all(text)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path(out)));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written?;
    // Best effort: not every file system can sync a folder.
    if let Ok(dir) = File::open(out) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-07-01 02:00:00 UTC);

    #[test]
    fn no_record_then_a_record_then_a_later_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        let err = from_last(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("--from last") && err.contains("--from 2026-01-01"),
            "{err}"
        );

        record_complete(dir.path(), date!(2026 - 06 - 30), NOW).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(date!(2026 - 06 - 30)));
        assert_eq!(from_last(dir.path()).unwrap(), date!(2026 - 06 - 29));
        let text = fs::read_to_string(path(dir.path())).unwrap();
        assert!(
            text.contains("\"last_complete_to\": \"2026-06-30\""),
            "{text}"
        );
        assert!(text.contains("2026-07-01T02:00:00Z"), "{text}");

        // An older range does not move the record back; a later one moves it on.
        record_complete(dir.path(), date!(2026 - 01 - 31), NOW).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(date!(2026 - 06 - 30)));
        record_complete(dir.path(), date!(2026 - 07 - 31), NOW).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(date!(2026 - 07 - 31)));
        // Nothing but the record is left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [FILE_NAME]);
    }

    #[test]
    fn damaged_or_foreign_records_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        for (text, needle) in [
            ("{", "damaged"),
            (
                r#"{"version":1,"last_complete_to":"June","written_at":""}"#,
                "not a date",
            ),
            (
                r#"{"version":9,"last_complete_to":"2026-06-30","written_at":""}"#,
                "newer vsrec",
            ),
        ] {
            fs::write(path(dir.path()), text).unwrap();
            let err = read(dir.path()).unwrap_err();
            assert!(
                matches!(&err, Error::Usage(m) if m.contains(needle)),
                "{text}: {err}"
            );
            // A damaged record is not silently replaced either.
            assert!(record_complete(dir.path(), date!(2026 - 06 - 30), NOW).is_err());
        }
    }

    #[test]
    fn a_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.json");
        fs::write(&elsewhere, "precious").unwrap();
        std::os::unix::fs::symlink(&elsewhere, path(dir.path())).unwrap();
        assert!(
            read(dir.path())
                .unwrap_err()
                .to_string()
                .contains("not a regular file")
        );
        assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "precious");
    }

    #[test]
    fn an_unwritable_folder_is_reported_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not-there");
        let err = record_complete(&missing, date!(2026 - 06 - 30), NOW).unwrap_err();
        assert!(err.to_string().starts_with("cannot write "), "{err}");
        assert!(!missing.exists());
    }
}
