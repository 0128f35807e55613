//! vsrec's error type: what went wrong in terms an operator can act on, and which exit code it
//! maps to. Everything else travels as `anyhow::Error` with context; the exit code is found by
//! looking for an [`Error`] anywhere in the chain.

use std::io::{self, Write};

use crate::exit::ExitStatus;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags, arguments or configuration (exit 2).
    #[error("{0}")]
    Usage(String),

    /// The credentials were refused or are the wrong kind (exit 3).
    #[error("{0}")]
    Auth(String),

    /// The session is unknown to Zoom or has no recordings (exit 4).
    #[error("{0}")]
    NotFound(String),

    /// Zoom answered with an error that no other variant covers.
    #[error("{0}")]
    Api(ApiError),

    /// The API cannot be reached at all (connection, DNS, TLS), whatever is asked of it.
    #[error("{0}")]
    Unreachable(String),

    /// Ctrl-C (exit 130).
    #[error("interrupted")]
    Interrupted,
}

/// An error answer from the Zoom API, with what Zoom support needs to find the request. Its
/// message and tracking ID are server text, shown through `format::printable`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: Option<i64>,
    pub message: Option<String>,
    pub tracking_id: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = self.code {
            write!(f, ", Zoom code {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", crate::format::printable(message))?;
        }
        if let Some(id) = &self.tracking_id {
            write!(f, " (x-zm-trackingid {})", crate::format::printable(id))?;
        }
        Ok(())
    }
}

impl Error {
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Usage(_) => ExitStatus::Usage,
            Self::Auth(_) => ExitStatus::Auth,
            Self::NotFound(_) => ExitStatus::NotFound,
            Self::Api(_) | Self::Unreachable(_) => ExitStatus::Failure,
            Self::Interrupted => ExitStatus::Interrupted,
        }
    }
}

/// The exit code for an error that reached the top: the first [`Error`] in its chain decides; a
/// broken pipe is the reader going away (`vsrec list --json | head -1`), which is success.
/// Zoom's error answer somewhere in `err`'s chain, if the failure was one.
pub fn api_error_in(err: &anyhow::Error) -> Option<&ApiError> {
    err.chain()
        .find_map(|cause| match cause.downcast_ref::<Error>() {
            Some(Error::Api(api)) => Some(api),
            _ => None,
        })
}

impl ApiError {
    /// A refusal rather than a failure: not allowed (401, 403), or a 2xx that is not the
    /// expected answer (Zoom's way of saying it did nothing).
    pub fn is_refusal(&self) -> bool {
        matches!(self.status, 401 | 403) || (200..300).contains(&self.status)
    }
}

pub fn exit_status_of(err: &anyhow::Error) -> ExitStatus {
    for cause in err.chain() {
        if let Some(error) = cause.downcast_ref::<Error>() {
            return error.exit_status();
        }
        if let Some(io) = cause.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            return ExitStatus::Success;
        }
    }
    ExitStatus::Failure
}

/// Whether `err` would fail every other session the same way (credentials, configuration, an
/// API that cannot be reached), so that going on to the next session is pointless.
pub fn fails_every_session(err: &anyhow::Error) -> bool {
    let unreachable = err
        .chain()
        .any(|cause| matches!(cause.downcast_ref::<Error>(), Some(Error::Unreachable(_))));
    unreachable || matches!(exit_status_of(err), ExitStatus::Auth | ExitStatus::Usage)
}

/// How the failure of one session is said: after the session's ID, unless it is the account's
/// ([`fails_every_session`]), which has nothing to do with the session it happened on.
pub fn session_failure(id: &str, err: &anyhow::Error) -> String {
    if fails_every_session(err) {
        format!("{err:#}")
    } else {
        format!("session {id}: {err:#}")
    }
}

/// The error of a session left alone because an account-wide failure (`err`) stopped the run.
pub fn not_attempted(err: &anyhow::Error) -> String {
    format!("not attempted: {err:#}")
}

/// Render an error that reached the top, once, on one line, and return its exit status. A
/// reader that went away (`| head -1`) is not worth a message.
pub fn report(err: &anyhow::Error) -> ExitStatus {
    let status = exit_status_of(err);
    if status != ExitStatus::Success {
        let line = crate::format::printable(&format!("vsrec: error: {err:#}"));
        let _ = writeln!(io::stderr(), "{line}");
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn exit_status_found_through_context() {
        let err = anyhow::Error::new(Error::NotFound("no such session".into()))
            .context("listing session x");
        assert_eq!(exit_status_of(&err), ExitStatus::NotFound);
    }

    #[test]
    fn broken_pipe_is_success_and_other_errors_fail() {
        let pipe: anyhow::Result<()> =
            Err(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing stdout");
        assert_eq!(exit_status_of(&pipe.unwrap_err()), ExitStatus::Success);
        assert_eq!(
            exit_status_of(&anyhow::anyhow!("boom")),
            ExitStatus::Failure
        );
    }

    #[test]
    fn account_wide_failures_are_said_without_the_session() {
        let auth = anyhow::Error::new(Error::Auth("Zoom refused the credentials".into()));
        let down =
            anyhow::Error::new(Error::Unreachable("cannot connect to x".into())).context("listing");
        let missing = anyhow::Error::new(Error::NotFound("no such session".into()));
        assert!(fails_every_session(&auth) && fails_every_session(&down));
        assert!(!fails_every_session(&missing));
        assert_eq!(session_failure("S", &auth), "Zoom refused the credentials");
        assert_eq!(session_failure("S", &down), "listing: cannot connect to x");
        assert_eq!(session_failure("S", &missing), "session S: no such session");
        assert_eq!(
            not_attempted(&auth),
            "not attempted: Zoom refused the credentials"
        );
        assert_eq!(exit_status_of(&down), ExitStatus::Failure);
    }

    #[test]
    fn api_error_names_code_message_and_tracking_id() {
        let err = ApiError {
            status: 400,
            code: Some(300),
            message: Some("Invalid session".into()),
            tracking_id: Some("v=2.0;clid=us06;rid=abc".into()),
        };
        assert_eq!(
            err.to_string(),
            "HTTP 400, Zoom code 300: Invalid session (x-zm-trackingid v=2.0;clid=us06;rid=abc)"
        );
    }
}
