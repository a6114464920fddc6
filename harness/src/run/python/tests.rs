use std::sync::{Mutex, MutexGuard};

use super::*;

/// Held by each test while it writes and starts its programs: a program written while another
/// thread forks can be briefly busy to exec (ETXTBSY), and these tests write and start many.
static WRITING_PROGRAMS: Mutex<()> = Mutex::new(());

/// A folder with a stand-in pyenv shim on `bin/` (it counts its runs in `runs` and names
/// `versions/V/python`, V from the project's `.python-version`, else `global`), the project
/// folder adapters start in, and the interpreters the shim may name.
struct Machine {
    dir: tempfile::TempDir,
    _alone: MutexGuard<'static, ()>,
}

impl Machine {
    fn new() -> Machine {
        let machine = Machine {
            dir: tempfile::tempdir().expect("temporary directory"),
            _alone: WRITING_PROGRAMS
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        };
        let root = machine.dir.path();
        for folder in ["bin", "project", "home"] {
            std::fs::create_dir(root.join(folder)).unwrap();
        }
        let shim = format!(
            "#!/bin/sh\n# stands in for a pyenv shim: only shell built-ins, PATH holds nothing else\n\
             echo run >> '{root}/runs'\n\
             if [ -f .python-version ]; then read v < .python-version; else v=global; fi\n\
             printf '%s' '{root}/versions/'\"$v\"'/python'\n",
            root = root.display()
        );
        machine.program("bin/python3", &shim);
        for version in ["global", "3.10", "3.12"] {
            machine.program(&format!("versions/{version}/python"), "#!/bin/sh\n");
        }
        machine
    }

    fn program(&self, name: &str, text: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn lookup(&self) -> PythonLookup {
        let root = self.dir.path();
        PythonLookup {
            path: Some(root.join("bin").into_os_string()),
            cwd: root.join("project"),
            pyenv_vars: Vec::new(),
            home: Some(root.join("home")),
            cache: root.join("state/python3"),
        }
    }

    fn version(&self, name: &str) -> String {
        self.dir
            .path()
            .join("versions")
            .join(name)
            .join("python")
            .display()
            .to_string()
    }

    fn shim_runs(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("runs"))
            .map(|text| text.lines().count())
            .unwrap_or(0)
    }
}

#[test]
fn a_pyenv_shim_is_asked_once_and_its_answer_kept_for_the_next_runs() {
    let machine = Machine::new();
    assert_eq!(python_command(&machine.lookup()), machine.version("global"));
    assert_eq!(python_command(&machine.lookup()), machine.version("global"));
    assert_eq!(python_command(&machine.lookup()), machine.version("global"));
    assert_eq!(machine.shim_runs(), 1);
}

#[test]
fn a_new_local_version_is_asked_for_again() {
    let machine = Machine::new();
    assert_eq!(python_command(&machine.lookup()), machine.version("global"));
    let local = machine.dir.path().join("project/.python-version");
    std::fs::write(&local, "3.10\n").unwrap();
    assert_eq!(python_command(&machine.lookup()), machine.version("3.10"));
    std::fs::write(&local, "3.12\n").unwrap();
    assert_eq!(python_command(&machine.lookup()), machine.version("3.12"));
    assert_eq!(python_command(&machine.lookup()), machine.version("3.12"));
    assert_eq!(machine.shim_runs(), 3);
}

#[test]
fn a_changed_path_global_version_or_pyenv_variable_asks_again() {
    let machine = Machine::new();
    let mut lookup = machine.lookup();
    python_command(&lookup);
    lookup.path = Some(
        std::env::join_paths([
            machine.dir.path().join("bin"),
            machine.dir.path().join("home"),
        ])
        .unwrap(),
    );
    python_command(&lookup);
    std::fs::create_dir_all(machine.dir.path().join("home/.pyenv")).unwrap();
    std::fs::write(machine.dir.path().join("home/.pyenv/version"), "3.12\n").unwrap();
    python_command(&lookup);
    lookup.pyenv_vars = vec![("PYENV_VERSION".into(), "3.10".into())];
    python_command(&lookup);
    assert_eq!(machine.shim_runs(), 4);
}

#[test]
fn a_kept_interpreter_that_no_longer_exists_is_asked_for_again() {
    let machine = Machine::new();
    python_command(&machine.lookup());
    std::fs::remove_file(machine.version("global")).unwrap();
    // The shim now names a missing interpreter: python3 is started as it is.
    assert_eq!(python_command(&machine.lookup()), "python3");
    assert_eq!(machine.shim_runs(), 2);
}

#[test]
fn a_real_interpreter_or_none_on_path_is_left_as_python3() {
    let machine = Machine::new();
    machine.program("bin/python3", "\u{7f}ELF not a script");
    assert_eq!(python_command(&machine.lookup()), "python3");
    assert!(!machine.lookup().cache.exists(), "nothing kept");
    let mut lookup = machine.lookup();
    lookup.path = Some(machine.dir.path().join("home").into_os_string());
    assert_eq!(python_command(&lookup), "python3");
    lookup.path = None;
    assert_eq!(python_command(&lookup), "python3");
}

#[test]
fn a_shim_that_fails_leaves_python3() {
    let machine = Machine::new();
    machine.program(
        "bin/python3",
        "#!/bin/sh\n# pyenv: version `9.9' is not installed\nexit 1\n",
    );
    assert_eq!(python_command(&machine.lookup()), "python3");
    assert!(!machine.lookup().cache.exists(), "nothing kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapters_started_in_one_process_share_one_answer_per_path_and_folder() {
    let machine = Machine::new();
    let starts: Vec<_> = (0..4)
        .map(|_| tokio::spawn(python_command_once(machine.lookup())))
        .collect();
    for start in starts {
        assert_eq!(start.await.unwrap(), machine.version("global"));
    }
    // Not read from the kept file either: a later start in this process asks nothing.
    std::fs::remove_file(machine.lookup().cache).unwrap();
    assert_eq!(
        python_command_once(machine.lookup()).await,
        machine.version("global")
    );
    assert_eq!(machine.shim_runs(), 1);

    let elsewhere = machine.dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join(".python-version"), "3.12\n").unwrap();
    let mut lookup = machine.lookup();
    lookup.cwd = elsewhere;
    assert_eq!(python_command_once(lookup).await, machine.version("3.12"));
    assert_eq!(machine.shim_runs(), 2);
}
