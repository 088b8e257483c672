//! The papers' twin experiments (`experiments`) and reproductions by
//! figure id (`xtask`), from Python.
//!
//! `run_dipole` runs paper 2's 2D assimilation (Section 5) from a scenario
//! TOML file and returns the table of `e_omega` as arrays; with `out` it
//! keeps a checkpoint after every window there, as `cargo xtask reproduce
//! fig18` does, so that an interrupted run resumes (`resume=True`) with the
//! same numbers. `run_advection` runs the 1D experiment (Section 4).
//! `reproduce` writes exactly the CLI's files (CSV, SVG, `summary.json`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use experiments::advection::{self, Advection1dScenario, Scheme};
use experiments::dipole::{
    Checkpoints, DipoleScenario, Experiment, FILTERS, Filter, Progress, Row, Setup, Split,
    run_checkpointed,
};
use experiments::{OutputLock, Warning};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use xtask::reproduce::{DEFAULT_SEED, Request, implemented_ids};

use crate::arrays::{matrix, vector};
use crate::errors;
use crate::interrupt::{Stop, interruptible};

pub fn register(parent: &Bound<'_, PyModule>) -> PyResult<()> {
    crate::submodule(
        parent,
        "experiments",
        "Paper 2's twin experiments from scenario files (2D dipole, 1D advection), and the \
         reproductions of `cargo xtask reproduce` by figure id.",
        |m| {
            m.add("DEFAULT_SEED", DEFAULT_SEED)?;
            m.add_function(wrap_pyfunction!(run_dipole, m)?)?;
            m.add_function(wrap_pyfunction!(run_advection, m)?)?;
            m.add_function(wrap_pyfunction!(reproduce, m)?)?;
            m.add_function(wrap_pyfunction!(figures, m)?)?;
            Ok(())
        },
    )
}

fn filter(name: &str) -> PyResult<Filter> {
    FILTERS
        .into_iter()
        .find(|f| f.name() == name)
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "filter '{name}': expected free_run, remesh_enkf or part_enkf"
            ))
        })
}

/// The user's progress callback, called with `(steps, total_steps)` from
/// whichever thread reports; its first exception stops the run.
struct Callback<'a> {
    callable: Option<Py<PyAny>>,
    raised: Mutex<Option<PyErr>>,
    stop: &'a Stop,
}

impl Callback<'_> {
    fn call(&self, p: Progress) {
        let Some(callable) = &self.callable else {
            return;
        };
        let outcome = Python::attach(|py| callable.call1(py, (p.steps, p.total_steps)).map(drop));
        if let Err(e) = outcome {
            self.stop.request();
            let mut raised = self.raised.lock().unwrap_or_else(PoisonError::into_inner);
            raised.get_or_insert(e);
        }
    }

    /// The callback's exception, if it raised.
    fn raised(&self) -> Option<PyErr> {
        self.raised
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Why a checkpointed run stopped early.
enum Stopped {
    Failed(experiments::Error),
    Interrupted,
}

impl From<experiments::Error> for Stopped {
    fn from(e: experiments::Error) -> Self {
        Stopped::Failed(e)
    }
}

/// The rows of an `e_omega` table as a dict of arrays.
fn table<'py>(py: Python<'py>, rows: &[Row], n_members: usize) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let names = |f: fn(&Row) -> &'static str| rows.iter().map(f).collect::<Vec<_>>();
    out.set_item("filter", names(|r| r.filter.name()))?;
    out.set_item("stage", names(|r| r.stage.name()))?;
    let column = |f: fn(&Row) -> f64| vector(py, rows.iter().map(f).collect());
    out.set_item(
        "analysis",
        PyArray1::from_vec(py, rows.iter().map(|r| r.analysis as i64).collect()),
    )?;
    out.set_item("time", column(|r| r.time))?;
    out.set_item("e_omega", column(|r| r.e_omega))?;
    out.set_item("mean_particles", column(|r| r.mean_particles))?;
    out.set_item(
        "nu_mean",
        column(|r| r.viscosity.map_or(f64::NAN, |v| v.mean)),
    )?;
    out.set_item("nu_sd", column(|r| r.viscosity.map_or(f64::NAN, |v| v.sd)))?;
    let per_member = rows.iter().flat_map(|r| r.per_member.clone()).collect();
    out.set_item("per_member", matrix(py, per_member, rows.len(), n_members)?)?;
    Ok(out)
}

fn dipole_scenario(scenario: Option<&Path>, quick: bool) -> PyResult<DipoleScenario> {
    match (scenario, quick) {
        (Some(path), _) => DipoleScenario::from_file(path),
        (None, true) => DipoleScenario::quick(),
        (None, false) => DipoleScenario::paper(),
    }
    .map_err(errors::experiments)
}

