//! Strengths `U_p` for given positions from the values `u(x_p)` of a field,
//! paper 2, Section 2.2.1.
//!
//! * [`direct`], eq. (4): `U_p = u(x_p) V_p`. Exact quadrature weight of a
//!   cell; the reconstruction then mollifies `u` by `zeta_eps`.
//! * [`beale`]: Beale's iteration
//!   `U^{k+1}_p = U^k_p + (u(x_p) - sum_q U^k_q zeta_eps(x_q - x_p)) V_p`,
//!   started from eq. (4), until the reconstruction interpolates `u` at the
//!   particles to a relative tolerance. It is a Richardson iteration for
//!   `Phi U = u` preconditioned by the volumes; it converges when the
//!   eigenvalues of `V Phi` lie in `(0, 2)` (a Gaussian of width comparable
//!   to the spacing: `sum_q V_q zeta_eps(x_q - x_p) ~ 1`), slowly for the
//!   modes that `zeta_eps` smooths most. Not converging within the cap is
//!   the error [`Error::BealeNotConverged`], never a silent result.
//! * [`least_squares`], eq. (5) and its ridge form:
//!   `argmin_U |u - Phi U|^2 + lambda |U|^2` with the kernel matrix
//!   `Phi_ij = zeta_eps(x_i - x_j)` (images included). Solved by a
//!   Householder QR of `[Phi; sqrt(lambda) I]` with faer, which does not
//!   square the condition number as the normal equations
//!   `(Phi^T Phi + lambda I) U = Phi^T u` would. Dense: `O(N^3)` work and
//!   `O(N^2)` memory, limited to [`DENSE_LIMIT`] particles.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::qr::no_pivoting::factor;
use faer::linalg::{householder, triangular_solve};
use faer::reborrow::ReborrowMut;
use faer::{Conj, Mat, Par};

use crate::kernels::gaussian_r2;
use crate::particles::{check_len, check_volumes};
use crate::reconstruct::Reconstruction;
use crate::{Error, Result};

/// Largest particle count accepted by [`least_squares`]: the stacked ridge
/// matrix then takes `2 N^2` doubles (400 MB) and the QR some 10^11 flops.
pub const DENSE_LIMIT: usize = 5000;

/// Eq. (4): `U_p = u(x_p) V_p`.
///
/// # Errors
/// [`Error::LengthMismatch`] if the arrays differ in length;
/// [`Error::NonFiniteValue`] for a NaN or infinite field value.
///
/// # Example
/// ```
/// let u = particle_core::strengths::direct(&[1.0, -2.0], &[0.5, 0.25])?;
/// assert_eq!(u, vec![0.5, -0.5]);
/// # Ok::<(), particle_core::Error>(())
/// ```
pub fn direct(values: &[f64], volumes: &[f64]) -> Result<Vec<f64>> {
    check_values(values, volumes.len())?;
    Ok(values.iter().zip(volumes).map(|(u, v)| u * v).collect())
}

/// Stopping rule of [`beale`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BealeOptions {
    /// Stop when `max_p |u(x_p) - (Phi U)_p| <= tolerance * max_p |u(x_p)|`.
    pub tolerance: f64,
    /// Give up (with [`Error::BealeNotConverged`]) after this many iterations.
    pub max_iterations: usize,
}

impl Default for BealeOptions {
    /// Relative residual `1e-10` within 1000 iterations.
    fn default() -> Self {
        BealeOptions {
            tolerance: 1e-10,
            max_iterations: 1000,
        }
    }
}

/// The converged result of [`beale`].
#[derive(Debug, Clone, PartialEq)]
pub struct BealeSolution {
    /// The strengths `U_p`.
    pub strengths: Vec<f64>,
    /// Iterations performed (0 if eq. (4) already met the tolerance).
    pub iterations: usize,
    /// Final relative residual `max |u - Phi U| / max |u|`.
    pub residual: f64,
}

/// Beale's iteration for the strengths whose reconstruction interpolates the
/// field values `values[p] = u(x_p)` at the particles of `reconstruction`.
///
/// # Errors
/// [`Error::LengthMismatch`], [`Error::NonFiniteValue`] or
/// [`Error::NonPositiveVolume`] for bad input; [`Error::InvalidTolerance`]
/// for a tolerance outside `(0, 1)`; [`Error::BealeNotConverged`] if the
/// residual is still above the tolerance after `max_iterations`, or stops
/// decreasing (divergence is detected as soon as the residual exceeds ten
/// times its starting value).
pub fn beale<const D: usize>(
    reconstruction: &Reconstruction<D>,
    values: &[f64],
    volumes: &[f64],
    options: BealeOptions,
) -> Result<BealeSolution> {
    let n = reconstruction.len();
    check_values(values, n)?;
    check_volumes(volumes, n)?;
    if !(options.tolerance > 0.0 && options.tolerance < 1.0) {
        return Err(Error::InvalidTolerance {
            value: options.tolerance,
        });
    }
    let scale = values.iter().fold(0.0_f64, |m, u| m.max(u.abs()));
    let mut strengths: Vec<f64> = values.iter().zip(volumes).map(|(u, v)| u * v).collect();
    if scale == 0.0 {
        return Ok(BealeSolution {
            strengths,
            iterations: 0,
            residual: 0.0,
        });
    }
    let residual_of = |strengths: &[f64]| -> (Vec<f64>, f64) {
        let fitted = reconstruction.at_particles_unchecked(strengths);
        let r: Vec<f64> = values.iter().zip(&fitted).map(|(u, f)| u - f).collect();
        let norm = r.iter().fold(0.0_f64, |m, x| m.max(x.abs())) / scale;
        (r, norm)
    };
    let (mut r, mut residual) = residual_of(&strengths);
    let start = residual;
    let mut iterations = 0;
    while residual > options.tolerance {
        if iterations == options.max_iterations || !residual.is_finite() || residual > 10.0 * start
        {
            return Err(Error::BealeNotConverged {
                iterations,
                residual,
                tolerance: options.tolerance,
            });
        }
        for ((u, ri), v) in strengths.iter_mut().zip(&r).zip(volumes) {
            *u += ri * v;
        }
        (r, residual) = residual_of(&strengths);
        iterations += 1;
    }
    Ok(BealeSolution {
        strengths,
        iterations,
        residual,
    })
}

