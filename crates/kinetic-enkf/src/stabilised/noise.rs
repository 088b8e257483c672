//! The noise `sqrt(eps) K xi` of eq. (18) and its diffusion matrix.

use crate::error::{Error, Result};
use crate::kalman::{Cholesky, check_matrix, check_symmetric};
use crate::moments::matmul;
use crate::problem::InverseProblem;

/// The choice of `K` and `Lambda` in eq. (18) (module docs of
/// [`stabilised`](super)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Noise {
    /// Constant `K` (`d × p`, row-major) and `Lambda` (`p × p`, SPD).
    Constant {
        /// `K`, `d × p`.
        k: Vec<f64>,
        /// `Lambda`, `p × p`.
        lambda: Vec<f64>,
    },
    /// `K = kappa C(t)` and `Lambda` (`d × d`, SPD).
    MomentScaled {
        /// The factor `kappa`.
        kappa: f64,
        /// `Lambda`, `d × d`.
        lambda: Vec<f64>,
    },
    /// `K = kappa G^T Gamma^{1/2}`, `Lambda = I_K`: `Q = kappa^2 G^T Gamma G`.
    RangeOfGt {
        /// The factor `kappa`.
        kappa: f64,
    },
}

/// A [`Noise`] checked against a problem, with its factors.
#[derive(Debug, Clone)]
pub(crate) struct NoiseModel {
    dim: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// `sigma` (`d × p`) with `sigma sigma^T = Q`.
    Constant { sigma: Vec<f64>, p: usize },
    /// `kappa` and `L_Lambda` (`d × d`).
    Moments { kappa: f64, l: Vec<f64> },
}

impl NoiseModel {
    pub(crate) fn new(noise: &Noise, problem: &InverseProblem) -> Result<Self> {
        let d = problem.dim();
        let check_kappa = |kappa: f64| {
            if kappa.is_finite() {
                Ok(())
            } else {
                Err(Error::InvalidParameter {
                    name: "noise factor kappa (finite)",
                    value: kappa,
                })
            }
        };
        let kind = match noise {
            Noise::Constant { k, lambda } => {
                if k.is_empty() || k.len() % d != 0 {
                    return Err(Error::MatrixLength {
                        what: "noise matrix K",
                        rows: d,
                        cols: (k.len() / d).max(1),
                        len: k.len(),
                    });
                }
                let p = k.len() / d;
                check_matrix("noise matrix K", k, d, p)?;
                let l = lambda_factor(lambda, p)?;
                Kind::Constant {
                    sigma: rect_mul(k, &l, d, p, p),
                    p,
                }
            }
            Noise::MomentScaled { kappa, lambda } => {
                check_kappa(*kappa)?;
                Kind::Moments {
                    kappa: *kappa,
                    l: lambda_factor(lambda, d)?,
                }
            }
            Noise::RangeOfGt { kappa } => {
                check_kappa(*kappa)?;
                let g = problem.linear_map().ok_or(Error::NotLinear {
                    what: "noise in the range of G^T",
                })?;
                let k = problem.observations();
                // G^T L^{-T} = (L^{-1} G)^T, Gamma^{-1} = L L^T.
                let w = problem.noise_factor().solve_lower(g, d)?;
                let sigma = (0..d * k).map(|i| kappa * w[(i % k) * d + i / k]).collect();
                Kind::Constant { sigma, p: k }
            }
        };
        Ok(Self { dim: d, kind })
    }

    /// Whether `sigma` depends on the covariance (`K = kappa C(t)`): only
    /// then do the particle schemes pay `O(J d^2)` for it.
    pub(crate) fn depends_on_covariance(&self) -> bool {
        matches!(self.kind, Kind::Moments { .. })
    }

    /// `sigma` (`d × p`, row-major) with `sigma sigma^T = Q` at covariance
    /// `c` (read only if [`depends_on_covariance`](Self::depends_on_covariance)),
    /// and `p`.
    pub(crate) fn sigma(&self, c: &[f64]) -> (Vec<f64>, usize) {
        match &self.kind {
            Kind::Constant { sigma, p } => (sigma.clone(), *p),
            Kind::Moments { kappa, l } => {
                let d = self.dim;
                let s = matmul(c, l, d).iter().map(|x| kappa * x).collect();
                (s, d)
            }
        }
    }

    /// `Q` if it does not depend on the moments (`Constant`, `RangeOfGt`).
    pub(crate) fn constant_diffusion(&self) -> Option<Vec<f64>> {
        match self.kind {
            Kind::Constant { .. } => Some(self.diffusion(&[])),
            Kind::Moments { .. } => None,
        }
    }

    /// The diffusion matrix `Q = K Lambda K^T` at covariance `c`.
    pub(crate) fn diffusion(&self, c: &[f64]) -> Vec<f64> {
        let (s, p) = self.sigma(c);
        let d = self.dim;
        let mut q = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                q[i * d + j] = (0..p).map(|a| s[i * p + a] * s[j * p + a]).sum();
            }
        }
        q
    }
}

impl Noise {
    /// The diffusion matrix `Q = K Lambda K^T` of eq. (22) for `problem`
    /// at covariance `covariance` (`d × d`; used only by `MomentScaled`).
    ///
    /// # Errors
    ///
    /// Wrong sizes or non-finite entries of `K`, `Lambda` or the
    /// covariance, a `Lambda` that is not SPD, a non-finite `kappa`, and
    /// [`Error::NotLinear`] for `RangeOfGt` with a closure.
    pub fn diffusion(&self, problem: &InverseProblem, covariance: &[f64]) -> Result<Vec<f64>> {
        let d = problem.dim();
        check_matrix("covariance", covariance, d, d)?;
        Ok(NoiseModel::new(self, problem)?.diffusion(covariance))
    }
}

/// The lower Cholesky factor of `Lambda` (`p × p`), row-major.
fn lambda_factor(lambda: &[f64], p: usize) -> Result<Vec<f64>> {
    check_matrix("noise covariance Lambda", lambda, p, p)?;
    check_symmetric(p, lambda)?;
    let chol = Cholesky::new(p, lambda)?;
    let mut l = vec![0.0; p * p];
    for j in 0..p {
        let e: Vec<f64> = (0..p).map(|i| if i == j { 1.0 } else { 0.0 }).collect();
        for (i, v) in chol.mul_lower(&e)?.into_iter().enumerate() {
            l[i * p + j] = v;
        }
    }
    Ok(l)
}

/// `A B` for `A` (`n × m`) and `B` (`m × p`), row-major.
fn rect_mul(a: &[f64], b: &[f64], n: usize, m: usize, p: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * p];
    for i in 0..n {
        for k in 0..m {
            for j in 0..p {
                out[i * p + j] += a[i * m + k] * b[k * p + j];
            }
        }
    }
    out
}
