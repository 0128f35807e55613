//! Zoom's side of webhooks, for tests of a receiver (`vsrec serve`): Zoom's published example
//! events, Zoom-shaped events built from parts, Zoom's signature
//! (`x-zm-signature: v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}"))`), and a small blocking
//! HTTP/1.1 sender that can also send what Zoom never would (bad signatures, other methods,
//! oversized bodies, a body held back until the test says so).
//!
//! The sender speaks HTTP over a plain `TcpStream` so that a test controls every byte and every
//! moment: with `Expect: 100-continue` it learns that the receiver's handler is reading the
//! request (the `100 Continue`) before it sends the body, and a receiver that refuses a request
//! from its headers alone never has unread bytes on the socket.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use serde_json::{Value, json};

/// Zoom's example bodies from its Video SDK webhook reference, byte for byte (numeric
/// `session_id`, duplicated keys and tabs included), named by the event they document.
const PUBLISHED: [(&str, &str); 10] = [
    (
        "session.recording_started",
        include_str!("../webhooks/session.recording_started.json"),
    ),
    (
        "session.recording_resumed",
        include_str!("../webhooks/session.recording_resumed.json"),
    ),
    (
        "session.recording_paused",
        include_str!("../webhooks/session.recording_paused.json"),
    ),
    (
        "session.recording_stopped",
        include_str!("../webhooks/session.recording_stopped.json"),
    ),
    (
        "session.recording_completed",
        include_str!("../webhooks/session.recording_completed.json"),
    ),
    (
        "session.recording_transcript_completed",
        include_str!("../webhooks/session.recording_transcript_completed.json"),
    ),
    (
        "session.recording_transcript_failed",
        include_str!("../webhooks/session.recording_transcript_failed.json"),
    ),
    (
        "session.recording_deleted",
        include_str!("../webhooks/session.recording_deleted.json"),
    ),
    (
        "session.recording_trashed",
        include_str!("../webhooks/session.recording_trashed.json"),
    ),
    (
        "session.recording_recovered",
        include_str!("../webhooks/session.recording_recovered.json"),
    ),
];

/// Every published `session.recording_*` example: (the event it documents, its body).
pub fn published_examples() -> Vec<(&'static str, &'static str)> {
    PUBLISHED.to_vec()
}

/// The published example body for `event`.
pub fn published_example(event: &str) -> Option<&'static str> {
    PUBLISHED.iter().find(|(e, _)| *e == event).map(|(_, b)| *b)
}

/// A Zoom-shaped event body: `{event, event_ts, download_token, payload: {account_id, object}}`,
/// `download_token` at the top level as Zoom sends it (left out when `None`).
pub fn event_body(event: &str, object: Value, download_token: Option<&str>) -> Vec<u8> {
    let mut body = json!({
        "event": event,
        "event_ts": unix_millis(),
        "payload": {"account_id": "AAAAAABBBB", "object": object},
    });
    if let Some(token) = download_token {
        body["download_token"] = Value::from(token);
    }
    body.to_string().into_bytes()
}

/// `endpoint.url_validation`, as Zoom sends it when an endpoint URL is saved.
pub fn url_validation_body(plain_token: &str) -> Vec<u8> {
    json!({
        "payload": {"plainToken": plain_token},
        "event_ts": unix_millis(),
        "event": "endpoint.url_validation",
    })
    .to_string()
    .into_bytes()
}

/// Zoom's `x-zm-signature` for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut message = format!("v0:{timestamp}:").into_bytes();
    message.extend_from_slice(body);
    format!("v0={}", hmac_hex(secret, &message))
}

/// The `encryptedToken` Zoom expects for a `plainToken`: hex(HMAC-SHA256(secret, plainToken)).
pub fn encrypted_token(secret: &str, plain_token: &str) -> String {
    hmac_hex(secret, plain_token.as_bytes())
}

fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::sign(&key, message)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Seconds since the Unix epoch, as `x-zm-request-timestamp` carries them.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request as the test wants it, signed or not.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send the body only after a `100 Continue`; a final answer instead means it is never sent.
    pub expect_continue: bool,
}

/// Posts Zoom-shaped deliveries to a receiver.
#[derive(Debug, Clone)]
pub struct Sender {
    pub addr: SocketAddr,
    pub path: String,
    pub secret: String,
}

/// How long any one exchange may take before the sender gives up: a guard against a hung
/// receiver, not a timing expectation.
const IO_GUARD: Duration = Duration::from_secs(60);

