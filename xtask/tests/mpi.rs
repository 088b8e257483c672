//! `fig18 --quick` shared out over 1, 2 and 3 MPI ranks (oversubscribed on
//! a 2-core machine) against one process: the CSV and every number of
//! `summary.json` but the wall time and the number of ranks, bit for bit.
//! And a run stopped on 2 ranks and resumed on 3 (rank 0 writes the
//! checkpoint, every rank reads its members back) ends with the same
//! numbers. A run that calibrates the members' viscosity
//! (`assimilation.calibrate_viscosity`) on 2 ranks is its single-process
//! run too, viscosity columns included.
//!
//! Needs the `mpi` feature and Open MPI's `mpirun` (`.ci/run` installs it
//! when it can): `cargo test -p xtask --features mpi --test mpi`.
#![cfg(feature = "mpi")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-mpi-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// `xtask reproduce fig18 --quick --out OUT EXTRA…` as one process (no
/// `mpirun`: MPI's singleton, rank 0 of 1) or on `ranks` ranks.
fn launch(ranks: Option<usize>, out: &Path, extra: &[&str]) {
    let mut command = match ranks {
        None => Command::new(XTASK),
        Some(n) => {
            let mut mpirun = Command::new("mpirun");
            let n = n.to_string();
            mpirun.args(["--allow-run-as-root", "--oversubscribe", "-n", &n, XTASK]);
            mpirun
        }
    };
    command
        .args(["reproduce", "fig18", "--quick", "--out"])
        .arg(out)
        .args(extra);
    let output = command
        .output()
        .expect("mpirun starts (apt-get install libopenmpi-dev openmpi-bin)");
    assert!(
        output.status.success(),
        "{ranks:?} ranks {extra:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The CSV and `summary.json` without its wall time and number of ranks
/// (which it checks is `ranks`).
fn results(out: &Path, ranks: usize) -> (String, serde_json::Value) {
    let dir = out.join("fig18");
    let csv = fs::read_to_string(dir.join("fig18.csv")).unwrap();
    let text = fs::read_to_string(dir.join("summary.json")).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    let fields = summary.as_object_mut().unwrap();
    assert_eq!(fields.remove("ranks"), Some(ranks.into()));
    assert!(fields.remove("wall_time_s").is_some());
    (csv, summary)
}

#[test]
fn fig18_on_one_two_and_three_ranks_is_the_single_process_run_bit_for_bit() {
    let root = scratch("ranks");
    launch(None, &root.join("alone"), &[]);
    let alone = results(&root.join("alone"), 1);
    assert_eq!(alone.1["key_numbers"]["complete"], true);
    for ranks in 1..=3 {
        let out = root.join(format!("ranks-{ranks}"));
        launch(Some(ranks), &out, &[]);
        assert!(results(&out, ranks) == alone, "{ranks} ranks");
        assert!(!out.join("fig18/checkpoint").exists());
    }

    let split = root.join("split");
    launch(Some(2), &split, &["--stop-after", "4"]);
    let stopped = results(&split, 2);
    assert_eq!(stopped.1["key_numbers"]["completed_analyses"], 4);
    launch(Some(3), &split, &["--resume"]);
    assert!(
        results(&split, 3) == alone,
        "stopped on 2 ranks, resumed on 3"
    );
    let _ = fs::remove_dir_all(&root);
}

/// The quick scenario cut to 6 members and 3 analyses, its members'
/// viscosity calibrated from a prior mean three times the truth's.
fn calibrated_scenario(dir: &Path) -> PathBuf {
    let text = experiments::dipole::QUICK
        .replacen("n_members = 12", "n_members = 6", 1)
        .replacen("analyses = 10", "analyses = 3", 1)
        .replacen(
            "viscosity = { mean = 0.0015, variance = 2.5e-7 }",
            "viscosity = { mean = 0.0045, variance = 2.5e-7 }",
            1,
        )
        .replacen(
            "quadrature_cells = 128",
            "quadrature_cells = 128\ncalibrate_viscosity = true",
            1,
        );
    assert!(text.contains("n_members = 6") && text.contains("calibrate_viscosity = true"));
    let path = dir.join("calibrated.toml");
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_calibrated_viscosity_on_two_ranks_is_the_single_process_run_bit_for_bit() {
    let root = scratch("calibrated");
    let config = calibrated_scenario(&root);
    let config = config.to_str().unwrap();
    launch(None, &root.join("alone"), &["--config", config]);
    let alone = results(&root.join("alone"), 1);
    let header = alone.0.lines().next().unwrap();
    assert!(header.ends_with(",nu_mean,nu_sd"), "{header}");
    let viscosity = &alone.1["key_numbers"]["viscosity"];
    assert_eq!(viscosity["calibrated"], true);
    let analysed = viscosity["remesh_enkf"]["analysis_mean"]
        .as_array()
        .unwrap();
    assert_eq!(analysed.len(), 3);
    assert_ne!(analysed[0], viscosity["prior_draws"]["mean"], "analysed");
    let out = root.join("ranks-2");
    launch(Some(2), &out, &["--config", config]);
    assert!(results(&out, 2) == alone, "2 ranks");
    let _ = fs::remove_dir_all(&root);
}
