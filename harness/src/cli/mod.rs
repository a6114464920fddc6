//! The command line: clap types ([`args`]), their resolution into settings ([`resolve`]),
//! the dispatch of each command ([`dispatch`]), and all command-line spelling ([`repro`]).
//! Only this layer prints outside the progress channel, and it turns every outcome into
//! the process's exit code.

pub mod args;
mod dispatch;
mod help;
pub mod repro;
pub mod resolve;

pub use args::Cli;
pub use dispatch::run;
