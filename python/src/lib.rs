//! # ensemble_kalman_particles — the workspace from Python
//!
//! PyO3 bindings of the library crates, built by maturin into the Python
//! package `ensemble_kalman_particles` (abi3, CPython >= 3.9). The package
//! (`python/ensemble_kalman_particles/`) re-exports four submodules of this
//! extension, `_native`:
//!
//! * `analysis` — `assim`'s member-space analysis on `(N, m)` arrays:
//!   eq. (2)'s coefficients `F`, their application, the perturbations of a
//!   seed, every [`assim::Scheme`] (method and inflation), localisation
//!   (local analyses with a Gaspari–Cohn taper, covariance tapering),
//!   relaxation to prior spread, and Lorenz-63/96;
//! * `vic` — one Vortex-In-Cell flow (`vic_solver::Vic` and its
//!   `FlowState`), started from particles or from the Lamb–Chaplygin dipole
//!   of `validation::dipole_box`;
//! * `kinetic` — paper 1's EnKF iteration for a matrix or a Python
//!   callable (one call per iteration with all members), the moment ODEs and
//!   the mean-field interacting particles of `kinetic_enkf`;
//! * `experiments` — the scenario runs of `experiments` (2D dipole, 1D
//!   advection) as arrays, and `xtask`'s reproductions by figure id.
//!
//! Arrays are `float64` numpy arrays; a C-contiguous input is read in
//! place, any other layout is copied once. Every Rust error becomes a
//! Python exception with the same message (`errors`); long calls release
//! the GIL and stop on Ctrl-C (`interrupt`).

mod analysis;
mod arrays;
mod errors;
mod experiments;
mod interrupt;
mod kinetic;
mod vic;

use pyo3::prelude::*;

/// The extension module: one submodule per binding module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    analysis::register(m)?;
    vic::register(m)?;
    kinetic::register(m)?;
    experiments::register(m)?;
    Ok(())
}

/// A submodule `name` of `parent`, filled by `fill`.
fn submodule(
    parent: &Bound<'_, PyModule>,
    name: &str,
    doc: &str,
    fill: impl FnOnce(&Bound<'_, PyModule>) -> PyResult<()>,
) -> PyResult<()> {
    let m = PyModule::new(parent.py(), name)?;
    m.setattr("__doc__", doc)?;
    fill(&m)?;
    parent.add_submodule(&m)
}
