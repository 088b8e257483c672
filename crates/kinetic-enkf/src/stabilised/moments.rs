//! The moment equations of the Fokker–Planck equation (22), their
//! equilibrium and stability, and the growth along `ker G`.

use super::noise::{Noise, NoiseModel};
use crate::error::{Error, Result};
use crate::kalman::{spd_solve, symmetric_eigen};
use crate::moments::{LinearMoments, MomentFlow, MomentState, integrate_moments, matmul};
use crate::ode::Tolerances;
use crate::problem::InverseProblem;
use crate::scalar_moments::{ScalarMoments, eigenvalues_2x2};

/// `dm/dt = -C (H m - b)`, `dC/dt = -2 C H C + Q` for a linear problem
/// (module docs of [`stabilised`](super)).
#[derive(Debug, Clone)]
pub struct NoisyMoments {
    moments: LinearMoments,
    noise: NoiseModel,
    dim: usize,
}

impl NoisyMoments {
    /// The moment system of eq. (22) for `problem` and `noise`.
    ///
    /// # Errors
    ///
    /// [`Error::NotLinear`] for a closure; the errors of
    /// [`Noise::diffusion`].
    pub fn new(problem: &InverseProblem, noise: &Noise) -> Result<Self> {
        Ok(Self {
            moments: LinearMoments::new(problem)?,
            noise: NoiseModel::new(noise, problem)?,
            dim: problem.dim(),
        })
    }

    /// `(dm/dt, dC/dt)` at `state`.
    ///
    /// # Errors
    ///
    /// A mean not in `R^d` or a covariance that is not a finite symmetric
    /// `d × d` matrix.
    #[allow(non_snake_case)]
    pub fn rates(&self, state: &MomentState) -> Result<(Vec<f64>, Vec<f64>)> {
        self.moments.check_state(state)?;
        Ok(self.rates_unchecked(&state.mean, &state.covariance))
    }

    #[allow(non_snake_case)]
    fn rates_unchecked(&self, m: &[f64], C: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let d = self.dim;
        let PC = matmul(&matmul(C, self.moments.hessian(), d), C, d);
        let Q = self.noise.diffusion(C);
        let dC = (0..d * d)
            .map(|i| {
                let (r, c) = (i / d, i % d);
                -(PC[r * d + c] + PC[c * d + r]) + 0.5 * (Q[r * d + c] + Q[c * d + r])
            })
            .collect();
        (self.moments.mean_rate(m, C), dC)
    }

    /// Integrates the system from `initial` at `t = 0` to `times` with the
    /// adaptive Dormand–Prince integrator.
    ///
    /// # Errors
    ///
    /// As [`rates`](Self::rates) and [`ode::integrate`](crate::ode::integrate).
    pub fn solve(
        &self,
        initial: &MomentState,
        times: &[f64],
        tolerances: &Tolerances,
    ) -> Result<MomentFlow> {
        self.moments.check_state(initial)?;
        let d = self.dim;
        let rhs = |_t: f64, y: &[f64], dy: &mut [f64]| {
            let (dm, dc) = self.rates_unchecked(&y[..d], &y[d..]);
            dy[..d].copy_from_slice(&dm);
            dy[d..].copy_from_slice(&dc);
            Ok(())
        };
        integrate_moments(rhs, initial, times, tolerances)
    }
}

