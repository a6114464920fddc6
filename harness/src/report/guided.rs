//! The guided section of a report (`verify --guided`): per contract, how its cases were made.

use serde::{Deserialize, Serialize};

/// What guidance did for one contract (`verify --guided`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuidedRecord {
    pub contract: String,
    /// Cases drawn from fresh random bytes, and mutated from pool members.
    pub fresh: u64,
    pub mutated: u64,
    /// Cases kept because they reached a branch new in some implementation, or a new state
    /// of the contract's model.
    pub pool: u64,
    /// Distinct (implementation, branch) pairs reached.
    pub branches: u64,
    /// Distinct states of the contract's model reached (none for a contract that names none).
    #[serde(default)]
    pub states: u64,
    /// Implementations whose adapters do not say what each case reached.
    pub unguided: Vec<String>,
}

impl GuidedRecord {
    /// One line for the terminal summary.
    pub fn describe(&self) -> String {
        let unguided = match self.unguided.as_slice() {
            [] => String::new(),
            ids => format!(
                "; guidance unavailable for {} (its adapter does not report what each case reached)",
                ids.join(", ")
            ),
        };
        let states = match self.states {
            0 => String::new(),
            states => format!(" and {states} model states"),
        };
        format!(
            "{}: {} fresh + {} mutated cases, pool {}, {} branch pairs{states} reached{unguided}",
            self.contract, self.fresh, self.mutated, self.pool, self.branches
        )
    }
}
