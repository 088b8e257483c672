//! Helpers shared by the tests of the EnKF iteration, its continuous limit
//! and the moment ODEs: seeded Gaussian ensembles and naive dense linear
//! algebra written from the textbook formulas (independent of the crate's
//! `Ensemble` statistics and faer).
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use kinetic_enkf::ode::Tolerances;
use kinetic_enkf::rng::{Stream, member_stream};
use kinetic_enkf::{Ensemble, InverseProblem};
use rand_distr::{Distribution, StandardNormal};

/// `J` members `mean + scale * z`, `z` standard normal from the `Prior`
/// stream of each member.
pub fn gaussian_ensemble(seed: u64, members: usize, mean: &[f64], scale: f64) -> Ensemble {
    let data = (0..members)
        .flat_map(|j| {
            let mut rng = member_stream(seed, j, Stream::Prior);
            mean.iter()
                .map(|m| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    m + scale * z
                })
                .collect::<Vec<f64>>()
        })
        .collect();
    Ensemble::new(mean.len(), data).unwrap()
}

/// `J` members drawn from `N(mean, L L^T)` for a lower-triangular `l`.
pub fn correlated_ensemble(seed: u64, members: usize, mean: &[f64], l: &[f64]) -> Ensemble {
    let d = mean.len();
    let data = (0..members)
        .flat_map(|j| {
            let mut rng = member_stream(seed, j, Stream::Prior);
            let z: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
            (0..d)
                .map(|a| mean[a] + (0..=a).map(|b| l[a * d + b] * z[b]).sum::<f64>())
                .collect::<Vec<f64>>()
        })
        .collect();
    Ensemble::new(d, data).unwrap()
}

/// Members as `Vec<Vec<f64>>`.
pub fn rows(e: &Ensemble) -> Vec<Vec<f64>> {
    e.members().map(<[f64]>::to_vec).collect()
}

/// `A B` for `A` (`n × m`) and `B` (`m × p`), row-major.
pub fn matmul(a: &[f64], b: &[f64], n: usize, m: usize, p: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * p];
    for i in 0..n {
        for k in 0..p {
            for j in 0..m {
                c[i * p + k] += a[i * m + j] * b[j * p + k];
            }
        }
    }
    c
}

/// `A^T` for `A` (`n × m`), row-major.
pub fn transpose(a: &[f64], n: usize, m: usize) -> Vec<f64> {
    let mut t = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..m {
            t[j * n + i] = a[i * m + j];
        }
    }
    t
}

/// The inverse of an `n × n` matrix by Gauss–Jordan elimination with
/// partial pivoting.
pub fn inverse(a: &[f64], n: usize) -> Vec<f64> {
    let mut m = a.to_vec();
    let mut inv: Vec<f64> = (0..n * n)
        .map(|i| if i / n == i % n { 1.0 } else { 0.0 })
        .collect();
    for col in 0..n {
        let p = (col..n)
            .max_by(|&x, &y| m[x * n + col].abs().total_cmp(&m[y * n + col].abs()))
            .unwrap();
        for c in 0..n {
            m.swap(col * n + c, p * n + c);
            inv.swap(col * n + c, p * n + c);
        }
        let d = m[col * n + col];
        for c in 0..n {
            m[col * n + c] /= d;
            inv[col * n + c] /= d;
        }
        for r in 0..n {
            if r != col {
                let f = m[r * n + col];
                for c in 0..n {
                    m[r * n + c] -= f * m[col * n + c];
                    inv[r * n + c] -= f * inv[col * n + c];
                }
            }
        }
    }
    inv
}

/// The lower Cholesky factor of an SPD `n × n` matrix (textbook loops).
pub fn cholesky(a: &[f64], n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            l[i * n + j] = if i == j {
                (a[i * n + i] - s).sqrt()
            } else {
                (a[i * n + j] - s) / l[j * n + j]
            };
        }
    }
    l
}

/// The mean of `rows`.
pub fn mean(rows: &[Vec<f64>]) -> Vec<f64> {
    let d = rows[0].len();
    (0..d)
        .map(|a| rows.iter().map(|r| r[a]).sum::<f64>() / rows.len() as f64)
        .collect()
}

/// `(1/J) sum_j (x^j - x-bar) ⊗ (z^j - z-bar)`, `dim(x) × dim(z)`.
pub fn cross_cov(x: &[Vec<f64>], z: &[Vec<f64>]) -> Vec<f64> {
    let (mx, mz) = (mean(x), mean(z));
    let (p, q) = (mx.len(), mz.len());
    let mut c = vec![0.0; p * q];
    for (xj, zj) in x.iter().zip(z) {
        for a in 0..p {
            for b in 0..q {
                c[a * q + b] += (xj[a] - mx[a]) * (zj[b] - mz[b]) / x.len() as f64;
            }
        }
    }
    c
}

/// The largest absolute entry of `a - b`.
pub fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The slope of the least-squares line through `(x_i, y_i)`.
pub fn slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    sxy / sxx
}

/// Tight tolerances of the adaptive integrator, for reference solutions.
pub fn tight() -> Tolerances {
    Tolerances {
        rtol: 1e-11,
        atol: 1e-13,
        ..Tolerances::default()
    }
}

/// A correlated linear problem in `d = 2`, `K = 2`: `G = [[1, 0.4],
/// [-0.3, 1.2]]`, `y = (1, -0.5)`, `Gamma^{-1} = [[0.5, 0.1], [0.1, 0.4]]`.
pub fn d2_problem() -> InverseProblem {
    InverseProblem::linear(
        &[1.0, 0.4, -0.3, 1.2],
        2,
        &[1.0, -0.5],
        &[0.5, 0.1, 0.1, 0.4],
    )
    .unwrap()
}
