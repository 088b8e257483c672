//! The linear elliptic inverse problem of Schillings & Stuart ("Analysis of
//! the ensemble Kalman filter for inverse problems", SIAM J. Numer. Anal.
//! 2017), the "example from the literature" that stands in for paper 1's
//! Section 5 (`kinetic-paper-rest.md`; the paper's own parameters are not
//! available to us, so this is our reconstruction).
//!
//! # The forward problem
//!
//! Given a source `u` on `(0, 1)`, the state `p` solves
//!
//! ```text
//! -p'' + p = u  on (0, 1),    p(0) = p(1) = 0,
//! ```
//!
//! discretised by P1 finite elements on the uniform mesh `x_i = i h`,
//! `h = 1/n`. Both `u` and `p` are represented by their values at the
//! `d = n - 1` interior nodes (the P1 interpolant). The Galerkin equations
//! `int p_h' v' + p_h v = int u_h v` for every hat function `v` are
//!
//! ```text
//! (A + M) p = M u,   A = (1/h) tridiag(-1, 2, -1),   M = (h/6) tridiag(1, 4, 1),
//! ```
//!
//! (stiffness and consistent mass matrices, exact for P1 `u_h`). The data
//! are point values `p_h(x_k)` at `K` points (P1 interpolation between
//! nodes), so the forward map is the `K × d` matrix
//!
//! ```text
//! G = O (A + M)^{-1} M,     (O)_{k i} = hat function of node i at x_k.
//! ```
//!
//! [`EllipticProblem::schillings_stuart`] is the configuration we use:
//! `h = 2^{-level}` and `K = 15` points `x_k = k/16`, which are nodes for
//! `level >= 4` (`d = 255` at `level = 8`).
//!
//! # The prior
//!
//! `N(0, (-d^2/dx^2)^{-1})` with Dirichlet conditions: eigenpairs
//! `lambda_j = (j pi)^{-2}`, `phi_j(x) = sqrt(2) sin(j pi x)`, `j >= 1`
//! ([`Prior`]). A draw is the Karhunen–Loève sum truncated at `j = d`,
//! `u = sum_{j=1}^{d} sqrt(lambda_j) xi_j phi_j`, `xi_j ~ N(0, 1)`, taken at
//! the nodes. The nodal mode vectors are orthonormal in the discrete inner
//! product `<v, w>_h = h sum_i v_i w_i` (the discrete sine transform), so
//! the truncation keeps exactly what the mesh can represent. The
//! covariance of the untruncated prior is the Brownian bridge's,
//! `min(x, y) - x y`, the Green's function of `-d^2/dx^2`.
//!
//! # Random streams
//!
//! Draws come from [`kinetic_enkf::rng::member_stream`]:
//!
//! * prior draw `i` (a particle of the kinetic Monte Carlo): `xi_1, …, xi_d`
//!   in that order from `(seed, i, Stream::Prior)` ([`Prior::sample`]);
//! * Schillings & Stuart's initial ensemble: member `j` (`j = 1, …, J`)
//!   lies along mode `j`, `sqrt(lambda_j) z_j phi_j`, with `z_j` the first
//!   normal of `(seed, j - 1, Stream::Prior)` ([`Prior::mode_member`]) —
//!   the same stream as prior draw `j - 1`, whose first coefficient it is
//!   (common random numbers across methods);
//! * the truth: prior draw number [`TRUTH_STREAM`] (`usize::MAX`, never a
//!   member's index); the observation noise: `K` normals times
//!   `sqrt(gamma)` from `(seed, TRUTH_STREAM, Stream::Observation(0))`
//!   ([`observation_noise`]).
//!
//! Normals are `rand_distr`'s `StandardNormal`.
//!
//! # Example
//!
//! The response to one mode is the mode times a discrete symbol, close to
//! the continuous `1 / (1 + j^2 pi^2)`:
//!
//! ```
//! use validation::elliptic::{EllipticProblem, Prior};
//!
//! let problem = EllipticProblem::schillings_stuart(8)?;
//! assert_eq!((problem.dim(), problem.observations()), (255, 15));
//! let prior = Prior::new(problem.dim())?;
//! let phi_1 = prior.mode(1)?;
//! let g = problem.observe(&phi_1)?;
//! let pi2 = std::f64::consts::PI.powi(2);
//! let exact = 2f64.sqrt() * (std::f64::consts::PI * 0.5).sin() / (1.0 + pi2);
//! assert!((g[7] - exact).abs() < 1e-5); // x_8 = 1/2
//! # Ok::<(), validation::Error>(())
//! ```

