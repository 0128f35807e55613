//! The archive as an object store (`--out s3://bucket/prefix`, `gs://…`, `az://…`), through the
//! `object_store` crate. Keys are `prefix/<session folder>/<file name>`, exactly the local
//! layout; each session has its `SHA256SUMS` and `session.json` objects.
//!
//! The rules the local folder makes true with `flock` and `rename`, made true here by the store:
//!
//! - a file streams into a multipart upload, one part uploading while the next fills (at most
//!   two parts of [`PART_SIZE`] in memory per file), hashed on the way;
//! - it appears under its key only when `ObjectWriter::commit` ([`super::object_writer`]) completes the upload, after
//!   checking that exactly the expected bytes went in, and a `HEAD` of the new object agrees;
//! - an upload that is not committed (a failure, `truncate`, Ctrl-C, a dropped writer) is
//!   aborted, so vsrec leaves no parts behind; a crash is what the bucket's lifecycle rule is for
//!   (README, "Object storage");
//! - a file that fits in one part is one `PUT` carrying its SHA-256 as metadata (`sha256`, that
//!   is `x-amz-meta-sha256` on S3); a larger one cannot carry it from the start, since the
//!   metadata is fixed when the upload starts and the hash is known only at its end: on S3 it
//!   is stamped afterwards ([`super::s3_stamp`]), elsewhere `SHA256SUMS` is its only proof.
//!
//! The archive interface is synchronous (the local folder's calls run on the blocking pool), so
//! the store's requests are driven with [`block`] from there.

use std::borrow::Cow;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use object_store::path::Path as Key;
use object_store::{
    Attribute, GetOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    UpdateVersion,
};
use tokio::runtime::Handle;

use super::aws_profile;
use super::digest::{Digest, Sha256};
use super::local::Slot;
use super::manifest::{self, Malformed, Manifest};
use super::s3_stamp::{self, Stamper};
use super::{PART_SUFFIX, SESSION_JSON};

/// Bytes per uploaded part: within S3's 5 MiB minimum and the 8–16 MiB asked for.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// The metadata key of the SHA-256 (`x-amz-meta-sha256` on S3, `x-goog-meta-sha256` on GCS,
/// `x-ms-meta-sha256` on Azure).
pub const SHA256_METADATA: &str = "sha256";

/// How many times an update of `SHA256SUMS` or `session.json` is redone after another writer
/// changed the object first.
const UPDATE_ATTEMPTS: usize = 16;

/// The first bytes kept in memory, for telling an error body from a file (the fetch's sniff).
pub(super) const HEAD_KEEP: usize = 4096;

/// The URL schemes `--out` takes for an object store.
const SCHEMES: [&str; 3] = ["s3://", "gs://", "az://"];

/// Whether `--out` names an object store rather than a folder.
pub fn is_url(out: &Path) -> bool {
    out.to_str()
        .is_some_and(|s| SCHEMES.iter().any(|scheme| s.starts_with(scheme)))
}

/// Run `future` to its end from synchronous code: on the blocking pool, or on a worker thread of
/// the multi-threaded runtime (which is told it is blocked).
pub(super) fn block<F: Future>(future: F) -> F::Output {
    let handle = Handle::current();
    tokio::task::block_in_place(|| handle.block_on(future))
}

/// A bucket (or container) and the prefix inside it: the archive's root.
#[derive(Clone)]
pub struct Bucket(Arc<BucketInner>);

struct BucketInner {
    store: Arc<dyn ObjectStore>,
    /// Adds the `sha256` metadata to objects uploaded in parts (S3 only).
    stamper: Option<Stamper>,
    /// `s3://bucket/prefix` as the operator gave it, without a trailing `/`: for messages.
    url: PathBuf,
    bucket: String,
    prefix: String,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Bucket").field(&self.0.url).finish()
    }
}

