//! The continuous-time limit of the EnKF iteration, paper 1 (Herty &
//! Visconti), eq. (5)–(8) and Lemma 2.1.
//!
//! Scaling eq. (3) by `dt` and letting `dt -> 0` gives, for every member,
//!
//! ```text
//! du^j = C(U) Gamma (y - G(u^j)) dt + C(U) Gamma sqrt(Sigma) dW^j,        (5)
//!      = (1/J) sum_k <G(u^k) - G-bar, y - G(u^j)>_{Gamma^{-1}} (u^k - u-bar) dt + …   (6)
//! ```
//!
//! and for linear `G(u) = G u`, with `grad Phi(u) = -G^T Gamma (y - G u)`
//! (eq. (7)), the preconditioned gradient flow
//!
//! ```text
//! du^j/dt = -(1/J) sum_k (u^k - u-bar) ⊗ (u^k - u-bar) grad Phi(u^j).   (8)
//! ```
//!
//! # Schemes
//!
//! * `Sigma = 0`: eq. (5) is an ODE system for the `J d` unknowns, solved by
//!   [`flow`] with the adaptive Dormand–Prince 5(4) integrator of
//!   [`ode`](crate::ode); [`gradient_flow`] solves the same flow written as
//!   eq. (8) (linear `G` only), an independent evaluation of the same
//!   vector field. The drift evaluates `G` once per member (in parallel),
//!   then `C(U) Gamma (y - G(u^j))` by one Cholesky solve with the noise
//!   covariance for all members.
//! * `Sigma = Gamma^{-1}`: eq. (5) is an SDE, solved by [`EulerMaruyama`]
//!   with a fixed step `h` (strong order 1/2, weak order 1):
//!
//!   ```text
//!   u^j <- u^j + C(U) Gamma ( h (y - G(u^j)) + sqrt(h) L z^j ),   Gamma^{-1} = L L^T,
//!   ```
//!
//!   `C(U)` and `G(u^j)` frozen at the start of the step. The standard
//!   normals `z^j` of step `n` are those of iteration `n` of eq. (3)
//!   ([`iteration`](crate::iteration) module docs): `xi = dt^{-1/2} L z` there
//!   and `dW = sqrt(h) z` here, so that eq. (3) with `dt = h` and this scheme
//!   see the same Brownian path.
//!
//! # Lemma 2.1
//!
//! [`spread`] gives the matrix `R_ij = <G(u^i - u-bar), G(u^j - u-bar)>_Gamma`
//! of Lemma 2.1 (computed as `<G(u^i) - G-bar, G(u^j) - G-bar>_Gamma`, the
//! same for linear `G`); along the flow eq. (8), `|R(t)| = O(J / t)`.

use crate::ensemble::Ensemble;
use crate::error::{Error, Result};
use crate::iteration::{check_step, gain_times, shifted, standard_noise};
use crate::ode::{Stats, Tolerances, integrate};
use crate::problem::{InverseProblem, transpose_times};

/// An ensemble at a sequence of times.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The output times.
    pub times: Vec<f64>,
    /// `ensembles[i]` is the ensemble at `times[i]`.
    pub ensembles: Vec<Ensemble>,
    /// The work of the integrator.
    pub stats: Stats,
}

/// The drift of eq. (5), `C(U) Gamma (y - G(u^j))` for every member `j`
/// (member-major, `J d`).
///
/// # Errors
///
/// * [`Error::DimensionMismatch`], [`Error::TooFewMembers`] for an ensemble
///   not in `R^d` or with `J < 2`;
/// * the forward map's errors ([`InverseProblem::forward_ensemble`]).
#[allow(non_snake_case)]
pub fn drift(problem: &InverseProblem, ensemble: &Ensemble) -> Result<Vec<f64>> {
    problem.check_ensemble(ensemble)?;
    let J = ensemble.len();
    let G_U = problem.forward_ensemble(ensemble)?;
    let C = ensemble.cross_covariance(&G_U)?;
    let X = problem.noise_factor().solve(&problem.residuals(&G_U), J)?;
    Ok(gain_times(&C, &X, ensemble.dim(), J))
}

