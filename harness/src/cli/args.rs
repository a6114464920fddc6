//! The command line as clap types: one `Subcommand` enum, an `Args` struct per command,
//! the flags every command shares declared once on [`Cli`] (`global`, so they go before or
//! after the command). Parsing does no work; [`super::resolve`] turns these into settings.
//!
//! Value names follow one scheme: `<N>` a count, `<MS>` milliseconds, `<SECS>` seconds,
//! `<BYTES>` a size, `<SEED>` a seed, `<ID>` an implementation, contract or vector id
//! (`<ID[,ID…]>` a list), `<FILE>` and `<DIR>` paths, `<RUN>` a run, `<ZONE>` a time zone,
//! `<K/N>` a shard, and for a closed set of words the kind of word (`<PROFILE>`, `<WHEN>`,
//! `<FORMAT>`, `<SHELL>`) with the words listed. A test walks every argument to keep it so.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::help;
use crate::run::RunnerSettings;

#[derive(Debug, Parser)]
#[command(
    name = "harness",
    version = help::VERSION,
    about = "Differential conformance harness: runs real implementations against the Rust reference of each contract",
    after_help = help::top_level(),
)]
pub struct Cli {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: Command,
}

// `verify` has many flags; the enum is built once per process, so its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate cases, run them through implementations, diff against the reference.
    #[command(after_help = help::verify())]
    Verify(VerifyArgs),
    /// Golden vectors: regenerate them from the reference, check them, import upstream ones.
    Vectors(VectorsArgs),
    /// Run one saved corpus case against an implementation and show the diff.
    #[command(after_help = help::repro())]
    Repro(ReproArgs),
    /// The corpus of minimal divergences: list it, or prune cases that now pass.
    Corpus(CorpusArgs),
    /// Run reports: compare two runs, or merge the shard runs of one run.
    Report(ReportArgs),
    /// Where everything comes from: the data folder, the project config, Python, Node, the
    /// managed venv and node_modules, and each implementation, available or not (with the
    /// line that fixes it).
    #[command(visible_alias = "info")]
    Doctor,
    /// Print a completion script for SHELL on stdout.
    #[command(after_help = help::completions())]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout, or write one page per command into a folder.
    #[command(after_help = help::man())]
    Man(ManArgs),
    /// The contracts' rules: every contract's with a line each, one contract's with their
    /// full text, or one rule (by id alone, or after its contract).
    #[command(after_help = help::rules())]
    Rules(RulesArgs),
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A contract id (budget, migrate, sql-migrations, ledger, token-budget), or a rule id
    /// alone [default: every contract].
    #[arg(value_name = "ID")]
    pub contract: Option<String>,
    /// One rule of that contract, by id (BUDGET-DEADLINE; any case).
    #[arg(value_name = "ID", requires = "contract")]
    pub rule: Option<String>,
    /// text for people; json: an array of {contract, id, summary, text}; markdown: the
    /// contract's page as docs/contracts/ holds it.
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub format: RulesFormatArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RulesFormatArg {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Implementations to verify: ids, comma separated, or `all` [default: the project
    /// config's `impls`, else every implementation it declares].
    #[arg(long = "impl", value_name = "ID[,ID…]", value_delimiter = ',')]
    pub impls: Vec<String>,
    /// Only these contracts, comma separated or the flag repeated [default: the project
    /// config's `contracts`, else every contract the implementations implement].
    #[arg(long = "contract", value_name = "ID[,ID…]", value_delimiter = ',')]
    pub contracts: Vec<String>,
    /// How many generated cases [default: the project config's `cases`, else 1000].
    #[arg(long, value_name = "N")]
    pub cases: Option<u64>,
    /// Seed of the case stream [default: the project config's `seed`, else random, always
    /// printed].
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Run only case N of the seed's stream (what repro commands use); no vectors.
    #[arg(long, value_name = "N", conflicts_with_all = ["vector", "vectors_only"])]
    pub case: Option<u64>,
    /// Run only the golden vectors, no generated cases.
    #[arg(long, conflicts_with = "no_vectors")]
    pub vectors_only: bool,
    /// Skip the golden vectors: generated cases (and the corpus) only.
    #[arg(long)]
    pub no_vectors: bool,
    /// Run only this golden vector (by id) of the one contract named with --contract.
    #[arg(long, value_name = "ID", requires = "contracts")]
    pub vector: Option<String>,
    /// The golden vectors folder [default: vectors/ in the data folder].
    #[arg(long, value_name = "DIR")]
    pub vectors_dir: Option<PathBuf>,
    /// Neither replay the corpus nor save new cases to it.
    #[arg(long)]
    pub no_corpus: bool,
    /// Which inputs to generate: inside the schema, or about half breaking it [default: the
    /// project config's `profile`, else normal].
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub profile: Option<ProfileArg>,
    /// Time zone the adapters run under (their TZ), e.g. UTC or Pacific/Kiritimati
    /// [default: one of a fixed list of zones away from UTC, picked by the seed]
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Allowance added to the contract's timing bound, in ms.
    #[arg(long, default_value_t = 200, value_name = "MS")]
    pub timing_slack_ms: u64,
    /// A divergence that depends on time (a timing rule, late timers) counts only if it
    /// repeats in this many re-runs alone; one that does not is reported as flaky.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub confirm_runs: u32,
    /// Scripted delays this close to a deadline may land on either side, in ms.
    #[arg(long, default_value_t = 15, value_name = "MS")]
    pub race_band_ms: u64,
    /// Most real time one generated case may need, in ms (200 or more).
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub max_case_ms: u64,
    #[arg(long, value_name = "N", help = help::window())]
    pub window: Option<usize>,
    /// Longest time spent shrinking one divergence, in seconds (0: do not shrink).
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub shrink_time: u64,
    /// How long an adapter may leave a ping unanswered before it counts as stuck, in ms.
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    pub ping_grace_ms: u64,
    /// Adapter processes run at once per implementation.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    /// Restarts an implementation's adapters may need in one run; past them it is marked
    /// broken and the rest of its cases are not run.
    #[arg(long, default_value_t = RunnerSettings::MAX_RESTARTS, value_name = "N")]
    pub max_restarts: u32,
    /// Longest line an adapter may write, in bytes; a longer reply is read and discarded
    /// and its case fails.
    #[arg(long, default_value_t = RunnerSettings::MAX_REPLY_BYTES, value_name = "BYTES")]
    pub max_reply_bytes: usize,
    /// Measure line and branch coverage of each implementation's own source files and
    /// report it per implementation and contract (Python samples then run on the managed
    /// venv's interpreter, which has the `coverage` package).
    #[arg(long)]
    pub coverage: bool,
    /// Steer generation toward new branches: cases that reach branches no earlier case did
    /// (in any implementation) are kept and mutated, beside fresh random ones. Needs
    /// adapters that say what each case reached (the Python adapter does); the split is
    /// reported.
    #[arg(long, conflicts_with_all = ["coverage", "case", "shard"])]
    pub guided: bool,
    /// Run only part K of N of the case stream, so N machines together run exactly the
    /// cases of one unsharded run.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// What stdout carries: `human`, the summary; `json`, one JSON object a line as the run
    /// goes (reports/stream.schema.json), with the summary and progress on stderr.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "human")]
    pub message_format: MessageFormatArg,
    #[command(flatten)]
    pub gate: GateArgs,
}

/// Known divergences: what a CI gate accepts.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Known divergence groups (TOML, or JSON by extension): the run fails on any other
    /// group, and on any listed group that no longer diverges [default: the project
    /// config's `baseline`].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Known-flaky groups: reported when they show up, never failing the run.
    #[arg(long, value_name = "FILE")]
    pub known_flaky: Option<PathBuf>,
    /// Write this run's groups to FILE as a new baseline (never overwrites a file).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MessageFormatArg {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    /// Inputs inside the contract's schema.
    Normal,
    /// About half the inputs break the schema (wrong types, missing and unknown keys).
    Hostile,
}

