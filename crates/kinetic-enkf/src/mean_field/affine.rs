//! The exact solution of the mean-field equation (13) for a linear forward
//! map: the push-forward of `f0` by an affine flow.
//!
//! # Derivation
//!
//! For `G(u) = G u`, `grad Phi(u) = H u - b` with `H = G^T Gamma G` and
//! `b = G^T Gamma y` (eq. (7)), so eq. (13) transports `f` with the
//! velocity `v(t, u) = -C(t)(H u - b)`, affine in `u`. Its characteristics
//! `du/dt = v(t, u)` from `u(0) = u0` are therefore affine in `u0`:
//! `u(t) = m(t) + A(t)(u0 - m0)` with `m0` the mean of `f0`. Substituting,
//!
//! ```text
//! dm/dt + dA/dt (u0 - m0) = -C (H m - b) - C H A (u0 - m0)   for all u0,
//! ```
//!
//! hence, with `A(0) = I`,
//!
//! ```text
//! dm/dt = -C (H m - b),     dA/dt = -C H A,     C(t) = A C0 A^T.
//! ```
//!
//! The last identity is the covariance of the push-forward of `f0`
//! (covariance `C0`); it closes the system without `f`. Differentiating
//! gives `dC/dt = -C H C - C H C = -2 C H C`: the moment ODEs
//! eq. (14)–(15) in the form of [`moments`](crate::moments). The density is
//! then
//!
//! ```text
//! f(t, u) = f0( m0 + A^{-1} (u - m) ) / |det A|,
//! ```
//!
//! and, so that no linear system is solved, `A^{-1}` and `ln det A` are
//! integrated alongside: `d(A^{-1})/dt = -A^{-1} (dA/dt) A^{-1} = A^{-1} C H`
//! and `d(ln det A)/dt = tr(A^{-1} dA/dt) = -tr(C H)` (Jacobi's formula;
//! `det A > 0` since `A(0) = I` and `A` stays invertible).
//!
//! # Closed form
//!
//! For SPD `C0`, `C(t) = (C0^{-1} + 2 H t)^{-1}` and
//! `A(t) = (I + 2 t C0 H)^{-1/2}` (the square root on the spectrum of
//! `C0 H`, which is real and non-negative): both are functions of
//! `P = C0 H`, `dA/dt = -P (I + 2tP)^{-3/2} = -C H A`, and
//! `A C0 A^T = (I + 2tP)^{-1} C0 = C`. In `d = 1`,
//! `A = (1 + 2 t C0 H)^{-1/2}`. The tests check these.

use crate::error::{Error, Result};
use crate::moments::{LinearMoments, MomentState, matmul, matvec};
use crate::ode::{Stats, Tolerances, integrate};
use crate::problem::InverseProblem;

/// The affine flow of eq. (13) for a linear forward map (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct AffineFlow {
    moments: LinearMoments,
    dim: usize,
}

/// The map `u0 -> m(t) + A(t)(u0 - m0)` at one time, with what is needed
/// to evaluate the density `f(t)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AffineMap {
    /// The time `t`.
    pub time: f64,
    /// The mean `m0` of `f0`.
    pub initial_mean: Vec<f64>,
    /// The mean `m(t)`.
    pub mean: Vec<f64>,
    /// `A(t)`, `d × d`, row-major.
    pub matrix: Vec<f64>,
    /// `A(t)^{-1}`, `d × d`, row-major.
    pub inverse: Vec<f64>,
    /// `ln det A(t)`.
    pub log_det: f64,
    /// `C(t) = A C0 A^T`, `d × d`, row-major.
    pub covariance: Vec<f64>,
}

/// The maps at a sequence of times.
#[derive(Debug, Clone, PartialEq)]
pub struct AffineSolution {
    /// `maps[i]` is the map at the `i`-th output time.
    pub maps: Vec<AffineMap>,
    /// The work of the integrator.
    pub stats: Stats,
}

impl AffineMap {
    /// The image `m + A (u0 - m0)` of a point `u0` of `f0`'s support.
    ///
    /// # Panics
    ///
    /// If `u0` is not in `R^d`.
    pub fn apply(&self, u0: &[f64]) -> Vec<f64> {
        let shifted: Vec<f64> = u0
            .iter()
            .zip(&self.initial_mean)
            .map(|(u, m)| u - m)
            .collect();
        let image = matvec(&self.matrix, &shifted);
        image.iter().zip(&self.mean).map(|(a, m)| a + m).collect()
    }

    /// The preimage `m0 + A^{-1} (u - m)` of `u`.
    ///
    /// # Panics
    ///
    /// If `u` is not in `R^d`.
    pub fn preimage(&self, u: &[f64]) -> Vec<f64> {
        let shifted: Vec<f64> = u.iter().zip(&self.mean).map(|(u, m)| u - m).collect();
        let pre = matvec(&self.inverse, &shifted);
        pre.iter()
            .zip(&self.initial_mean)
            .map(|(a, m)| a + m)
            .collect()
    }

