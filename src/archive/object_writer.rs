//! One file streaming into an object store: parts of [`PART_SIZE`] uploaded while the next one
//! fills, hashed on the way, completed only at exactly the expected length (see
//! [`super::object`] for the rules), and aborted when it is not.

use std::borrow::Cow;
use std::io;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, MultipartUpload, ObjectStoreExt, PutOptions, PutPayload,
};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use super::digest::{Digest, Sha256};
use super::object::{HEAD_KEEP, ObjectFolder, PART_SIZE, SHA256_METADATA, block};
use super::s3_stamp;
use super::writer::CommitError;

impl ObjectFolder {
    /// A writer for `name`: nothing is sent until the first part is full.
    pub fn writer(&self, name: &str) -> ObjectWriter {
        ObjectWriter {
            folder: self.clone(),
            name: name.to_owned(),
            handle: Handle::current(),
            pending: Vec::new(),
            head: Vec::new(),
            len: 0,
            hash: Sha256::new(),
            upload: None,
            in_flight: None,
        }
    }
}

type PartJob = JoinHandle<object_store::Result<()>>;

/// One file streaming into the store. Dropped without a commit, its upload is aborted.
pub struct ObjectWriter {
    folder: ObjectFolder,
    name: String,
    handle: Handle,
    /// The part being filled, in one buffer of its own: holding on to the received chunks
    /// instead would pin the receive buffers they were cut from (a 64 KiB chunk can keep a
    /// 400 KiB buffer alive), a third more memory per file than the part itself.
    pending: Vec<u8>,
    /// The file's first bytes.
    head: Vec<u8>,
    /// Bytes handed over: uploaded, uploading, or pending.
    len: u64,
    hash: Sha256,
    /// Started when the first part is full. (In a mutex only to be `Sync`: the writer is
    /// used through `&mut`, so it is never contended.)
    upload: Option<Mutex<Box<dyn MultipartUpload>>>,
    /// The part being uploaded while the next one fills.
    in_flight: Option<PartJob>,
}