use std::f64::consts::{PI, SQRT_2};

use kinetic_enkf::rng::{Stream, member_stream};
use rand_distr::{Distribution, StandardNormal};

use crate::error::{Error, Result, positive};

/// The random-stream index of the truth and of the observation noise
/// (prior draws and members use `0, 1, …`, so this never meets them).
pub const TRUTH_STREAM: usize = usize::MAX;

/// The smallest number of mesh intervals: one interior node.
const MIN_INTERVALS: usize = 2;

/// The P1 finite-element discretisation of `-p'' + p = u`, `p(0) = p(1) = 0`,
/// observed at points (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct EllipticProblem {
    intervals: usize,
    points: Vec<f64>,
    /// `G`, `K × d`, row-major.
    forward: Vec<f64>,
}

impl EllipticProblem {
    /// The problem on `intervals` uniform intervals (`h = 1/intervals`,
    /// `d = intervals - 1` unknowns) observed at `points`.
    ///
    /// # Errors
    ///
    /// * [`Error::TooSmall`] if `intervals < 2`;
    /// * [`Error::EmptyGrid`] if there are no points;
    /// * [`Error::NotFinite`], [`Error::OutsideInterval`] for a point that
    ///   is not finite or not in `(0, 1)`.
    pub fn new(intervals: usize, points: &[f64]) -> Result<Self> {
        if intervals < MIN_INTERVALS {
            return Err(Error::TooSmall {
                name: "number of mesh intervals",
                value: intervals as f64,
                minimum: MIN_INTERVALS as f64,
            });
        }
        if points.is_empty() {
            return Err(Error::EmptyGrid {
                what: "observation points",
            });
        }
        for &x in points {
            crate::error::finite("observation point", x)?;
            if !(x > 0.0 && x < 1.0) {
                return Err(Error::OutsideInterval {
                    name: "observation point",
                    value: x,
                    lower: 0.0,
                    upper: 1.0,
                });
            }
        }
        let mut problem = Self {
            intervals,
            points: points.to_vec(),
            forward: Vec::new(),
        };
        problem.forward = problem.assemble_forward();
        Ok(problem)
    }

    /// Schillings & Stuart's configuration: `h = 2^{-level}` and the 15
    /// points `x_k = k/16`, `k = 1, …, 15`.
    ///
    /// # Errors
    ///
    /// [`Error::TooSmall`] if `level < 4` (the points must be nodes) and
    /// [`Error::TooLarge`] if `level > 20` (over a million unknowns).
    pub fn schillings_stuart(level: u32) -> Result<Self> {
        if level < 4 {
            return Err(Error::TooSmall {
                name: "mesh level (h = 2^-level)",
                value: f64::from(level),
                minimum: 4.0,
            });
        }
        if level > 20 {
            return Err(Error::TooLarge {
                name: "mesh level (h = 2^-level)",
                value: f64::from(level),
                maximum: 20.0,
            });
        }
        let points: Vec<f64> = (1..16).map(|k| f64::from(k) / 16.0).collect();
        Self::new(1 << level, &points)
    }

    /// The number `d` of unknowns (interior nodes).
    pub fn dim(&self) -> usize {
        self.intervals - 1
    }

    /// The number `K` of observation points.
    pub fn observations(&self) -> usize {
        self.points.len()
    }

