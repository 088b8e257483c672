//! The moment ODEs of the mean-field equation for a linear forward map,
//! paper 1 (Herty & Visconti), eq. (14)–(15), for any dimension `d`.
//!
//! For `G(u) = G u` the gradient eq. (7) is affine,
//! `grad Phi(u) = H u - b` with `H = G^T Gamma G` (`d × d`, symmetric
//! positive semi-definite) and `b = G^T Gamma y`. Taking the first and
//! second moments `m`, `E` of eq. (13), with `C = E - m ⊗ m` (eq. (12)):
//!
//! ```text
//! dm/dt = -C (H m - b),                                         (14)
//! dE/dt = -(C H E + E H C) + C b ⊗ m + m ⊗ C b,                 (15)
//! ```
//!
//! (eq. (15) with `T_k^(1)` integrated by parts). Subtracting
//! `d(m ⊗ m)/dt` from eq. (15) gives the equivalent pair
//!
//! ```text
//! dm/dt = -C (H m - b),    dC/dt = -2 C H C,
//! ```
//!
//! which is what [`LinearMoments::solve`] integrates (with the adaptive
//! integrator of [`ode`](crate::ode)): `C` is the quantity that collapses,
//! and integrating it directly avoids the cancellation of `E - m ⊗ m` when
//! `C` is small. [`LinearMoments::rates`] gives eq. (14)–(15) in the
//! paper's variables. For `d = 1` and `Gamma = 1` they are the scalar
//! system eq. (16) of [`scalar_moments`](crate::scalar_moments).
//!
//! The empirical measure eq. (11) of an ensemble has exactly these moments,
//! so an ensemble moving by eq. (8) has mean and covariance that follow the
//! ODEs exactly, whatever `J`; the mean-field limit enters only through the
//! initial moments (sampling `f0` costs `O(J^{-1/2})`).
//!
//! An initial covariance need not be positive semi-definite (Remark 3.2's
//! inadmissible region); there the solution may blow up in finite time,
//! which the integrator reports as an error.

use crate::ensemble::Ensemble;
use crate::error::{Error, Result};
use crate::kalman::{check_matrix, check_symmetric};
use crate::ode::{Stats, Tolerances, integrate};
use crate::problem::{InverseProblem, transpose_times};

/// A mean `m` (length `d`) and covariance `C = E - m ⊗ m` (`d × d`,
/// row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct MomentState {
    /// The mean `m`.
    pub mean: Vec<f64>,
    /// The covariance `C`, row-major.
    pub covariance: Vec<f64>,
}

impl MomentState {
    /// The moments of the empirical measure eq. (11) of `ensemble`: its
    /// mean and covariance (normalised by `1/J`).
    pub fn from_ensemble(ensemble: &Ensemble) -> Self {
        Self {
            mean: ensemble.mean(),
            covariance: ensemble.covariance(),
        }
    }

    /// The state with mean `mean` and second moment `E = second_moment`
    /// (`d × d`, row-major): `C = E - m ⊗ m`.
    ///
    /// # Errors
    ///
    /// [`Error::MatrixLength`] if `second_moment` is not `d × d`.
    pub fn from_second_moment(mean: Vec<f64>, second_moment: &[f64]) -> Result<Self> {
        let d = mean.len();
        if second_moment.len() != d * d {
            return Err(Error::MatrixLength {
                what: "second moment",
                rows: d,
                cols: d,
                len: second_moment.len(),
            });
        }
        let covariance = outer_update(second_moment, &mean, -1.0);
        Ok(Self { mean, covariance })
    }

    /// The second moment `E = C + m ⊗ m` (`d × d`, row-major).
    pub fn second_moment(&self) -> Vec<f64> {
        outer_update(&self.covariance, &self.mean, 1.0)
    }
}

/// `a + sign m ⊗ m`.
fn outer_update(a: &[f64], m: &[f64], sign: f64) -> Vec<f64> {
    let d = m.len();
    a.iter()
        .enumerate()
        .map(|(i, x)| x + sign * m[i / d] * m[i % d])
        .collect()
}

/// Moments at a sequence of times.
#[derive(Debug, Clone, PartialEq)]
pub struct MomentFlow {
    /// The output times.
    pub times: Vec<f64>,
    /// `states[i]` is the state at `times[i]`.
    pub states: Vec<MomentState>,
    /// The work of the integrator.
    pub stats: Stats,
}

