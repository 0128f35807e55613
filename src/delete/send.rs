//! The one way a `DELETE` reaches Zoom. It takes a plan whose files carry a [`Proof`] (which
//! only the archive makes), refuses anything else, writes the audit intent line (and sends
//! nothing when it cannot), sends the request, and writes the result line.
//!
//! [`Proof`]: crate::archive::Proof

use super::audit::{self, AuditFile, AuditLog, Subject};
use super::plan::{FilePlan, SessionPlan};
use super::report::Answer;
use crate::archive::Proof;
use crate::client::{ApiClient, DeleteAction, Doomed};
use crate::error::{ApiError, exit_status_of};
use crate::events::DeleteStatus;
use crate::exit::ExitStatus;

/// What one request is for.
pub enum Target<'a> {
    /// Every file of the session, each proven: one request.
    Session(&'a SessionPlan),
    /// One proven file with an `id`.
    File(&'a SessionPlan, &'a FilePlan),
}

/// How a request went, owned.
pub struct Sent {
    pub status: DeleteStatus,
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub zoom_message: Option<String>,
    /// `refused` or `request failed`, and the error in words.
    pub failure: Option<(&'static str, String)>,
    /// What the outcome adds to the run's exit status.
    pub exit: ExitStatus,
}

impl Sent {
    pub fn answer(&self) -> Answer<'_> {
        Answer {
            status: self.status,
            http_status: self.http_status,
            zoom_code: self.zoom_code,
            zoom_message: self.zoom_message.as_deref(),
            failure: self.failure.as_ref().map(|(r, e)| (*r, e.as_str())),
        }
    }
}

/// Why [`send`] sent nothing: the target is not proven (a bug upstream), or the audit log
/// cannot be written (the run stops).
#[derive(Debug, thiserror::Error)]
pub enum Unsent {
    #[error("refused to delete {0}: not every file of it is proven by the archive")]
    Unproven(String),
    #[error(
        "cannot write the audit log {log} (about {about}): {error}; nothing more is deleted \
         (let vsrec write there, then run it again)"
    )]
    Audit {
        log: String,
        about: String,
        error: std::io::Error,
    },
}

/// Send the request for `target`, logged before and after in `audit`.
pub async fn send(
    client: &ApiClient,
    audit: &mut AuditLog,
    target: Target<'_>,
    action: DeleteAction,
) -> Result<Sent, Unsent> {
    let (plan, file_id, path, files) = match target {
        Target::Session(plan) => {
            if !plan.whole
                || plan.files.is_empty()
                || plan.files.iter().any(|f| f.proof().is_none())
            {
                return Err(Unsent::Unproven(format!("session {}", plan.session_id)));
            }
            let files: Vec<AuditFile> = plan.files.iter().map(audit_file).collect();
            (plan, None, plan.dir.as_str(), files)
        }
        Target::File(plan, file) => {
            let Some(id) = file.file.id.as_deref().filter(|_| file.proof().is_some()) else {
                return Err(Unsent::Unproven(file.path.clone()));
            };
            (plan, Some(id), file.path.as_str(), vec![audit_file(file)])
        }
    };
    let size = files.iter().map(|f| f.size).sum();
    let subject = Subject {
        session_id: &plan.session_id,
        file_id: file_id.unwrap_or("*"),
        path,
        size,
        sha256: file_id.and_then(|_| files.first().map(|f| f.sha256)),
        action: action.as_str(),
        files: file_id.is_none().then_some(files.as_slice()),
    };
    let log = audit.location().to_owned();
    let audit_error = |error| Unsent::Audit {
        log: log.clone(),
        about: path.to_owned(),
        error,
    };
    audit.intent(&subject).map_err(audit_error)?;
    let proofs: Vec<&Proof> = match target {
        Target::Session(plan) => plan.files.iter().filter_map(FilePlan::proof).collect(),
        Target::File(_, file) => file.proof().into_iter().collect(),
    };
    let doomed = match file_id {
        None => Doomed::Session { proofs: &proofs },
        Some(id) => Doomed::File {
            id,
            proof: proofs[0],
        },
    };
    let answer = client
        .delete_recordings(&plan.session_id, doomed, action)
        .await;
    let sent = judge(answer, action);
    let result = audit::Result {
        outcome: match sent.status {
            DeleteStatus::Trashed => "trashed",
            DeleteStatus::Deleted => "deleted",
            _ => "failed",
        },
        http_status: sent.http_status,
        zoom_code: sent.zoom_code,
        zoom_message: sent.zoom_message.as_deref(),
        error: sent.failure.as_ref().map(|(_, e)| e.as_str()),
    };
    audit.result(&subject, result).map_err(audit_error)?;
    Ok(sent)
}

fn audit_file(file: &FilePlan) -> AuditFile {
    let proof = file.proof().expect("checked: every file is proven");
    AuditFile {
        file_id: file.file.id.clone(),
        path: file.path.clone(),
        size: proof.len(),
        sha256: proof.sha256(),
    }
}

/// Zoom's answer, judged: a 2xx with an empty body is done; a 401, 403, or a 2xx carrying a
/// body is a refusal (exit 3); anything else failed (exit 5).
fn judge(answer: anyhow::Result<u16>, action: DeleteAction) -> Sent {
    let error = match answer {
        Ok(status) => {
            return Sent {
                status: match action {
                    DeleteAction::Trash => DeleteStatus::Trashed,
                    DeleteAction::Delete => DeleteStatus::Deleted,
                },
                http_status: Some(status),
                zoom_code: None,
                zoom_message: None,
                failure: None,
                exit: ExitStatus::Success,
            };
        }
        Err(error) => error,
    };
    let Some(api) = crate::error::api_error_in(&error) else {
        let exit = match exit_status_of(&error) {
            ExitStatus::Interrupted => ExitStatus::Interrupted,
            ExitStatus::Auth => ExitStatus::Auth,
            _ => ExitStatus::FilesFailed,
        };
        return failed("request failed", format!("{error:#}"), None, exit);
    };
    let refused = api.is_refusal();
    let (reason, text, exit) = if refused {
        (
            "refused",
            format!(
                "Zoom refused it ({api}); check that the account allows it (per-file deletes need \
                 \"The host can delete cloud recordings\")"
            ),
            ExitStatus::Auth,
        )
    } else {
        (
            "request failed",
            format!("Zoom answered {api}"),
            ExitStatus::FilesFailed,
        )
    };
    failed(reason, text, Some(api), exit)
}

fn failed(reason: &'static str, text: String, api: Option<&ApiError>, exit: ExitStatus) -> Sent {
    Sent {
        status: DeleteStatus::Failed,
        http_status: api.map(|a| a.status),
        zoom_code: api.and_then(|a| a.code),
        zoom_message: api.and_then(|a| a.message.clone()),
        failure: Some((reason, text)),
        exit,
    }
}