/// The drift of eq. (8), `-Cov(U) grad Phi(u^j)` for every member `j`
/// (member-major, `J d`), with `grad Phi` of eq. (7).
///
/// # Errors
///
/// [`Error::NotLinear`] if the forward map is a closure; otherwise as for
/// [`drift`].
#[allow(non_snake_case)]
pub fn gradient_drift(problem: &InverseProblem, ensemble: &Ensemble) -> Result<Vec<f64>> {
    let G = problem.linear_map().ok_or(Error::NotLinear {
        what: "the gradient flow eq. (8)",
    })?;
    problem.check_ensemble(ensemble)?;
    let (J, K, d) = (ensemble.len(), problem.observations(), ensemble.dim());
    let G_U = problem.forward_ensemble(ensemble)?;
    // Gamma (y - G u^j) for all members at once (K × J).
    let X = problem.noise_factor().solve(&problem.residuals(&G_U), J)?;
    let cov = ensemble.covariance();
    let mut out = vec![0.0; J * d];
    let mut x = vec![0.0; K];
    for (j, v) in out.chunks_exact_mut(d).enumerate() {
        for (a, xa) in x.iter_mut().enumerate() {
            *xa = X[a * J + j];
        }
        // -grad Phi(u^j) = G^T Gamma (y - G u^j), eq. (7).
        let descent = transpose_times(G, K, d, &x);
        for (va, row) in v.iter_mut().zip(cov.chunks_exact(d)) {
            *va = row.iter().zip(&descent).map(|(c, g)| c * g).sum();
        }
    }
    Ok(out)
}

/// The flow of eq. (5) with `Sigma = 0` from `initial` at `t = 0`, at the
/// output `times` (non-decreasing, non-negative), by the adaptive
/// Dormand–Prince integrator with `tolerances`.
///
/// # Errors
///
/// Those of [`drift`] and of [`ode::integrate`](crate::ode::integrate).
///
/// # Example
///
/// Scalar `G = 1`, `y = 0`, `Gamma^{-1} = 1`, members `±1`: the spread
/// `v = Cov(U) = 1/(1 + 2t)` and each member is `±sqrt(v)`.
///
/// ```
/// use kinetic_enkf::{Ensemble, InverseProblem};
/// use kinetic_enkf::continuous::flow;
/// use kinetic_enkf::ode::Tolerances;
///
/// let problem = InverseProblem::linear(&[1.0], 1, &[0.0], &[1.0])?;
/// let u0 = Ensemble::new(1, vec![-1.0, 1.0])?;
/// let f = flow(&problem, &u0, &[4.0], &Tolerances::default())?;
/// assert!((f.ensembles[0].member(1)[0] - 1.0 / 3.0).abs() < 1e-8);
/// # Ok::<(), kinetic_enkf::Error>(())
/// ```
pub fn flow(
    problem: &InverseProblem,
    initial: &Ensemble,
    times: &[f64],
    tolerances: &Tolerances,
) -> Result<Flow> {
    integrate_members(problem, initial, times, tolerances, drift)
}

/// The flow of eq. (8) (linear `G`, `Sigma = 0`) from `initial` at `t = 0`,
/// as [`flow`] but with the vector field of [`gradient_drift`].
///
/// # Errors
///
/// Those of [`gradient_drift`] and of
/// [`ode::integrate`](crate::ode::integrate).
pub fn gradient_flow(
    problem: &InverseProblem,
    initial: &Ensemble,
    times: &[f64],
    tolerances: &Tolerances,
) -> Result<Flow> {
    integrate_members(problem, initial, times, tolerances, gradient_drift)
}

fn integrate_members(
    problem: &InverseProblem,
    initial: &Ensemble,
    times: &[f64],
    tolerances: &Tolerances,
    field: fn(&InverseProblem, &Ensemble) -> Result<Vec<f64>>,
) -> Result<Flow> {
    problem.check_ensemble(initial)?;
    let d = initial.dim();
    let rhs = |_t: f64, y: &[f64], dy: &mut [f64]| {
        let v = field(problem, &Ensemble::new(d, y.to_vec())?)?;
        dy.copy_from_slice(&v);
        Ok(())
    };
    let solution = integrate(rhs, initial.as_slice(), 0.0, times, tolerances)?;
    let ensembles = solution
        .states
        .into_iter()
        .map(|s| Ensemble::new(d, s))
        .collect::<Result<_>>()?;
    Ok(Flow {
        times: times.to_vec(),
        ensembles,
        stats: solution.stats,
    })
}

