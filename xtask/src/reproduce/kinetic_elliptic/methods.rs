//! The four solvers of the elliptic example and what is recorded of them.

use std::time::Instant;

use kinetic_enkf::Ensemble;
use kinetic_enkf::continuous;
use kinetic_enkf::mean_field::InteractingParticles;
use kinetic_enkf::moments::{LinearMoments, MomentState};
use kinetic_enkf::ode::Tolerances;
use kinetic_enkf::stabilised::{Noise, StabilisedParticles};
use rayon::prelude::*;
use validation::elliptic::{EllipticProblem, Prior};

use super::{DataSet, FIRST_TIME, GAMMA, PER_DECADE, Params};
use crate::reproduce::error::Error;

/// `h` times the bound on the spectral radius of `C H`, RK4.
pub(super) const RK4_COURANT: f64 = 0.25;
/// `h` times the bound on the spectral radius of `C H`, Euler–Maruyama.
pub(super) const EM_COURANT: f64 = 0.2;
/// Particles per chunk of the deterministic reductions.
const CHUNK: usize = 1024;

/// The recorded numbers of one method at one time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Record {
    pub time: f64,
    /// `|G ū - y|`.
    pub residual: f64,
    /// `|G (ū - u†)|`.
    pub misfit: f64,
    /// `‖ū - u†‖`.
    pub error: f64,
    /// `(1/J) Σ |G (u^j - ū)|²`.
    pub spread_obs: f64,
    /// `(1/J) Σ ‖u^j - ū‖²`.
    pub spread: f64,
}

impl Record {
    pub const QUANTITIES: [&'static str; 5] =
        ["residual", "misfit", "error", "spread_obs", "spread"];

    pub fn values(&self) -> [f64; 5] {
        [
            self.residual,
            self.misfit,
            self.error,
            self.spread_obs,
            self.spread,
        ]
    }
}

/// One method's run on one data set.
#[derive(Debug)]
pub(super) struct Run {
    pub data: &'static str,
    pub method: &'static str,
    pub members: usize,
    pub records: Vec<Record>,
    /// The mean at the last time.
    pub mean: Vec<f64>,
    /// The members at the last time (the EnKF's).
    pub ensemble: Option<Vec<f64>>,
    /// `‖ū(t) - m(t)‖` to the moment solution, per record (the kinetic
    /// Monte Carlo's).
    pub to_moments: Vec<f64>,
    pub wall_s: f64,
}

impl Run {
    fn new(data: &'static str, method: &'static str, members: usize) -> Self {
        Self {
            data,
            method,
            members,
            records: Vec::new(),
            mean: Vec::new(),
            ensemble: None,
            to_moments: Vec::new(),
            wall_s: 0.0,
        }
    }

    pub fn label(&self) -> String {
        match self.method {
            "moments" => "exact moments".into(),
            "EnKF" => format!("EnKF J = {}", self.members),
            _ => format!("{} J = {:.0e}", self.method, self.members as f64),
        }
    }
}

/// The problem, the prior, the truth and the record times.
pub(super) struct Setup {
    pub problem: EllipticProblem,
    pub prior: Prior,
    /// The prior covariance `C0` of the nodal values (`d × d`).
    pub c0: Vec<f64>,
    pub truth: Vec<f64>,
    pub g_truth: Vec<f64>,
    pub times: Vec<f64>,
}

/// Statistics of an ensemble: its record, its mean and the Gershgorin
/// bound on the spectral radius of `S = Gamma^{1/2} Cov(G u) Gamma^{1/2}`.
struct Statistics {
    record: Record,
    mean: Vec<f64>,
    radius: f64,
}

impl Setup {
    pub fn new(
        problem: EllipticProblem,
        prior: Prior,
        truth: Vec<f64>,
        g_truth: Vec<f64>,
        params: &Params,
    ) -> Self {
        let decades = (params.horizon / FIRST_TIME).log10();
        let n = (decades * PER_DECADE as f64).round() as usize;
        let times = (0..=n)
            .map(|i| FIRST_TIME * 10f64.powf(i as f64 / PER_DECADE as f64))
            .collect();
        Self {
            c0: prior.covariance(),
            problem,
            prior,
            truth,
            g_truth,
            times,
        }
    }

    pub fn dim(&self) -> usize {
        self.problem.dim()
    }

    pub fn observations(&self) -> usize {
        self.problem.observations()
    }

