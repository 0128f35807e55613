//! Deterministic, safe on-disk names for sessions and their recording files.
//!
//! Every input here comes from Zoom, and session and participant names are typed by end users,
//! so each one is treated as hostile. A name we produce is a single path component that Linux,
//! macOS and Windows all accept as an ordinary file: no separators, no characters Windows
//! forbids, no controls, no leading dot (hidden, or `.`/`..`), no trailing dot or space (Windows
//! drops them), no reserved device name, and at most [`MAX_NAME_BYTES`] bytes.
//!
//! Names are also unambiguous: each one ends with a part that identifies the file or session (its
//! ID, or a [`stable_key`]), and that part is written either *verbatim* or, whenever writing it
//! verbatim would lose information (it needs sanitising, is too long, or the parts before it had
//! to be shortened), as a *hashed* form `{readable prefix}~{short_hash of the raw value}`. A
//! verbatim part never contains `~` or `.`, while a hashed one always ends with `~` and 16 hex
//! digits (just before the extension, which never contains `~`), so the two forms cannot meet;
//! two different IDs thus get different names, up to a collision of the 64-bit hash, whatever
//! their extensions (a verbatim part ends at the first dot after it, so `idA` + `.mp4.part`
//! cannot spell `idA.mp4` + `.part`).
//!
//! Some names belong to the archive and are never given to a recording: no name ends in
//! [`PART_SUFFIX`] (so no final name is another file's `.part`, in any letter case), and none is
//! one of [`RESERVED_NAMES`] in any letter case.

use time::OffsetDateTime;
use time::UtcOffset;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// The suffix of a file being downloaded. No name we produce ends with it, in any letter case.
pub const PART_SUFFIX: &str = ".part";

/// The archive's own files in a session folder (`SHA256SUMS`, `session.json`, the lock file):
/// never a recording's name, in any letter case.
pub const RESERVED_NAMES: [&str; 3] = ["SHA256SUMS", "session.json", ".vsrec.lock"];

/// Longest file name we produce, in bytes: 255 is the common filesystem limit, and we must
/// leave room for the ".part" suffix used while downloading.
pub const MAX_NAME_BYTES: usize = 250;

/// Longest extension we keep, in bytes: real ones (`mp4`, `json`) are far shorter, and a long
/// one would only eat the room meant for the readable parts.
const MAX_EXTENSION_BYTES: usize = 16;

/// Separates the readable prefix of a hashed unique part from its hash. It is outside URL-safe
/// base64, and a verbatim unique part may not contain it, which keeps the two forms apart.
const HASH_MARK: char = '~';

/// Bytes each descriptive part (label, participant, session name) keeps, if it has them,
/// before a hashed unique part gives up any of its readable prefix.
const DESCRIPTIVE_FLOOR_BYTES: usize = 32;

/// Make one path component safe.
///
/// - Trims dots and whitespace from both ends: a leading dot hides a file (or makes `.`/`..`),
///   and Windows silently drops trailing dots and spaces, so `a.` and `a` would collide.
/// - Replaces what no filesystem of the three takes (`/ \ : * ? " < > |`, C0 and C1 controls,
///   DEL), whitespace (so names need no quoting in a shell) and bidirectional formatting
///   characters (which can make `x\u{202E}4pm.exe` display as `xexe.mp4`) with `_`. A run of
///   such characters and underscores becomes a single `_`; a run of underscores alone is kept
///   as it was, so that sanitising is idempotent and `shared_screen` stays `shared_screen`.
/// - Cuts the result to `max_bytes` bytes on a character boundary (then trims the dots the cut
///   may expose).
/// - Prefixes `_` to Windows device names (`CON`, `com1.txt`, `LPT¹`…), which Windows refuses
///   as file names whatever the extension.
///
/// An input with nothing left becomes `_`, so the result is never empty; for that reason a
/// `max_bytes` of 0 is treated as 1.
#[must_use]
pub fn sanitize_component(input: &str, max_bytes: usize) -> String {
    let mut name = sanitize_or_empty(input, max_bytes.max(1));
    if name.is_empty() {
        name.push('_');
    }
    name
}

/// [`sanitize_component`] without the placeholder: empty when nothing of `input` survives.
fn sanitize_or_empty(input: &str, max_bytes: usize) -> String {
    let mut name = replace_unsafe(input);
    fit(&mut name, max_bytes);
    if is_reserved_on_windows(&name) {
        // After the cut, since cutting `CONSOLE` can make `CON`.
        name.insert(0, '_');
        fit(&mut name, max_bytes);
    }
    name
}

