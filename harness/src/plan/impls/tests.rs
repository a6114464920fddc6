//! Loading the implementations config: placeholders, `extends`, ids, errors with lines.

use super::*;

fn placeholders() -> Placeholders {
    Placeholders {
        root: PathBuf::from("/repo"),
        python: "python3".into(),
        node: "node".into(),
    }
}

fn load(text: &str) -> Result<Impls, Error> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("impls.toml");
    std::fs::write(&path, text).unwrap();
    Impls::load(&path, &placeholders())
}

#[test]
fn extends_merges_env_and_expands_placeholders() {
    let impls = load(
        r#"
        [impl.base]
        language = "python"
        contracts = ["budget"]
        argv = ["{python}", "{root}/adapters/py/adapter.py"]
        env = { A = "{root}/a", B = "b" }
        [impl.child]
        extends = "base"
        mutant = true
        env = { B = "override" }
        "#,
    )
    .unwrap();
    let child = &impls.impls["child"];
    assert_eq!(
        child.command.argv,
        ["python3", "/repo/adapters/py/adapter.py"]
    );
    assert_eq!(
        child.command.env,
        [
            ("A".to_owned(), "/repo/a".to_owned()),
            ("B".to_owned(), "override".to_owned())
        ]
    );
    assert!(child.mutant && !impls.impls["base"].mutant);
    let all: Vec<String> = impls
        .select(&["all".into()])
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(all, ["base"]);
}

#[test]
fn malformed_configs_name_the_file_and_the_problem() {
    let err =
        load("[impl.x]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nargv = [\n").unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string().contains("impls.toml") && err.to_string().contains("line"),
        "{err}"
    );
    let err = load("[impl.x]\nlanguage = \"python\"\ncontracts = [\"nope\"]\nargv = [\"a\"]\n")
        .unwrap_err();
    assert!(err.to_string().contains("unknown contract `nope`"), "{err}");
    let err = load("[impl.x]\nextends = \"y\"\n[impl.y]\nextends = \"x\"\n").unwrap_err();
    assert!(err.to_string().contains("extends itself"), "{err}");
    let err = load("[impl.x]\nlanguage = \"python\"\ncontracts = [\"budget\"]\n").unwrap_err();
    assert!(err.to_string().contains("has no `argv`"), "{err}");
    let err = load("[impl.x]\nlanguage = \"python\"\ncontracts = []\nargv = [\"a\"]\ncolour = 1\n")
        .unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
}

#[test]
fn breaks_must_name_rules_of_a_mutants_own_contracts() {
    let base = "[impl.m]\nlanguage = \"python\"\ncontracts = [\"migrate\"]\nargv = [\"a\"]\n";
    let ok = load(&format!(
        "{base}mutant = true\nbreaks = [\"MIG-PATH\"]\nbreaks-in = \"hostile\"\n"
    ))
    .unwrap();
    assert_eq!(ok.impls["m"].breaks, ["MIG-PATH"]);
    assert_eq!(ok.impls["m"].breaks_in, ProfileName::Hostile);
    let err = load(&format!("{base}mutant = true\nbreaks = [\"BUDGET-OK\"]\n")).unwrap_err();
    assert!(err.to_string().contains("breaks `BUDGET-OK`"), "{err}");
    assert!(err.hint().unwrap().contains("MIG-PATH"));
    let err = load(&format!("{base}breaks = [\"MIG-PATH\"]\n")).unwrap_err();
    assert!(err.to_string().contains("not a mutant"), "{err}");
}

#[test]
fn ids_that_could_leave_a_folder_or_need_quoting_are_refused() {
    for good in ["py", "py-sample", "ts_2.0", "3rd"] {
        assert_eq!(check_id(good), Ok(()), "{good}");
    }
    for bad in [
        "", ".", "..", "../../x", "a/b", "a\\b", ".hidden", "-x", "a b", "a;b", "é",
    ] {
        assert!(check_id(bad).is_err(), "{bad:?} is refused");
    }
}

#[test]
fn a_bad_id_in_a_config_names_its_line_and_the_rule() {
    let body = "language = \"python\"\ncontracts = [\"budget\"]\nargv = [\"a\"]\n";
    let err = load(&format!("[impl.ok]\n{body}\n[impl.\"../../x\"]\n{body}")).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let message = err.to_string();
    assert!(
        message.contains("impls.toml: line 6:") && message.contains("\"../../x\""),
        "{message}"
    );
    assert!(err.hint().unwrap().contains("letters, digits"), "{err:?}");
    let err = load(&format!(
        "[impl.ok]\n{body}setup = \"a/b\"\n[setup.\"a/b\"]\ndir = \"d\"\nsteps = []\ninputs = []\n"
    ))
    .unwrap_err();
    assert!(err.to_string().contains("line 6: [setup.\"a/b\"]"), "{err}");
}

#[test]
fn a_bad_id_on_the_command_line_is_a_usage_error() {
    let impls = load("[impl.a]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nargv = [\"x\"]\n")
        .unwrap();
    let err = impls.select(&["../../x".into()]).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("--impl \"../../x\""), "{err}");
    assert!(err.hint().unwrap().contains("letters, digits"), "{err:?}");
}

