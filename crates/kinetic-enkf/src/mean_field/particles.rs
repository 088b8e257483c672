//! Interacting-particle Monte Carlo for the mean-field equation (13).
//!
//! `J` particles sampled from `f0` move by
//!
//! ```text
//! du^j/dt = C_uG(t) Gamma (y - G(u^j)),
//! C_uG(t) = (1/J) sum_k (u^k - u-bar) ⊗ (G(u^k) - G-bar),
//! ```
//!
//! the flow eq. (5)–(6) with `Sigma = 0`; for linear `G`, `C_uG = C G^T`
//! and the velocity is `-C grad Phi(u)` of eq. (8) and (13). As `J` grows
//! the empirical measure approaches `f(t)` and its moments approach the
//! moment ODEs eq. (14)–(15) like `J^{-1/2}`.
//!
//! # Scheme
//!
//! The classical fourth-order Runge–Kutta method with a fixed step `h`,
//! `C_uG` recomputed at every stage. A stage costs one evaluation of `G`
//! per particle, `O(J d K)` for the cross-covariance and `O(J d K)` for the
//! velocities: linear in `J`, never `O(J^2)`. With `M = C_uG Gamma`
//! (`d × K`, one Cholesky solve with the noise covariance per stage) the
//! velocity of particle `j` is `M (y - G(u^j))`. The stages are fused into
//! three buffers of `J d` (state, stage, accumulator) and one of `J K`
//! (images), allocated once.
//!
//! # Determinism
//!
//! Everything per particle runs in parallel (rayon) over fixed blocks of
//! particles and depends on that particle only; the statistics are reduced
//! over the same fixed chunks of particles, in chunk order. A step gives the same bits for any number of
//! threads.

use rayon::prelude::*;

use super::statistics::{CHUNK, cross_covariance, mean, moments};
use crate::ensemble::Ensemble;
use crate::error::{Error, Result};
use crate::iteration::check_step;
use crate::moments::MomentState;
use crate::problem::InverseProblem;

/// `J` interacting particles for eq. (13) (module docs), with their time.
#[derive(Debug)]
pub struct InteractingParticles<'a> {
    problem: &'a InverseProblem,
    state: Vec<f64>,
    stage: Vec<f64>,
    acc: Vec<f64>,
    images: Vec<f64>,
    time: f64,
}

impl<'a> InteractingParticles<'a> {
    /// The particles of `initial` at `t = 0` for `problem`.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] if the particles are not in `R^d`,
    /// [`Error::TooFewMembers`] if there are fewer than 2.
    ///
    /// # Example
    ///
    /// Scalar `G = 1`, `y = 0`, particles `±1`: the variance is
    /// `1 / (1 + 2t)`, each particle `±(1 + 2t)^{-1/2}`.
    ///
    /// ```
    /// use kinetic_enkf::{Ensemble, InverseProblem};
    /// use kinetic_enkf::mean_field::InteractingParticles;
    ///
    /// let problem = InverseProblem::linear(&[1.0], 1, &[0.0], &[1.0])?;
    /// let u0 = Ensemble::new(1, vec![-1.0, 1.0])?;
    /// let mut p = InteractingParticles::new(&problem, &u0)?;
    /// p.advance_to(4.0, 0.01)?;
    /// assert!((p.particles()[1] - 1.0 / 3.0).abs() < 1e-8);
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    pub fn new(problem: &'a InverseProblem, initial: &Ensemble) -> Result<Self> {
        problem.check_ensemble(initial)?;
        let state = initial.as_slice().to_vec();
        let n = state.len();
        Ok(Self {
            problem,
            stage: vec![0.0; n],
            acc: vec![0.0; n],
            images: vec![0.0; initial.len() * problem.observations()],
            state,
            time: 0.0,
        })
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.time
    }

    /// The number `J` of particles.
    pub fn len(&self) -> usize {
        self.state.len() / self.problem.dim()
    }

    /// Always `false`: there are at least two particles.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The particles, member-major (`J d`).
    pub fn particles(&self) -> &[f64] {
        &self.state
    }

    /// The particles as an [`Ensemble`].
    ///
    /// # Errors
    ///
    /// None in practice: the particles are finite after every successful
    /// step.
    pub fn ensemble(&self) -> Result<Ensemble> {
        Ensemble::new(self.problem.dim(), self.state.clone())
    }

    /// The mean and covariance of the particles (normalised by `1/J`),
    /// reduced in parallel and deterministically.
    pub fn moments(&self) -> MomentState {
        moments(&self.state, self.problem.dim())
    }

