//! Settings from flags, environment, the config file's profiles and defaults, in that order;
//! secrets from files; `vsrec config show`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::{Harness, Run, SAMPLE, files_below};

/// A file with `text` and `mode`, its folders made.
fn write(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The usual place of the config file in the harness's home.
fn usual_config(h: &Harness) -> PathBuf {
    h.home.path().join(".config/vsrec/config.toml")
}

/// `vsrec ARGS` without the harness's API variables, with `vars` instead.
fn run_without_api_env(h: &Harness, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut cmd = h.command(args);
    for name in ["VSREC_API_BASE", "VSREC_API_KEY", "VSREC_API_SECRET"] {
        cmd.env_remove(name);
    }
    cmd.envs(vars.iter().copied());
    h.run_command(cmd)
}

fn show_json(run: &Run) -> Value {
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1, "one document: {}", run.stdout);
    lines[0].clone()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Level {
    Flag,
    Env,
    Profile,
    Default,
}

const LEVELS: [Level; 4] = [Level::Flag, Level::Env, Level::Profile, Level::Default];

/// A setting that flag, environment, profile and default can all give, with a distinct value
/// for each source.
struct Setting {
    key: &'static str,
    flag: &'static str,
    var: &'static str,
    /// Values for flag, environment and profile, as typed.
    given: [&'static str; 3],
    /// The built-in default, as `config show --json` reports it.
    default: Value,
    numeric: bool,
}

fn settings() -> [Setting; 6] {
    let text = |key, flag, var, given, default: Value| Setting {
        key,
        flag,
        var,
        given,
        default,
        numeric: false,
    };
    let number = |key, flag, var, given, default: u64| Setting {
        key,
        flag,
        var,
        given,
        default: default.into(),
        numeric: true,
    };
    [
        text(
            "api_base",
            "--api-base",
            "VSREC_API_BASE",
            [
                "http://127.0.0.1:1/v2-flag",
                "http://127.0.0.1:1/v2-env",
                "http://127.0.0.1:1/v2-profile",
            ],
            "https://api.zoom.us/v2".into(),
        ),
        text(
            "api_key",
            "--api-key",
            "VSREC_API_KEY",
            ["key-flag", "key-env", "key-profile"],
            Value::Null,
        ),
        number(
            "retries",
            "--retries",
            "VSREC_RETRIES",
            ["11", "12", "13"],
            5,
        ),
        number(
            "timeout",
            "--timeout",
            "VSREC_TIMEOUT",
            ["21", "22", "23"],
            30,
        ),
        text(
            "out",
            "--out",
            "VSREC_OUT",
            ["/out-flag", "/out-env", "/out-profile"],
            ".".into(),
        ),
        number("jobs", "--jobs", "VSREC_JOBS", ["2", "3", "6"], 4),
    ]
}

#[test]
fn every_setting_from_every_source_in_order() {
    let settings = settings();
    // Four runs; in each, every setting gets its value from a different source, and every source
    // below it is given a value too, which must lose.
    for round in 0..LEVELS.len() {
        let h = Harness::new();
        let mut args = vec!["config", "show", "--json"];
        let mut vars = vec![("VSREC_API_SECRET", "the-secret-of-round")];
        let mut profile = String::from("[profiles.default]\n");
        let mut expected = Vec::new();
        for (i, s) in settings.iter().enumerate() {
            let level = LEVELS[(i + round) % LEVELS.len()];
            let rank = LEVELS.iter().position(|l| *l == level).unwrap();
            if rank == 0 {
                args.extend([s.flag, s.given[0]]);
            }
            if rank <= 1 {
                vars.push((s.var, s.given[1]));
            }
            if rank <= 2 {
                let value = if s.numeric {
                    s.given[2].to_owned()
                } else {
                    format!("{:?}", s.given[2])
                };
                profile.push_str(&format!("{} = {value}\n", s.key));
            }
            let value = match level {
                Level::Default => s.default.clone(),
                _ if s.numeric => s.given[rank].parse::<u64>().unwrap().into(),
                _ => s.given[rank].into(),
            };
            expected.push((s, level, value));
        }
        write(&usual_config(&h), &profile, 0o644);
        let run = run_without_api_env(&h, &args, &vars);
        let shown = show_json(&run);
        let with_key = expected
            .iter()
            .any(|(s, level, _)| s.key == "api_key" && *level != Level::Default);
        run.expect(if with_key { 0 } else { 2 });
        assert_eq!(shown["ok"], with_key, "{shown}");
        for (s, level, value) in expected {
            let entry = &shown["settings"][s.key];
            assert!(entry.is_object(), "round {round}, {}: {shown}", s.key);
            assert_eq!(entry["value"], value, "round {round}, {}: {entry}", s.key);
            let source = match level {
                Level::Flag => json!({"source": "flag", "flag": s.flag}),
                Level::Env => json!({"source": "env", "env": s.var}),
                Level::Profile => json!({
                    "source": "profile",
                    "profile": "default",
                    "file": usual_config(&h).display().to_string(),
                }),
                Level::Default if s.default.is_null() => json!({"source": null}),
                Level::Default => json!({"source": "default"}),
            };
            for (field, want) in source.as_object().unwrap() {
                assert_eq!(&entry[field], want, "round {round}, {}: {entry}", s.key);
            }
        }
    }
}

#[test]
fn profiles_and_config_files_are_chosen_by_flag_then_environment() {
    let h = Harness::new();
    let three = "[profiles.default]\napi_key = \"key-d\"\n[profiles.a]\napi_key = \"key-a\"\n\
                 [profiles.b]\napi_key = \"key-b\"\n";
    write(&usual_config(&h), three, 0o644);
    let key = |run: &Run| show_json(run)["settings"]["api_key"]["value"].clone();
    let profile = |run: &Run| show_json(run)["settings"]["profile"].clone();

    let run = run_without_api_env(&h, &["config", "show", "--json"], &[]);
    assert_eq!(key(&run), "key-d");
    assert_eq!(
        profile(&run),
        json!({"value": "default", "source": "default"})
    );
    let run = run_without_api_env(&h, &["config", "show", "--json"], &[("VSREC_PROFILE", "a")]);
    assert_eq!(key(&run), "key-a");
    assert_eq!(profile(&run)["source"], "env");
    let run = run_without_api_env(
        &h,
        &["--profile", "b", "config", "show", "--json"],
        &[("VSREC_PROFILE", "a")],
    );
    assert_eq!(key(&run), "key-b");
    assert_eq!(profile(&run)["source"], "flag");

    let run = run_without_api_env(&h, &["config", "show", "--profile", "c"], &[]);
    run.expect(2);
    assert!(
        run.stderr.contains("--profile \"c\"") && run.stderr.contains("are a, b, default"),
        "{}",
        run.stderr
    );

    // XDG_CONFIG_HOME moves the usual place; --config beats VSREC_CONFIG.
    let xdg = h.home.path().join("xdg");
    write(
        &xdg.join("vsrec/config.toml"),
        "[profiles.default]\napi_key = \"key-xdg\"\n",
        0o644,
    );
    let xdg_str = xdg.to_str().unwrap();
    let run = run_without_api_env(
        &h,
        &["config", "show", "--json"],
        &[("XDG_CONFIG_HOME", xdg_str)],
    );
    assert_eq!(key(&run), "key-xdg");
    let named = h.home.path().join("named.toml");
    write(
        &named,
        "[profiles.default]\napi_key = \"key-named\"\n",
        0o644,
    );
    let run = run_without_api_env(
        &h,
        &["config", "show", "--json"],
        &[("VSREC_CONFIG", named.to_str().unwrap())],
    );
    assert_eq!(key(&run), "key-named");
    assert_eq!(show_json(&run)["settings"]["config_file"]["source"], "env");
    let run = run_without_api_env(
        &h,
        &[
            "config",
            "show",
            "--json",
            "--config",
            usual_config(&h).to_str().unwrap(),
        ],
        &[("VSREC_CONFIG", named.to_str().unwrap())],
    );
    assert_eq!(key(&run), "key-d");

    let run = run_without_api_env(&h, &["config", "show", "--config", "missing.toml"], &[]);
    run.expect(2);
    assert!(
        run.stderr.contains("--config: cannot read"),
        "{}",
        run.stderr
    );
}

/// A profile holding everything to reach the fake: base, key, a secret file.
fn fake_profile(h: &Harness, extra: &str) -> PathBuf {
    let secret = h.home.path().join("secrets/api-secret");
    write(
        &secret,
        &format!("{}\n", h.server.config().api_secret),
        0o600,
    );
    let config = usual_config(h);
    write(
        &config,
        &format!(
            "[profiles.fake]\napi_base = {:?}\napi_key = {:?}\napi_secret_file = \
             \"../../secrets/api-secret\"\n{extra}",
            h.server.api_base(),
            h.server.config().api_key
        ),
        0o644,
    );
    config
}

#[test]
fn a_profile_alone_is_enough_to_download() {
    let h = Harness::new();
    fake_profile(&h, "out = \"~/from-profile\"\njobs = 1\n");
    let run = run_without_api_env(&h, &["download", "--profile", "fake", SAMPLE], &[]);
    run.expect(0);
    let files = files_below(&h.home.path().join("from-profile"));
    assert!(files.len() >= 5, "{files:?}");
    // A flag still wins over the profile.
    let run = run_without_api_env(
        &h,
        &["download", "--profile", "fake", "--out", "by-flag", SAMPLE],
        &[],
    );
    run.expect(0);
    assert_eq!(files_below(&h.home.path().join("by-flag")), files);
    let run = run_without_api_env(&h, &["list", "--json", "--profile", "fake", SAMPLE], &[]);
    run.expect(0);
    assert_eq!(run.json_lines()[0]["session_id"], SAMPLE);
}

#[test]
fn secret_files_from_the_environment() {
    let h = Harness::new();
    let path = h.home.path().join("api-secret");
    let secret = h.server.config().api_secret.clone();
    let key = h.server.config().api_key.clone();
    let base = h.server.api_base();
    let api = |extra: &[(&'static str, &str)]| {
        let mut vars = vec![
            ("VSREC_API_BASE", base.as_str()),
            ("VSREC_API_KEY", key.as_str()),
        ];
        vars.extend_from_slice(extra);
        run_without_api_env(&h, &["list", "--json", SAMPLE], &vars)
    };
    let path_str = path.to_str().unwrap();

    write(&path, &format!("{secret}\n"), 0o600);
    let run = api(&[("VSREC_API_SECRET_FILE", path_str)]);
    run.expect(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);

    // Readable by others (a Kubernetes secret's default 0644): used, with a warning.
    write(&path, &format!("{secret}\n"), 0o644);
    let run = api(&[("VSREC_API_SECRET_FILE", path_str)]);
    run.expect(0);
    assert!(
        run.stderr
            .contains(&format!("vsrec: warning: the secret file {path_str}"))
            && run.stderr.contains("chmod 600"),
        "{}",
        run.stderr
    );
    let quiet = run_without_api_env(
        &h,
        &["list", "-q", SAMPLE],
        &[
            ("VSREC_API_BASE", base.as_str()),
            ("VSREC_API_KEY", key.as_str()),
            ("VSREC_API_SECRET_FILE", path_str),
        ],
    );
    quiet.expect(0);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);

    let run = api(&[
        ("VSREC_API_SECRET_FILE", path_str),
        ("VSREC_API_SECRET", "x"),
    ]);
    run.expect(2);
    assert!(run.stderr.contains("set only one"), "{}", run.stderr);
    let run = api(&[("VSREC_API_SECRET_FILE", "/nonexistent/secret")]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("VSREC_API_SECRET_FILE: cannot read the secret file /nonexistent"),
        "{}",
        run.stderr
    );

    // A token from a file, without key and secret.
    let token = h.home.path().join("token");
    write(
        &token,
        &h.server
            .config()
            .mint_jwt(std::time::Duration::from_secs(600)),
        0o600,
    );
    let run = run_without_api_env(
        &h,
        &["list", "--json", SAMPLE],
        &[
            ("VSREC_API_BASE", base.as_str()),
            ("VSREC_TOKEN_FILE", token.to_str().unwrap()),
        ],
    );
    run.expect(0);
    let shown = run_without_api_env(
        &h,
        &["config", "show", "--json"],
        &[("VSREC_TOKEN_FILE", token.to_str().unwrap())],
    );
    shown.expect(0);
    let shown = show_json(&shown);
    assert_eq!(
        shown["settings"]["token"],
        json!({"value": "(redacted)", "source": "env", "env": "VSREC_TOKEN_FILE",
               "path": token.display().to_string()})
    );
    assert_eq!(shown["settings"]["credentials"]["value"], "token");
}

#[test]
fn secrets_in_the_config_file_only_when_it_is_private() {
    let h = Harness::new();
    let profile = format!(
        "[profiles.default]\napi_base = {:?}\napi_key = {:?}\napi_secret = {:?}\n",
        h.server.api_base(),
        h.server.config().api_key,
        h.server.config().api_secret
    );
    let config = usual_config(&h);
    write(&config, &profile, 0o644);
    let run = run_without_api_env(&h, &["list", SAMPLE], &[]);
    run.expect(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "{} holds a secret (api_secret) but other users may read it (mode 644): run `chmod \
             600 {}`",
            config.display(),
            config.display()
        )),
        "{}",
        run.stderr
    );
    assert!(h.server.log().is_empty(), "nothing was sent");

    write(&config, &profile, 0o600);
    run_without_api_env(&h, &["list", SAMPLE], &[]).expect(0);
}