    /// The mesh width `h`.
    pub fn spacing(&self) -> f64 {
        1.0 / self.intervals as f64
    }

    /// The interior nodes `x_i = i h`, `i = 1, …, d`.
    pub fn nodes(&self) -> Vec<f64> {
        (1..self.intervals)
            .map(|i| i as f64 * self.spacing())
            .collect()
    }

    /// The observation points.
    pub fn points(&self) -> &[f64] {
        &self.points
    }

    /// `G` (`K × d`, row-major).
    pub fn forward_matrix(&self) -> &[f64] {
        &self.forward
    }

    /// The finite-element state `p` (nodal values) for the source `u`
    /// (nodal values): `(A + M) p = M u`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `u.len() != d`,
    /// [`Error::NonFiniteSample`] for a non-finite entry.
    pub fn solve(&self, u: &[f64]) -> Result<Vec<f64>> {
        self.check_vector("source u", u)?;
        Ok(self.solve_shifted(&self.mass_times(u)))
    }

    /// The observations `G u = p_h(x_k)` of the source `u` (nodal values).
    ///
    /// # Errors
    ///
    /// As [`solve`](Self::solve).
    pub fn observe(&self, u: &[f64]) -> Result<Vec<f64>> {
        self.check_vector("source u", u)?;
        let d = self.dim();
        Ok(self
            .forward
            .chunks_exact(d)
            .map(|row| row.iter().zip(u).map(|(g, u)| g * u).sum())
            .collect())
    }

    /// The discrete `L^2(0, 1)` norm `(h sum_i v_i^2)^{1/2}` of nodal values
    /// (the trapezoidal rule; the boundary values are zero).
    ///
    /// # Errors
    ///
    /// As [`solve`](Self::solve).
    pub fn l2_norm(&self, v: &[f64]) -> Result<f64> {
        self.check_vector("nodal values", v)?;
        Ok((self.spacing() * v.iter().map(|x| x * x).sum::<f64>()).sqrt())
    }

    fn check_vector(&self, what: &'static str, v: &[f64]) -> Result<()> {
        check_nodal(what, v, self.dim())
    }

    /// `M u` for the consistent mass matrix.
    fn mass_times(&self, u: &[f64]) -> Vec<f64> {
        let h = self.spacing();
        let n = u.len();
        (0..n)
            .map(|i| {
                let left = if i > 0 { u[i - 1] } else { 0.0 };
                let right = if i + 1 < n { u[i + 1] } else { 0.0 };
                h / 6.0 * (left + 4.0 * u[i] + right)
            })
            .collect()
    }

    /// `(A + M)^{-1} f` by the Thomas algorithm (the matrix is symmetric,
    /// strictly diagonally dominant: no pivoting needed).
    fn solve_shifted(&self, f: &[f64]) -> Vec<f64> {
        let h = self.spacing();
        let diag = 2.0 / h + 4.0 * h / 6.0;
        let off = -1.0 / h + h / 6.0;
        let n = f.len();
        let mut c = vec![0.0; n];
        let mut x = vec![0.0; n];
        let mut denom = diag;
        x[0] = f[0] / denom;
        for i in 1..n {
            c[i - 1] = off / denom;
            denom = diag - off * c[i - 1];
            x[i] = (f[i] - off * x[i - 1]) / denom;
        }
        for i in (0..n - 1).rev() {
            x[i] -= c[i] * x[i + 1];
        }
        x
    }

    /// Row `k` of `G` is `(M (A + M)^{-1} o_k)^T` (both matrices are
    /// symmetric), with `o_k` the hat-function weights at `x_k`.
    fn assemble_forward(&self) -> Vec<f64> {
        let d = self.dim();
        let h = self.spacing();
        let mut forward = Vec::with_capacity(self.points.len() * d);
        for &x in &self.points {
            // x lies in [x_j, x_{j+1}], node j has unknown index j - 1.
            let j = ((x / h).floor() as usize).min(self.intervals - 1);
            let theta = x / h - j as f64;
            let mut o = vec![0.0; d];
            if j >= 1 {
                o[j - 1] += 1.0 - theta;
            }
            if j < d {
                o[j] += theta;
            }
            let w = self.solve_shifted(&o);
            forward.extend(self.mass_times(&w));
        }
        forward
    }
}

