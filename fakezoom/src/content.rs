//! File contents: literal bytes, or a deterministic pattern that is generated on the fly so that
//! multi-GiB files cost no memory, and the chunked reading the storage listener streams from.

use std::fmt;

use bytes::Bytes;

/// What a recording file contains.
#[derive(Clone, PartialEq, Eq)]
pub enum Content {
    /// Literal bytes, for small text files (VTT, TXT, JSON) whose content a test reads.
    Bytes(Vec<u8>),
    /// `len` bytes of [`pattern_bytes`]`(seed, ..)`, never held in memory as a whole.
    Pattern { len: u64, seed: u64 },
}

impl Content {
    /// The content's length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Content::Bytes(bytes) => bytes.len() as u64,
            Content::Pattern { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All bytes, materialised. Meant for tests that compare a download with the truth; a
    /// multi-GiB pattern would allocate all of it.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Content::Bytes(bytes) => bytes.clone(),
            Content::Pattern { len, seed } => pattern_bytes(*seed, 0, *len),
        }
    }
}

// A 4 GiB pattern must not print 4 GiB, nor a 300 KiB literal 300 KiB.
impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::Bytes(bytes) => write!(f, "Content::Bytes({} bytes)", bytes.len()),
            Content::Pattern { len, seed } => {
                write!(f, "Content::Pattern {{ len: {len}, seed: {seed} }}")
            }
        }
    }
}

/// The first bytes of every pattern: an ISO-BMFF `ftyp` box header. Random bytes could start
/// with `<` or `{` by chance, and a client that sniffs for an HTML or JSON error page instead of a
/// recording must not be fooled into a false alarm by a fake MP4.
const PATTERN_HEADER: [u8; 8] = *b"\x00\x00\x00\x18ftyp";

/// `len` bytes of the pattern for `seed`, starting at byte `offset` of it.
///
/// Byte `i` depends only on `(seed, i)`, so any range can be produced without the bytes before
/// it: the storage listener generates each chunk as it streams, and a test can check any slice of
/// a download.
pub fn pattern_bytes(seed: u64, offset: u64, len: u64) -> Vec<u8> {
    let len = usize::try_from(len).expect("pattern slice fits in memory");
    let mut out = Vec::with_capacity(len);
    let end = offset + len as u64;
    let mut pos = offset;
    while pos < end {
        let word = pos / 8;
        let bytes = if word == 0 {
            PATTERN_HEADER
        } else {
            splitmix64(seed ^ word.wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes()
        };
        let from = (pos % 8) as usize;
        let to = (8).min(from as u64 + (end - pos)) as usize;
        out.extend_from_slice(&bytes[from..to]);
        pos += (to - from) as u64;
    }
    out
}

/// A fast, well-mixed 64-bit hash: enough to make the pattern look like compressed media.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A cheaply cloned reader over a file's content, kept apart from the session so that a
/// download in flight is not disturbed by the session being replaced.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    Bytes(Bytes),
    Pattern { len: u64, seed: u64 },
}

impl Source {
    pub(crate) fn new(content: &Content) -> Self {
        match content {
            Content::Bytes(bytes) => Source::Bytes(Bytes::copy_from_slice(bytes)),
            Content::Pattern { len, seed } => Source::Pattern {
                len: *len,
                seed: *seed,
            },
        }
    }

    pub(crate) fn len(&self) -> u64 {
        match self {
            Source::Bytes(bytes) => bytes.len() as u64,
            Source::Pattern { len, .. } => *len,
        }
    }

    /// `len` bytes from `offset`. Bytes past the end of the content are zeros: that is what a
    /// `FileFault::Long` body pads with.
    pub(crate) fn read(&self, offset: u64, len: u64) -> Bytes {
        let real_end = (offset + len).min(self.len());
        let real = if offset >= real_end {
            Bytes::new()
        } else {
            match self {
                Source::Bytes(bytes) => bytes.slice(offset as usize..real_end as usize),
                Source::Pattern { seed, .. } => {
                    Bytes::from(pattern_bytes(*seed, offset, real_end - offset))
                }
            }
        };
        if real.len() as u64 == len {
            return real;
        }
        let mut padded = Vec::with_capacity(len as usize);
        padded.extend_from_slice(&real);
        padded.resize(len as usize, 0);
        Bytes::from(padded)
    }
}

/// The `Content-Type` storage serves for a file extension, as S3/CloudFront would from the
/// object's metadata.
pub(crate) fn content_type(extension: Option<&str>) -> &'static str {
    match extension.map(str::to_ascii_uppercase).as_deref() {
        Some("MP4") => "video/mp4",
        Some("M4A") => "audio/mp4",
        Some("VTT") => "text/vtt",
        Some("TXT") => "text/plain",
        Some("JSON") => "application/json",
        Some("CSV") => "text/csv",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_is_deterministic_and_sliceable() {
        let whole = pattern_bytes(7, 0, 1000);
        assert_eq!(whole, pattern_bytes(7, 0, 1000));
        for (offset, len) in [(0, 1), (3, 5), (8, 8), (13, 100), (999, 1), (500, 0)] {
            let slice = pattern_bytes(7, offset, len);
            assert_eq!(slice, whole[offset as usize..(offset + len) as usize]);
        }
        assert_ne!(whole[8..], pattern_bytes(8, 0, 1000)[8..]);
    }

    #[test]
    fn pattern_starts_like_mp4() {
        assert_eq!(pattern_bytes(12345, 0, 8), b"\x00\x00\x00\x18ftyp");
    }

    #[test]
    fn source_reads_slices_and_pads_past_the_end() {
        let source = Source::new(&Content::Bytes(b"hello world".to_vec()));
        assert_eq!(source.read(6, 5).as_ref(), b"world");
        assert_eq!(source.read(9, 4).as_ref(), b"ld\0\0");
        assert_eq!(source.read(20, 2).as_ref(), b"\0\0");

        let pattern = Source::new(&Content::Pattern { len: 100, seed: 3 });
        assert_eq!(pattern.read(10, 20).to_vec(), pattern_bytes(3, 10, 20));
        assert_eq!(pattern.len(), 100);
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type(Some("MP4")), "video/mp4");
        assert_eq!(content_type(Some("m4a")), "audio/mp4");
        assert_eq!(content_type(Some("JPG")), "application/octet-stream");
        assert_eq!(content_type(None), "application/octet-stream");
    }
}
