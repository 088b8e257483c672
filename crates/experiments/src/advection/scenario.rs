//! The 1D experiment of paper 2, Section 4, as data: a TOML scenario file
//! (`scenarios/advection1d.toml` holds the paper's values,
//! `advection1d-quick.toml` a smaller one) that users edit instead of
//! recompiling. Unknown keys are refused, and every value is checked with
//! an error that names it.
//!
//! * Truth, eq. (13): `u(x, t) = K(x - v t - x0, D t + sigma0^2 / 2)`
//!   ([`crate::heat_kernel::AdvectionDiffusion`]).
//! * Prior, Table 1 (`N(mean, variance)`, SPEC "Conventions"): member `i`
//!   draws `x0, sigma0, v, D` in that order from
//!   `member_stream(seed, i, Stream::Prior)` and starts from
//!   `K(x - x0_i, sigma0_i^2 / 2)`.
//! * Data: the truth at `K` evenly spaced points `x_k = k 2 pi / K` at the
//!   analysis times `t_k = k t_f / N_assim`, `k = 1..N_assim`, plus
//!   `N(0, sigma^2)` noise from
//!   `member_stream(seed, OBSERVATION_STREAM, Stream::Observation(k - 1))`.
//! * Models and filters: [`assim::FiniteDifference1d`] on `grid.nodes`
//!   nodes (Grid-EnKF); the particle model
//!   [`particle_core::advection_diffusion::AdvectionDiffusion1d`] with
//!   `d_p = 2 pi / particles.per_period`, `eps = eps_over_dp d_p`;
//!   Remesh-EnKF on the grid `l = 2 d_p`; Part-EnKF; `v` and `D` analysed
//!   with the state, an analysed `D` below `diffusion_floor` clamped to it.

use std::f64::consts::TAU;

use assim::rng::{Stream, member_stream};
use assim::{
    EnsembleRunner, FiniteDifference1d, GridEnkf, Members, ObservationNoise, OnViolation,
    ParameterBound, PartEnkf, ParticleObservations, PointObservations, RemeshEnkf,
};
use particle_core::advection_diffusion::AdvectionDiffusion1d;
use particle_core::kernels::Width;
use particle_core::remesh::RemeshGrid;
use particle_core::{Domain, ParticleSet};
use rand_distr::{Distribution, StandardNormal, Uniform as UniformDist};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Deserialize;

use validation::dipole_box::OBSERVATION_STREAM;
use validation::heat_kernel::AdvectionDiffusion;
use validation::norms::PeriodicGrid1d;

use crate::scenario::{self, Normal, Uniform, bad};
use crate::{Error, Result};

/// The paper's experiment (`scenarios/advection1d.toml`).
pub const PAPER: &str = include_str!("../../../../scenarios/advection1d.toml");
/// A smaller version for smoke runs (`scenarios/advection1d-quick.toml`).
pub const QUICK: &str = include_str!("../../../../scenarios/advection1d-quick.toml");

/// The whole 1D experiment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advection1dScenario {
    /// The ground truth's parameters.
    pub truth: TruthSpec,
    /// The ensemble's prior (Table 1).
    pub prior: PriorSpec,
    /// Ensemble size, analyses, observations.
    pub assimilation: AssimilationSpec,
    /// The particle discretisation.
    pub particles: ParticleSpec,
    /// The Grid-EnKF's grid.
    pub grid: GridSpec,
    /// The quadrature grid of the rRMSE.
    pub quadrature: QuadratureSpec,
}

/// The ground truth of Section 4.1.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthSpec {
    /// Velocity `v`.
    pub velocity: f64,
    /// Diffusion coefficient `D >= 0`.
    pub diffusion: f64,
    /// Initial centre `x0`.
    pub x0: f64,
    /// `sigma0^2 > 0`.
    pub sigma0_sq: f64,
}

/// Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorSpec {
    /// Centre `x0 ~ N(mean, variance)`.
    pub x0: Normal,
    /// Spread `sigma0 ~ U(low, high)`, `low > 0`.
    pub sigma0: Uniform,
    /// Velocity `v ~ N(mean, variance)`.
    pub velocity: Normal,
    /// Diffusion `D ~ U(low, high)`, `low >= 0`.
    pub diffusion: Uniform,
}

/// Section 4.1.1.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssimilationSpec {
    /// Ensemble size `N >= 2`.
    pub n_members: usize,
    /// Number of analyses `N_assim >= 1`.
    pub analyses: usize,
    /// Time of the last analysis `t_f`.
    pub final_time: f64,
    /// Number of evenly spaced observation points.
    pub observations: usize,
    /// Observation-noise variance.
    pub noise_variance: f64,
    /// An analysed `D` below this is clamped to it.
    pub diffusion_floor: f64,
}

