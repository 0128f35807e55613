//! Zoom's trash: `vsrec list --trash` (both halves of it, merged) and `vsrec recover`.

use std::collections::HashSet;
use std::sync::Arc;

use crate::cli::RecoverArgs;
use crate::client::{ApiClient, TrashType};
use crate::error::Error;
use crate::events::{Event, RecoverEvent, TrashEvent};
use crate::exit::ExitStatus;
use crate::format;
use crate::model::Session;
use crate::term::Term;

/// How many pages of one half of the trash are read before the listing is taken to loop.
const MAX_PAGES: usize = 10_000;

/// One line of the listing: a session, whether it is in the trash whole, and one of its files.
struct Row {
    session: Arc<Session>,
    whole: bool,
    file: Option<usize>,
}

/// `vsrec list --trash`: whole sessions first, then single files, each file once.
pub async fn list(client: &ApiClient, term: &Term, json: bool) -> anyhow::Result<ExitStatus> {
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (trash_type, whole) in [(TrashType::Sessions, true), (TrashType::Files, false)] {
        let mut token: Option<String> = None;
        let mut tokens = HashSet::new();
        for _ in 0..MAX_PAGES {
            let page = client.trash_page(trash_type, token.as_deref()).await?;
            for wire in page.sessions.unwrap_or_default() {
                let id = wire.session_id.clone().unwrap_or_default();
                let session = Session::from_wire(&id, &wire);
                let keys: Vec<Option<usize>> = if session.files.is_empty() {
                    vec![None]
                } else {
                    (0..session.files.len()).map(Some).collect()
                };
                let fresh: Vec<Option<usize>> = keys
                    .into_iter()
                    .filter(|i| {
                        let key = i.map(|i| session.files[i].key.clone());
                        seen.insert((id.clone(), key))
                    })
                    .collect();
                let session = Arc::new(session);
                for file in fresh {
                    rows.push(Row {
                        session: Arc::clone(&session),
                        whole,
                        file,
                    });
                }
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                // A token seen twice would page forever.
                Some(next) if tokens.insert(next.clone()) => token = Some(next),
                _ => break,
            }
        }
    }
    if json {
        for row in &rows {
            let file = row.file.map(|i| &row.session.files[i]);
            let line = Event::Trash(TrashEvent {
                session_id: &row.session.id,
                session_name: row.session.name.as_deref(),
                start_time: row.session.start_time.as_deref(),
                trashed: if row.whole { "session" } else { "file" },
                file_id: file.and_then(|f| f.id.as_deref()),
                file_type: file.and_then(|f| f.file_type.as_deref()),
                recording_type: file.and_then(|f| f.recording_type.as_deref()),
                size: file.and_then(|f| f.size),
            });
            term.data(&line.line())?;
        }
    } else {
        let mut table = String::from("SESSION_ID\tTRASHED\tFILE_ID\tTYPE\tSIZE\tSTART\n");
        for row in &rows {
            let file = row.file.map(|i| &row.session.files[i]);
            table.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                // Zoom's text, shown as `list` shows it: never a terminal escape.
                format::printable(&row.session.id),
                if row.whole { "session" } else { "file" },
                format::printable(file.and_then(|f| f.id.as_deref()).unwrap_or("-")),
                format::printable(file.and_then(|f| f.file_type.as_deref()).unwrap_or("-")),
                file.and_then(|f| f.size)
                    .map_or_else(|| "-".to_owned(), format::bytes),
                format::printable(row.session.start_time.as_deref().unwrap_or("-")),
            ));
        }
        term.data(&table)?;
    }
    term.info(&format!("{} file(s) in Zoom's trash", rows.len()));
    Ok(ExitStatus::Success)
}

/// `vsrec recover SESSION_ID [--file ID]`.
pub async fn recover(
    client: &ApiClient,
    term: &Term,
    args: &RecoverArgs,
    json: bool,
) -> anyhow::Result<ExitStatus> {
    let what = match &args.file {
        Some(id) => format!("file {id} of session {}", args.session),
        None => format!("session {}", args.session),
    };
    match client
        .recover_recordings(&args.session, args.file.as_deref())
        .await
    {
        Ok(status) => {
            term.info(&format!("recovered {what} from Zoom's trash"));
            if json {
                let line = Event::Recover(RecoverEvent {
                    session_id: &args.session,
                    file_id: args.file.as_deref(),
                    http_status: status,
                });
                term.data(&line.line())?;
            }
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            let api = crate::error::api_error_in(&e).cloned();
            Err(match api {
                Some(api) if api.status == 404 => Error::NotFound(format!(
                    "nothing of {what} is in Zoom's trash ({api}); `vsrec list --trash` shows what is, and Zoom empties it after 30 days"
                ))
                .into(),
                Some(api) if api.is_refusal() => {
                    Error::Auth(format!(
                        "Zoom refused to recover {what} ({api}); the account or API key lacks the permission"
                    ))
                    .into()
                }
                _ => e.context(format!("cannot recover {what}")),
            })
        }
    }
}
