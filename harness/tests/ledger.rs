//! The `ledger` contract end to end: the samples agree to the byte, a local-time bug shows
//! up away from UTC (and only there), and the time zone a run used is in its report. Its
//! mutants are caught by `mutants.rs`, as every contract's are.

mod common;

use common::{serial, Sandbox};

fn verify(impls: &str, extra: &[&str]) -> common::Run {
    common::verify("ledger", impls, extra)
}

#[test]
fn python_and_typescript_samples_agree_with_the_reference_in_both_profiles() {
    let _guard = serial();
    for profile in ["normal", "hostile"] {
        let run = verify(
            "py-sample,ts-sample",
            &["--cases", "400", "--seed", "2", "--profile", profile],
        );
        run.assert_agreement(profile);
        assert!(run.tally("ledger", "py-sample")["pass"].as_u64() > Some(400));
    }
}

#[test]
fn a_local_time_bug_passes_under_utc_and_fails_under_kiritimati() {
    let _guard = serial();
    let args = ["--cases", "200", "--seed", "3", "--shrink-time", "5"];
    let utc = verify(
        "ts-mutant-local-time-window",
        &[&args[..], &["--tz", "UTC"]].concat(),
    );
    assert_eq!(utc.code, 0, "{}\n{}", utc.stdout, utc.stderr);
    assert_eq!(utc.report()["settings"]["timeZone"], "UTC");
    assert!(utc.stdout.contains("TZ UTC"), "{}", utc.stdout);

    let sandbox = Sandbox::new();
    let kiritimati = sandbox.run(
        &[
            &[
                "verify",
                "--impl",
                "ts-mutant-local-time-window",
                "--contract",
                "ledger",
                "--quiet",
            ][..],
            &args[..],
            &["--tz", "Pacific/Kiritimati"],
        ]
        .concat(),
    );
    assert_eq!(
        kiritimati.code, 1,
        "{}\n{}",
        kiritimati.stdout, kiritimati.stderr
    );
    assert_eq!(
        kiritimati.report()["settings"]["timeZone"],
        "Pacific/Kiritimati"
    );
    let groups = kiritimati.groups();
    assert!(
        groups
            .iter()
            .all(|g| g["rules"] == serde_json::json!(["LEDGER-WINDOW"])),
        "{}",
        kiritimati.stdout
    );
    // The saved case keeps its zone, and its replay runs under it: under UTC it would pass.
    let saved: Vec<_> = std::fs::read_dir(sandbox.corpus.path().join("ledger"))
        .expect("the divergence was saved to the corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert!(!saved.is_empty());
    for path in &saved {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(case["timeZone"], "Pacific/Kiritimati", "{}", path.display());
        let replay = sandbox.run(&["repro", path.to_str().unwrap()]);
        assert_eq!(replay.code, 1, "{}\n{}", replay.stdout, replay.stderr);
        assert!(
            replay.stdout.contains("still diverges"),
            "{}",
            replay.stdout
        );
    }
}

#[test]
fn without_tz_the_seed_picks_a_zone_away_from_utc_and_the_report_records_it() {
    let _guard = serial();
    let first = verify(
        "ts-mutant-local-time-window",
        &["--cases", "60", "--seed", "4", "--shrink-time", "0"],
    );
    let again = verify(
        "ts-mutant-local-time-window",
        &["--cases", "60", "--seed", "4", "--shrink-time", "0"],
    );
    let zone = first.report()["settings"]["timeZone"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!zone.is_empty() && zone != "UTC", "{zone}");
    assert_eq!(again.report()["settings"]["timeZone"], zone.as_str());
    // Every default zone is off UTC all year, so the local-time mutant never hides.
    assert_eq!(first.code, 1, "{zone}: {}", first.stdout);
    let other = verify(
        "py-sample",
        &["--cases", "10", "--seed", "5", "--no-vectors"],
    );
    assert_ne!(other.report()["settings"]["timeZone"], zone.as_str());
}

#[test]
fn an_unknown_time_zone_is_a_usage_error() {
    for zone in ["Mars/Olympus_Mons", "../etc/passwd", ""] {
        let run = verify("py-sample", &["--cases", "1", "--tz", zone]);
        assert_eq!(run.code, 2, "{zone}: {}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("--tz") && run.stderr.contains("IANA"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn the_real_ledger_is_unavailable_without_a_checkout_and_says_what_to_set() {
    // Every contract `ts` lacks is named with its own fix.
    let run = Sandbox::new().run(&["verify", "--impl", "ts", "--cases", "5", "--quiet"]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let ts = &run.report()["implementations"][0];
    let (reason, fix) = (
        ts["reason"].as_str().unwrap_or(""),
        ts["fix"].as_str().unwrap_or(""),
    );
    assert!(
        reason.contains("budget: ") && reason.contains("ledger: "),
        "{reason}"
    );
    assert!(
        fix.lines()
            .any(|l| l.starts_with("export AEGIS_RUNTIME_SRC=")),
        "{fix}"
    );
    assert!(
        fix.lines().any(|l| l.starts_with("export AEGIS_TS_SRC=")),
        "{fix}"
    );
    assert!(
        run.stdout.contains("fix: export AEGIS_RUNTIME_SRC="),
        "{}",
        run.stdout
    );
}
