//! `eval "$(fakezoom --env)"`: the shell gets its prompt back, and what it exported reaches a
//! fake that keeps serving in the background.

// Shared with tests/server.rs, which uses more of it.
#[allow(dead_code)]
mod support;

use std::process::Command;
use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

#[test]
fn eval_of_env_exports_the_settings_of_a_background_fake() {
    let script = r#"eval "$("$FAKEZOOM" --env)" || exit 9
        printf '%s\n' "$VSREC_API_BASE" "$VSREC_API_KEY" "$VSREC_API_SECRET" "$FAKEZOOM_PID" \
            "$FAKEZOOM_SESSION" "$FAKEZOOM_PROTECTED_SESSION" "$FAKEZOOM_LOG""#;
    // `output` returns once the shell exits: a `$(…)` held open by the server would hang here.
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("FAKEZOOM", env!("CARGO_BIN_EXE_fakezoom"))
        .output()
        .expect("run sh");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let values: Vec<&str> = stdout.lines().collect();
    let [base, key, secret, pid, session, protected, log] = values[..] else {
        panic!("seven values: {stdout:?}")
    };
    let stop = Stop(pid.to_owned());
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/v2"),
        "{base}"
    );
    assert_eq!(protected, "Ab/cd+ef//gh==", "quoted for the shell as it is");

    // The fake is still up, and takes what was exported: a token minted from key and secret.
    let token = fakezoom::Config {
        api_key: key.to_owned(),
        api_secret: secret.to_owned(),
    }
    .mint_jwt(Duration::from_secs(600));
    let once = utf8_percent_encode(session, NON_ALPHANUMERIC).to_string();
    let twice = utf8_percent_encode(&once, NON_ALPHANUMERIC).to_string();
    let reply = support::get(
        &format!("{base}/videosdk/sessions/{twice}/recordings"),
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["session_id"], session);
    drop(stop);
    let _ = std::fs::remove_file(log);
}

/// Stops the background fake however the test ends.
struct Stop(String);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(&self.0).status();
    }
}
