//! One run of the 1D experiment of paper 2, Section 4 (scenario in
//! [`Advection1dScenario`]): the prior ensemble, then
//! `N_assim` cycles of forecast over `t_f / N_assim` and analysis, with the
//! errors of Section 4.1.2 after every analysis:
//!
//! ```text
//! rRMSE       = 1/||u_gt|| [ 1/N sum_i ||u_i - u_gt||^2 ]^{1/2}     (fine quadrature grid)
//! rRMSE_theta = 1/|theta_gt| [ 1/N sum_i |theta_i - theta_gt|^2 ]^{1/2}   (theta = v, D)
//! ```
//!
//! and each member's normalised discrepancy `||u_i - u_gt|| / ||u_gt||`
//! (the box plots of Fig. 11), its particle count, its parameters and its
//! field on the quadrature grid (Figs. 5, 6 and 12).
//!
//! [`Scheme::FreeRun`] forecasts the same prior without analyses: the
//! baseline of Figs. 7–9. Grid members are sampled on the quadrature grid
//! by linear interpolation, particle members by eq. (3).

use assim::{EnsembleRunner, ExtendAndPad, Filter, ForecastModel, Members, PointObservations};
use particle_core::ParticleSet;
use rayon::prelude::*;

use validation::norms::{rrmse_parameter, rrmse_state};

use crate::Result;

mod scenario;

pub use scenario::*;

/// Which filter runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scheme {
    /// Grid-EnKF on the finite-difference model.
    Grid,
    /// Remesh-EnKF; `eps_cut` thresholds the initial and the analysed
    /// particles.
    Remesh {
        /// The threshold.
        eps_cut: f64,
    },
    /// Part-EnKF; `eps_cut` thresholds the initial particles, which each
    /// member keeps.
    Part {
        /// The threshold.
        eps_cut: f64,
    },
    /// No analysis: the prior's particle members forecast freely
    /// (initial threshold `eps_cut`).
    FreeRun {
        /// The threshold.
        eps_cut: f64,
    },
}

/// The ensemble at one time: the prior (`time = 0`) or after an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Time.
    pub time: f64,
    /// State rRMSE.
    pub rrmse_state: f64,
    /// Velocity rRMSE.
    pub rrmse_velocity: f64,
    /// Diffusion rRMSE.
    pub rrmse_diffusion: f64,
    /// `||u_i - u_gt|| / ||u_gt||` per member.
    pub discrepancy: Vec<f64>,
    /// Particles (or nodes) per member.
    pub particles: Vec<usize>,
    /// `[v_i, D_i]` per member.
    pub parameters: Vec<[f64; 2]>,
    /// Each member's field on the quadrature grid.
    pub fields: Vec<Vec<f64>>,
    /// The truth on the quadrature grid.
    pub truth: Vec<f64>,
    /// Members whose analysed `D` was clamped at this analysis.
    pub clamped: usize,
}

impl Step {
    /// Mean number of particles per member.
    pub fn mean_particles(&self) -> f64 {
        self.particles.iter().sum::<usize>() as f64 / self.particles.len() as f64
    }
}

/// A state that can be sampled on the quadrature grid.
trait Sampled: Clone + Send + Sync {
    fn sample(&self, sampler: &Sampler) -> Result<Vec<f64>>;
    fn count(&self) -> usize;
}

struct Sampler {
    points: PointObservations,
    particles: assim::ParticleObservations,
}

impl Sampled for Vec<f64> {
    fn sample(&self, sampler: &Sampler) -> Result<Vec<f64>> {
        Ok(sampler
            .points
            .of_nodal(self)
            .map_err(|source| assim::Error::Observation { member: 0, source })?)
    }

    fn count(&self) -> usize {
        self.len()
    }
}

impl Sampled for ParticleSet<1> {
    fn sample(&self, sampler: &Sampler) -> Result<Vec<f64>> {
        let p = &sampler.particles;
        Ok(sampler
            .points
            .of_particles(self, p.domain, p.eps, p.tolerance)
            .map_err(|source| assim::Error::Observation { member: 0, source })?)
    }

    fn count(&self) -> usize {
        self.len()
    }
}

