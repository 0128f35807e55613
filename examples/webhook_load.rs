//! `cargo run --release --example webhook_load -- --vsrec BIN --work DIR [--count N] [--rate R]
//! [--sessions S] [--jobs J] [--storage-rate BYTES]`: the load check of `vsrec serve` while it
//! downloads. Starts the fake Zoom in this process with S sample sessions (9 files, about 500
//! KiB each) and its storage host capped at BYTES a second per body, so that downloads are in
//! flight throughout; starts `BIN serve --listen 127.0.0.1:0 --out DIR/out --jobs J` against it;
//! delivers N signed `session.recording_completed` events for those sessions (each a new body
//! with a download token of its own, so a session is announced N/S times) at R a second on an
//! open schedule (each on time, however slow earlier answers are); then waits until the spool is
//! empty, runs `BIN verify` on the archive, stops the server with SIGTERM, and prints one JSON
//! line: answers, latency percentiles in milliseconds, what the server logged, how often the
//! fake's storage host was asked for each file, and the exit codes. Used by
//! scripts/bench-serve.sh.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fakezoom::webhook::{self, Sender};
use fakezoom::{Config, Listener, Server, Session};
use serde_json::{Value, json};

const SECRET: &str = "bench-webhook-secret-0f4e2a";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook_load: {e}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    vsrec: PathBuf,
    work: PathBuf,
    count: usize,
    rate: f64,
    sessions: usize,
    jobs: u32,
    storage_rate: u64,
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        vsrec: PathBuf::new(),
        work: PathBuf::new(),
        count: 200,
        rate: 50.0,
        sessions: 40,
        jobs: 8,
        storage_rate: 256 * 1024,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = |what: &str| format!("{what}: {value:?} is not a number");
        match flag.as_str() {
            "--vsrec" => parsed.vsrec = value.into(),
            "--work" => parsed.work = value.into(),
            "--count" => parsed.count = value.parse().map_err(|_| number("--count"))?,
            "--rate" => parsed.rate = value.parse().map_err(|_| number("--rate"))?,
            "--sessions" => parsed.sessions = value.parse().map_err(|_| number("--sessions"))?,
            "--jobs" => parsed.jobs = value.parse().map_err(|_| number("--jobs"))?,
            "--storage-rate" => {
                parsed.storage_rate = value.parse().map_err(|_| number("--storage-rate"))?;
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if parsed.vsrec.as_os_str().is_empty() || parsed.work.as_os_str().is_empty() {
        return Err(
            "usage: webhook_load --vsrec BIN --work DIR [--count N] [--rate R] \
                    [--sessions S] [--jobs J] [--storage-rate BYTES]"
                .into(),
        );
    }
    if parsed.count == 0 || parsed.sessions == 0 || parsed.rate <= 0.0 {
        return Err("--count, --sessions and --rate must be positive".into());
    }
    Ok(parsed)
}

fn run() -> Result<(), String> {
    let args = parse()?;
    let server = Server::start(Config::default());
    let ids: Vec<String> = (0..args.sessions)
        .map(|i| format!("load{i:06}AAAAAAAAAAAAA=="))
        .collect();
    for id in &ids {
        server.add_session(Session::sample(id.as_str()));
    }
    server.set_storage_rate(Some(args.storage_rate));
    let out = args.work.join("out");

    let mut child = Command::new(&args.vsrec)
        .args(["serve", "--listen", "127.0.0.1:0", "--out"])
        .arg(&out)
        .args(["--jobs", &args.jobs.to_string()])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &args.work)
        .env("VSREC_API_BASE", server.api_base())
        .env("VSREC_API_KEY", &server.config().api_key)
        .env("VSREC_API_SECRET", &server.config().api_secret)
        .env("VSREC_WEBHOOK_SECRET", SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", args.vsrec.display()))?;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let reader = {
        let lines = lines.clone();
        let stderr = child.stderr.take().expect("piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        })
    };
    let count = |needle: &str| {
        let lines = lines.lock().unwrap();
        lines.iter().filter(|l| l.contains(needle)).count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = loop {
        let found = lines.lock().unwrap().iter().find_map(|l| {
            let at = l.find("listening on http://")? + "listening on http://".len();
            l[at..].split_whitespace().next().map(str::to_owned)
        });
        if let Some(addr) = found {
            break addr;
        }
        if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            return Err(format!(
                "vsrec serve did not start:\n{}",
                lines.lock().unwrap().join("\n")
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let addr = addr.parse().map_err(|e| format!("{addr}: {e}"))?;
    let sender = Sender::new(addr, "/", SECRET);

    let bodies: Vec<Vec<u8>> = (0..args.count)
        .map(|i| server.webhook_event("session.recording_completed", &ids[i % ids.len()]))
        .collect();
    let bytes_before = server.storage_body_bytes();
    let started = Instant::now();
    let deliveries = webhook::deliver_at_rate(&sender, bodies, args.rate);
    let delivery_secs = started.elapsed().as_secs_f64();
    let bytes_during = server.storage_body_bytes() - bytes_before;
    let archived_during = count("removed from the spool");

    // Drained: every event out of the spool and nothing queued or in progress.
    let health = || -> Result<Value, String> {
        let request = webhook::Request {
            method: "GET".into(),
            path: "/healthz".into(),
            headers: Vec::new(),
            body: Vec::new(),
            expect_continue: false,
        };
        let response = sender.send(&request).map_err(|e| e.to_string())?;
        Ok(response.json())
    };
    let deadline = Instant::now() + Duration::from_secs(1800);
    let final_health = loop {
        let h = health()?;
        if h["spooled"] == 0 && h["queue_depth"] == 0 {
            break h;
        }
        if Instant::now() > deadline {
            return Err(format!("the spool did not drain: {h}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let drained_secs = started.elapsed().as_secs_f64();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let serve_exit = child.wait().map_err(|e| e.to_string())?.code();
    reader.join().map_err(|_| "stderr reader panicked")?;
    let verify = Command::new(&args.vsrec)
        .args(["verify", "--out"])
        .arg(&out)
        .env_clear()
        .env("HOME", &args.work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?
        .code();

    let mut per_file: HashMap<String, usize> = HashMap::new();
    for record in server.log() {
        if record.listener == Listener::Storage
            && let Some(key) = record.file_key
        {
            *per_file.entry(key).or_default() += 1;
        }
    }
    let mut latencies: Vec<Duration> = deliveries.iter().map(|d| d.latency).collect();
    latencies.sort_unstable();
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    let percentile = |p: f64| {
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        ms(latencies[rank.clamp(1, latencies.len()) - 1])
    };
    let others: Vec<String> = deliveries
        .iter()
        .filter(|d| d.result != Ok(200))
        .map(|d| match &d.result {
            Ok(status) => status.to_string(),
            Err(e) => e.clone(),
        })
        .collect();
    let summary = json!({
        "deliveries": args.count,
        "rate_per_s": args.rate,
        "sessions": args.sessions,
        "jobs": args.jobs,
        "storage_rate": args.storage_rate,
        "ok_200": deliveries.iter().filter(|d| d.result == Ok(200)).count(),
        "other_answers": others,
        "p50_ms": percentile(50.0),
        "p90_ms": percentile(90.0),
        "p99_ms": percentile(99.0),
        "max_ms": ms(*latencies.last().unwrap_or(&Duration::ZERO)),
        "delivery_secs": (delivery_secs * 100.0).round() / 100.0,
        "storage_mib_during_deliveries": (bytes_during as f64 / 1048576.0 * 10.0).round() / 10.0,
        "archived_during_deliveries": archived_during,
        "received_lines": count("received session.recording_completed"),
        "archived_lines": count("removed from the spool"),
        "kept_lines": count("kept in the spool"),
        "files_fetched": per_file.len(),
        "files_fetched_more_than_once": per_file.values().filter(|n| **n > 1).count(),
        "drained_secs": (drained_secs * 100.0).round() / 100.0,
        "final_health": final_health,
        "serve_exit": serve_exit,
        "verify_exit": verify,
    });
    println!("{summary}");
    Ok(())
}
