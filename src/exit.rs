//! The process exit codes: one enum, documented in README.md and `--help`, never reshuffled.

use std::process::ExitCode;

/// What the process tells its caller. The numbers are a public interface: scripts test them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    /// Something unexpected: a bug, or a failure no other code describes.
    Failure,
    /// Bad flags, arguments or configuration.
    Usage,
    /// The API rejected the credentials, or they are the wrong kind.
    Auth,
    /// The session does not exist or has no recordings.
    NotFound,
    /// One or more files failed to download.
    FilesFailed,
    /// Every other file is verified, but some are not ready on Zoom's side yet.
    NotReady,
    /// The archive does not match its proof: a file listed in `SHA256SUMS` (or by Zoom, with
    /// `verify --remote`) is missing, or its size or SHA-256 differs (`vsrec verify`).
    Corrupt,
    /// Ctrl-C (SIGINT).
    Interrupted,
    /// SIGTERM (systemd, `timeout`, Kubernetes): stopped like Ctrl-C, and said apart from it.
    Terminated,
}

impl ExitStatus {
    pub const fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Usage => 2,
            Self::Auth => 3,
            Self::NotFound => 4,
            Self::FilesFailed => 5,
            Self::NotReady => 6,
            Self::Corrupt => 7,
            Self::Interrupted => 130,
            Self::Terminated => 143,
        }
    }

    /// Rank used when several outcomes combine (several sessions, many files): the process reports
    /// the worst. An interruption trumps everything because the run is incomplete by choice
    /// (SIGTERM, then Ctrl-C above it: in practice only one of them comes first and decides).
    /// Damaged archived data comes next: every other problem is fixed by running again, while a
    /// corrupt or missing archived file needs the operator, and must not hide behind a
    /// credentials error met on the way. Lost downloads (failed files) outrank a mistyped session
    /// ID; not-ready files are the mildest problem.
    const fn severity(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::NotReady => 1,
            Self::NotFound => 2,
            Self::FilesFailed => 3,
            Self::Auth => 4,
            Self::Usage => 5,
            Self::Failure => 6,
            Self::Corrupt => 7,
            Self::Terminated => 8,
            Self::Interrupted => 9,
        }
    }

    #[must_use]
    pub fn worst(self, other: Self) -> Self {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// The table printed at the end of `--help` and kept in step with README.md.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success (a broken pipe on stdout counts as success)
  1    unexpected error
  2    usage or configuration error
  3    authentication or permission error
  4    session not found, or it has no recordings
  5    one or more files failed to download
  6    one or more files are not ready yet (the rest are verified)
  7    the archive does not prove a file: missing, size or SHA-256 differs
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)";

impl ExitStatus {
    /// Every status, in code order. A new variant goes here and in [`ExitStatus::meaning`] (the
    /// match there stops the build until it does), so that no help table can leave it out.
    pub const ALL: [ExitStatus; 10] = [
        Self::Success,
        Self::Failure,
        Self::Usage,
        Self::Auth,
        Self::NotFound,
        Self::FilesFailed,
        Self::NotReady,
        Self::Corrupt,
        Self::Interrupted,
        Self::Terminated,
    ];

    /// What the code says, as `--help` and README.md word it.
    pub const fn meaning(self) -> &'static str {
        match self {
            Self::Success => "success (a broken pipe on stdout counts as success)",
            Self::Failure => "unexpected error",
            Self::Usage => "usage or configuration error",
            Self::Auth => "authentication or permission error",
            Self::NotFound => "session not found, or it has no recordings",
            Self::FilesFailed => "one or more files failed to download",
            Self::NotReady => "one or more files are not ready yet (the rest are verified)",
            Self::Corrupt => "the archive does not prove a file: missing, size or SHA-256 differs",
            Self::Interrupted => "interrupted (Ctrl-C)",
            Self::Terminated => "terminated (SIGTERM)",
        }
    }
}

/// The `Exit codes:` table of one command's `--help`: the codes it can end with, in code order,
/// numbered by the enum; `wording` replaces the general meaning where the command means more.
pub fn help_table(codes: &[ExitStatus], wording: &[(ExitStatus, &str)]) -> String {
    let mut codes = codes.to_vec();
    codes.sort_by_key(|s| s.code());
    codes.dedup();
    let mut text = String::from("Exit codes:");
    for status in codes {
        let meaning = wording
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(status.meaning(), |(_, m)| m);
        text.push_str(&format!("\n  {:<4} {meaning}", status.code()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::{self, *};

    const ALL: [ExitStatus; 10] = [
        Success,
        Failure,
        Usage,
        Auth,
        NotFound,
        FilesFailed,
        NotReady,
        Corrupt,
        Interrupted,
        Terminated,
    ];

    #[test]
    fn worst_is_commutative_and_picks_the_more_severe() {
        for a in ALL {
            for b in ALL {
                assert_eq!(a.worst(b), b.worst(a));
            }
            assert_eq!(a.worst(Success), a);
            assert_eq!(a.worst(Interrupted), Interrupted);
            if a != Interrupted {
                assert_eq!(a.worst(Terminated), Terminated);
            }
        }
        assert_eq!(NotReady.worst(FilesFailed), FilesFailed);
        assert_eq!(NotFound.worst(NotReady), NotFound);
        assert_eq!(Corrupt.worst(Failure), Corrupt);
        assert_eq!(Auth.worst(Corrupt), Corrupt);
    }

    #[test]
    fn codes_are_the_documented_ones() {
        let codes: Vec<u8> = ALL.map(ExitStatus::code).to_vec();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 130, 143]);
    }

    #[test]
    fn the_help_table_is_made_from_the_enum() {
        assert_eq!(ExitStatus::ALL, ALL);
        assert_eq!(super::help_table(&ALL, &[]), super::EXIT_CODES_HELP);
        let list = super::help_table(&[Interrupted, Success, NotFound], &[(Success, "listed")]);
        assert_eq!(
            list,
            "Exit codes:\n  0    listed\n  4    session not found, or it has no recordings\n  \
             130  interrupted (Ctrl-C)"
        );
    }
}
