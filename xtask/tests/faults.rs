//! Fault injection (issue 22) through the front door: `fig18` on a tiny
//! scenario, with every file it writes (checkpoints, the run store, the
//! CSV after every window, the SVG, `summary.json`) going through a
//! storage whose k-th operation fails, for every k (writes stop half way
//! with `ENOSPC`, renames and removals fail with `EIO`). Each time the run
//! stops with an error naming the file, every file under its final name
//! holds bytes an uninterrupted run wrote there, and `--resume` (or a new
//! run, if nothing was kept to resume) writes the uninterrupted run's CSV,
//! SVG, run store and key numbers. Also: a run resumed under another code
//! revision warns on standard error and records both revisions.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use experiments::dipole::{Checkpoints, DipoleScenario, FILTERS, Setup, fingerprint};
use experiments::storage::{Disk, Storage};
use xtask::reproduce::{self, Error, Request};

const SEED: u64 = 5;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-faults-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// The quick scenario shrunk to milliseconds a window.
fn tiny_scenario(dir: &Path) -> PathBuf {
    let text = experiments::dipole::QUICK
        .replacen("particles_per_side = 128", "particles_per_side = 32", 1)
        .replacen("particles_per_side = 64", "particles_per_side = 16", 1)
        .replacen("n_members = 12", "n_members = 2", 1)
        .replacen("analyses = 10", "analyses = 3", 1)
        .replacen("window = 1.0", "window = 0.2", 1)
        .replacen("observation_side = 12", "observation_side = 3", 1)
        .replacen("quadrature_cells = 128", "quadrature_cells = 16", 1);
    let path = dir.join("tiny.toml");
    fs::write(&path, text).unwrap();
    path
}

fn request(out_dir: PathBuf, config: PathBuf, resume: bool) -> Request {
    Request {
        quick: true,
        seed: SEED,
        seeds: 1,
        out_dir,
        config: Some(config),
        resume,
        stop_after: None,
    }
}

/// The disk, but operation `fail_at` (from 1) fails: a write after half
/// its bytes, a directory creation with `ENOSPC`, a rename or a removal
/// with `EIO`. With `fail_at = 0` it records every content each file had
/// when renamed into place.
#[derive(Debug, Default)]
struct Faulty {
    fail_at: usize,
    done: AtomicUsize,
    failed: Mutex<Vec<PathBuf>>,
    renamed: Mutex<BTreeMap<PathBuf, BTreeSet<Vec<u8>>>>,
}

impl Faulty {
    fn fails(&self, paths: &[&Path]) -> bool {
        let hit = self.done.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_at;
        if hit {
            *self.failed.lock().unwrap() = paths.iter().map(|p| p.to_path_buf()).collect();
        }
        hit
    }
}

impl Storage for Faulty {
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        if self.fails(&[path]) {
            fs::write(path, &bytes[..bytes.len() / 2])?;
            return Err(io::Error::from_raw_os_error(28));
        }
        Disk.write(path, bytes)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        if self.fails(&[from, to]) {
            return Err(io::Error::from_raw_os_error(5));
        }
        Disk.rename(from, to)?;
        if self.fail_at == 0 {
            let mut renamed = self.renamed.lock().unwrap();
            let now = if to.is_dir() {
                files(to)
                    .into_iter()
                    .map(|(p, b)| (to.join(p), b))
                    .collect()
            } else {
                BTreeMap::from([(to.to_path_buf(), fs::read(to)?)])
            };
            for (path, bytes) in now {
                renamed.entry(path).or_default().insert(bytes);
            }
        }
        Ok(())
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        if self.fails(&[path]) {
            return Err(io::Error::from_raw_os_error(28));
        }
        Disk.create_dir_all(path)
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        if self.fails(&[path]) {
            return Err(io::Error::from_raw_os_error(5));
        }
        Disk.remove_dir_all(path)
    }
}

/// Every file under `root` but the lock and `summary.json` (its wall
/// time differs from run to run), by relative path.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if name != ".lock" && name != "summary.json" {
                let bytes = fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

fn staged(path: &Path) -> bool {
    path.components().any(|c| {
        let c = c.as_os_str().to_string_lossy();
        c.ends_with(".partial") || c.ends_with(".removed")
    })
}