/// A store's refusal or failure, said with the bucket, the key and the store's error code
/// (`AccessDenied`, `NoSuchBucket`…), never a credential or a signed URL.
pub fn describe(bucket: &str, key: &str, err: &object_store::Error) -> String {
    let code = error_code(err);
    format!("bucket {bucket:?}, key {key:?}: {code}")
}

/// The store's own error code from the response body (`<Code>…</Code>` on S3, `"reason"` or
/// `<Code>` on GCS and Azure), else the HTTP status, else the kind of failure.
fn error_code(err: &object_store::Error) -> String {
    if let object_store::Error::NotFound { .. } = err {
        return "NotFound (no such object)".into();
    }
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        text.push_str(&e.to_string());
        text.push('\n');
        source = e.source();
    }
    if let Some(code) = code_in(&text) {
        return code.to_owned();
    }
    if let Some(status) = between(&text, "status code: ", ":") {
        return format!("HTTP {}", status.trim());
    }
    match err {
        object_store::Error::Precondition { .. } => "PreconditionFailed".into(),
        object_store::Error::NotSupported { .. } => "NotSupported".into(),
        _ if text.contains("error sending request") || text.contains("connect") => {
            "the store could not be reached".into()
        }
        _ => "request failed".into(),
    }
}

/// The `<Code>` of an S3-style XML error body.
pub(super) fn code_in(text: &str) -> Option<&str> {
    between(text, "<Code>", "</Code>")
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len]).filter(|s| !s.is_empty() && s.len() < 64)
}

impl Bucket {
    /// The store `url` names, its credentials and endpoint from the cloud's own environment
    /// chain (`AWS_*`, `GOOGLE_*`, `AZURE_*`). Nothing is sent yet.
    pub fn new(url: &str) -> Result<Self, String> {
        let trimmed = url.trim_end_matches('/');
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| format!("{url} is not an object-store URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!(
                "--out {url} names no bucket; give it as {scheme}://BUCKET/PREFIX"
            ));
        }
        let mut stamper = None;
        let store: Arc<dyn ObjectStore> = match scheme {
            "s3" => {
                let mut builder = aws_profile::apply(
                    object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket),
                    &|name| std::env::var(name).ok(),
                )?;
                // An S3-compatible store on plain HTTP (MinIO on a LAN, a test server) is the
                // operator's explicit choice through AWS_ENDPOINT_URL or a profile.
                if s3_stamp::endpoint_of(&builder).is_some_and(|url| url.starts_with("http://")) {
                    builder = builder.with_allow_http(true);
                }
                let s3 = Arc::new(builder.clone().build().map_err(|e| build_error(url, &e))?);
                stamper = Stamper::new(&builder, Arc::clone(&s3));
                s3
            }
            "gs" => Arc::new(
                object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| build_error(url, &e))?,
            ),
            "az" => Arc::new(
                object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_container_name(bucket)
                    .build()
                    .map_err(|e| build_error(url, &e))?,
            ),
            _ => return Err(format!("{url}: vsrec writes to s3://, gs:// or az://")),
        };
        Ok(Self::with_store(store, stamper, trimmed, bucket, prefix))
    }

    pub(super) fn with_store(
        store: Arc<dyn ObjectStore>,
        stamper: Option<Stamper>,
        url: &str,
        bucket: &str,
        prefix: &str,
    ) -> Self {
        Self(Arc::new(BucketInner {
            store,
            stamper,
            url: PathBuf::from(url),
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        }))
    }

    /// One listing under the prefix, so that a missing bucket or refused credentials are said
    /// once, before any download starts.
    pub fn check(&self) -> Result<(), String> {
        let prefix = self.key_of(&[]);
        let prefix = (!self.0.prefix.is_empty()).then_some(&prefix);
        block(self.0.store.list_with_delimiter(prefix))
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "cannot use {}: {}",
                    self.0.url.display(),
                    describe(&self.0.bucket, &self.0.prefix, &e)
                )
            })
    }

    /// `s3://bucket/prefix`, for messages.
    pub fn root(&self) -> &Path {
        &self.0.url
    }

    /// The session folder `name`: a key prefix, nothing to create.
    pub fn folder(&self, name: &str) -> ObjectFolder {
        ObjectFolder(Arc::new(FolderInner {
            bucket: self.clone(),
            name: name.to_owned(),
            path: self.0.url.join(name),
            recording: tokio::sync::Mutex::new(()),
        }))
    }

    /// The session folders under the prefix; not the archive's own (`.vsrec-deletions/`, the
    /// audit log), as no session folder's name starts with a dot.
    pub fn session_folders(&self) -> io::Result<Vec<String>> {
        let prefix = self.key_of(&[]);
        let prefix = (!self.0.prefix.is_empty()).then_some(&prefix);
        let listed = block(self.0.store.list_with_delimiter(prefix))
            .map_err(|e| self.error(&self.0.prefix, &e))?;
        let mut names: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_owned))
            .filter(|name| !name.starts_with('.'))
            .collect();
        names.sort();
        Ok(names)
    }

    fn key_of(&self, parts: &[&str]) -> Key {
        let mut key = self.0.prefix.clone();
        // An empty part is the root itself (`folder("")`: the archive's own files).
        for part in parts.iter().filter(|part| !part.is_empty()) {
            if !key.is_empty() {
                key.push('/');
            }
            key.push_str(part);
        }
        // As given, not percent-encoded (`Key::from` would turn `—` into `%E2%80%94`): the key
        // is the path on disk. vsrec's names hold no control characters, which is all `parse`
        // refuses.
        Key::parse(&key).unwrap_or_else(|_| Key::from(key))
    }

    fn error(&self, key: &str, err: &object_store::Error) -> io::Error {
        let kind = match err {
            object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, describe(&self.0.bucket, key, err))
    }
}

