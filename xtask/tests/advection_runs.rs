//! The 1D experiment killed at a random moment: it keeps no checkpoint (a
//! run takes about a second), so what a kill must not do is leave a
//! damaged file under a final name; a new run then writes the
//! uninterrupted run's bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-advection-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn xtask(out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(["reproduce", "fig7", "--quick", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// A pseudo-random delay in `0..max`, replayable (`KILL_AFTER_MS=k`).
fn pick(max: Duration) -> Duration {
    Duration::from_millis(common::replayable_pick(
        "KILL_AFTER_MS",
        max.as_millis() as u64,
    ))
}

#[test]
fn a_1d_run_killed_at_a_random_moment_leaves_no_damaged_file_and_reruns_to_the_same_bytes() {
    let root = scratch("kill");
    let whole = root.join("whole");
    let started = Instant::now();
    assert!(xtask(&whole).status().unwrap().success());
    let duration = started.elapsed();
    let dir = whole.join("fig7");
    let expected: Vec<(&str, Vec<u8>)> = ["fig7.csv", "fig7.svg"]
        .into_iter()
        .map(|f| (f, fs::read(dir.join(f)).unwrap()))
        .collect();

    let killed = root.join("killed");
    let mut child = xtask(&killed).spawn().unwrap();
    std::thread::sleep(pick(duration));
    child.kill().unwrap();
    child.wait().unwrap();
    let dir = killed.join("fig7");
    for (name, bytes) in &expected {
        if let Ok(found) = fs::read(dir.join(name)) {
            assert_eq!(&found, bytes, "{name} was left damaged by the kill");
        }
    }
    if let Ok(text) = fs::read_to_string(dir.join("summary.json")) {
        serde_json::from_str::<serde_json::Value>(&text).expect("a whole summary.json");
    }

    assert!(xtask(&killed).status().unwrap().success());
    for (name, bytes) in &expected {
        assert_eq!(
            &fs::read(dir.join(name)).unwrap(),
            bytes,
            "{name} after the rerun"
        );
    }
    fs::remove_dir_all(&root).unwrap();
}
