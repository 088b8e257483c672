//! `cargo xtask reproduce`: the reproduction harness and its output contract.
//!
//! For each requested id the harness creates `OUT/ID/`, calls the figure's
//! runner (which writes `ID.csv` and `ID.svg` through [`Context`]), checks
//! that both files exist, and writes `summary.json` with the runner's
//! parameters and key numbers plus seed, git revision and wall time.
//!
//! Adding a reproduction: write a module with
//! `pub fn run(ctx: &Context) -> Result<Outcome, Error>`, and switch its
//! entry in [`registry::FIGURES`] from `planned` to `implemented`.

mod advection1d;
mod diffusion_accuracy;
mod fig1;
mod fig10;
mod fig11;
mod fig12;
mod fig13;
mod fig14;
mod fig15;
mod fig16;
mod fig17;
mod fig18;
mod fig19_24;
mod fig2;
mod fig22;
mod fig3;
mod fig4;
mod fig5;
mod fig6;
mod fig7;
mod fig8;
mod fig9;
mod kinetic_elliptic;
mod kinetic_phase;
pub mod registry;
mod sweep;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use experiments::dipole::{DipoleScenario, Progress};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

pub use registry::{FIGURES, Figure, Paper, Status};

/// Seed used when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 20_240_611;

/// Why a reproduction could not run or finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The id is not one of SPEC's reproductions.
    #[error("unknown figure id `{id}` (run `cargo xtask reproduce --list` for the ids)")]
    UnknownId {
        /// The id as typed.
        id: String,
    },
    /// The id exists but its reproduction is not implemented yet.
    #[error(
        "figure `{id}` is not implemented yet (planned in issue #{issue}); nothing was written; \
         implemented now: {available}"
    )]
    NotImplemented {
        /// The id as typed.
        id: String,
        /// Issue that delivers it.
        issue: u32,
        /// The ids that can be reproduced today, comma-separated.
        available: String,
    },
    /// Reading or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Drawing a figure failed.
    #[error("cannot draw {path}: {message}")]
    Plot {
        /// The figure file.
        path: PathBuf,
        /// What the plotting backend said.
        message: String,
    },
    /// A runner did not write a file the output contract requires.
    #[error("reproduction `{id}` did not write {path}")]
    MissingOutput {
        /// The figure id.
        id: String,
        /// The missing file.
        path: PathBuf,
    },
    /// An analytic reference rejected its input.
    #[error(transparent)]
    Validation(#[from] validation::Error),
    /// The Vortex-In-Cell solver refused its input or stopped.
    #[error("vortex-in-cell: {0}")]
    Vic(#[from] vic_solver::Error),
    /// A particle operation refused its input.
    #[error("particles: {0}")]
    Particles(#[from] particle_core::Error),
    /// A kinetic-EnKF computation refused its input.
    #[error("kinetic EnKF: {0}")]
    Kinetic(#[from] kinetic_enkf::Error),
    /// An analysis refused its input.
    #[error("assimilation: {0}")]
    Assim(#[from] assim::Error),
    /// Options that do not go together.
    #[error("{0}")]
    Usage(String),
    /// A rayon thread pool could not be built.
    #[error("cannot build a thread pool: {0}")]
    ThreadPool(String),
    /// An experiment could not run, resume or keep its results.
    #[error(transparent)]
    Experiment(#[from] experiments::Error),
}

/// Options shared by every reproduction of one invocation.
#[derive(Debug, Clone)]
pub struct Request {
    /// Reduced run for smoke tests.
    pub quick: bool,
    /// Scenario seed.
    pub seed: u64,
    /// Parent directory of the per-figure directories.
    pub out_dir: PathBuf,
    /// A scenario file replacing the figure's default parameters (for the
    /// figures that read one: the 1D and 2D assimilation figures).
    pub config: Option<PathBuf>,
    /// Continue from the checkpoint an interrupted run left (the figures of
    /// [`RESUMABLE`]).
    pub resume: bool,
    /// Stop once this many analysis windows are complete (over all runs of
    /// a sweep), keeping a checkpoint to resume from (the figures of
    /// [`RESUMABLE`]).
    pub stop_after: Option<usize>,
}

/// The long runs that keep a checkpoint after every analysis, so that
/// `--resume` continues them and `--stop-after` splits them.
pub const RESUMABLE: &[&str] = &["fig18", "fig19", "fig20", "fig21", "fig23", "fig24"];

/// What a runner sees: its options and where to write.
#[derive(Debug)]
pub struct Context {
    /// The figure id.
    pub id: &'static str,
    /// Reduced run for smoke tests.
    pub quick: bool,
    /// Scenario seed.
    pub seed: u64,
    /// `OUT/ID/`, already created.
    pub dir: PathBuf,
    /// The scenario file given with `--config`, if any.
    pub config: Option<PathBuf>,
    /// Continue from the last checkpoint (`--resume`).
    pub resume: bool,
    /// Stop after this many analyses (`--stop-after`).
    pub stop_after: Option<usize>,
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

/// What one finished reproduction produced.
#[derive(Debug, Clone)]
pub struct Report {
    /// The figure id.
    pub id: &'static str,
    /// Its output directory.
    pub dir: PathBuf,
    /// Wall time of the runner in seconds.
    pub wall_time_s: f64,
}

/// `target/reproduce` in the workspace.
pub fn default_out_dir() -> PathBuf {
    workspace_root().join("target").join("reproduce")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The `--list` text: one line per id with its state and title.
pub fn listing() -> String {
    let mut s = String::new();
    for f in FIGURES {
        let state = match f.status {
            Status::Implemented(_) => "implemented".to_string(),
            Status::Planned { issue } => format!("planned (#{issue})"),
        };
        s.push_str(&format!(
            "{:<17} {:<14} {:<19} {}\n",
            f.id,
            state,
            f.paper.name(),
            f.title
        ));
    }
    s
}

/// The ids whose reproduction is implemented, in registry order.
pub fn implemented_ids() -> Vec<&'static str> {
    FIGURES
        .iter()
        .filter(|f| matches!(f.status, Status::Implemented(_)))
        .map(|f| f.id)
        .collect()
}

/// Resolve ids (`all` expands to every implemented figure) before anything is written.
///
/// # Errors
/// [`Error::UnknownId`] or [`Error::NotImplemented`] for the first id that cannot run.
pub fn resolve(ids: &[String]) -> Result<Vec<&'static Figure>, Error> {
    let mut figures: Vec<&'static Figure> = Vec::new();
    for id in ids {
        if id == "all" {
            for f in FIGURES {
                if matches!(f.status, Status::Implemented(_))
                    && !figures.iter().any(|g| g.id == f.id)
                {
                    figures.push(f);
                }
            }
            continue;
        }
        let f = registry::find(id).ok_or_else(|| Error::UnknownId { id: id.clone() })?;
        if let Status::Planned { issue } = f.status {
            return Err(Error::NotImplemented {
                id: id.clone(),
                issue,
                available: implemented_ids().join(", "),
            });
        }
        if !figures.iter().any(|g| g.id == f.id) {
            figures.push(f);
        }
    }
    Ok(figures)
}

/// Run the reproductions named by `ids` and write their outputs.
///
/// All ids are checked first: if any is unknown or not implemented, nothing
/// is written. Progress is drawn on standard error only when it is a terminal.
///
/// # Errors
/// An unknown or planned id, a failed write, or a failed reproduction.
pub fn run(ids: &[String], request: &Request) -> Result<Vec<Report>, Error> {
    let figures = resolve(ids)?;
    if (request.resume || request.stop_after.is_some())
        && let Some(f) = figures.iter().find(|f| !RESUMABLE.contains(&f.id))
    {
        return Err(Error::Usage(format!(
            "--resume and --stop-after apply to {} only, not to `{}`",
            RESUMABLE.join(", "),
            f.id
        )));
    }
    if request.stop_after == Some(0) {
        return Err(Error::Usage(
            "--stop-after needs at least one analysis".into(),
        ));
    }
    // One run at a time writes into an output directory (its checkpoints,
    // run store and figures); released when this function returns.
    let _held = experiments::OutputLock::acquire(&request.out_dir)?;
    let bar = ProgressBar::new(figures.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut reports = Vec::with_capacity(figures.len());
    for figure in figures {
        bar.set_message(figure.id);
        reports.push(run_one(figure, request)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(reports)
}

fn run_one(figure: &'static Figure, request: &Request) -> Result<Report, Error> {
    let Status::Implemented(runner) = figure.status else {
        unreachable!("resolve() lets only implemented figures through");
    };
    let dir = request.out_dir.join(figure.id);
    fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let ctx = Context {
        id: figure.id,
        quick: request.quick,
        seed: request.seed,
        dir: dir.clone(),
        config: request.config.clone(),
        resume: request.resume,
        stop_after: request.stop_after,
    };
    let start = Instant::now();
    let outcome = runner(&ctx)?;
    let wall_time_s = start.elapsed().as_secs_f64();

    for path in [ctx.csv_path(), ctx.svg_path()] {
        if !path.is_file() {
            return Err(Error::MissingOutput {
                id: figure.id.to_string(),
                path,
            });
        }
    }
    let mut files: Vec<String> = fs::read_dir(&dir)
        .map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "summary.json")
        .collect();
    files.sort();

    let (revision, dirty) = git_revision();
    let summary = json!({
        "id": figure.id,
        "title": figure.title,
        "paper": figure.paper.name(),
        "quick": request.quick,
        "seed": request.seed,
        "git_revision": revision,
        "git_dirty": dirty,
        "wall_time_s": wall_time_s,
        "parameters": outcome.parameters,
        "key_numbers": outcome.key_numbers,
        "notes": outcome.notes,
        "files": files,
    });
    let text = serde_json::to_string_pretty(&summary).expect("a json value always serialises");
    write_text(&ctx.file("summary.json"), &(text + "\n"))?;
    Ok(Report {
        id: figure.id,
        dir,
        wall_time_s,
    })
}

/// The revision of the code running, as `summary.json` names it: `git
/// rev-parse HEAD`, with `+changes.HASH` when the tracked files differ from
/// it, `HASH` being a hash of that difference (so two runs with the same
/// uncommitted changes name the same revision, and others do not).
pub(crate) fn code_revision() -> String {
    match git_revision() {
        (revision, Some(true)) => {
            let diff = git(&["diff", "HEAD", "--binary"]).unwrap_or_default();
            format!(
                "{revision}+changes.{:016x}",
                experiments::hash::fnv1a(&diff)
            )
        }
        (revision, _) => revision,
    }
}

/// `git rev-parse HEAD` of the workspace and whether the tree has changes.
fn git_revision() -> (String, Option<bool>) {
    let revision = git(&["rev-parse", "HEAD"])
        .map(|out| String::from_utf8_lossy(&out).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).map(|out| !out.is_empty());
    (revision, dirty)
}

/// The output of `git ARGS` in the workspace, if it ran and succeeded.
fn git(args: &[&str]) -> Option<Vec<u8>> {
    Command::new("git")
        .arg("-C")
        .arg(workspace_root())
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| o.stdout)
}

/// Write a whole text file.
///
/// # Errors
/// [`Error::Io`] naming the path.
pub fn write_text(path: &Path, text: &str) -> Result<(), Error> {
    fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A tidy CSV table: a header row, then one row per observation.
#[derive(Debug)]
pub struct Table {
    header: Vec<&'static str>,
    text: String,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&'static str]) -> Self {
        let mut text = header.join(",");
        text.push('\n');
        Table {
            header: header.to_vec(),
            text,
        }
    }

    /// Append a row; floats use Rust's shortest round-trip formatting.
    ///
    /// # Panics
    /// If the row length differs from the header's (a programming error in a runner).
    pub fn row(&mut self, cells: &[Cell<'_>]) {
        assert_eq!(
            cells.len(),
            self.header.len(),
            "row length differs from header"
        );
        let line: Vec<String> = cells.iter().map(Cell::render).collect();
        self.text.push_str(&line.join(","));
        self.text.push('\n');
    }

    /// Write the table.
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        write_text(path, &self.text)
    }
}

/// One CSV cell.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// A number.
    Num(f64),
    /// A label; must not contain commas or quotes.
    Text(&'a str),
}

impl Cell<'_> {
    fn render(&self) -> String {
        match self {
            Cell::Num(v) => format!("{v}"),
            Cell::Text(s) => {
                debug_assert!(!s.contains([',', '"', '\n']), "csv label needs no quoting");
                (*s).to_string()
            }
        }
    }
}
