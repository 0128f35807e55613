//! The end of each command's `--help`: the environment variables that have no flag, the exit
//! codes the command can end with (numbered by [`ExitStatus`], so they cannot drift), and 2 to 4
//! examples, last, as clig.dev and gh do. A new command adds one [`Page`] and one function here.

use crate::env;
use crate::exit::{self, ExitStatus};

struct Page {
    /// Variables without a flag (secrets, colour); flags show their own `[env: NAME]`.
    env: &'static [(&'static str, &'static str)],
    /// A paragraph between the environment and the exit codes, when the command needs one.
    notes: &'static str,
    exits: &'static [ExitStatus],
    /// The command's own wording of a code, where it says more than the general meaning.
    wording: &'static [(ExitStatus, &'static str)],
    /// `(what it does, the command line)`.
    examples: &'static [(&'static str, &'static str)],
}

const CREDENTIALS: [(&str, &str); 4] = [
    (env::API_SECRET, "the Video SDK API secret (never a flag)"),
    (
        env::API_SECRET_FILE,
        "...or a file holding it (e.g. a systemd credential)",
    ),
    (
        env::TOKEN,
        "a ready-made API JWT, used without key and secret",
    ),
    (env::TOKEN_FILE, "...or a file holding it"),
];

const COLOUR: [(&str, &str); 3] = [
    (env::NO_COLOR, "no colour in tables (any value)"),
    (
        env::CLICOLOR_FORCE,
        "colour even when stdout is not a terminal",
    ),
    (env::TERM, "dumb: no colour"),
];

const API_EXITS: [ExitStatus; 6] = [
    ExitStatus::Success,
    ExitStatus::Failure,
    ExitStatus::Usage,
    ExitStatus::Auth,
    ExitStatus::NotFound,
    ExitStatus::Interrupted,
];

/// Every code: `download` (whose `--delete-after` keeps a file the archive does not prove, 7)
/// and `delete`.
const EVERY_EXIT: [ExitStatus; 10] = [
    ExitStatus::Success,
    ExitStatus::Failure,
    ExitStatus::Usage,
    ExitStatus::Auth,
    ExitStatus::NotFound,
    ExitStatus::FilesFailed,
    ExitStatus::NotReady,
    ExitStatus::Corrupt,
    ExitStatus::Interrupted,
    ExitStatus::Terminated,
];

fn render(page: &Page) -> String {
    let mut text = String::new();
    if !page.env.is_empty() {
        text.push_str("Environment:\n");
        let width = page.env.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, meaning) in page.env {
            text.push_str(&format!("  {name:<width$}  {meaning}\n"));
        }
        text.push('\n');
    }
    if !page.notes.is_empty() {
        text.push_str(page.notes);
        text.push_str("\n\n");
    }
    text.push_str(&exit::help_table(page.exits, page.wording));
    text.push_str("\n\nExamples:");
    for (what, line) in page.examples {
        text.push_str(&format!("\n  # {what}\n  $ {line}"));
    }
    text
}

/// `vsrec --help`.
pub fn top() -> String {
    render(&Page {
        env: &[
            CREDENTIALS[0],
            CREDENTIALS[1],
            CREDENTIALS[2],
            CREDENTIALS[3],
        ],
        notes: "Settings come from flags, then environment variables, then the profile of the \
                config file (--profile, VSREC_PROFILE, or the profile named \"default\"), then \
                built-in defaults; `vsrec config show` prints them and where each came from.",
        exits: &ExitStatus::ALL,
        wording: &[],
        examples: &[
            (
                "The recording files of one session",
                "vsrec list KkMHZ4y8QhSUWAHi5sWvfg==",
            ),
            (
                "Download the last week's sessions here",
                "vsrec list --from 7d --json | jq -r .session_id | vsrec download -",
            ),
            (
                "The settings of another account's profile",
                "vsrec config show --profile staging",
            ),
        ],
    })
}

/// `vsrec list --help`.
pub fn list() -> String {
    render(&Page {
        env: &[
            CREDENTIALS[0],
            CREDENTIALS[1],
            CREDENTIALS[2],
            CREDENTIALS[3],
            COLOUR[0],
            COLOUR[1],
            COLOUR[2],
        ],
        notes: "",
        exits: &API_EXITS,
        wording: &[],
        examples: &[
            (
                "One session's files, as a table",
                "vsrec list KkMHZ4y8QhSUWAHi5sWvfg==",
            ),
            (
                "Every session of the first half of 2026",
                "vsrec list --from 2026-01-01 --to 2026-06-30",
            ),
            (
                "The last 30 days' design reviews, one JSON line each",
                "vsrec list --from 30d --name 'design review*' --json",
            ),
            ("What is in Zoom's trash", "vsrec list --trash"),
        ],
    })
}

