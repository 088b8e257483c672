//! A checkpoint gives back exactly the state it saved, and refuses to be
//! resumed by another experiment or when a file of it is damaged, naming
//! the file.

use std::fs;
use std::path::PathBuf;
use std::sync::Arc;

use assim::distributed::SingleProcess;

use experiments::Error;
use experiments::dipole::DipoleScenario;
use experiments::dipole::{Checkpoints, Experiment, FILTERS, RunState, Setup, fingerprint};

mod common;
use common::bits;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("experiments-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// The quick experiment with three members, after one window.
fn one_window() -> (Setup, RunState) {
    let mut setup = Setup::new(&DipoleScenario::quick().unwrap());
    setup.n_members = 3;
    setup.analyses = 2;
    let (mut experiment, mut state) = Experiment::start(setup.clone(), 5, &FILTERS).unwrap();
    experiment.advance_window(&mut state, &mut |_| {}).unwrap();
    (setup, state)
}

#[test]
fn a_checkpoint_round_trips_and_refuses_what_it_cannot_trust() {
    let (setup, state) = one_window();
    let dir = scratch("round-trip");
    let checkpoints = Checkpoints::in_dir(dir.clone());
    let key = fingerprint(&setup, 5, &FILTERS);
    checkpoints.save(&state, &key).unwrap();
    assert!(checkpoints.exist());

    let loaded = checkpoints.load(&key).unwrap();
    assert_eq!(loaded.completed, 1);
    assert_eq!(
        bits(&loaded),
        bits(&state),
        "every number back, bit for bit"
    );
    assert_eq!(loaded.rows, state.rows);

    let other = fingerprint(&setup, 6, &FILTERS);
    let err = checkpoints.load(&other).unwrap_err();
    assert!(
        matches!(&err, Error::Checkpoint { path, .. } if path.ends_with("state.json"))
            && err.to_string().contains("another scenario or seed"),
        "{err}"
    );

    // A truncated particle file is refused with its name.
    let member = dir.join("after-001").join("part_enkf-002.npy");
    let bytes = fs::read(&member).unwrap();
    fs::write(&member, &bytes[..bytes.len() - 8]).unwrap();
    let err = checkpoints.load(&key).unwrap_err();
    assert!(
        matches!(&err, Error::Checkpoint { path, .. } if *path == member),
        "{err}"
    );

    checkpoints.clear().unwrap();
    assert!(!checkpoints.exist());
    let err = checkpoints.load(&key).unwrap_err();
    assert!(err.to_string().contains("no checkpoint"), "{err}");
}

/// One byte flipped in any file of the newest checkpoint (a bad disk
/// block, a partial copy) is refused naming that file; once that
/// checkpoint is deleted, as the error advises, the run resumes from the
/// one before and ends with the uninterrupted run's numbers, bit for bit.
#[test]
fn a_damaged_checkpoint_is_refused_by_name_and_the_one_before_resumes_exactly() {
    let mut setup = Setup::new(&DipoleScenario::quick().unwrap());
    setup.n_members = 3;
    setup.analyses = 3;
    let dir = scratch("damage");
    let checkpoints = Checkpoints::in_dir(dir.clone());
    let key = fingerprint(&setup, 5, &FILTERS);
    let (mut experiment, mut state) = Experiment::start(setup.clone(), 5, &FILTERS).unwrap();
    for _ in 0..2 {
        experiment.advance_window(&mut state, &mut |_| {}).unwrap();
        checkpoints.save(&state, &key).unwrap();
    }
    let after_two = bits(&state);
    experiment.advance_window(&mut state, &mut |_| {}).unwrap();
    let uninterrupted = bits(&state);

    let newest = dir.join("after-002");
    let files = [
        dir.join("latest.json"),
        newest.join("manifest.json"),
        newest.join("state.json"),
        newest.join("truth.npy"),
        newest.join("remesh_enkf-001.npy"),
        newest.join("observations.npy"),
        newest.join("truth_fields.npy"),
    ];
    for file in &files {
        let bytes = fs::read(file).unwrap();
        // Deep in the data, not only in a header.
        for at in [bytes.len() / 2, bytes.len() - 2] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            fs::write(file, &flipped).unwrap();
            let err = checkpoints.load(&key).unwrap_err();
            assert!(
                matches!(&err, Error::Checkpoint { path, reason } if path == file && reason.contains("damaged")),
                "{} byte {at}: {err}",
                file.display()
            );
            if file.parent() == Some(newest.as_path()) && !file.ends_with("manifest.json") {
                assert!(err.to_string().contains("after-001"), "{err}");
            }
        }
        fs::write(file, &bytes).unwrap();
        assert_eq!(bits(&checkpoints.load(&key).unwrap()), after_two);
    }

    // The advice taken: the newest deleted, the one before resumes.
    let member = newest.join("part_enkf-002.npy");
    let mut bytes = fs::read(&member).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&member, &bytes).unwrap();
    let err = checkpoints.load(&key).unwrap_err();
    assert!(err.to_string().contains("delete"), "{err}");
    fs::remove_dir_all(&newest).unwrap();
    let mut resumed = checkpoints.load(&key).unwrap();
    assert_eq!(resumed.completed, 1);
    let (mut experiment, _) = Experiment::start(setup, 5, &FILTERS).unwrap();
    while resumed.completed < 3 {
        experiment
            .advance_window(&mut resumed, &mut |_| {})
            .unwrap();
    }
    assert_eq!(bits(&resumed), uninterrupted);
}

