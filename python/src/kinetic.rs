//! Paper 1 (Herty & Visconti): the EnKF as an iterative solver of
//! `y = G(u) + eta`, its moment ODEs and its mean-field limit, from
//! `kinetic_enkf`.
//!
//! An ensemble of `J` controls in `R^d` is a `(J, d)` array. The forward
//! map `G` is a `(K, d)` matrix or a Python callable taking the whole
//! ensemble `(J, d)` and returning its images `(J, K)`: it is called once
//! per evaluation of an ensemble (once per EnKF iteration, once per
//! Runge–Kutta stage of the particles), never once per member.

use std::sync::{Arc, Mutex, PoisonError};

use kinetic_enkf::mean_field::InteractingParticles;
use kinetic_enkf::moments::{LinearMoments, MomentState};
use kinetic_enkf::ode::Tolerances;
use kinetic_enkf::{EnkfIteration, Ensemble, InverseProblem as RustInverseProblem, Sigma};
use numpy::{PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::arrays::{Matrix, matrix, values, vector};
use crate::errors;
use crate::interrupt::interruptible;

pub fn register(parent: &Bound<'_, PyModule>) -> PyResult<()> {
    crate::submodule(
        parent,
        "kinetic",
        "Paper 1: the EnKF iteration for a matrix or a Python forward map, the moment ODEs and \
         the mean-field interacting particles.",
        |m| {
            m.add_class::<InverseProblem>()?;
            m.add_function(wrap_pyfunction!(enkf, m)?)?;
            m.add_function(wrap_pyfunction!(moments, m)?)?;
            m.add_function(wrap_pyfunction!(mean_field_particles, m)?)?;
            Ok(())
        },
    )
}

/// The first exception a Python forward map raised, kept until the Rust
/// error it caused (a wrong number of values) reaches Python.
type Raised = Arc<Mutex<Option<PyErr>>>;

/// The inverse problem `y = G(u) + eta`, `eta ~ N(0, noise_covariance)`:
/// `forward` is a `(K, d)` matrix or a callable `(J, d) -> (J, K)` (then
/// `dim = d` must be given), `data` is `y` `(K,)`, `noise_covariance` is
/// `Gamma^{-1}` `(K, K)`, symmetric positive definite.
#[pyclass(module = "ensemble_kalman_particles.kinetic", frozen)]
pub struct InverseProblem {
    problem: Arc<RustInverseProblem>,
    raised: Raised,
}

impl InverseProblem {
    /// The Rust error `e`, or the Python exception behind it.
    fn error(&self, e: kinetic_enkf::Error) -> PyErr {
        let raised = self
            .raised
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        raised.unwrap_or_else(|| errors::kinetic(e))
    }
}

/// The batched forward map calling `callable` with a `(J, d)` array.
fn python_map(
    callable: Py<PyAny>,
    dim: usize,
    k: usize,
    raised: Raised,
) -> impl Fn(&[f64]) -> Vec<f64> + Send + Sync + 'static {
    move |u: &[f64]| {
        let members = u.len() / dim;
        let images = Python::attach(|py| -> PyResult<Vec<f64>> {
            let u = PyArray1::from_slice(py, u).reshape([members, dim])?;
            let out = callable.bind(py).call1((u,))?;
            let out: PyReadonlyArray2<f64> = out.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "the forward map must return a float64 array of shape ({members}, {k})"
                ))
            })?;
            let out = Matrix::of(&out);
            out.expect("the forward map's result", members, k)?;
            Ok(out.values.into_owned())
        });
        images.unwrap_or_else(|e| {
            raised
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert(e);
            Vec::new()
        })
    }
}

#[pymethods]
impl InverseProblem {
    #[new]
    #[pyo3(signature = (forward, data, noise_covariance, dim = None))]
    fn new(
        forward: &Bound<'_, PyAny>,
        data: PyReadonlyArray1<'_, f64>,
        noise_covariance: PyReadonlyArray2<'_, f64>,
        dim: Option<usize>,
    ) -> PyResult<Self> {
        let y = values(&data);
        let noise = Matrix::of(&noise_covariance);
        noise.expect("noise_covariance", y.len(), y.len())?;
        let raised = Raised::default();
        let problem = if let Ok(g) = forward.extract::<PyReadonlyArray2<f64>>() {
            let g = Matrix::of(&g);
            if dim.is_some_and(|d| d != g.cols) {
                return Err(PyValueError::new_err(format!(
                    "dim = {} but the forward matrix has {} columns",
                    dim.unwrap_or_default(),
                    g.cols
                )));
            }
            g.expect("the forward matrix", y.len(), g.cols)?;
            RustInverseProblem::linear(&g.values, g.cols, &y, &noise.values)
        } else if forward.is_callable() {
            let dim = dim.ok_or_else(|| {
                PyValueError::new_err("a callable forward map needs dim, the dimension d of u")
            })?;
            let map = python_map(forward.clone().unbind(), dim, y.len(), Arc::clone(&raised));
            RustInverseProblem::batched(dim, map, &y, &noise.values)
        } else {
            return Err(PyTypeError::new_err(
                "forward must be a float64 matrix (K, d) or a callable (J, d) -> (J, K)",
            ));
        };
        Ok(Self {
            problem: Arc::new(problem.map_err(errors::kinetic)?),
            raised,
        })
    }

    /// The dimension `d` of a control.
    #[getter]
    fn dim(&self) -> usize {
        self.problem.dim()
    }

