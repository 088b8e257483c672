//! Particle methods for the Boltzmann equation (20) and the Fokker–Planck
//! equation (22).
//!
//! Both move each particle by the interaction eq. (18) with `C(t)`
//! computed from the particles (parallel, chunked, deterministic, as in
//! [`mean_field`](crate::mean_field)); the velocity is written
//! `C_uG Gamma (y - G(u))` (`= -C grad Phi(u)` for linear `G`). Time is
//! the scaled time `tau = eps t` of eq. (21).
//!
//! * [`StabilisedParticles::boltzmann_step`] (Nanbu type, linear `G`): in a
//!   step `dtau <= eps` each particle interacts with probability
//!   `dtau / eps` (the interaction rate is `1/eps` in `tau`), by
//!   `u <- u + eps C_uG Gamma (y - G(u)) + sqrt(eps) sigma z`,
//!   `sigma sigma^T = K Lambda K^T`, `z` standard normal. Remark 4.1 is
//!   checked at every step.
//! * [`StabilisedParticles::fokker_planck_step`] (any `G`): Euler–Maruyama,
//!   `u <- u + h C_uG Gamma (y - G(u)) + sqrt(h) sigma z`.
//!
//! The draws of particle `j` in step `n` come from
//! `member_stream(seed, j, Stream::Interaction(n))` and
//! `member_stream(seed, j, Stream::Diffusion(n))`: bit-identical for any
//! number of threads.

use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::rand_core::Rng;
use rayon::prelude::*;

use super::noise::{Noise, NoiseModel};
use crate::ensemble::Ensemble;
use crate::error::{Error, Result};
use crate::iteration::check_step;
use crate::kalman::symmetric_eigen;
use crate::mean_field::particles::{check_particles, velocity_gain};
use crate::mean_field::statistics::moments;
use crate::moments::MomentState;
use crate::problem::InverseProblem;
use crate::rng::{Stream, member_stream};

/// Particles of the stabilised model (module docs).
#[derive(Debug)]
pub struct StabilisedParticles<'a> {
    problem: &'a InverseProblem,
    noise: NoiseModel,
    seed: u64,
    state: Vec<f64>,
    images: Vec<f64>,
    time: f64,
    steps: usize,
}

impl<'a> StabilisedParticles<'a> {
    /// The particles of `initial` at `tau = 0`, with `noise` and the
    /// scenario `seed`.
    ///
    /// # Errors
    ///
    /// As [`InteractingParticles::new`](crate::mean_field::InteractingParticles::new)
    /// and [`Noise::diffusion`].
    pub fn new(
        problem: &'a InverseProblem,
        noise: &Noise,
        initial: &Ensemble,
        seed: u64,
    ) -> Result<Self> {
        problem.check_ensemble(initial)?;
        Ok(Self {
            problem,
            noise: NoiseModel::new(noise, problem)?,
            seed,
            state: initial.as_slice().to_vec(),
            images: vec![0.0; initial.len() * problem.observations()],
            time: 0.0,
            steps: 0,
        })
    }

    /// The current (scaled) time.
    pub fn time(&self) -> f64 {
        self.time
    }

    /// The particles, member-major.
    pub fn particles(&self) -> &[f64] {
        &self.state
    }

    /// Mean and covariance of the particles (deterministic).
    pub fn moments(&self) -> MomentState {
        moments(&self.state, self.problem.dim())
    }

    /// One Euler–Maruyama step of size `h` for eq. (22).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `h` not positive and finite; the
    /// forward map's errors; [`Error::NonFinite`] on overflow. On error the
    /// particles are unchanged.
    pub fn fokker_planck_step(&mut self, h: f64) -> Result<()> {
        check_step("time step h (positive, finite)", h)?;
        let stream = Stream::Diffusion(self.steps);
        self.interact(h, 1.0, stream)
    }