/// The prior `N(0, (-d^2/dx^2)^{-1})` on the `d` interior nodes of the
/// uniform mesh `h = 1/(d + 1)`, truncated to its first `d` modes (module
/// docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    dim: usize,
    /// `phi_j(x_i)`, mode-major: entry `(j - 1) d + (i - 1)`.
    modes: Vec<f64>,
}

impl Prior {
    /// The prior on `dim` interior nodes.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyGrid`] if `dim == 0`.
    pub fn new(dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::EmptyGrid {
                what: "interior nodes",
            });
        }
        let n = (dim + 1) as f64;
        let modes = (1..=dim)
            .flat_map(|j| (1..=dim).map(move |i| SQRT_2 * (PI * (j * i) as f64 / n).sin()))
            .collect();
        Ok(Self { dim, modes })
    }

    /// The number `d` of nodes (and of modes kept).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The eigenvalue `lambda_j = (j pi)^{-2}` of `(-d^2/dx^2)^{-1}`.
    ///
    /// # Errors
    ///
    /// [`Error::TooSmall`] if `j == 0` (modes are counted from 1).
    pub fn eigenvalue(j: usize) -> Result<f64> {
        if j == 0 {
            return Err(Error::TooSmall {
                name: "mode number j",
                value: 0.0,
                minimum: 1.0,
            });
        }
        Ok((j as f64 * PI).powi(-2))
    }

    /// The nodal values of mode `j`, `sqrt(2) sin(j pi x_i)`.
    ///
    /// # Errors
    ///
    /// [`Error::TooSmall`], [`Error::TooLarge`] unless `1 <= j <= d`.
    pub fn mode(&self, j: usize) -> Result<Vec<f64>> {
        self.check_mode(j)?;
        Ok(self.modes[(j - 1) * self.dim..j * self.dim].to_vec())
    }

    /// The nodal values `sum_{j=1}^{d} sqrt(lambda_j) xi_j phi_j(x_i)` of
    /// the draw with coefficients `xi`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `xi.len() == d`,
    /// [`Error::NonFiniteSample`] for a non-finite coefficient.
    pub fn combine(&self, xi: &[f64]) -> Result<Vec<f64>> {
        check_nodal("coefficients xi", xi, self.dim)?;
        Ok(self.combine_unchecked(xi))
    }

    fn combine_unchecked(&self, xi: &[f64]) -> Vec<f64> {
        let mut u = vec![0.0; self.dim];
        for (j, (mode, x)) in self.modes.chunks_exact(self.dim).zip(xi).enumerate() {
            let a = x / ((j + 1) as f64 * PI);
            for (ui, phi) in u.iter_mut().zip(mode) {
                *ui += a * phi;
            }
        }
        u
    }

    /// Prior draw number `index` under `seed`: the coefficients
    /// `xi_1, …, xi_d` from `member_stream(seed, index, Stream::Prior)`
    /// (module docs), combined by [`combine`](Self::combine).
    pub fn sample(&self, seed: u64, index: usize) -> Vec<f64> {
        let mut rng = member_stream(seed, index, Stream::Prior);
        let xi: Vec<f64> = (0..self.dim)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        self.combine_unchecked(&xi)
    }

    /// The truth: prior draw number [`TRUTH_STREAM`].
    pub fn truth(&self, seed: u64) -> Vec<f64> {
        self.sample(seed, TRUTH_STREAM)
    }

    /// Schillings & Stuart's initial member `j` (`j >= 1`):
    /// `sqrt(lambda_j) z_j phi_j`, `z_j` the first normal of
    /// `member_stream(seed, j - 1, Stream::Prior)`.
    ///
    /// # Errors
    ///
    /// As [`mode`](Self::mode).
    pub fn mode_member(&self, seed: u64, j: usize) -> Result<Vec<f64>> {
        let phi = self.mode(j)?;
        let z: f64 = StandardNormal.sample(&mut member_stream(seed, j - 1, Stream::Prior));
        let a = z * Self::eigenvalue(j)?.sqrt();
        Ok(phi.into_iter().map(|p| a * p).collect())
    }

    /// The covariance `sum_{j=1}^{d} lambda_j phi_j(x_a) phi_j(x_b)` of the
    /// nodal values (`d × d`, row-major, exactly symmetric).
    pub fn covariance(&self) -> Vec<f64> {
        let d = self.dim;
        let mut c = vec![0.0; d * d];
        for (j, mode) in self.modes.chunks_exact(d).enumerate() {
            let lambda = ((j + 1) as f64 * PI).powi(-2);
            for a in 0..d {
                let la = lambda * mode[a];
                for b in a..d {
                    c[a * d + b] += la * mode[b];
                }
            }
        }
        for a in 0..d {
            for b in 0..a {
                c[a * d + b] = c[b * d + a];
            }
        }
        c
    }

    fn check_mode(&self, j: usize) -> Result<()> {
        if j == 0 {
            return Err(Error::TooSmall {
                name: "mode number j",
                value: 0.0,
                minimum: 1.0,
            });
        }
        if j > self.dim {
            return Err(Error::TooLarge {
                name: "mode number j",
                value: j as f64,
                maximum: self.dim as f64,
            });
        }
        Ok(())
    }
}