/// Trim dots and whitespace from the ends of `input` and replace its unsafe characters, as
/// [`sanitize_component`] describes; no length limit, no device-name check, may be empty.
fn replace_unsafe(input: &str) -> String {
    let input = input.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let mut out = String::with_capacity(input.len());
    // The pending run of underscores and unsafe characters, written out at its end.
    let mut underscores = 0;
    let mut has_unsafe = false;
    for c in input.chars() {
        if c == '_' {
            underscores += 1;
        } else if is_unsafe(c) {
            has_unsafe = true;
        } else {
            let run = if has_unsafe { 1 } else { underscores };
            out.extend(std::iter::repeat_n('_', run));
            (underscores, has_unsafe) = (0, false);
            out.push(c);
        }
    }
    // The input is trimmed, so a run at the end holds an unsafe character or a literal `_`.
    out.extend(std::iter::repeat_n(
        '_',
        if has_unsafe { 1 } else { underscores },
    ));
    out
}

/// Whether `c` may not appear in a name we write.
fn is_unsafe(c: char) -> bool {
    matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        || c.is_control()
        || c.is_whitespace()
        || is_bidi_control(c)
}

/// The invisible characters that reorder how text is displayed (Unicode's `Bidi_Control`).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Cut `name` to at most `max_bytes` bytes on a character boundary, then drop trailing dots,
/// which a cut may expose and Windows would silently remove.
fn fit(name: &mut String, max_bytes: usize) {
    let mut end = max_bytes.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.truncate(end);
    let kept = name.trim_end_matches('.').len();
    name.truncate(kept);
}

/// Whether Windows would take `name` for a device. It looks only at the part before the first
/// dot, ignores ASCII case, and counts the superscript digits ¹²³ as digits. `COM0`/`LPT0` and
/// `CONIN$`/`CONOUT$` are reserved too on current Windows.
fn is_reserved_on_windows(name: &str) -> bool {
    const DEVICES: [&str; 6] = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];
    let stem = name.split('.').next().unwrap_or(name);
    if DEVICES
        .iter()
        .any(|device| stem.eq_ignore_ascii_case(device))
    {
        return true;
    }
    let Some((port, number)) = stem.split_at_checked(3) else {
        return false;
    };
    let mut number = number.chars();
    (port.eq_ignore_ascii_case("COM") || port.eq_ignore_ascii_case("LPT"))
        && matches!(
            (number.next(), number.next()),
            (Some('0'..='9' | '¹' | '²' | '³'), None)
        )
}

/// Inputs of a recording file's name; all server strings.
#[derive(Debug, Clone, Copy)]
pub struct FileNameParts<'a> {
    /// RFC 3339, e.g. "2026-11-20T09:00:00Z".
    pub recording_start: Option<&'a str>,
    /// What the file is, e.g. `recording_type` `shared_screen_with_speaker_view`, `file_type`
    /// lowercased for bare entries, or "audio" / "video" for participant files.
    pub label: &'a str,
    /// Participant display name, for per-participant files.
    pub participant: Option<&'a str>,
    /// The file's ID, or a [`stable_key`] for ID-less CC/TIMELINE entries.
    pub unique: &'a str,
    /// `file_extension` ("MP4"), lowercased in the output.
    pub extension: Option<&'a str>,
}

/// Deterministic name `{YYYYMMDD-HHMMSS}_{label}[_{participant}]_{unique}.{ext}`.
///
/// The timestamp is `recording_start` in UTC, omitted when absent or not RFC 3339. The label
/// and participant are sanitised and omitted when nothing of them survives; the extension is
/// sanitised, lowercased, cut to 16 bytes and likewise omitted when empty.
///
/// `unique` appears verbatim when the whole name is then already safe and fits in
/// [`MAX_NAME_BYTES`]. Otherwise it appears as `{sanitised prefix}~{short_hash(unique)}`, and
/// the room it needs is taken from the label and participant first (evenly, longest first, down
/// to 32 bytes each) and only then from its readable prefix. So two different `unique` values
/// give two different names when the other parts are equal (see the module docs), and a short,
/// safe `unique` is always visible in full.
#[must_use]
pub fn file_name(parts: &FileNameParts<'_>) -> String {
    let descriptive = [
        parts.recording_start.and_then(utc_timestamp),
        Some(replace_unsafe(parts.label)),
        parts.participant.map(replace_unsafe),
    ];
    let extension = parts.extension.and_then(sanitize_extension);
    compose(
        descriptive.into_iter().flatten().collect(),
        parts.unique,
        Some(parts.unique),
        extension.as_deref(),
    )
}

