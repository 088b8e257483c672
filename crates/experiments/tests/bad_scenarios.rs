//! Every file of `tests/bad_scenarios/` is a 2D scenario broken in one way
//! (its second line says how): each is refused, without a panic or an
//! abort, by an error that names the file and the key its first line gives
//! (`# expect: members.dt`; `.` for the file as a whole).

use std::path::Path;

use experiments::dipole::DipoleScenario;

#[test]
fn every_broken_scenario_is_refused_naming_its_file_and_key() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{} files", files.len());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: no `# expect:` line", path.display()));
        let err = DipoleScenario::from_file(path).expect_err(&path.display().to_string());
        match &err {
            experiments::Error::Scenario { file, key, .. } => {
                assert_eq!(file.as_deref(), Some(path.as_path()), "{err}");
                assert_eq!(key, expected, "{}: {err}", path.display());
            }
            other => panic!("{}: not a scenario error: {other}", path.display()),
        }
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn the_shipped_scenarios_pass_the_same_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    for name in ["dipole2d.toml", "dipole2d-quick.toml"] {
        DipoleScenario::from_file(&root.join(name)).unwrap();
    }
}
