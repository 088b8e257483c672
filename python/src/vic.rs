//! One Vortex-In-Cell flow (`vic_solver`): the solver with its grid and
//! configuration, and the flow's state (particles, time, steps).
//!
//! The particles cross the boundary as arrays: positions `x`, `y`,
//! strengths `Gamma_p` and volumes `V_p`, all `(P,)` (copied, since the
//! solver moves and remeshes them).

use std::f64::consts::PI;

use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use particle_core::ParticleSet;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use validation::dipole_box::DipoleBox;
use validation::lamb_chaplygin::LambChaplygin;
use vic_solver::{Boundary, Diffusion, Domain, FlowState, Grid, Vic as RustVic, VicConfig};

use crate::arrays::{Matrix, matrix, values, vector};
use crate::errors;
use crate::interrupt::interruptible;

pub fn register(parent: &Bound<'_, PyModule>) -> PyResult<()> {
    crate::submodule(
        parent,
        "vic",
        "The 2D Vortex-In-Cell solver of paper 2 (Section 5.1.1) with periodic or stress-free \
         walls, and the Lamb-Chaplygin dipole.",
        |m| m.add_class::<Vic>(),
    )
}

/// A Vortex-In-Cell flow on the square `[0, length]^2`: particles of
/// spacing `particle_spacing` on a grid of spacing `2 particle_spacing`,
/// viscosity `viscosity`, time step `dt`, PSE width `eps` (default
/// `2 particle_spacing`), remeshing every `remesh_every` steps (0: never)
/// at threshold `eps_omega`, `diffusion` `"pse"` or `"grid"`, `boundary`
/// `"walls"` (stress-free) or `"periodic"`.
///
/// Start it with `set_particles` or `Vic.lamb_chaplygin`; then `step`,
/// `advance`, `velocity_at`, `vorticity`, `diagnostics`.
#[pyclass(module = "ensemble_kalman_particles.vic")]
pub struct Vic {
    solver: RustVic,
    state: Option<FlowState>,
}

impl Vic {
    fn state(&self) -> PyResult<&FlowState> {
        self.state.as_ref().ok_or_else(no_particles)
    }
}

fn no_particles() -> PyErr {
    PyValueError::new_err(
        "the flow has no particles yet: call set_particles (or start from Vic.lamb_chaplygin)",
    )
}