/// `rfc3339` in UTC as `YYYYMMDD-HHMMSS`, which sorts by time and holds no `:`.
fn utc_timestamp(rfc3339: &str) -> Option<String> {
    let start = OffsetDateTime::parse(rfc3339.trim(), &Rfc3339).ok()?;
    start
        .checked_to_offset(UtcOffset::UTC)?
        .format(format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .ok()
}

/// The extension as we write it, or `None` when nothing of it survives sanitising.
///
/// `~` becomes `_` (it marks a hash), and an extension that would end the name in `.part` gets
/// a trailing `_` (`.part_`): that suffix belongs to files being downloaded.
fn sanitize_extension(extension: &str) -> Option<String> {
    let mut extension = replace_unsafe(&extension.to_lowercase().replace(HASH_MARK, "_"));
    fit(&mut extension, MAX_EXTENSION_BYTES);
    if format!(".{extension}").ends_with(PART_SUFFIX) {
        extension.push('_');
    }
    (!extension.is_empty()).then_some(extension)
}

/// Folder for one session inside `--out`: `{session_name}_{id}`, or `{id}` without a name.
///
/// A session ID made only of base64 characters (`A-Za-z0-9+/=`) appears verbatim but for `/` →
/// `_` and `+` → `-`, as in URL-safe base64: injective, since `_` and `-` are not base64. Any
/// other ID, or one that would not be a safe name on its own (`CON`) or would not fit, appears
/// in the hashed form `{sanitised prefix}~{short_hash(id)}`, so different IDs never share a
/// folder. The name is shortened first, as in [`file_name`].
///
/// Nor can a session name make two sessions share a folder, as long as their IDs have the same
/// length (Zoom's are 24 characters, base64 of 16 bytes): equal folder names would need equal
/// endings.
#[must_use]
pub fn session_dir_name(session_id: &str, session_name: Option<&str>) -> String {
    let descriptive = session_name.map(replace_unsafe).into_iter().collect();
    let verbatim = url_safe_base64(session_id);
    compose(descriptive, session_id, verbatim.as_deref(), None)
}

/// `id` with base64's `/` and `+` spelt as in URL-safe base64, or `None` when `id` is empty or
/// has any character outside the base64 alphabet.
fn url_safe_base64(id: &str) -> Option<String> {
    if id.is_empty() {
        return None;
    }
    id.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '=' => Some(c),
            '/' => Some('_'),
            '+' => Some('-'),
            _ => None,
        })
        .collect()
}

/// Join `descriptive` parts (already free of unsafe characters), the unique part and the
/// extension into one name, as the module docs describe.
///
/// `verbatim` is the injective rendering of `raw_unique` to use when it is safe and fits;
/// `raw_unique` itself is what the hashed form hashes and shows a sanitised prefix of.
fn compose(
    mut descriptive: Vec<String>,
    raw_unique: &str,
    verbatim: Option<&str>,
    extension: Option<&str>,
) -> String {
    descriptive.retain(|part| !part.is_empty());
    // Windows looks at the name up to its first dot. That stretch either ends inside the first
    // part or runs on into a `_`, which no device name has, so only the first part needs this.
    if let Some(first) = descriptive.first_mut()
        && is_reserved_on_windows(first)
    {
        first.insert(0, '_');
    }
    let suffix = extension.map_or_else(String::new, |extension| format!(".{extension}"));
    verbatim
        .and_then(|verbatim| verbatim_name(&descriptive, verbatim, &suffix))
        .unwrap_or_else(|| hashed_name(descriptive, raw_unique, &suffix))
}

/// The name with the unique part as given, if that is a safe name within the limit.
fn verbatim_name(descriptive: &[String], unique: &str, suffix: &str) -> Option<String> {
    if unique.is_empty() || unique.contains([HASH_MARK, '.']) {
        return None;
    }
    let name = join(descriptive, unique, suffix);
    // Being a fixed point of sanitising covers every rule at once, including a unique part
    // that would be a device name on its own.
    (name.len() <= MAX_NAME_BYTES
        && sanitize_component(&name, MAX_NAME_BYTES) == name
        && !is_reserved(&name))
    .then_some(name)
}

/// Whether `name` is one of the archive's own names, in any letter case.
fn is_reserved(name: &str) -> bool {
    RESERVED_NAMES
        .iter()
        .any(|reserved| name.eq_ignore_ascii_case(reserved))
}

/// Whether `name` ends in [`PART_SUFFIX`], in any letter case.
pub fn is_part_name(name: &str) -> bool {
    name.len() >= PART_SUFFIX.len()
        && name.as_bytes()[name.len() - PART_SUFFIX.len()..]
            .eq_ignore_ascii_case(PART_SUFFIX.as_bytes())
}