    /// One Runge–Kutta step of size `h` (module docs).
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidParameter`] if `h` is not positive and finite;
    /// * the forward map's errors (lowest failing particle);
    /// * [`Error::NonFinite`] naming the first particle that overflowed.
    ///
    /// On error the particles and the time are those before the step.
    pub fn step(&mut self, h: f64) -> Result<()> {
        check_step("time step h (positive, finite)", h)?;
        // One entry into the thread pool per step instead of one per
        // parallel loop (about twenty): from a thread outside the pool each
        // entry is a hand-over to a worker and back.
        rayon::scope(|_| self.runge_kutta(h))
    }

    /// The step of [`step`](Self::step), inside the thread pool.
    fn runge_kutta(&mut self, h: f64) -> Result<()> {
        self.acc.copy_from_slice(&self.state);
        // (weight of the stage in the update, offset of the next stage).
        let stages = [
            (h / 6.0, h / 2.0),
            (h / 3.0, h / 2.0),
            (h / 3.0, h),
            (h / 6.0, 0.0),
        ];
        let (d, k) = (self.problem.dim(), self.problem.observations());
        let y = self.problem.data();
        for (s, &(weight, offset)) in stages.iter().enumerate() {
            let input = if s == 0 { &self.state } else { &self.stage };
            let gain = velocity_gain(self.problem, input, &mut self.images)?;
            // M^T (K × d): v = M r accumulates column a of M times r_a, so
            // that the inner loop over the d components vectorises; each
            // component still sums over a in order.
            let columns: Vec<f64> = (0..k * d).map(|i| gain[(i % d) * k + i / d]).collect();
            self.acc
                .par_chunks_mut(CHUNK * d)
                .zip(self.stage.par_chunks_mut(CHUNK * d))
                .zip(self.state.par_chunks(CHUNK * d))
                .zip(self.images.par_chunks(CHUNK * k))
                .for_each(|(((acc, stage), u), g)| {
                    let (mut r, mut v) = (vec![0.0; k], vec![0.0; d]);
                    for (((acc, stage), u), g) in acc
                        .chunks_exact_mut(d)
                        .zip(stage.chunks_exact_mut(d))
                        .zip(u.chunks_exact(d))
                        .zip(g.chunks_exact(k))
                    {
                        for ((r, y), g) in r.iter_mut().zip(y).zip(g) {
                            *r = y - g;
                        }
                        let (first, rest) = columns.split_at(d);
                        for (v, m) in v.iter_mut().zip(first) {
                            *v = m * r[0];
                        }
                        for (column, r) in rest.chunks_exact(d).zip(&r[1..]) {
                            for (v, m) in v.iter_mut().zip(column) {
                                *v += m * r;
                            }
                        }
                        for (((a, st), u), v) in acc.iter_mut().zip(stage).zip(u).zip(&v) {
                            *a += weight * v;
                            *st = u + offset * v;
                        }
                    }
                });
        }
        check_particles(&self.acc, self.problem.dim())?;
        std::mem::swap(&mut self.state, &mut self.acc);
        self.time += h;
        Ok(())
    }

    /// Steps of size at most `max_step` up to time `t` (the last one
    /// shortened to land on `t`); nothing if `t` is not after the current
    /// time.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a non-finite `t` or a `max_step`
    /// that is not positive and finite; those of [`step`](Self::step).
    pub fn advance_to(&mut self, t: f64, max_step: f64) -> Result<()> {
        check_step("maximal time step (positive, finite)", max_step)?;
        if !t.is_finite() {
            return Err(Error::InvalidParameter {
                name: "final time t (finite)",
                value: t,
            });
        }
        let start = self.time;
        let steps = ((t - start) / max_step).ceil();
        if steps < 1.0 {
            return Ok(());
        }
        let h = (t - start) / steps;
        rayon::scope(|_| {
            for n in 0..steps as usize {
                self.runge_kutta(h)?;
                // Land on t without accumulated rounding.
                self.time = start + (n + 1) as f64 * h;
            }
            self.time = t;
            Ok(())
        })
    }
}

/// `M = C_uG Gamma` (`d × K`, row-major) for the particles `input`, with
/// their images written to `images`.
#[allow(non_snake_case)]
pub(crate) fn velocity_gain(
    problem: &InverseProblem,
    input: &[f64],
    images: &mut [f64],
) -> Result<Vec<f64>> {
    let (d, k) = (problem.dim(), problem.observations());
    problem.forward_into(input, images)?;
    let u_bar = mean(input, d);
    let g_bar = mean(images, k);
    let C_uG = cross_covariance(input, &u_bar, images, &g_bar);
    gain(problem, &C_uG)
}

/// `M = C_uG Gamma` (`d × K`, row-major) for the cross-covariance `C_uG`
/// (`d × K`, row-major): the gain of every solver of eq. (13).
#[allow(non_snake_case)]
pub(crate) fn gain(problem: &InverseProblem, C_uG: &[f64]) -> Result<Vec<f64>> {
    let (d, k) = (problem.dim(), problem.observations());
    // Gamma C_uG^T (K × d) by one solve with Gamma^{-1}; M is its transpose.
    let mut ct = vec![0.0; k * d];
    for i in 0..d {
        for a in 0..k {
            ct[a * d + i] = C_uG[i * k + a];
        }
    }
    let X = problem.noise_factor().solve(&ct, d)?;
    let mut M = vec![0.0; d * k];
    for i in 0..d {
        for a in 0..k {
            M[i * k + a] = X[a * d + i];
        }
    }
    Ok(M)
}

/// The first non-finite entry of member-major particles, as an error
/// (searched in parallel over fixed chunks; the lowest index wins).
pub(crate) fn check_particles(particles: &[f64], d: usize) -> Result<()> {
    let bad = particles
        .par_chunks(CHUNK * d)
        .enumerate()
        .filter_map(|(c, chunk)| {
            chunk
                .iter()
                .position(|v| !v.is_finite())
                .map(|i| c * CHUNK * d + i)
        })
        .min();
    match bad {
        Some(i) => Err(Error::NonFinite {
            member: i / d,
            component: i % d,
            value: particles[i],
        }),
        None => Ok(()),
    }
}