/// The equilibrium of [`NoisyMoments`] for a constant diffusion `Q` and an
/// SPD `H`, with the eigenvalues of the moment system's Jacobian there.
///
/// Derivation (`kinetic-paper-rest.md`): `dC/dt = 0` is `C H C = Q / 2`,
/// whose unique SPD solution is
/// `C* = H^{-1/2} (H^{1/2} Q H^{1/2} / 2)^{1/2} H^{-1/2}`; then `dm/dt = 0`
/// gives `m* = H^{-1} b = argmin Phi`. At `(m*, C*)` the Jacobian is block
/// triangular (`H m* - b = 0` removes the coupling of `m` to `C`): on the
/// mean it is `-C* H`, on symmetric perturbations `X` of the covariance
/// `X -> -2 (X H C* + C* H X)`. With `mu_i > 0` the eigenvalues of `C* H`
/// (similar to `(H^{1/2} Q H^{1/2} / 2)^{1/2}`), the eigenvalues are
/// `-mu_i` (mean) and `-2 (mu_i + mu_j)`, `i <= j` (covariance): all
/// negative when `Q` is SPD, a hyperbolic stable node. For `d = 1`,
/// `mu = G^2 V*` gives the scalar `-G^2 V*`, `-4 G^2 V*`.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisyEquilibrium {
    /// `m* = H^{-1} b` and `C*`.
    pub state: MomentState,
    /// `mu_i`, the eigenvalues of `C* H`, ascending.
    pub mu: Vec<f64>,
    /// The Jacobian's eigenvalues on the mean, `-mu_i`.
    pub mean_eigenvalues: Vec<f64>,
    /// The Jacobian's eigenvalues on the covariance, `-2 (mu_i + mu_j)`
    /// for `i <= j` (`d (d + 1) / 2` of them, in that order).
    pub covariance_eigenvalues: Vec<f64>,
}

impl NoisyMoments {
    /// The equilibrium `(m*, C*)` and its eigenvalues ([`NoisyEquilibrium`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for noise scaled by the moments (its
    /// equilibrium has no closed form; `MomentScaled` has `C = 0` as its
    /// only equilibrium unless it reverses the collapse) and for an `H`
    /// that is not positive definite, naming its smallest eigenvalue: along
    /// `ker G` there is no equilibrium (see [`kernel_growth`]).
    ///
    /// # Example
    ///
    /// Two unknowns observed directly (`H = diag(1, 4)`) with isotropic
    /// noise `Q = 2 I`: `C* = diag(1, 1/2)`, `mu = (1, 2)`.
    ///
    /// ```
    /// use kinetic_enkf::InverseProblem;
    /// use kinetic_enkf::stabilised::{Noise, NoisyMoments};
    ///
    /// let problem = InverseProblem::linear(&[1.0, 0.0, 0.0, 2.0], 2, &[1.0, 2.0], &[1.0, 0.0, 0.0, 1.0])?;
    /// let noise = Noise::Constant { k: vec![1.0, 0.0, 0.0, 1.0], lambda: vec![2.0, 0.0, 0.0, 2.0] };
    /// let eq = NoisyMoments::new(&problem, &noise)?.equilibrium()?;
    /// let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
    /// assert!(close(&eq.state.mean, &[1.0, 1.0]));
    /// assert!(close(&eq.state.covariance, &[1.0, 0.0, 0.0, 0.5]));
    /// assert!(close(&eq.mean_eigenvalues, &[-1.0, -2.0]));
    /// assert!(close(&eq.covariance_eigenvalues, &[-4.0, -6.0, -8.0]));
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    #[allow(non_snake_case)]
    pub fn equilibrium(&self) -> Result<NoisyEquilibrium> {
        let d = self.dim;
        let Q = self
            .noise
            .constant_diffusion()
            .ok_or(Error::InvalidParameter {
                name: "noise for a closed-form equilibrium (constant K, not scaled by C); kappa",
                value: f64::NAN,
            })?;
        let (h, v) = symmetric_eigen(d, self.moments.hessian())?;
        let top = h.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        if let Some(&smallest) = h.iter().find(|&&x| x <= 1e-12 * top) {
            return Err(Error::InvalidParameter {
                name: "smallest eigenvalue of H = G^T Gamma G (positive: no equilibrium along ker G)",
                value: smallest,
            });
        }
        // f(H) = V diag(f(h)) V^T.
        let spectral = |vectors: &[f64], values: &[f64]| -> Vec<f64> {
            let mut out = vec![0.0; d * d];
            for (l, &w) in values.iter().enumerate() {
                for i in 0..d {
                    for j in 0..d {
                        out[i * d + j] += vectors[i * d + l] * w * vectors[j * d + l];
                    }
                }
            }
            out
        };
        let root: Vec<f64> = h.iter().map(|x| x.sqrt()).collect();
        let h_half = spectral(&v, &root);
        let h_minus_half = spectral(&v, &root.iter().map(|x| 1.0 / x).collect::<Vec<_>>());
        let mut m_mat = matmul(&matmul(&h_half, &Q, d), &h_half, d);
        symmetrise(&mut m_mat, d, 0.5);
        let (w, u) = symmetric_eigen(d, &m_mat)?;
        // Rounding may leave tiny negative eigenvalues of a PSD M.
        let mu: Vec<f64> = w.iter().map(|x| x.max(0.0).sqrt()).collect();
        let m_half = spectral(&u, &mu);
        let mut c = matmul(&matmul(&h_minus_half, &m_half, d), &h_minus_half, d);
        symmetrise(&mut c, d, 1.0);
        let mean = spd_solve(d, self.moments.hessian(), self.moments.b(), 1)?;
        let mut covariance_eigenvalues = Vec::with_capacity(d * (d + 1) / 2);
        for (i, mi) in mu.iter().enumerate() {
            covariance_eigenvalues.extend(mu[i..].iter().map(|mj| -2.0 * (mi + mj)));
        }
        Ok(NoisyEquilibrium {
            state: MomentState {
                mean,
                covariance: c,
            },
            mean_eigenvalues: mu.iter().map(|x| -x).collect(),
            covariance_eigenvalues,
            mu,
        })
    }
}