/// The name with the unique part as `{sanitised prefix}~{short_hash(raw_unique)}`, making room
/// by shortening the descriptive parts first (down to their floor), then the prefix.
fn hashed_name(mut descriptive: Vec<String>, raw_unique: &str, suffix: &str) -> String {
    let tag = format!("{HASH_MARK}{}", short_hash(raw_unique));
    let mut prefix = sanitize_component(raw_unique, MAX_NAME_BYTES);
    // Bytes for the descriptive parts and the prefix together, after one `_` per descriptive
    // part, the tag and the suffix: at least 250 - 3 - 17 - 18 = 212.
    let room = MAX_NAME_BYTES - descriptive.len() - tag.len() - suffix.len();
    shorten_evenly(
        &mut descriptive,
        room.saturating_sub(prefix.len()),
        DESCRIPTIVE_FLOOR_BYTES,
    );
    let used: usize = descriptive.iter().map(String::len).sum();
    // The floors take at most 3 × 32 bytes, so the prefix keeps at least 116.
    fit(&mut prefix, room.saturating_sub(used));
    prefix.push_str(&tag);
    let name = join(&descriptive, &prefix, suffix);
    debug_assert!(name.len() <= MAX_NAME_BYTES, "{name:?} is too long");
    debug_assert_eq!(sanitize_component(&name, MAX_NAME_BYTES), name);
    debug_assert!(!is_part_name(&name) && !is_reserved(&name), "{name:?}");
    name
}

/// `{descriptive[0]}_{descriptive[1]}_…_{unique}{suffix}`.
fn join(descriptive: &[String], unique: &str, suffix: &str) -> String {
    let mut name = String::with_capacity(MAX_NAME_BYTES);
    for part in descriptive {
        name.push_str(part);
        name.push('_');
    }
    name.push_str(unique);
    name.push_str(suffix);
    name
}

/// Shorten `parts` so their lengths total at most `budget` bytes, cutting the longest first so
/// that short parts stay whole, but never cutting a part below `floor` bytes (the budget is
/// exceeded instead).
fn shorten_evenly(parts: &mut [String], budget: usize, floor: usize) {
    let cap = even_cap(parts.iter().map(String::len).collect(), budget).max(floor);
    for part in parts.iter_mut().filter(|part| part.len() > cap) {
        fit(part, cap);
    }
}

/// The largest `cap` with `Σ min(len, cap) <= budget` ("water-filling"), or `usize::MAX` when
/// the lengths already fit.
fn even_cap(mut lens: Vec<usize>, budget: usize) -> usize {
    lens.sort_unstable();
    let mut remaining = budget;
    let mut left = lens.len();
    for len in lens {
        let share = remaining / left;
        if len > share {
            // Every part from here on is longer than `share`; they split what remains.
            return share;
        }
        remaining -= len;
        left -= 1;
    }
    usize::MAX
}

/// A stable key for an entry that has no ID (CC, TIMELINE): [`short_hash`]-style hex of the
/// `parts` given (e.g. `file_type`, `recording_start`, `download_url` without its query string).
///
/// Each part is followed by a 0xFF byte, which UTF-8 never contains, so `["ab", "c"]` and
/// `["a", "bc"]` get different keys.
#[must_use]
pub fn stable_key(parts: &[&str]) -> String {
    let mut hash = Fnv1a::new();
    for part in parts {
        hash.write(part.as_bytes());
        hash.write(&[0xFF]);
    }
    hash.to_hex()
}

/// 64-bit FNV-1a of the UTF-8 bytes of `s`, as 16 lowercase hex digits.
///
/// FNV-1a is fixed by its specification, so names built from it are the same on every run,
/// machine and Rust version (unlike `DefaultHasher`). It is not collision-resistant against an
/// adversary; it only needs to keep accidental collisions between IDs negligible.
#[must_use]
pub fn short_hash(s: &str) -> String {
    let mut hash = Fnv1a::new();
    hash.write(s.as_bytes());
    hash.to_hex()
}

