//! Asking the operator before anything is deleted: `[y/N]` for the trash, the number of files
//! typed out for a permanent delete. Without a terminal to ask on, `--yes` is required.

use std::io::{self, BufRead, IsTerminal};

use crate::client::DeleteAction;
use crate::error::Error;
use crate::format;

/// What is about to go, as the question shows it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub sessions: u64,
    pub files: u64,
    pub bytes: u64,
    pub kept: u64,
}

/// Whether the run may ask: stdin and stderr are both a terminal.
pub fn can_ask() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// The usage error for a run that would delete with no one to ask and no `--yes`.
pub fn needs_yes(what: &str) -> Error {
    Error::Usage(format!(
        "{what} asks before deleting, and there is no terminal to ask on; pass --yes to delete \
         without asking (as from cron), or --dry-run to see what would go"
    ))
}

/// The question for `totals`.
pub fn question(totals: Totals, action: DeleteAction) -> String {
    let files = plural(totals.files, "file");
    let sessions = plural(totals.sessions, "session");
    let bytes = format::bytes(totals.bytes);
    let kept = if totals.kept > 0 {
        format!(" ({} kept on Zoom)", plural(totals.kept, "file"))
    } else {
        String::new()
    };
    match action {
        DeleteAction::Trash => format!(
            "Move {files} of {sessions}, {bytes}, to Zoom's trash (recoverable for 30 days){kept}? [y/N] "
        ),
        DeleteAction::Delete => format!(
            "PERMANENTLY delete {files} of {sessions}, {bytes}, from Zoom{kept}? This cannot be \
             undone. Type the number of files ({}) to go on: ",
            totals.files
        ),
    }
}

/// Whether `answer` says yes to the question for `totals`: `y` or `yes` for the trash; exactly
/// the number of files for a permanent delete.
pub fn accepts(answer: &str, totals: Totals, action: DeleteAction) -> bool {
    let answer = answer.trim();
    match action {
        DeleteAction::Trash => {
            answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes")
        }
        DeleteAction::Delete => answer == totals.files.to_string(),
    }
}

/// Ask through `say` (which shows the question) and read one line of `input`. End of input is
/// a no.
pub fn ask(
    totals: Totals,
    action: DeleteAction,
    say: &dyn Fn(&str),
    input: &mut dyn BufRead,
) -> io::Result<bool> {
    say(&question(totals, action));
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(false);
    }
    Ok(accepts(&line, totals, action))
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    const TOTALS: Totals = Totals {
        sessions: 2,
        files: 7,
        bytes: 2048,
        kept: 1,
    };

    fn run(action: DeleteAction, input: &str) -> (bool, String) {
        let said = RefCell::new(String::new());
        let yes = ask(
            TOTALS,
            action,
            &|q| said.borrow_mut().push_str(q),
            &mut input.as_bytes(),
        )
        .unwrap();
        (yes, said.into_inner())
    }

    #[test]
    fn trash_takes_y_or_yes_and_nothing_else() {
        let (yes, said) = run(DeleteAction::Trash, "y\n");
        assert!(yes);
        assert!(said.contains("7 files of 2 sessions, 2.0 KiB"), "{said}");
        assert!(said.contains("1 file kept"), "{said}");
        assert!(said.ends_with("[y/N] "), "{said}");
        assert!(run(DeleteAction::Trash, "YES\n").0);
        for no in ["", "\n", "n\n", "yess\n", "7\n"] {
            assert!(!run(DeleteAction::Trash, no).0, "{no:?}");
        }
    }

    #[test]
    fn permanent_wants_the_number_of_files_typed() {
        let (yes, said) = run(DeleteAction::Delete, "7\n");
        assert!(yes);
        assert!(said.contains("PERMANENTLY"), "{said}");
        assert!(said.contains("(7)"), "{said}");
        for no in ["y\n", "yes\n", "6\n", "07x\n", ""] {
            assert!(!run(DeleteAction::Delete, no).0, "{no:?}");
        }
    }
}
