//! The command line as clap parses it. Raw values only: [`crate::settings`] turns them into
//! what the rest of vsrec uses, once.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::env;

pub mod help;

/// The accepted values of the numeric settings, for clap and for the config file alike.
pub const RETRIES_RANGE: RangeInclusive<i64> = 0..=100;
pub const TIMEOUT_RANGE: RangeInclusive<u64> = 1..=3600;
pub const JOBS_RANGE: RangeInclusive<i64> = 1..=32;

#[derive(Debug, Parser)]
#[command(
    name = "vsrec",
    version,
    about = "List and download the cloud recordings of Zoom Video SDK sessions",
    after_help = help::top(),
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags of every command, in any position. Environment values are never shown in `--help`
/// (`hide_env_values`): they may be unset, or secret.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Write JSON Lines to stdout instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// Log each request on stderr (URLs are redacted), after the settings in use
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print errors only on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Config file with named profiles [default: $XDG_CONFIG_HOME/vsrec/config.toml, else
    /// ~/.config/vsrec/config.toml]
    #[arg(long, global = true, env = env::CONFIG, value_name = "FILE", hide_env_values = true)]
    pub config: Option<PathBuf>,

    /// Profile of the config file to use [default: the profile named "default", if the file has
    /// one]
    #[arg(long, global = true, env = env::PROFILE, value_name = "NAME", hide_env_values = true)]
    pub profile: Option<String>,
}

/// How to reach the API: the flags of every command that calls it. A profile of the config file
/// may set each of them; a flag, then its environment variable, win over the profile.
#[derive(Debug, Args)]
#[command(next_help_heading = "API options")]
pub struct ApiArgs {
    /// Zoom API base URL; plain http:// only for loopback hosts
    #[arg(long, env = env::API_BASE, value_name = "URL", hide_env_values = true,
          default_value = "https://api.zoom.us/v2")]
    pub api_base: String,

    /// Video SDK API key (the API key, not the SDK key)
    #[arg(long, env = env::API_KEY, value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// Retries per request or file after connection errors, stalls, 408, 429 and 5xx
    #[arg(long, env = env::RETRIES, value_name = "N", hide_env_values = true, default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(RETRIES_RANGE))]
    pub retries: u32,

    /// Seconds to wait for a connection; an answer slower than 1 KiB/s over this long is stalled
    #[arg(long, env = env::TIMEOUT, value_name = "SECS", hide_env_values = true,
          default_value_t = 30, value_parser = clap::value_parser!(u64).range(TIMEOUT_RANGE))]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the recording files of sessions, or the sessions of a date range (--from)
    #[command(after_help = help::list())]
    List(ListArgs),
    /// Download every recording file of one or more sessions, verified and resumable
    #[command(after_help = help::download())]
    Download(DownloadArgs),
    /// Receive Zoom's recording webhooks and archive each announced recording as download does
    #[command(after_help = help::serve())]
    Serve(ServeArgs),
    /// Re-hash archived files against each session folder's SHA256SUMS
    #[command(after_help = help::verify())]
    Verify(VerifyArgs),
    /// Delete recordings from Zoom's cloud (trash by default) once the archive proves each file
    #[command(after_help = help::delete())]
    Delete(DeleteArgs),
    /// Recover a session's recordings (or one file) from Zoom's trash
    #[command(after_help = help::recover())]
    Recover(RecoverArgs),
    /// Show the settings in use and where each comes from (flag, environment, profile, default)
    #[command(after_help = help::config_show())]
    Config(ConfigArgs),
    /// Print a shell completion script
    #[command(after_help = help::completions())]
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

impl Command {
    /// The API flags of a command that calls the API.
    pub fn api(&self) -> Option<&ApiArgs> {
        match self {
            Self::List(args) => Some(&args.api),
            Self::Download(args) => Some(&args.api),
            Self::Serve(args) => Some(&args.api),
            Self::Verify(args) => Some(&args.api),
            Self::Delete(args) => Some(&args.api),
            Self::Recover(args) => Some(&args.api),
            Self::Config(ConfigArgs {
                command: ConfigCommand::Show(args),
            }) => Some(&args.api),
            Self::Completions { .. } => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Session IDs; `-` reads them from stdin, one per line (or --from, or --trash, instead)
    #[arg(
        value_name = "SESSION_ID",
        required_unless_present_any = ["from", "trash"],
        conflicts_with_all = ["from", "trash"]
    )]
    pub sessions: Vec<String>,

    /// List what is in Zoom's trash (whole sessions and single files) instead
    #[arg(long, conflicts_with = "from")]
    pub trash: bool,

    #[command(flatten)]
    pub range: RangeArgs,

    #[command(flatten)]
    pub api: ApiArgs,
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