/// `vsrec download --help`.
pub fn download() -> String {
    render(&Page {
        env: &CREDENTIALS,
        notes: "",
        exits: &EVERY_EXIT,
        wording: &[(
            ExitStatus::Corrupt,
            "--delete-after kept a file on Zoom: the archive does not prove it",
        )],
        examples: &[
            (
                "Every file of a session into /archive (a second run resumes or skips)",
                "vsrec download KkMHZ4y8QhSUWAHi5sWvfg== --out /archive",
            ),
            (
                "Only the videos and audio, 8 files at once",
                "vsrec download --type MP4,M4A --jobs 8 KkMHZ4y8QhSUWAHi5sWvfg==",
            ),
            (
                "The last week's sessions, found and downloaded",
                "vsrec list --from 7d --json | jq -r .session_id | vsrec download -",
            ),
            (
                "The files of a saved webhook body (replaying an event by hand)",
                "vsrec download --event recording-completed.json --out /archive",
            ),
        ],
    })
}

/// `vsrec serve --help`.
pub fn serve() -> String {
    render(&Page {
        env: &[
            (
                env::WEBHOOK_SECRET,
                "the Secret Token of the app's event subscription",
            ),
            (
                env::WEBHOOK_SECRET_FILE,
                "...or a file holding it (mode 600); never a flag",
            ),
            CREDENTIALS[0],
            CREDENTIALS[1],
            CREDENTIALS[2],
            CREDENTIALS[3],
        ],
        notes: "Every POST must carry Zoom's x-zm-signature over x-zm-request-timestamp and the \
                body, with a timestamp within 300 s of now; anything else is answered 401 and \
                not stored. Recording events are written to the spool before the 200, then \
                archived as `vsrec download` archives (verified, SHA256SUMS, session.json), with \
                the event's download_token, or the API when it has expired; an event leaves the \
                spool once every file is verified or not ready; one whose session Zoom does not have \
                (404) is moved to SPOOL/dead/ (move it back to retry it at the next start). \
                With a bucket --out, --spool is required and the bucket is checked before \
                listening. GET /healthz reports the queue. \
                SIGTERM or Ctrl-C stops accepting, lets requests in flight finish (up to \
                --timeout), keeps files in flight as .part and exits 0; spooled events are \
                replayed on the next start. The log goes to stderr, as JSON Lines with --json; stdout stays \
                empty. --timeout is also the longest a client may take to send a body.",
        exits: &[
            ExitStatus::Success,
            ExitStatus::Failure,
            ExitStatus::Usage,
            ExitStatus::Interrupted,
        ],
        wording: &[
            (ExitStatus::Success, "stopped by SIGTERM or Ctrl-C"),
            (
                ExitStatus::Usage,
                "configuration error (flags, secrets, address in use, --out or --spool)",
            ),
            (
                ExitStatus::Interrupted,
                "a second SIGTERM or Ctrl-C while stopping",
            ),
        ],
        examples: &[
            (
                "Behind a TLS proxy for /zoom/events; the secret in VSREC_WEBHOOK_SECRET_FILE",
                "vsrec serve --out /archive --path /zoom/events",
            ),
            (
                "Logs as JSON Lines, for a log collector",
                "vsrec serve --out /archive --json 2>> /var/log/vsrec.jsonl",
            ),
            (
                "Is it up, and how long is its queue?",
                "curl -s http://127.0.0.1:8080/healthz",
            ),
        ],
    })
}

/// `vsrec config show --help`.
pub fn config_show() -> String {
    render(&Page {
        env: &CREDENTIALS,
        notes: "Secrets are never printed: only whether they are set and where from. Exit 2 \
                (with the settings that could be read) when the settings would not work.",
        exits: &[ExitStatus::Success, ExitStatus::Failure, ExitStatus::Usage],
        wording: &[(ExitStatus::Usage, "the settings are incomplete or invalid")],
        examples: &[
            (
                "What vsrec would use, and where each setting comes from",
                "vsrec config show",
            ),
            (
                "The same with another profile of the config file",
                "vsrec config show --profile staging",
            ),
            (
                "Where the API key comes from, for a script",
                "vsrec config show --json | jq .settings.api_key",
            ),
        ],
    })
}

