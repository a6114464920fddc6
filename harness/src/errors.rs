//! Expected errors, each knowing its exit code and what to do next: the one place errors
//! meet exit codes (the CLI prints them). Errors of single operations (an adapter that
//! cannot start, an implementation that is unavailable) convert into these with `From`
//! where they are defined.
//!
//! Exit codes: 0 agreement; 1 divergence, invariant violation or failed case; 2 usage or
//! input error; 3 infrastructure failure (an adapter that cannot start, a required
//! implementation unavailable, a report that cannot be written); 4 no case ran at all;
//! 130, 143 and 129 a run stopped by Ctrl-C, SIGTERM or SIGHUP (its partial report says
//! so), as shells report a command a signal stopped. When a run has several of 1, 3 and 4,
//! the lowest wins: findings are never hidden behind what could not run
//! (the `gate` module decides).

use std::path::PathBuf;

pub const EXIT_AGREEMENT: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_INFRASTRUCTURE: u8 = 3;
pub const EXIT_NO_CASES: u8 = 4;
pub const EXIT_INTERRUPTED: u8 = 130;
pub const EXIT_TERMINATED: u8 = 143;
pub const EXIT_HANGUP: u8 = 129;

/// An error the harness expects and explains; anything else is a bug.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    #[error("{path}: {message}")]
    Input {
        path: PathBuf,
        message: String,
        hint: Option<String>,
    },
    #[error("{message}")]
    Infrastructure {
        message: String,
        hint: Option<String>,
    },
    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage { .. } | Error::Input { .. } => EXIT_USAGE,
            Error::Infrastructure { .. } | Error::Write { .. } => EXIT_INFRASTRUCTURE,
        }
    }

    /// What to do next, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. }
            | Error::Input { hint, .. }
            | Error::Infrastructure { hint, .. } => hint.clone(),
            Error::Write { .. } => {
                Some("check that the reports directory is writable and the disk has room".into())
            }
        }
    }
}

/// What each exit code means, one line each, for `--help` (the module's doc says more).
pub fn exit_codes_help() -> String {
    let lines = [
        (
            EXIT_AGREEMENT.to_string(),
            "agreement: every implementation that ran matched the reference",
        ),
        (
            EXIT_FINDINGS.to_string(),
            "findings: a divergence, a stale baseline entry, a timing violation,",
        ),
        (
            String::new(),
            "a failed case or an adapter incident; drift in vectors or report diff",
        ),
        (
            EXIT_USAGE.to_string(),
            "usage or input error: a bad flag, an unknown id, a malformed file",
        ),
        (
            EXIT_INFRASTRUCTURE.to_string(),
            "infrastructure: a required implementation unavailable, an adapter",
        ),
        (
            String::new(),
            "that cannot start or broke down, a report that cannot be written",
        ),
        (EXIT_NO_CASES.to_string(), "no cases run"),
        (
            format!("{EXIT_INTERRUPTED}, {EXIT_TERMINATED}, {EXIT_HANGUP}"),
            "stopped by Ctrl-C, SIGTERM or SIGHUP (a partial report)",
        ),
    ];
    lines
        .iter()
        .map(|(code, meaning)| format!("  {code:<14}{meaning}\n"))
        .collect()
}

/// The hint for an unknown contract id: the closest known ones, then all of them (there
/// are few).
pub fn contract_hint(wanted: &str) -> String {
    let ids = reference::CONTRACTS.iter().map(|c| c.id());
    match crate::suggest::did_you_mean(wanted, ids) {
        Some(suggestion) => format!("{suggestion} known contracts: {}", known_contracts()),
        None => format!("known contracts: {}", known_contracts()),
    }
}

/// The registered contract ids, for hints that name them.
pub fn known_contracts() -> String {
    reference::CONTRACTS
        .iter()
        .map(|c| c.id())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contract_typo_is_answered_with_the_contract_and_the_list() {
        assert_eq!(
            contract_hint("budgte"),
            format!(
                "did you mean `budget`? known contracts: {}",
                known_contracts()
            )
        );
        assert_eq!(
            contract_hint("xyzzy"),
            format!("known contracts: {}", known_contracts())
        );
    }

    #[test]
    fn every_exit_code_is_explained_once() {
        let help = exit_codes_help();
        for code in [
            EXIT_AGREEMENT,
            EXIT_FINDINGS,
            EXIT_USAGE,
            EXIT_INFRASTRUCTURE,
            EXIT_NO_CASES,
        ] {
            assert_eq!(
                help.lines()
                    .filter(|l| l.trim_start().starts_with(&format!("{code} ")))
                    .count(),
                1,
                "{help}"
            );
        }
        assert!(help.contains("130, 143, 129"), "{help}");
    }
}
