//! Sessions that describe real files on disk, for the benchmark: the fake lists them, and a real
//! web server (pointed at by [`Server::start_with_download_base`](crate::Server)) serves them.

use std::io;
use std::path::Path;

use crate::content::Content;
use crate::model::{File, Session};

const START: &str = "2026-11-20T09:00:00Z";
const END: &str = "2026-11-20T10:00:00Z";

/// One session per subdirectory of `dir` (its name is the session ID and name), with one
/// recording per regular file in it, both in name order. Names starting with `.` are ignored.
///
/// The file `dir/S/F` gets the key `S/F`, so its `download_url` is
/// `{download base}/rec/download/S%2FF`; a web server that answers that with a redirect to
/// `/files/S/F`, served from `dir`, behaves as Zoom's download host does. The listed
/// `file_size` is the file's length; the `id` is `S-STEM` (`STEM` being `F` without its
/// extension) and the file type follows the extension (`MP4` when there is none). The fake's own
/// storage host would serve pattern bytes of that length, not the file's bytes.
///
/// # Errors
///
/// When `dir` cannot be read, or a name in it is not UTF-8.
pub fn sessions_from_dir(dir: &Path) -> io::Result<Vec<Session>> {
    let mut sessions = Vec::new();
    for (name, path) in sorted_entries(dir)? {
        if !path.is_dir() {
            continue;
        }
        let mut session = Session::new(name.clone());
        session.session_name = Some(name.clone());
        session.start_time = Some(START.to_owned());
        for (n, (file_name, file_path)) in sorted_entries(&path)?.into_iter().enumerate() {
            let meta = std::fs::metadata(&file_path)?;
            if !meta.is_file() {
                continue;
            }
            let (stem, extension) = match file_name.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => {
                    (stem, ext.to_ascii_uppercase())
                }
                _ => (file_name.as_str(), "MP4".to_owned()),
            };
            let content = Content::Pattern {
                len: meta.len(),
                seed: n as u64,
            };
            let mut file = File::recording(
                format!("{name}/{file_name}"),
                extension.clone(),
                extension,
                "shared_screen_with_speaker_view",
                content,
            )
            .with_times(START, END);
            file.id = Some(format!("{name}-{stem}"));
            session.files.push(file);
        }
        sessions.push(session);
    }
    Ok(sessions)
}

/// The entries of `dir` not starting with `.`, by name.
fn sorted_entries(dir: &Path) -> io::Result<Vec<(String, std::path::PathBuf)>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().into_string().map_err(|raw| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{raw:?} in {} is not UTF-8", dir.display()),
            )
        })?;
        if !name.starts_with('.') {
            entries.push((name, entry.path()));
        }
    }
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing;

    #[test]
    fn one_session_per_directory_one_file_per_file() {
        let dir = std::env::temp_dir().join(format!("fakezoom-from-dir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("big")).unwrap();
        std::fs::create_dir_all(dir.join("small/nested")).unwrap();
        std::fs::create_dir_all(dir.join(".hidden")).unwrap();
        std::fs::write(dir.join("big/01.mp4"), vec![0; 1000]).unwrap();
        std::fs::write(dir.join("small/b.m4a"), b"abc").unwrap();
        std::fs::write(dir.join("small/a"), b"").unwrap();
        std::fs::write(dir.join("small/.skip.mp4"), b"x").unwrap();
        std::fs::write(dir.join("stray.mp4"), b"x").unwrap();

        let sessions = sessions_from_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        let ids: Vec<_> = sessions.iter().map(|s| s.session_id.as_str()).collect();
        assert_eq!(ids, ["big", "small"]);
        let big = &sessions[0];
        assert_eq!(big.files.len(), 1);
        assert_eq!(big.files[0].key, "big/01.mp4");
        assert_eq!(big.files[0].id.as_deref(), Some("big-01"));
        assert_eq!(big.files[0].content.len(), 1000);
        assert_eq!(big.files[0].file_type.as_deref(), Some("MP4"));

        let small = &sessions[1];
        let keys: Vec<_> = small.files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["small/a", "small/b.m4a"]);
        assert_eq!(small.files[1].file_type.as_deref(), Some("M4A"));
        assert_eq!(small.files[0].id.as_deref(), Some("small-a"));

        let answer = listing::render(big, "http://127.0.0.1:8080");
        let file = &answer["recording_files"][0];
        assert_eq!(file["file_size"], 1000);
        assert_eq!(
            file["download_url"],
            "http://127.0.0.1:8080/rec/download/big%2F01.mp4"
        );
    }
}