/// Section 4.1.2.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticleSpec {
    /// Particles per period: `d_p = 2 pi / per_period` (even, so that the
    /// remeshing grid `l = 2 d_p` tiles the period).
    pub per_period: usize,
    /// `eps / d_p`.
    pub eps_over_dp: f64,
    /// PSE time step.
    pub dt: f64,
    /// Threshold at initialisation and in Remesh-EnKF.
    pub eps_cut: f64,
    /// Gaussian cut-off of eq. (3) relative to its peak, in `(0, 1)`.
    pub tolerance: f64,
}

/// The Grid-EnKF's finite-difference grid.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Nodes (at least 3).
    pub nodes: usize,
    /// Courant number of RK4, in `(0, 2.5]`.
    pub courant: f64,
}

/// The rRMSE's quadrature.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuadratureSpec {
    /// Nodes of the periodic trapezoid rule.
    pub nodes: usize,
}

/// One member's prior draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberDraw {
    /// Initial centre.
    pub x0: f64,
    /// Initial spread.
    pub sigma0: f64,
    /// Velocity.
    pub velocity: f64,
    /// Diffusion coefficient.
    pub diffusion: f64,
}

impl MemberDraw {
    /// The member's initial field `K(x - x0, sigma0^2 / 2)`.
    ///
    /// # Errors
    /// Those of [`AdvectionDiffusion::exact`].
    pub fn initial(&self, x: f64) -> Result<f64> {
        Ok(AdvectionDiffusion {
            velocity: 0.0,
            diffusion: 0.0,
            x0: self.x0,
            sigma0_sq: self.sigma0 * self.sigma0,
        }
        .exact(x, 0.0)?)
    }

    /// `[v, D]`, the analysed parameters.
    pub fn parameters(&self) -> Vec<f64> {
        vec![self.velocity, self.diffusion]
    }
}

fn sample_normal(n: Normal, rng: &mut Xoshiro256PlusPlus) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    n.mean + n.variance.sqrt() * z
}

fn sample_uniform(key: &str, u: Uniform, rng: &mut Xoshiro256PlusPlus) -> Result<f64> {
    if u.low == u.high {
        return Ok(u.low);
    }
    let dist = UniformDist::new(u.low, u.high).map_err(|_| {
        bad(
            key,
            format!("{{ low = {}, high = {} }}", u.low, u.high),
            "not a uniform distribution",
        )
    })?;
    Ok(dist.sample(rng))
}

fn positive(key: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(key, v, "must be positive and finite"))
    }
}

fn non_negative(key: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(bad(key, v, "must be finite and non-negative"))
    }
}

fn finite(key: &str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(bad(key, v, "must be finite"))
    }
}

fn interval(key: &str, u: Uniform, min: f64) -> Result<()> {
    if u.low.is_finite() && u.high.is_finite() && min <= u.low && u.low <= u.high {
        Ok(())
    } else {
        Err(bad(
            key,
            format!("{{ low = {}, high = {} }}", u.low, u.high),
            &format!("needs finite {min} <= low <= high"),
        ))
    }
}

fn normal(key: &str, n: Normal) -> Result<()> {
    finite(&format!("{key}.mean"), n.mean)?;
    non_negative(&format!("{key}.variance"), n.variance)
}