#[test]
fn config_show_says_where_each_setting_came_from_and_never_a_secret() {
    let h = Harness::new();
    let config = fake_profile(&h, "retries = 9\n");
    let run = run_without_api_env(
        &h,
        &["config", "show", "--profile", "fake", "--timeout", "7"],
        &[("VSREC_JOBS", "3")],
    );
    run.expect(0);
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("{key}: {}", run.stdout))
            .to_owned()
    };
    let in_profile = format!("(profile fake in {})", config.display());
    assert!(line("config_file").contains(&config.display().to_string()));
    assert!(
        line("profile").ends_with("(flag --profile)"),
        "{}",
        line("profile")
    );
    assert!(line("api_base").contains(&h.server.api_base()));
    assert!(
        line("api_base").ends_with(&in_profile),
        "{}",
        line("api_base")
    );
    assert!(line("api_key").ends_with(&in_profile));
    // Relative to the config file's folder.
    let secret_file = config.parent().unwrap().join("../../secrets/api-secret");
    assert!(
        line("api_secret").contains("(redacted)"),
        "{}",
        line("api_secret")
    );
    assert!(
        line("api_secret").ends_with(&format!(
            "(profile fake in {}; file {})",
            config.display(),
            secret_file.display()
        )),
        "{}",
        line("api_secret")
    );
    assert!(line("token").ends_with("(not set)"));
    assert!(line("retries").ends_with(&in_profile));
    assert!(line("timeout").ends_with("(flag --timeout)"));
    assert!(line("jobs").ends_with("(env VSREC_JOBS)"));
    assert!(line("out").ends_with("(default)"));
    assert!(line("credentials").contains("API key and secret"));
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // The harness checks every run for the secret; this one had it in hand.
    assert!(!run.stdout.contains(&h.server.config().api_secret));
}

#[test]
fn config_show_exits_2_when_the_settings_would_not_work() {
    let h = Harness::new();
    let run = run_without_api_env(&h, &["config", "show"], &[]);
    run.expect(2);
    assert!(
        run.stdout.contains("api_key"),
        "still shown: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .next()
            .unwrap()
            .contains("(default; not found)"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("no credentials"), "{}", run.stderr);
    let run = run_without_api_env(
        &h,
        &[
            "config",
            "show",
            "--json",
            "--api-base",
            "http://example.com/v2",
        ],
        &[("VSREC_TOKEN", "a.b.c")],
    );
    run.expect(2);
    let shown = show_json(&run);
    assert_eq!(shown["ok"], false);
    let error = shown["error"].as_str().unwrap();
    assert!(
        error.contains("plain http") && error.ends_with("(from flag --api-base)"),
        "{error}"
    );
}

#[test]
fn mistakes_in_the_config_file_are_usage_errors() {
    let h = Harness::new();
    write(&usual_config(&h), "[profiles.default]\njob = 4\n", 0o644);
    let run = h.run(&["list", SAMPLE]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("profiles.default has an unknown key \"job\""),
        "{}",
        run.stderr
    );
    assert!(h.server.log().is_empty());
}
