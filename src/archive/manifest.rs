//! `SHA256SUMS`: one `<64 hex>  <name>` line per verified file, sorted by name, in the format
//! `sha256sum -c` reads. Names are relative to the session folder and never contain `/`.

use std::collections::BTreeMap;

use super::digest::Digest;

/// The manifest's file name inside a session folder.
pub const FILE_NAME: &str = "SHA256SUMS";

/// The verified files of one session folder and their digests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Manifest {
    entries: BTreeMap<String, Digest>,
}

/// What [`Manifest::parse`] found besides the entries: the numbers (from 1) of the lines that
/// are not `<sha256>  <name>` with a plain file name.
pub type Malformed = Vec<usize>;

impl Manifest {
    /// Read a manifest as `sha256sum` writes it: text (`hex  name`) or binary (`hex *name`)
    /// mode, and a leading `\` for a name with escaped `\\`, `\n` or `\r`. A later line for the
    /// same name wins.
    pub fn parse(text: &str) -> (Self, Malformed) {
        let mut manifest = Self::default();
        let mut malformed = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() {
                continue;
            }
            match parse_line(line) {
                Some((digest, name)) => {
                    manifest.entries.insert(name, digest);
                }
                None => malformed.push(n + 1),
            }
        }
        (manifest, malformed)
    }

    /// The manifest as a file: one line per entry, sorted by name (bytewise, as `LC_ALL=C
    /// sort` would), each ended by a newline.
    pub fn render(&self) -> String {
        let mut text = String::with_capacity(self.entries.len() * 100);
        for (name, digest) in &self.entries {
            let escaped = name.contains(['\\', '\n', '\r']);
            if escaped {
                text.push('\\');
            }
            use std::fmt::Write;
            let _ = write!(text, "{digest}");
            text.push_str("  ");
            if escaped {
                for c in name.chars() {
                    match c {
                        '\\' => text.push_str("\\\\"),
                        '\n' => text.push_str("\\n"),
                        '\r' => text.push_str("\\r"),
                        c => text.push(c),
                    }
                }
            } else {
                text.push_str(name);
            }
            text.push('\n');
        }
        text
    }

    pub fn get(&self, name: &str) -> Option<Digest> {
        self.entries.get(name).copied()
    }

    /// Record `name`'s digest, replacing an earlier one. Returns whether anything changed.
    pub fn set(&mut self, name: &str, digest: Digest) -> bool {
        self.entries.insert(name.to_owned(), digest) != Some(digest)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Digest)> {
        self.entries
            .iter()
            .map(|(name, digest)| (name.as_str(), *digest))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn parse_line(line: &str) -> Option<(Digest, String)> {
    let (escaped, line) = match line.strip_prefix('\\') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let digest = Digest::from_hex(line.get(..64)?)?;
    let rest = line.get(64..)?;
    let name = rest
        .strip_prefix("  ")
        .or_else(|| rest.strip_prefix(" *"))?;
    let name = if escaped {
        unescape(name)?
    } else {
        name.to_owned()
    };
    is_plain_name(&name).then_some((digest, name))
}

fn unescape(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(match chars.next()? {
                '\\' => '\\',
                'n' => '\n',
                'r' => '\r',
                _ => return None,
            });
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// A name inside the folder itself: not empty, not `.` or `..`, no `/` (so that a hand-edited
/// line can never send a reader into another folder) and no NUL.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const E: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn renders_sorted_sha256sum_lines() {
        let mut m = Manifest::default();
        assert!(m.set("b.mp4", Digest::from_hex(A).unwrap()));
        assert!(m.set("a.vtt", Digest::from_hex(E).unwrap()));
        assert!(!m.set("a.vtt", Digest::from_hex(E).unwrap()), "unchanged");
        assert_eq!(m.render(), format!("{E}  a.vtt\n{A}  b.mp4\n"));
    }

    #[test]
    fn parses_text_binary_and_escaped_lines_and_reports_the_rest() {
        let text = format!(
            "{A}  a b.mp4\n{E} *bin.m4a\n\\{A}  back\\\\slash\\nnew\n\nnot a line\n{A}  ../escape\n{A} x\n{}  upper\n",
            A.to_uppercase()
        );
        let (m, malformed) = Manifest::parse(&text);
        assert_eq!(m.get("a b.mp4"), Digest::from_hex(A));
        assert_eq!(m.get("bin.m4a"), Digest::from_hex(E));
        assert_eq!(m.get("back\\slash\nnew"), Digest::from_hex(A));
        assert_eq!(m.get("upper"), Digest::from_hex(A));
        assert_eq!(m.len(), 4);
        assert_eq!(malformed, [5, 6, 7]);
    }

    proptest! {
        #[test]
        fn render_then_parse_is_identity(
            entries in prop::collection::btree_map("[^/\u{0}]{1,30}", any::<[u8; 32]>(), 0..20)
        ) {
            let mut m = Manifest::default();
            for (name, bytes) in &entries {
                prop_assume!(is_plain_name(name));
                m.set(name, Digest::from_hex(&bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()).unwrap());
            }
            let (back, malformed) = Manifest::parse(&m.render());
            prop_assert!(malformed.is_empty());
            prop_assert_eq!(back, m);
        }
    }
}
