//! What a figure's runner is given ([`Context`]) and returns ([`Outcome`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use assim::distributed::Communicator;
use experiments::Warning;
use experiments::dipole::{DipoleScenario, Progress};
use experiments::storage::Storage;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::error::Error;

/// What a runner sees: its options and where to write.
#[derive(Debug)]
pub struct Context {
    /// The figure id.
    pub id: &'static str,
    /// Reduced run for smoke tests.
    pub quick: bool,
    /// Scenario seed.
    pub seed: u64,
    /// How many seeds a sweep runs: `seed` and the ones after it
    /// (`--seeds`; 1 for every other figure).
    pub seeds: usize,
    /// `OUT/ID/`, already created.
    pub dir: PathBuf,
    /// The scenario file given with `--config`, if any.
    pub config: Option<PathBuf>,
    /// Continue from the last checkpoint (`--resume`).
    pub resume: bool,
    /// Stop after this many analyses (`--stop-after`).
    pub stop_after: Option<usize>,
    /// The ranks of an MPI launch (one process otherwise); ranks other
    /// than 0 write through `experiments::storage::Discard` and draw no
    /// progress.
    pub ranks: Arc<dyn Communicator>,
    /// Where every file of the figure is written.
    pub(crate) storage: Arc<dyn Storage>,
    /// The warnings told so far ([`Context::warn`]).
    pub(crate) warnings: Mutex<Vec<String>>,
    /// Directories to remove once `summary.json` is written
    /// ([`Context::discard_when_done`]).
    pub(crate) done_with: Mutex<Vec<PathBuf>>,
}

impl Context {
    /// The 2D scenario of `--config FILE` if given, else the paper's file
    /// (or the quick one).
    ///
    /// # Errors
    /// [`Error::Io`] for an unreadable file, [`Error::Validation`] naming a
    /// bad key.
    pub fn dipole_scenario(&self) -> Result<DipoleScenario, Error> {
        Ok(match &self.config {
            Some(path) => DipoleScenario::from_file(path)?,
            None if self.quick => DipoleScenario::quick()?,
            None => DipoleScenario::paper()?,
        })
    }

    /// Where the figure's files are written: the disk, or what a test of
    /// failing writes passes to `reproduce::run_with_storage`.
    pub fn storage(&self) -> &dyn Storage {
        &*self.storage
    }

    /// The storage, shared with the checkpoints and stores of a run.
    pub fn shared_storage(&self) -> Arc<dyn Storage> {
        Arc::clone(&self.storage)
    }

    /// Tell the user of `warning` on standard error at once (the run goes
    /// on), and list it in `summary.json`'s `warnings`.
    #[allow(clippy::print_stderr, reason = "xtask is the user's front door")]
    pub fn warn(&self, warning: &Warning) {
        if self.ranks.rank() == 0 {
            eprintln!("warning: {}: {warning}", self.id);
        }
        lock(&self.warnings).push(warning.to_string());
    }

    /// Remove `dir` once the figure's `summary.json` is written: a
    /// finished run's checkpoint stays until all its results are kept, so
    /// that a run stopped before (a full disk) resumes instead of starting
    /// over.
    pub fn discard_when_done(&self, dir: PathBuf) {
        lock(&self.done_with).push(dir);
    }

    /// The progress bar's callback: the run's steps done of its total.
    pub fn step_counter(bar: &ProgressBar) -> impl FnMut(Progress) + Send + '_ {
        move |p| {
            bar.set_length(p.total_steps);
            bar.set_position(p.steps);
        }
    }

    /// Path of `ID.csv`.
    pub fn csv_path(&self) -> PathBuf {
        self.dir.join(format!("{}.csv", self.id))
    }

    /// Path of `ID.svg`.
    pub fn svg_path(&self) -> PathBuf {
        self.dir.join(format!("{}.svg", self.id))
    }

    /// A progress bar of `len` steps on the terminal (hidden when stderr is
    /// not a terminal, as in CI).
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        if self.ranks.rank() != 0 {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} steps [{elapsed} < {eta}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(format!("{} {what}", self.id));
        bar
    }

    /// Path of an extra output file in the figure's directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Path of `name` beside the figures' directories (`OUT/name`), for
    /// what reproductions share.
    pub fn shared_dir(&self, name: &str) -> PathBuf {
        self.dir
            .parent()
            .map_or_else(|| PathBuf::from(name), |out| out.join(name))
    }
}

/// The runner's part of `summary.json`.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Parameters the run used.
    pub parameters: Value,
    /// The numbers a reader checks first.
    pub key_numbers: Value,
    /// Remarks for the reader (e.g. how this differs from the paper).
    pub notes: Vec<String>,
}

/// The value behind `mutex`, even if a thread panicked holding it (a list
/// is left whole by a panic).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
