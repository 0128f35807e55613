//! `cargo run --release --example webhook_load -- ADDR [--path P] [--count N] [--rate R]`:
//! delivers N distinct Zoom-shaped `session.recording_completed` events, signed with the secret
//! in `VSREC_WEBHOOK_SECRET` (never argv), at R a second on an open schedule (each on time,
//! however slow earlier answers are), to a `vsrec serve` at ADDR. Prints one JSON line: how
//! many were answered 200, the other answers, and latency percentiles in milliseconds. Used by
//! scripts/bench-serve.sh.

use std::process::ExitCode;
use std::time::Duration;

use fakezoom::webhook::{self, Sender};
use serde_json::{Value, json};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook_load: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let addr = args
        .next()
        .ok_or("usage: webhook_load ADDR [--path P] [--count N] [--rate R]")?;
    let addr = addr
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("{addr}: {e}"))?;
    let (mut path, mut count, mut rate) = ("/".to_owned(), 200usize, 50.0f64);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--path" => path = value,
            "--count" => count = value.parse().map_err(|e| format!("--count: {e}"))?,
            "--rate" => rate = value.parse().map_err(|e| format!("--rate: {e}"))?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let secret =
        std::env::var("VSREC_WEBHOOK_SECRET").map_err(|_| "VSREC_WEBHOOK_SECRET is not set")?;
    let sender = Sender::new(addr, &path, &secret);
    let bodies = (0..count).map(body).collect();
    let deliveries = webhook::deliver_at_rate(&sender, bodies, rate);

    let mut latencies: Vec<Duration> = deliveries.iter().map(|d| d.latency).collect();
    latencies.sort_unstable();
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    let percentile = |p: f64| {
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        ms(latencies[rank.clamp(1, latencies.len()) - 1])
    };
    let ok = deliveries.iter().filter(|d| d.result == Ok(200)).count();
    let others: Vec<String> = deliveries
        .iter()
        .filter(|d| d.result != Ok(200))
        .map(|d| match &d.result {
            Ok(status) => status.to_string(),
            Err(e) => e.clone(),
        })
        .collect();
    let summary = json!({
        "deliveries": count,
        "rate_per_s": rate,
        "ok_200": ok,
        "other_answers": others,
        "p50_ms": percentile(50.0),
        "p90_ms": percentile(90.0),
        "p99_ms": percentile(99.0),
        "max_ms": ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    });
    println!("{summary}");
    Ok(())
}

/// A realistic recording event (Zoom's published example, with a session of its own and files
/// of their own), so that every delivery is a new event.
fn body(i: usize) -> Vec<u8> {
    let example = webhook::published_example("session.recording_completed").expect("example");
    let example: Value = serde_json::from_str(example).expect("JSON");
    let mut object = example["payload"]["object"].clone();
    object["session_id"] = json!(format!("load{i:06}AAAAAAAAAAAAA=="));
    for list in [
        "recording_files",
        "participant_audio_files",
        "participant_video_files",
    ] {
        if let Some(files) = object[list].as_array_mut() {
            for (n, file) in files.iter_mut().enumerate() {
                file["id"] = json!(format!("load-{i}-{list}-{n}"));
            }
        }
    }
    webhook::event_body(
        "session.recording_completed",
        object,
        Some("load-test-download-token"),
    )
}