/// `vsrec verify --help`.
pub fn verify() -> String {
    render(&Page {
        env: &CREDENTIALS,
        notes: "Credentials are needed only with --remote. Problems and the summary go to stderr; \
                with --json, one line per file goes to stdout.",
        exits: &[
            ExitStatus::Success,
            ExitStatus::Failure,
            ExitStatus::Usage,
            ExitStatus::Auth,
            ExitStatus::Corrupt,
            ExitStatus::Interrupted,
            ExitStatus::Terminated,
        ],
        wording: &[(
            ExitStatus::Corrupt,
            "a file is missing, or its size or SHA-256 differs (--remote: or Zoom's)",
        )],
        examples: &[
            ("Re-hash the whole archive", "vsrec verify --out /archive"),
            (
                "One session folder, as JSON lines",
                "vsrec verify --json /archive/Design_review_KkMHZ4y8QhSUWAHi5sWvfg==",
            ),
            (
                "Also ask Zoom whether the archive lacks anything",
                "vsrec verify --remote --out /archive",
            ),
        ],
    })
}

/// `vsrec delete --help`.
pub fn delete() -> String {
    render(&Page {
        env: &CREDENTIALS,
        notes: "A file is deleted only when the archive proves it: under its final name, the size \
                Zoom lists, and a SHA-256 re-computed now equal to its SHA256SUMS line. A session \
                whose every file is proven goes in one request; otherwise each proven file with \
                an id goes alone and the rest stay on Zoom. Every request is logged before and \
                after it is sent in OUT/.vsrec-deletions.jsonl (with a bucket --out, one object \
                per record under PREFIX/.vsrec-deletions/, and each object is read back whole \
                and re-hashed to prove it). Without a terminal, --yes is required.",
        exits: &EVERY_EXIT,
        wording: &[
            (
                ExitStatus::Success,
                "everything planned was deleted (or nothing was to be)",
            ),
            (
                ExitStatus::Auth,
                "Zoom refused: credentials, or the per-file delete account setting",
            ),
            (ExitStatus::FilesFailed, "a delete request failed"),
            (
                ExitStatus::NotReady,
                "a file was kept because Zoom says it is not ready",
            ),
            (
                ExitStatus::Corrupt,
                "a file was kept: the archive does not prove it",
            ),
        ],
        examples: &[
            (
                "See what would go, and what would be kept and why",
                "vsrec delete --dry-run --out /archive KkMHZ4y8QhSUWAHi5sWvfg==",
            ),
            (
                "Move proven recordings to Zoom's trash, from cron",
                "vsrec delete --yes --out /archive - < sessions.txt",
            ),
            (
                "Delete for good (asks for the number of files)",
                "vsrec delete --permanently --out /archive KkMHZ4y8QhSUWAHi5sWvfg==",
            ),
        ],
    })
}

/// `vsrec recover --help`.
pub fn recover() -> String {
    render(&Page {
        env: &CREDENTIALS,
        notes: "Zoom keeps trashed recordings for 30 days; `vsrec list --trash` shows them.",
        exits: &API_EXITS,
        wording: &[(
            ExitStatus::NotFound,
            "nothing of that session (or file) is in the trash",
        )],
        examples: &[
            (
                "Take a whole session out of the trash",
                "vsrec recover KkMHZ4y8QhSUWAHi5sWvfg==",
            ),
            (
                "Only one file",
                "vsrec recover KkMHZ4y8QhSUWAHi5sWvfg== --file 1c2f3a4b-9a8b-7c6d",
            ),
        ],
    })
}

/// `vsrec completions --help`.
pub fn completions() -> String {
    render(&Page {
        env: &[],
        notes: "",
        exits: &[ExitStatus::Success, ExitStatus::Usage],
        wording: &[],
        examples: &[
            (
                "bash",
                "vsrec completions bash > ~/.local/share/bash-completion/completions/vsrec",
            ),
            (
                "zsh (a folder on $fpath)",
                "vsrec completions zsh > ~/.zfunc/_vsrec",
            ),
            (
                "fish",
                "vsrec completions fish > ~/.config/fish/completions/vsrec.fish",
            ),
        ],
    })
}
