//! Every command in the ```sh blocks of README.md and docs/ci.md runs as written on a fresh
//! clone.
//!
//! The walk copies the repository's tracked files (what a clone holds) into a scratch
//! folder under CARGO_TARGET_TMPDIR, then runs each document's commands in order from the
//! copy's root, one session per document: `export NAME=VALUE` holds for the document's
//! later commands, `NAME=VALUE command` for one command. `cargo run [--release] -- ARGS` and
//! `harness ARGS` run this build's harness binary (the same program: a release build here
//! would take minutes); `cargo test …` runs cargo in this repository, whose test binaries
//! read the tree they were built from and write nothing into it. The copy keeps its managed
//! environments (`.harness/`, `adapters/ts/node_modules`) between walks, as a clone would
//! between runs, so only the first walk on a machine installs them.
//!
//! A command must end with the exit code [`EXPECTED`] gives it (0 when it is not listed)
//! and print what that entry names. Commands that need a real aegis checkout are listed
//! there: they must print the line that fixes them. Skipped, each listed with its reason
//! when the test runs: commands whose comment says `needs: NAME`, for a feature in
//! [`PENDING`], and the commands in [`NOT_HERE`].

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a `needs: NAME` comment on a documented command may name: what a command needs that
/// a copy of this repository is not, and where that command is tested instead.
const PENDING: &[(&str, &str)] = &[
    (
        "install",
        "installs from the documentation's placeholder repository (your-org); tests/install.rs installs the same binary with `cargo install --path harness`",
    ),
    (
        "config",
        "runs in a user repository with its own conformance.toml; tests/install.rs runs these commands in a throwaway one",
    ),
];

/// Documented commands never run from here, whatever their comment says.
const NOT_HERE: &[(&str, &str)] = &[(
    "cargo test --workspace",
    "the test suite this test is part of: it would run itself (.ci/run runs it)",
)];

struct Expect {
    command: &'static str,
    exit: &'static [i32],
    prints: &'static [&'static str],
    /// Lines it must not print.
    never: &'static [&'static str],
    why: &'static str,
}

/// Documented commands that do not exit 0, and what each must print.
const EXPECTED: &[Expect] = &[
    Expect {
        command: "cargo run --release -- verify --impl py-mutant-late-value --cases 200 --seed 7",
        exit: &[1],
        prints: &["corpus/budget/2e36042202.json"],
        never: &[],
        why: "a mutant: the README runs it to show a finding and names the case it saves",
    },
    Expect {
        command: "cargo run --release -- repro corpus/budget/2e36042202.json",
        exit: &[1],
        prints: &["BUDGET-DEADLINE"],
        never: &[],
        why: "the saved case still diverges in the mutant it was found in",
    },
    Expect {
        command: "CONFORMANCE_IMPLS=py-mutant-late-value cargo test --test conformance",
        exit: &[101],
        prints: &["py-mutant-late-value", "FAILED"],
        never: &[],
        why: "the vectors as test trials fail against a mutant",
    },
    Expect {
        command: "cargo run --release -- verify --impl py,ts --contract budget --cases 2000",
        exit: &[3],
        prints: &[
            "py is unavailable",
            "fix: export AEGIS_PY_SRC=",
            "ts is unavailable",
            "fix: export AEGIS_TS_SRC=",
        ],
        never: &[],
        why: "needs real aegis checkouts: the doc's placeholder paths make both unavailable",
    },
    Expect {
        command: "cargo run --release -- verify --impl ts --contract ledger --cases 5000",
        exit: &[3],
        prints: &["ts is unavailable", "fix: export AEGIS_RUNTIME_SRC="],
        never: &[],
        why: "needs a real Aegis-Runtime checkout",
    },
    Expect {
        command: "cargo run --release -- vectors import --format aegis /path/to/aegis/vectors/budget-cases.json",
        exit: &[2],
        prints: &["hint: point at an aegis checkout"],
        never: &[],
        why: "needs a real aegis checkout",
    },
    Expect {
        command: "cargo run --release -- verify --impl py --contract migrate",
        exit: &[0, 1],
        prints: &["rerun:"],
        never: &["unavailable"],
        why: "the real package from the managed venv: its known divergences (reports/known/) fail the run when this seed's cases reach them",
    },
    Expect {
        command: "cargo run --release -- verify --impl py --contract sql-migrations",
        exit: &[0, 1],
        prints: &["rerun:"],
        never: &["unavailable"],
        why: "the real package from the managed venv, with known divergences",
    },
    Expect {
        command: "cargo run --release -- verify --impl py --contract token-budget --profile hostile",
        exit: &[0, 1],
        prints: &["rerun:"],
        never: &["unavailable"],
        why: "the real package from the managed venv, with known divergences",
    },
];

