//! Integration tests: the real `vsrec` binary against the project's fake Zoom server. Every run
//! goes through `support::Harness::run`, which also checks that no secret reached the output.

mod completions;
mod config;
mod delete;
mod delete_bucket;
mod discovery;
mod download;
mod download_event;
mod hardening;
mod help;
mod http;
mod integrity;
mod list;
mod objstore;
mod output;
mod pipeline;
mod pty;
mod serve;
mod serve_archive;
mod serve_bucket;
mod soak;
mod support;
mod verify;
