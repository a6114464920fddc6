//! Where the files a run needs besides the binary come from — the adapters, their bindings,
//! the samples, `impls.toml`, the lockfiles and the golden vectors: a checkout of this
//! repository, or the copy embedded in the binary when it was built (`build.rs`), unpacked on
//! first use into a folder of the user's cache named by the harness version and the content's
//! hash. What the harness installs for the adapters (the managed venv, `node_modules`, setup
//! stamps) lives inside that data folder, so each build gets its own and never mixes them.
//!
//! Which folder a command uses is decided where settings are resolved (`--root`, a checkout
//! above the current directory, else the embedded copy); a binary never falls back to the
//! tree it was built in.

use std::path::{Path, PathBuf};

use crate::errors::Error;
use crate::fsio::write_atomically;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// Where a data folder came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A checkout named by `--root`.
    RootFlag,
    /// The nearest checkout above the current directory.
    CheckoutAbove,
    /// The copy embedded in the binary, unpacked into the cache.
    Embedded,
}

/// The folder holding `adapters/` and `vectors/`, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    pub root: PathBuf,
    pub origin: Origin,
}

impl DataDir {
    /// A checkout's own files.
    pub fn checkout(root: PathBuf, origin: Origin) -> DataDir {
        DataDir { root, origin }
    }

    /// The embedded copy's folder under `cache` (unpacked by [`DataDir::ready`]).
    pub fn embedded(cache: &Path) -> DataDir {
        DataDir {
            root: cache.join(format!(
                "{}-{}",
                env!("CARGO_PKG_VERSION"),
                embedded::CONTENT_HASH
            )),
            origin: Origin::Embedded,
        }
    }

    /// Makes sure the files are in place: a checkout's are; the embedded copy writes every
    /// file that is missing or differs (a first use, an interrupted unpacking, an edited
    /// file), so the adapters that run are always the ones this binary was built with.
    /// Returns how many files it wrote.
    pub fn ready(&self) -> Result<usize, Error> {
        if self.origin != Origin::Embedded {
            return Ok(0);
        }
        let failed = |path: &Path, e: &dyn std::fmt::Display| Error::Infrastructure {
            message: format!(
                "cannot unpack the harness's data into {}: {e}",
                path.display()
            ),
            hint: Some("point HARNESS_CACHE_DIR (or --cache-dir) at a writable folder".into()),
        };
        let mut written = 0;
        for (relative, bytes) in embedded::FILES {
            let path = self.root.join(relative);
            if std::fs::read(&path).is_ok_and(|on_disk| on_disk == *bytes) {
                continue;
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| failed(parent, &e))?;
            }
            write_atomically(&path, bytes).map_err(|e| failed(&path, &e))?;
            written += 1;
        }
        Ok(written)
    }

    /// How this folder is described to people.
    pub fn describe(&self) -> &'static str {
        match self.origin {
            Origin::RootFlag => "the checkout named by --root",
            Origin::CheckoutAbove => "the checkout around the current directory",
            Origin::Embedded => "the copy embedded in this binary, unpacked in the cache",
        }
    }
}

/// Whether `dir` is a checkout of this repository: its data and the harness's own sources
/// (so a user's folder that happens to have an `adapters/` is never taken for one).
pub fn is_checkout(dir: &Path) -> bool {
    dir.join("adapters/impls.toml").is_file() && dir.join("harness/Cargo.toml").is_file()
}

/// How many files the binary carries.
pub fn embedded_files() -> usize {
    embedded::FILES.len()
}

/// The other builds' data folders in `cache` (left by earlier versions).
pub fn other_versions(data: &DataDir) -> Vec<PathBuf> {
    let Some(cache) = data.root.parent() else {
        return Vec::new();
    };
    std::fs::read_dir(cache)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir() && *p != data.root)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_copy_unpacks_once_and_repairs_what_changed() {
        let cache = tempfile::tempdir().unwrap();
        let data = DataDir::embedded(cache.path());
        assert_eq!(data.ready().unwrap(), embedded_files());
        assert!(data.root.join("adapters/impls.toml").is_file());
        assert!(data.root.join("adapters/ts/package-lock.json").is_file());
        assert!(data.root.join("vectors/budget.json").is_file());
        assert!(!data.root.join("adapters/ts/node_modules").exists());
        assert_eq!(data.ready().unwrap(), 0, "nothing to do the second time");
        std::fs::write(data.root.join("adapters/py/adapter.py"), "edited").unwrap();
        std::fs::remove_file(data.root.join("vectors/budget.json")).unwrap();
        assert_eq!(data.ready().unwrap(), 2);
        assert!(!is_checkout(&data.root), "the cache is not a checkout");
    }
}