impl Advection1dScenario {
    /// Parse and check a scenario.
    ///
    /// # Errors
    /// [`Error::Scenario`] naming an unknown key, a missing one, a value of
    /// the wrong type (with its line), or a value out of range.
    pub fn from_toml(text: &str) -> Result<Self> {
        let scenario: Self = scenario::parse(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Read and check the scenario file `path`.
    ///
    /// # Errors
    /// [`Error::Scenario`] naming the file, the key and the value.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        scenario::read(path, Self::from_toml)
    }

    /// The paper's experiment.
    ///
    /// # Errors
    /// Never for the shipped file (a test parses it).
    pub fn paper() -> Result<Self> {
        Self::from_toml(PAPER)
    }

    /// The smaller smoke-test experiment.
    ///
    /// # Errors
    /// Never for the shipped file (a test parses it).
    pub fn quick() -> Result<Self> {
        Self::from_toml(QUICK)
    }

    /// Check every value, as [`Advection1dScenario::from_toml`] does.
    ///
    /// # Errors
    /// [`Error::Scenario`] naming the first value out of range.
    pub fn validate(&self) -> Result<()> {
        let t = &self.truth;
        finite("truth.velocity", t.velocity)?;
        non_negative("truth.diffusion", t.diffusion)?;
        finite("truth.x0", t.x0)?;
        positive("truth.sigma0_sq", t.sigma0_sq)?;
        let p = &self.prior;
        normal("prior.x0", p.x0)?;
        normal("prior.velocity", p.velocity)?;
        interval("prior.sigma0", p.sigma0, f64::MIN_POSITIVE)?;
        interval("prior.diffusion", p.diffusion, 0.0)?;
        let a = &self.assimilation;
        if a.n_members < 2 {
            return Err(bad(
                "assimilation.n_members",
                a.n_members,
                "the EnKF needs at least 2",
            ));
        }
        if a.analyses == 0 {
            return Err(bad("assimilation.analyses", 0, "must be at least 1"));
        }
        if a.observations == 0 {
            return Err(bad("assimilation.observations", 0, "must be at least 1"));
        }
        positive("assimilation.final_time", a.final_time)?;
        positive("assimilation.noise_variance", a.noise_variance)?;
        non_negative("assimilation.diffusion_floor", a.diffusion_floor)?;
        let q = &self.particles;
        if q.per_period < 2 || !q.per_period.is_multiple_of(2) {
            return Err(bad(
                "particles.per_period",
                q.per_period,
                "must be even and at least 2 (the remeshing grid has half as many cells)",
            ));
        }
        positive("particles.eps_over_dp", q.eps_over_dp)?;
        positive("particles.dt", q.dt)?;
        non_negative("particles.eps_cut", q.eps_cut)?;
        if !(q.tolerance > 0.0 && q.tolerance < 1.0) {
            return Err(bad(
                "particles.tolerance",
                q.tolerance,
                "must lie in (0, 1)",
            ));
        }
        if self.grid.nodes < 3 {
            return Err(bad("grid.nodes", self.grid.nodes, "must be at least 3"));
        }
        if !(self.grid.courant > 0.0 && self.grid.courant <= assim::finite_difference::MAX_COURANT)
        {
            return Err(bad(
                "grid.courant",
                self.grid.courant,
                "must lie in (0, 2.5] (RK4's stability region)",
            ));
        }
        if self.quadrature.nodes < 2 {
            return Err(bad(
                "quadrature.nodes",
                self.quadrature.nodes,
                "must be at least 2",
            ));
        }
        Ok(())
    }

    /// The ground truth.
    pub fn truth(&self) -> AdvectionDiffusion {
        let t = &self.truth;
        AdvectionDiffusion {
            velocity: t.velocity,
            diffusion: t.diffusion,
            x0: t.x0,
            sigma0_sq: t.sigma0_sq,
        }
    }

    /// Time between analyses `t_f / N_assim`.
    pub fn window(&self) -> f64 {
        self.assimilation.final_time / self.assimilation.analyses as f64
    }

    /// Analysis times `t_k = k t_f / N_assim`, `k = 1..=N_assim`.
    pub fn analysis_times(&self) -> Vec<f64> {
        (1..=self.assimilation.analyses)
            .map(|k| k as f64 * self.window())
            .collect()
    }

    /// Member `member`'s prior draw (Table 1): `x0`, `sigma0`, `v`, `D`
    /// in that order from `member_stream(seed, member, Stream::Prior)`;
    /// normals by `rand_distr`'s `StandardNormal` times the standard
    /// deviation, uniforms by `rand_distr::Uniform`.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn draw(&self, seed: u64, member: usize) -> Result<MemberDraw> {
        let mut rng = member_stream(seed, member, Stream::Prior);
        let p = &self.prior;
        let x0 = sample_normal(p.x0, &mut rng);
        let sigma0 = sample_uniform("prior.sigma0", p.sigma0, &mut rng)?;
        let velocity = sample_normal(p.velocity, &mut rng);
        let diffusion = sample_uniform("prior.diffusion", p.diffusion, &mut rng)?;
        Ok(MemberDraw {
            x0,
            sigma0,
            velocity,
            diffusion,
        })
    }

    /// All members' prior draws.
    ///
    /// # Errors
    /// As [`Advection1dScenario::draw`].
    pub fn prior_draws(&self, seed: u64) -> Result<Vec<MemberDraw>> {
        (0..self.assimilation.n_members)
            .map(|i| self.draw(seed, i))
            .collect()
    }