/// The 64-bit FNV-1a hash (<http://www.isthe.com/chongo/tech/comp/fnv/>).
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
    }

    fn to_hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    /// Everything a safe component must be; panics with the reason otherwise.
    fn assert_safe(name: &str) {
        assert!(!name.is_empty(), "empty name");
        assert!(name.len() <= MAX_NAME_BYTES, "{name:?} is too long");
        assert!(name != "." && name != "..", "{name:?}");
        assert!(!name.starts_with('.'), "{name:?} starts with a dot");
        assert!(
            !name.ends_with(['.', ' ']),
            "{name:?} ends with a dot or space"
        );
        assert!(
            !name.chars().any(is_unsafe),
            "{name:?} has an unsafe character"
        );
        let stem = name.split('.').next().unwrap().to_ascii_uppercase();
        let reserved = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
            .into_iter()
            .map(String::from)
            .chain(["COM", "LPT"].into_iter().flat_map(|port| {
                "0123456789¹²³"
                    .chars()
                    .map(move |digit| format!("{port}{digit}"))
            }));
        for device in reserved {
            assert_ne!(stem, device, "{name:?} is a Windows device name");
        }
    }

    /// What [`assert_safe`] checks, and what a recording's name must also be: not a `.part`
    /// name and not one of the archive's own names.
    fn assert_file_name(name: &str) {
        assert_safe(name);
        assert!(!is_part_name(name), "{name:?} ends in .part");
        assert!(!is_reserved(name), "{name:?} is one of the archive's names");
    }

    /// Strings that stress every rule: separators, dots, controls, bidi overrides, whitespace,
    /// `~`, device names, multibyte characters, and lengths well past the limit.
    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[./\\\\:*?\"<>|~_ \t\n\u{0}-\u{1f}\u{7f}-\u{9f}\u{202e}\u{a0}a-zA-Z0-9é😀]{0,40}",
            "(?i:con|prn|aux|nul|com[0-9¹²³]|lpt[1-9]|conin\\$)(\\.[a-z]{0,3}){0,2}[. ]{0,2}",
            "[a-zé😀._ /]{200,400}",
            "\\.{1,3}",
            "[a-zA-Z0-9.~_ ]{0,10}(?i:\\.part|sha256sums|session\\.json|session|json)",
        ]
    }

    fn parts(unique: &str) -> FileNameParts<'_> {
        FileNameParts {
            recording_start: Some("2026-11-20T09:00:00Z"),
            label: "shared_screen_with_speaker_view",
            participant: None,
            unique,
            extension: Some("MP4"),
        }
    }

    #[test]
    fn sanitize_hostile_examples() {
        let cases = [
            ("../../etc/passwd", "_.._etc_passwd"),
            ("CON", "_CON"),
            ("con.txt", "_con.txt"),
            ("Com1.tar.gz", "_Com1.tar.gz"),
            ("LPT¹", "_LPT¹"),
            ("CONOUT$.log", "_CONOUT$.log"),
            ("CONSOLE", "CONSOLE"),
            ("COM10", "COM10"),
            ("con_", "con_"),
            ("a\u{0}b", "a_b"),
            ("a\u{85}b\u{9f}c\u{7f}", "a_b_c_"),
            ("name. ", "name"),
            (" .hidden", "hidden"),
            ("a:b*c?d\"e<f>g|h\\i", "a_b_c_d_e_f_g_h_i"),
            ("Jane  \t Doe", "Jane_Doe"),
            ("a _ b", "a_b"),
            ("shared__screen", "shared__screen"),
            ("evil\u{202E}4pm.exe", "evil_4pm.exe"),
            ("", "_"),
            (".", "_"),
            ("..", "_"),
            (" . . ", "_"),
            ("\u{0}", "_"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                sanitize_component(input, MAX_NAME_BYTES),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn sanitize_cuts_multibyte_names_on_char_boundaries() {
        let accents = sanitize_component(&"é".repeat(200), MAX_NAME_BYTES);
        assert_eq!(accents, "é".repeat(125));
        let emoji = sanitize_component(&"😀".repeat(100), MAX_NAME_BYTES);
        assert_eq!(emoji, "😀".repeat(62));
        assert_eq!(sanitize_component("😀", 3), "_");
    }

    #[test]
    fn sanitize_rechecks_after_cutting() {
        assert_eq!(sanitize_component("ab.cd", 3), "ab");
        assert_eq!(sanitize_component("CONSOLE", 3), "_CO");
        assert_eq!(sanitize_component("CON", 0), "C");
    }

    #[test]
    fn file_name_example() {
        assert_eq!(
            file_name(&parts("4f0e-a1b2")),
            "20261120-090000_shared_screen_with_speaker_view_4f0e-a1b2.mp4"
        );
    }

    #[test]
    fn file_name_participant_file() {
        let name = file_name(&FileNameParts {
            recording_start: Some("2026-11-20T10:30:05+01:00"),
            label: "audio",
            participant: Some("Jane Doe"),
            unique: "KEY1",
            extension: Some("M4A"),
        });
        assert_eq!(name, "20261120-093005_audio_Jane_Doe_KEY1.m4a");
    }

    #[test]
    fn file_name_omits_what_is_missing() {
        let name = file_name(&FileNameParts {
            recording_start: Some("yesterday"),
            label: "",
            participant: Some(" .. "),
            unique: "abc",
            extension: Some("."),
        });
        assert_eq!(name, "abc");
        let name = file_name(&FileNameParts {
            recording_start: None,
            label: "timeline",
            participant: None,
            unique: "abc",
            extension: None,
        });
        assert_eq!(name, "timeline_abc");
    }

    #[test]
    fn file_name_extension_is_lowercased_and_bounded() {
        let name = file_name(&FileNameParts {
            extension: Some(".VERY-LONG-EXTENSION-NAME"),
            ..parts("abc")
        });
        assert!(name.ends_with("_abc.very-long-extens"), "{name:?}");
        let name = file_name(&FileNameParts {
            extension: Some("../MP4"),
            ..parts("abc")
        });
        assert!(name.ends_with("_abc._mp4"), "{name:?}");
    }

    #[test]
    fn no_name_ends_in_part_or_is_the_archive_s_own() {
        // The two files of the report: `idA` (MP4) and `idA.mp4` (extension PART).
        let first = file_name(&parts("idA"));
        let second = file_name(&FileNameParts {
            extension: Some("PART"),
            ..parts("idA.mp4")
        });
        assert_eq!(
            first,
            "20261120-090000_shared_screen_with_speaker_view_idA.mp4"
        );
        assert_eq!(
            second,
            format!(
                "20261120-090000_shared_screen_with_speaker_view_idA.mp4~{}.part_",
                short_hash("idA.mp4")
            )
        );
        assert!(!format!("{second}.part").eq_ignore_ascii_case(&first));
        for extension in ["part", "PART", "mp4.Part", "x~y"] {
            let name = file_name(&FileNameParts {
                extension: Some(extension),
                ..parts("id")
            });
            assert_file_name(&name);
            assert!(!name.contains('~'), "{name:?}");
        }
        for (unique, extension) in [
            ("SHA256SUMS", None),
            ("sha256sums", None),
            ("session", Some("JSON")),
            ("x.part", None),
        ] {
            let name = file_name(&FileNameParts {
                recording_start: None,
                label: "",
                participant: None,
                unique,
                extension,
            });
            assert_file_name(&name);
            assert!(name.contains(&short_hash(unique)), "{name:?}");
        }
    }

    #[test]
    fn file_name_device_label_leads_only_without_timestamp() {
        let name = file_name(&FileNameParts {
            recording_start: None,
            label: "con.x",
            ..parts("abc")
        });
        assert_eq!(name, "_con.x_abc.mp4");
        let name = file_name(&FileNameParts {
            label: "con",
            participant: Some("Aux"),
            ..parts("abc")
        });
        assert_eq!(name, "20261120-090000_con_Aux_abc.mp4");
    }

    #[test]
    fn file_name_hashes_a_unique_that_needs_sanitising() {
        let slash = file_name(&parts("a/b"));
        let underscore = file_name(&parts("a_b"));
        assert_eq!(
            slash,
            format!(
                "20261120-090000_shared_screen_with_speaker_view_a_b~{}.mp4",
                short_hash("a/b")
            )
        );
        assert_eq!(
            underscore,
            "20261120-090000_shared_screen_with_speaker_view_a_b.mp4"
        );
        for unique in ["", ".", "..", "../../etc/passwd", "CON", "a~b", "x\u{0}"] {
            let name = file_name(&FileNameParts {
                recording_start: None,
                label: "",
                ..parts(unique)
            });
            assert_file_name(&name);
            assert!(
                name.ends_with(&format!("~{}.mp4", short_hash(unique))),
                "{name:?}"
            );
        }
    }

    #[test]
    fn file_name_hashes_a_hostile_long_unique() {
        let unique = "😀".repeat(100);
        let name = file_name(&parts(&unique));
        assert_file_name(&name);
        assert!(name.starts_with("20261120-090000_shared_screen_with_speaker_view_😀"));
        assert!(
            name.ends_with(&format!("~{}.mp4", short_hash(&unique))),
            "{name:?}"
        );
    }

    #[test]
    fn file_name_shortens_the_participant_before_the_unique() {
        let participant = "é".repeat(200);
        let name = file_name(&FileNameParts {
            participant: Some(&participant),
            ..parts("4f0e-a1b2")
        });
        assert_file_name(&name);
        // 'é' is 2 bytes, so the cut lands one byte short.
        assert_eq!(name.len(), MAX_NAME_BYTES - 1);
        assert!(name.starts_with("20261120-090000_shared_screen_with_speaker_view_éé"));
        let hashed_tail = format!("_4f0e-a1b2~{}.mp4", short_hash("4f0e-a1b2"));
        assert!(name.ends_with(&hashed_tail), "{name:?}");
    }

    #[test]
    fn file_name_shortens_label_and_participant_evenly() {
        let (label, participant) = ("l".repeat(300), "p".repeat(300));
        let name = file_name(&FileNameParts {
            recording_start: None,
            label: &label,
            participant: Some(&participant),
            unique: "id",
            extension: None,
        });
        let tail = format!("_id~{}", short_hash("id"));
        // (250 - 2 separators - 17 tag - 2 prefix) / 2 = 114 bytes each.
        assert_eq!(
            name,
            format!("{}_{}{tail}", "l".repeat(114), "p".repeat(114))
        );
    }

    #[test]
    fn session_dir_examples() {
        let id = "KkMHZ4y8QhSUWAHi5sWvfg==";
        assert_eq!(session_dir_name(id, None), id);
        assert_eq!(
            session_dir_name(id, Some("Weekly standup")),
            "Weekly_standup_KkMHZ4y8QhSUWAHi5sWvfg=="
        );
        assert_eq!(session_dir_name("Ab/cd+ef//gh==", None), "Ab_cd-ef__gh==");
        assert_eq!(session_dir_name(id, Some("")), id);
    }

    #[test]
    fn session_dir_ids_never_share_a_folder() {
        let slash = session_dir_name("a/b", None);
        let underscore = session_dir_name("a_b", None);
        assert_eq!(slash, "a_b");
        assert_eq!(underscore, format!("a_b~{}", short_hash("a_b")));
        assert_ne!(session_dir_name("a+b", None), session_dir_name("a-b", None));
    }

    #[test]
    fn session_dir_hostile_ids() {
        for id in ["", "..", "../../etc", "CON", "con", "a~b", "Ab/cd+ef\u{0}"] {
            let dir = session_dir_name(id, None);
            assert_safe(&dir);
            assert!(dir.ends_with(&format!("~{}", short_hash(id))), "{dir:?}");
        }
        assert_eq!(session_dir_name("CON", Some("x")), "x_CON");
    }

    #[test]
    fn session_dir_long_name_is_shortened_first() {
        let id = "KkMHZ4y8QhSUWAHi5sWvfg==";
        let name = "😀".repeat(100);
        let dir = session_dir_name(id, Some(&name));
        assert_safe(&dir);
        assert!(
            dir.ends_with(&format!("_{id}~{}", short_hash(id))),
            "{dir:?}"
        );
        let long_id = "A".repeat(300);
        let dir = session_dir_name(&long_id, Some("standup"));
        assert_safe(&dir);
        assert!(dir.starts_with("standup_AAAA"), "{dir:?}");
    }

    #[test]
    fn short_hash_is_fnv1a_64() {
        assert_eq!(short_hash(""), "cbf29ce484222325");
        assert_eq!(short_hash("a"), "af63dc4c8601ec8c");
        assert_eq!(short_hash("foobar"), "85944171f73967e8");
    }

    #[test]
    fn stable_key_separates_parts() {
        assert_ne!(stable_key(&["ab", "c"]), stable_key(&["a", "bc"]));
        assert_ne!(stable_key(&["a", ""]), stable_key(&["a"]));
        assert_eq!(stable_key(&["CC", "https://x/y"]).len(), 16);
        assert_eq!(
            stable_key(&["CC", "https://x/y"]),
            stable_key(&["CC", "https://x/y"])
        );
    }

    #[test]
    fn even_cap_water_fills() {
        assert_eq!(even_cap(vec![10, 20], 100), usize::MAX);
        assert_eq!(even_cap(vec![10, 200], 100), 90);
        assert_eq!(even_cap(vec![300, 200], 101), 50);
        assert_eq!(even_cap(vec![], 0), usize::MAX);
    }

    proptest! {
        #[test]
        fn sanitized_components_are_safe(input in hostile()) {
            assert_safe(&sanitize_component(&input, MAX_NAME_BYTES));
        }

        #[test]
        fn sanitize_respects_any_limit(input in hostile(), max in 1usize..300) {
            let name = sanitize_component(&input, max);
            prop_assert!(name.len() <= max);
            prop_assert!(!name.is_empty());
        }

        #[test]
        fn sanitize_is_idempotent_and_deterministic(input in hostile(), max in 1usize..300) {
            let once = sanitize_component(&input, max);
            prop_assert_eq!(sanitize_component(&once, max), once.clone());
            prop_assert_eq!(sanitize_component(&input, max), once);
        }

        #[test]
        fn sanitize_keeps_ordinary_names(name in "[a-zA-Z0-9é]{1,8}([ ._-][a-zA-Z0-9é]{1,8}){0,4}") {
            let expected = name.replace(' ', "_");
            prop_assume!(!is_reserved_on_windows(&expected));
            prop_assert_eq!(sanitize_component(&name, MAX_NAME_BYTES), expected);
        }

        #[test]
        fn file_names_are_safe_and_stable(
            start in prop::option::of(prop_oneof![hostile(), "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-][01][0-9]:[0-5][0-9])"]),
            label in hostile(),
            participant in prop::option::of(hostile()),
            unique in hostile(),
            extension in prop::option::of(hostile()),
        ) {
            let parts = FileNameParts {
                recording_start: start.as_deref(),
                label: &label,
                participant: participant.as_deref(),
                unique: &unique,
                extension: extension.as_deref(),
            };
            let name = file_name(&parts);
            assert_file_name(&name);
            prop_assert_eq!(sanitize_component(&name, MAX_NAME_BYTES), name.clone());
            prop_assert_eq!(file_name(&parts), name);
        }

        #[test]
        fn file_names_differ_when_uniques_differ(
            label in hostile(),
            participant in prop::option::of(hostile()),
            unique in hostile(),
            other in hostile(),
            extension in prop::option::of("[A-Za-z0-9]{0,20}"),
        ) {
            prop_assume!(unique != other);
            let parts = FileNameParts {
                recording_start: None,
                label: &label,
                participant: participant.as_deref(),
                unique: &unique,
                extension: extension.as_deref(),
            };
            prop_assert_ne!(file_name(&parts), file_name(&FileNameParts { unique: &other, ..parts }));
        }

        #[test]
        fn file_names_differ_when_uniques_differ_whatever_the_extensions(
            unique in "[a-zA-Z0-9._~-]{1,12}",
            other in "[a-zA-Z0-9._~-]{1,12}",
            extension in prop::option::of("[a-zA-Z0-9._~]{0,10}"),
            other_extension in prop::option::of("[a-zA-Z0-9._~]{0,10}"),
        ) {
            prop_assume!(unique != other);
            let name = file_name(&FileNameParts { extension: extension.as_deref(), ..parts(&unique) });
            let other_name = file_name(&FileNameParts { extension: other_extension.as_deref(), ..parts(&other) });
            prop_assert_ne!(&name, &other_name);
            let other_part = format!("{other_name}{PART_SUFFIX}");
            prop_assert!(!other_part.eq_ignore_ascii_case(&name));
        }

        #[test]
        fn file_names_differ_for_near_identical_uniques(unique in "[a-z/_~]{1,6}", other in "[a-z/_~]{1,6}") {
            prop_assume!(unique != other);
            prop_assert_ne!(file_name(&parts(&unique)), file_name(&parts(&other)));
        }

        #[test]
        fn file_names_show_short_safe_uniques_and_keep_the_extension(
            label in hostile(),
            participant in prop::option::of(hostile()),
            unique in "[A-Za-z0-9][A-Za-z0-9_=-]{0,63}",
            extension in "[A-Za-z0-9]{1,16}",
        ) {
            let name = file_name(&FileNameParts {
                recording_start: Some("2026-11-20T09:00:00Z"),
                label: &label,
                participant: participant.as_deref(),
                unique: &unique,
                extension: Some(&extension),
            });
            prop_assert!(name.contains(&format!("_{unique}")), "{:?} lacks {:?}", name, unique);
            let suffix = format!(".{}", extension.to_lowercase());
            prop_assert!(name.ends_with(&suffix), "{:?} lacks {:?}", name, suffix);
        }

        #[test]
        fn session_dirs_are_safe_and_stable(id in hostile(), name in prop::option::of(hostile())) {
            let dir = session_dir_name(&id, name.as_deref());
            assert_safe(&dir);
            prop_assert_eq!(sanitize_component(&dir, MAX_NAME_BYTES), dir.clone());
            prop_assert_eq!(session_dir_name(&id, name.as_deref()), dir);
        }

        #[test]
        fn session_dirs_differ_when_ids_differ(
            id in prop_oneof!["[A-Za-z0-9+/=]{1,30}", "[A-Za-z0-9+/=_~-]{0,30}", hostile()],
            other in prop_oneof!["[A-Za-z0-9+/=]{1,30}", "[A-Za-z0-9+/=_~-]{0,30}", hostile()],
            name in prop::option::of(hostile()),
        ) {
            prop_assume!(id != other);
            prop_assert_ne!(session_dir_name(&id, name.as_deref()), session_dir_name(&other, name.as_deref()));
        }

        #[test]
        fn session_dirs_show_base64_ids(id in "[A-Za-z0-9+/]{22}==", name in prop::option::of("[a-zA-Z ]{0,40}")) {
            let dir = session_dir_name(&id, name.as_deref());
            let mapped = id.replace('/', "_").replace('+', "-");
            prop_assert!(dir.ends_with(&mapped), "{:?} does not end with {:?}", dir, mapped);
        }

        #[test]
        fn stable_keys_are_short_hex(parts in prop::collection::vec(any::<String>(), 0..5)) {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            let key = stable_key(&parts);
            prop_assert_eq!(key.len(), 16);
            prop_assert!(key.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            prop_assert_eq!(stable_key(&parts), key);
        }
    }
}