const DOCUMENTS: &[&str] = &["README.md", "docs/ci.md"];

/// Longest time one command may take before it is stopped and counted as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn every_documented_command_runs_as_written_on_a_fresh_clone() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ sits in the repository")
        .to_owned();
    let clone = fresh_clone(&repo);
    let mut failures: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut matched: HashSet<&str> = HashSet::new();
    let started = Instant::now();

    for document in DOCUMENTS {
        let text = std::fs::read_to_string(repo.join(document)).expect("the document reads");
        let mut session = Session::default();
        for command in documented_commands(&text) {
            let place = format!("{document}:{}", command.line);
            if let Some(reason) = skip_reason(&command) {
                match reason {
                    Ok(reason) => skipped.push(format!("{place}: `{}` — {reason}", command.code)),
                    Err(e) => failures.push(format!("{place}: `{}`: {e}", command.code)),
                }
                continue;
            }
            let words = match split(&command.text, &|name| session.lookup(name, &clone)) {
                Ok(words) => words,
                Err(e) => {
                    failures.push(format!("{place}: `{}`: {e}", command.code));
                    continue;
                }
            };
            if words.first().map(String::as_str) == Some("export") {
                for assignment in &words[1..] {
                    match assignment.split_once('=') {
                        Some((name, value)) if is_name(name) => {
                            session.exports.insert(name.to_owned(), value.to_owned());
                        }
                        _ => failures.push(format!("{place}: `{assignment}`: not NAME=VALUE")),
                    }
                }
                continue;
            }
            let (assignments, words) = leading_assignments(words);
            let Some(invocation) = invocation(&words, &repo, &clone) else {
                failures.push(format!(
                    "{place}: `{}`: the walk runs `cargo run -- …`, `harness …` and `cargo test …` only; mark anything else `needs: NAME` with a reason in PENDING",
                    command.code
                ));
                continue;
            };
            let mut env = session.exports.clone();
            env.extend(assignments);
            let outcome = invocation.run(&env);
            let expect = EXPECTED.iter().find(|e| e.command == command.code);
            if let Some(expect) = expect {
                matched.insert(expect.command);
            }
            let allowed: &[i32] = expect.map_or(&[0], |e| e.exit);
            eprintln!(
                "{place}: exit {} in {:.1} s: {}",
                outcome.code, outcome.seconds, command.code
            );
            if !allowed.contains(&outcome.code) {
                failures.push(format!(
                    "{place}: `{}` exited {}, expected {allowed:?}{}\n{}",
                    command.code,
                    outcome.code,
                    expect.map_or(String::new(), |e| format!(" ({})", e.why)),
                    tail(&outcome.output, 40)
                ));
                continue;
            }
            for unwanted in expect.map_or(&[][..], |e| e.never) {
                if outcome.output.contains(unwanted) {
                    failures.push(format!(
                        "{place}: `{}` printed `{unwanted}`\n{}",
                        command.code,
                        tail(&outcome.output, 40)
                    ));
                }
            }
            for wanted in expect.map_or(&[][..], |e| e.prints) {
                if !outcome.output.contains(wanted) {
                    failures.push(format!(
                        "{place}: `{}` did not print `{wanted}`\n{}",
                        command.code,
                        tail(&outcome.output, 40)
                    ));
                }
            }
        }
    }
    for expect in EXPECTED {
        if !matched.contains(expect.command) {
            failures.push(format!(
                "EXPECTED lists `{}`, which no document runs: update the list",
                expect.command
            ));
        }
    }
    eprintln!(
        "walked {} document(s) in {:.0} s; skipped {}:\n  {}",
        DOCUMENTS.len(),
        started.elapsed().as_secs_f64(),
        skipped.len(),
        skipped.join("\n  ")
    );
    assert!(
        failures.is_empty(),
        "{} documented command(s) do not run as written:\n\n{}\n\nskipped:\n  {}",
        failures.len(),
        failures.join("\n\n"),
        skipped.join("\n  ")
    );
}

// ---------- the scratch clone ----------

