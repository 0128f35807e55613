//! A gzip encoder for the fault that sends a body encoded whatever the client asked. It stores
//! the bytes without compressing them (deflate's "stored" blocks): any gzip decoder reads it, and
//! the fake needs no compression library.

/// `data` as a gzip member (RFC 1952) of stored deflate blocks (RFC 1951, 3.2.4).
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = 65_535;
    let mut out = Vec::with_capacity(data.len() + data.len() / MAX_BLOCK * 5 + 32);
    // Magic, deflate, no flags, no mtime, no extra flags, unknown OS.
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    let mut blocks = data.chunks(MAX_BLOCK).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = u8::from(blocks.peek().is_none());
        let len = block.len() as u16;
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE), bit by bit: the fake encodes a few small files, so speed is no concern.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_the_check_string() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn gzip_of_nothing_is_the_canonical_empty_member() {
        let empty = gzip(b"");
        assert_eq!(empty.len(), 10 + 5 + 8);
        assert_eq!(&empty[10..15], &[1, 0, 0, 0xff, 0xff]);
    }

    #[test]
    fn stored_blocks_carry_the_bytes_verbatim() {
        let data: Vec<u8> = (0..70_000u32).map(|i| i as u8).collect();
        let encoded = gzip(&data);
        // Two blocks: 65 535 bytes, then the rest in the last one.
        assert_eq!(encoded[10], 0);
        assert_eq!(&encoded[15..15 + 65_535], &data[..65_535]);
        let second = 15 + 65_535;
        assert_eq!(encoded[second], 1);
        assert_eq!(&encoded[second + 5..second + 5 + 4_465], &data[65_535..]);
        assert_eq!(encoded.len(), 10 + 2 * 5 + data.len() + 8);
    }
}
