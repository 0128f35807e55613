//! `--name PATTERN` and `--key KEY`: which discovered sessions to keep, decided locally (the
//! account listing has no such parameters).

use super::shard::Shard;
use crate::wire::SessionRecordings;

#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    name: Option<Glob>,
    key: Option<String>,
    shard: Option<Shard>,
}

impl SessionFilter {
    pub fn new(name: Option<&str>, key: Option<&str>) -> Self {
        Self {
            name: name.map(Glob::new),
            key: key.map(str::to_owned),
            shard: None,
        }
    }

    /// Keeps only the sessions of `shard` (`--shard K/N`).
    pub fn with_shard(mut self, shard: Option<Shard>) -> Self {
        self.shard = shard;
        self
    }

    /// Whether any filter was given.
    pub fn is_active(&self) -> bool {
        self.name.is_some() || self.key.is_some() || self.shard.is_some()
    }

    /// A session without a name is matched as the empty name; one without a key matches no
    /// `--key`.
    pub fn matches(&self, session: &SessionRecordings) -> bool {
        let name_ok = self
            .name
            .as_ref()
            .is_none_or(|glob| glob.matches(session.session_name.as_deref().unwrap_or_default()));
        let key_ok = self
            .key
            .as_deref()
            .is_none_or(|key| session.session_key.as_deref() == Some(key));
        // A session without an ID belongs to no shard (and cannot be listed anyway).
        let shard_ok = self.shard.is_none_or(|shard| {
            session
                .session_id
                .as_deref()
                .is_some_and(|id| shard.contains(id))
        });
        name_ok && key_ok && shard_ok
    }
}

/// A shell-style pattern, case-insensitive: `*` is any run of characters, `?` one character,
/// `\` takes the next character literally; everything else matches itself.
#[derive(Debug, Clone)]
struct Glob {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Any,
    One,
    Char(char),
}

impl Glob {
    fn new(pattern: &str) -> Self {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().flat_map(char::to_lowercase);
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Token::Any,
                '?' => Token::One,
                '\\' => chars.next().map_or(Token::Char('\\'), Token::Char),
                c => Token::Char(c),
            });
        }
        Self { tokens }
    }

    /// Greedy matching with one backtrack point (the last `*`): linear in practice, and never
    /// exponential, whatever the pattern.
    fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
        let (mut t, mut p) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::Any) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(Token::One) => {
                    p += 1;
                    t += 1;
                }
                Some(Token::Char(c)) if *c == text[t] => {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|token| *token == Token::Any)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn glob(pattern: &str, text: &str) -> bool {
        Glob::new(pattern).matches(text)
    }

    #[test]
    fn globs() {
        assert!(glob("design*", "Design review 3"));
        assert!(glob("*REVIEW*", "Design review 3"));
        assert!(glob("design review ?", "Design review 3"));
        assert!(!glob("design review ?", "Design review 33"));
        assert!(glob("*", ""));
        assert!(glob("", ""));
        assert!(!glob("", "x"));
        assert!(!glob("standup", "Weekly standup"));
        assert!(glob("*standup", "Weekly standup"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
        assert!(glob("onboarding — zoë*", "Onboarding — ZOË 4"));
        assert!(glob("100\\*", "100*"));
        assert!(!glob("100\\*", "1000"));
        assert!(glob("q\\?", "Q?"));
        assert!(glob("*a*a*a*a*a*b", &format!("{}b", "a".repeat(60))));
        assert!(!glob("*a*a*a*a*a*b", &"a".repeat(60)));
    }

    #[test]
    fn filters_combine_name_and_key() {
        let session = |name: Option<&str>, key: Option<&str>| -> SessionRecordings {
            serde_json::from_value(json!({"session_name": name, "session_key": key})).unwrap()
        };
        let both = SessionFilter::new(Some("design*"), Some("design-review"));
        assert!(both.matches(&session(Some("Design review 1"), Some("design-review"))));
        assert!(!both.matches(&session(Some("Design review 1"), Some("other"))));
        assert!(!both.matches(&session(Some("Standup"), Some("design-review"))));
        let key = SessionFilter::new(None, Some("design-review"));
        assert!(!key.matches(&session(Some("x"), None)));
        assert!(
            !key.matches(&session(Some("x"), Some("Design-Review"))),
            "keys are exact"
        );
        assert!(SessionFilter::default().matches(&session(None, None)));
        assert!(SessionFilter::new(Some("*"), None).matches(&session(None, None)));
        assert!(!SessionFilter::new(Some("?*"), None).matches(&session(None, None)));
    }

    proptest::proptest! {
        /// A pattern without wildcards matches exactly the text, ignoring case; `*` around it
        /// matches any text that contains it.
        #[test]
        fn literal_patterns(text in "[a-zA-Z0-9 ]{0,12}", other in "[a-z]{0,4}") {
            let around = format!("*{text}*");
            let longer = format!("{other}{text}{other}");
            proptest::prop_assert!(glob(&text, &text.to_uppercase()));
            proptest::prop_assert!(glob(&around, &longer));
        }
    }
}