/// The repository's tracked files, freshly copied; the managed environments of an earlier
/// walk are kept.
fn fresh_clone(repo: &Path) -> PathBuf {
    let clone = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs-commands/clone");
    let kept = [".harness", "adapters/ts/node_modules"];
    let stash = clone.with_file_name("kept");
    let _ = std::fs::remove_dir_all(&stash);
    for keep in kept {
        if clone.join(keep).exists() {
            let to = stash.join(keep);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::rename(clone.join(keep), to).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&clone);
    std::fs::create_dir_all(&clone).unwrap();
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(repo)
        .output()
        .expect("git runs (the walk copies what a clone holds: the tracked files)");
    assert!(
        listed.status.success(),
        "git ls-files: {}",
        String::from_utf8_lossy(&listed.stderr)
    );
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = Path::new(std::str::from_utf8(name).expect("UTF-8 file names"));
        let from = repo.join(name);
        let to = clone.join(name);
        let Ok(meta) = std::fs::symlink_metadata(&from) else {
            continue; // deleted in the working tree
        };
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    for keep in kept {
        if stash.join(keep).exists() {
            std::fs::create_dir_all(clone.join(keep).parent().unwrap()).unwrap();
            std::fs::rename(stash.join(keep), clone.join(keep)).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&stash);
    clone
}

// ---------- the documents ----------

struct Documented {
    /// Line of the document where the command starts.
    line: usize,
    /// The command as written, continuation lines joined.
    text: String,
    /// The command without its comment, white space folded: what EXPECTED and NOT_HERE name.
    code: String,
    comment: String,
}

/// The commands of every ```sh block, in order.
fn documented_commands(text: &str) -> Vec<Documented> {
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if !in_block {
            in_block = trimmed == "```sh";
            continue;
        }
        if trimmed == "```" {
            in_block = false;
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            joined.push_str(head);
            joined.push(' ');
            pending = Some((start, joined));
            continue;
        }
        joined.push_str(line);
        let Ok((code, comment)) = code_and_comment(&joined) else {
            commands.push(Documented {
                line: start,
                code: joined.trim().to_owned(),
                text: joined,
                comment: String::new(),
            });
            continue;
        };
        if code.is_empty() {
            continue; // a comment line
        }
        commands.push(Documented {
            line: start,
            text: joined,
            code,
            comment,
        });
    }
    commands
}

/// The command part (white space folded) and the comment of a command line.
fn code_and_comment(text: &str) -> Result<(String, String), String> {
    let (code_end, comment) = lex(text, &mut |_| Some(String::new()))?.1;
    let code = text[..code_end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Ok((code, comment))
}

/// Why a command is skipped: `Some(Ok(reason))`, `Some(Err(…))` for a `needs:` naming
/// nothing in PENDING, `None` to run it.
fn skip_reason(command: &Documented) -> Option<Result<String, String>> {
    if let Some((_, why)) = NOT_HERE.iter().find(|(c, _)| *c == command.code) {
        return Some(Ok(format!("not run here: {why}")));
    }
    let (_, after) = command.comment.split_once("needs: ")?;
    let name: String = after
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || *c == '-')
        .collect();
    Some(match PENDING.iter().find(|(n, _)| *n == name) {
        Some((_, why)) => Ok(format!("needs: {name} — {why}")),
        None => Err(format!(
            "`needs: {name}` names nothing in PENDING (a skip needs a named reason)"
        )),
    })
}

// ---------- shell-like words, without a shell ----------

#[derive(Default)]
struct Session {
    exports: BTreeMap<String, String>,
}

impl Session {
    fn lookup(&self, name: &str, cwd: &Path) -> Option<String> {
        if let Some(value) = self.exports.get(name) {
            return Some(value.clone());
        }
        match name {
            "PWD" => Some(cwd.display().to_string()),
            "HOME" | "PATH" => std::env::var(name).ok(),
            _ => None,
        }
    }
}

/// The words of a command: quotes, backslashes and `$NAME` / `${NAME}` as a shell reads
/// them. Anything else a shell would act on (pipes, redirections, globs, `$(…)`) is refused:
/// documented commands stay plain.
fn split(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<String>, String> {
    let mut missing = None;
    let (words, _) = lex(text, &mut |name| {
        let value = lookup(name);
        if value.is_none() && missing.is_none() {
            missing = Some(name.to_owned());
        }
        value
    })?;
    match missing {
        Some(name) => Err(format!(
            "`${name}` is not set at this point of the document"
        )),
        None => Ok(words),
    }
}

type Lexed = (Vec<String>, (usize, String));

/// Words, and where the code ends with the comment after it.
fn lex(text: &str, lookup: &mut dyn FnMut(&str) -> Option<String>) -> Result<Lexed, String> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                i += 1;
            }
            '#' if !in_word => {
                let comment = text[at + 1..].trim().to_owned();
                return Ok((words, (at, comment)));
            }
            '\'' => {
                in_word = true;
                i += 1;
                loop {
                    let Some(&(_, c)) = chars.get(i) else {
                        return Err("a ' is never closed".into());
                    };
                    i += 1;
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                loop {
                    let Some(&(_, c)) = chars.get(i) else {
                        return Err("a \" is never closed".into());
                    };
                    match c {
                        '"' => {
                            i += 1;
                            break;
                        }
                        '\\' if matches!(chars.get(i + 1), Some((_, '"' | '\\' | '$'))) => {
                            word.push(chars[i + 1].1);
                            i += 2;
                        }
                        '$' => i = expand(&chars, i, &mut word, lookup)?,
                        '`' => return Err("`…` runs a command: not in documented commands".into()),
                        c => {
                            word.push(c);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => {
                let Some(&(_, next)) = chars.get(i + 1) else {
                    return Err("a \\ ends the command".into());
                };
                word.push(next);
                in_word = true;
                i += 2;
            }
            '$' => {
                in_word = true;
                i = expand(&chars, i, &mut word, lookup)?;
            }
            '|' | '&' | ';' | '<' | '>' | '(' | ')' | '`' | '*' | '?' | '[' | ']' | '{' | '}' => {
                return Err(format!(
                    "`{c}` needs a shell; the walk runs words only (quote it, or keep the command plain)"
                ));
            }
            c => {
                word.push(c);
                in_word = true;
                i += 1;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok((words, (text.len(), String::new())))
}

/// Expands the `$NAME` or `${NAME}` at `chars[i]` into `word`; returns the index after it.
fn expand(
    chars: &[(usize, char)],
    i: usize,
    word: &mut String,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<usize, String> {
    let braced = matches!(chars.get(i + 1), Some((_, '{')));
    let mut j = if braced { i + 2 } else { i + 1 };
    let mut name = String::new();
    while let Some(&(_, c)) = chars.get(j) {
        if c.is_ascii_alphanumeric() || c == '_' {
            name.push(c);
            j += 1;
        } else {
            break;
        }
    }
    if braced {
        if !matches!(chars.get(j), Some((_, '}'))) || name.is_empty() {
            return Err("`${…}` holds a plain variable name only".into());
        }
        j += 1;
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("`$` must name a variable (`$(…)` needs a shell)".into());
    }
    word.push_str(&lookup(&name).unwrap_or_default());
    Ok(j)
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `NAME=VALUE` words before the command, as a shell takes them for its environment.
fn leading_assignments(words: Vec<String>) -> (Vec<(String, String)>, Vec<String>) {
    let mut assignments = Vec::new();
    let mut rest = words.into_iter().peekable();
    while let Some(word) = rest.peek() {
        match word.split_once('=') {
            Some((name, value)) if is_name(name) => {
                assignments.push((name.to_owned(), value.to_owned()));
                rest.next();
            }
            _ => break,
        }
    }
    (assignments, rest.collect())
}

// ---------- running ----------

struct Invocation {
    program: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
    /// Only PATH, HOME and TMPDIR from this process (the harness's own tests do the same),
    /// or, for cargo, everything (it needs its toolchain's settings).
    scrubbed: bool,
}

struct Outcome {
    code: i32,
    output: String,
    seconds: f64,
}

fn invocation(words: &[String], repo: &Path, clone: &Path) -> Option<Invocation> {
    let harness = |args: &[String]| Invocation {
        program: PathBuf::from(env!("CARGO_BIN_EXE_harness")),
        args: args.to_vec(),
        cwd: clone.to_owned(),
        scrubbed: true,
    };
    match words {
        [first, rest @ ..] if first == "harness" => Some(harness(rest)),
        [cargo, run, rest @ ..] if cargo == "cargo" && run == "run" => {
            let separator = rest.iter().position(|w| w == "--")?;
            let flags_ok = rest[..separator]
                .iter()
                .all(|f| matches!(f.as_str(), "--release" | "--quiet" | "-q"));
            flags_ok.then(|| harness(&rest[separator + 1..]))
        }
        [cargo, test, rest @ ..] if cargo == "cargo" && test == "test" => Some(Invocation {
            program: PathBuf::from(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())),
            args: std::iter::once("test".to_owned())
                .chain(rest.iter().cloned())
                .collect(),
            cwd: repo.to_owned(),
            scrubbed: false,
        }),
        _ => None,
    }
}

/// Where the adapters' scratch folders go: a RAM disk where there is one. sql-migrations
/// cases open a fresh SQLite database each and commit often; on a disk busy with other
/// builds every fsync waits, and a run of 1000 cases takes minutes instead of seconds.
fn scratch_tmpdir() -> Option<PathBuf> {
    let shm = Path::new("/dev/shm");
    let usable = tempfile::tempdir_in(shm).is_ok();
    if usable {
        Some(shm.to_owned())
    } else {
        std::env::var_os("TMPDIR").map(PathBuf::from)
    }
}

impl Invocation {
    fn run(&self, env: &BTreeMap<String, String>) -> Outcome {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.scrubbed {
            command.env_clear();
            for keep in ["PATH", "HOME"] {
                if let Some(value) = std::env::var_os(keep) {
                    command.env(keep, value);
                }
            }
        }
        if let Some(tmp) = scratch_tmpdir() {
            command.env("TMPDIR", tmp);
        }
        command.envs(env);
        let started = Instant::now();
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!("cannot start {}: {e}", self.program.display());
        });
        let readers = [
            read_all(
                child
                    .stdout
                    .take()
                    .map(|s| Box::new(s) as Box<dyn Read + Send>),
            ),
            read_all(
                child
                    .stderr
                    .take()
                    .map(|s| Box::new(s) as Box<dyn Read + Send>),
            ),
        ];
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for a command") {
                break status;
            }
            if started.elapsed() > COMMAND_TIMEOUT && !timed_out {
                timed_out = true;
                // SIGTERM first: the harness then stops its adapters and writes its report.
                unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
                std::thread::sleep(Duration::from_secs(10));
                let _ = child.kill();
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut output = String::new();
        for reader in readers {
            output.push_str(&reader.join().unwrap_or_default());
        }
        if timed_out {
            output.push_str(&format!(
                "\n[stopped after {} s: COMMAND_TIMEOUT]",
                COMMAND_TIMEOUT.as_secs()
            ));
        }
        Outcome {
            code: if timed_out {
                -1
            } else {
                status.code().unwrap_or(-1)
            },
            output,
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

fn read_all(stream: Option<Box<dyn Read + Send>>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let from = all.len().saturating_sub(lines);
    all[from..]
        .iter()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------- the walker's own rules ----------

#[test]
fn words_are_split_like_a_shell_and_shell_syntax_is_refused() {
    let lookup = |name: &str| (name == "ROOT").then(|| "/r".to_owned());
    assert_eq!(
        split(r#"a 'b c' "d $ROOT" e\ f ${ROOT}/g # h 'i"#, &lookup).unwrap(),
        ["a", "b c", "d /r", "e f", "/r/g"]
    );
    assert!(split("a | b", &lookup).is_err());
    assert!(split("a > b", &lookup).is_err());
    assert!(split("a $(b)", &lookup).is_err());
    assert!(split("a *", &lookup).is_err());
    assert!(split("a $NOPE", &lookup).is_err());
    assert!(split("a 'b", &lookup).is_err());
    assert_eq!(
        code_and_comment("x  --y   z   # needs: install — why").unwrap(),
        ("x --y z".to_owned(), "needs: install — why".to_owned())
    );
    let (assignments, rest) = leading_assignments(vec!["A=1".into(), "cargo".into(), "B=2".into()]);
    assert_eq!(assignments, [("A".to_owned(), "1".to_owned())]);
    assert_eq!(rest, ["cargo", "B=2"]);
}

#[test]
fn continuation_lines_join_and_comment_lines_are_not_commands() {
    let doc = "text\n```sh\n# a comment\ncargo run -- verify \\\n  --impl x   # c\n```\n```toml\nnot = 1\n```\n";
    let commands = documented_commands(doc);
    assert_eq!(commands.len(), 1);
    assert_eq!(commands[0].line, 4);
    assert_eq!(commands[0].code, "cargo run -- verify --impl x");
    assert_eq!(commands[0].comment, "c");
}
