//! The SHA-256 of a file as it is written: inline for a file's first bytes, then on a thread of
//! the file's own, so that hashing one batch overlaps with writing the next (and with receiving
//! the one after) instead of adding to the write path. A process-wide cap on the batches waiting
//! to be hashed keeps memory flat: a writer that gets too far ahead of the hashers waits.

use std::fs::File;
use std::io;
use std::sync::mpsc::{Sender, channel};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use bytes::Bytes;

use super::digest::{Digest, Sha256, hash_range};

/// Bytes hashed inline before a file gets a hashing thread: small files never pay for one.
const INLINE_BYTES: u64 = 1024 * 1024;

/// Batches waiting for a hashing thread, all files together, before a writer waits: enough for
/// a lone large file to keep its writer and hasher both busy, few enough that eight files at
/// once hold no more than two more megabytes.
const QUEUED_BATCHES: usize = 8;

static QUEUED: Gate = Gate {
    queued: Mutex::new(0),
    freed: Condvar::new(),
};

/// A counting gate: [`Gate::enter`] waits while [`QUEUED_BATCHES`] batches are queued.
struct Gate {
    queued: Mutex<usize>,
    freed: Condvar,
}

impl Gate {
    fn enter(&self) {
        let mut queued = self.queued.lock().unwrap_or_else(PoisonError::into_inner);
        while *queued >= QUEUED_BATCHES {
            queued = self
                .freed
                .wait(queued)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *queued += 1;
    }

    fn leave(&self) {
        *self.queued.lock().unwrap_or_else(PoisonError::into_inner) -= 1;
        self.freed.notify_one();
    }
}

/// A batch on its way to a hashing thread; it leaves the gate when dropped, hashed or not.
struct Queued(Vec<Bytes>);

impl Queued {
    fn new(batch: &[Bytes]) -> Self {
        QUEUED.enter();
        // Clones of `Bytes` share the buffers: nothing is copied.
        Self(batch.to_vec())
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        QUEUED.leave();
    }
}

/// The hashing thread's stack: it only loops over buffers.
const STACK_BYTES: usize = 256 * 1024;

pub(super) struct Hashing {
    state: State,
    /// How many of the file's first bytes have been handed over.
    hashed: u64,
}

enum State {
    Inline(Sha256),
    Thread {
        batches: Sender<Queued>,
        done: JoinHandle<Option<Sha256>>,
    },
    /// The hashing thread died (a panic); the digest is lost.
    Failed,
}

impl Hashing {
    pub(super) fn new() -> Self {
        Self {
            state: State::Inline(Sha256::new()),
            hashed: 0,
        }
    }

    pub(super) fn hashed(&self) -> u64 {
        self.hashed
    }

    /// Hash `batch`, the file's next bytes.
    pub(super) fn update(&mut self, batch: &[Bytes]) {
        let len: u64 = batch.iter().map(|b| b.len() as u64).sum();
        self.hashed += len;
        if self.hashed > INLINE_BYTES
            && let State::Inline(_) = self.state
        {
            self.offload();
        }
        match &mut self.state {
            State::Inline(hasher) => batch.iter().for_each(|b| hasher.update(b)),
            State::Thread { batches, .. } => {
                if batches.send(Queued::new(batch)).is_err() {
                    self.state = State::Failed;
                }
            }
            State::Failed => {}
        }
    }

    /// Hash bytes `self.hashed()..to` of `file` from disk: the prefix of a resumed `.part`.
    pub(super) fn update_from_file(&mut self, file: &File, to: u64) -> io::Result<()> {
        let mut hasher = self.take_inline()?;
        let result = hash_range(file, &mut hasher, self.hashed, to);
        self.state = State::Inline(hasher);
        result?;
        self.hashed = to;
        Ok(())
    }

    pub(super) fn finish(mut self) -> io::Result<Digest> {
        Ok(self.take_inline()?.finish())
    }

    /// Move the hasher to a thread of its own; stay inline if no thread can be had.
    fn offload(&mut self) {
        let State::Inline(hasher) = std::mem::replace(&mut self.state, State::Failed) else {
            return;
        };
        let (batches, queue) = channel::<Queued>();
        // The hasher goes over once the thread runs, so a failed spawn cannot lose it.
        let (handoff, arrival) = std::sync::mpsc::channel::<Sha256>();
        let spawned = std::thread::Builder::new()
            .name("vsrec-sha256".into())
            .stack_size(STACK_BYTES)
            .spawn(move || {
                let mut hasher = arrival.recv().ok()?;
                for batch in queue {
                    batch.0.iter().for_each(|b| hasher.update(b));
                }
                Some(hasher)
            });
        self.state = match spawned {
            Ok(done) => match handoff.send(hasher) {
                Ok(()) => State::Thread { batches, done },
                Err(_) => State::Failed,
            },
            Err(_) => State::Inline(hasher),
        };
    }

    /// The hasher, back from its thread if it has one (waiting for the queue to drain).
    fn take_inline(&mut self) -> io::Result<Sha256> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::Inline(hasher) => Ok(hasher),
            State::Thread { batches, done } => {
                drop(batches);
                done.join()
                    .ok()
                    .flatten()
                    .ok_or_else(|| io::Error::other("the hashing thread failed"))
            }
            State::Failed => Err(io::Error::other("the hashing thread failed")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offloaded_hashing_equals_inline_hashing() {
        let batches: Vec<Vec<Bytes>> = (0..40u8)
            .map(|n| {
                vec![
                    Bytes::from(vec![n; 100_000]),
                    Bytes::from(vec![n ^ 0x55; 31]),
                ]
            })
            .collect();
        let mut hashing = Hashing::new();
        let mut whole = Sha256::new();
        for batch in &batches {
            hashing.update(batch);
            batch.iter().for_each(|b| whole.update(b));
        }
        assert!(
            matches!(hashing.state, State::Thread { .. }),
            "big enough to offload"
        );
        assert_eq!(hashing.hashed(), 40 * 100_031);
        assert_eq!(hashing.finish().unwrap(), whole.finish());
    }

    #[test]
    fn files_hashed_at_once_share_the_queue_and_each_gets_its_own_digest() {
        let files: Vec<std::thread::JoinHandle<()>> = (0..6u8)
            .map(|seed| {
                std::thread::spawn(move || {
                    let mut hashing = Hashing::new();
                    let mut whole = Sha256::new();
                    for n in 0..30u8 {
                        let batch = [Bytes::from(vec![seed ^ n; 256 * 1024])];
                        hashing.update(&batch);
                        whole.update(&batch[0]);
                    }
                    assert_eq!(hashing.finish().unwrap(), whole.finish());
                })
            })
            .collect();
        for file in files {
            file.join().unwrap();
        }
    }
}