/// `A <- factor (A + A^T) / 2`, removing the rounding asymmetry of products.
fn symmetrise(a: &mut [f64], d: usize, factor: f64) {
    for i in 0..d {
        for j in 0..=i {
            let s = 0.5 * factor * (a[i * d + j] + a[j * d + i]);
            a[i * d + j] = s;
            a[j * d + i] = s;
        }
    }
}

/// The scalar moment system of eq. (22) (`d = 1`, `Gamma = 1`), in the
/// variables `(m, E)` of eq. (16): eq. (16) plus `(0, q)`, `q = Lambda K^2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoisyScalarMoments {
    base: ScalarMoments,
    y: f64,
    g: f64,
    q: f64,
}

impl NoisyScalarMoments {
    /// The system for data `y`, forward map `G` and diffusion `q > 0`.
    ///
    /// # Errors
    ///
    /// As [`ScalarMoments::new`]; [`Error::InvalidParameter`] if `q` is
    /// not positive and finite.
    ///
    /// # Example
    ///
    /// `(y, G) = (2, 1)`, `q = 0.5`: `V* = 0.5`, a stable node with
    /// eigenvalues `-0.5` and `-2`.
    ///
    /// ```
    /// use kinetic_enkf::scalar_moments::{Classification, classify};
    /// use kinetic_enkf::stabilised::NoisyScalarMoments;
    ///
    /// let s = NoisyScalarMoments::new(2.0, 1.0, 0.5)?;
    /// let [m, e] = s.equilibrium();
    /// assert_eq!((m, e), (2.0, 4.5));
    /// assert_eq!(s.equilibrium_eigenvalues(), [-0.5, -2.0]);
    /// assert_eq!(classify(s.jacobian(m, e), 1e-12), Classification::StableNode);
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    pub fn new(y: f64, g: f64, q: f64) -> Result<Self> {
        let base = ScalarMoments::new(y, g)?;
        if !(q.is_finite() && q > 0.0) {
            return Err(Error::InvalidParameter {
                name: "diffusion q = Lambda K^2 (positive, finite)",
                value: q,
            });
        }
        Ok(Self { base, y, g, q })
    }

    /// `(dm/dt, dE/dt)` at `(m, E)`.
    pub fn rhs(&self, m: f64, e: f64) -> [f64; 2] {
        let [a, b] = self.base.rhs(m, e);
        [a, b + self.q]
    }

    /// The Jacobian: eq. (17), since `q` is constant.
    pub fn jacobian(&self, m: f64, e: f64) -> [[f64; 2]; 2] {
        self.base.jacobian(m, e)
    }

