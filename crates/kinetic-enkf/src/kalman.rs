//! The symmetric-positive-definite solve shared by every Kalman-type update
//! of the workspace.
//!
//! A Kalman gain needs `S^{-1} b` for a symmetric positive definite `S`:
//! `D(U) + Gamma^{-1} / dt` in the EnKF iteration of paper 1, eq. (3), and
//! `H P H^T + R` (or its ensemble estimate `C_H + R`) in paper 2,
//! eq. (1)–(2). Such a matrix is never inverted: it is factored once as
//! `S = L L^T` (Cholesky, lower-triangular `L` with a positive diagonal) and
//! each solve is a forward and a backward triangular substitution.
//! [`Cholesky`] holds the factor; [`spd_solve`] is the one-shot form.
//!
//! # Conventions
//!
//! * Matrices are dense and row-major: entry `(r, c)` of an `n × m` matrix
//!   is `data[r * m + c]`. A right-hand side with `m` columns solves `m`
//!   systems at once.
//! * Only the lower triangle (diagonal included) enters the factorisation.
//!   The upper triangle is checked against it: `|a_rc - a_cr|` may not exceed
//!   [`SYMMETRY_TOLERANCE`] times `max(|a_rc|, |a_cr|, sqrt(|a_rr a_cc|))`,
//!   the scale that bounds an off-diagonal entry of a positive definite
//!   matrix.
//! * A matrix is refused as not positive definite when a Cholesky pivot
//!   `l_kk^2` (the Schur complement `a_kk - sum_{j<k} l_kj^2`) is not larger
//!   than `n` times the machine epsilon times `a_kk`. That is the rounding
//!   error of the subtraction, so such a pivot is indistinguishable from
//!   zero: the matrix is singular to working precision, and a solve would
//!   amplify rounding errors without bound. The test is invariant under
//!   diagonal scaling `S -> D S D`.
//!
//! # Numerics and determinism
//!
//! The factorisation and the triangular solves are faer's, run on one thread
//! (`faer::Par::Seq`), so results are bit-identical for any size of the rayon
//! thread pool.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{
    LltError, LltRegularization, cholesky_in_place, cholesky_in_place_scratch,
};
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_upper_triangular_in_place,
};
use faer::{Mat, Par};

use crate::error::{Error, Result};

/// Relative tolerance of the symmetry check of [`Cholesky::new`]: entries
/// `(r, c)` and `(c, r)` may differ by this much relative to
/// `max(|a_rc|, |a_cr|, sqrt(|a_rr a_cc|))`.
///
/// Generous enough for a matrix assembled in floating point from symmetric
/// formulas (rounding differences near `1e-16`), strict enough to catch a
/// transposed or mistyped entry.
pub const SYMMETRY_TOLERANCE: f64 = 1e-10;

/// The Cholesky factor `L` of a symmetric positive definite `n × n` matrix
/// `S = L L^T`, ready for repeated solves.
#[derive(Clone, Debug)]
pub struct Cholesky {
    /// Lower-triangular factor; its strict upper triangle is zero.
    l: Mat<f64>,
}

