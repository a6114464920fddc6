//! Reference implementations of the behavioural contracts the harness referees.
//!
//! Pure library: no I/O, no processes and no wall clock. Time is virtual — a case's
//! scripted delays are numbers the evaluator compares, never timers it waits on.
//! Each contract is one module implementing [`Contract`]; the harness registers them in
//! [`CONTRACTS`] and never needs contract-specific code beyond that.

pub mod budget;
pub mod contract;
pub mod migrate;

pub use contract::{
    fold_indices, generate_case, Acceptable, Contract, Example, Expectation, GenSettings, PathRule,
    Profile, Rule, TimingLimit,
};

/// Every contract the harness knows, in the order reports list them.
pub static CONTRACTS: &[&dyn Contract] = &[&budget::Budget, &migrate::Migrate];

/// Looks a contract up by its id (`budget`, …).
pub fn contract(id: &str) -> Option<&'static dyn Contract> {
    CONTRACTS.iter().copied().find(|c| c.id() == id)
}
