//! The `sha256` metadata of an S3 object that came in several parts. S3 fixes an object's
//! metadata when its multipart upload starts, long before the last byte (and so the hash) is
//! known; the one way to add it afterwards is to copy the object onto itself with
//! `x-amz-metadata-directive: REPLACE`. `object_store` has no such copy, so this module signs
//! that one request itself (SigV4, through `object_store`'s own signer and credentials).
//!
//! The copy is conditional on the ETag the completed upload returned: if another process has
//! replaced the object in between, nothing is stamped (its writer stamps its own). A copy that
//! fails leaves the object as it was, complete and listed in `SHA256SUMS`, which remains the
//! proof; only `verify --quick` and a re-run's skip lose their shortcut. S3 copies at most
//! 5 GiB in one request, so larger objects are not stamped.

use std::sync::Arc;

use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey, AwsAuthorizer};
use object_store::client::{HttpRequest, HttpRequestBody};
use object_store::path::Path as Key;

use super::digest::Digest;

/// The largest object S3 copies in one `CopyObject`.
pub const MAX_COPY: u64 = 5 * 1024 * 1024 * 1024;

/// What is needed to sign and send the copy, taken from the store's own configuration.
pub struct Stamper {
    store: Arc<AmazonS3>,
    /// `https://s3.REGION.amazonaws.com/BUCKET`, `http://endpoint/BUCKET`, or a virtual host.
    bucket_endpoint: String,
    bucket: String,
    region: String,
    sign_payload: bool,
    client: reqwest::Client,
}

/// Why an object was left unstamped (its proof is then `SHA256SUMS` alone).
#[derive(Debug, PartialEq, Eq)]
pub enum Unstamped {
    /// Replaced by another writer since this one completed it.
    Replaced,
    /// The store refused or failed: its code or HTTP status, never a credential.
    Failed(String),
}

/// The endpoint `builder` will use, if one is set: `AWS_ENDPOINT_URL_S3` over `AWS_ENDPOINT_URL`
/// (or a profile's `endpoint_url`), as `AmazonS3Builder::build` chooses.
pub fn endpoint_of(builder: &AmazonS3Builder) -> Option<String> {
    builder
        .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
        .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint))
}

impl Stamper {
    /// The stamper for `store`, built from `builder`; `None` where a copy would not be signed
    /// the way the store expects (S3 Express, unsigned requests).
    pub fn new(builder: &AmazonS3Builder, store: Arc<AmazonS3>) -> Option<Self> {
        let value = |key| builder.get_config_value(&key);
        let flag = |key| value(key).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if flag(AmazonS3ConfigKey::S3Express) || flag(AmazonS3ConfigKey::SkipSignature) {
            return None;
        }
        let bucket = value(AmazonS3ConfigKey::Bucket)?;
        let region = value(AmazonS3ConfigKey::Region).unwrap_or_else(|| "us-east-1".into());
        let endpoint = endpoint_of(builder);
        let virtual_hosted = flag(AmazonS3ConfigKey::VirtualHostedStyleRequest);
        // As `AmazonS3Builder::build` computes it.
        let bucket_endpoint = match (endpoint, virtual_hosted) {
            (Some(endpoint), true) => endpoint,
            (Some(endpoint), false) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            (None, true) => format!("https://{bucket}.s3.{region}.amazonaws.com"),
            (None, false) => format!("https://s3.{region}.amazonaws.com/{bucket}"),
        };
        let client = reqwest::Client::builder()
            .user_agent(concat!("vsrec/", env!("CARGO_PKG_VERSION")))
            .build()
            .ok()?;
        Some(Self {
            store,
            bucket_endpoint: bucket_endpoint.trim_end_matches('/').to_owned(),
            bucket,
            region,
            sign_payload: !flag(AmazonS3ConfigKey::UnsignedPayload),
            client,
        })
    }