#[test]
fn unknown_impl_is_a_usage_error_suggesting_the_closest_and_how_to_list_them() {
    let impls = load(
        "[impl.alpha]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nargv = [\"x\"]\n\n[impl.beta]\nextends = \"alpha\"\n",
    )
    .unwrap();
    let err = impls.select(&["alpah".into()]).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert_eq!(err.to_string(), "unknown implementation `alpah`");
    let hint = err.hint().unwrap();
    assert!(
        hint.starts_with(
            "did you mean `alpha`? `harness doctor` lists the 2 known implementations"
        ),
        "{hint}"
    );
    let far = impls
        .select(&["gamma-ray".into()])
        .unwrap_err()
        .hint()
        .unwrap();
    assert!(far.starts_with("`harness doctor` lists"), "{far}");
}

/// A built-in config with a Python adapter, and a project config beside a `src/` folder.
fn load_project(project: &str) -> Result<Impls, Error> {
    let dir = tempfile::tempdir().unwrap();
    let builtin = dir.path().join("impls.toml");
    std::fs::write(
        &builtin,
        r#"
        [language.python]
        argv = ["{python}", "{root}/adapters/py/adapter.py"]
        sources = { budget = "AEGIS_PY_SRC", migrate = "ANTARIS_PY_SRC" }
        expects = { budget = "a folder holding aegis/" }
        [impl.py-sample]
        language = "python"
        contracts = ["budget"]
        env = { AEGIS_PY_SRC = "{root}/samples" }
        "#,
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("repo/src")).unwrap();
    let path = dir.path().join("repo/conformance.toml");
    std::fs::write(&path, project).unwrap();
    let text = ConfigText::read(&path, "")?;
    Impls::load_with(&builtin, Some(&text), &placeholders()).map(|mut impls| {
        // Paths under the temporary folder, shown from it.
        for spec in impls.impls.values_mut() {
            for (_, value) in &mut spec.command.env {
                *value = value.replace(&dir.path().to_string_lossy().into_owned(), "TMP");
            }
        }
        impls
    })
}

#[test]
fn a_project_entry_with_a_source_runs_on_its_languages_adapter() {
    let impls = load_project(
        "[impl.mine]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nsource = \"src\"\n",
    )
    .unwrap();
    let mine = &impls.impls["mine"];
    assert_eq!(
        mine.command.argv,
        ["python3", "/repo/adapters/py/adapter.py"]
    );
    assert_eq!(
        mine.command.env,
        [("AEGIS_PY_SRC".to_owned(), "TMP/repo/src".to_owned())]
    );
    assert!(mine
        .fix
        .for_contract("budget")
        .unwrap()
        .contains("a folder holding aegis/"));
    // `all` is the project's own, once it declares any.
    let all: Vec<String> = impls
        .select(&["all".into()])
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(all, ["mine"]);
    assert!(
        impls.select(&["py-sample".into()]).is_ok(),
        "built-in ones stay available"
    );
}

#[test]
fn project_mistakes_name_the_line_and_the_fix() {
    let cases = [
        ("[impl.py-sample]\nlanguage = \"python\"\ncontracts = [\"budget\"]\n", "line 1: [impl.py-sample] is declared already"),
        ("\n[impl.mine]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nsource = \"nowhere\"\n", "line 5: source \"nowhere\""),
        ("[impl.mine]\nlanguage = \"python\"\ncontracts = [\"ledger\"]\nsource = \"src\"\n", "no binding for contract `ledger`"),
        ("[impl.mine]\nlanguage = \"python\"\ncontracts = [\"budget\", \"migrate\"]\nsource = { budget = \"src\" }\n", "no source for contract `migrate`"),
        ("[impl.mine]\nlanguage = \"cobol\"\ncontracts = [\"budget\"]\nsource = \"src\"\n", "has no `argv`, and language `cobol` has no built-in adapter"),
        ("[defaults]\nimpls = [\"ghost\"]\n", "line 2: [defaults] impls names unknown implementation `ghost`"),
    ];
    for (text, expected) in cases {
        let err = load_project(text).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{text}");
        assert!(err.to_string().contains("conformance.toml: line"), "{err}");
        assert!(err.to_string().contains(expected), "{expected}: {err}");
        assert!(err.hint().is_some(), "{err}");
    }
}

#[test]
fn coverage_runs_a_plain_interpreter_adapter_on_the_venv_of_the_same_adapter() {
    let impls = load(
        r#"
        [setup.venv]
        dir = "{root}"
        steps = [["{python}", "-m", "venv", "{root}/.venv"]]
        inputs = []
        creates = ["{root}/.venv/bin/python"]
        [impl.real]
        language = "python"
        contracts = ["budget"]
        setup = "venv"
        argv = ["{root}/.venv/bin/python", "{root}/adapters/py/adapter.py"]
        [impl.sample]
        language = "python"
        contracts = ["budget"]
        argv = ["{python}", "{root}/adapters/py/adapter.py"]
        [impl.other]
        language = "python"
        contracts = ["budget"]
        argv = ["{python}", "{root}/elsewhere.py"]
        "#,
    )
    .unwrap();
    let sample = impls.impls["sample"].clone().measurable(&impls);
    assert_eq!(
        sample.command.argv,
        ["/repo/.venv/bin/python", "/repo/adapters/py/adapter.py"]
    );
    assert_eq!(sample.setup.map(|s| s.name), Some("venv".to_owned()));
    // Another adapter has no venv to borrow: it runs as it is (and reports no coverage).
    let other = impls.impls["other"].clone();
    assert_eq!(other.clone().measurable(&impls), other);
    let real = impls.impls["real"].clone();
    assert_eq!(real.clone().measurable(&impls), real);
}
