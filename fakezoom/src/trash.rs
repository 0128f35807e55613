//! Deleting and recovering recordings, as Zoom does: `DELETE …/recordings[/{recordingId}]
//! ?action=trash|delete` (204), `PUT …/recordings[/{recordingId}]/status` with
//! `{"action":"recover"}` (204), and the trash listing `GET /videosdk/recordings?trash=true&
//! trash_type=session_recordings|recording_file`.
//!
//! What it enforces: `action` is required (400 without it, or with another value); files
//! without an `id` (CC, TIMELINE) cannot be addressed one by one; a session whose "the host can
//! delete cloud recordings" setting is off refuses per-file deletes (403); the trash keeps what
//! it holds for 30 days, then it is gone for good. Trashed files vanish from both listings.
//! A test can make one session's recover answer Zoom's documented failure, HTTP 200 with
//! `{"code":200,"message":"You do not have the right permissions."}`.

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::unix_now;
use crate::faults::zoom_error;
use crate::model::{File, Session};
use crate::server::Server;
use crate::state::{Inner, Shared};
use crate::urls;

/// How long the trash keeps what it holds.
pub const TRASH_DAYS: u64 = 30;
const DAY: u64 = 86_400;

/// What is in the trash, and since when (Unix seconds).
#[derive(Debug, Default)]
pub(crate) struct Trash {
    /// Whole sessions, with the files they had when trashed.
    pub(crate) sessions: Vec<(Session, u64)>,
    /// Single files, by the ID of the session they belong to.
    pub(crate) files: Vec<(String, File, u64)>,
    /// Sessions whose per-file deletes are refused (the account setting is off for its host).
    pub(crate) per_file_refused: std::collections::HashSet<String>,
    /// Sessions whose recover answers 200 with Zoom's `{code, message}` failure.
    pub(crate) recover_refused: std::collections::HashSet<String>,
}

impl Trash {
    /// Forget what has been in the trash for more than 30 days, content included.
    fn expire(inner: &mut Inner) {
        let limit = unix_now().saturating_sub(TRASH_DAYS * DAY);
        let mut gone = Vec::new();
        inner.trash.sessions.retain(|(session, at)| {
            let keep = *at >= limit;
            if !keep {
                gone.extend(session.files.iter().map(|f| f.key.clone()));
            }
            keep
        });
        inner.trash.files.retain(|(_, file, at)| {
            let keep = *at >= limit;
            if !keep {
                gone.push(file.key.clone());
            }
            keep
        });
        for key in gone {
            inner.files.remove(&key);
        }
    }
}

/// The parts of a path below `/v2/videosdk/sessions/{id}/recordings`.
pub(crate) enum Target {
    /// `…/recordings`
    Session,
    /// `…/recordings/{recordingId}`
    File(String),
    /// `…/recordings/status`
    SessionStatus,
    /// `…/recordings/{recordingId}/status`
    FileStatus(String),
}

impl Target {
    /// `rest`: what follows `…/recordings` in the raw path (`""`, `/ID`, `/status`, `/ID/status`).
    pub(crate) fn parse(rest: &str) -> Option<Self> {
        let parts: Vec<&str> = rest.split('/').skip(1).collect();
        Some(match parts.as_slice() {
            [] => Self::Session,
            ["status"] => Self::SessionStatus,
            [id, "status"] => Self::FileStatus(urls::decode(id)?),
            [id] => Self::File(urls::decode(id)?),
            _ => return None,
        })
    }
}

