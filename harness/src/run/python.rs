//! The program an adapter whose argv starts with `python3` is started with: `python3` as PATH
//! finds it, except when that is a pyenv shim. A shim is a bash script that works out the
//! version on every start (50–100 ms per adapter process); the interpreter it would run is
//! asked for once and kept in the data folder's state (`.harness/python3`), with everything the shim's choice depends on (PATH,
//! the folder adapters start in, the `PYENV*` variables, the `.python-version` files and
//! pyenv's global version file, the shim itself). A cached interpreter is used only while all
//! of that is unchanged and it still exists; anything unexpected leaves `python3` as it is.
//! Only the process started changes: argv, reports and bug programs still say `python3`.
//! Within one harness process the answer is worked out once per (PATH, folder) and shared by
//! every adapter started there (a run starts one per implementation, job and restart), off the
//! runtime's worker threads: it reads files and may run the shim.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::AdapterCommand;

/// What deciding the interpreter looks at: the environment's parts, passed in so tests build
/// their own.
pub struct PythonLookup {
    /// The PATH adapters are started with.
    pub path: Option<OsString>,
    /// The folder adapters start in (pyenv reads `.python-version` from it and its parents).
    pub cwd: PathBuf,
    /// The environment variables whose name starts with `PYENV`, sorted.
    pub pyenv_vars: Vec<(OsString, OsString)>,
    pub home: Option<PathBuf>,
    /// Where the resolved interpreter is kept between runs.
    pub cache: PathBuf,
}

impl PythonLookup {
    /// The harness's own environment, with `command`'s PATH when it sets one, for adapters
    /// started as `command` is (in its folder, the data folder).
    pub fn for_command(command: &AdapterCommand) -> PythonLookup {
        let root = &command.cwd;
        let path = command
            .env
            .iter()
            .find(|(name, _)| name == "PATH")
            .map(|(_, value)| OsString::from(value))
            .or_else(|| std::env::var_os("PATH"));
        let mut pyenv_vars: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(name, _)| name.to_string_lossy().starts_with("PYENV"))
            .collect();
        pyenv_vars.sort();
        PythonLookup {
            path,
            cwd: root.to_owned(),
            pyenv_vars,
            home: std::env::var_os("HOME").map(PathBuf::from),
            cache: root.join(".harness").join("python3"),
        }
    }
}

const PROGRAM: &str = "python3";

/// The interpreters worked out in this process, by (PATH, folder adapters start in): what
/// else the answer depends on (`PYENV*`, HOME) is the harness's own environment, fixed for its
/// life. A cell per key, so adapters starting at once wait for one answer, not one each.
type Resolved = Mutex<BTreeMap<(Option<OsString>, PathBuf), Arc<OnceCell<String>>>>;
static RESOLVED: Resolved = Mutex::new(BTreeMap::new());

/// The program to start for an argv beginning with `program`: the real interpreter behind a
/// pyenv shim for `python3`, else `program` itself.
pub async fn program_to_start(program: &str, command: &AdapterCommand) -> String {
    if program != PROGRAM {
        return program.to_owned();
    }
    python_command_once(PythonLookup::for_command(command)).await
}

/// [`python_command`], worked out once per (PATH, folder) in this process.
async fn python_command_once(lookup: PythonLookup) -> String {
    let cell = {
        let mut resolved = RESOLVED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        resolved
            .entry((lookup.path.clone(), lookup.cwd.clone()))
            .or_default()
            .clone()
    };
    cell.get_or_init(|| async move {
        tokio::task::spawn_blocking(move || python_command(&lookup))
            .await
            .unwrap_or_else(|_| PROGRAM.to_owned()) // the lookup panicked: start python3 as it is
    })
    .await
    .clone()
}

/// The command that starts Python: the real interpreter behind a pyenv shim, else `python3`.
fn python_command(lookup: &PythonLookup) -> String {
    resolve(lookup).unwrap_or_else(|| PROGRAM.to_owned())
}

fn resolve(lookup: &PythonLookup) -> Option<String> {
    let found = std::env::split_paths(lookup.path.as_ref()?)
        .map(|dir| dir.join(PROGRAM))
        .find(|candidate| candidate.is_file())?;
    let script = std::fs::read(&found).ok()?;
    if !(script.starts_with(b"#!") && script.windows(5).any(|w| w == b"pyenv")) {
        return None; // a real interpreter (or a wrapper we do not know): started as it is
    }
    let key = state_key(lookup, &found);
    if let Some(cached) = cached(&lookup.cache, &key) {
        return Some(cached);
    }
    let interpreter = ask(lookup, &found)?;
    // Best effort: a cache that cannot be written costs the next run the shim again.
    if let Some(parent) = lookup.cache.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(&lookup.cache, format!("{key}{interpreter}"));
    Some(interpreter)
}

/// Everything the shim's choice of interpreter depends on, as text ending in a newline.
fn state_key(lookup: &PythonLookup, shim: &Path) -> String {
    let mut key = format!("shim {}\n", shim.display());
    if let Ok(modified) = std::fs::metadata(shim).and_then(|m| m.modified()) {
        key += &format!("shim modified {modified:?}\n");
    }
    key += &format!(
        "PATH {}\n",
        lookup.path.as_deref().unwrap_or_default().to_string_lossy()
    );
    key += &format!("cwd {}\n", lookup.cwd.display());
    for (name, value) in &lookup.pyenv_vars {
        key += &format!("{}={}\n", name.to_string_lossy(), value.to_string_lossy());
    }
    let pyenv_root = lookup
        .pyenv_vars
        .iter()
        .find(|(name, _)| name == "PYENV_ROOT")
        .map(|(_, value)| PathBuf::from(value))
        .or_else(|| lookup.home.as_ref().map(|home| home.join(".pyenv")));
    let version_files = lookup
        .cwd
        .ancestors()
        .map(|dir| dir.join(".python-version"))
        .chain(pyenv_root.map(|root| root.join("version")));
    for file in version_files {
        if let Ok(text) = std::fs::read_to_string(&file) {
            key += &format!("{} {:?}\n", file.display(), text);
        }
    }
    key
}

/// The interpreter kept under `key`, when the key is the same and it still exists.
fn cached(cache: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(cache).ok()?;
    let interpreter = text.strip_prefix(key)?;
    (!interpreter.contains('\n') && Path::new(interpreter).is_file())
        .then(|| interpreter.to_owned())
}

/// The interpreter the shim runs, as Python itself names it.
fn ask(lookup: &PythonLookup, shim: &Path) -> Option<String> {
    let mut command = Command::new(shim);
    command
        .args(["-c", "import sys; sys.stdout.write(sys.executable)"])
        .current_dir(&lookup.cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    if let Some(path) = &lookup.path {
        command.env("PATH", path);
    }
    let output = command.output().ok()?;
    let interpreter = String::from_utf8(output.stdout).ok()?;
    let usable = output.status.success()
        && !interpreter.contains('\n')
        && Path::new(&interpreter).is_absolute()
        && Path::new(&interpreter).is_file();
    usable.then_some(interpreter)
}

#[cfg(test)]
mod tests;
