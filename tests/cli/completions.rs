//! The completion scripts committed under `completions/` and the man pages under `man/` must match
//! what the current CLI generates. To refresh both after changing the CLI:
//! `VSREC_UPDATE_COMPLETIONS=1 cargo test completions`.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::support::Harness;

const UPDATE: &str = "VSREC_UPDATE_COMPLETIONS";

const SCRIPTS: [(&str, &str); 5] = [
    ("bash", "vsrec.bash"),
    ("zsh", "_vsrec"),
    ("fish", "vsrec.fish"),
    ("elvish", "vsrec.elv"),
    ("powershell", "_vsrec.ps1"),
];

fn repo_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// Write `content` to `path` when updating; otherwise report whether the committed file differs.
fn is_stale(path: &Path, content: &[u8]) -> bool {
    if std::env::var_os(UPDATE).is_some() {
        std::fs::write(path, content).unwrap();
        return false;
    }
    std::fs::read(path).ok().as_deref() != Some(content)
}

#[test]
fn committed_completions_are_current() {
    let h = Harness::new();
    let dir = repo_dir("completions");
    let mut stale = Vec::new();
    for (shell, file) in SCRIPTS {
        let run = h.run(&["completions", shell]);
        run.expect(0);
        assert!(
            run.stdout.contains("vsrec"),
            "{shell} script names the command"
        );
        if is_stale(&dir.join(file), run.stdout.as_bytes()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions {stale:?}; run {UPDATE}=1 cargo test completions"
    );
}

/// One page for `vsrec` and one per subcommand (`vsrec-download.1`, …), as `man vsrec-download`
/// expects them.
fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut cmd = vsrec::cli::Cli::command();
    cmd.build();
    let mut pages = vec![render("vsrec", cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("vsrec-{}", sub.get_name());
        pages.push(render(&name, sub.clone().display_name(name.clone())));
    }
    pages
}

fn render(name: &str, cmd: clap::Command) -> (String, Vec<u8>) {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .expect("render to memory");
    (format!("{name}.1"), page)
}

#[test]
fn committed_man_pages_are_current() {
    let dir = repo_dir("man");
    std::fs::create_dir_all(&dir).unwrap();
    let pages = man_pages();
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"vsrec.1") && names.contains(&"vsrec-download.1"));
    let mut stale: Vec<String> = pages
        .iter()
        .filter(|(name, page)| {
            assert!(
                String::from_utf8_lossy(page).contains(".SH NAME"),
                "{name} is a man page"
            );
            is_stale(&dir.join(name), page)
        })
        .map(|(name, _)| name.clone())
        .collect();
    // A page for a subcommand that no longer exists is stale too.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !names.contains(&file.as_str()) {
            if std::env::var_os(UPDATE).is_some() {
                std::fs::remove_file(dir.join(&file)).unwrap();
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale man pages {stale:?}; run {UPDATE}=1 cargo test completions"
    );
}
