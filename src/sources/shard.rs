//! `--shard K/N`: which part of an account this machine takes. A session belongs to shard
//! `first 8 bytes of SHA-256(session_id), big-endian, mod N`: a hash of the ID alone, so every
//! machine, every run and every version of vsrec puts a session in the same shard, whatever the
//! date range, the filters or the order Zoom lists sessions in.

use std::fmt;

use crate::archive::digest::Sha256;

/// Shard `index` of `count` (`0 <= index < count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Whether the session with this ID falls in this shard.
    pub fn contains(&self, session_id: &str) -> bool {
        let mut hasher = Sha256::new();
        hasher.update(session_id.as_bytes());
        let digest = hasher.finish();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest.as_bytes()[..8]);
        u64::from_be_bytes(first) % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Parses `K/N` for clap: the message says what is wrong and what a good value looks like.
pub fn parse(text: &str) -> Result<Shard, String> {
    let hint = "give K/N with 0 <= K < N, e.g. 0/3, 1/3 and 2/3 on three machines";
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?} is not K/N; {hint}"))?;
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (number(k), number(n)) {
        (Some(index), Some(count)) if count > 0 && index < count => Ok(Shard { index, count }),
        (Some(_), Some(0)) => Err(format!("{text:?}: N must be at least 1; {hint}")),
        (Some(_), Some(_)) => Err(format!(
            "{text:?}: K must be below N (shards count from 0); {hint}"
        )),
        _ => Err(format!("{text:?} is not K/N; {hint}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_ids_evenly_enough() {
        let shards: Vec<Shard> = (0..3).map(|k| parse(&format!("{k}/3")).unwrap()).collect();
        let mut sizes = [0usize; 3];
        for i in 0..3000 {
            let id = format!("session-{i}==");
            let owners: Vec<usize> = (0..3).filter(|&k| shards[k].contains(&id)).collect();
            assert_eq!(owners.len(), 1, "{id}: {owners:?}");
            sizes[owners[0]] += 1;
        }
        for size in sizes {
            assert!((850..1150).contains(&size), "{sizes:?}");
        }
    }

    #[test]
    fn the_shard_of_an_id_never_changes() {
        // Pinned: machines running different versions must agree on every session's shard.
        let id = "KkMHZ4y8QhSUWAHi5sWvfg==";
        let owner: Vec<u64> = (0..7)
            .filter(|&k| parse(&format!("{k}/7")).unwrap().contains(id))
            .collect();
        assert_eq!(owner.len(), 1);
        assert!(parse("0/1").unwrap().contains(id));
        let mut hasher = Sha256::new();
        hasher.update(id.as_bytes());
        let digest = hasher.finish();
        let expected = u64::from_be_bytes(digest.as_bytes()[..8].try_into().unwrap()) % 7;
        assert_eq!(owner, [expected]);
    }

    #[test]
    fn bad_shards_are_refused_with_a_hint() {
        for bad in ["3/3", "1/0", "x/3", "1", "-1/3", "1/3/4"] {
            let err = parse(bad).unwrap_err();
            assert!(
                err.contains("K/N") || err.contains("N must"),
                "{bad}: {err}"
            );
        }
        assert_eq!(parse(" 2 / 5 ").unwrap().to_string(), "2/5");
    }
}
