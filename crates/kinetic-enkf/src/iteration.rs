//! The EnKF iteration of paper 1 (Herty & Visconti), eq. (3)–(4):
//!
//! ```text
//! u^{j,n+1} = u^{j,n} + C(U^n) (D(U^n) + Gamma^{-1} / dt)^{-1} (y^{j,n+1} - G(u^{j,n})),
//! y^{j,n+1} = y + xi^{j,n+1},   xi^{j,n+1} ~ N(0, dt^{-1} Sigma),
//! ```
//!
//! for the two choices of the paper, `Sigma = 0` (no perturbation: every
//! member sees the data `y`) and `Sigma = Gamma^{-1}` (perturbed data), and
//! any artificial time step `dt > 0`. `C(U)` and `D(U)` are the ensemble
//! statistics of [`Ensemble`] (normalised by `1/J`).
//!
//! # Numerics
//!
//! One iteration evaluates `G` once per member (in parallel, see
//! [`InverseProblem::forward_ensemble`]), factors the `K × K` matrix
//! `D + Gamma^{-1}/dt` once with [`Cholesky`] (symmetric positive definite
//! because `Gamma^{-1}` is), solves for all `J` residuals at once and applies
//! `C(U)` to each solution, summing in a fixed order.
//!
//! # Randomness
//!
//! With `Sigma = Gamma^{-1}`, the perturbation of member `j` in iteration
//! `n` (the one that produces `U^{n+1}` from `U^n`, `n` counted from 0) is
//! `xi = dt^{-1/2} L z`, where `Gamma^{-1} = L L^T` and `z` are `K` standard
//! normals (`rand_distr::StandardNormal`, in component order) drawn from
//! [`member_stream`]`(seed, j, Stream::Perturbation(n))`. Nothing else is
//! random, so results are bit-identical for any number of threads, and
//! member `j`'s perturbations do not depend on `J`.

use rand_distr::{Distribution, StandardNormal};

use crate::ensemble::Ensemble;
use crate::error::{Error, Result};
use crate::kalman::Cholesky;
use crate::problem::InverseProblem;
use crate::rng::{Stream, member_stream};

/// The covariance `Sigma` of the data perturbations in eq. (3) and of the
/// noise in eq. (5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sigma {
    /// `Sigma = 0`: no perturbation; every member sees the data `y`.
    Zero,
    /// `Sigma = Gamma^{-1}`: the data are perturbed with the noise
    /// covariance of the problem.
    NoiseCovariance,
}

/// The parameters of the EnKF iteration eq. (3): the artificial time step
/// `dt`, the perturbation covariance `Sigma` and the scenario seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnkfIteration {
    dt: f64,
    sigma: Sigma,
    seed: u64,
}

impl EnkfIteration {
    /// The iteration with time step `dt`, perturbations `sigma` and the
    /// scenario `seed` of the perturbation streams (unused for
    /// [`Sigma::Zero`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `dt` is not positive and finite.
    pub fn new(dt: f64, sigma: Sigma, seed: u64) -> Result<Self> {
        check_step("time step dt (positive, finite)", dt)?;
        Ok(Self { dt, sigma, seed })
    }

    /// The time step `dt`.
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// The perturbation covariance.
    pub fn sigma(&self) -> Sigma {
        self.sigma
    }