/// Paper 2's 2D assimilation (Section 5): the truth and the ensembles of
/// `filters` (default all three: `"free_run"`, `"remesh_enkf"`,
/// `"part_enkf"`) advanced window by window, from the scenario file
/// `scenario` (default the paper's, or its coarse version with `quick`).
/// Returns the table of `cargo xtask reproduce fig18`'s CSV as a dict of
/// arrays: `filter`, `stage` (lists of names), `analysis`, `time`,
/// `e_omega`, `mean_particles`, `nu_mean` and `nu_sd` (the members'
/// viscosity: analysed with `assimilation.calibrate_viscosity`, else their
/// prior draws; NaN in rows of a checkpoint that did not record it)
/// (`(rows,)`) and `per_member` (`(rows, N)`).
///
/// `progress(steps, total_steps)` is called as solver steps are done.
/// With `out`, a checkpoint is kept in `out/checkpoint/` after every window
/// (and the directory is locked against other runs); `resume=True`
/// continues from it, or returns a finished run's table at once (the last
/// checkpoint stays); resuming a checkpoint written by another version
/// goes on with a `UserWarning`, as does an analysis that takes calibrated
/// viscosities (`assimilation.calibrate_viscosity`) below 0. Ctrl-C stops after the window under way
/// (its checkpoint written) and raises `KeyboardInterrupt`.
#[pyfunction]
#[pyo3(signature = (
    scenario = None, *, quick = false, seed = DEFAULT_SEED, filters = None, progress = None,
    out = None, resume = false
))]
#[allow(clippy::too_many_arguments)]
fn run_dipole<'py>(
    py: Python<'py>,
    scenario: Option<PathBuf>,
    quick: bool,
    seed: u64,
    filters: Option<Vec<String>>,
    progress: Option<Py<PyAny>>,
    out: Option<PathBuf>,
    resume: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let setup = Setup::new(&dipole_scenario(scenario.as_deref(), quick)?);
    let filters = match filters {
        None => FILTERS.to_vec(),
        Some(names) => names.iter().map(|n| filter(n)).collect::<PyResult<_>>()?,
    };
    if resume && out.is_none() {
        return Err(PyValueError::new_err(
            "resume=True needs out, the directory of the checkpoints",
        ));
    }
    let n_members = setup.n_members;
    let warnings = Mutex::new(Vec::new());
    let rows = interruptible(py, |stop| {
        let callback = Callback {
            callable: progress,
            raised: Mutex::new(None),
            stop,
        };
        let mut on_progress = |p| callback.call(p);
        let on_warning = |w: &Warning| {
            let mut all = warnings.lock().unwrap_or_else(PoisonError::into_inner);
            all.push(w.to_string());
        };
        let outcome = match &out {
            None => in_memory(setup, seed, &filters, stop, &on_warning, &mut on_progress),
            Some(dir) => {
                let run = Run {
                    dir,
                    resume,
                    on_warning: &on_warning,
                };
                checkpointed(setup, seed, &filters, &run, stop, &mut on_progress)
            }
        };
        match (callback.raised(), outcome) {
            (Some(e), _) => Err(e),
            (None, Ok(rows)) => Ok(rows),
            (None, Err(Stopped::Failed(e))) => Err(errors::experiments(e)),
            (None, Err(Stopped::Interrupted)) => Err(Stop::interrupted()),
        }
    })?;
    for warning in warnings
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        let message = std::ffi::CString::new(warning).unwrap_or_default();
        PyErr::warn(py, &py.get_type::<PyUserWarning>(), &message, 1)?;
    }
    table(py, &rows, n_members)
}

/// Where and how a checkpointed run keeps its checkpoints.
struct Run<'a> {
    dir: &'a Path,
    resume: bool,
    on_warning: &'a (dyn Fn(&Warning) + Sync),
}