    /// The density `f(t, u) = f0(preimage(u)) / det A` for the initial
    /// density `f0`.
    ///
    /// # Panics
    ///
    /// If `u` is not in `R^d`.
    pub fn density(&self, f0: impl Fn(&[f64]) -> f64, u: &[f64]) -> f64 {
        f0(&self.preimage(u)) * (-self.log_det).exp()
    }
}

impl AffineFlow {
    /// The affine flow of `problem`.
    ///
    /// # Errors
    ///
    /// [`Error::NotLinear`] if the forward map is a closure.
    pub fn new(problem: &InverseProblem) -> Result<Self> {
        let moments = LinearMoments::new(problem).map_err(|e| match e {
            Error::NotLinear { .. } => Error::NotLinear {
                what: "the affine push-forward of eq. (13)",
            },
            e => e,
        })?;
        Ok(Self {
            moments,
            dim: problem.dim(),
        })
    }

    /// The maps at the output `times` (non-decreasing, non-negative) for an
    /// initial density with mean and covariance `initial`, integrated with
    /// the adaptive Dormand–Prince integrator and `tolerances`.
    ///
    /// # Errors
    ///
    /// As [`LinearMoments::solve`]: a mean not in `R^d`, a covariance that
    /// is not a finite symmetric `d × d` matrix, and the integrator's
    /// errors.
    ///
    /// # Example
    ///
    /// `d = 1`, `H = 1`, `C0 = 1`: `A(t) = (1 + 2t)^{-1/2}`.
    ///
    /// ```
    /// use kinetic_enkf::InverseProblem;
    /// use kinetic_enkf::mean_field::AffineFlow;
    /// use kinetic_enkf::moments::MomentState;
    /// use kinetic_enkf::ode::Tolerances;
    ///
    /// let problem = InverseProblem::linear(&[1.0], 1, &[2.0], &[1.0])?;
    /// let f0 = MomentState { mean: vec![0.0], covariance: vec![1.0] };
    /// let maps = AffineFlow::new(&problem)?.solve(&f0, &[4.0], &Tolerances::default())?.maps;
    /// assert!((maps[0].matrix[0] - 1.0 / 3.0).abs() < 1e-7);
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    #[allow(non_snake_case)]
    pub fn solve(
        &self,
        initial: &MomentState,
        times: &[f64],
        tolerances: &Tolerances,
    ) -> Result<AffineSolution> {
        self.moments.check_state(initial)?;
        let d = self.dim;
        let dd = d * d;
        let C0 = &initial.covariance;
        let H = self.moments.hessian();
        let b = self.moments.b();
        let covariance = |A: &[f64]| matmul(&matmul(A, C0, d), &transpose(A, d), d);
        let rhs = |_t: f64, y: &[f64], dy: &mut [f64]| {
            let (m, rest) = y.split_at(d);
            let (A, rest) = rest.split_at(dd);
            let Ainv = &rest[..dd];
            let C = covariance(A);
            let P = matmul(&C, H, d);
            let (dm, drest) = dy.split_at_mut(d);
            let (dA, drest) = drest.split_at_mut(dd);
            let (dAinv, dlog) = drest.split_at_mut(dd);
            let Pm = matvec(&P, m);
            let Cb = matvec(&C, b);
            for ((o, p), c) in dm.iter_mut().zip(&Pm).zip(&Cb) {
                *o = c - p;
            }
            for (o, x) in dA.iter_mut().zip(matmul(&P, A, d)) {
                *o = -x;
            }
            dAinv.copy_from_slice(&matmul(Ainv, &P, d));
            dlog[0] = -(0..d).map(|i| P[i * d + i]).sum::<f64>();
            Ok(())
        };
        let identity: Vec<f64> = (0..dd)
            .map(|i| if i / d == i % d { 1.0 } else { 0.0 })
            .collect();
        let y0 = [initial.mean.as_slice(), &identity, &identity, &[0.0]].concat();
        let solution = integrate(rhs, &y0, 0.0, times, tolerances)?;
        let maps = solution
            .states
            .iter()
            .zip(times)
            .map(|(y, &time)| {
                let matrix = y[d..d + dd].to_vec();
                AffineMap {
                    time,
                    initial_mean: initial.mean.clone(),
                    mean: y[..d].to_vec(),
                    covariance: covariance(&matrix),
                    matrix,
                    inverse: y[d + dd..d + 2 * dd].to_vec(),
                    log_det: y[d + 2 * dd],
                }
            })
            .collect();
        Ok(AffineSolution {
            maps,
            stats: solution.stats,
        })
    }
}

fn transpose(a: &[f64], d: usize) -> Vec<f64> {
    (0..d * d).map(|i| a[(i % d) * d + i / d]).collect()
}
