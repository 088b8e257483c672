//! The 1D periodic advection–diffusion particle model of paper 2,
//! Section 4.1: `du/dt + v du/dx = D d2u/dx2` on `[0, L)`, as a forecast
//! model for the assimilation crate,
//! `(particles, v, D, horizon) -> particles`.
//!
//! * **Advection** at the constant velocity `v` moves every particle by
//!   `v t`: exact, and it keeps the spacing (the paper's remark that the 1D
//!   problem does not distort the particle distribution).
//! * **Diffusion** by PSE ([`crate::pse`]) with the periodic kernel (images),
//!   explicit Euler steps of `dt_eff = horizon / ceil(horizon / dt)`, each
//!   checked against the PSE stability bound.
//! * Because a uniform translation commutes with the translation-invariant
//!   periodic PSE operator, the model diffuses on the configuration at the
//!   start of a segment and translates at its end: the same result as
//!   alternating the two, with one cell list per segment instead of one per
//!   step.
//! * **Remeshing** (optional) every `n` steps onto the grid `l = 2 d_p`
//!   with a threshold ([`crate::remesh`]); a segment is then `n` steps.
//! * **Initial particles** on the lattice `(i + 1/2) d_p` with strengths
//!   eq. (4), dropping `|u(x_p)| <= eps_cut`
//!   ([`AdvectionDiffusion1d::initial_particles`]).
//!
//! Its accuracy against the analytic periodic heat-kernel solution is
//! tested in the `validation` crate, which owns that solution.

use crate::domain::{Domain, whole_cells};
use crate::kernels::Width;
use crate::pse::PseOperator;
use crate::remesh::{RemeshGrid, remesh};
use crate::{Error, ParticleSet, Result};

/// Default neighbour cut-off tolerance of the model's PSE.
pub const DEFAULT_TOLERANCE: f64 = 1e-12;

/// Optional remeshing of the model.
#[derive(Debug, Clone, PartialEq)]
struct Remeshing {
    grid: RemeshGrid<1>,
    every: usize,
    threshold: f64,
}

/// The 1D periodic particle model: its discretisation, not its physical
/// parameters (`v` and `D` are arguments of [`AdvectionDiffusion1d::forecast`]
/// because the assimilation calibrates them member by member).
#[derive(Debug, Clone, PartialEq)]
pub struct AdvectionDiffusion1d {
    period: f64,
    domain: Domain<1>,
    eps: Width,
    dt: f64,
    tolerance: f64,
    remeshing: Option<Remeshing>,
}

impl AdvectionDiffusion1d {
    /// A model on `[0, period)` with PSE width `eps` and largest time step
    /// `dt`, without remeshing, with the cut-off tolerance
    /// [`DEFAULT_TOLERANCE`].
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a bad period or `dt`.
    pub fn new(period: f64, eps: Width, dt: f64) -> Result<Self> {
        let domain = Domain::periodic(period)?;
        check_positive("time step dt", dt)?;
        Ok(AdvectionDiffusion1d {
            period,
            domain,
            eps,
            dt,
            tolerance: DEFAULT_TOLERANCE,
            remeshing: None,
        })
    }

    /// The same model with another cut-off tolerance for PSE.
    ///
    /// # Errors
    /// [`Error::InvalidTolerance`] outside `(0, 1)`.
    pub fn with_tolerance(mut self, tolerance: f64) -> Result<Self> {
        if !(tolerance > 0.0 && tolerance < 1.0) {
            return Err(Error::InvalidTolerance { value: tolerance });
        }
        self.tolerance = tolerance;
        Ok(self)
    }

    /// The same model, remeshing every `every` steps to particles of spacing
    /// `particle_spacing` (grid `l = 2 d_p`) and dropping those with
    /// `|u| <= threshold`.
    ///
    /// # Errors
    /// [`Error::NotPositive`] for `every = 0` or a bad spacing;
    /// [`Error::GridDoesNotTile`] if the period is not a multiple of `2 d_p`;
    /// [`Error::Negative`] for a bad threshold.
    pub fn with_remeshing(
        mut self,
        particle_spacing: f64,
        every: usize,
        threshold: f64,
    ) -> Result<Self> {
        if every == 0 {
            return Err(Error::NotPositive {
                name: "remeshing interval (steps)",
                value: 0.0,
            });
        }
        if !(threshold.is_finite() && threshold >= 0.0) {
            return Err(Error::Negative {
                name: "remeshing threshold",
                value: threshold,
            });
        }
        let grid = RemeshGrid::new(self.domain, particle_spacing)?;
        self.remeshing = Some(Remeshing {
            grid,
            every,
            threshold,
        });
        Ok(self)
    }

