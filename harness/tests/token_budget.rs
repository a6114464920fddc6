//! The `token-budget` contract end to end: the samples agree, integers beyond 2^64 travel
//! exactly through both adapters, and the real lexigram-contracts is driven and found not
//! to validate its fields. Its mutants are caught by `mutants.rs`.

mod common;

use common::serial;

fn verify(impls: &str, extra: &[&str]) -> common::Run {
    common::verify("token-budget", impls, extra)
}

#[test]
fn python_and_typescript_samples_agree_with_the_reference_in_both_profiles() {
    let _guard = serial();
    for profile in ["normal", "hostile"] {
        let run = verify(
            "py-sample,ts-sample",
            &["--cases", "600", "--seed", "2", "--profile", profile],
        );
        run.assert_agreement(profile);
    }
}

#[test]
fn integers_beyond_64_bits_arrive_and_return_exactly() {
    let _guard = serial();
    for vector in [
        "beyond-2-64-step",
        "u64-fields-sum-exact",
        "sum-past-2-53-exact",
    ] {
        let run = verify("py-sample,ts-sample", &["--vector", vector]);
        assert_eq!(run.code, 0, "{vector}: {}\n{}", run.stdout, run.stderr);
        let outcomes: Vec<_> = run.report()["vectors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(outcomes.len(), 2, "{vector}");
        assert!(
            outcomes.iter().all(|o| o["status"] == "pass"),
            "{vector}: {outcomes:?}"
        );
    }
}

#[test]
fn the_real_package_is_driven_and_its_missing_validation_reported() {
    let _guard = serial();
    let run = verify(
        "py",
        &[
            "--cases",
            "300",
            "--seed",
            "1",
            "--profile",
            "hostile",
            "--shrink-time",
            "10",
        ],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let py = &run.report()["implementations"][0];
    assert_eq!(py["packages"]["token-budget"]["name"], "lexigram-contracts");
    assert_eq!(py["packages"]["token-budget"]["version"], "0.1.5008");
    let groups = run.groups();
    assert!(
        groups
            .iter()
            .any(|g| g["rules"] == serde_json::json!(["TOKEN-INTEGERS"])),
        "{}",
        run.stdout
    );
    // Inside the schema it agrees: every group is about inputs the contract refuses.
    assert!(
        groups
            .iter()
            .all(|g| g["rules"] == serde_json::json!(["TOKEN-INTEGERS"])),
        "{}",
        run.stdout
    );
}
