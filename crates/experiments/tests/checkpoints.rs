//! A checkpoint gives back exactly the state it saved, and refuses to be
//! resumed by another experiment or when a file of it is damaged, naming
//! the file.

use std::fs;
use std::path::PathBuf;

use experiments::Error;
use experiments::dipole::DipoleScenario;
use experiments::dipole::{Checkpoints, Experiment, FILTERS, RunState, Setup, fingerprint};

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

fn bits(state: &RunState) -> Vec<u64> {
    let mut out = Vec::new();
    let flows = std::iter::once(&state.truth)
        .chain(state.ensembles.iter().flat_map(|(_, members)| members));
    for flow in flows {
        let p = &flow.particles;
        for values in [p.coords(0), p.coords(1), p.strengths(), p.volumes()] {
            out.extend(values.iter().map(|x| x.to_bits()));
        }
        out.extend([flow.time.to_bits(), flow.steps]);
    }
    for row in state.observations.iter().chain(&state.truth_fields) {
        out.extend(row.iter().map(|x| x.to_bits()));
    }
    for row in &state.rows {
        out.push(row.e_omega.to_bits());
        out.extend(row.per_member.iter().map(|x| x.to_bits()));
    }
    out
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