/// The whole run: `steps[0]` is the prior at `t = 0`, `steps[k]` the
/// ensemble after analysis `k` (for the free run, the forecast at `t_k`).
///
/// # Errors
/// The runner's errors (naming the member), [`crate::Error::Particles`] if
/// a member has no particle above `eps_cut`.
pub fn run(scenario: &Advection1dScenario, seed: u64, scheme: Scheme) -> Result<Vec<Step>> {
    let draws = scenario.prior_draws(seed)?;
    let grid = scenario.quadrature()?;
    let sampler = Sampler {
        points: PointObservations::new(grid.points(), std::f64::consts::TAU)?,
        particles: scenario.particle_observations()?,
    };
    let runner = scenario.runner(seed)?;
    match scheme {
        Scheme::Grid => cycle(
            scenario,
            seed,
            &runner,
            scenario.grid_model()?,
            Some(&scenario.grid_filter()?),
            scenario.grid_members(&draws)?,
            &sampler,
        ),
        Scheme::Remesh { eps_cut } => cycle(
            scenario,
            seed,
            &runner,
            scenario.particle_model()?,
            Some(&scenario.remesh_filter(eps_cut)?),
            scenario.particle_members(&draws, eps_cut)?,
            &sampler,
        ),
        Scheme::Part { eps_cut } => cycle(
            scenario,
            seed,
            &runner,
            scenario.particle_model()?,
            Some(&scenario.part_filter()?),
            scenario.particle_members(&draws, eps_cut)?,
            &sampler,
        ),
        Scheme::FreeRun { eps_cut } => cycle(
            scenario,
            seed,
            &runner,
            scenario.particle_model()?,
            None::<&assim::PartEnkf>,
            scenario.particle_members(&draws, eps_cut)?,
            &sampler,
        ),
    }
}

/// Mean particles per member of extend-and-pad, eq. (10)–(11) (the
/// baseline that Remesh- and Part-EnKF improve on): the prior, then after
/// the first forecast and analysis (each analysis multiplies the count by
/// about `N`, so the run stops there).
///
/// # Errors
/// As [`run`].
pub fn extend_and_pad_growth(scenario: &Advection1dScenario, seed: u64) -> Result<Vec<f64>> {
    let mean = |m: &Members<ParticleSet<1>>| {
        m.states.iter().map(ParticleSet::len).sum::<usize>() as f64 / m.len() as f64
    };
    let draws = scenario.prior_draws(seed)?;
    let mut members = scenario.particle_members(&draws, scenario.particles.eps_cut)?;
    let mut counts = vec![mean(&members)];
    let runner = scenario.runner(seed)?;
    let mut models = vec![scenario.particle_model()?; members.len()];
    runner.forecast(&mut models, &mut members, scenario.window())?;
    let filter = ExtendAndPad {
        observations: scenario.particle_observations()?,
    };
    runner.analyse(&filter, &mut members, &scenario.data(seed, 0)?, 0)?;
    counts.push(mean(&members));
    Ok(counts)
}

fn cycle<M, F>(
    scenario: &Advection1dScenario,
    seed: u64,
    runner: &EnsembleRunner,
    model: M,
    filter: Option<&F>,
    mut members: Members<M::State>,
    sampler: &Sampler,
) -> Result<Vec<Step>>
where
    M: ForecastModel + Clone,
    M::State: Sampled,
    F: Filter<M::State>,
{
    let mut steps = vec![measure(scenario, 0.0, &members, sampler, 0)?];
    let mut models = vec![model; members.len()];
    for (k, &time) in scenario.analysis_times().iter().enumerate() {
        runner.forecast(&mut models, &mut members, scenario.window())?;
        let clamped = match filter {
            Some(filter) => {
                let data = scenario.data(seed, k)?;
                runner
                    .analyse(filter, &mut members, &data, k)?
                    .clamped
                    .len()
            }
            None => 0,
        };
        steps.push(measure(scenario, time, &members, sampler, clamped)?);
    }
    Ok(steps)
}

fn measure<S: Sampled>(
    scenario: &Advection1dScenario,
    time: f64,
    members: &Members<S>,
    sampler: &Sampler,
    clamped: usize,
) -> Result<Step> {
    let grid = scenario.quadrature()?;
    let truth_model = scenario.truth();
    let truth = grid
        .points()
        .into_iter()
        .map(|x| truth_model.exact(x, time))
        .collect::<Result<Vec<f64>, validation::Error>>()?;
    let fields = members
        .states
        .par_iter()
        .enumerate()
        .map(|(member, s)| {
            s.sample(sampler).map_err(|e| match e {
                crate::Error::Assim(assim::Error::Observation { source, .. }) => {
                    assim::Error::Observation { member, source }.into()
                }
                other => other,
            })
        })
        .collect::<Result<Vec<Vec<f64>>>>()?;
    let discrepancy = fields
        .iter()
        .map(|f| rrmse_state(&grid, std::slice::from_ref(f), &truth))
        .collect::<Result<Vec<f64>, validation::Error>>()?;
    let velocities: Vec<f64> = members.parameters.iter().map(|p| p[0]).collect();
    let diffusions: Vec<f64> = members.parameters.iter().map(|p| p[1]).collect();
    Ok(Step {
        time,
        rrmse_state: rrmse_state(&grid, &fields, &truth)?,
        rrmse_velocity: rrmse_parameter(&velocities, scenario.truth.velocity)?,
        rrmse_diffusion: rrmse_parameter(&diffusions, scenario.truth.diffusion)?,
        discrepancy,
        particles: members.states.iter().map(Sampled::count).collect(),
        parameters: members.parameters.iter().map(|p| [p[0], p[1]]).collect(),
        fields,
        truth,
        clamped,
    })
}