/// Eq. (5): the strengths minimising `|u - Phi U|^2 + ridge |U|^2` for the
/// field values `values[p] = u(x_p)` at the particles of `reconstruction`
/// (`ridge = 0`: plain least squares).
///
/// `Phi` holds every pair within the reconstruction's cut-off (smaller
/// entries are zero, as in the reconstruction itself). The QR runs on one
/// thread, so the result does not depend on the thread count.
///
/// # Errors
/// [`Error::LengthMismatch`] or [`Error::NonFiniteValue`] for bad values;
/// [`Error::Negative`] for a negative or non-finite `ridge`;
/// [`Error::TooManyForDense`] above [`DENSE_LIMIT`] particles;
/// [`Error::SingularKernelMatrix`] when `ridge = 0` and `Phi` is
/// numerically singular.
pub fn least_squares<const D: usize>(
    reconstruction: &Reconstruction<D>,
    values: &[f64],
    ridge: f64,
) -> Result<Vec<f64>> {
    let n = reconstruction.len();
    check_values(values, n)?;
    if !(ridge.is_finite() && ridge >= 0.0) {
        return Err(Error::Negative {
            name: "ridge parameter",
            value: ridge,
        });
    }
    if n > DENSE_LIMIT {
        return Err(Error::TooManyForDense {
            n,
            limit: DENSE_LIMIT,
        });
    }
    let rows = if ridge > 0.0 { 2 * n } else { n };
    let mut a = Mat::<f64>::zeros(rows, n);
    let list = reconstruction.cell_list();
    let eps = reconstruction.eps();
    for i in 0..n {
        list.for_each_neighbor(list.particle(i), |e, _, d2| {
            a[(i, e.source)] += e.sign * gaussian_r2::<D>(d2, eps);
        });
    }
    if ridge > 0.0 {
        let s = ridge.sqrt();
        for j in 0..n {
            a[(n + j, j)] = s;
        }
    }
    let mut b = Mat::<f64>::zeros(rows, 1);
    for (i, &u) in values.iter().enumerate() {
        b[(i, 0)] = u;
    }

    let block = factor::recommended_block_size::<f64>(rows, n);
    let mut mem = MemBuffer::new(StackReq::any_of(&[
        factor::qr_in_place_scratch::<f64>(rows, n, block, Par::Seq, Default::default()),
        householder::apply_block_householder_sequence_transpose_on_the_left_in_place_scratch::<f64>(
            rows, block, 1,
        ),
    ]));
    let mut stack = MemStack::new(&mut mem);
    let mut h = Mat::<f64>::zeros(block, n);
    factor::qr_in_place(
        a.as_mut(),
        h.as_mut(),
        Par::Seq,
        stack.rb_mut(),
        Default::default(),
    );
    if ridge == 0.0 {
        let diag: Vec<f64> = (0..n).map(|k| a[(k, k)].abs()).collect();
        let largest = diag.iter().fold(0.0_f64, |m, x| m.max(*x));
        let smallest = diag.iter().fold(f64::INFINITY, |m, x| m.min(*x));
        let ratio = smallest / largest;
        // NaN (a zero largest entry) counts as singular too.
        if ratio.is_nan() || ratio <= n as f64 * f64::EPSILON {
            return Err(Error::SingularKernelMatrix { ratio });
        }
    }
    householder::apply_block_householder_sequence_transpose_on_the_left_in_place_with_conj(
        a.as_ref(),
        h.as_ref(),
        Conj::Yes,
        b.as_mut(),
        Par::Seq,
        stack.rb_mut(),
    );
    b.truncate(n, 1);
    triangular_solve::solve_upper_triangular_in_place(
        a.as_ref().split_at_row(n).0,
        b.as_mut(),
        Par::Seq,
    );
    Ok((0..n).map(|i| b[(i, 0)]).collect())
}

fn check_values(values: &[f64], n: usize) -> Result<()> {
    check_len("field values", n, values.len())?;
    match values.iter().position(|u| !u.is_finite()) {
        Some(index) => Err(Error::NonFiniteValue {
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}
