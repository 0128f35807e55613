//! Every environment variable vsrec reads, in one place.

pub const API_BASE: &str = "VSREC_API_BASE";
pub const API_KEY: &str = "VSREC_API_KEY";
/// Read from the environment only: a secret never comes from argv, where `ps` shows it.
pub const API_SECRET: &str = "VSREC_API_SECRET";
/// ...or a file holding it (a systemd credential, a Docker or Kubernetes secret).
pub const API_SECRET_FILE: &str = "VSREC_API_SECRET_FILE";
/// A ready-made Video SDK API JWT; environment only, like the secret.
pub const TOKEN: &str = "VSREC_TOKEN";
pub const TOKEN_FILE: &str = "VSREC_TOKEN_FILE";
/// The config file (`--config`), and the profile in it (`--profile`).
pub const CONFIG: &str = "VSREC_CONFIG";
pub const PROFILE: &str = "VSREC_PROFILE";
/// Where the config file is looked for when neither `--config` nor `VSREC_CONFIG` names one.
pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
pub const HOME: &str = "HOME";
pub const RETRIES: &str = "VSREC_RETRIES";
pub const TIMEOUT: &str = "VSREC_TIMEOUT";
pub const JOBS: &str = "VSREC_JOBS";
pub const OUT: &str = "VSREC_OUT";
/// `vsrec serve`: the Secret Token of the app's event subscription, or a file holding it.
/// Environment only, like the API secret.
pub const WEBHOOK_SECRET: &str = "VSREC_WEBHOOK_SECRET";
pub const WEBHOOK_SECRET_FILE: &str = "VSREC_WEBHOOK_SECRET_FILE";
pub const LISTEN: &str = "VSREC_LISTEN";
pub const WEBHOOK_PATH: &str = "VSREC_WEBHOOK_PATH";
pub const SPOOL: &str = "VSREC_SPOOL";
/// Colour in tables: `NO_COLOR` (any value) turns it off, `CLICOLOR_FORCE` (not `0`) turns it
/// on when stdout is not a terminal, `TERM=dumb` and `CLICOLOR=0` turn it off on a terminal.
pub const NO_COLOR: &str = "NO_COLOR";
pub const CLICOLOR_FORCE: &str = "CLICOLOR_FORCE";
pub const CLICOLOR: &str = "CLICOLOR";
pub const TERM: &str = "TERM";

/// `--out s3://…`: the named profile in the AWS CLI's files, which vsrec reads itself (static keys,
/// region, `endpoint_url`) because `object_store` does not.
pub const AWS_PROFILE: &str = "AWS_PROFILE";
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";

/// Test-only knobs: they make the integration tests fast and deterministic. Not for operators.
pub mod test {
    /// Base delay of the exponential backoff, in milliseconds (tests use 0).
    pub const RETRY_DELAY_MS: &str = "VSREC_TEST_RETRY_DELAY_MS";
    /// Idle-read timeout in milliseconds, overriding `--timeout` (stall tests).
    pub const IDLE_TIMEOUT_MS: &str = "VSREC_TEST_IDLE_TIMEOUT_MS";
    /// Lifetime of minted JWTs in seconds (re-mint tests).
    pub const JWT_LIFETIME_SECS: &str = "VSREC_TEST_JWT_LIFETIME_SECS";
    /// The current time, RFC 3339 (`2026-06-30T12:00:00Z`), for ages like `--from 7d`.
    pub const NOW: &str = "VSREC_TEST_NOW";
}
