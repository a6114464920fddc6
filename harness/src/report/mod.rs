//! Reports: the run's data ([`model`]), what every writer shows alike ([`view`]), and the
//! writers — the terminal summary, `summary.md` and bug reports, `index.html`, `junit.xml` —
//! plus `report diff` between two runs ([`diff`]).

pub mod diff;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod terminal;
pub mod view;

use std::path::Path;

pub use model::*;

use crate::errors::Error;
use crate::fsio::{pretty_json, write_atomically};

impl Report {
    /// Writes every report file into the run folder `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        let json_path = dir.join("report.json");
        write_atomically(&json_path, pretty_json(self, &json_path)?.as_bytes())?;
        write_atomically(&dir.join("summary.md"), self.markdown().as_bytes())?;
        write_atomically(&dir.join("index.html"), html::page(self).as_bytes())?;
        let junit_path = dir.join("junit.xml");
        write_atomically(&junit_path, junit::xml(self, &junit_path)?.as_bytes())?;
        let bugs: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.kind == GroupKind::Divergence)
            .collect();
        if !bugs.is_empty() {
            let bugs_dir = dir.join("bugs");
            std::fs::create_dir_all(&bugs_dir).map_err(|source| Error::Write {
                path: bugs_dir.clone(),
                source,
            })?;
            for group in bugs {
                write_atomically(
                    &bugs_dir.join(view::bug_file_name(group)),
                    self.bug_report(group).as_bytes(),
                )?;
            }
        }
        Ok(())
    }
}
