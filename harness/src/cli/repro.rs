//! All command-line spelling: the one-line commands printed for people to paste — the
//! rerun of a whole run, the repro of one case, the replay of a corpus file — paths
//! shown relative to the project, and what `repro` prints of a case that still fails. Every word of a command is quoted for sh where it needs
//! it, so a pasted line runs exactly the command meant, whatever a path or id holds.

use std::path::{Path, PathBuf};

use crate::corpus::CorpusCase;
use crate::judge::canonical_pretty;
use crate::plan::{CaseLabel, Spelling};
use crate::replay::Replayed;
use crate::report::RuleSummary;
use crate::shell::shell_quote;

/// How this run's commands are spelled. Flags are kept as the words of an argv, quoted
/// only when a line is spelled.
#[derive(Debug, Clone)]
pub struct Repro {
    /// The words that start the harness, e.g. `cargo run --release --`.
    pub program: Vec<String>,
    /// The project root paths are shown relative to.
    pub root: PathBuf,
    pub seed: u64,
    /// Which part of the stream the run takes: `--case N`, `--vectors-only` or `--cases N`.
    pub stream: Vec<String>,
    /// Flags every command needs to find the run's implementations (`--config`).
    pub project_flags: Vec<String>,
    /// Flags besides --impl/--contract/--cases/--seed/--case that change the cases.
    pub case_flags: Vec<String>,
    /// Flags of the whole run only (shard, baseline).
    pub run_flags: Vec<String>,
    /// With `--guided`: the run's implementations, which all steered its cases, so a guided
    /// case is made again only by a run over all of them.
    pub guided_impls: Vec<String>,
}

impl Repro {
    /// The harness run with the words of `parts`, as one line for sh.
    fn command(&self, parts: &[&[String]]) -> String {
        let words = self.program.iter().chain(parts.iter().copied().flatten());
        words
            .map(|word| shell_quote(word))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Spelling for Repro {
    fn case(&self, implementation: &str, contract: &str, label: &CaseLabel) -> String {
        let which = match label {
            CaseLabel::Vector(id) => words(["--vector", id]),
            CaseLabel::Generated(case) => words([
                "--seed",
                &self.seed.to_string(),
                "--case",
                &case.to_string(),
            ]),
            CaseLabel::Corpus(path) => return self.corpus(path, implementation),
            CaseLabel::Guided(case) => {
                let head = words([
                    "verify",
                    "--impl",
                    &self.guided_impls.join(","),
                    "--contract",
                    contract,
                    "--guided",
                    "--seed",
                    &self.seed.to_string(),
                    "--cases",
                    &(case + 1).to_string(),
                ]);
                return self.command(&[&head, &self.case_flags, &self.project_flags]);
            }
        };
        let head = words(["verify", "--impl", implementation, "--contract", contract]);
        self.command(&[&head, &which, &self.case_flags, &self.project_flags])
    }

    fn corpus(&self, path: &str, implementation: &str) -> String {
        let head = words(["repro", path, "--impl", implementation]);
        self.command(&[&head, &self.project_flags])
    }

    fn run(&self, implementations: &[&str], contracts: &[&str]) -> String {
        let head = words(["verify", "--impl", &implementations.join(",")]);
        let contract = match contracts {
            [] => Vec::new(),
            _ => words(["--contract", &contracts.join(",")]),
        };
        let seed = words(["--seed", &self.seed.to_string()]);
        self.command(&[
            &head,
            &contract,
            &self.stream,
            &seed,
            &self.case_flags,
            &self.project_flags,
            &self.run_flags,
        ])
    }

    fn path(&self, path: &Path) -> String {
        display_path(&self.root, path)
    }
}

/// What `repro` prints for a saved case that still fails in `implementation`: what it
/// breaks (each rule with its one line), the input, and for a divergence the expected and
/// actual outputs and their diff, else what happened — every one whole.
pub fn still_failing(
    shown: &str,
    implementation: &str,
    case: &CorpusCase,
    what: &str,
    result: &Replayed,
) -> String {
    let mut out = format!("{shown}: {implementation} still diverges: {what}\n");
    let rules = what.split(' ').map(str::to_owned).collect::<Vec<_>>();
    for rule in RuleSummary::of(&case.contract, &rules) {
        out.push_str(&format!("  {}  {}\n", rule.id, rule.summary));
    }
    let block = |title: &str, text: &str| {
        let body: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
        format!("\n{title}:\n{}\n", body.join("\n"))
    };
    out.push_str(&block("input", &canonical_pretty(&case.input)));
    match &result.outputs {
        Some((expected, actual)) => {
            out.push_str(&block("expected (reference)", &canonical_pretty(expected)));
            out.push_str(&block(
                &format!("actual ({implementation})"),
                &canonical_pretty(actual),
            ));
            out.push_str(&block(
                &format!("diff (reference vs {implementation})"),
                &result.detail,
            ));
        }
        None => out.push_str(&block("what happened", &result.detail)),
    }
    out
}

/// The words of a command, owned.
pub fn words<const N: usize>(words: [&str; N]) -> Vec<String> {
    words.map(str::to_owned).to_vec()
}

/// `path` relative to `root` when it lies inside it (for commands people copy).
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words no sh may split, expand, glob or run: quotes, separators, substitutions.
    const AWKWARD: [&str; 10] = [
        "",
        "it's",
        "a b",
        "x; touch pwned",
        "$HOME",
        "`id`",
        "$(id)",
        "*",
        "~user",
        "line\nbreak\t'\\'",
    ];

    fn repro(config: &str) -> Repro {
        Repro {
            program: words(["cargo", "run", "--release", "--"]),
            root: PathBuf::from("/repo"),
            seed: 7,
            stream: words(["--cases", "100"]),
            project_flags: words(["--config", config]),
            case_flags: words(["--profile", "hostile"]),
            run_flags: words(["--shard", "1/2"]),
            guided_impls: words(["py-sample,ts-sample"]),
        }
    }

    #[test]
    fn plain_words_stay_as_they_are_and_the_rest_is_single_quoted() {
        for plain in ["verify", "--impl", "py-sample,ts.x_2", "1/2", "a:b@c%d+e"] {
            assert_eq!(shell_quote(plain), plain);
        }
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("x=1"), "'x=1'", "never read as an assignment");
    }

