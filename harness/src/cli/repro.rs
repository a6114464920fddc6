//! All command-line spelling: the one-line commands printed for people to paste — the
//! rerun of a whole run, the repro of one case, the replay of a corpus file — and paths
//! shown relative to the project.

use std::path::{Path, PathBuf};

use crate::plan::{CaseLabel, Spelling};

/// How this run's commands are spelled.
#[derive(Debug, Clone)]
pub struct Repro {
    /// e.g. `cargo run --release --`
    pub program: String,
    /// The project root paths are shown relative to.
    pub root: PathBuf,
    pub seed: u64,
    /// Which part of the stream the run takes: `--case N`, `--vectors-only` or `--cases N`.
    pub stream: String,
    /// Flags besides --impl/--contract/--cases/--seed/--case that change the cases.
    pub case_flags: Vec<String>,
    /// Flags of the whole run only (shard, baseline).
    pub run_flags: Vec<String>,
}

impl Spelling for Repro {
    fn case(&self, implementation: &str, contract: &str, label: &CaseLabel) -> String {
        let which = match label {
            CaseLabel::Vector(id) => format!("--vector {id}"),
            CaseLabel::Generated(case) => format!("--seed {} --case {case}", self.seed),
            CaseLabel::Corpus(path) => return self.corpus(path, implementation),
        };
        let mut parts = vec![
            self.program.clone(),
            "verify".into(),
            format!("--impl {implementation}"),
            format!("--contract {contract}"),
            which,
        ];
        parts.extend(self.case_flags.iter().cloned());
        parts.join(" ")
    }

    fn corpus(&self, path: &str, implementation: &str) -> String {
        format!("{} repro {path} --impl {implementation}", self.program)
    }

    fn run(&self, implementations: &[&str], contracts: &[&str]) -> String {
        let mut parts = vec![
            self.program.clone(),
            "verify".into(),
            format!("--impl {}", implementations.join(",")),
        ];
        if let [contract] = contracts {
            parts.push(format!("--contract {contract}"));
        }
        parts.push(self.stream.clone());
        parts.push(format!("--seed {}", self.seed));
        parts.extend(self.case_flags.iter().cloned());
        parts.extend(self.run_flags.iter().cloned());
        parts.join(" ")
    }

    fn path(&self, path: &Path) -> String {
        display_path(&self.root, path)
    }
}

/// `path` relative to `root` when it lies inside it (for commands people copy).
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
