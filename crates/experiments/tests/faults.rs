//! Fault injection (issue 22): a value of a sweep (its checkpoints after
//! every window, its run-store entries, its record) is run on a storage
//! that fails its k-th write, rename, directory creation or removal, for
//! every k, with writes that fail whole (`ENOSPC`) or short (half the bytes
//! written, then `ENOSPC`). Each time the run stops with an error naming
//! the file; every file under its final name holds bytes an uninterrupted
//! run wrote there (nothing complete is damaged, no checkpoint directory is
//! incomplete); and a resume on the disk ends with the uninterrupted run's
//! rows, bit for bit, and its files.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use experiments::dipole::sweep::{Sweep, ValueRun};
use experiments::dipole::{DipoleScenario, Filter, Records, Row, RunStore, Setup};
use experiments::storage::{Disk, Storage};
use experiments::{Error, Warning};

const SEED: u64 = 3;
const REVISION: &str = "test-revision";
const FILTERS: [Filter; 2] = [Filter::RemeshEnkf, Filter::PartEnkf];

/// The quick scenario shrunk to milliseconds a window: coarse flows, two
/// members, three short windows (the third save drops the first
/// checkpoint).
fn tiny() -> Setup {
    let text = experiments::dipole::QUICK
        .replacen("particles_per_side = 128", "particles_per_side = 32", 1)
        .replacen("particles_per_side = 64", "particles_per_side = 16", 1)
        .replacen("n_members = 12", "n_members = 2", 1)
        .replacen("analyses = 10", "analyses = 3", 1)
        .replacen("window = 1.0", "window = 0.2", 1)
        .replacen("observation_side = 12", "observation_side = 3", 1)
        .replacen("quadrature_cells = 128", "quadrature_cells = 16", 1);
    Setup::new(&DipoleScenario::from_toml(&text).unwrap())
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("experiments-faults-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// How the k-th operation fails.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// A write fails with nothing written.
    NoSpace,
    /// A write stops half way.
    Short,
}

fn no_space() -> io::Error {
    io::Error::from_raw_os_error(28)
}

/// The disk, but operation `fail_at` (counted from 1) fails: a write as
/// `fault` says, a directory creation with `ENOSPC`, a rename or a removal
/// with `EIO`. `fail_at = 0` fails nothing, counts the operations and
/// records every content each file had under its final name.
#[derive(Debug)]
struct Faulty {
    fail_at: usize,
    fault: Fault,
    done: AtomicUsize,
    /// The paths of the operation that failed.
    failed: Mutex<Vec<PathBuf>>,
    /// With `fail_at = 0`: every file renamed into place (a replaced file,
    /// a completed checkpoint's files), with each content it had.
    renamed: Mutex<BTreeMap<PathBuf, BTreeSet<Vec<u8>>>>,
}

impl Faulty {
    fn new(fail_at: usize, fault: Fault) -> Arc<Self> {
        Arc::new(Faulty {
            fail_at,
            fault,
            done: AtomicUsize::new(0),
            failed: Mutex::new(Vec::new()),
            renamed: Mutex::new(BTreeMap::new()),
        })
    }

    /// Whether this operation, on `paths`, is the one to fail.
    fn fails(&self, paths: &[&Path]) -> bool {
        let k = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let hit = k == self.fail_at;
        if hit {
            *self.failed.lock().unwrap() = paths.iter().map(|p| p.to_path_buf()).collect();
        }
        hit
    }
}

impl Storage for Faulty {
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        if self.fails(&[path]) {
            if self.fault == Fault::Short {
                fs::write(path, &bytes[..bytes.len() / 2])?;
            }
            return Err(no_space());
        }
        Disk.write(path, bytes)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        if self.fails(&[from, to]) {
            return Err(io::Error::from_raw_os_error(5));
        }
        Disk.rename(from, to)?;
        if self.fail_at == 0 && !staged(to) {
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
            return Err(no_space());
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

/// Every file under `root` (relative path, bytes).
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

/// Whether a path is under a name that says it is not complete.
fn staged(path: &Path) -> bool {
    path.components().any(|c| {
        let c = c.as_os_str().to_string_lossy();
        c.ends_with(".partial") || c.ends_with(".removed")
    })
}

/// Value 0 of a sweep in `root` on `storage`: its rows, or the error that
/// stopped it.
fn value(root: &Path, storage: Arc<dyn Storage>, resume: bool) -> Result<ValueRun, Error> {
    let warnings = Mutex::new(Vec::<Warning>::new());
    let records = Records::in_dir_with(root, resume, Arc::clone(&storage))?;
    let store = RunStore::new_with(root.join("dipole-runs"), REVISION, resume, storage);
    let on_warning = |w: &Warning| warnings.lock().unwrap().push(w.clone());
    let sweep = Sweep {
        records: &records,
        store: &store,
        seed: SEED,
        filters: &FILTERS,
        revision: REVISION,
        resume,
        on_warning: &on_warning,
    };
    let run = sweep.value(0, &tiny(), usize::MAX, &mut |_| {})?;
    assert!(
        warnings.lock().unwrap().is_empty(),
        "one revision throughout"
    );
    Ok(run.expect("a value without stop_after finishes"))
}

fn bits(rows: &[Row]) -> Vec<u64> {
    rows.iter()
        .flat_map(|r| {
            [r.time, r.e_omega, r.mean_particles]
                .into_iter()
                .chain(r.per_member.iter().copied())
        })
        .map(f64::to_bits)
        .collect()
}

/// What an uninterrupted run writes: its rows, its final files, and every
/// content each file had under its final name while it ran (checkpoints
/// included).
struct Reference {
    rows: Vec<Row>,
    last: BTreeMap<PathBuf, Vec<u8>>,
    ever: BTreeMap<PathBuf, BTreeSet<Vec<u8>>>,
    operations: usize,
}

fn reference() -> Reference {
    let root = scratch("reference");
    let recorder = Faulty::new(0, Fault::NoSpace);
    let run = value(&root, recorder.clone(), false).unwrap();
    let ever = std::mem::take(&mut *recorder.renamed.lock().unwrap())
        .into_iter()
        .map(|(path, contents)| (path.strip_prefix(&root).unwrap().to_path_buf(), contents))
        .collect();
    let last = files(&root);
    fs::remove_dir_all(&root).unwrap();
    Reference {
        rows: run.rows,
        last,
        ever,
        operations: recorder.done.load(Ordering::SeqCst),
    }
}

/// Every complete file holds what the uninterrupted run wrote there, and
/// every complete checkpoint directory holds all its files.
fn nothing_complete_is_damaged(root: &Path, reference: &Reference, k: usize) {
    let now = files(root);
    for (path, bytes) in now.iter().filter(|(p, _)| !staged(p)) {
        let expected = reference
            .ever
            .get(path)
            .unwrap_or_else(|| panic!("k = {k}: {} was never written", path.display()));
        assert!(
            expected.contains(bytes),
            "k = {k}: {} damaged",
            path.display()
        );
    }
    let checkpoint_dirs: BTreeSet<&Path> = now
        .keys()
        .filter(|p| !staged(p))
        .filter_map(|p| p.parent())
        .filter(|d| {
            d.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("after-"))
        })
        .collect();
    for dir in checkpoint_dirs {
        for path in reference.ever.keys().filter(|p| p.parent() == Some(dir)) {
            assert!(
                now.contains_key(path),
                "k = {k}: {} missing",
                path.display()
            );
        }
    }
}

#[test]
fn a_run_failing_at_any_write_stops_naming_the_file_damages_nothing_and_resumes_exactly() {
    let reference = reference();
    let total = reference.operations;
    assert!(total > 40, "writes, renames, directories: {total}");
    for fault in [Fault::NoSpace, Fault::Short] {
        for k in 1..=total {
            let root = scratch(&format!("{fault:?}-{k}"));
            let faulty = Faulty::new(k, fault);
            let err = value(&root, faulty.clone(), false).unwrap_err();
            let failed = faulty.failed.lock().unwrap().clone();
            assert!(
                matches!(&err, Error::Io { path, .. } if failed.contains(path)),
                "k = {k} ({fault:?}) failed on {failed:?}: {err}"
            );
            nothing_complete_is_damaged(&root, &reference, k);

            let resume = root.join("runs").is_dir() || root.join("checkpoint").is_dir();
            let resumed = value(&root, Disk::shared(), resume).unwrap();
            assert_eq!(
                bits(&resumed.rows),
                bits(&reference.rows),
                "k = {k} ({fault:?})"
            );
            assert_eq!(resumed.rows, reference.rows);
            let left: BTreeMap<_, _> = files(&root)
                .into_iter()
                .filter(|(p, _)| !staged(p))
                .collect();
            assert_eq!(
                left.keys().collect::<Vec<_>>(),
                reference.last.keys().collect::<Vec<_>>(),
                "k = {k} ({fault:?})"
            );
            assert_eq!(left, reference.last, "k = {k} ({fault:?})");
            fs::remove_dir_all(&root).unwrap();
        }
    }
}