    /// The discrete `L²(0, 1)` norm.
    pub fn l2(&self, v: &[f64]) -> f64 {
        (self.problem.spacing() * v.iter().map(|x| x * x).sum::<f64>()).sqrt()
    }

    fn apply_g(&self, v: &[f64]) -> Vec<f64> {
        apply(self.problem.forward_matrix(), v)
    }

    /// Residual, misfit and error of `mean` for the data `y`.
    fn record(&self, time: f64, y: &[f64], mean: &[f64], spreads: [f64; 2]) -> Record {
        let g = self.apply_g(mean);
        Record {
            time,
            residual: euclid(g.iter().zip(y).map(|(a, b)| a - b)),
            misfit: euclid(g.iter().zip(&self.g_truth).map(|(a, b)| a - b)),
            error: self.l2(&difference(mean, &self.truth)),
            spread_obs: spreads[0],
            spread: spreads[1],
        }
    }

    /// The statistics of member-major particles, reduced over fixed chunks
    /// in chunk order (the same bits for any thread count).
    fn statistics(&self, time: f64, y: &[f64], particles: &[f64]) -> Statistics {
        let (d, k) = (self.dim(), self.observations());
        let j = (particles.len() / d) as f64;
        let mut mean = vec![0.0; d];
        let sums: Vec<Vec<f64>> = particles
            .par_chunks(CHUNK * d)
            .map(|chunk| {
                let mut s = vec![0.0; d];
                for u in chunk.chunks_exact(d) {
                    s.iter_mut().zip(u).for_each(|(s, u)| *s += u);
                }
                s
            })
            .collect();
        for s in &sums {
            mean.iter_mut().zip(s).for_each(|(m, s)| *m += s);
        }
        mean.iter_mut().for_each(|m| *m /= j);
        let g_mean = self.apply_g(&mean);
        // Per chunk: Σ ‖u - ū‖², then Σ (G(u - ū)) ⊗ (G(u - ū)) (K × K).
        let partial: Vec<(f64, Vec<f64>)> = particles
            .par_chunks(CHUNK * d)
            .map(|chunk| {
                let mut outer = vec![0.0; k * k];
                let mut state = 0.0;
                for u in chunk.chunks_exact(d) {
                    let g = difference(&self.apply_g(u), &g_mean);
                    for (a, ga) in g.iter().enumerate() {
                        for (b, gb) in g.iter().enumerate() {
                            outer[a * k + b] += ga * gb;
                        }
                    }
                    state += u
                        .iter()
                        .zip(&mean)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>();
                }
                (state, outer)
            })
            .collect();
        let mut state = 0.0;
        let mut cov = vec![0.0; k * k];
        for (s, outer) in &partial {
            state += s;
            cov.iter_mut().zip(outer).for_each(|(c, o)| *c += o / j);
        }
        let spread_obs = (0..k).map(|a| cov[a * k + a]).sum();
        let radius = cov
            .chunks_exact(k)
            .map(|row| row.iter().map(|x| x.abs()).sum::<f64>())
            .fold(0.0, f64::max)
            / GAMMA;
        let h = self.problem.spacing();
        Statistics {
            record: self.record(time, y, &mean, [spread_obs, h * state / j]),
            mean,
            radius,
        }
    }

    /// `particles` prior draws (draw `i` for particle `i`), in parallel.
    fn prior_particles(&self, particles: usize, seed: u64) -> Result<Ensemble, Error> {
        let d = self.dim();
        let mut data = vec![0.0; particles * d];
        data.par_chunks_exact_mut(d)
            .enumerate()
            .for_each(|(i, u)| u.copy_from_slice(&self.prior.sample(seed, i)));
        Ok(Ensemble::new(d, data)?)
    }
}

/// `A v` for a row-major `A` with `v.len()` columns.
fn apply(a: &[f64], v: &[f64]) -> Vec<f64> {
    a.chunks_exact(v.len())
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

/// `a - b`.
pub(super) fn difference(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a - b).collect()
}

/// The Euclidean norm.
pub(super) fn euclid(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|x| x * x).sum::<f64>().sqrt()
}