/// The moment system eq. (14)–(15) of a linear inverse problem.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearMoments {
    dim: usize,
    /// `H = G^T Gamma G`, `d × d`, exactly symmetric.
    hessian: Vec<f64>,
    /// `b = G^T Gamma y`.
    b: Vec<f64>,
}

impl LinearMoments {
    /// The moment system of `problem`.
    ///
    /// # Errors
    ///
    /// [`Error::NotLinear`] if the forward map is a closure.
    pub fn new(problem: &InverseProblem) -> Result<Self> {
        let g = problem.linear_map().ok_or(Error::NotLinear {
            what: "the moment system eq. (14)-(15)",
        })?;
        let (d, k) = (problem.dim(), problem.observations());
        let noise = problem.noise_factor();
        let gamma_g = noise.solve(g, d)?;
        let mut hessian = vec![0.0; d * d];
        for a in 0..d {
            for c in a..d {
                let v: f64 = (0..k).map(|r| g[r * d + a] * gamma_g[r * d + c]).sum();
                hessian[a * d + c] = v;
                hessian[c * d + a] = v;
            }
        }
        let gamma_y = noise.solve(problem.data(), 1)?;
        let b = transpose_times(g, k, d, &gamma_y);
        Ok(Self { dim: d, hessian, b })
    }

    /// `H = G^T Gamma G` (`d × d`, row-major), the Hessian of `Phi`.
    pub fn hessian(&self) -> &[f64] {
        &self.hessian
    }

    /// `b = G^T Gamma y`, so that `grad Phi(u) = H u - b`.
    pub fn b(&self) -> &[f64] {
        &self.b
    }

    /// The right-hand sides `(dm/dt, dE/dt)` of eq. (14)–(15) at mean
    /// `mean` and second moment `second_moment` (`d × d`, row-major).
    ///
    /// # Errors
    ///
    /// As for [`solve`](Self::solve), for the state `(m, E - m ⊗ m)`.
    ///
    /// # Example
    ///
    /// `d = 1`, `G = 1`, `y = 2`, `Gamma = 1` is eq. (16): at `(m, E) = (0, 1)`,
    /// `dm/dt = G (E - m^2)(y - G m) = 2` and
    /// `dE/dt = 2 G (E - m^2)(y m - G E) = -2`.
    ///
    /// ```
    /// use kinetic_enkf::InverseProblem;
    /// use kinetic_enkf::moments::LinearMoments;
    ///
    /// let problem = InverseProblem::linear(&[1.0], 1, &[2.0], &[1.0])?;
    /// let (dm, de) = LinearMoments::new(&problem)?.rates(&[0.0], &[1.0])?;
    /// assert_eq!((dm, de), (vec![2.0], vec![-2.0]));
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    #[allow(non_snake_case)]
    pub fn rates(&self, mean: &[f64], second_moment: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        let state = MomentState::from_second_moment(mean.to_vec(), second_moment)?;
        self.check_state(&state)?;
        let d = self.dim;
        let (m, C) = (&state.mean, &state.covariance);
        let dm = self.mean_rate(m, C);
        // eq. (15): -(P E + (P E)^T) + C b ⊗ m + m ⊗ C b with P = C H.
        let PE = matmul(&matmul(C, &self.hessian, d), second_moment, d);
        let Cb = matvec(C, &self.b);
        let dE = (0..d * d)
            .map(|i| {
                let (r, c) = (i / d, i % d);
                -(PE[r * d + c] + PE[c * d + r]) + Cb[r] * m[c] + m[r] * Cb[c]
            })
            .collect();
        Ok((dm, dE))
    }

    /// `dm/dt = -C (H m - b)`, eq. (14).
    pub(crate) fn mean_rate(&self, m: &[f64], c: &[f64]) -> Vec<f64> {
        let grad: Vec<f64> = matvec(&self.hessian, m)
            .iter()
            .zip(&self.b)
            .map(|(hm, b)| hm - b)
            .collect();
        matvec(c, &grad).iter().map(|x| -x).collect()
    }

