//! The server's log on stderr: one line per event, plain text, or with `--json` one JSON object
//! per line (`ts`, `level`, `kind`, `message`, and fields of the kind). Nothing here ever
//! receives a body, a signature or a token: callers pass identifiers and counts only.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::term::Term;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

#[derive(Clone)]
pub struct Log {
    /// `None` only in unit tests, which have no use for the lines.
    term: Option<Term>,
    json: bool,
}

impl Log {
    pub fn new(term: Term, json: bool) -> Self {
        Self {
            term: Some(term),
            json,
        }
    }

    #[cfg(test)]
    pub fn silent() -> Self {
        Self {
            term: None,
            json: true,
        }
    }

    pub fn info(&self, kind: &str, message: &str, fields: Value) {
        self.write(Level::Info, kind, message, fields);
    }

    pub fn warn(&self, kind: &str, message: &str, fields: Value) {
        self.write(Level::Warn, kind, message, fields);
    }

    pub fn error(&self, kind: &str, message: &str, fields: Value) {
        self.write(Level::Error, kind, message, fields);
    }

    pub fn write(&self, level: Level, kind: &str, message: &str, fields: Value) {
        let Some(term) = &self.term else {
            return;
        };
        let line = if self.json {
            render_json(level, kind, message, fields, OffsetDateTime::now_utc())
        } else {
            render_text(level, message)
        };
        term.log_line(&line, level == Level::Error);
    }
}

fn render_text(level: Level, message: &str) -> String {
    match level {
        Level::Info => format!("vsrec: {message}"),
        Level::Warn => format!("vsrec: warning: {message}"),
        Level::Error => format!("vsrec: error: {message}"),
    }
}

fn render_json(
    level: Level,
    kind: &str,
    message: &str,
    fields: Value,
    now: OffsetDateTime,
) -> String {
    let mut line = Map::new();
    line.insert("ts".into(), json!(now.format(&Rfc3339).unwrap_or_default()));
    line.insert("level".into(), json!(level.as_str()));
    line.insert("kind".into(), json!(kind));
    if let Value::Object(fields) = fields {
        for (name, value) in fields {
            line.entry(name).or_insert(value);
        }
    }
    line.insert("message".into(), json!(message));
    Value::Object(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn json_lines_carry_time_level_kind_fields_and_message() {
        let line = render_json(
            Level::Warn,
            "received",
            "a \"quoted\"\nmessage",
            json!({"session_id": "a/b==", "files": 3, "level": "not overridden"}),
            datetime!(2026-11-20 09:00:00 UTC),
        );
        assert!(!line.contains('\n'));
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            value,
            json!({"ts": "2026-11-20T09:00:00Z", "level": "warn", "kind": "received",
                   "session_id": "a/b==", "files": 3, "message": "a \"quoted\"\nmessage"})
        );
    }

    #[test]
    fn text_lines_say_their_level() {
        assert_eq!(render_text(Level::Info, "x"), "vsrec: x");
        assert_eq!(render_text(Level::Warn, "x"), "vsrec: warning: x");
        assert_eq!(render_text(Level::Error, "x"), "vsrec: error: x");
    }
}
