//! Environments the adapters need, installed by the harness itself on first use (for
//! example `npm ci` for the Node adapter), from files committed in the repository.
//!
//! A setup is declared in `impls.toml` as `[setup.NAME]` with the folder it runs in, its
//! steps (argv lists), the input files it depends on and what it creates. It runs again
//! when those files change (their hash is kept in a stamp under `.harness/`) or when what it
//! creates is gone (a `node_modules` removed by hand or by `git clean`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::errors::Error;
use crate::fsio::write_atomically;
use crate::progress::Progress;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupSpec {
    pub name: String,
    pub dir: PathBuf,
    pub steps: Vec<Vec<String>>,
    pub inputs: Vec<PathBuf>,
    /// What the steps create: a setup whose stamp is current but misses one of these runs
    /// again.
    pub creates: Vec<PathBuf>,
    /// The stamp file recording the inputs' hash after a successful setup.
    pub stamp: PathBuf,
}

impl SetupSpec {
    fn fingerprint(&self) -> Result<String, Error> {
        let mut hasher = Sha256::new();
        for step in &self.steps {
            hasher.update(step.join("\u{0}").as_bytes());
            hasher.update([0xff]);
        }
        for input in &self.inputs {
            let bytes = std::fs::read(input).map_err(|e| Error::Infrastructure {
                message: format!("setup `{}` needs {}: {e}", self.name, input.display()),
                hint: Some("restore the file: `git checkout -- <file>` in a checkout (the cached copy of an installed harness is rewritten on its next run)".into()),
            })?;
            hasher.update(&bytes);
        }
        Ok(format!("{:x}", hasher.finalize()))
    }

    fn is_current(&self, fingerprint: &str) -> bool {
        std::fs::read_to_string(&self.stamp).is_ok_and(|s| s.trim() == fingerprint)
            && self.creates.iter().all(|path| path.exists())
    }

    /// Whether the steps have run for the current inputs, without running them.
    pub fn state(&self) -> SetupState {
        match self.fingerprint() {
            Err(e) => SetupState::Broken(e.to_string()),
            Ok(fingerprint) if self.is_current(&fingerprint) => SetupState::Ready,
            Ok(_) if self.stamp.exists() => SetupState::Stale,
            Ok(_) => SetupState::NotYet,
        }
    }

    /// Runs the steps unless the stamp says they already ran for these inputs.
    pub fn ensure(&self, progress: &Progress) -> Result<(), Error> {
        let fingerprint = self.fingerprint()?;
        if self.is_current(&fingerprint) {
            return Ok(());
        }
        progress.say(&format!(
            "setting up {} (first use, or its inputs changed): {} …",
            self.name,
            self.describe()
        ));
        let started = Instant::now();
        for step in &self.steps {
            run_step(self, step)?;
        }
        if let Some(parent) = self.stamp.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                path: parent.to_owned(),
                source,
            })?;
        }
        write_atomically(&self.stamp, fingerprint.as_bytes())?;
        progress.say(&format!(
            "  {} is set up ({:.1} s)",
            self.name,
            started.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    /// The steps, as one line.
    pub fn describe(&self) -> String {
        self.steps
            .iter()
            .map(|s| s.join(" "))
            .collect::<Vec<_>>()
            .join(" && ")
    }
}

/// Where a setup stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupState {
    /// Its steps ran for the current inputs.
    Ready,
    /// They never ran: the first run that needs them runs them.
    NotYet,
    /// They ran for other inputs: the next run that needs them runs them again.
    Stale,
    /// An input is missing.
    Broken(String),
}

fn run_step(setup: &SetupSpec, step: &[String]) -> Result<(), Error> {
    let failed = |message: String| Error::Infrastructure {
        message: format!("setup `{}` failed: {message}", setup.name),
        hint: Some(format!(
            "run it by hand to see why: (cd {} && {})",
            setup.dir.display(),
            step.join(" ")
        )),
    };
    let (program, args) = step
        .split_first()
        .ok_or_else(|| failed("a step has an empty argv".into()))?;
    let output = Command::new(program)
        .args(args)
        .current_dir(&setup.dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| failed(format!("could not start `{program}`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(failed(format!(
            "`{}` exited with {}:\n{}",
            step.join(" "),
            output.status,
            tail.join("\n")
        )));
    }
    Ok(())
}

/// Where setup stamps live.
pub fn stamp_path(root: &Path, name: &str) -> PathBuf {
    root.join(".harness").join(format!("setup-{name}.stamp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dir: &Path, step: &[&str]) -> SetupSpec {
        std::fs::write(dir.join("input.lock"), "v1").unwrap();
        SetupSpec {
            name: "demo".into(),
            dir: dir.to_owned(),
            steps: vec![step.iter().map(|s| s.to_string()).collect()],
            inputs: vec![dir.join("input.lock")],
            creates: vec![dir.join("runs")],
            stamp: stamp_path(dir, "demo"),
        }
    }

    #[test]
    fn runs_once_then_again_only_when_inputs_change() {
        let dir = tempfile::tempdir().unwrap();
        let setup = spec(dir.path(), &["sh", "-c", "echo x >> runs"]);
        setup.ensure(&Progress::messages_only()).unwrap();
        setup.ensure(&Progress::messages_only()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("runs")).unwrap(),
            "x\n"
        );
        std::fs::write(dir.path().join("input.lock"), "v2").unwrap();
        setup.ensure(&Progress::messages_only()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("runs")).unwrap(),
            "x\nx\n"
        );
    }

    #[test]
    fn runs_again_when_what_it_created_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let setup = spec(dir.path(), &["sh", "-c", "echo x >> runs"]);
        setup.ensure(&Progress::messages_only()).unwrap();
        std::fs::remove_file(dir.path().join("runs")).unwrap();
        assert_eq!(setup.state(), SetupState::Stale);
        setup.ensure(&Progress::messages_only()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("runs")).unwrap(),
            "x\n"
        );
    }

    #[test]
    fn a_failing_step_is_an_infrastructure_error_with_the_manual_command() {
        let dir = tempfile::tempdir().unwrap();
        let setup = spec(dir.path(), &["sh", "-c", "echo broken >&2; exit 4"]);
        let err = setup.ensure(&Progress::messages_only()).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("broken"), "{err}");
        assert!(err.hint().unwrap().contains("exit 4"));
        assert!(!setup.stamp.exists(), "no stamp after a failure");
    }
}