/// Where the project lives, where the harness's data comes from, and where reports go:
/// flags of every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct ProjectArgs {
    /// A checkout of the harness's repository whose adapters, implementations and vectors
    /// to use [default: the checkout around the current directory, else the copy built into
    /// this binary, unpacked in the cache].
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,
    /// The project config: your implementations and a run's defaults [default: the nearest
    /// conformance.toml in the current directory or above; see docs/config.md].
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Where the built-in data is unpacked, with the managed venv and node_modules [default:
    /// $HARNESS_CACHE_DIR, else $XDG_CACHE_HOME/conformance-harness, else
    /// ~/.cache/conformance-harness].
    #[arg(long, value_name = "DIR", global = true)]
    pub cache_dir: Option<PathBuf>,
    /// Where run reports are written [default: the project config's `reports`, else
    /// reports/ in the project].
    #[arg(long, value_name = "DIR", global = true)]
    pub reports_dir: Option<PathBuf>,
    /// The corpus of minimal divergences [default: the project config's `corpus`, else
    /// corpus/ in the project].
    #[arg(long, value_name = "DIR", global = true)]
    pub corpus_dir: Option<PathBuf>,
}

/// How the harness talks to the terminal: flags of every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct OutputArgs {
    /// No progress bar or progress lines (messages and the summary still print).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Colour in the summary and the progress bar: `auto` when the output is a terminal and
    /// NO_COLOR is unset or empty.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour where the output is a terminal and NO_COLOR is unset or empty.
    Auto,
    /// Always colour, even into a file or pipe.
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write harness.1 and one page per command (harness-verify.1, …) into DIR instead of
    /// printing harness.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VectorsArgs {
    #[command(subcommand)]
    pub action: VectorsAction,
    /// The golden vectors folder [default: vectors/ in the data folder].
    #[arg(long, value_name = "DIR", global = true)]
    pub vectors_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum VectorsAction {
    /// Rewrite the vectors files from the reference (byte-stable, atomic).
    Regen(ContractFilter),
    /// Fail (exit 1) with a diff when a regen would change any byte.
    Check(ContractFilter),
    /// Convert another project's golden vectors to ours, reporting disagreements.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ContractFilter {
    /// Only these contracts, comma separated or the flag repeated [default: all].
    #[arg(long = "contract", value_name = "ID[,ID…]", value_delimiter = ',')]
    pub contracts: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportFormat {
    /// aegis's `vectors/budget-cases.json`.
    Aegis,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Whose vectors FILE holds.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: ImportFormat,
    /// The file to import.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReproArgs {
    /// A corpus file (corpus/<contract>/<hash>.json).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The implementation to run it against [default: the one it was found in].
    #[arg(long = "impl", value_name = "ID")]
    pub implementation: Option<String>,
}

#[derive(Debug, Args)]
pub struct CorpusArgs {
    #[command(subcommand)]
    pub action: CorpusAction,
}

#[derive(Debug, Subcommand)]
pub enum CorpusAction {
    /// List the saved cases.
    List(ContractFilter),
    /// Re-run the cases found in one implementation and delete those that now pass.
    Prune {
        /// The implementation whose saved cases to re-run (cases found in others are left
        /// alone).
        #[arg(long = "impl", value_name = "ID")]
        implementation: String,
        #[command(flatten)]
        filter: ContractFilter,
    },
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub action: ReportAction,
}

#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// Show the failure groups that appeared, disappeared or changed from the first run to
    /// the second; exit 1 when a group appeared, disappeared or changed its rules. A run is
    /// a folder under reports/, its report.json, a run id, or `latest`.
    #[command(after_help = help::report_diff())]
    Diff {
        /// The earlier run.
        #[arg(value_name = "RUN")]
        run_a: PathBuf,
        /// The later run.
        #[arg(value_name = "RUN")]
        run_b: PathBuf,
        /// Also exit 1 when a group's case count changed.
        #[arg(long)]
        counts: bool,
    },
    /// Combine the runs of one command run with --shard 1/N … N/N into one run: its
    /// report (all formats, in a new run folder), judged against the baseline — stale
    /// entries included — over every shard together; exits as `verify` would have.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard runs: folders under reports/, their report.json, or run ids.
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// Known divergence groups: the merged run fails on any other group, and on any listed
    /// group in its scope that no shard found.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Known-flaky groups: reported when they show up, never failing the run.
    #[arg(long, value_name = "FILE")]
    pub known_flaky: Option<PathBuf>,
}
