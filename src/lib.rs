//! vsrec: list and download the cloud recordings of Zoom Video SDK sessions.
//!
//! `main.rs` calls [`run`] and renders an error with [`error::report`].

pub mod archive;
pub mod auth;
pub mod cli;
pub mod client;
pub mod download;
pub mod env;
pub mod error;
pub mod events;
pub mod exit;
pub mod format;
pub mod headers;
pub mod interrupt;
pub mod list;
pub mod list_range;
pub mod model;
pub mod naming;
pub mod retry;
pub mod secret;
pub mod secret_file;
pub mod serve;
pub mod settings;
pub mod sources;
pub mod term;
pub mod verify;
pub mod wire;

use std::ffi::OsString;
use std::io::{self, Write};

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;
use crate::settings::{EnvLookup, Settings};
use crate::term::Term;

/// Parse `args`, resolve settings from them and `env`, and run the command.
pub fn run<I, T>(args: I, env: EnvLookup<'_>) -> anyhow::Result<ExitStatus>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return Ok(if err.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Success
            });
        }
    };
    if let Command::Completions { shell } = cli.command {
        let mut out = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::from(shell),
            &mut Cli::command(),
            "vsrec",
            &mut out,
        );
        io::stdout().lock().write_all(&out)?;
        return Ok(ExitStatus::Success);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Command::Verify(args) = &cli.command
        && !args.remote
    {
        // Checking the archive against its own SHA256SUMS needs no credentials.
        let term = Term::new(settings::verbosity(&cli.global), cli.global.json);
        let options = verify::Options::resolve(args);
        return runtime.block_on(verify::run(None, term, options, cli.global.json));
    }
    let settings = Settings::resolve(&cli.global, env)?;
    let term = Term::new(settings.verbosity, settings.json);
    term.debug(|| format!("settings: {settings:?}"));
    runtime.block_on(async {
        match cli.command {
            Command::List(args) => {
                if let Some(query) = sources::RangeQuery::resolve(&args.range, env)? {
                    let client = client::ApiClient::new(&settings, term.clone())?;
                    return list_range::run(&client, &term, &query, settings.json).await;
                }
                let ids = settings::session_ids(&args.sessions, &mut io::stdin().lock())?;
                let client = client::ApiClient::new(&settings, term.clone())?;
                list::run(&client, &term, &ids, settings.json).await
            }
            Command::Download(args) => {
                let options = download::Options::resolve(&args)?;
                let sessions =
                    download::Sessions::resolve(&args, &options, env, &mut io::stdin().lock())?;
                let client = client::ApiClient::new(&settings, term.clone())?;
                download::run(client, term, sessions, options, settings.json).await
            }
            Command::Serve(args) => {
                let options = serve::Options::resolve(&args, env, settings.connect_timeout)?;
                // Round two: the download path, with an ApiClient for the re-list fallback.
                serve::run(options, serve::NotWiredYet, term, settings.json).await
            }
            Command::Verify(args) => {
                let options = verify::Options::resolve(&args);
                let client = client::ApiClient::new(&settings, term.clone())?;
                verify::run(Some(client), term, options, settings.json).await
            }
            Command::Completions { .. } => unreachable!("handled before settings"),
        }
    })
}
