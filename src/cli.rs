//! The command line as clap parses it. Raw values only: [`crate::settings`] turns them into
//! what the rest of vsrec uses, once.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::env;
use crate::exit::EXIT_CODES_HELP;

const ENV_HELP: &str = "\
Environment:
  VSREC_API_KEY     Video SDK API key (or --api-key)
  VSREC_API_SECRET  Video SDK API secret (environment only, never a flag)
  VSREC_TOKEN       a ready-made Video SDK API JWT, instead of key and secret";

#[derive(Debug, Parser)]
#[command(
    name = "vsrec",
    version,
    about = "List and download the cloud recordings of Zoom Video SDK sessions",
    after_help = format!("{ENV_HELP}\n\n{EXIT_CODES_HELP}"),
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Zoom API base URL; plain http:// only for loopback hosts
    #[arg(long, global = true, env = env::API_BASE, value_name = "URL",
          default_value = "https://api.zoom.us/v2")]
    pub api_base: String,

    /// Video SDK API key (the API key, not the SDK key)
    #[arg(long, global = true, env = env::API_KEY, value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// Retries per request after connection errors, 5xx and 429
    #[arg(long, global = true, env = env::RETRIES, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: u32,

    /// Seconds to wait for a connection, and for the next byte of an answer
    #[arg(long, global = true, env = env::TIMEOUT, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Write JSON Lines to stdout instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// Log each request on stderr (URLs are redacted)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print errors only on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the recording files of sessions, or the sessions of a date range (--from)
    #[command(after_help = EXIT_CODES_HELP)]
    List(ListArgs),
    /// Download every recording file of one or more sessions, verified and resumable
    #[command(after_help = EXIT_CODES_HELP)]
    Download(DownloadArgs),
    /// Receive Zoom's recording webhooks and spool them for archiving (downloads: not yet)
    #[command(after_help = SERVE_HELP)]
    Serve(ServeArgs),
    /// Re-hash archived files against each session folder's SHA256SUMS
    #[command(after_help = EXIT_CODES_HELP)]
    Verify(VerifyArgs),
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Session IDs; `-` reads them from stdin, one per line (or --from instead)
    #[arg(
        value_name = "SESSION_ID",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub sessions: Vec<String>,

    #[command(flatten)]
    pub range: RangeArgs,
}

/// The sessions of the account in a date range, found with Zoom's account listing.
#[derive(Debug, Args)]
#[command(next_help_heading = "Sessions by date (instead of SESSION_ID)")]
pub struct RangeArgs {
    /// Sessions that started on or after DATE: YYYY-MM-DD (UTC), or an age like 7d or 36h;
    /// for download also `last` (where the last complete run ended, minus a day)
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,

    /// ...and on or before DATE (same syntax; default today, UTC)
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,

    /// Only sessions whose name matches PATTERN (case-insensitive; * and ? wildcards)
    #[arg(long, value_name = "PATTERN", requires = "from")]
    pub name: Option<String>,

    /// Only sessions with this session_key (exact)
    #[arg(long, value_name = "KEY", requires = "from")]
    pub key: Option<String>,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Session IDs; `-` reads them from stdin, one per line (or --from instead)
    #[arg(
        value_name = "SESSION_ID",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub sessions: Vec<String>,

    /// Directory to download into; each session gets a folder inside it
    #[arg(short, long, env = env::OUT, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,

    /// Files to download at once (1 to 32)
    #[arg(short, long, env = env::JOBS, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u8).range(1..=32))]
    pub jobs: u8,

    /// Only these file types, comma-separated (MP4,M4A,CC,...; case-insensitive)
    #[arg(
        short = 't',
        long = "type",
        value_name = "TYPES",
        value_delimiter = ','
    )]
    pub types: Vec<String>,

    /// Download again even when a complete file is already there
    #[arg(long)]
    pub overwrite: bool,

    /// Print what would be done, transfer nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,

    // Last: its help heading would also head every argument after it.
    #[command(flatten)]
    pub range: RangeArgs,
}

const SERVE_HELP: &str = "\
Environment:
  VSREC_WEBHOOK_SECRET       the Secret Token of the app's event subscription
  VSREC_WEBHOOK_SECRET_FILE  ...or a file holding it (mode 600); never a flag

Every POST must carry Zoom's x-zm-signature over x-zm-request-timestamp and the body, with a
timestamp within 300 s of now; anything else is answered 401 and not stored. Recording events
are written to the spool before the 200. GET /healthz reports the queue. SIGTERM or Ctrl-C stops
accepting, lets requests in flight finish (up to --timeout) and exits 0; spooled events are
replayed on the next start. The log goes to stderr, as JSON Lines with --json; stdout stays
empty. --timeout is also the longest a client may take to send a body.

Exit codes:
  0    stopped by SIGTERM or Ctrl-C
  1    unexpected error
  2    usage or configuration error (flags, missing secret or credentials, address in use,
       unusable --out or --spool)
  130  a second SIGTERM or Ctrl-C while stopping";

/// `vsrec serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; put a TLS reverse proxy in front of it
    #[arg(long, env = env::LISTEN, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Archive directory; recordings will go into session folders inside it
    #[arg(short, long, env = env::OUT, value_name = "DIR")]
    pub out: PathBuf,

    /// URL path that Zoom posts events to
    #[arg(long, env = env::WEBHOOK_PATH, value_name = "PATH", default_value = "/")]
    pub path: String,

    /// Folder for received events until they are archived [default: OUT/.vsrec-spool]
    #[arg(long, env = env::SPOOL, value_name = "DIR")]
    pub spool: Option<PathBuf>,

    /// Events archived at once (1 to 32)
    #[arg(short, long, env = env::JOBS, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u8).range(1..=32))]
    pub jobs: u8,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Archive folders (holding session folders) or session folders; default: --out
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// The archive folder to verify when no DIR is given
    #[arg(short, long, env = env::OUT, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,

    /// Files hashed at once (1 to 32; default: one per CPU)
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=32))]
    pub jobs: Option<u8>,

    /// Also list each session from Zoom and report files it has that the archive lacks
    #[arg(long)]
    pub remote: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

impl From<Shell> for clap_complete::Shell {
    fn from(shell: Shell) -> Self {
        match shell {
            Shell::Bash => Self::Bash,
            Shell::Zsh => Self::Zsh,
            Shell::Fish => Self::Fish,
            Shell::Elvish => Self::Elvish,
            Shell::Powershell => Self::PowerShell,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
