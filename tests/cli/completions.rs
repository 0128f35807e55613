//! The completion scripts committed under `completions/` must match what the binary prints.
//! To refresh them after changing the CLI: `VSREC_UPDATE_COMPLETIONS=1 cargo test completions`.

use std::path::Path;

use crate::support::Harness;

const SCRIPTS: [(&str, &str); 5] = [
    ("bash", "vsrec.bash"),
    ("zsh", "_vsrec"),
    ("fish", "vsrec.fish"),
    ("elvish", "vsrec.elv"),
    ("powershell", "_vsrec.ps1"),
];

#[test]
fn committed_completions_are_current() {
    let h = Harness::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("VSREC_UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for (shell, file) in SCRIPTS {
        let run = h.run(&["completions", shell]);
        run.expect(0);
        assert!(
            run.stdout.contains("vsrec"),
            "{shell} script names the command"
        );
        let path = dir.join(file);
        if update {
            std::fs::write(&path, &run.stdout).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(run.stdout.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions {stale:?}; run VSREC_UPDATE_COMPLETIONS=1 cargo test completions"
    );
}