#[pymethods]
impl Vic {
    #[new]
    #[pyo3(signature = (
        particle_spacing, viscosity, dt, *, length = PI, boundary = "walls", eps = None,
        remesh_every = 0, eps_omega = 0.0, diffusion = "pse",
        pse_tolerance = VicConfig::DEFAULT_PSE_TOLERANCE, cfl_limit = VicConfig::DEFAULT_CFL_LIMIT
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        particle_spacing: f64,
        viscosity: f64,
        dt: f64,
        length: f64,
        boundary: &str,
        eps: Option<f64>,
        remesh_every: u64,
        eps_omega: f64,
        diffusion: &str,
        pse_tolerance: f64,
        cfl_limit: f64,
    ) -> PyResult<Self> {
        let boundary = match boundary {
            "walls" => Boundary::StressFreeWalls,
            "periodic" => Boundary::Periodic,
            other => {
                return Err(PyValueError::new_err(format!(
                    "boundary '{other}': expected 'walls' or 'periodic'"
                )));
            }
        };
        let diffusion = match diffusion {
            "pse" => Diffusion::Pse,
            "grid" => Diffusion::Grid,
            other => {
                return Err(PyValueError::new_err(format!(
                    "diffusion '{other}': expected 'pse' or 'grid'"
                )));
            }
        };
        let domain = Domain::new(length, boundary).map_err(errors::vic)?;
        let grid = Grid::for_particle_spacing(domain, particle_spacing).map_err(errors::vic)?;
        let config = VicConfig {
            pse_tolerance,
            cfl_limit,
            ..VicConfig::new(viscosity, dt, eps.unwrap_or(2.0 * particle_spacing))
                .with_remeshing(remesh_every, eps_omega)
                .with_diffusion(diffusion)
        };
        let solver = RustVic::new(grid, config).map_err(errors::vic)?;
        Ok(Self {
            solver,
            state: None,
        })
    }

    /// The Lamb–Chaplygin dipole of paper 2 (Section 5.1.2) in the
    /// stress-free box `[0, pi]^2` at time 0, discretised as the paper's
    /// `"truth"` (`d_p = pi/512`), `"member"` (`pi/256`) or `"quick"`
    /// (`pi/128`, `dt = 0.02`); the dipole's `center`, `radius`, `speed`,
    /// orientation `alpha` and the `viscosity` may be changed from the
    /// paper's.
    #[staticmethod]
    #[pyo3(signature = (
        discretisation = "member", *, center = None, radius = None, speed = None,
        alpha = None, viscosity = None
    ))]
    fn lamb_chaplygin(
        discretisation: &str,
        center: Option<[f64; 2]>,
        radius: Option<f64>,
        speed: Option<f64>,
        alpha: Option<f64>,
        viscosity: Option<f64>,
    ) -> PyResult<Self> {
        let mut flow = match discretisation {
            "truth" => DipoleBox::paper_truth(),
            "member" => DipoleBox::paper_member(),
            "quick" => DipoleBox::quick(),
            other => {
                return Err(PyValueError::new_err(format!(
                    "discretisation '{other}': expected 'truth', 'member' or 'quick'"
                )));
            }
        };
        let d = flow.dipole;
        flow.dipole = LambChaplygin::new(
            center.unwrap_or(d.center),
            radius.unwrap_or(d.radius),
            speed.unwrap_or(d.speed),
            alpha.unwrap_or(d.alpha),
        )
        .map_err(errors::validation)?;
        flow.viscosity = viscosity.unwrap_or(flow.viscosity);
        let (solver, state) = flow.start().map_err(errors::validation)?;
        Ok(Self {
            solver,
            state: Some(state),
        })
    }

    /// Replace the particles (positions `x`, `y`, strengths `Gamma_p`,
    /// volumes `V_p`, default `particle_spacing^2`) and set the time to
    /// `time` and the step count to 0.
    #[pyo3(signature = (x, y, strengths, volumes = None, time = 0.0))]
    fn set_particles(
        &mut self,
        x: PyReadonlyArray1<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        strengths: PyReadonlyArray1<'_, f64>,
        volumes: Option<PyReadonlyArray1<'_, f64>>,
        time: f64,
    ) -> PyResult<()> {
        let strengths = values(&strengths).into_owned();
        let volumes = match volumes {
            Some(v) => values(&v).into_owned(),
            None => vec![self.solver.grid().particle_spacing().powi(2); strengths.len()],
        };
        let positions = [values(&x).into_owned(), values(&y).into_owned()];
        let particles =
            ParticleSet::new(positions, strengths, volumes).map_err(errors::particles)?;
        self.state = Some(FlowState::new(particles, time));
        Ok(())
    }

    /// The particles as `(x, y, strengths, volumes)`, each `(P,)`.
    #[getter]
    #[allow(clippy::type_complexity)]
    fn particles<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
    )> {
        let p = &self.state()?.particles;
        Ok((
            vector(py, p.coords(0).to_vec()),
            vector(py, p.coords(1).to_vec()),
            vector(py, p.strengths().to_vec()),
            vector(py, p.volumes().to_vec()),
        ))
    }

    /// The flow's time.
    #[getter]
    fn time(&self) -> PyResult<f64> {
        Ok(self.state()?.time)
    }

    /// The number of steps taken.
    #[getter]
    fn steps(&self) -> PyResult<u64> {
        Ok(self.state()?.steps)
    }

    /// The time step `dt`.
    #[getter]
    fn dt(&self) -> f64 {
        self.solver.config().dt
    }

    /// The particle spacing `d_p` (the grid's spacing is `2 d_p`).
    #[getter]
    fn particle_spacing(&self) -> f64 {
        self.solver.grid().particle_spacing()
    }

    /// The grid's node coordinates `(x, y)`: `vorticity()[j, i]` is at
    /// `(x[i], y[j])`.
    fn nodes<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>) {
        let grid = self.solver.grid().remesh_grid();
        let [nx, ny] = grid.dims();
        let x = (0..nx).map(|i| grid.node_position(i)[0]).collect();
        let y = (0..ny).map(|j| grid.node_position(j * nx)[1]).collect();
        (vector(py, x), vector(py, y))
    }

    /// One step: RK3 advection, PSE (or grid) diffusion, remeshing when
    /// due. A `RuntimeError` (CFL, a particle through a wall, NaN) leaves
    /// the flow as after the failing step.
    fn step(&mut self, py: Python<'_>) -> PyResult<()> {
        let state = self.state.as_mut().ok_or_else(no_particles)?;
        let solver = &mut self.solver;
        py.detach(|| solver.step(state)).map_err(errors::vic)
    }

    /// `steps` steps, with the GIL released. Ctrl-C stops between two
    /// steps (the flow is then that of the last whole step, `steps` says
    /// how many) and raises `KeyboardInterrupt`.
    fn advance(&mut self, py: Python<'_>, steps: u64) -> PyResult<()> {
        let state = self.state.as_mut().ok_or_else(no_particles)?;
        let solver = &mut self.solver;
        interruptible(py, |stop| {
            for _ in 0..steps {
                stop.check()?;
                solver.step(state).map_err(errors::vic)?;
            }
            Ok(())
        })
    }

    /// The velocity `(P, 2)` at the points `(P, 2)` of the square.
    fn velocity_at<'py>(
        &mut self,
        py: Python<'py>,
        points: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let m = Matrix::of(&points);
        m.expect("points", m.rows, 2)?;
        let points: Vec<[f64; 2]> = m.values.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
        let state = self.state.as_ref().ok_or_else(no_particles)?;
        let solver = &mut self.solver;
        let velocity = py
            .detach(|| solver.velocity_at(&state.particles, &points))
            .map_err(errors::vic)?;
        matrix(py, velocity.concat(), points.len(), 2)
    }

    /// The nodal vorticity (paper 2, eq. (6)) as an `(ny, nx)` array,
    /// `[j, i]` at node `(x[i], y[j])` of `nodes()`.
    fn vorticity<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let state = self.state.as_ref().ok_or_else(no_particles)?;
        let omega = self
            .solver
            .vorticity(&state.particles)
            .map_err(errors::vic)?;
        let [nx, ny] = omega.grid().dims();
        matrix(py, omega.into_values(), ny, nx)
    }

    /// Time, circulation, impulse `(2,)`, energy, enstrophy and the
    /// number of particles, as a dict.
    fn diagnostics<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let state = self.state.as_ref().ok_or_else(no_particles)?;
        let d = self.solver.diagnostics(state).map_err(errors::vic)?;
        let out = PyDict::new(py);
        out.set_item("time", d.time)?;
        out.set_item("circulation", d.circulation)?;
        out.set_item("impulse", vector(py, d.impulse.to_vec()))?;
        out.set_item("energy", d.energy)?;
        out.set_item("enstrophy", d.enstrophy)?;
        out.set_item("particles", d.particles)?;
        Ok(out)
    }

    fn __repr__(&self) -> String {
        let grid = self.solver.grid();
        match &self.state {
            Some(s) => format!(
                "Vic(cells={}, particles={}, time={}, steps={})",
                grid.cells(),
                s.particles.len(),
                s.time,
                s.steps
            ),
            None => format!("Vic(cells={}, no particles)", grid.cells()),
        }
    }
}
