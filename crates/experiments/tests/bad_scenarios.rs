//! Every file of `tests/bad_scenarios/` (2D) and `tests/bad_scenarios_1d/`
//! is a scenario broken in one way (its second line says how): each is
//! refused, without a panic or an abort, by an error that names the file
//! and the key its first line gives (`# expect: members.dt`; `.` for the
//! file as a whole).

use std::path::Path;

use experiments::advection::Advection1dScenario;
use experiments::dipole::DipoleScenario;

#[test]
fn every_broken_scenario_is_refused_naming_its_file_and_key() {
    refused_naming_file_and_key("tests/bad_scenarios", 40, |path| {
        DipoleScenario::from_file(path).map(|_| ())
    });
}

#[test]
fn every_broken_1d_scenario_is_refused_naming_its_file_and_key() {
    refused_naming_file_and_key("tests/bad_scenarios_1d", 25, |path| {
        Advection1dScenario::from_file(path).map(|_| ())
    });
}

/// Every `.toml` of `dir` (at least `at_least` of them) is refused by
/// `load` as its first line expects.
fn refused_naming_file_and_key(
    dir: &str,
    at_least: usize,
    load: impl Fn(&Path) -> experiments::Result<()>,
) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= at_least, "{} files", files.len());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: no `# expect:` line", path.display()));
        let err = load(path).expect_err(&path.display().to_string());
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
    for name in ["advection1d.toml", "advection1d-quick.toml"] {
        Advection1dScenario::from_file(&root.join(name)).unwrap();
    }
}
