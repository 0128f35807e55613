//! `--help` of every command: examples last, headings, exit codes per command, and no
//! environment value ever shown.

use crate::support::Harness;

/// Every command's path, and the exit codes its `--help` must list.
const COMMANDS: [(&[&str], &[u8]); 10] = [
    (&[], &[0, 1, 2, 3, 4, 5, 6, 7, 130, 143]),
    (&["list"], &[0, 1, 2, 3, 4, 130]),
    (&["download"], &[0, 1, 2, 3, 4, 5, 6, 7, 130, 143]),
    (&["delete"], &[0, 1, 2, 3, 4, 5, 6, 7, 130, 143]),
    (&["recover"], &[0, 1, 2, 3, 4, 130]),
    (&["serve"], &[0, 1, 2, 130]),
    (&["verify"], &[0, 1, 2, 3, 7, 130, 143]),
    (&["config"], &[0, 1, 2]),
    (&["config", "show"], &[0, 1, 2]),
    (&["completions"], &[0, 2]),
];

fn help(h: &Harness, path: &[&str]) -> String {
    let mut args = path.to_vec();
    args.push("--help");
    let mut cmd = h.command(&args);
    // Wide enough that clap wraps nothing: the test sees the lines as written.
    cmd.env("COLUMNS", "250");
    let run = h.run_command(cmd);
    run.expect(0);
    run.stdout
}

/// The lines of the section that starts with `heading`, up to the next blank line.
fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn every_command_ends_with_two_to_four_examples() {
    let h = Harness::new();
    for (path, _) in COMMANDS {
        let text = help(&h, path);
        let examples = section(&text, "Examples:");
        let commands: Vec<&&str> = examples.iter().filter(|l| l.starts_with("  $ ")).collect();
        assert!(
            (2..=4).contains(&commands.len()),
            "{path:?}: {commands:?}\n{text}"
        );
        let last = text.trim_end().lines().last().unwrap();
        assert!(
            last.starts_with("  $ ") && examples.contains(&last),
            "{path:?}: examples come last\n{text}"
        );
        for line in &examples {
            assert!(
                line.starts_with("  # ") || line.starts_with("  $ "),
                "{path:?}: a comment, then the command: {line:?}"
            );
        }
        for command in commands {
            let invoked = command.trim_start_matches("  $ ");
            assert!(
                invoked.contains("vsrec") || path.contains(&"serve"),
                "{path:?}: {invoked}"
            );
        }
    }
}

#[test]
fn the_end_of_each_help_fits_80_columns() {
    // clap wraps what follows the options at the terminal's width, without indenting: an
    // example or a table row longer than a terminal would break in two.
    let h = Harness::new();
    for (path, _) in COMMANDS {
        let text = help(&h, path);
        for heading in ["Environment:", "Exit codes:", "Examples:"] {
            for line in section(&text, heading) {
                assert!(line.chars().count() <= 80, "{path:?}: {line:?}");
            }
        }
    }
}

#[test]
fn exit_codes_are_listed_per_command() {
    let h = Harness::new();
    for (path, codes) in COMMANDS {
        let text = help(&h, path);
        let listed: Vec<u8> = section(&text, "Exit codes:")
            .iter()
            .map(|l| l.split_whitespace().next().unwrap().parse().expect(l))
            .collect();
        assert_eq!(listed, codes, "{path:?}\n{text}");
    }
}

#[test]
fn no_environment_value_is_ever_shown() {
    let values = [
        ("VSREC_API_KEY", "key-shown-nowhere"),
        ("VSREC_API_BASE", "http://127.0.0.1:9/base-shown-nowhere"),
        ("VSREC_RETRIES", "71"),
        ("VSREC_TIMEOUT", "3141"),
        ("VSREC_OUT", "/out-shown-nowhere"),
        ("VSREC_JOBS", "29"),
        ("VSREC_LISTEN", "127.0.0.1:59999"),
        ("VSREC_SPOOL", "/spool-shown-nowhere"),
        ("VSREC_PROFILE", "profile-shown-nowhere"),
        ("VSREC_CONFIG", "/config-shown-nowhere.toml"),
    ];
    for set in [false, true] {
        let mut h = Harness::new();
        if set {
            for (name, value) in values {
                h = h.with_env(name, value);
            }
        }
        for (path, _) in COMMANDS {
            let text = help(&h, path);
            assert!(!text.contains("=]"), "{path:?}: an empty value\n{text}");
            // An environment tag names its variable and nothing else: `[env: VSREC_OUT]`.
            for tag in text.split("[env:").skip(1) {
                let name = tag.split(']').next().unwrap().trim();
                assert!(
                    name.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                    "{path:?}: [env: {name}]"
                );
            }
            for (_, value) in values {
                // Numbers are common in help text; as a shown value they would end a tag.
                let shown = if value.len() > 4 {
                    text.contains(value)
                } else {
                    text.contains(&format!("{value}]"))
                };
                assert!(!shown, "{path:?}: {value} shown\n{text}");
            }
        }
    }
}

#[test]
fn options_are_grouped_under_headings() {
    let h = Harness::new();
    let text = help(&h, &["download"]);
    let api = section(&text, "API options:").join("\n");
    for flag in ["--api-base", "--api-key", "--retries", "--timeout"] {
        assert!(api.contains(flag), "{flag}\n{text}");
    }
    let global = section(&text, "Global options:").join("\n");
    for flag in ["--json", "--verbose", "--quiet", "--config", "--profile"] {
        assert!(global.contains(flag), "{flag}\n{text}");
    }
    let own = section(&text, "Options:").join("\n");
    assert!(own.contains("--out") && !own.contains("--api-base") && !own.contains("--json"));
}

#[test]
fn completions_take_no_api_flags() {
    let h = Harness::new();
    let text = help(&h, &["completions"]);
    for flag in [
        "--api-base",
        "--api-key",
        "--retries",
        "--timeout",
        "API options",
    ] {
        assert!(!text.contains(flag), "{flag}\n{text}");
    }
    let run = h.run(&["completions", "bash", "--api-base", "https://x"]);
    run.expect(2);
    assert!(run.stderr.contains("--api-base"), "{}", run.stderr);
    // A broken config file cannot stop them either: completions read none.
    std::fs::write(h.home.path().join("broken.toml"), "[profiles\n").unwrap();
    h.run(&["completions", "bash", "--config", "broken.toml"])
        .expect(0);
}

#[test]
fn api_flags_go_after_the_command() {
    let h = Harness::new();
    let run = h.run(&["--retries", "1", "list", "x"]);
    run.expect(2);
    assert!(
        run.stderr.contains("'list --retries' exists"),
        "{}",
        run.stderr
    );
}
