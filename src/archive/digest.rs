//! SHA-256 as the archive uses it: a streaming hasher, the digest as `sha256sum` writes it, and
//! the read loop that hashes a file already on disk.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

use aws_lc_rs::digest;
use serde::{Serialize, Serializer};

/// Bytes read per call when hashing a file from disk: large enough that the syscalls vanish
/// next to the hashing, small enough to stay in cache.
pub const READ_CHUNK: usize = 1024 * 1024;

/// A SHA-256 being computed. aws-lc picks the fastest code the CPU has (SHA-NI, AVX2).
pub struct Sha256(digest::Context);

impl Sha256 {
    pub fn new() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> Digest {
        let mut out = [0; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        Digest(out)
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

/// A SHA-256 digest; shown, parsed and serialised as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest([u8; 32]);

impl Digest {
    /// 64 hex digits in either case, as `sha256sum -c` accepts them.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let hex = hex.as_bytes();
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0; 32];
        for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
            let digit = |c: u8| (c as char).to_digit(16);
            *byte = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
        }
        Some(Self(out))
    }

    pub fn hex(&self) -> String {
        self.to_string()
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64 hex digits, without going through the formatter byte by byte: `SHA256SUMS`
    /// writes thousands of these.
    fn hex_bytes(&self) -> [u8; 64] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0; 64];
        for (pair, byte) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0xf)];
        }
        out
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex_bytes();
        f.write_str(std::str::from_utf8(&hex).expect("hex digits are ASCII"))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Hash everything `reader` yields; returns the byte count and the digest. `progress` hears of
/// every piece read, and stops the hashing (with `ErrorKind::Interrupted`) by answering false.
pub fn hash_reader(
    reader: &mut impl Read,
    progress: &dyn Fn(u64) -> bool,
) -> io::Result<(u64, Digest)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0; READ_CHUNK];
    let mut len = 0;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok((len, hasher.finish())),
            Ok(n) => {
                hasher.update(&buf[..n]);
                len += n as u64;
                if !progress(n as u64) {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Feed bytes `from..to` of `file` into `hasher`, reading at those offsets (the file position
/// is left alone). A file shorter than `to` is an error: the bytes to hash are not there.
pub fn hash_range(file: &File, hasher: &mut Sha256, from: u64, to: u64) -> io::Result<()> {
    let mut buf = vec![0; READ_CHUNK.min(usize::try_from(to - from).unwrap_or(READ_CHUNK))];
    let mut at = from;
    while at < to {
        let want = buf.len().min(usize::try_from(to - at).unwrap_or(buf.len()));
        match file.read_at(&mut buf[..want], at) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the file ends at byte {at}, before the {to} bytes to hash"),
                ));
            }
            Ok(n) => {
                hasher.update(&buf[..n]);
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn known_answers() {
        assert_eq!(Sha256::new().finish().hex(), EMPTY);
        let mut h = Sha256::new();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finish().hex(), ABC);
        let (len, digest) = hash_reader(&mut &b"abc"[..], &|_| true).unwrap();
        assert_eq!((len, digest.hex().as_str()), (3, ABC));
    }

    #[test]
    fn hex_round_trip_and_rejects() {
        let d = Digest::from_hex(ABC).unwrap();
        assert_eq!(d.to_string(), ABC);
        assert_eq!(Digest::from_hex(&ABC.to_uppercase()), Some(d));
        for bad in [
            "",
            "ab",
            &ABC[1..],
            &format!("{ABC}0"),
            &ABC.replace('b', "g"),
        ] {
            assert_eq!(Digest::from_hex(bad), None, "{bad}");
        }
        assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{ABC}\""));
    }

    #[test]
    fn hash_range_reads_at_offsets_and_refuses_a_short_file() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"xxabcyy").unwrap();
        let mut h = Sha256::new();
        hash_range(&file, &mut h, 2, 5).unwrap();
        assert_eq!(h.finish().hex(), ABC);
        let err = hash_range(&file, &mut Sha256::new(), 0, 8).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    proptest! {
        #[test]
        fn split_updates_equal_one_shot(data in prop::collection::vec(any::<u8>(), 0..3000), cut in 0usize..3000) {
            let cut = cut.min(data.len());
            let mut split = Sha256::new();
            split.update(&data[..cut]);
            split.update(&data[cut..]);
            let mut whole = Sha256::new();
            whole.update(&data);
            prop_assert_eq!(split.finish(), whole.finish());
        }
    }
}
