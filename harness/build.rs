//! Embeds the files a run needs besides the binary — `adapters/` (the adapter programs, their
//! bindings, the samples, `impls.toml`, `requirements.txt`, `package.json` and its lockfile)
//! and `vectors/` — so that an installed harness works outside this repository
//! (`src/data.rs` unpacks them into a cache folder on first use).
//!
//! Writes `$OUT_DIR/embedded.rs`: `FILES`, a table of (path relative to the repository root,
//! bytes), and `CONTENT_HASH`, a hash of every path and byte, which names the cache folder so
//! two builds with different data never share one.
//!
//! Also sets `HARNESS_COMMIT` for `--version`: the commit the sources were built from
//! (`git rev-parse --short HEAD`, ", modified" when tracked files differ from it), or
//! "unknown" outside a git checkout or without git.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// The folders, relative to the repository root, whose files are embedded.
const EMBEDDED: [&str; 2] = ["adapters", "vectors"];

/// What installing and running create inside those folders, never embedded: the Node
/// adapter's dependencies (installed from the lockfile) and Python's bytecode caches.
const SKIPPED_DIRS: [&str; 3] = ["node_modules", "__pycache__", ".venv"];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest
        .parent()
        .expect("harness/ sits in the repository")
        .to_owned();
    let mut files = Vec::new();
    for folder in EMBEDDED {
        let dir = root.join(folder);
        assert!(
            dir.is_dir(),
            "{} is missing: the harness embeds it, so it builds only inside a checkout of its repository",
            dir.display()
        );
        walk(&dir, &mut files);
    }
    files.sort();

    let mut hasher = Sha256::new();
    let mut table = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for path in &files {
        let relative = path
            .strip_prefix(&root)
            .expect("walked under the root")
            .to_str()
            .unwrap_or_else(|| panic!("{} is not UTF-8: rename it", path.display()))
            .replace(std::path::MAIN_SEPARATOR, "/");
        let absolute = path
            .to_str()
            .unwrap_or_else(|| panic!("{} is not UTF-8: move the checkout", path.display()));
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        // Lengths first, so no two different tables hash alike.
        hasher.update((relative.len() as u64).to_le_bytes());
        hasher.update(relative.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
        let _ = writeln!(table, "    ({relative:?}, include_bytes!({absolute:?})),");
        // One line per file, not per folder: a folder is scanned whole, node_modules and
        // __pycache__ included, which running the adapters changes, and every change would
        // rebuild the crate. A new file is picked up once it is staged (`embed_commit` watches
        // the git index); before that, `touch harness/build.rs`.
        println!("cargo:rerun-if-changed={absolute}");
    }
    table.push_str("];\n");
    let hash = format!("{:x}", hasher.finalize());
    let _ = writeln!(table, "pub const CONTENT_HASH: &str = {:?};", &hash[..16]);
    println!("cargo:rerun-if-changed=build.rs");
    embed_commit(&root);

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out.join("embedded.rs"), table).expect("OUT_DIR is writable");
}

/// Every file under `dir` that is embedded, depth first.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry
            .file_type()
            .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
        if kind.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(&path, files);
            }
        } else if kind.is_file() && !name.ends_with(".pyc") && !name.starts_with(".") {
            files.push(path);
        }
    }
}

/// Sets `HARNESS_COMMIT`, and reruns this script when it may change: HEAD moves (a checkout,
/// a commit), the index changes (staging, committing), or the binary's sources change (the
/// modified flag).
fn embed_commit(root: &Path) {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        output.status.success().then(|| text.trim().to_owned())
    };
    let commit = match git(&["rev-parse", "--short", "HEAD"]) {
        Some(hash) if !hash.is_empty() => {
            let changes = git(&["status", "--porcelain", "--untracked-files=no"]);
            match changes {
                Some(changes) if changes.is_empty() => hash,
                _ => format!("{hash}, modified"),
            }
        }
        _ => "unknown".to_owned(),
    };
    println!("cargo:rustc-env=HARNESS_COMMIT={commit}");

    // A path that does not exist would rerun this script on every build: only existing ones.
    let mut watched: Vec<PathBuf> = ["harness/src", "reference/src", "Cargo.toml"]
        .iter()
        .map(|p| root.join(p))
        .collect();
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let git_dir = PathBuf::from(git_dir);
        watched.extend([git_dir.join("HEAD"), git_dir.join("index")]);
        // Branch refs live in the common folder, which a worktree shares with its main one.
        let common = git(&["rev-parse", "--git-common-dir"])
            .map(|dir| root.join(dir))
            .unwrap_or(git_dir);
        watched.push(common.join("packed-refs"));
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watched.push(common.join(branch));
        }
    }
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
