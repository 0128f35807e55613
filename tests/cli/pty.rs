//! The progress bars as an operator sees them: the real `vsrec download` on a pseudo-terminal
//! of a given size, its output rendered by a terminal emulator (`vt100`), while the fake holds
//! every transfer mid-way so that the bars stay on screen for as long as the test looks.

use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use fakezoom::{FileFault, Listener};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{Winsize, tcsetwinsize};

use crate::support::{Harness, Run, SAMPLE, wait_until};

/// What the emulator has rendered so far, and every moment a line did not fit.
#[derive(Default)]
struct Seen {
    parser: Option<vt100::Parser>,
    /// Chunks of output processed.
    chunks: u64,
    /// Screens on which a row's text reached the last column.
    overflows: Vec<String>,
    raw: Vec<u8>,
}

struct Terminal {
    master: OwnedFd,
    child: Child,
    seen: Arc<Mutex<Seen>>,
    reader: std::thread::JoinHandle<()>,
}

fn parser(rows: u16, cols: u16) -> vt100::Parser {
    let n = |v: u16| std::num::NonZeroU16::new(v).expect("a real size");
    vt100::Parser::new(n(rows), n(cols), 0)
}

fn size(rows: u16, cols: u16) -> Winsize {
    Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

fn rows_of(screen: &vt100::Screen) -> Vec<String> {
    let (_, cols) = screen.size();
    screen.rows(0, cols.get()).collect()
}

impl Terminal {
    /// `vsrec args` with stdout and stderr on a `rows`×`cols` pseudo-terminal.
    fn spawn(h: &Harness, args: &[&str], rows: u16, cols: u16) -> Self {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let name = ptsname(&master, Vec::new()).expect("ptsname");
        tcsetwinsize(&master, size(rows, cols)).expect("set the size");
        let slave = File::options()
            .read(true)
            .write(true)
            .open(name.to_str().unwrap())
            .expect("open the pty");
        let mut cmd = h.command(args);
        cmd.env("TERM", "xterm-256color")
            .stdin(Stdio::null())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave);
        let child = cmd.spawn().expect("spawn vsrec");
        // The child holds the only copies of the terminal side now: reading the master ends
        // (EIO) once it exits.
        drop(cmd);
        let seen = Arc::new(Mutex::new(Seen {
            parser: Some(parser(rows, cols)),
            ..Seen::default()
        }));
        let mut reading = File::from(master.try_clone().unwrap());
        let shared = seen.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = reading.read(&mut buf) {
                let mut seen = shared.lock().unwrap();
                seen.raw.extend_from_slice(&buf[..n]);
                seen.chunks += 1;
                let parser = seen.parser.as_mut().unwrap();
                parser.process(&buf[..n]);
                let screen = parser.screen();
                // indicatif pads every line with spaces to the terminal's width (and relies on
                // the wrap to reach the next line): what counts is the text, which must leave
                // the last column free. The bars are drawn from the total's line down; log lines
                // (`downloaded …`) printed above them wrap as any long line does.
                let cols = usize::from(screen.size().1.get());
                let lines = rows_of(screen);
                let bars = lines.iter().skip_while(|l| !l.starts_with("total "));
                // A line that wrapped where it had spaces leaves a row that does not start as
                // a bar's line does: `total`, or an 8-character file ID and a space.
                let continued = |l: &str| {
                    let file_line =
                        l.chars().take(8).all(|c| c != ' ') && l.chars().nth(8) == Some(' ');
                    !l.trim_end().is_empty() && !l.starts_with("total ") && !file_line
                };
                let overflow = bars
                    .clone()
                    .any(|l| l.trim_end().chars().count() >= cols || continued(l));
                if overflow {
                    let dump = lines.join("\n");
                    seen.overflows.push(dump);
                }
            }
        });
        Self {
            master,
            child,
            seen,
            reader,
        }
    }

    fn screen(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        rows_of(seen.parser.as_ref().unwrap().screen())
    }

    /// Wait until the rendered screen satisfies `done` (the deadline only turns a hang into a
    /// failure that shows the screen).
    #[track_caller]
    fn wait_for(&self, what: &str, mut done: impl FnMut(&[String]) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "gave up waiting for {what}; the screen:\n{}",
                screen.join("\n")
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    fn chunks(&self) -> u64 {
        self.seen.lock().unwrap().chunks
    }

    /// The terminal is resized, as a window is: vsrec is told by the kernel (SIGWINCH).
    fn resize(&self, rows: u16, cols: u16) {
        let mut seen = self.seen.lock().unwrap();
        tcsetwinsize(&self.master, size(rows, cols)).expect("resize");
        // What was drawn for the old size is gone from a real window's point of view too.
        seen.parser = Some(parser(rows, cols));
    }

    fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn forget_overflows(&self) {
        self.seen.lock().unwrap().overflows.clear();
    }

    fn overflows(&self) -> Vec<String> {
        self.seen.lock().unwrap().overflows.clone()
    }

    /// Wait for vsrec to exit; its output, as the pty carried it, through the secret checks.
    fn finish(mut self, h: &Harness) -> Run {
        let status = self.child.wait().expect("wait for vsrec");
        drop(self.master);
        self.reader.join().unwrap();
        let seen = self.seen.lock().unwrap();
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&seen.raw).into_owned(),
        };
        h.assert_no_secrets(&run);
        run
    }
}