    /// The words sh passes to a command when it runs `line` (the first word is the
    /// command, replaced by printf).
    #[cfg(unix)]
    fn sh_words(line: &str) -> Vec<String> {
        let (_, args) = line.split_once(' ').unwrap_or((line, ""));
        let output = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("printf '%s\\0' {args}"))
            .env_clear()
            // Were a word to escape its quotes, what it runs runs out of harm's way.
            .current_dir(std::env::temp_dir())
            .output()
            .expect("/bin/sh runs");
        assert!(output.status.success(), "{line}");
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        text.split_terminator('\0').map(str::to_owned).collect()
    }

    #[cfg(unix)]
    #[test]
    fn sh_reads_a_quoted_line_back_as_exactly_its_words() {
        let words: Vec<String> = AWKWARD.iter().map(|w| w.to_string()).collect();
        let line = std::iter::once("cmd".to_owned())
            .chain(words.iter().map(|w| shell_quote(w).into_owned()))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(sh_words(&line), words);
    }

    #[cfg(unix)]
    #[test]
    fn every_printed_command_keeps_an_awkward_config_path_one_word() {
        let config = "/tmp/it's a dir; echo $HOME `id`/impls.toml";
        let spelling = repro(config);
        let lines = [
            spelling.run(&["py"], &["budget"]),
            spelling.case("py", "budget", &CaseLabel::Generated(3)),
            spelling.case("py", "budget", &CaseLabel::Vector("a b".into())),
            spelling.corpus("corpus/budget/x y.json", "py"),
        ];
        for line in &lines {
            let words = sh_words(line);
            let at = words.iter().position(|w| w == "--config").expect(line);
            assert_eq!(words[at + 1], config, "{line}");
        }
        assert_eq!(
            sh_words(&lines[0]),
            [
                "run",
                "--release",
                "--",
                "verify",
                "--impl",
                "py",
                "--contract",
                "budget",
                "--cases",
                "100",
                "--seed",
                "7",
                "--profile",
                "hostile",
                "--config",
                config,
                "--shard",
                "1/2"
            ]
        );
        assert!(sh_words(&lines[2]).contains(&"a b".to_owned()));
        assert_eq!(sh_words(&lines[3])[4], "corpus/budget/x y.json");
    }

    #[test]
    fn a_guided_case_is_made_again_by_the_guided_run_over_every_implementation() {
        let line = repro("impls.toml").case("py-sample", "budget", &CaseLabel::Guided(40));
        let words: Vec<String> = line.split(' ').map(str::to_owned).collect();
        let has = |pair: [&str; 2]| words.windows(2).any(|w| w[0] == pair[0] && w[1] == pair[1]);
        assert!(has(["--impl", "py-sample,ts-sample"]), "{line}");
        assert!(has(["--cases", "41"]) && has(["--seed", "7"]), "{line}");
        assert!(words.iter().any(|w| w == "--guided"), "{line}");
    }
}