/// A `DELETE` (trash or delete) of a session's recordings or of one file.
pub(crate) fn delete(
    shared: &Shared,
    session_id: &str,
    target: &Target,
    query: Option<&str>,
) -> Response {
    let params = urls::query_params(query);
    let permanent = match urls::query_param(&params, "action") {
        Some("trash") => false,
        Some("delete") => true,
        _ => return zoom_error(400, 300, "Invalid field: action (trash or delete)."),
    };
    let mut inner = shared.lock();
    Trash::expire(&mut inner);
    let now = unix_now();
    match target {
        Target::Session => {
            let Some(session) = inner.sessions.remove(session_id) else {
                return zoom_error(404, 3301, "There is no recording for this session.");
            };
            if permanent {
                for file in &session.files {
                    inner.files.remove(&file.key);
                }
            } else {
                inner.trash.sessions.push((session, now));
            }
        }
        Target::File(id) => {
            if inner.trash.per_file_refused.contains(session_id) {
                return zoom_error(
                    403,
                    200,
                    "You do not have the right permissions. Enable \"The host can delete cloud recordings\".",
                );
            }
            let Some(session) = inner.sessions.get_mut(session_id) else {
                return zoom_error(404, 3301, "There is no recording for this session.");
            };
            let matching: Vec<File> = session
                .files
                .iter()
                .filter(|f| f.id.as_deref() == Some(id.as_str()))
                .cloned()
                .collect();
            let Some(file) = matching.first().cloned() else {
                return zoom_error(404, 3301, "There is no recording file with this ID.");
            };
            // A file listed in two lists goes from both.
            session
                .files
                .retain(|f| f.id.as_deref() != Some(id.as_str()));
            if permanent {
                inner.files.remove(&file.key);
            } else {
                inner.trash.files.push((session_id.to_owned(), file, now));
            }
        }
        Target::SessionStatus | Target::FileStatus(_) => {
            return zoom_error(405, 405, "Method Not Allowed");
        }
    }
    no_content()
}

/// A `PUT …/status` with `{"action":"recover"}`.
pub(crate) fn recover(shared: &Shared, session_id: &str, target: &Target, body: &[u8]) -> Response {
    let action = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("action").and_then(Value::as_str).map(str::to_owned));
    if action.as_deref() != Some("recover") {
        return zoom_error(400, 300, "Invalid field: action (recover).");
    }
    let mut inner = shared.lock();
    Trash::expire(&mut inner);
    if inner.trash.recover_refused.contains(session_id) {
        // Zoom documents this failure answered as a success.
        return zoom_error(200, 200, "You do not have the right permissions.");
    }
    let mine = |sid: &str| sid == session_id;
    match target {
        Target::SessionStatus => {
            let whole = inner
                .trash
                .sessions
                .iter()
                .position(|(s, _)| mine(&s.session_id));
            let singles: Vec<usize> = (0..inner.trash.files.len())
                .filter(|&i| mine(&inner.trash.files[i].0))
                .collect();
            if whole.is_none() && singles.is_empty() {
                return zoom_error(
                    404,
                    3301,
                    "There is no recording in the trash for this session.",
                );
            }
            if let Some(i) = whole {
                let (session, _) = inner.trash.sessions.remove(i);
                inner.sessions.insert(session.session_id.clone(), session);
            }
            for i in singles.into_iter().rev() {
                let (_, file, _) = inner.trash.files.remove(i);
                restore_file(&mut inner, session_id, file);
            }
        }
        Target::FileStatus(id) => {
            let Some(i) = inner
                .trash
                .files
                .iter()
                .position(|(sid, f, _)| mine(sid) && f.id.as_deref() == Some(id.as_str()))
            else {
                return zoom_error(
                    404,
                    3301,
                    "There is no recording file with this ID in the trash.",
                );
            };
            let (_, file, _) = inner.trash.files.remove(i);
            restore_file(&mut inner, session_id, file);
        }
        Target::Session | Target::File(_) => return zoom_error(405, 405, "Method Not Allowed"),
    }
    no_content()
}

/// Put a recovered file back into its session, wherever that session is now.
fn restore_file(inner: &mut Inner, session_id: &str, file: File) {
    if let Some(session) = inner.sessions.get_mut(session_id) {
        session.files.push(file);
    } else if let Some((session, _)) = inner
        .trash
        .sessions
        .iter_mut()
        .find(|(s, _)| s.session_id == session_id)
    {
        session.files.push(file);
    } else {
        // The session had only this file left: it comes back with it.
        let mut session = Session::new(session_id);
        session.files.push(file);
        inner.sessions.insert(session_id.to_owned(), session);
    }
}