impl Cholesky {
    /// Factors the symmetric positive definite `n × n` matrix `matrix`
    /// (row-major).
    ///
    /// # Errors
    ///
    /// * [`Error::EmptyMatrix`] if `n == 0`;
    /// * [`Error::MatrixLength`] if `matrix.len() != n * n`;
    /// * [`Error::NonFiniteEntry`] naming the first infinite or NaN entry;
    /// * [`Error::NotSymmetric`] naming the first pair of entries that differ
    ///   by more than [`SYMMETRY_TOLERANCE`] (relative, see the module docs);
    /// * [`Error::NotPositiveDefinite`] naming the first pivot that is not
    ///   positive to working precision.
    pub fn new(n: usize, matrix: &[f64]) -> Result<Self> {
        if n == 0 {
            return Err(Error::EmptyMatrix);
        }
        check_matrix("matrix", matrix, n, n)?;
        check_symmetric(n, matrix)?;

        let mut l = Mat::from_fn(n, n, |r, c| matrix[r * n + c]);
        let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(
            n,
            Par::Seq,
            Default::default(),
        ));
        let factored = cholesky_in_place(
            l.as_mut(),
            LltRegularization::default(),
            Par::Seq,
            MemStack::new(&mut mem),
            Default::default(),
        );
        if let Err(LltError::NonPositivePivot { index }) = factored {
            return Err(Error::NotPositiveDefinite {
                order: n,
                pivot: index,
            });
        }
        // A pivot that survived with a value at the level of the rounding
        // error of its own subtraction is zero to working precision.
        let threshold = n as f64 * f64::EPSILON;
        if let Some(pivot) =
            (0..n).find(|&k| l[(k, k)] * l[(k, k)] <= threshold * matrix[k * n + k])
        {
            return Err(Error::NotPositiveDefinite { order: n, pivot });
        }
        // faer leaves the strict upper triangle untouched; clear it so that
        // `l` is exactly the factor.
        for c in 1..n {
            for r in 0..c {
                l[(r, c)] = 0.0;
            }
        }
        Ok(Self { l })
    }

    /// The order `n` of the factored matrix.
    pub fn order(&self) -> usize {
        self.l.nrows()
    }

    /// `S^{-1} B` for the `n × m` right-hand side `B` (row-major), returned
    /// `n × m`, row-major.
    ///
    /// # Errors
    ///
    /// * [`Error::MatrixLength`] if `rhs.len() != n * m`;
    /// * [`Error::NonFiniteEntry`] naming the first infinite or NaN entry of
    ///   `rhs`.
    pub fn solve(&self, rhs: &[f64], m: usize) -> Result<Vec<f64>> {
        let mut b = self.rhs_matrix(rhs, m)?;
        solve_lower_triangular_in_place(self.l.as_ref(), b.as_mut(), Par::Seq);
        solve_upper_triangular_in_place(self.l.transpose(), b.as_mut(), Par::Seq);
        Ok(row_major(&b))
    }

    /// `L^{-1} B` for the `n × m` right-hand side `B` (row-major), returned
    /// `n × m`, row-major: the forward substitution alone.
    ///
    /// When `S` is a noise covariance, `L^{-1}` whitens: `(L^{-1} a)^T (L^{-1} b)
    /// = a^T S^{-1} b`.
    ///
    /// # Errors
    ///
    /// As for [`solve`](Self::solve).
    pub fn solve_lower(&self, rhs: &[f64], m: usize) -> Result<Vec<f64>> {
        let mut b = self.rhs_matrix(rhs, m)?;
        solve_lower_triangular_in_place(self.l.as_ref(), b.as_mut(), Par::Seq);
        Ok(row_major(&b))
    }

    /// `L x` for a vector `x` of length `n`.
    ///
    /// If `x` has independent standard normal entries, `L x` is a draw from
    /// `N(0, S)`. The sum over each row runs in column order.
    ///
    /// # Errors
    ///
    /// * [`Error::MatrixLength`] if `x.len() != n`;
    /// * [`Error::NonFiniteEntry`] naming the first infinite or NaN entry.
    pub fn mul_lower(&self, x: &[f64]) -> Result<Vec<f64>> {
        let n = self.order();
        check_matrix("vector", x, n, 1)?;
        Ok((0..n)
            .map(|r| (0..=r).map(|c| self.l[(r, c)] * x[c]).sum())
            .collect())
    }

    fn rhs_matrix(&self, rhs: &[f64], m: usize) -> Result<Mat<f64>> {
        let n = self.order();
        check_matrix("right-hand side", rhs, n, m)?;
        Ok(Mat::from_fn(n, m, |r, c| rhs[r * m + c]))
    }
}

