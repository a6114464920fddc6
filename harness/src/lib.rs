//! The conformance harness: the engine behind the `harness` binary, by the stages a case
//! walks through, data flowing one way:
//!
//! - [`plan`]: the config, vectors, corpus and baselines a run needs, loaded once;
//! - [`run`]: adapter processes — set-up, protocol, sessions, the driver that streams cases;
//! - [`judge`]: the one function from a case and a reply to a verdict and a group key;
//! - [`findings`]: tallies, agreement and failure groups;
//! - [`minimize`]: shrinking, the corpus, snippets;
//! - [`gate`]: the baselines applied over what the run covered, its verdict and exit code;
//! - [`report`]: the report's model and its writers.
//!
//! [`verify`] runs them in that order and [`replay`] replays saved cases; [`progress`] is
//! the engine's one voice while a run is live (and [`events`] what it streams with
//! `--message-format json`), [`interrupt`] its stop switch (Ctrl-C,
//! SIGTERM, SIGHUP), [`fsio`] writes files atomically, and
//! [`baseline`], [`corpus`] and [`vectors`] are the committed files they read and write.
//! [`rules`] lists the contracts' rules as the reference holds them.
//! [`data`] is where the adapters and vectors come from (a checkout, or the copy built into
//! the binary, unpacked in the cache), and [`doctor`] reports where everything comes from.
//! [`suggest`] answers an unknown id with the closest known ones.
//! [`cli`] turns the command line into settings and outcomes into exit codes; nothing in
//! the engine names it.

pub mod baseline;
pub mod cli;
pub mod corpus;
pub mod data;
pub mod doctor;
pub mod errors;
pub mod events;
pub mod findings;
pub mod fsio;
pub mod gate;
pub mod interrupt;
pub mod judge;
pub mod minimize;
pub mod plan;
pub mod progress;
pub mod replay;
pub mod report;
pub mod rules;
pub mod run;
pub mod shell;
pub mod suggest;
pub mod vectors;
pub mod verify;