    /// Copy `key` onto itself with `sha256` = `digest` as its metadata, if it is still the
    /// object with `etag`.
    pub async fn stamp(
        &self,
        key: &Key,
        etag: Option<&str>,
        digest: Digest,
    ) -> Result<(), Unstamped> {
        let encoded = encode_key(key);
        let mut request = HttpRequest::new(HttpRequestBody::empty());
        *request.method_mut() = reqwest::Method::PUT;
        *request.uri_mut() = format!("{}/{encoded}", self.bucket_endpoint)
            .parse()
            .map_err(|_| Unstamped::Failed("the object's URL is not valid".into()))?;
        let headers = request.headers_mut();
        let mut set = |name: &'static str, value: String| {
            if let Ok(value) = reqwest::header::HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        };
        set("x-amz-copy-source", format!("{}/{encoded}", self.bucket));
        set("x-amz-metadata-directive", "REPLACE".into());
        set("x-amz-meta-sha256", digest.hex());
        if let Some(etag) = etag {
            set("x-amz-copy-source-if-match", etag.to_owned());
        }
        set("content-length", "0".into());

        let credential = self
            .store
            .credentials()
            .get_credential()
            .await
            .map_err(|_| Unstamped::Failed("no credentials".into()))?;
        AwsAuthorizer::new(&credential, "s3", &self.region)
            .with_sign_payload(self.sign_payload)
            .try_authorize(&mut request, None)
            .map_err(|_| Unstamped::Failed("the request could not be signed".into()))?;

        let (parts, _) = request.into_parts();
        let url = parts.uri.to_string();
        let answer = self
            .client
            .put(url)
            .headers(parts.headers)
            .send()
            .await
            .map_err(|_| Unstamped::Failed("the store could not be reached".into()))?;
        let status = answer.status();
        // A copy can fail after its 200 has been sent: the body then holds an <Error>.
        let body = answer.text().await.unwrap_or_default();
        if status == reqwest::StatusCode::PRECONDITION_FAILED {
            return Err(Unstamped::Replaced);
        }
        if status.is_success() && !body.contains("<Error>") {
            return Ok(());
        }
        let code = super::object::code_in(&body)
            .map_or_else(|| format!("HTTP {}", status.as_u16()), str::to_owned);
        Err(Unstamped::Failed(code))
    }
}

/// Each segment of `key` percent-encoded as SigV4 canonicalises it (all but `A–Z a–z 0–9 - _ .
/// ~`), so that the signed path is the path sent.
fn encode_key(key: &Key) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    key.as_ref()
        .split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, KEEP).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_encoded_segment_by_segment_as_sigv4_wants() {
        let key = Key::parse("rec/2026-05-01 Standup — a+b (1)/x~y_z.mp4").unwrap();
        assert_eq!(
            encode_key(&key),
            "rec/2026-05-01%20Standup%20%E2%80%94%20a%2Bb%20%281%29/x~y_z.mp4"
        );
    }

    #[test]
    fn the_bucket_endpoint_follows_the_builder() {
        let store = |builder: AmazonS3Builder| {
            let built = Arc::new(builder.clone().build().unwrap());
            Stamper::new(&builder, built).map(|s| s.bucket_endpoint)
        };
        let base = || {
            AmazonS3Builder::new()
                .with_bucket_name("b")
                .with_region("eu-west-1")
                .with_access_key_id("k")
                .with_secret_access_key("s")
        };
        assert_eq!(
            store(base()).unwrap(),
            "https://s3.eu-west-1.amazonaws.com/b"
        );
        assert_eq!(
            store(base().with_endpoint("http://127.0.0.1:9000/")).unwrap(),
            "http://127.0.0.1:9000/b"
        );
        assert_eq!(
            store(base().with_virtual_hosted_style_request(true)).unwrap(),
            "https://b.s3.eu-west-1.amazonaws.com"
        );
        assert_eq!(store(base().with_skip_signature(true)), None);
    }
}