impl ObjectWriter {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append `batch`; a full part starts uploading (after the one before it has landed).
    pub fn write(&mut self, batch: &[Bytes]) -> io::Result<()> {
        for bytes in batch {
            self.hash.update(bytes);
            if self.head.len() < HEAD_KEEP {
                let take = (HEAD_KEEP - self.head.len()).min(bytes.len());
                self.head.extend_from_slice(&bytes[..take]);
            }
            self.len += bytes.len() as u64;
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let take = (PART_SIZE - self.pending.len()).min(rest.len());
                self.make_room(take);
                self.pending.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                if self.pending.len() == PART_SIZE {
                    self.send_part()?;
                }
            }
        }
        Ok(())
    }

    /// Room for `more` bytes in the part, never more than [`PART_SIZE`] in all: a small file's
    /// buffer grows (doubling) to its own size, a large file's is one part from the start.
    fn make_room(&mut self, more: usize) {
        let needed = self.pending.len() + more;
        if needed > self.pending.capacity() {
            let grown = match self.upload {
                Some(_) => PART_SIZE,
                None => needed.max(self.pending.capacity() * 2).min(PART_SIZE),
            };
            self.pending.reserve_exact(grown - self.pending.len());
        }
    }

    /// Wait for the part in flight, then start uploading the pending one.
    fn send_part(&mut self) -> io::Result<()> {
        self.land()?;
        if self.upload.is_none() {
            let started = block(
                self.folder
                    .store()
                    .put_multipart_opts(&self.folder.key(&self.name), Default::default()),
            )
            .map_err(|e| self.folder.error(&self.name, &e))?;
            self.upload = Some(Mutex::new(started));
        }
        let payload = PutPayload::from(Bytes::from(std::mem::take(&mut self.pending)));
        let upload = self.upload.as_mut().expect("started above");
        let part = upload
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .put_part(payload);
        self.in_flight = Some(self.handle.spawn(part));
        Ok(())
    }

    /// Wait for the part in flight, if any.
    fn land(&mut self) -> io::Result<()> {
        if let Some(job) = self.in_flight.take() {
            block(job)
                .map_err(io::Error::other)?
                .map_err(|e| self.folder.error(&self.name, &e))?;
        }
        Ok(())
    }

    /// There is no disk: what was handed over is what the upload holds.
    pub fn len_on_disk(&self) -> io::Result<u64> {
        Ok(self.len)
    }

    /// Start the file over: abort the upload and forget what was written.
    pub fn truncate(&mut self) -> io::Result<()> {
        self.abort();
        self.pending = Vec::new();
        self.head.clear();
        self.len = 0;
        self.hash = Sha256::new();
        Ok(())
    }

    pub fn read_head(&self, max: usize) -> io::Result<Vec<u8>> {
        Ok(self.head[..self.head.len().min(max)].to_vec())
    }

    /// Put the file under its key, only if exactly `expected` bytes went in: the last part and
    /// the completion of the upload (or, for a file of one part, a `PUT` with its SHA-256 as
    /// metadata), then a `HEAD` that must show `expected` bytes. Returns the SHA-256.
    pub fn commit(&mut self, expected: u64) -> Result<Digest, CommitError> {
        if self.len != expected {
            return Err(CommitError::Length {
                on_disk: self.len,
                expected,
            });
        }
        let digest = std::mem::take(&mut self.hash).finish();
        self.hash = Sha256::new();
        let key = self.folder.key(&self.name);
        if self.upload.is_none() {
            let mut attributes = Attributes::new();
            attributes.insert(
                Attribute::Metadata(Cow::Borrowed(SHA256_METADATA)),
                digest.hex().into(),
            );
            let options = PutOptions {
                attributes,
                ..Default::default()
            };
            let payload = PutPayload::from(Bytes::from(std::mem::take(&mut self.pending)));
            block(self.folder.store().put_opts(&key, payload, options))
                .map_err(|e| self.folder.error(&self.name, &e))?;
        } else {
            if !self.pending.is_empty() {
                self.send_part()?;
            }
            self.land()?;
            let mut upload = self
                .upload
                .take()
                .expect("checked above")
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner);
            let completed = match block(upload.complete()) {
                Ok(completed) => completed,
                Err(e) => {
                    let _ = block(upload.abort());
                    return Err(self.folder.error(&self.name, &e).into());
                }
            };
            self.stamp(&key, completed.e_tag.as_deref(), digest);
        }
        let landed = self.folder.head(&self.name)?.map(|h| h.len);
        if landed != Some(expected) {
            // Never leave an object of the wrong length under the final key.
            let _ = block(self.folder.store().delete(&key));
            return Err(CommitError::Length {
                on_disk: landed.unwrap_or(0),
                expected,
            });
        }
        Ok(digest)
    }

    /// Give an object completed from parts its `sha256` metadata, where the store can (see
    /// [`s3_stamp`]). Not being able to is no failure: `SHA256SUMS` holds the proof.
    fn stamp(&self, key: &Key, etag: Option<&str>, digest: Digest) {
        let Some(stamper) = self.folder.stamper() else {
            return;
        };
        if self.len <= s3_stamp::MAX_COPY {
            let _ = block(stamper.stamp(key, etag, digest));
        }
    }

    /// Abort the upload in progress, if any, and wait for the store to drop its parts.
    fn abort(&mut self) {
        if let Some(job) = self.in_flight.take() {
            job.abort();
        }
        if let Some(upload) = self.upload.take() {
            let mut upload = upload.into_inner().unwrap_or_else(PoisonError::into_inner);
            let aborted = async move {
                let _ = upload.abort().await;
            };
            // A worker thread of the multi-threaded runtime or the blocking pool can wait for
            // it; anywhere else the abort goes on in the background.
            match Handle::try_current() {
                Ok(handle)
                    if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread =>
                {
                    tokio::task::block_in_place(|| handle.block_on(aborted));
                }
                _ => {
                    self.handle.spawn(aborted);
                }
            }
        }
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        self.abort();
    }
}