/// The exact moment solution from the prior's moments `(0, C0)`, and its
/// means at the recorded times.
pub(super) fn moments(setup: &Setup, set: &DataSet) -> Result<(Run, Vec<Vec<f64>>), Error> {
    let start = Instant::now();
    let d = setup.dim();
    let initial = MomentState {
        mean: vec![0.0; d],
        covariance: setup.c0.clone(),
    };
    let flow =
        LinearMoments::new(&set.inverse)?.solve(&initial, &setup.times, &Tolerances::default())?;
    let g = setup.problem.forward_matrix();
    let h = setup.problem.spacing();
    let mut run = Run::new(set.name, "moments", 0);
    for (&t, s) in flow.times.iter().zip(&flow.states) {
        // tr(G C G^T): the sum over the rows r of G of r^T C r.
        let spread_obs = g
            .chunks_exact(d)
            .map(|r| {
                r.iter()
                    .zip(apply(&s.covariance, r))
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
            })
            .sum();
        let trace: f64 = (0..d).map(|i| s.covariance[i * d + i]).sum();
        let data = set.inverse.data();
        run.records
            .push(setup.record(t, data, &s.mean, [spread_obs, h * trace]));
    }
    let means: Vec<Vec<f64>> = flow.states.into_iter().map(|s| s.mean).collect();
    run.mean = means.last().cloned().unwrap_or_default();
    run.wall_s = start.elapsed().as_secs_f64();
    Ok((run, means))
}

/// The EnKF flow eq. (5), `Sigma = 0`, member `j` along mode `j`.
pub(super) fn enkf(setup: &Setup, set: &DataSet, members: usize, seed: u64) -> Result<Run, Error> {
    let start = Instant::now();
    let initial: Vec<Vec<f64>> = (1..=members)
        .map(|j| setup.prior.mode_member(seed, j))
        .collect::<Result<_, _>>()?;
    let initial = Ensemble::from_members(&initial)?;
    let flow = continuous::flow(&set.inverse, &initial, &setup.times, &Tolerances::default())?;
    let mut run = Run::new(set.name, "EnKF", members);
    for (&t, e) in flow.times.iter().zip(&flow.ensembles) {
        let stats = setup.statistics(t, set.inverse.data(), e.as_slice());
        run.records.push(stats.record);
        run.mean = stats.mean;
    }
    run.ensemble = flow.ensembles.last().map(|e| e.as_slice().to_vec());
    run.wall_s = start.elapsed().as_secs_f64();
    Ok(run)
}

/// The kinetic Monte Carlo: RK4 on the interacting particles eq. (13),
/// compared with the moment solution's `means` at every record.
pub(super) fn kinetic(
    setup: &Setup,
    set: &DataSet,
    particles: usize,
    seed: u64,
    means: &[Vec<f64>],
) -> Result<Run, Error> {
    let start = Instant::now();
    let initial = setup.prior_particles(particles, seed)?;
    let y = set.inverse.data();
    let mut flow = InteractingParticles::new(&set.inverse, &initial)?;
    let mut run = Run::new(set.name, "kinetic MC", particles);
    let mut radius = setup.statistics(0.0, y, initial.as_slice()).radius;
    for (&t, m) in setup.times.iter().zip(means) {
        // Without noise S only shrinks: the radius at the start of the
        // interval bounds it throughout.
        flow.advance_to(t, RK4_COURANT / radius)?;
        let stats = setup.statistics(t, y, flow.particles());
        radius = stats.radius;
        run.to_moments.push(setup.l2(&difference(&stats.mean, m)));
        run.records.push(stats.record);
        run.mean = stats.mean;
    }
    run.wall_s = start.elapsed().as_secs_f64();
    Ok(run)
}

/// The Fokker–Planck particles eq. (22) with `noise`, whose equilibrium
/// radius is at most `floor`.
pub(super) fn fokker_planck(
    setup: &Setup,
    set: &DataSet,
    noise: &Noise,
    particles: usize,
    seed: u64,
    floor: f64,
) -> Result<Run, Error> {
    let start = Instant::now();
    let initial = setup.prior_particles(particles, seed)?;
    let y = set.inverse.data();
    let mut flow = StabilisedParticles::new(&set.inverse, noise, &initial, seed)?;
    let mut run = Run::new(set.name, "Fokker-Planck MC", particles);
    let mut radius = setup.statistics(0.0, y, initial.as_slice()).radius;
    for &t in &setup.times {
        let h_max = EM_COURANT / radius.max(floor);
        let steps = ((t - flow.time()) / h_max).ceil().max(1.0);
        let h = (t - flow.time()) / steps;
        for _ in 0..steps as usize {
            flow.fokker_planck_step(h)?;
        }
        let stats = setup.statistics(t, y, flow.particles());
        radius = stats.radius;
        run.records.push(stats.record);
        run.mean = stats.mean;
    }
    run.wall_s = start.elapsed().as_secs_f64();
    Ok(run)
}
