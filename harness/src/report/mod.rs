//! Reports: the run's data ([`model`]), what every writer shows alike ([`view`]), and the
//! writers — the terminal summary, `summary.md` and bug reports, `index.html`, `junit.xml` —
//! plus `report diff` between two runs ([`diff`]) and the shard runs of one run read back
//! and combined ([`merge`]).

mod bug_program;
pub mod coverage;
pub mod diff;
mod group;
mod guided;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod terminal;
pub mod timings;
pub mod titles;
pub mod view;

use std::path::{Path, PathBuf};

pub use bug_program::program_file_name;
pub use group::keep_lowest;
pub use model::*;

use crate::errors::Error;
use crate::fsio::{create_run_dir, point_latest, pretty_json, write_atomically};

impl Report {
    /// A run's id, the name of its folder: its UTC start time and seed
    /// (`20261201T180616Z-s1`).
    pub fn run_id(started_at: time::OffsetDateTime, seed: u64) -> String {
        let at = started_at
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_default();
        format!("{at}-s{seed}")
    }

    /// Makes the run's new folder under `reports_dir` (named by the run id, which it extends
    /// when the name is taken), only once the run is over, so that a run killed outright
    /// leaves no empty one behind; a summary printed next can name the files [`Report::save`]
    /// writes into it.
    pub fn make_run_dir(&mut self, reports_dir: &Path) -> Result<PathBuf, Error> {
        let (dir, run_id) = create_run_dir(reports_dir, &self.run_id)?;
        self.run_id = run_id;
        Ok(dir)
    }

    /// Writes the report into its run folder `dir` under `reports_dir` and points `latest`
    /// at it. A folder whose first file could not be written (a full disk) is removed again.
    pub fn save(&self, dir: &Path, reports_dir: &Path) -> Result<(), Error> {
        if let Err(e) = self.write(dir) {
            let _ = std::fs::remove_dir(dir); // only ever removes an empty folder
            return Err(e);
        }
        point_latest(reports_dir, &self.run_id)
    }

    /// Writes every report file into the run folder `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        let json_path = dir.join("report.json");
        write_atomically(&json_path, pretty_json(self, &json_path)?.as_bytes())?;
        write_atomically(&dir.join("summary.md"), self.markdown().as_bytes())?;
        let page = html::page_with(self, &html::Links::find(self, dir));
        write_atomically(&dir.join("index.html"), page.as_bytes())?;
        let junit_path = dir.join("junit.xml");
        write_atomically(&junit_path, junit::xml(self, &junit_path)?.as_bytes())?;
        // Each group's input and diff whole, where the summaries' shortened ones point.
        for group in &self.groups {
            let input = crate::judge::canonical_pretty(&group.example.input) + "\n";
            write_new(&dir.join(view::input_file(group)), &input)?;
            if let Some(diff) = &group.example.diff {
                write_new(&dir.join(view::diff_file(group)), diff)?;
            }
        }
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
                // The report's program, saved beside it to be run as the report says.
                if let (Some(snippet), Some(file)) = (
                    &group.example.snippet,
                    bug_program::program_file_name(group),
                ) {
                    write_atomically(&bugs_dir.join(file), snippet.code.as_bytes())?;
                }
            }
        }
        Ok(())
    }
}

/// Writes `text` to `path`, making its folder first.
fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|source| Error::Write {
            path: folder.to_owned(),
            source,
        })?;
    }
    write_atomically(path, text.as_bytes())
}