    /// The observation points `x_k = k 2 pi / K`.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn observation_points(&self) -> Result<PointObservations> {
        Ok(PointObservations::evenly_spaced(
            self.assimilation.observations,
            TAU,
        )?)
    }

    /// The data of analysis `analysis` (0-based, at time
    /// `analysis_times()[analysis]`): truth plus noise.
    ///
    /// # Errors
    /// Those of the exact solution (never for a validated scenario).
    pub fn data(&self, seed: u64, analysis: usize) -> Result<Vec<f64>> {
        let t = (analysis + 1) as f64 * self.window();
        let truth = self.truth();
        let sd = self.assimilation.noise_variance.sqrt();
        let mut rng = member_stream(seed, OBSERVATION_STREAM, Stream::Observation(analysis));
        self.observation_points()?
            .points()
            .iter()
            .map(|&x| {
                let z: f64 = StandardNormal.sample(&mut rng);
                Ok(truth.exact(x, t)? + sd * z)
            })
            .collect()
    }

    /// The ensemble runner: perturbations from `seed`, `D` clamped at
    /// `diffusion_floor`.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn runner(&self, seed: u64) -> Result<EnsembleRunner> {
        let a = &self.assimilation;
        let noise = ObservationNoise::diagonal(&vec![a.noise_variance; a.observations])?;
        Ok(EnsembleRunner::new(seed, noise).with_bound(ParameterBound {
            index: 1,
            name: "diffusion coefficient D",
            min: a.diffusion_floor,
            on_violation: OnViolation::Clamp,
        })?)
    }

    /// The quadrature grid of the rRMSE.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn quadrature(&self) -> Result<PeriodicGrid1d> {
        Ok(PeriodicGrid1d::new(self.quadrature.nodes, TAU)?)
    }

    /// The Grid-EnKF's model.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn grid_model(&self) -> Result<FiniteDifference1d> {
        FiniteDifference1d::new(self.grid.nodes, TAU)
            .and_then(|m| m.with_courant(self.grid.courant))
            .map_err(|e| bad("grid", e, "refused by the finite-difference model"))
    }

    /// The Grid-EnKF's initial members.
    ///
    /// # Errors
    /// Those of the exact solution.
    pub fn grid_members(&self, draws: &[MemberDraw]) -> Result<Members<Vec<f64>>> {
        let model = self.grid_model()?;
        let states = draws
            .iter()
            .map(|d| {
                model
                    .node_positions()
                    .into_iter()
                    .map(|x| d.initial(x))
                    .collect()
            })
            .collect::<Result<Vec<Vec<f64>>>>()?;
        Ok(Members::new(
            states,
            draws.iter().map(MemberDraw::parameters).collect(),
        )?)
    }

    /// The Grid-EnKF.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn grid_filter(&self) -> Result<GridEnkf> {
        Ok(GridEnkf {
            observations: self.observation_points()?,
        })
    }

    /// Particle spacing `d_p`.
    pub fn particle_spacing(&self) -> f64 {
        TAU / self.particles.per_period as f64
    }

    /// Smoothing length `eps`.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn eps(&self) -> Result<Width> {
        Ok(Width::new(
            self.particles.eps_over_dp * self.particle_spacing(),
        )?)
    }

    /// The periodic domain `[0, 2 pi)`.
    ///
    /// # Errors
    /// Never.
    pub fn domain(&self) -> Result<Domain<1>> {
        Ok(Domain::periodic(TAU)?)
    }

    /// The particle forecast model (PSE, no remeshing: the 1D advection
    /// does not distort the particles).
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn particle_model(&self) -> Result<AdvectionDiffusion1d> {
        Ok(
            AdvectionDiffusion1d::new(TAU, self.eps()?, self.particles.dt)?
                .with_tolerance(self.particles.tolerance)?,
        )
    }

    /// The particle members, thresholded at `eps_cut` at initialisation.
    ///
    /// # Errors
    /// [`Error::Particles`] if a member has no particle above `eps_cut`.
    pub fn particle_members(
        &self,
        draws: &[MemberDraw],
        eps_cut: f64,
    ) -> Result<Members<ParticleSet<1>>> {
        let model = self.particle_model()?;
        let dp = self.particle_spacing();
        let states = draws
            .iter()
            .map(|d| {
                // The exact field never fails for a draw with sigma0 > 0.
                model
                    .initial_particles(dp, eps_cut, |x| d.initial(x).unwrap_or(f64::NAN))
                    .map_err(Error::from)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Members::new(
            states,
            draws.iter().map(MemberDraw::parameters).collect(),
        )?)
    }

    /// How particle states are observed.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn particle_observations(&self) -> Result<ParticleObservations> {
        Ok(ParticleObservations {
            points: self.observation_points()?,
            domain: self.domain()?,
            eps: self.eps()?,
            tolerance: self.particles.tolerance,
        })
    }

    /// Remesh-EnKF on the grid `l = 2 d_p`, threshold `eps_cut`.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn remesh_filter(&self, eps_cut: f64) -> Result<RemeshEnkf> {
        Ok(RemeshEnkf {
            observations: self.particle_observations()?,
            grid: RemeshGrid::new(self.domain()?, self.particle_spacing())?,
            eps_cut,
        })
    }

    /// Part-EnKF.
    ///
    /// # Errors
    /// Never for a validated scenario.
    pub fn part_filter(&self) -> Result<PartEnkf> {
        Ok(PartEnkf {
            observations: self.particle_observations()?,
        })
    }
}