fn in_memory(
    setup: Setup,
    seed: u64,
    filters: &[Filter],
    stop: &Stop,
    on_warning: &(dyn Fn(&Warning) + Sync),
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<Row>, Stopped> {
    let (mut experiment, mut state) = Experiment::start(setup, seed, filters)?;
    while state.completed < experiment.setup.analyses {
        if stop.requested() {
            return Err(Stopped::Interrupted);
        }
        experiment.advance_window(&mut state, on_progress)?;
        // Members whose calibrated viscosity was clamped, as a
        // checkpointed run tells them.
        for warning in experiment.take_warnings() {
            on_warning(&warning);
        }
    }
    Ok(state.rows)
}

fn checkpointed(
    setup: Setup,
    seed: u64,
    filters: &[Filter],
    run: &Run,
    stop: &Stop,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<Row>, Stopped> {
    let dir = run.dir;
    std::fs::create_dir_all(dir).map_err(|source| experiments::Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let _lock = OutputLock::acquire(dir)?;
    let checkpoints = Checkpoints::in_dir(dir.join("checkpoint"));
    let split = Split {
        checkpoints: &checkpoints,
        resume: run.resume,
        stop_at: usize::MAX,
        revision: concat!("ensemble-kalman-particles ", env!("CARGO_PKG_VERSION")),
        on_warning: run.on_warning,
        ranks: Arc::new(assim::distributed::SingleProcess),
    };
    let state = run_checkpointed(setup, seed, filters, &split, on_progress, |_| {
        if stop.requested() {
            Err(Stopped::Interrupted)
        } else {
            Ok(())
        }
    })?;
    Ok(state.rows)
}

/// Paper 2's 1D advection–diffusion experiment (Section 4) from the
/// scenario file `scenario` (default the paper's, or the coarse one with
/// `quick`) with `filter` `"grid"`, `"remesh"`, `"part"` or `"free_run"`
/// (particle filters threshold at the scenario's `eps_cut`). Returns a
/// dict: `time`, `rrmse_state`, `rrmse_velocity`, `rrmse_diffusion`,
/// `mean_particles` `(steps,)`, `discrepancy` `(steps, N)`, `parameters`
/// `(steps, N, 2)` (`v`, `D`); step 0 is the prior, step `k` after
/// analysis `k`.
#[pyfunction]
#[pyo3(signature = (scenario = None, *, filter = "remesh", quick = false, seed = DEFAULT_SEED))]
fn run_advection<'py>(
    py: Python<'py>,
    scenario: Option<PathBuf>,
    filter: &str,
    quick: bool,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let s = match (&scenario, quick) {
        (Some(path), _) => Advection1dScenario::from_file(path),
        (None, true) => Advection1dScenario::quick(),
        (None, false) => Advection1dScenario::paper(),
    }
    .map_err(errors::experiments)?;
    let eps_cut = s.particles.eps_cut;
    let scheme = match filter {
        "grid" => Scheme::Grid,
        "remesh" => Scheme::Remesh { eps_cut },
        "part" => Scheme::Part { eps_cut },
        "free_run" => Scheme::FreeRun { eps_cut },
        other => {
            return Err(PyValueError::new_err(format!(
                "filter '{other}': expected grid, remesh, part or free_run"
            )));
        }
    };
    let steps = py
        .detach(|| advection::run(&s, seed, scheme))
        .map_err(errors::experiments)?;
    let n = s.assimilation.n_members;
    let out = PyDict::new(py);
    let column = |f: fn(&advection::Step) -> f64| vector(py, steps.iter().map(f).collect());
    out.set_item("time", column(|s| s.time))?;
    out.set_item("rrmse_state", column(|s| s.rrmse_state))?;
    out.set_item("rrmse_velocity", column(|s| s.rrmse_velocity))?;
    out.set_item("rrmse_diffusion", column(|s| s.rrmse_diffusion))?;
    out.set_item("mean_particles", column(advection::Step::mean_particles))?;
    let discrepancy = steps.iter().flat_map(|s| s.discrepancy.clone()).collect();
    out.set_item("discrepancy", matrix(py, discrepancy, steps.len(), n)?)?;
    let parameters: Vec<f64> = steps
        .iter()
        .flat_map(|s| s.parameters.iter().flatten().copied().collect::<Vec<_>>())
        .collect();
    out.set_item(
        "parameters",
        PyArray1::from_vec(py, parameters).reshape([steps.len(), n, 2])?,
    )?;
    Ok(out)
}

/// Runs `cargo xtask reproduce IDS…` (same code, same files): for each id,
/// `out/ID/ID.csv`, `ID.svg` and `summary.json`. Returns one dict per
/// figure (`id`, `dir`, `wall_time_s`). `config` is a scenario file for
/// the figures that read one; `seeds` runs a sweep for that many seeds
/// (`seed` and the ones after it); `resume` and `stop_after` apply to the
/// checkpointed runs (`fig18`, the sweeps). The GIL is released; the run
/// is not interruptible (use `stop_after`, or `run_dipole` with `out`).
#[pyfunction]
#[pyo3(signature = (
    ids, *, out = PathBuf::from("target/reproduce"), quick = false, seed = DEFAULT_SEED,
    seeds = 1, config = None, resume = false, stop_after = None
))]
#[allow(clippy::too_many_arguments)]
fn reproduce<'py>(
    py: Python<'py>,
    ids: Vec<String>,
    out: PathBuf,
    quick: bool,
    seed: u64,
    seeds: usize,
    config: Option<PathBuf>,
    resume: bool,
    stop_after: Option<usize>,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let request = Request {
        quick,
        seed,
        seeds,
        out_dir: out,
        config,
        resume,
        stop_after,
    };
    let reports = py
        .detach(|| xtask::reproduce::run(&ids, &request))
        .map_err(errors::xtask)?;
    reports
        .iter()
        .map(|r| {
            let d = PyDict::new(py);
            d.set_item("id", r.id)?;
            d.set_item("dir", &r.dir)?;
            d.set_item("wall_time_s", r.wall_time_s)?;
            Ok(d)
        })
        .collect()
}

/// The figure ids `reproduce` accepts.
#[pyfunction]
fn figures() -> Vec<&'static str> {
    implemented_ids()
}
