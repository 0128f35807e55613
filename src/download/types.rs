//! `--type`: which files of a session it selects (a `file_type` or a file extension), and what
//! the operator is told when one of the values selects nothing in the sessions listed.

use std::collections::BTreeSet;

use crate::format;
use crate::model::RecordingFile;

/// Whether `want` (upper-cased) names the file's `file_type` (`TRANSCRIPT`) or its extension
/// (`VTT`), case-insensitive.
pub fn matches(file: &RecordingFile, want: &str) -> bool {
    [file.file_type.as_deref(), file.extension.as_deref()]
        .into_iter()
        .flatten()
        .any(|t| t.eq_ignore_ascii_case(want))
}

/// Whether the file is selected by `--type` (empty: everything).
pub fn selected(file: &RecordingFile, types: &[String]) -> bool {
    types.is_empty() || types.iter().any(|want| matches(file, want))
}

/// What the listed sessions held, to tell a mistyped `--type` from one whose files are not
/// there yet.
#[derive(Debug, Default)]
pub struct Tally {
    sessions: u64,
    file_types: BTreeSet<String>,
    extensions: BTreeSet<String>,
    /// The `--type` values that selected at least one file.
    matched: BTreeSet<String>,
}

impl Tally {
    /// A listed session's files, before selection.
    pub fn note(&mut self, files: &[RecordingFile], types: &[String]) {
        self.sessions += 1;
        for file in files {
            self.file_types
                .extend(file.file_type.iter().map(|t| t.to_ascii_uppercase()));
            self.extensions
                .extend(file.extension.iter().map(|t| t.to_ascii_uppercase()));
            for want in types.iter().filter(|want| matches(file, want)) {
                self.matched.insert(want.clone());
            }
        }
    }

    /// A warning for each of `types` that selected nothing in any session listed (none when no
    /// session was listed: then nothing is known).
    pub fn warnings(&self, types: &[String]) -> Vec<String> {
        if self.sessions == 0 {
            return Vec::new();
        }
        let list = |set: &BTreeSet<String>| match set.is_empty() {
            true => "none".to_owned(),
            false => set.iter().cloned().collect::<Vec<_>>().join(", "),
        };
        let sessions = match self.sessions {
            1 => "the session listed".to_owned(),
            n => format!("the {n} sessions listed"),
        };
        types
            .iter()
            .filter(|want| !self.matched.contains(*want))
            .map(|want| {
                format!(
                    "--type {} selects no file of {sessions}; they have file types {} \
                     (extensions {})",
                    format::printable(want),
                    list(&self.file_types),
                    list(&self.extensions)
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileKind;

    fn file(file_type: &str, extension: &str) -> RecordingFile {
        RecordingFile {
            kind: FileKind::Recording,
            id: None,
            key: file_type.into(),
            legacy_key: None,
            file_type: Some(file_type.into()),
            extension: Some(extension.into()),
            recording_type: None,
            size: None,
            status: None,
            recording_start: None,
            participant: None,
            download_url: None,
        }
    }

    #[test]
    fn a_type_or_an_extension_selects() {
        let transcript = file("TRANSCRIPT", "VTT");
        let wanted = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(selected(&transcript, &[]));
        assert!(selected(&transcript, &wanted(&["TRANSCRIPT"])));
        assert!(selected(&transcript, &wanted(&["VTT"])));
        assert!(!selected(&transcript, &wanted(&["MP4", "CC"])));
    }

    #[test]
    fn a_value_that_selects_nothing_is_named_with_what_is_there() {
        let types = vec!["BOGUS".to_owned(), "VTT".to_owned(), "MP4".to_owned()];
        let mut tally = Tally::default();
        assert!(
            tally.warnings(&types).is_empty(),
            "nothing listed, nothing known"
        );
        tally.note(&[file("TRANSCRIPT", "VTT"), file("CC", "VTT")], &types);
        tally.note(&[file("M4A", "M4A")], &types);
        assert_eq!(
            tally.warnings(&types),
            [
                "--type BOGUS selects no file of the 2 sessions listed; they have file types CC, \
                 M4A, TRANSCRIPT (extensions M4A, VTT)",
                "--type MP4 selects no file of the 2 sessions listed; they have file types CC, \
                 M4A, TRANSCRIPT (extensions M4A, VTT)"
            ]
        );
    }
}