/// The builder refused its configuration: say which setting, never its value.
fn build_error(url: &str, err: &object_store::Error) -> String {
    let text = err.to_string();
    let what = text
        .split_once(": ")
        .map_or(text.as_str(), |(_, rest)| rest)
        .split(['"', '\''])
        .next()
        .unwrap_or_default()
        .trim();
    format!("cannot set up {url} from the environment: {what}")
}

/// One session folder in the store. Cheap to clone.
#[derive(Clone)]
pub struct ObjectFolder(Arc<FolderInner>);

struct FolderInner {
    bucket: Bucket,
    name: String,
    path: PathBuf,
    /// Held while `SHA256SUMS` is rewritten, so that this process's updates never race.
    recording: tokio::sync::Mutex<()>,
}

/// What a `HEAD` says about an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub len: u64,
    /// The `sha256` metadata, when the object carries it.
    pub sha256: Option<Digest>,
}

impl std::fmt::Debug for ObjectFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ObjectFolder").field(&self.0.path).finish()
    }
}

impl ObjectFolder {
    /// `s3://bucket/prefix/<session folder>`, for messages.
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    pub(super) fn key(&self, name: &str) -> Key {
        self.0.bucket.key_of(&[&self.0.name, name])
    }

    pub(super) fn error(&self, name: &str, err: &object_store::Error) -> io::Error {
        self.0.bucket.error(self.key(name).as_ref(), err)
    }

