//! `cargo xtask reproduce`: the reproduction harness and its output contract.
//!
//! For each requested id the harness creates `OUT/ID/`, calls the figure's
//! runner (which writes `ID.csv`, `ID.svg` and `ID.png` through
//! [`Context`]), checks that the three files exist, and writes `summary.json` with the runner's
//! parameters and key numbers plus seed, git revision, wall time and the
//! warnings it printed (a run resumed under another code revision). Every
//! file goes through the run's [`experiments::storage::Storage`], replaced
//! by a rename.
//!
//! Adding a reproduction: write a module with
//! `pub fn run(ctx: &Context) -> Result<Outcome, Error>`, and switch its
//! entry in [`registry::FIGURES`] from `planned` to `implemented`.

mod advection1d;
mod da_benchmarks;
mod diffusion_accuracy;
mod dipole_schemes;
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

pub mod context;
pub mod error;
mod revision;
pub mod table;

use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use assim::distributed::{Communicator, SingleProcess};
use experiments::storage::{Discard, Disk, Storage, discard};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use context::{Context, lock};
pub use error::Error;
pub use registry::{FIGURES, Figure, Paper, Status};
use revision::{git_revision, workspace_root};
use table::write_text;

/// Seed used when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 20_240_611;

/// Options shared by every reproduction of one invocation.
#[derive(Debug, Clone)]
pub struct Request {
    /// Reduced run for smoke tests.
    pub quick: bool,
    /// Scenario seed.
    pub seed: u64,
    /// How many seeds a sweep ([`SWEEPS`]) runs: `seed`, `seed + 1`, …;
    /// its summary fits the orders over all of them. 1 for every other
    /// figure.
    pub seeds: usize,
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

/// The sweeps, which run for several seeds with `--seeds`.
pub const SWEEPS: &[&str] = &["fig19", "fig20", "fig21", "fig23", "fig24"];

/// The long runs that keep a checkpoint after every analysis, so that
/// `--resume` continues them and `--stop-after` splits them.
pub const RESUMABLE: &[&str] = &["fig18", "fig19", "fig20", "fig21", "fig23", "fig24"];

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
    run_with_storage(ids, request, Disk::shared())
}

/// The figures an MPI launch shares out over its ranks.
pub const DISTRIBUTED: &[&str] = &["fig18"];

/// [`run`] as one rank of `ranks` (an MPI launch, the same command on
/// every rank): each figure's ensembles are shared out over the ranks,
/// and rank 0 alone takes the output lock and writes the files
/// (`summary.json` records the number of ranks); the other ranks write
/// through [`Discard`] and report nothing.
///
/// # Errors
/// As [`run`]; [`Error::Usage`] on every rank for a figure not in
/// [`DISTRIBUTED`] when there are several ranks.
pub fn run_on(
    ids: &[String],
    request: &Request,
    ranks: Arc<dyn Communicator>,
) -> Result<Vec<Report>, Error> {
    let figures = resolve(ids)?;
    if ranks.size() > 1
        && let Some(f) = figures.iter().find(|f| !DISTRIBUTED.contains(&f.id))
    {
        return Err(Error::Usage(format!(
            "`{}` runs on one process: under mpirun only {} share their ensembles out",
            f.id,
            DISTRIBUTED.join(", ")
        )));
    }
    let storage: Arc<dyn Storage> = if ranks.rank() == 0 {
        Disk::shared()
    } else {
        Arc::new(Discard)
    };
    run_in(ids, request, storage, ranks)
}

/// [`run`], with every file the figures write going through `storage`
/// (the tests of failing writes pass one that fails the k-th write).
///
/// # Errors
/// As [`run`].
#[doc(hidden)]
pub fn run_with_storage(
    ids: &[String],
    request: &Request,
    storage: Arc<dyn Storage>,
) -> Result<Vec<Report>, Error> {
    run_in(ids, request, storage, Arc::new(SingleProcess))
}

fn run_in(
    ids: &[String],
    request: &Request,
    storage: Arc<dyn Storage>,
    ranks: Arc<dyn Communicator>,
) -> Result<Vec<Report>, Error> {
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
    if request.seeds == 0 {
        return Err(Error::Usage("--seeds needs at least one seed".into()));
    }
    if request.seed.checked_add(request.seeds as u64 - 1).is_none() {
        return Err(Error::Usage(format!(
            "--seed {} --seeds {}: the last seed would pass {}",
            request.seed,
            request.seeds,
            u64::MAX
        )));
    }
    if request.seeds > 1
        && let Some(f) = figures.iter().find(|f| !SWEEPS.contains(&f.id))
    {
        return Err(Error::Usage(format!(
            "--seeds applies to the sweeps {} only, not to `{}`",
            SWEEPS.join(", "),
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
    let writer = ranks.rank() == 0;
    let _held = if writer {
        Some(experiments::OutputLock::acquire(&request.out_dir)?)
    } else {
        None
    };
    let bar = if writer {
        ProgressBar::new(figures.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut reports = Vec::with_capacity(figures.len());
    for figure in figures {
        bar.set_message(figure.id);
        reports.push(run_one(figure, request, &storage, &ranks)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(reports)
}

fn run_one(
    figure: &'static Figure,
    request: &Request,
    storage: &Arc<dyn Storage>,
    ranks: &Arc<dyn Communicator>,
) -> Result<Report, Error> {
    let Status::Implemented(runner) = figure.status else {
        unreachable!("resolve() lets only implemented figures through");
    };
    let dir = request.out_dir.join(figure.id);
    storage.create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let ctx = Context {
        id: figure.id,
        quick: request.quick,
        seed: request.seed,
        seeds: request.seeds,
        dir: dir.clone(),
        config: request.config.clone(),
        resume: request.resume,
        stop_after: request.stop_after,
        ranks: Arc::clone(ranks),
        storage: Arc::clone(storage),
        warnings: Mutex::new(Vec::new()),
        done_with: Mutex::new(Vec::new()),
    };
    let start = Instant::now();
    let outcome = runner(&ctx)?;
    let wall_time_s = start.elapsed().as_secs_f64();
    if ranks.rank() != 0 {
        // Rank 0 checks and summarises the outputs.
        return Ok(Report {
            id: figure.id,
            dir,
            wall_time_s,
        });
    }

    for path in [
        ctx.csv_path(),
        ctx.svg_path(),
        ctx.svg_path().with_extension("png"),
    ] {
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
        "ranks": ranks.size(),
        "parameters": outcome.parameters,
        "key_numbers": outcome.key_numbers,
        "notes": outcome.notes,
        "warnings": *lock(&ctx.warnings),
        "files": files,
    });
    let text = serde_json::to_string_pretty(&summary).expect("a json value always serialises");
    write_text(ctx.storage(), &ctx.file("summary.json"), &(text + "\n"))?;
    for done in lock(&ctx.done_with).iter() {
        discard(ctx.storage(), done)?;
    }
    Ok(Report {
        id: figure.id,
        dir,
        wall_time_s,
    })
}