/// `K` independent `N(0, gamma)` draws, the noise of the synthetic data:
/// `sqrt(gamma) z_k` with `z_1, …, z_K` from
/// `member_stream(seed, TRUTH_STREAM, Stream::Observation(0))`.
///
/// # Errors
///
/// [`Error::NotPositive`] unless `gamma` is positive and finite.
pub fn observation_noise(seed: u64, observations: usize, gamma: f64) -> Result<Vec<f64>> {
    let sd = positive("noise variance gamma", gamma)?.sqrt();
    let mut rng = member_stream(seed, TRUTH_STREAM, Stream::Observation(0));
    Ok((0..observations)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            sd * z
        })
        .collect())
}

fn check_nodal(what: &'static str, v: &[f64], d: usize) -> Result<()> {
    if v.len() != d {
        return Err(Error::LengthMismatch {
            what,
            expected: d,
            found: v.len(),
        });
    }
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(Error::NonFiniteSample {
            what,
            index,
            value: v[index],
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    //! Checks against closed forms: a manufactured solution of
    //! `-p'' + p = u`, the eigenvalues of tridiagonal Toeplitz matrices,
    //! the discrete sine transform and the Brownian-bridge covariance.

    use super::*;

    const SEED: u64 = 11;

    /// `p = x (1 - x) e^x` solves `-p'' + p = 4 x e^x`, `p(0) = p(1) = 0`.
    fn manufactured_p(x: f64) -> f64 {
        x * (1.0 - x) * x.exp()
    }

    fn manufactured_u(x: f64) -> f64 {
        4.0 * x * x.exp()
    }

    fn max_nodal_error(intervals: usize) -> f64 {
        let problem = EllipticProblem::new(intervals, &[0.5]).unwrap();
        let nodes = problem.nodes();
        let u: Vec<f64> = nodes.iter().map(|&x| manufactured_u(x)).collect();
        let p = problem.solve(&u).unwrap();
        p.iter()
            .zip(&nodes)
            .map(|(p, &x)| (p - manufactured_p(x)).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn finite_elements_converge_at_order_two() {
        // Measured: 1.67e-3, 4.29e-4, 1.09e-4, 2.75e-5 (orders 1.96, 1.98,
        // 1.99: the interpolated load's O(h^2) error dominates).
        let errors: Vec<f64> = [32, 64, 128, 256].map(max_nodal_error).to_vec();
        for pair in errors.windows(2) {
            let order = (pair[0] / pair[1]).log2();
            assert!((order - 2.0).abs() < 0.05, "{errors:?}");
        }
        assert!(errors[3] < 3e-5, "{errors:?}");
    }

    #[test]
    fn observations_between_nodes_converge_at_order_two() {
        let points = [0.3, 1.0 / 3.0, 0.71];
        let error = |n: usize| {
            let problem = EllipticProblem::new(n, &points).unwrap();
            let u: Vec<f64> = problem.nodes().iter().map(|&x| manufactured_u(x)).collect();
            let g = problem.observe(&u).unwrap();
            g.iter()
                .zip(&points)
                .map(|(g, &x)| (g - manufactured_p(x)).abs())
                .fold(0.0, f64::max)
        };
        // The nodal error (about 1.6 h^2, see above) plus P1 interpolation
        // between nodes, at most h^2 max|p''| / 8 (|p''| < 5.4 on [0, 0.75]):
        // 3.6e-4 for h = 1/80.
        let (e1, e2, e3) = (error(20), error(40), error(80));
        assert!(
            (e1 / e2).log2() > 1.8 && (e2 / e3).log2() > 1.8,
            "{e1} {e2} {e3}"
        );
        assert!(e3 < 3.6e-4, "{e3}");
    }

    /// The nodal sine `s_j` is an eigenvector of every symmetric
    /// tridiagonal Toeplitz matrix `tridiag(b, a, b)` with eigenvalue
    /// `a + 2 b cos(j pi h)`, so `G s_j = mu_M / (mu_A + mu_M) s_j(x_k)`
    /// exactly, and that symbol tends to `1 / (1 + j^2 pi^2)`.
    #[test]
    fn forward_map_of_a_mode_is_the_discrete_symbol() {
        let problem = EllipticProblem::schillings_stuart(6).unwrap();
        let prior = Prior::new(problem.dim()).unwrap();
        let h = problem.spacing();
        for j in [1, 2, 7, 30, 63] {
            let c = (j as f64 * PI * h).cos();
            let mu_a = (2.0 - 2.0 * c) / h;
            let mu_m = h / 6.0 * (4.0 + 2.0 * c);
            let symbol = mu_m / (mu_a + mu_m);
            let g = problem.observe(&prior.mode(j).unwrap()).unwrap();
            for (gk, &x) in g.iter().zip(problem.points()) {
                let exact = symbol * SQRT_2 * (j as f64 * PI * x).sin();
                assert!(
                    (gk - exact).abs() < 1e-14,
                    "j = {j}, x = {x}: {gk} vs {exact}"
                );
            }
            if j <= 2 {
                let continuous = 1.0 / (1.0 + (j as f64 * PI).powi(2));
                // Relative symbol error ~ (j pi h)^2 / 4.
                assert!((symbol / continuous - 1.0).abs() < (j as f64 * PI * h).powi(2));
            }
        }
    }

    #[test]
    fn modes_are_orthonormal_in_the_discrete_inner_product() {
        let prior = Prior::new(31).unwrap();
        let h = 1.0 / 32.0;
        for j in 1..=31 {
            let a = prior.mode(j).unwrap();
            for k in j..=31 {
                let b = prior.mode(k).unwrap();
                let dot: f64 = h * a.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>();
                let expected = if j == k { 1.0 } else { 0.0 };
                assert!((dot - expected).abs() < 1e-13, "({j}, {k}): {dot}");
            }
        }
    }

    /// Truncating the Brownian bridge's series after `d` modes leaves at
    /// most `sum_{j > d} 2 / (j pi)^2 < 2 / (pi^2 d)` in every entry.
    #[test]
    fn covariance_is_the_truncated_brownian_bridge() {
        let d = 127;
        let prior = Prior::new(d).unwrap();
        let c = prior.covariance();
        let x: Vec<f64> = (1..=d).map(|i| i as f64 / (d + 1) as f64).collect();
        let bound = 2.0 / (PI * PI * d as f64);
        for a in 0..d {
            for b in 0..d {
                let bridge = x[a].min(x[b]) - x[a] * x[b];
                assert!((c[a * d + b] - bridge).abs() < bound, "({a}, {b})");
                assert_eq!(c[a * d + b], c[b * d + a]);
            }
        }
    }

    #[test]
    fn draws_are_the_karhunen_loeve_sum() {
        let prior = Prior::new(15).unwrap();
        let u = prior.sample(SEED, 3);
        let mut rng = member_stream(SEED, 3, Stream::Prior);
        let xi: Vec<f64> = (0..15).map(|_| StandardNormal.sample(&mut rng)).collect();
        for (i, ui) in u.iter().enumerate() {
            let x = (i + 1) as f64 / 16.0;
            let naive: f64 = (1..=15)
                .map(|j| xi[j - 1] / (j as f64 * PI) * SQRT_2 * (j as f64 * PI * x).sin())
                .sum();
            assert!((ui - naive).abs() < 1e-14);
        }
        // Member j lies along mode j, with the first normal of draw j - 1.
        let m = prior.mode_member(SEED, 4).unwrap();
        let mut rng = member_stream(SEED, 3, Stream::Prior);
        let z: f64 = StandardNormal.sample(&mut rng);
        for (mi, phi) in m.iter().zip(prior.mode(4).unwrap()) {
            assert_eq!(*mi, z / (4.0 * PI) * phi);
        }
        assert_ne!(prior.truth(SEED), prior.sample(SEED, 0));
    }

    #[test]
    fn noise_has_the_stated_variance() {
        let noise = observation_noise(SEED, 20_000, 0.01).unwrap();
        let var = noise.iter().map(|x| x * x).sum::<f64>() / noise.len() as f64;
        // Standard error of the variance estimate: 0.01 sqrt(2 / 20000) = 1e-4.
        assert!((var - 0.01).abs() < 5e-4, "{var}");
        assert_eq!(noise, observation_noise(SEED, 20_000, 0.01).unwrap());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            EllipticProblem::new(1, &[0.5]),
            Err(Error::TooSmall { .. })
        ));
        assert!(matches!(
            EllipticProblem::new(8, &[]),
            Err(Error::EmptyGrid { .. })
        ));
        assert!(matches!(
            EllipticProblem::new(8, &[1.0]),
            Err(Error::OutsideInterval { value, .. }) if value == 1.0
        ));
        assert!(matches!(
            EllipticProblem::new(8, &[f64::NAN]),
            Err(Error::NotFinite { .. })
        ));
        assert!(matches!(
            EllipticProblem::schillings_stuart(3),
            Err(Error::TooSmall { .. })
        ));
        let problem = EllipticProblem::schillings_stuart(4).unwrap();
        assert!(matches!(
            problem.solve(&[0.0; 3]),
            Err(Error::LengthMismatch {
                expected: 15,
                found: 3,
                ..
            })
        ));
        let mut u = vec![0.0; 15];
        u[2] = f64::INFINITY;
        assert!(matches!(
            problem.observe(&u),
            Err(Error::NonFiniteSample { index: 2, .. })
        ));
        let prior = Prior::new(15).unwrap();
        assert!(matches!(prior.mode(0), Err(Error::TooSmall { .. })));
        assert!(matches!(prior.mode(16), Err(Error::TooLarge { .. })));
        assert!(matches!(Prior::new(0), Err(Error::EmptyGrid { .. })));
        assert!(matches!(
            observation_noise(SEED, 3, -1.0),
            Err(Error::NotPositive { .. })
        ));
    }
}