    /// The number `K` of observations.
    #[getter]
    fn observations(&self) -> usize {
        self.problem.observations()
    }

    /// `G(u)` `(K,)` for one control `u` `(d,)`.
    fn forward<'py>(
        &self,
        py: Python<'py>,
        u: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let g = self
            .problem
            .forward(&values(&u))
            .map_err(|e| self.error(e))?;
        Ok(vector(py, g))
    }

    /// The misfit `Phi(u) = 1/2 |Gamma^{1/2} (y - G(u))|^2`, eq. (2).
    fn misfit(&self, u: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
        self.problem.misfit(&values(&u)).map_err(|e| self.error(e))
    }
}

/// The caller's ensemble `(J, d)`; a non-finite entry is bad input here
/// (`ValueError`), not a blow-up.
fn ensemble(a: &PyReadonlyArray2<'_, f64>) -> PyResult<Ensemble> {
    let m = Matrix::of(a);
    Ensemble::new(m.cols, m.values.into_owned()).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// `iterations` steps of the EnKF iteration, eq. (3), from the ensemble
/// `ensemble` `(J, d)` with artificial time step `dt`; with `perturb` the
/// data of member `j` at iteration `n` are perturbed by `N(0, Gamma^{-1})`
/// drawn from `member_stream(seed, j, Perturbation(n))`. Returns the
/// ensemble `(J, d)` after the last iteration. Ctrl-C stops between two
/// iterations.
#[pyfunction]
#[pyo3(signature = (problem, ensemble, iterations, dt, *, perturb = false, seed = 0))]
fn enkf<'py>(
    py: Python<'py>,
    problem: &InverseProblem,
    ensemble: PyReadonlyArray2<'py, f64>,
    iterations: usize,
    dt: f64,
    perturb: bool,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let sigma = if perturb {
        Sigma::NoiseCovariance
    } else {
        Sigma::Zero
    };
    let iteration = EnkfIteration::new(dt, sigma, seed).map_err(errors::kinetic)?;
    let mut u = self::ensemble(&ensemble)?;
    let u = interruptible(py, |stop| {
        for n in 0..iterations {
            stop.check()?;
            u = iteration
                .step(&problem.problem, &u, n)
                .map_err(|e| problem.error(e))?;
        }
        Ok(u)
    })?;
    matrix(py, u.as_slice().to_vec(), u.len(), u.dim())
}

/// The moment ODEs eq. (14)–(15) of a linear problem from the mean `(d,)`
/// and covariance `(d, d)` at time 0, integrated (Dormand–Prince 5(4),
/// tolerances `rtol`, `atol`) to each of `times` `(T,)`: returns the means
/// `(T, d)` and covariances `(T, d, d)`.
#[pyfunction]
#[pyo3(signature = (problem, mean, covariance, times, *, rtol = 1e-8, atol = 1e-10))]
#[allow(clippy::type_complexity)]
fn moments<'py>(
    py: Python<'py>,
    problem: &InverseProblem,
    mean: PyReadonlyArray1<'py, f64>,
    covariance: PyReadonlyArray2<'py, f64>,
    times: PyReadonlyArray1<'py, f64>,
    rtol: f64,
    atol: f64,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray3<f64>>)> {
    let system = LinearMoments::new(&problem.problem).map_err(errors::kinetic)?;
    let start = MomentState {
        mean: values(&mean).into_owned(),
        covariance: values(&covariance).into_owned(),
    };
    let times = values(&times);
    let tolerances = Tolerances {
        rtol,
        atol,
        ..Tolerances::default()
    };
    let flow = py
        .detach(|| system.solve(&start, &times, &tolerances))
        .map_err(errors::kinetic)?;
    let (t, d) = (flow.states.len(), problem.problem.dim());
    let means = flow.states.iter().flat_map(|s| s.mean.clone()).collect();
    let covariances: Vec<f64> = flow
        .states
        .iter()
        .flat_map(|s| s.covariance.clone())
        .collect();
    Ok((
        matrix(py, means, t, d)?,
        PyArray1::from_vec(py, covariances).reshape([t, d, d])?,
    ))
}

/// The mean-field equation (13) by interacting particles (RK4, steps of at
/// most `max_step`): the particles `(J, d)` from `ensemble` at time 0
/// advanced to each of the increasing `times` `(T,)`; returns `(T, J, d)`.
/// Ctrl-C stops between two output times.
#[pyfunction]
fn mean_field_particles<'py>(
    py: Python<'py>,
    problem: &InverseProblem,
    ensemble: PyReadonlyArray2<'py, f64>,
    times: PyReadonlyArray1<'py, f64>,
    max_step: f64,
) -> PyResult<Bound<'py, PyArray3<f64>>> {
    let u = self::ensemble(&ensemble)?;
    let times = values(&times);
    let (j, d) = (u.len(), u.dim());
    let out = interruptible(py, |stop| {
        let mut particles =
            InteractingParticles::new(&problem.problem, &u).map_err(|e| problem.error(e))?;
        let mut out = Vec::with_capacity(times.len() * j * d);
        for &t in times.iter() {
            stop.check()?;
            particles
                .advance_to(t, max_step)
                .map_err(|e| problem.error(e))?;
            out.extend_from_slice(particles.particles());
        }
        Ok(out)
    })?;
    PyArray1::from_vec(py, out).reshape([times.len(), j, d])
}