    /// Integrates the moment system from `initial` at `t = 0` to the output
    /// `times` (non-decreasing, non-negative) with the adaptive
    /// Dormand–Prince integrator and `tolerances`, in the variables
    /// `(m, C)` (module docs).
    ///
    /// # Errors
    ///
    /// * [`Error::DimensionMismatch`] if the mean is not in `R^d`;
    /// * [`Error::MatrixLength`], [`Error::NonFiniteEntry`],
    ///   [`Error::NotSymmetric`] for a covariance that is not a finite
    ///   symmetric `d × d` matrix;
    /// * those of [`ode::integrate`](crate::ode::integrate), among them
    ///   [`Error::StepSizeTooSmall`] at a blow-up.
    ///
    /// # Example
    ///
    /// For `d = 1` the variance is `V0 / (1 + 2 H V0 t)`.
    ///
    /// ```
    /// use kinetic_enkf::InverseProblem;
    /// use kinetic_enkf::moments::{LinearMoments, MomentState};
    /// use kinetic_enkf::ode::Tolerances;
    ///
    /// let problem = InverseProblem::linear(&[1.0], 1, &[2.0], &[1.0])?;
    /// let start = MomentState { mean: vec![0.0], covariance: vec![1.0] };
    /// let f = LinearMoments::new(&problem)?.solve(&start, &[1.5], &Tolerances::default())?;
    /// assert!((f.states[0].covariance[0] - 0.25).abs() < 1e-7);
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    #[allow(non_snake_case)]
    pub fn solve(
        &self,
        initial: &MomentState,
        times: &[f64],
        tolerances: &Tolerances,
    ) -> Result<MomentFlow> {
        self.check_state(initial)?;
        let d = self.dim;
        let rhs = |_t: f64, y: &[f64], dy: &mut [f64]| {
            let (m, C) = y.split_at(d);
            let (dm, dC) = dy.split_at_mut(d);
            dm.copy_from_slice(&self.mean_rate(m, C));
            // dC/dt = -2 C H C, symmetrised: -(P C + (P C)^T), P = C H.
            let PC = matmul(&matmul(C, &self.hessian, d), C, d);
            for r in 0..d {
                for c in 0..d {
                    dC[r * d + c] = -(PC[r * d + c] + PC[c * d + r]);
                }
            }
            Ok(())
        };
        integrate_moments(rhs, initial, times, tolerances)
    }

    pub(crate) fn check_state(&self, state: &MomentState) -> Result<()> {
        let d = self.dim;
        if state.mean.len() != d {
            return Err(Error::DimensionMismatch {
                what: "mean",
                dim: state.mean.len(),
                expected: d,
            });
        }
        check_matrix("mean", &state.mean, d, 1)?;
        check_matrix("covariance", &state.covariance, d, d)?;
        check_symmetric(d, &state.covariance)
    }
}

/// `A B` for `d × d` row-major matrices, sums in index order.
pub(crate) fn matmul(a: &[f64], b: &[f64], d: usize) -> Vec<f64> {
    let mut out = vec![0.0; d * d];
    for r in 0..d {
        for k in 0..d {
            let x = a[r * d + k];
            for c in 0..d {
                out[r * d + c] += x * b[k * d + c];
            }
        }
    }
    out
}

/// `A x` for a square row-major `A`.
pub(crate) fn matvec(a: &[f64], x: &[f64]) -> Vec<f64> {
    a.chunks_exact(x.len())
        .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect()
}

/// Integrate a moment system whose state is the mean followed by the
/// covariance (row-major), from `initial` to each of `times`: the one
/// packing and unpacking of [`MomentState`]s for every moment system.
pub(crate) fn integrate_moments(
    rhs: impl FnMut(f64, &[f64], &mut [f64]) -> Result<()>,
    initial: &MomentState,
    times: &[f64],
    tolerances: &Tolerances,
) -> Result<MomentFlow> {
    let d = initial.mean.len();
    let y0 = [initial.mean.as_slice(), &initial.covariance].concat();
    let solution = integrate(rhs, &y0, 0.0, times, tolerances)?;
    let states = solution
        .states
        .into_iter()
        .map(|mut y| {
            let covariance = y.split_off(d);
            MomentState {
                mean: y,
                covariance,
            }
        })
        .collect();
    Ok(MomentFlow {
        times: times.to_vec(),
        states,
        stats: solution.stats,
    })
}
