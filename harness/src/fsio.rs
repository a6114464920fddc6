//! Files the harness writes: atomically (a temporary file beside the target, then a
//! rename), into run folders that are never reused, with `latest` pointing at the newest.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::errors::Error;

/// `value` as pretty JSON with a final newline, for a file at `path`.
pub fn pretty_json(value: &impl Serialize, path: &Path) -> Result<String, Error> {
    let mut json = serde_json::to_string_pretty(value).map_err(|e| Error::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })?;
    json.push('\n');
    Ok(json)
}

/// Writes `contents` to `path` atomically: a temporary file beside it, then a rename. A
/// write that fails part way (a full disk) removes its temporary file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let write_error = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    std::fs::write(&temp, contents)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            write_error(e)
        })
}

/// `text` as one file name that stays in its folder: every character but ASCII letters,
/// digits, `-`, `_` and `.` becomes `_`, and so does a leading `.` (no `..`, no hidden
/// file). Ids are checked where they are read; this holds whatever reaches a writer.
pub fn file_name_part(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
            _ => '_',
        })
        .collect();
    if name.is_empty() || name.starts_with('.') {
        name.insert(0, '_');
    }
    name
}

/// Creates a fresh directory for this run under `reports_dir`; never reuses one. Made when
/// the report is written, not when the run starts, so a run killed outright leaves none.
pub fn create_run_dir(reports_dir: &Path, run_id: &str) -> Result<(PathBuf, String), Error> {
    let run_id = file_name_part(run_id);
    std::fs::create_dir_all(reports_dir).map_err(|source| Error::Write {
        path: reports_dir.to_owned(),
        source,
    })?;
    for attempt in 1u32.. {
        let id = if attempt == 1 {
            run_id.to_owned()
        } else {
            format!("{run_id}-{attempt}")
        };
        let dir = reports_dir.join(&id);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((dir, id)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(Error::Write { path: dir, source }),
        }
    }
    unreachable!("the attempt counter is unbounded")
}

/// Points `reports_dir/latest` at the run folder `run_id` (a relative symbolic link,
/// replaced atomically). Where links cannot be made, `latest` is a file naming the run.
pub fn point_latest(reports_dir: &Path, run_id: &str) -> Result<(), Error> {
    let latest = reports_dir.join("latest");
    let write_error = |source| Error::Write {
        path: latest.clone(),
        source,
    };
    if latest.is_dir() && !latest.is_symlink() {
        // Someone's own folder named `latest`: never replaced.
        return Ok(());
    }
    #[cfg(unix)]
    {
        let temp = reports_dir.join(format!(".latest.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        std::os::unix::fs::symlink(run_id, &temp).map_err(write_error)?;
        std::fs::rename(&temp, &latest).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            write_error(e)
        })
    }
    #[cfg(not(unix))]
    {
        write_atomically(&latest, format!("{run_id}\n").as_bytes())
    }
}

/// The run folder `latest` points at, for commands that take a run.
pub fn resolve_latest(path: &Path) -> PathBuf {
    if path.is_file() && path.file_name().is_some_and(|n| n == "latest") {
        if let Ok(name) = std::fs::read_to_string(path) {
            return path.with_file_name(name.trim());
        }
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_points_at_the_newest_run_and_never_replaces_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        for run in ["a", "b"] {
            std::fs::create_dir(dir.path().join(run)).unwrap();
            point_latest(dir.path(), run).unwrap();
        }
        let latest = dir.path().join("latest");
        assert_eq!(std::fs::read_link(&latest).unwrap(), Path::new("b"));
        std::fs::remove_file(&latest).unwrap();
        std::fs::create_dir(&latest).unwrap();
        point_latest(dir.path(), "a").unwrap();
        assert!(
            latest.is_dir() && !latest.is_symlink(),
            "someone's own folder stays"
        );
    }

    #[test]
    fn names_made_from_outside_text_stay_in_their_folder() {
        for (text, name) in [
            ("py-sample_2.0", "py-sample_2.0"),
            ("../../x", "_.._.._x"),
            ("..", "_.."),
            (".hidden", "_.hidden"),
            ("a/b\\c d", "a_b_c_d"),
            ("", "_"),
        ] {
            assert_eq!(file_name_part(text), name, "{text:?}");
            let path = Path::new("/reports").join(file_name_part(text));
            assert_eq!(path.parent(), Some(Path::new("/reports")), "{text:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let (run, id) = create_run_dir(&dir.path().join("reports"), "../escaped").unwrap();
        assert_eq!(id, "_.._escaped");
        assert_eq!(run.parent(), Some(dir.path().join("reports").as_path()));
    }

    #[test]
    fn run_dirs_are_never_reused_and_writes_are_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let (first, id1) = create_run_dir(dir.path(), "run").unwrap();
        let (second, id2) = create_run_dir(dir.path(), "run").unwrap();
        assert_ne!(first, second);
        assert_eq!((id1.as_str(), id2.as_str()), ("run", "run-2"));
        write_atomically(&first.join("x.json"), b"1").unwrap();
        write_atomically(&first.join("x.json"), b"2").unwrap();
        assert_eq!(std::fs::read(first.join("x.json")).unwrap(), b"2");
        assert_eq!(
            std::fs::read_dir(&first).unwrap().count(),
            1,
            "no temporary file left behind"
        );
        std::fs::create_dir(first.join("taken")).unwrap();
        assert!(write_atomically(&first.join("taken"), b"3").is_err());
        assert_eq!(
            std::fs::read_dir(&first).unwrap().count(),
            2,
            "a failed write leaves no temporary file"
        );
    }
}