/// The matrix `R` of Lemma 2.1, `R_ij = <G(u^i) - G-bar, G(u^j) - G-bar>_Gamma`
/// (`J × J`, row-major; symmetric positive semi-definite).
///
/// # Errors
///
/// As for [`drift`].
pub fn spread(problem: &InverseProblem, ensemble: &Ensemble) -> Result<Vec<f64>> {
    problem.check_ensemble(ensemble)?;
    let predicted = problem.forward_ensemble(ensemble)?;
    let (j_count, k) = (predicted.len(), predicted.dim());
    let mean = predicted.mean();
    let mut centred = vec![0.0; k * j_count];
    for (j, g) in predicted.members().enumerate() {
        for (a, (g, m)) in g.iter().zip(&mean).enumerate() {
            centred[a * j_count + j] = g - m;
        }
    }
    // Whitened deviations L^{-1} (G(u^j) - G-bar): <a, b>_Gamma = (L^{-1} a)·(L^{-1} b).
    let w = problem.noise_factor().solve_lower(&centred, j_count)?;
    let mut r = vec![0.0; j_count * j_count];
    for i in 0..j_count {
        for j in i..j_count {
            let v: f64 = (0..k)
                .map(|a| w[a * j_count + i] * w[a * j_count + j])
                .sum();
            r[i * j_count + j] = v;
            r[j * j_count + i] = v;
        }
    }
    Ok(r)
}

/// The Euler–Maruyama scheme for eq. (5) with `Sigma = Gamma^{-1}` (module
/// docs): a fixed step `h` and the scenario seed of the Brownian increments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EulerMaruyama {
    step: f64,
    seed: u64,
}

impl EulerMaruyama {
    /// The scheme with step `h = step` and scenario `seed`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `step` is not positive and finite.
    pub fn new(step: f64, seed: u64) -> Result<Self> {
        check_step("Euler-Maruyama step h (positive, finite)", step)?;
        Ok(Self { step, seed })
    }

    /// The step `h`.
    pub fn step_size(&self) -> f64 {
        self.step
    }

    /// Step `n` (0-based, from `t = n h` to `(n + 1) h`); `n` selects the
    /// Brownian increments.
    ///
    /// # Errors
    ///
    /// As for [`drift`]; [`Error::NonFinite`] if the update overflows.
    #[allow(non_snake_case)]
    pub fn step(
        &self,
        problem: &InverseProblem,
        ensemble: &Ensemble,
        n: usize,
    ) -> Result<Ensemble> {
        problem.check_ensemble(ensemble)?;
        let (J, K, h) = (ensemble.len(), problem.observations(), self.step);
        let G_U = problem.forward_ensemble(ensemble)?;
        let C = ensemble.cross_covariance(&G_U)?;
        let mut R = problem.residuals(&G_U);
        for r in &mut R {
            *r *= h;
        }
        let noise = standard_noise(problem, self.seed, n, J)?;
        for (j, lz) in noise.chunks_exact(K).enumerate() {
            for (a, x) in lz.iter().enumerate() {
                R[a * J + j] += h.sqrt() * x;
            }
        }
        let X = problem.noise_factor().solve(&R, J)?;
        shifted(ensemble, &gain_times(&C, &X, ensemble.dim(), J))
    }

    /// `steps` steps from `ensemble` at `t = 0` (step indices
    /// `0, …, steps - 1`); returns the ensemble at `t = steps h`.
    ///
    /// # Errors
    ///
    /// Those of [`step`](Self::step).
    pub fn run(
        &self,
        problem: &InverseProblem,
        ensemble: Ensemble,
        steps: usize,
    ) -> Result<Ensemble> {
        (0..steps).try_fold(ensemble, |u, n| self.step(problem, &u, n))
    }
}