/// The trash listing: one page holding everything of `trash_type` (the fake does not page the
/// trash), or Zoom's validation error.
pub(crate) fn list(shared: &Shared, query: Option<&str>) -> Result<Value, String> {
    let params = urls::query_params(query);
    let param = |name| urls::query_param(&params, name).filter(|v| !v.is_empty());
    if param("from").is_some() || param("to").is_some() {
        return Err("Invalid field: from/to cannot be used with trash=true.".into());
    }
    let mut inner = shared.lock();
    Trash::expire(&mut inner);
    let base = &shared.bases.download;
    let sessions: Vec<Value> = match param("trash_type").unwrap_or("session_recordings") {
        "session_recordings" => inner
            .trash
            .sessions
            .iter()
            .map(|(s, _)| render_trashed(s, base))
            .collect(),
        "recording_file" => {
            let mut ids: Vec<&str> = inner
                .trash
                .files
                .iter()
                .map(|(sid, _, _)| sid.as_str())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids.into_iter()
                .map(|sid| {
                    let mut session = inner
                        .sessions
                        .get(sid)
                        .or_else(|| {
                            inner
                                .trash
                                .sessions
                                .iter()
                                .map(|(s, _)| s)
                                .find(|s| s.session_id == sid)
                        })
                        .cloned()
                        .unwrap_or_else(|| Session::new(sid));
                    session.files = inner
                        .trash
                        .files
                        .iter()
                        .filter(|(s, _, _)| s == sid)
                        .map(|(_, f, _)| f.clone())
                        .collect();
                    render_trashed(&session, base)
                })
                .collect()
        }
        _ => return Err("Invalid field: trash_type.".into()),
    };
    Ok(json!({
        "page_size": sessions.len().max(1),
        "total_records": sessions.len(),
        "next_page_token": "",
        "sessions": sessions,
    }))
}

/// A session as the trash listing shows it: the account listing's shape, but with the
/// participant audio files (a trashed one must be findable) **(inferred)**.
fn render_trashed(session: &Session, download_base: &str) -> Value {
    let mut value = crate::listing::render(session, download_base);
    if let Value::Object(fields) = &mut value {
        fields.shift_remove("password");
    }
    value
}

fn no_content() -> Response {
    axum::http::StatusCode::NO_CONTENT.into_response()
}

impl Server {
    /// Turns off "The host can delete cloud recordings" for one session: per-file deletes of
    /// it are refused with 403.
    pub fn refuse_per_file_delete(&self, session_id: &str) {
        self.shared
            .lock()
            .trash
            .per_file_refused
            .insert(session_id.to_owned());
    }

    /// Makes every recover of one session answer HTTP 200 with Zoom's `{code, message}` failure.
    pub fn refuse_recover(&self, session_id: &str) {
        self.shared
            .lock()
            .trash
            .recover_refused
            .insert(session_id.to_owned());
    }

    /// Moves what the trash holds of one session (whole or files) `days` days into the past:
    /// past 30 days it is gone at the next request.
    pub fn age_trash(&self, session_id: &str, days: u64) {
        let mut inner = self.shared.lock();
        let back = |at: &mut u64| *at = at.saturating_sub(days * DAY);
        for (session, at) in &mut inner.trash.sessions {
            if session.session_id == session_id {
                back(at);
            }
        }
        for (sid, _, at) in &mut inner.trash.files {
            if sid == session_id {
                back(at);
            }
        }
    }

    /// The IDs (or keys, for files without one) of what the trash holds of a session: whole
    /// (`true`) or single files (`false`).
    pub fn trashed(&self, session_id: &str) -> Vec<(String, bool)> {
        let inner = self.shared.lock();
        let mut out = Vec::new();
        for (session, _) in &inner.trash.sessions {
            if session.session_id == session_id {
                out.extend(session.files.iter().map(|f| (f.key.clone(), true)));
            }
        }
        for (sid, file, _) in &inner.trash.files {
            if sid == session_id {
                out.push((file.key.clone(), false));
            }
        }
        out
    }

    /// Changes the `file_size` served for every entry of a file (a file Zoom re-processed).
    pub fn set_file_size(&self, file_key: &str, size: crate::model::SizeField) {
        self.edit_file(file_key, |file| file.size_field = size.clone());
    }

    /// The keys of the files a session lists now (empty when Zoom no longer lists it).
    pub fn listed_keys(&self, session_id: &str) -> Vec<String> {
        self.shared
            .lock()
            .sessions
            .get(session_id)
            .map(|s| s.files.iter().map(|f| f.key.clone()).collect())
            .unwrap_or_default()
    }
}