    /// Only shard K of N (0 <= K < N) of the sessions, by a stable hash of their ID: N machines
    /// running the same command with K = 0..N-1 take each session exactly once
    #[arg(long, value_name = "K/N", requires = "from", value_parser = crate::sources::shard::parse)]
    pub shard: Option<crate::sources::shard::Shard>,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Session IDs; `-` reads them from stdin, one per line (or --from or --event instead)
    #[arg(
        value_name = "SESSION_ID",
        required_unless_present_any = ["from", "event"],
        conflicts_with_all = ["from", "event"]
    )]
    pub sessions: Vec<String>,

    /// Archive the files a saved Zoom webhook body announces (a recording, transcript or
    /// summary completed event); `-` reads it from stdin
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    pub event: Option<PathBuf>,

    /// Directory to download into, or an object store (s3://BUCKET/PREFIX, gs://…, az://…);
    /// each session gets a folder (a key prefix) inside it
    #[arg(short, long, env = env::OUT, value_name = "DIR", hide_env_values = true,
          default_value = ".")]
    pub out: PathBuf,

    /// Files to download at once (1 to 32)
    #[arg(short, long, env = env::JOBS, value_name = "N", hide_env_values = true,
          default_value_t = 4, value_parser = clap::value_parser!(u8).range(JOBS_RANGE))]
    pub jobs: u8,

    /// Only these files, comma-separated, case-insensitive: each value is a Zoom file_type
    /// (MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE) or a file extension (VTT, JSON, TXT)
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

    #[command(flatten)]
    pub delete: DeleteAfterArgs,

    #[command(flatten)]
    pub api: ApiArgs,

    // Last: its help heading would also head every argument after it.
    #[command(flatten)]
    pub range: RangeArgs,
}

/// `vsrec delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Session IDs; `-` reads them from stdin, one per line (or --from instead)
    #[arg(
        value_name = "SESSION_ID",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub sessions: Vec<String>,

    /// The archive that must prove each file before it is deleted from Zoom: a folder, or an
    /// object store (s3://BUCKET/PREFIX, gs://…, az://…)
    #[arg(short, long, env = env::OUT, value_name = "DIR", hide_env_values = true,
          default_value = ".")]
    pub out: PathBuf,

    /// Delete for good (action=delete) instead of moving to Zoom's trash for 30 days
    #[arg(long)]
    pub permanently: bool,

    #[command(flatten)]
    pub confirm: ConfirmArgs,

    /// Print what would be deleted and what kept, delete nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,

    #[command(flatten)]
    pub api: ApiArgs,

    // Last: its help heading would also head every argument after it.
    #[command(flatten)]
    pub range: RangeArgs,
}

/// `--delete-after` and its companions, on `download` and `serve`.
#[derive(Debug, Args)]
pub struct DeleteAfterArgs {
    /// Then delete from Zoom (to its trash) each session whose every file is archived and
    /// proven, as `vsrec delete` would (serve: after each event; it never asks, so needs --yes)
    #[arg(long)]
    pub delete_after: bool,

    /// With --delete-after: delete for good instead of to the trash
    #[arg(long, requires = "delete_after")]
    pub permanently: bool,

    #[command(flatten)]
    pub confirm: ConfirmArgs,
}

/// How a deletion is confirmed and proven: shared by `delete` and `--delete-after`.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// Delete without asking (required when there is no terminal to ask on, as from cron)
    #[arg(short, long)]
    pub yes: bool,

    /// Prove files by size and their SHA256SUMS line without re-hashing them (files Zoom lists
    /// no size for are still re-hashed)
    #[arg(long)]
    pub trust_manifest: bool,
}

/// `vsrec recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The session whose recordings to take out of the trash
    #[arg(value_name = "SESSION_ID")]
    pub session: String,

    /// Only this file (its `id`, as `vsrec list --trash` shows it)
    #[arg(long, value_name = "ID")]
    pub file: Option<String>,

    #[command(flatten)]
    pub api: ApiArgs,
}

/// `vsrec serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; put a TLS reverse proxy in front of it
    #[arg(long, env = env::LISTEN, value_name = "ADDR", hide_env_values = true,
          default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Archive folder, or an object store (s3://BUCKET/PREFIX, gs://…, az://…); each session
    /// gets a folder (a key prefix) inside it
    #[arg(short, long, env = env::OUT, value_name = "DIR", hide_env_values = true)]
    pub out: PathBuf,

    /// URL path that Zoom posts events to
    #[arg(long, env = env::WEBHOOK_PATH, value_name = "PATH", hide_env_values = true,
          default_value = "/")]
    pub path: String,

    /// Local folder for received events until they are archived; required when OUT is a bucket
    /// [default: OUT/.vsrec-spool]
    #[arg(long, env = env::SPOOL, value_name = "DIR", hide_env_values = true)]
    pub spool: Option<PathBuf>,

    /// Events archived at once, and files downloaded at once across them (1 to 32)
    #[arg(short, long, env = env::JOBS, value_name = "N", hide_env_values = true,
          default_value_t = 4, value_parser = clap::value_parser!(u8).range(JOBS_RANGE))]
    pub jobs: u8,

    #[command(flatten)]
    pub delete: DeleteAfterArgs,

    #[command(flatten)]
    pub api: ApiArgs,
}