    pub(super) fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.0.bucket.0.store
    }

    /// What adds the `sha256` metadata to objects uploaded in parts, where the store has one.
    pub(super) fn stamper(&self) -> Option<&Stamper> {
        self.0.bucket.0.stamper.as_ref()
    }

    /// One `HEAD`: the object's length and stored SHA-256, or `None` when there is none.
    pub fn head(&self, name: &str) -> io::Result<Option<Head>> {
        let options = GetOptions {
            head: true,
            ..Default::default()
        };
        match block(self.store().get_opts(&self.key(name), options)) {
            Ok(found) => Ok(Some(Head {
                len: found.meta.size,
                sha256: found
                    .attributes
                    .get(&Attribute::Metadata(Cow::Borrowed(SHA256_METADATA)))
                    .and_then(|v| Digest::from_hex(v.as_ref())),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(name, &e)),
        }
    }

    /// What is at `name`: an object (one `HEAD`), or nothing. A `.part` never exists in a
    /// store (uploads are invisible until complete), so none is asked for.
    pub fn slot(&self, name: &str) -> io::Result<Slot> {
        Ok(self.slot_and_stored_sha256(name)?.0)
    }

    /// [`Self::slot`], and the object's `sha256` metadata, from the same `HEAD`.
    pub fn slot_and_stored_sha256(&self, name: &str) -> io::Result<(Slot, Option<Digest>)> {
        if name.ends_with(PART_SUFFIX) {
            return Ok((Slot::Absent, None));
        }
        Ok(match self.head(name)? {
            Some(head) => (Slot::File { len: head.len }, head.sha256),
            None => (Slot::Absent, None),
        })
    }

    /// The whole object `name`, or `None` when there is none.
    pub fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        let got = block(async {
            let result = self.store().get(&self.key(name)).await?;
            result.bytes().await
        });
        match got {
            Ok(bytes) => Ok(Some(bytes.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(name, &e)),
        }
    }

    pub(super) fn put(&self, name: &str, bytes: Vec<u8>) -> io::Result<()> {
        block(self.store().put(&self.key(name), PutPayload::from(bytes)))
            .map(|_| ())
            .map_err(|e| self.error(name, &e))
    }

    /// `SHA256SUMS` as it is now (empty when there is none), and its malformed lines.
    pub fn read_manifest(&self) -> io::Result<(Manifest, Malformed)> {
        match self.read(manifest::FILE_NAME)? {
            Some(text) => Ok(Manifest::parse(&String::from_utf8_lossy(&text))),
            None => Ok((Manifest::default(), Vec::new())),
        }
    }

    /// Replace `session.json` (a `PUT` is atomic).
    pub fn write_session_json(&self, text: &str) -> io::Result<()> {
        self.put(SESSION_JSON, text.as_bytes().to_vec())
    }

    /// Merge `text` (a webhook event's object) into `session.json` (see
    /// [`super::session_json`]), as one [`Self::update`].
    pub fn merge_session_json(&self, text: &str) -> io::Result<()> {
        self.update(SESSION_JSON, |existing| {
            let merged = match existing {
                Some(existing) => {
                    super::session_json::merge(&String::from_utf8_lossy(existing), text)
                }
                None => text.to_owned(),
            };
            Some(merged.into_bytes())
        })
    }

    /// Add `name`'s line to `SHA256SUMS` as one [`Self::update`], one at a time in this
    /// process (so that its own writers do not make each other read again).
    pub async fn record(&self, name: &str, digest: Digest) -> io::Result<()> {
        let _turn = self.0.recording.lock().await;
        let folder = self.clone();
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || {
            folder.update(manifest::FILE_NAME, |existing| {
                let text = existing.map(String::from_utf8_lossy).unwrap_or_default();
                let (mut manifest, _) = Manifest::parse(&text);
                if manifest.get(&name) == Some(digest) {
                    return None;
                }
                manifest.set(&name, digest);
                Some(manifest.render().into_bytes())
            })
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Replace the object `name` with what `change` makes of it (`None`: nothing to change),
    /// as a compare-and-swap: the `PUT` carries `If-Match` with the ETag that was read (or
    /// `If-None-Match: *` when there was no object), so that of several processes updating one
    /// session's `SHA256SUMS` at once none loses another's line: the one the store turns away
    /// reads again and redoes its change. A store without conditional writes gets a plain `PUT`
    /// (the last writer wins, and a lost line is hashed back in by the next run).
    pub(super) fn update(
        &self,
        name: &str,
        change: impl Fn(Option<&[u8]>) -> Option<Vec<u8>>,
    ) -> io::Result<()> {
        let key = self.key(name);
        for _ in 0..UPDATE_ATTEMPTS {
            let (current, version) = match block(async {
                let got = self.store().get(&key).await?;
                let version = UpdateVersion {
                    e_tag: got.meta.e_tag.clone(),
                    version: got.meta.version.clone(),
                };
                Ok::<_, object_store::Error>((got.bytes().await?, version))
            }) {
                Ok((bytes, version)) => (Some(bytes), Some(version)),
                Err(object_store::Error::NotFound { .. }) => (None, None),
                Err(e) => return Err(self.error(name, &e)),
            };
            let Some(next) = change(current.as_deref()) else {
                return Ok(());
            };
            let mode = match version {
                Some(version) if version.e_tag.is_none() && version.version.is_none() => {
                    return self.put(name, next);
                }
                Some(version) => PutMode::Update(version),
                None => PutMode::Create,
            };
            let options = PutOptions {
                mode,
                ..Default::default()
            };
            match block(
                self.store()
                    .put_opts(&key, PutPayload::from(next.clone()), options),
            ) {
                Ok(_) => return Ok(()),
                Err(
                    object_store::Error::Precondition { .. }
                    | object_store::Error::AlreadyExists { .. },
                ) => {}
                Err(object_store::Error::NotImplemented { .. }) => return self.put(name, next),
                Err(e) => return Err(self.error(name, &e)),
            }
        }
        Err(io::Error::other(format!(
            "bucket {:?}, key {:?}: other writers kept changing it ({UPDATE_ATTEMPTS} tries)",
            self.0.bucket.0.bucket,
            key.as_ref()
        )))
    }

    /// Stream the object `name` and hash it; `progress` gets each chunk's length and says
    /// whether to go on. Returns the length and SHA-256.
    pub fn hash(&self, name: &str, progress: &dyn Fn(u64) -> bool) -> io::Result<(u64, Digest)> {
        block(async {
            let got = self
                .store()
                .get(&self.key(name))
                .await
                .map_err(|e| self.error(name, &e))?;
            let mut stream = got.into_stream();
            let (mut len, mut hasher) = (0u64, Sha256::new());
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| self.error(name, &e))?;
                hasher.update(&chunk);
                len += chunk.len() as u64;
                if !progress(chunk.len() as u64) {
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
                }
            }
            Ok((len, hasher.finish()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_schemes_are_urls() {
        for url in ["s3://b/p", "gs://b", "az://c/p/q"] {
            assert!(is_url(Path::new(url)), "{url}");
        }
        for path in ["out", "/srv/s3/x", "s3:/b", "http://b"] {
            assert!(!is_url(Path::new(path)), "{path}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_update_another_writer_overtook_is_redone_on_what_that_writer_left() {
        let store = Arc::new(object_store::memory::InMemory::new());
        let folder = Bucket::with_store(store.clone(), None, "s3://b/p", "b", "p").folder("s");
        let key = Key::from("p/s/SHA256SUMS");
        let calls = std::sync::atomic::AtomicUsize::new(0);
        folder
            .update(manifest::FILE_NAME, |existing| {
                // The first time, another process writes its line between our read and our PUT.
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    let theirs = PutPayload::from(b"theirs\n".to_vec());
                    block(store.put(&key, theirs)).unwrap();
                }
                let mut text = existing.map(<[u8]>::to_vec).unwrap_or_default();
                text.extend_from_slice(b"ours\n");
                Some(text)
            })
            .unwrap();
        assert_eq!(calls.into_inner(), 2, "read again after the lost race");
        let stored = block(async { store.get(&key).await.unwrap().bytes().await.unwrap() });
        assert_eq!(&stored[..], b"theirs\nours\n");
    }

    #[test]
    fn the_store_code_is_taken_from_the_body() {
        let text = "Server returned non-2xx status code: 403 Forbidden: <Error><Code>AccessDenied</Code><Message>x</Message></Error>";
        assert_eq!(between(text, "<Code>", "</Code>"), Some("AccessDenied"));
        assert_eq!(between("<Code></Code>", "<Code>", "</Code>"), None);
    }
}