    /// One Nanbu step of length `dtau` for eq. (20) with interaction
    /// strength `eps` (module docs).
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidParameter`] for `eps` or `dtau` not positive and
    ///   finite, or `dtau > eps`;
    /// * [`Error::NotLinear`] for a closure (Remark 4.1 is for linear `G`);
    /// * [`Error::InteractionTooStrong`] if `eps rho(C G^T Gamma G) > 1`;
    /// * the forward map's errors, [`Error::NonFinite`] on overflow.
    ///
    /// On error the particles are unchanged.
    #[allow(non_snake_case)]
    pub fn boltzmann_step(&mut self, eps: f64, dtau: f64) -> Result<()> {
        check_step("interaction strength eps (positive, finite)", eps)?;
        check_step("time step dtau (positive, finite)", dtau)?;
        if dtau > eps {
            return Err(Error::InvalidParameter {
                name: "time step dtau (at most eps)",
                value: dtau,
            });
        }
        let G = self.problem.linear_map().ok_or(Error::NotLinear {
            what: "the binary-interaction scheme (Remark 4.1)",
        })?;
        // rho(C H) = lambda_max(W C W^T), W = L^{-1} G, Gamma^{-1} = L L^T.
        let (d, k) = (self.problem.dim(), self.problem.observations());
        let C = self.moments().covariance;
        let W = self.problem.noise_factor().solve_lower(G, d)?;
        let mut S = vec![0.0; k * k];
        for a in 0..k {
            for b in 0..k {
                S[a * k + b] = (0..d)
                    .map(|i| {
                        W[a * d + i] * (0..d).map(|j| C[i * d + j] * W[b * d + j]).sum::<f64>()
                    })
                    .sum();
            }
        }
        let rho = symmetric_eigen(k, &S)?.0.into_iter().fold(0.0f64, f64::max);
        if eps * rho > 1.0 {
            return Err(Error::InteractionTooStrong {
                eps,
                product: eps * rho,
                step: self.steps,
            });
        }
        let stream = Stream::Interaction(self.steps);
        self.interact(eps, dtau / eps, stream)?;
        // interact advanced time by eps; the step is dtau.
        self.time += dtau - eps;
        Ok(())
    }

    /// Moves each particle, with probability `probability`, by the
    /// interaction of strength `h`; advances the time by `h`.
    #[allow(non_snake_case)]
    fn interact(&mut self, h: f64, probability: f64, stream: Stream) -> Result<()> {
        let (d, k) = (self.problem.dim(), self.problem.observations());
        let M = velocity_gain(self.problem, &self.state, &mut self.images)?;
        let (sigma, p) = if self.noise.depends_on_covariance() {
            self.noise.sigma(&self.moments().covariance)
        } else {
            self.noise.sigma(&[])
        };
        let y = self.problem.data();
        let seed = self.seed;
        let mut next = self.state.clone();
        next.par_chunks_exact_mut(d)
            .zip(self.images.par_chunks_exact(k))
            .enumerate()
            .for_each(|(j, (u, g))| {
                let mut rng = member_stream(seed, j, stream);
                if probability < 1.0 {
                    // A uniform in [0, 1) from the top 53 bits.
                    let x = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                    if x >= probability {
                        return;
                    }
                }
                let z: Vec<f64> = (0..p).map(|_| StandardNormal.sample(&mut rng)).collect();
                for (i, ui) in u.iter_mut().enumerate() {
                    let v: f64 = M[i * k..(i + 1) * k]
                        .iter()
                        .zip(y)
                        .zip(g)
                        .map(|((m, y), g)| m * (y - g))
                        .sum();
                    let noise: f64 = sigma[i * p..(i + 1) * p]
                        .iter()
                        .zip(&z)
                        .map(|(s, z)| s * z)
                        .sum();
                    *ui += h * v + h.sqrt() * noise;
                }
            });
        check_particles(&next, d)?;
        self.state = next;
        self.time += h;
        self.steps += 1;
        Ok(())
    }
}