fn key_numbers(out: &Path) -> serde_json::Value {
    let text = fs::read_to_string(out.join("fig18/summary.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["key_numbers"].clone()
}

#[test]
fn fig18_failing_at_any_write_stops_naming_the_file_and_resumes_to_the_same_files() {
    let root = scratch("fig18");
    let config = tiny_scenario(&root);
    let fig18 = ["fig18".to_string()];

    let recorder = Arc::new(Faulty::default());
    let whole = root.join("whole");
    reproduce::run_with_storage(
        &fig18,
        &request(whole.clone(), config.clone(), false),
        recorder.clone(),
    )
    .unwrap();
    let last = files(&whole);
    let key = key_numbers(&whole);
    let ever: BTreeMap<PathBuf, BTreeSet<Vec<u8>>> =
        std::mem::take(&mut *recorder.renamed.lock().unwrap())
            .into_iter()
            .map(|(p, b)| (p.strip_prefix(&whole).unwrap().to_path_buf(), b))
            .collect();
    let total = recorder.done.load(Ordering::SeqCst);
    assert!(
        last.keys().any(|p| p.ends_with("fig18.svg"))
            && last.keys().any(|p| p.ends_with("fig18.png"))
            && last.len() == 6,
        "{last:?}"
    );

    for k in 1..=total {
        let out = root.join(format!("k{k}"));
        let faulty = Arc::new(Faulty {
            fail_at: k,
            ..Faulty::default()
        });
        let err = reproduce::run_with_storage(
            &fig18,
            &request(out.clone(), config.clone(), false),
            faulty.clone(),
        )
        .unwrap_err();
        let failed = faulty.failed.lock().unwrap().clone();
        let named = match &err {
            Error::Experiment(experiments::Error::Io { path, .. }) | Error::Io { path, .. } => {
                failed.contains(path)
            }
            _ => false,
        };
        assert!(named, "k = {k} failed on {failed:?}: {err}");
        for (path, bytes) in files(&out).iter().filter(|(p, _)| !staged(p)) {
            let expected = ever
                .get(path)
                .unwrap_or_else(|| panic!("k = {k}: {path:?} never written"));
            assert!(expected.contains(bytes), "k = {k}: {path:?} damaged");
        }

        let resume = out.join("fig18/checkpoint/latest.json").is_file();
        reproduce::run(&fig18, &request(out.clone(), config.clone(), resume))
            .unwrap_or_else(|e| panic!("k = {k}, resume {resume}: {e}"));
        let now: BTreeMap<_, _> = files(&out)
            .into_iter()
            .filter(|(p, _)| !staged(p))
            .collect();
        assert_eq!(now, last, "k = {k}");
        assert_eq!(key_numbers(&out), key, "k = {k}");
        fs::remove_dir_all(&out).unwrap();
    }
    fs::remove_dir_all(&root).unwrap();
}

/// A checkpoint written by other code (here: its recorded revision
/// rewritten) is resumed with a warning on standard error, and
/// `summary.json` records both revisions and the warning.
#[test]
fn a_resume_under_another_revision_warns_and_records_both() {
    let root = scratch("revision");
    let config = tiny_scenario(&root);
    let out = root.join("out");
    reproduce::run(
        &["fig18".into()],
        &Request {
            stop_after: Some(1),
            ..request(out.clone(), config.clone(), false)
        },
    )
    .unwrap();
    let checkpoints = Checkpoints::in_dir(out.join("fig18/checkpoint"));
    let setup = Setup::new(&DipoleScenario::from_file(&config).unwrap());
    let key = fingerprint(&setup, SEED, &FILTERS);
    let mut state = checkpoints.load(&key).unwrap();
    let old = "0123456789abcdef0123456789abcdef01234567".to_string();
    state.revisions = vec![old.clone()];
    checkpoints.save(&state, &key).unwrap();

    let child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "reproduce",
            "fig18",
            "--quick",
            "--resume",
            "--seed",
            &SEED.to_string(),
        ])
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(child.status.success(), "{stderr}");
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("warning: fig18:"))
        .unwrap_or_else(|| panic!("no warning in {stderr}"));
    assert!(
        warning.contains(&old) && warning.contains("after-001"),
        "{warning}"
    );

    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("fig18/summary.json")).unwrap()).unwrap();
    let revisions = summary["parameters"]["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    assert_eq!(revisions[0], old.as_str());
    let running = summary["git_revision"].as_str().unwrap();
    assert!(
        revisions[1].as_str().unwrap().starts_with(running),
        "{revisions:?}"
    );
    let warnings = summary["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().contains(&old));
    assert!(summary["notes"].as_array().unwrap().iter().any(|n| {
        n.as_str()
            .unwrap()
            .contains("resumed across code revisions")
    }));
    fs::remove_dir_all(&root).unwrap();
}