    /// Iteration `n` (0-based) of eq. (3): `U^{n+1}` from `U^n = ensemble`.
    /// `n` selects the perturbation streams (module docs).
    ///
    /// # Errors
    ///
    /// * [`Error::DimensionMismatch`] if the members are not in `R^d`;
    /// * [`Error::TooFewMembers`] if `J < 2`;
    /// * the forward map's errors ([`InverseProblem::forward_ensemble`]);
    /// * [`Error::NonFinite`] if the update overflows.
    ///
    /// # Example
    ///
    /// Scalar `G = 1`, `y = 1`, `Gamma^{-1} = 1`, members `0` and `2`:
    /// `C = D = 1`, so with `dt = 1` each member moves half-way to `y`.
    ///
    /// ```
    /// use kinetic_enkf::{Ensemble, InverseProblem};
    /// use kinetic_enkf::iteration::{EnkfIteration, Sigma};
    ///
    /// let problem = InverseProblem::linear(&[1.0], 1, &[1.0], &[1.0])?;
    /// let u0 = Ensemble::new(1, vec![0.0, 2.0])?;
    /// let u1 = EnkfIteration::new(1.0, Sigma::Zero, 0)?.step(&problem, &u0, 0)?;
    /// assert!((u1.member(0)[0] - 0.5).abs() < 1e-15);
    /// assert!((u1.member(1)[0] - 1.5).abs() < 1e-15);
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    #[allow(non_snake_case)]
    pub fn step(
        &self,
        problem: &InverseProblem,
        ensemble: &Ensemble,
        n: usize,
    ) -> Result<Ensemble> {
        problem.check_ensemble(ensemble)?;
        let (J, K) = (ensemble.len(), problem.observations());
        let G_U = problem.forward_ensemble(ensemble)?;
        let C = ensemble.cross_covariance(&G_U)?;
        // D(U) + Gamma^{-1} / dt, eq. (3).
        let mut S = G_U.covariance();
        for (s, g) in S.iter_mut().zip(problem.noise_covariance()) {
            *s += g / self.dt;
        }
        let mut R = problem.residuals(&G_U);
        if self.sigma == Sigma::NoiseCovariance {
            let scale = self.dt.sqrt().recip();
            let noise = standard_noise(problem, self.seed, n, J)?;
            for (j, xi) in noise.chunks_exact(K).enumerate() {
                for (a, x) in xi.iter().enumerate() {
                    R[a * J + j] += scale * x;
                }
            }
        }
        let X = Cholesky::new(K, &S)?.solve(&R, J)?;
        shifted(ensemble, &gain_times(&C, &X, ensemble.dim(), J))
    }

    /// `iterations` steps of eq. (3) from `U^0 = ensemble`, with iteration
    /// indices `0, 1, …, iterations - 1`; returns `U^{iterations}`.
    ///
    /// # Errors
    ///
    /// Those of [`step`](Self::step).
    pub fn run(
        &self,
        problem: &InverseProblem,
        ensemble: Ensemble,
        iterations: usize,
    ) -> Result<Ensemble> {
        (0..iterations).try_fold(ensemble, |u, n| self.step(problem, &u, n))
    }
}

/// Refuses a step size that is not positive and finite.
pub(crate) fn check_step(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name, value })
    }
}

/// `L z^j` for every member `j` (member-major, `J K`), with `Gamma^{-1} =
/// L L^T` and `z^j` the `K` standard normals of
/// `member_stream(seed, j, Stream::Perturbation(n))`.
pub(crate) fn standard_noise(
    problem: &InverseProblem,
    seed: u64,
    n: usize,
    members: usize,
) -> Result<Vec<f64>> {
    let k = problem.observations();
    let mut noise = Vec::with_capacity(members * k);
    for j in 0..members {
        let mut rng = member_stream(seed, j, Stream::Perturbation(n));
        let z: Vec<f64> = (0..k).map(|_| StandardNormal.sample(&mut rng)).collect();
        noise.extend(problem.noise_factor().mul_lower(&z)?);
    }
    Ok(noise)
}

/// The vectors `C x^j` (member-major, `J d`), where `C` is `d × K` and
/// `x^j` is column `j` of the `K × J` row-major `x`; sums run over `K` in
/// order.
pub(crate) fn gain_times(c: &[f64], x: &[f64], d: usize, members: usize) -> Vec<f64> {
    let k = c.len() / d;
    let mut out = vec![0.0; members * d];
    for (j, v) in out.chunks_exact_mut(d).enumerate() {
        for (va, row) in v.iter_mut().zip(c.chunks_exact(k)) {
            *va = row
                .iter()
                .enumerate()
                .map(|(a, c)| c * x[a * members + j])
                .sum();
        }
    }
    out
}

/// The ensemble `u^j + increment^j` (`increments` member-major).
pub(crate) fn shifted(ensemble: &Ensemble, increments: &[f64]) -> Result<Ensemble> {
    let data = ensemble
        .as_slice()
        .iter()
        .zip(increments)
        .map(|(u, v)| u + v)
        .collect();
    Ensemble::new(ensemble.dim(), data)
}