/// The file lines on screen (while every transfer is held, nothing else is), and the total's
/// row.
fn bar_rows(screen: &[String]) -> (Vec<String>, Option<String>) {
    let mut files = Vec::new();
    let mut total = None;
    for row in screen
        .iter()
        .map(|r| r.trim_end())
        .filter(|r| !r.is_empty())
    {
        if row.starts_with("total ") {
            total = Some(row.to_owned());
        } else {
            files.push(row.to_owned());
        }
    }
    (files, total)
}

/// A file line's label: everything before its bar, or (when the line has no room for one)
/// before its byte count, the first number after the 8-character ID.
fn label(row: &str) -> &str {
    let end = row.find(" [").unwrap_or_else(|| {
        row.char_indices()
            .skip(9)
            .find(|&(i, c)| c == ' ' && row[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
            .map_or(row.len(), |(i, _)| i)
    });
    row[..end].trim_end()
}

/// Every file of the sample held by the fake half-way through its body.
fn hold_every_file(h: &Harness) -> Vec<String> {
    hold_files_but(h, &[])
}

/// Every file of the sample but `except` held by the fake half-way through its body.
fn hold_files_but(h: &Harness, except: &[&str]) -> Vec<String> {
    let keys = h.keys(SAMPLE);
    for key in keys.iter().filter(|k| !except.contains(&k.as_str())) {
        let after = h.server.file_content(key).len() as u64 / 2;
        h.server.push_file_faults(key, [FileFault::Hold { after }]);
    }
    keys
}

/// `download` on a `rows`×`cols` terminal with four transfers held on screen: wait until
/// `shown` file lines and the total are drawn, check them, and return the terminal.
fn bars_on_screen(h: &Harness, rows: u16, cols: u16, shown: usize) -> (Terminal, Vec<String>) {
    let out = h.out.to_str().unwrap().to_owned();
    let term = Terminal::spawn(
        h,
        &["download", "--jobs", "4", "--out", &out, SAMPLE],
        rows,
        cols,
    );
    // All four transfers are under way (and held) once the fake has seen four storage
    // requests; the bars follow at the next draw.
    wait_until("four transfers to start", || {
        h.requests(Listener::Storage).len() >= 4
    });
    let hidden = 4 - shown;
    term.wait_for("the bars to be drawn", |screen| {
        let (files, total) = bar_rows(screen);
        files.len() == shown
            && total.is_some_and(|t| hidden == 0 || t.ends_with(&format!("+{hidden} more")))
    });
    let screen = term.screen();
    let (files, total) = bar_rows(&screen);
    let total = total.unwrap();
    // The total comes first, above the files.
    let first = screen.iter().position(|r| r.starts_with("total ")).unwrap();
    assert!(
        screen
            .iter()
            .skip(first + 1)
            .any(|r| r.trim_end() == files[0]),
        "{screen:#?}"
    );
    assert!(total.contains("0/9 files"), "{total}");
    // Every label differs, and begins with a short file ID that differs.
    let mut labels: Vec<&str> = files.iter().map(|r| label(r)).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), shown, "{files:#?}");
    let mut ids: Vec<&str> = labels
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), shown, "{files:#?}");
    (term, files)
}

fn release_and_finish(h: &Harness, term: Terminal, keys: &[String]) -> Run {
    for key in keys {
        h.server.release(key);
    }
    let run = term.finish(h);
    run.expect(0);
    for key in keys {
        let path = h.planned_path(SAMPLE, key);
        assert_eq!(std::fs::read(&path).unwrap(), h.server.file_content(key));
    }
    run
}