/// `S^{-1} B` for a symmetric positive definite `n × n` matrix `S` and an
/// `n × m` right-hand side `B`, all row-major; returns `n × m`, row-major.
///
/// Factors `S` with [`Cholesky::new`] and solves with [`Cholesky::solve`];
/// keep the [`Cholesky`] instead when the same matrix serves several solves.
///
/// # Errors
///
/// Those of [`Cholesky::new`] and [`Cholesky::solve`].
///
/// # Example
///
/// ```
/// use kinetic_enkf::kalman::spd_solve;
///
/// // [[4, 2], [2, 3]] x = [2, 1]  =>  x = [1/2, 0]
/// let x = spd_solve(2, &[4.0, 2.0, 2.0, 3.0], &[2.0, 1.0], 1)?;
/// assert_eq!(x, vec![0.5, 0.0]);
/// # Ok::<(), kinetic_enkf::Error>(())
/// ```
pub fn spd_solve(n: usize, matrix: &[f64], rhs: &[f64], m: usize) -> Result<Vec<f64>> {
    Cholesky::new(n, matrix)?.solve(rhs, m)
}

/// Checks that `data` holds `rows × cols` finite entries.
pub(crate) fn check_matrix(
    what: &'static str,
    data: &[f64],
    rows: usize,
    cols: usize,
) -> Result<()> {
    if data.len() != rows * cols {
        return Err(Error::MatrixLength {
            what,
            rows,
            cols,
            len: data.len(),
        });
    }
    match data.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::NonFiniteEntry {
            what,
            row: i / cols,
            col: i % cols,
            value: data[i],
        }),
        None => Ok(()),
    }
}

pub(crate) fn check_symmetric(n: usize, matrix: &[f64]) -> Result<()> {
    for r in 0..n {
        for c in 0..r {
            let (lower, upper) = (matrix[r * n + c], matrix[c * n + r]);
            let scale = lower
                .abs()
                .max(upper.abs())
                .max((matrix[r * n + r] * matrix[c * n + c]).abs().sqrt());
            if (lower - upper).abs() > SYMMETRY_TOLERANCE * scale {
                return Err(Error::NotSymmetric {
                    row: r,
                    col: c,
                    lower,
                    upper,
                });
            }
        }
    }
    Ok(())
}

fn row_major(b: &Mat<f64>) -> Vec<f64> {
    (0..b.nrows())
        .flat_map(|r| (0..b.ncols()).map(move |c| b[(r, c)]))
        .collect()
}

/// Eigenvalues (ascending) and eigenvectors (columns of the row-major
/// `n × n` result) of a symmetric `n × n` row-major matrix (lower triangle
/// read), by faer on one thread: `matrix = V diag(values) V^T` with
/// `V[r * n + c]` the component `r` of eigenvector `c`.
///
/// ```
/// use kinetic_enkf::kalman::symmetric_eigen;
///
/// let (values, vectors) = symmetric_eigen(2, &[2.0, 1.0, 1.0, 2.0])?;
/// assert!((values[0] - 1.0).abs() < 1e-14 && (values[1] - 3.0).abs() < 1e-14);
/// // The eigenvector of 3 is (1, 1) / sqrt(2), up to its sign.
/// assert!((vectors[1].abs() - 0.5f64.sqrt()).abs() < 1e-14);
/// # Ok::<(), kinetic_enkf::Error>(())
/// ```
///
/// # Errors
///
/// * [`Error::MatrixLength`] if `matrix.len() != n * n`;
/// * [`Error::NonFiniteEntry`] naming the first infinite or NaN entry;
/// * [`Error::EigenNotConverged`] if faer's iteration does not converge.
pub fn symmetric_eigen(n: usize, matrix: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
    check_matrix("symmetric matrix", matrix, n, n)?;
    use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
    let a = Mat::<f64>::from_fn(n, n, |i, j| matrix[i * n + j]);
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    let par = Par::Seq;
    let scratch =
        self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, Default::default());
    self_adjoint_evd(
        a.as_ref(),
        s.as_mut(),
        Some(u.as_mut()),
        par,
        MemStack::new(&mut MemBuffer::new(scratch)),
        Default::default(),
    )
    .map_err(|_| Error::EigenNotConverged { order: n })?;
    let values = (0..n).map(|i| s[i]).collect();
    let vectors = (0..n * n).map(|k| u[(k / n, k % n)]).collect();
    Ok((values, vectors))
}
