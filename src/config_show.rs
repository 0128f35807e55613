//! `vsrec config show`: the settings a command would use, secrets redacted, and where each came
//! from. Exit 2 when they would not work (with what could be read, and why, on stderr).

use crate::exit::ExitStatus;
use crate::settings::{self, EnvLookup, Invocation, Verbosity};
use crate::term::Term;

pub fn run(inv: &Invocation, env: EnvLookup<'_>) -> anyhow::Result<ExitStatus> {
    let json = inv.cli.global.json;
    let term = Term::new(
        if inv.cli.global.quiet {
            Verbosity::Quiet
        } else {
            Verbosity::Normal
        },
        json,
    );
    let (shown, pending) = settings::gather(inv, env)?;
    for warning in pending.warnings() {
        term.warn(warning);
    }
    let problem = pending.finish(shown.clone()).err();
    let text = if json {
        let document = serde_json::json!({
            "settings": settings::describe_json(&shown),
            "ok": problem.is_none(),
            "error": problem.as_ref().map(ToString::to_string),
        });
        format!("{document}\n")
    } else {
        let mut text = settings::describe(&shown).join("\n");
        text.push('\n');
        text
    };
    term.data(&text)?;
    Ok(match problem {
        None => ExitStatus::Success,
        Some(problem) => {
            term.error(&problem.to_string());
            problem.exit_status()
        }
    })
}