/// Only the two newest complete checkpoints are kept.
#[test]
fn the_two_newest_checkpoints_are_kept() {
    let (setup, mut state) = one_window();
    let dir = scratch("kept");
    let checkpoints = Checkpoints::in_dir(dir.clone());
    let key = fingerprint(&setup, 5, &FILTERS);
    for completed in 1..=4 {
        state.completed = completed;
        checkpoints.save(&state, &key).unwrap();
    }
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["after-003", "after-004", "latest.json"]);
}

/// A checkpoint records the revisions of the code that computed it; a
/// resume under another revision goes on, tells the caller (the library
/// prints nothing) and records both, and one under the same revision says
/// nothing.
#[test]
fn resuming_under_another_revision_warns_and_records_both() {
    use experiments::Warning;
    use experiments::dipole::{Split, run_checkpointed};

    let mut setup = Setup::new(&DipoleScenario::quick().unwrap());
    setup.n_members = 3;
    setup.analyses = 2;
    let dir = scratch("revisions");
    let checkpoints = Checkpoints::in_dir(dir.clone());
    let run = |revision: &str, resume: bool, stop_at: usize| {
        let warnings = std::cell::RefCell::new(Vec::new());
        let split = Split {
            checkpoints: &checkpoints,
            resume,
            stop_at,
            revision,
            on_warning: &|w: &Warning| warnings.borrow_mut().push(w.clone()),
            ranks: Arc::new(SingleProcess),
        };
        let state = run_checkpointed(setup.clone(), 5, &FILTERS, &split, &mut |_| {}, |_| {
            Ok::<(), Error>(())
        })
        .unwrap();
        (state.revisions, warnings.into_inner())
    };
    assert_eq!(run("aaa", false, 1), (vec!["aaa".to_string()], vec![]));
    let (revisions, warnings) = run("bbb", true, 2);
    assert_eq!(revisions, ["aaa", "bbb"]);
    assert_eq!(
        warnings,
        [Warning::OtherRevision {
            path: dir.join("after-001"),
            recorded: vec!["aaa".into()],
            running: "bbb".into(),
        }]
    );
    let message = warnings[0].to_string();
    assert!(
        message.contains("aaa") && message.contains("bbb"),
        "{message}"
    );
    // The finished run's checkpoint (kept until its caller removes it)
    // names both; the code that wrote it last resumes it quietly.
    let (revisions, warnings) = run("bbb", true, 2);
    assert_eq!(
        (revisions, warnings),
        (vec!["aaa".into(), "bbb".into()], vec![])
    );
    assert_eq!(
        checkpoints
            .load(&fingerprint(&setup, 5, &FILTERS))
            .unwrap()
            .completed,
        2
    );
}