    /// The equilibrium variance `V* = sqrt(q / 2) / |G|`.
    pub fn equilibrium_variance(&self) -> f64 {
        (0.5 * self.q).sqrt() / self.g.abs()
    }

    /// The unique equilibrium with `V >= 0`: `(y/G, y^2/G^2 + V*)`.
    pub fn equilibrium(&self) -> [f64; 2] {
        let m = self.y / self.g;
        [m, m * m + self.equilibrium_variance()]
    }

    /// The eigenvalues `-G^2 V*` and `-4 G^2 V*` at the equilibrium
    /// (derived: the Jacobian there is triangular in `(m, V)`).
    pub fn equilibrium_eigenvalues(&self) -> [f64; 2] {
        let a = self.g * self.g * self.equilibrium_variance();
        [-a, -4.0 * a]
    }

    /// The eigenvalues of [`jacobian`](Self::jacobian) at `(m, E)`,
    /// `(re, im)`.
    pub fn eigenvalues(&self, m: f64, e: f64) -> [(f64, f64); 2] {
        eigenvalues_2x2(self.jacobian(m, e))
    }

    /// The exact solution at `t >= 0` from `(m0, E0)` with `V0 >= 0`:
    /// with `a = 2 G^2 V*` and `s = cosh(a t) + (V0/V*) sinh(a t)`,
    /// `V = V* (V0 + V* tanh(a t)) / (V* + V0 tanh(a t))` (the Riccati
    /// equation `dV/dt = 2 G^2 (V*^2 - V^2)`) and
    /// `y - G m = (y - G m0) s^{-1/2}` (from `d(y - G m)/dt = -G^2 V (y - G m)`
    /// and `int_0^t V = ln(s) / (2 G^2)`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a non-finite start, `V0 < 0`, or a
    /// negative or non-finite `t`.
    pub fn exact(&self, m0: f64, e0: f64, t: f64) -> Result<[f64; 2]> {
        let v0 = e0 - m0 * m0;
        if !(v0.is_finite() && v0 >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "initial variance E0 - m0^2 (non-negative, finite)",
                value: v0,
            });
        }
        if !(t.is_finite() && t >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "time t (non-negative)",
                value: t,
            });
        }
        let vs = self.equilibrium_variance();
        let a = 2.0 * self.g * self.g * vs;
        let th = (a * t).tanh();
        let v = vs * (v0 + vs * th) / (vs + v0 * th);
        // ln s without overflow: s = e^{at} ((1 + r) + (1 - r) e^{-2at}) / 2.
        let r = v0 / vs;
        let ln_s = a * t + (0.5 * ((1.0 + r) + (1.0 - r) * (-2.0 * a * t).exp())).ln();
        let w = (self.y - self.g * m0) * (-0.5 * ln_s).exp();
        let m = (self.y - w) / self.g;
        Ok([m, m * m + v])
    }
}

/// The growth of the covariance along `ker G` under a constant diffusion
/// `Q` (module docs of [`stabilised`](super)).
#[derive(Debug, Clone, PartialEq)]
pub struct KernelGrowth {
    /// An orthonormal basis of `ker G` (of `H = G^T Gamma G`), one vector
    /// per entry.
    pub kernel: Vec<Vec<f64>>,
    /// The asymptotic rate `dC_NN/dt -> Q_NN - Q_NR Q_RR^+ Q_RN` in that
    /// basis (`k × k`, row-major; `R` the range of `G^T`).
    pub rate: Vec<f64>,
    /// Its largest eigenvalue: the covariance grows like `max_rate t`
    /// along some direction of `ker G` when positive.
    pub max_rate: f64,
}