impl Sender {
    pub fn new(addr: SocketAddr, path: &str, secret: &str) -> Self {
        Self {
            addr,
            path: path.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// A POST of `body` signed now, as Zoom sends it.
    pub fn signed(&self, body: &[u8]) -> Request {
        self.signed_at(body, unix_now())
    }

    /// A POST of `body` signed with `timestamp` (a stale one to test replay protection).
    pub fn signed_at(&self, body: &[u8], timestamp: u64) -> Request {
        Request {
            method: "POST".into(),
            path: self.path.clone(),
            headers: vec![
                (
                    "content-type".into(),
                    "application/json; charset=utf-8".into(),
                ),
                ("x-zm-request-timestamp".into(), timestamp.to_string()),
                (
                    "x-zm-signature".into(),
                    signature(&self.secret, timestamp, body),
                ),
            ],
            body: body.to_vec(),
            expect_continue: false,
        }
    }

    /// Sign and post `body` now.
    pub fn deliver(&self, body: &[u8]) -> io::Result<Response> {
        self.send(&self.signed(body))
    }

    /// Send any request, over a new connection.
    pub fn send(&self, request: &Request) -> io::Result<Response> {
        self.begin(request)?.finish()
    }

    /// Send the head of `request`. With `expect_continue`, wait for the receiver's `100
    /// Continue` (or its early final answer); the body goes with [`Pending::finish`].
    pub fn begin(&self, request: &Request) -> io::Result<Pending> {
        let mut stream = TcpStream::connect(self.addr)?;
        stream.set_read_timeout(Some(IO_GUARD))?;
        stream.set_write_timeout(Some(IO_GUARD))?;
        let mut head = format!(
            "{} {} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\ncontent-length: {}\r\n",
            request.method,
            request.path,
            self.addr,
            request.body.len()
        );
        for (name, value) in &request.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if request.expect_continue {
            head.push_str("expect: 100-continue\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if !request.expect_continue {
            // Head and body in one write: a receiver that answers from the head alone (404,
            // 405) then closes a socket with nothing unread, and the answer is not lost to a
            // reset.
            bytes.extend_from_slice(&request.body);
        }
        stream.write_all(&bytes)?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut early = None;
        if request.expect_continue {
            let (status, headers) = read_head(&mut reader)?;
            if status != 100 {
                let body = read_body(&mut reader, &headers)?;
                early = Some(Response {
                    status,
                    headers,
                    body,
                });
            }
        }
        Ok(Pending {
            stream,
            reader,
            body: if request.expect_continue {
                request.body.clone()
            } else {
                Vec::new()
            },
            early,
        })
    }
}

/// A request whose head is sent and whose body is not (yet).
pub struct Pending {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    body: Vec<u8>,
    /// The receiver's final answer before any body byte.
    pub early: Option<Response>,
}

impl Pending {
    /// Send the body (unless the receiver already answered) and read the answer.
    pub fn finish(mut self) -> io::Result<Response> {
        if let Some(response) = self.early {
            return Ok(response);
        }
        self.stream.write_all(&self.body)?;
        let (status, headers) = read_head(&mut self.reader)?;
        let body = read_body(&mut self.reader, &headers)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

fn read_head(reader: &mut impl BufRead) -> io::Result<(u16, Vec<(String, String)>)> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("not an HTTP status line: {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Ok((status, headers));
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
}

fn read_body(reader: &mut impl BufRead, headers: &[(String, String)]) -> io::Result<Vec<u8>> {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| io::Error::other(format!("bad chunk size {line:?}")))?;
            if size == 0 {
                return Ok(body);
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line.clear();
            reader.read_line(&mut line)?;
        }
    }
    match get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(len) => {
            body.resize(len, 0);
            reader.read_exact(&mut body)?;
        }
        None => {
            reader.read_to_end(&mut body)?;
        }
    }
    Ok(body)
}

/// One delivery of a load run.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The HTTP status, or the transport error.
    pub result: Result<u16, String>,
    /// From the moment the request was due to its answer.
    pub latency: Duration,
}

/// Deliver `bodies`, signed, at `per_second` deliveries a second on an open schedule: each
/// request is sent at its due time on its own thread, whether or not earlier ones were answered,
/// so a slow answer shows in the latencies instead of slowing the rate. For benchmarks.
pub fn deliver_at_rate(sender: &Sender, bodies: Vec<Vec<u8>>, per_second: f64) -> Vec<Delivery> {
    let start = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / per_second);
    let threads: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let sender = sender.clone();
            let due = start + interval * i as u32;
            std::thread::spawn(move || {
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let result = sender
                    .deliver(&body)
                    .map(|r| r.status)
                    .map_err(|e| e.to_string());
                Delivery {
                    result,
                    latency: due.elapsed(),
                }
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("delivery thread"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values computed apart with
    /// `printf '%s' 'v0:1700000000:{...}' | openssl dgst -sha256 -hmac secret-token`.
    #[test]
    fn signature_matches_an_independent_hmac() {
        let body = br#"{"event":"session.recording_completed"}"#;
        assert_eq!(
            signature("secret-token", 1_700_000_000, body),
            "v0=fb09c9349cddc71f1b228da537a9b29d451be5175428c43828f671864eb547a6"
        );
        assert_eq!(
            encrypted_token("secret-token", "qgg8vlvZRS6UYooatFL8Aw"),
            "5b72bd117f184f54093c1c3c11499c1d13e6d56dc0d96e6b78fbfecedc953b75"
        );
    }

    #[test]
    fn every_published_example_is_json_and_named_after_a_recording_event() {
        for (name, body) in published_examples() {
            assert!(name.starts_with("session.recording_"));
            let value: Value = serde_json::from_str(body).unwrap();
            assert!(
                value["payload"]["object"]["session_id"].is_number(),
                "{name}"
            );
        }
        assert!(published_example("session.recording_completed").is_some());
        assert!(published_example("session.nope").is_none());
    }

    #[test]
    fn event_bodies_put_the_token_at_the_top() {
        let body = event_body(
            "session.recording_completed",
            json!({"session_id": "a"}),
            Some("t"),
        );
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["download_token"], "t");
        assert_eq!(value["payload"]["object"]["session_id"], "a");
        let body = event_body("x", json!({}), None);
        assert!(
            serde_json::from_slice::<Value>(&body)
                .unwrap()
                .get("download_token")
                .is_none()
        );
    }
}