    /// The periodic domain.
    pub fn domain(&self) -> Domain<1> {
        self.domain
    }

    /// The PSE width `eps`.
    pub fn eps(&self) -> Width {
        self.eps
    }

    /// The largest time step.
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Particles on the lattice `(i + 1/2) d_p` of the period with
    /// strengths eq. (4), `U_p = u(x_p) d_p`, keeping `|u(x_p)| > eps_cut`
    /// (thresholding at initialisation, paper 2 Section 4.1.1).
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a bad `d_p`; [`Error::GridDoesNotTile`] if
    /// `d_p` does not divide the period; [`Error::Negative`] for a bad
    /// `eps_cut`; [`Error::EmptyParticleSet`] if nothing survives it;
    /// [`Error::NonFiniteParticle`] if `field` is not finite somewhere.
    pub fn initial_particles(
        &self,
        particle_spacing: f64,
        eps_cut: f64,
        field: impl Fn(f64) -> f64,
    ) -> Result<ParticleSet<1>> {
        check_positive("particle spacing d_p", particle_spacing)?;
        if !(eps_cut.is_finite() && eps_cut >= 0.0) {
            return Err(Error::Negative {
                name: "eps_cut",
                value: eps_cut,
            });
        }
        let count = whole_cells(self.period, particle_spacing).ok_or(Error::GridDoesNotTile {
            axis: 0,
            length: self.period,
            spacing: particle_spacing,
        })?;
        ParticleSet::lattice([0.0], [count], particle_spacing, eps_cut, |x| field(x[0]))
    }

    /// Advance `particles` by `horizon` with velocity `v` and diffusion
    /// coefficient `diffusion`.
    ///
    /// # Errors
    /// [`Error::NotFinite`] for a non-finite velocity; [`Error::Negative`]
    /// for a negative or non-finite diffusion coefficient or horizon;
    /// [`Error::PseUnstable`] if the model's `dt` is above the PSE bound for
    /// this `D` and these particles (the error carries the bound);
    /// remeshing errors ([`Error::EmptyParticleSet`] when the threshold
    /// removes everything).
    pub fn forecast(
        &self,
        particles: &ParticleSet<1>,
        velocity: f64,
        diffusion: f64,
        horizon: f64,
    ) -> Result<ParticleSet<1>> {
        if !velocity.is_finite() {
            return Err(Error::NotFinite {
                name: "velocity v",
                value: velocity,
            });
        }
        for (name, value) in [("diffusion coefficient D", diffusion), ("horizon", horizon)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::Negative { name, value });
            }
        }
        let mut state = particles.clone();
        if horizon == 0.0 {
            return Ok(state);
        }
        let steps = (horizon / self.dt).ceil().max(1.0) as usize;
        let dt = horizon / steps as f64;
        let segment = self.remeshing.as_ref().map_or(steps, |r| r.every);
        let mut done = 0;
        while done < steps {
            let n = segment.min(steps - done);
            if diffusion > 0.0 {
                let mut op =
                    PseOperator::for_particles(self.domain, &state, self.eps, self.tolerance)?;
                for _ in 0..n {
                    op.step(state.strengths_mut(), diffusion, dt)?;
                }
            }
            let shift = velocity * dt * n as f64;
            let moved: Vec<f64> = state
                .coords(0)
                .iter()
                .map(|x| self.domain.wrap([x + shift])[0])
                .collect();
            state.set_positions([moved])?;
            done += n;
            if let Some(r) = &self.remeshing
                && n == r.every
            {
                state = remesh(&state, &r.grid, r.threshold)?;
            }
        }
        Ok(state)
    }
}

fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::NotPositive { name, value })
    }
}