/// `vsrec config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the settings vsrec would use (secrets redacted) and where each came from
    #[command(after_help = help::config_show())]
    Show(ConfigShowArgs),
}

/// `vsrec config show`: the settings of `download`, with the same flags to try them out.
#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// Directory to download into, as `vsrec download --out` would take it
    #[arg(short, long, env = env::OUT, value_name = "DIR", hide_env_values = true,
          default_value = ".")]
    pub out: PathBuf,

    /// Files to download at once, as `vsrec download --jobs` would take it
    #[arg(short, long, env = env::JOBS, value_name = "N", hide_env_values = true,
          default_value_t = 4, value_parser = clap::value_parser!(u8).range(JOBS_RANGE))]
    pub jobs: u8,

    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Archive folders (holding session folders), session folders, or object-store URLs
    /// (s3://BUCKET/PREFIX, gs://…, az://…); default: --out
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// The archive folder (or object-store URL) to verify when no DIR is given
    #[arg(short, long, env = env::OUT, value_name = "DIR", hide_env_values = true,
          default_value = ".")]
    pub out: PathBuf,

    /// Files hashed at once (1 to 32; default: one per CPU)
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=32))]
    pub jobs: Option<u8>,

    /// Also list each session from Zoom and report files it has that the archive lacks
    #[arg(long)]
    pub remote: bool,

    /// On an object store (s3://, gs://, az://): check sizes and stored SHA-256 metadata with
    /// one HEAD per object instead of re-hashing every object
    #[arg(long)]
    pub quick: bool,

    /// Used with --remote only.
    #[command(flatten)]
    pub api: ApiArgs,
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

/// The IDs of the arguments a profile can give, named as the profile's keys.
pub const PROFILE_ARGS: [&str; 6] = ["api_base", "api_key", "retries", "timeout", "out", "jobs"];

/// The command line with `defaults` (a profile's values, by argument ID) in place of the
/// built-in defaults of every command that has that argument: clap then applies flag >
/// environment > profile > built-in default by itself, and checks the result. An argument that
/// gets a default is no longer required (`serve --out` from a profile).
pub fn command_with(defaults: &[(&'static str, std::ffi::OsString)]) -> clap::Command {
    with_defaults(Cli::command(), defaults)
}

fn with_defaults(
    mut cmd: clap::Command,
    defaults: &[(&'static str, std::ffi::OsString)],
) -> clap::Command {
    for (id, value) in defaults {
        if cmd.get_arguments().any(|a| a.get_id() == *id) {
            let value = value.clone();
            // Hidden in --help: the profile's value is not the built-in default.
            cmd = cmd.mut_arg(*id, |a| {
                a.default_value(value)
                    .required(false)
                    .hide_default_value(true)
            });
        }
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |sub| with_defaults(sub, defaults));
    }
    cmd
}

/// What the command line says before the profile is known: the command, and `--config` and
/// `--profile` with whether they came from the flag (`true`) or the environment. Read
/// leniently: the real parse, once the profile is known, reports any mistake.
#[derive(Debug, Default)]
pub struct Early {
    /// Whether the command has a setting a profile can give (`--api-base`, `--out`, …), and so
    /// reads the config file.
    pub uses_profile: bool,
    pub config: Option<(PathBuf, bool)>,
    pub profile: Option<(String, bool)>,
}

pub fn early(argv: &[std::ffi::OsString]) -> Early {
    let Ok(matches) = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(argv)
    else {
        return Early::default();
    };
    let leaf = leaf(&matches);
    let from_flag =
        |id: &str| leaf.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
    Early {
        uses_profile: PROFILE_ARGS
            .iter()
            .any(|id| leaf.try_contains_id(id).is_ok()),
        config: leaf
            .try_get_one::<PathBuf>("config")
            .ok()
            .flatten()
            .map(|p| (p.clone(), from_flag("config"))),
        profile: leaf
            .try_get_one::<String>("profile")
            .ok()
            .flatten()
            .map(|p| (p.clone(), from_flag("profile"))),
    }
}

/// The matches of the innermost subcommand (`config show`'s for `vsrec config show`).
pub fn leaf(matches: &clap::ArgMatches) -> &clap::ArgMatches {
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    leaf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