#[test]
fn bars_fit_80_columns_then_50_after_a_resize() {
    let h = Harness::new();
    let keys = hold_every_file(&h);
    let (term, files) = bars_on_screen(&h, 24, 80, 4);
    // Every file line has its bar, and the bars line up.
    let column = |f: &String| f.find('[');
    assert!(column(&files[0]).is_some(), "{files:#?}");
    assert!(
        files.iter().all(|f| column(f) == column(&files[0])),
        "{files:#?}"
    );
    assert_eq!(term.overflows(), Vec::<String>::new());
    // Narrower: the next draws are laid out for 50 columns. A draw already on its way when the
    // size changes, and the lines of bars that have not ticked since (each ticks on its own),
    // are still 80 wide: once every line has been drawn anew, none is again.
    term.resize(24, 50);
    term.wait_for("every bar drawn anew at 50 columns", |screen| {
        let (files, total) = bar_rows(screen);
        files.len() == 4
            && total.is_some()
            && screen.iter().all(|r| r.trim_end().chars().count() < 50)
    });
    term.forget_overflows();
    let settled = term.chunks();
    term.wait_for("more draws at 50 columns", |_| term.chunks() > settled + 8);
    let (files, _) = bar_rows(&term.screen());
    assert_eq!(files.len(), 4, "{files:#?}");
    assert_eq!(term.overflows(), Vec::<String>::new());
    let run = release_and_finish(&h, term, &keys);
    assert!(run.stderr.contains("9 downloaded"), "{}", run.stderr);
}

#[test]
fn in_a_short_50_column_terminal_the_total_stays_and_the_rest_is_counted() {
    let h = Harness::new();
    let keys = hold_every_file(&h);
    // Six rows: the total and two file lines; the other two transfers are "+2 more".
    let (term, _) = bars_on_screen(&h, 6, 50, 2);
    let (_, total) = bar_rows(&term.screen());
    let total = total.unwrap();
    assert!(total.ends_with("0/9 files +2 more"), "{total}");
    // A held transfer does not look like a frozen one: its line ticks on and says so.
    term.wait_for("a held transfer's line to say it gets no data", |screen| {
        let (files, _) = bar_rows(screen);
        files.len() == 2 && files.iter().all(|f| f.contains(" no data for"))
    });
    assert_eq!(term.overflows(), Vec::<String>::new());
    release_and_finish(&h, term, &keys);
}

/// The short ID a file's line starts with.
fn short(key: &str) -> &str {
    &key[key.len() - 8..]
}

#[test]
fn a_retry_shows_in_its_line_until_bytes_flow_again() {
    let h = Harness::new();
    let screen = h.key(SAMPLE, "screen");
    let mut keys = hold_files_but(&h, &[&screen]);
    // Cut early; the next attempt is held before vsrec's first write.
    h.server.push_file_faults(
        &screen,
        [FileFault::Cut { at: 100 }, FileFault::Hold { after: 0 }],
    );
    keys.retain(|k| *k != screen);
    let out = h.out.to_str().unwrap().to_owned();
    let term = Terminal::spawn(
        &h,
        &["download", "--jobs", "4", "--out", &out, SAMPLE],
        24,
        80,
    );
    term.wait_for("the retry to be shown", |rows| {
        let (files, _) = bar_rows(rows);
        files
            .iter()
            .any(|f| f.starts_with(short(&screen)) && f.contains(" retry 1/5: "))
    });
    assert_eq!(term.overflows(), Vec::<String>::new());
    keys.push(screen);
    release_and_finish(&h, term, &keys);
}

#[test]
fn the_429_pause_shows_on_every_line_that_waits_for_it() {
    let h = Harness::new();
    let audio = h.key(SAMPLE, "audio");
    let keys = hold_files_but(&h, &[&audio]);
    // A 429 that asks every request of the run to wait 40 s; the test does not wait that long.
    h.server.push_file_faults(
        &audio,
        [FileFault::Status {
            code: 429,
            retry_after: Some("40".into()),
        }],
    );
    let out = h.out.to_str().unwrap().to_owned();
    let term = Terminal::spawn(
        &h,
        &["download", "--jobs", "4", "--out", &out, SAMPLE],
        24,
        80,
    );
    let waiting = |row: &String| {
        let note = row.rsplit(" waiting ").next().unwrap();
        row.contains(" waiting ") && note.ends_with(" s (429)")
    };
    term.wait_for("the pause to be shown", |rows| {
        let (files, total) = bar_rows(rows);
        files
            .iter()
            .any(|f| f.starts_with(short(&audio)) && waiting(f))
            && total.is_some_and(|t| t.contains(" waiting ") && t.ends_with(" s (429) 0/9 files"))
    });
    assert_eq!(term.overflows(), Vec::<String>::new());
    term.signal("-INT");
    for key in &keys {
        h.server.release(key);
    }
    term.finish(&h).expect(130);
}