/// The linear growth of the covariance of eq. (22) along `ker G` for the
/// diffusion matrix `q` (`d × d`, e.g. from [`Noise::diffusion`]).
///
/// Derivation: in the eigenbasis of `H`, split into its range `R` and
/// kernel `N`, `dC/dt = -2 C H C + Q` gives `dC_RN/dt = -2 C_RR H_R C_RN + Q_RN`
/// and `dC_NN/dt = -2 C_NR H_R C_RN + Q_NN`. As `C_RR` settles
/// (`2 C_RR H_R C_RR -> Q_RR`), `C_RN -> (2 C_RR H_R)^{-1} Q_RN` and
/// `dC_NN/dt -> Q_NN - Q_NR Q_RR^{-1} Q_RN`, the Schur complement of `Q_RR`
/// (a pseudo-inverse where `Q_RR` is singular). Constant isotropic noise
/// `Q = q I` gives rate `q I`: `C` grows linearly along `ker G`; noise in
/// the range of `G^T` gives 0.
///
/// Eigenvalues of `H` at most `1e-10` times the largest count as zero.
///
/// # Errors
///
/// [`Error::NotLinear`] for a closure; [`Error::MatrixLength`],
/// [`Error::NonFiniteEntry`], [`Error::NotSymmetric`] for a malformed `q`.
pub fn kernel_growth(problem: &InverseProblem, q: &[f64]) -> Result<KernelGrowth> {
    let d = problem.dim();
    crate::kalman::check_matrix("diffusion matrix Q", q, d, d)?;
    crate::kalman::check_symmetric(d, q)?;
    let moments = LinearMoments::new(problem).map_err(|e| match e {
        Error::NotLinear { .. } => Error::NotLinear {
            what: "the growth along ker G",
        },
        e => e,
    })?;
    let (values, vectors) = symmetric_eigen(d, moments.hessian())?;
    let top = values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let column = |j: usize| -> Vec<f64> { (0..d).map(|i| vectors[i * d + j]).collect() };
    let (kernel, range): (Vec<usize>, Vec<usize>) =
        (0..d).partition(|&j| values[j].abs() <= 1e-10 * top);
    let quad = |a: &[f64], b: &[f64]| -> f64 {
        (0..d)
            .map(|i| a[i] * (0..d).map(|j| q[i * d + j] * b[j]).sum::<f64>())
            .sum()
    };
    let kv: Vec<Vec<f64>> = kernel.iter().map(|&j| column(j)).collect();
    let rv: Vec<Vec<f64>> = range.iter().map(|&j| column(j)).collect();
    let (nk, nr) = (kv.len(), rv.len());
    let block = |a: &[Vec<f64>], b: &[Vec<f64>]| -> Vec<f64> {
        a.iter()
            .flat_map(|x| b.iter().map(|y| quad(x, y)))
            .collect()
    };
    let q_nn = block(&kv, &kv);
    let q_nr = block(&kv, &rv);
    let q_rr = block(&rv, &rv);
    // Q_RR^+ by its eigendecomposition.
    let mut rate = q_nn;
    if nr > 0 && nk > 0 {
        let (w, u) = symmetric_eigen(nr, &q_rr)?;
        let wmax = w.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let mut pinv = vec![0.0; nr * nr];
        for (l, &wl) in w.iter().enumerate() {
            if wl > 1e-12 * wmax {
                for i in 0..nr {
                    for j in 0..nr {
                        pinv[i * nr + j] += u[i * nr + l] * u[j * nr + l] / wl;
                    }
                }
            }
        }
        for a in 0..nk {
            for b in 0..nk {
                let s: f64 = (0..nr)
                    .map(|i| {
                        q_nr[a * nr + i]
                            * (0..nr)
                                .map(|j| pinv[i * nr + j] * q_nr[b * nr + j])
                                .sum::<f64>()
                    })
                    .sum();
                rate[a * nk + b] -= s;
            }
        }
    }
    let max_rate = if nk == 0 {
        0.0
    } else {
        let sym: Vec<f64> = (0..nk * nk)
            .map(|i| 0.5 * (rate[i] + rate[(i % nk) * nk + i / nk]))
            .collect();
        symmetric_eigen(nk, &sym)?
            .0
            .into_iter()
            .fold(f64::NEG_INFINITY, f64::max)
    };
    Ok(KernelGrowth {
        kernel: kv,
        rate,
        max_rate,
    })
}
