//! `--coverage`: what the adapters measured, turned into the report's coverage section.

use std::collections::BTreeMap;
use std::path::Path;

use crate::report::CoverageRecord;
use crate::run::protocol::CoverageReply;

/// One record per implementation and contract that ran: measured when any of its adapter
/// processes answered with coverage, else unavailable. Paths inside `root` are shown
/// relative to it.
pub(super) fn records(
    measured: BTreeMap<(String, String), Vec<CoverageReply>>,
    root: &Path,
) -> Vec<CoverageRecord> {
    measured
        .into_iter()
        .map(|((implementation, contract), replies)| {
            if replies.is_empty() {
                return CoverageRecord::unavailable(
                    &implementation,
                    &contract,
                    "its adapter does not measure coverage (an adapter without the protocol's \
                     coverage option, a Python without the `coverage` package, or an adapter \
                     stopped before the end: see its stderr)"
                        .into(),
                );
            }
            CoverageRecord::measured(
                &implementation,
                &contract,
                &replies,
                |path| shown_path(path, root),
                |path| std::fs::read_to_string(path).ok(),
            )
        })
        .collect()
}

/// `path` relative to `root` when inside it (both resolved), else as given.
fn shown_path(path: &str, root: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    Path::new(path)
        .strip_prefix(&root)
        .map_or_else(|_| path.to_owned(), |p| p.to_string_lossy().into_owned())
}
