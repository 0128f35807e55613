//! A faithful fake of the Zoom Video SDK cloud-recordings API, for vsrec's tests, demo and
//! benchmark.
//!
//! [`Server::start`] runs three HTTP listeners on `127.0.0.1`, as Zoom has three hosts:
//! - the REST API (`GET /v2/videosdk/sessions/{id}/recordings`), with Zoom's JWT rules and its
//!   double-encoded session IDs; and the account listing (`GET /v2/videosdk/recordings`) with
//!   date windows, paging and expiring page tokens;
//! - the download host of every `download_url` (`/rec/download/{key}`), which checks credentials
//!   and redirects;
//! - a signed-URL storage host (`/store/{key}`), which honours byte ranges and streams the bytes.
//!
//! Tests describe recordings with [`Session`] and [`File`] (or a whole account with
//! [`generated_account`]), queue failures with [`ListFault`], [`FileFault`] and [`AccountFault`],
//! and inspect what happened with [`Server::log`], [`Server::account_requests`] and friends.

mod account;
mod api;
mod auth;
mod content;
mod download;
mod encoding;
mod faults;
mod from_dir;
mod generate;
mod listing;
mod log;
mod model;
mod sample;
mod server;
mod state;
mod storage;
mod throttle;
mod trash;
mod urls;
pub mod webhook;

pub use account::{AccountFault, AccountRequest};
pub use content::{Content, pattern_bytes};
pub use faults::{FileFault, ListFault, TRICKLE_PAUSE};
pub use from_dir::sessions_from_dir;
pub use generate::{ACCOUNT_FIRST_DAY, ACCOUNT_LAST_DAY, generated_account};
pub use log::{Listener, RequestRecord};
pub use model::{File, FileList, Session, SizeField};
pub use server::Server;
pub use trash::TRASH_DAYS;

/// The Video SDK API key pair the fake accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub api_key: String,
    pub api_secret: String,
}

impl Default for Config {
    /// A fixed pair; the secret is distinctive so tests can grep output for leaks.
    fn default() -> Self {
        Config {
            api_key: "fake-api-key".to_owned(),
            api_secret: "fake-api-secret-9c1f7e2b".to_owned(),
        }
    }
}

impl Config {
    /// A Video SDK API JWT for this key pair, valid for `lifetime` from now, as a client mints
    /// it (HS256; `iss`, `iat`, `exp`, and a random `jti` so that no two are alike).
    pub fn mint_jwt(&self, lifetime: std::time::Duration) -> String {
        let now = auth::unix_now();
        let claims = serde_json::json!({
            "iss": self.api_key,
            "iat": now,
            "exp": now + lifetime.as_secs(),
            "jti": format!("{:032x}", rand::random::<u128>()),
        });
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(self.api_secret.as_bytes()),
        )
        .expect("HS256 signing cannot fail")
    }
}
