//! Smoothing, diffusion and remeshing kernels of paper 2, Section 2.2.
//!
//! * **Gaussian** `zeta(x) = pi^{-d/2} exp(-|x|^2)` and its scaled form
//!   `zeta_eps(x) = eps^{-d} zeta(x / eps)`: the particle kernel `phi_eps` of
//!   the field reconstruction eq. (3) and of the strength constructions
//!   eq. (4)–(5). [`gaussian_1d`], [`gaussian_2d`]; on a periodic line
//!   [`periodic_gaussian_1d`].
//! * **PSE kernel** `eta = 4 zeta`, scaled as `eta_eps(x) = eps^{-d} eta(x / eps)`.
//!   It is second order: `int x_i x_j eta(x) dx = 2 delta_ij`, hence
//!   `int x_i x_j eta_eps(x) dx = 2 eps^2 delta_ij`, which makes
//!   `eps^{-2} int (u(y) - u(x)) eta_eps(y - x) dy = Laplacian u(x) + O(eps^2)`.
//!   [`pse_1d`], [`pse_2d`].
//! * **`M4'`** (Monaghan), the remeshing kernel `W` of eq. (6)–(8), in grid
//!   units, tensorised in 2D: [`m4prime`], [`m4prime_2d`].
//! * **Linear hat** `max(0, 1 - |s|)`, in grid units: [`hat`], [`hat_2d`].
//!
//! # Widths are validated once
//!
//! The scaled kernels take a [`Width`] (and the periodic one a [`Period`])
//! instead of a bare `f64`. Both are built with a `Result`-returning
//! constructor that rejects zero, negative, infinite and NaN values, so the
//! check happens once, where the number enters from user input, and the
//! kernel evaluations in inner loops need no check and cannot fail. The
//! position arguments are not checked: a NaN position gives a NaN value.
//!
//! # Cut-off radii
//!
//! [`Kernel`] names a kernel shape and gives the radius beyond which the
//! reconstruction and remeshing code may ignore it ([`Kernel::radius`]):
//! exact for the compactly supported `M4'` (2) and hat (1), and for the
//! Gaussian the radius outside which at most a fraction `tol` of its mass lies.

use std::f64::consts::{FRAC_2_SQRT_PI, PI};

use crate::error::{Error, Result};

/// `1 / sqrt(pi)`, the normalisation of the 1D Gaussian `zeta`.
const FRAC_1_SQRT_PI: f64 = 0.5 * FRAC_2_SQRT_PI;

/// A validated kernel width: the smoothing length `eps` of the Gaussian and
/// PSE kernels.
///
/// Holds a positive, finite `f64`. The kernels take a `Width` so that this
/// is checked once, by [`Width::new`], and not at every evaluation.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Width(f64);

impl Width {
    /// Validates a smoothing length `eps`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWidth`] if `eps` is zero, negative, infinite or NaN.
    pub fn new(eps: f64) -> Result<Self> {
        if eps.is_finite() && eps > 0.0 {
            Ok(Self(eps))
        } else {
            Err(Error::InvalidWidth { value: eps })
        }
    }

    /// The width as a number (positive and finite).
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A validated period `L` of a periodic domain (the papers use `2 pi`).
///
/// Holds a positive, finite `f64`, checked once by [`Period::new`].
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Period(f64);

impl Period {
    /// Validates a period `L`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPeriod`] if `period` is zero, negative, infinite or NaN.
    pub fn new(period: f64) -> Result<Self> {
        if period.is_finite() && period > 0.0 {
            Ok(Self(period))
        } else {
            Err(Error::InvalidPeriod { value: period })
        }
    }

    /// The period as a number (positive and finite).
    pub fn get(self) -> f64 {
        self.0
    }
}

/// The Gaussian `zeta_eps(x) = exp(-x^2 / eps^2) / (sqrt(pi) eps)` in 1D.
///
/// Unit mass, second moment `eps^2 / 2`.
pub fn gaussian_1d(x: f64, eps: Width) -> f64 {
    let s = x / eps.0;
    FRAC_1_SQRT_PI / eps.0 * (-s * s).exp()
}

/// The Gaussian `zeta_eps(x) = exp(-|x|^2 / eps^2) / (pi eps^2)` in 2D.
///
/// Radial, and equal to the tensor product
/// `gaussian_1d(x[0], eps) * gaussian_1d(x[1], eps)`. Unit mass.
pub fn gaussian_2d(x: [f64; 2], eps: Width) -> f64 {
    let inv = 1.0 / eps.0;
    let (s0, s1) = (x[0] * inv, x[1] * inv);
    inv * inv / PI * (-(s0 * s0 + s1 * s1)).exp()
}

/// The Gaussian `zeta_eps` in `D` dimensions as a function of the squared
/// distance `r2 = |x|^2`: `(sqrt(pi) eps)^{-D} exp(-r2 / eps^2)`.
///
/// The form the cell-list code uses (it has `|x|^2` at hand); equal to
/// [`gaussian_1d`] for `D = 1` and [`gaussian_2d`] for `D = 2`.
pub fn gaussian_r2<const D: usize>(r2: f64, eps: Width) -> f64 {
    let inv = 1.0 / eps.0;
    (FRAC_1_SQRT_PI * inv).powi(D as i32) * (-r2 * inv * inv).exp()
}

/// The PSE kernel `eta_eps = 4 zeta_eps` in 1D.
///
/// Mass 4 and `int x^2 eta_eps(x) dx = 2 eps^2`, the normalisation of the
/// PSE Laplacian `eps^{-2} sum_q (V_p U_q - V_q U_p) eta_eps(x_q - x_p)`.
pub fn pse_1d(x: f64, eps: Width) -> f64 {
    4.0 * gaussian_1d(x, eps)
}

/// The PSE kernel `eta_eps = 4 zeta_eps` in 2D.
///
/// `int x_i x_j eta_eps(x) dx = 2 eps^2 delta_ij`.
pub fn pse_2d(x: [f64; 2], eps: Width) -> f64 {
    4.0 * gaussian_2d(x, eps)
}

/// Truncation tolerance of [`periodic_gaussian_1d`], relative to the largest
/// term of the series being summed.
///
/// A term is omitted when its largest possible magnitude is below
/// `PERIODIC_TRUNCATION_TOL` times that of the leading term; see
/// [`periodic_gaussian_1d`] for the resulting error bound.
pub const PERIODIC_TRUNCATION_TOL: f64 = 1e-17;

/// `sqrt(ln(1 / PERIODIC_TRUNCATION_TOL)) = sqrt(17 ln 10)`: a Gaussian factor
/// `exp(-a^2)` is below the tolerance exactly when `a` exceeds this.
const PERIODIC_CUTOFF: f64 = 6.256_512_333_632_755;

/// The `L`-periodic wrap of the 1D Gaussian,
/// `sum_{n in Z} zeta_eps(x + n L)`.
///
/// Unit mass over one period. Two exact representations of the same function
/// are available (Poisson summation); the one needing fewer terms is summed:
///
/// * **images** when `eps <= L / sqrt(pi)`: `x` is first reduced to
///   `[-L/2, L/2]`, so image `n` lies at distance at least `(|n| - 1/2) L`
///   from it. The pair `±n` is included while
///   `exp(-((n - 1/2) L / eps)^2) >= PERIODIC_TRUNCATION_TOL` (at most 4
///   pairs);
/// * **Fourier modes** when `eps > L / sqrt(pi)`:
///   `(1/L) [1 + 2 sum_{k>=1} exp(-(pi k eps / L)^2) cos(2 pi k x / L)]`,
///   mode `k` included while `exp(-(pi k eps / L)^2) >= PERIODIC_TRUNCATION_TOL`
///   (at most 3 modes).
///
/// Successive omitted terms decay faster than geometrically with ratio below
/// `exp(-2 pi) < 0.002`, so the truncation error is below
/// `2.01 * PERIODIC_TRUNCATION_TOL` times `zeta_eps(0)` (images) or `1 / L`
/// (modes), that is below the rounding error of the result.
pub fn periodic_gaussian_1d(x: f64, eps: Width, period: Period) -> f64 {
    let (e, l) = (eps.0, period.0);
    let q = e / l;
    let xr = x - l * (x / l).round();
    if q * q * PI <= 1.0 {
        let mut sum = gaussian_1d(xr, eps);
        let mut n = 1.0_f64;
        while n - 0.5 <= PERIODIC_CUTOFF * q {
            sum += gaussian_1d(xr + n * l, eps) + gaussian_1d(xr - n * l, eps);
            n += 1.0;
        }
        sum
    } else {
        let theta = 2.0 * PI * xr / l;
        let mut sum = 1.0;
        let mut k = 1.0_f64;
        while PI * k * q <= PERIODIC_CUTOFF {
            let a = PI * k * q;
            sum += 2.0 * (-a * a).exp() * (k * theta).cos();
            k += 1.0;
        }
        sum / l
    }
}

/// Monaghan's `M4'` remeshing kernel in grid units (paper 2, Section 2.2.2):
///
/// ```text
/// W(s) = 1 - 5 s^2 / 2 + 3 |s|^3 / 2     for |s| < 1
///        (2 - |s|)^2 (1 - |s|) / 2       for 1 <= |s| < 2
///        0                               for |s| >= 2
/// ```
///
/// Interpolating (`W(0) = 1`, `W(j) = 0` for integers `j != 0`), continuous
/// with a continuous first derivative, support radius 2. It reproduces
/// polynomials of degree at most 2 exactly,
/// `sum_j j^m W(x - j) = x^m` for `m = 0, 1, 2` and every `x`, which is why
/// `M4'` remeshing conserves the moments 0, 1 and 2; it does not reproduce
/// `x^3`, so the interpolation is third-order accurate. It takes negative
/// values for `1 < |s| < 2`. A NaN argument gives NaN.
pub fn m4prime(s: f64) -> f64 {
    let a = s.abs();
    if a >= 2.0 {
        0.0
    } else if a >= 1.0 {
        let b = 2.0 - a;
        0.5 * b * b * (1.0 - a)
    } else {
        1.0 - a * a * (2.5 - 1.5 * a)
    }
}

/// The four `M4'` weights of a point at `base + t` (grid units, `base`
/// an integer, `0 <= t < 1`) on the nodes `base - 1 ..= base + 2`:
/// `[W(1 + t), W(t), W(1 - t), W(2 - t)]`, as branch-free polynomials
/// in `t` (the stencil of every projection and interpolation).
///
/// ```
/// use particle_core::kernels::{m4prime, m4prime_weights};
/// let t = 0.3;
/// let w = m4prime_weights(t);
/// for (k, wk) in w.iter().enumerate() {
///     assert!((wk - m4prime(t + 1.0 - k as f64)).abs() < 1e-15);
/// }
/// assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-15);
/// ```
pub fn m4prime_weights(t: f64) -> [f64; 4] {
    let u = 1.0 - t;
    [
        -0.5 * t * u * u,
        1.0 - t * t * (2.5 - 1.5 * t),
        1.0 - u * u * (2.5 - 1.5 * u),
        -0.5 * t * t * u,
    ]
}

/// The tensorised `M4'` kernel `W(s_0) W(s_1)` in grid units (paper 2,
/// Section 2.2.2, `W_d(r) = prod_i W(r_i)`).
pub fn m4prime_2d(s: [f64; 2]) -> f64 {
    m4prime(s[0]) * m4prime(s[1])
}

/// The linear hat `max(0, 1 - |s|)` in grid units.
///
/// Interpolating, support radius 1; reproduces constants and linear
/// functions (`sum_j j^m hat(x - j) = x^m` for `m = 0, 1`), so hat remeshing
/// conserves the moments 0 and 1 only. A NaN argument gives NaN.
pub fn hat(s: f64) -> f64 {
    let a = s.abs();
    if a >= 1.0 { 0.0 } else { 1.0 - a }
}

/// The tensorised hat `hat(s_0) hat(s_1)` in grid units.
pub fn hat_2d(s: [f64; 2]) -> f64 {
    hat(s[0]) * hat(s[1])
}

/// A kernel shape, for the code that must know how far a kernel reaches
/// (cell-list reconstruction, remeshing stencils).
///
/// Shapes are in their own unit: the Gaussian `zeta` with `eps = 1`, `M4'`
/// and the hat in grid units. Multiply a radius by `eps` or by the grid
/// spacing to get a distance. The PSE kernel `eta = 4 zeta` has the shape of
/// [`Kernel::Gaussian`] and shares its radius (the tail fraction of its mass
/// is the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// The Gaussian `zeta(x) = pi^{-d/2} exp(-|x|^2)`.
    Gaussian,
    /// Monaghan's `M4'`, tensorised in 2D: [`m4prime`].
    M4Prime,
    /// The linear hat, tensorised in 2D: [`hat`].
    Hat,
}

impl Kernel {
    /// The cut-off radius in the kernel's own unit: beyond it, at most a
    /// fraction `tol` of the kernel's mass lies.
    ///
    /// * `Gaussian`: `r = sqrt(ln(1 / tol))`, valid in 1D and 2D. In 2D the
    ///   mass outside the disc of radius `r` is exactly `exp(-r^2) = tol`; in
    ///   1D it is `erfc(r) <= exp(-r^2) = tol` (for `r >= 0`), so the radius
    ///   is larger than needed, by 4 % to 8 % for `tol` between `1e-12` and
    ///   `1e-6` (`erfc(r) ~ exp(-r^2) / (r sqrt(pi))`). A cut-off by the
    ///   square `max_i |x_i| <= r` leaves out even less than the disc.
    /// * `M4Prime`: 2, `Hat`: 1, whatever `tol` (the support is compact; the
    ///   mass outside is exactly 0).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTolerance`] if `tol` is not in the open interval
    /// `(0, 1)` (for every shape, so that a bad tolerance is found whichever
    /// kernel a run uses).
    pub fn radius(self, tol: f64) -> Result<f64> {
        if !(tol > 0.0 && tol < 1.0) {
            return Err(Error::InvalidTolerance { value: tol });
        }
        Ok(match self {
            Self::Gaussian => (-tol.ln()).sqrt(),
            Self::M4Prime => 2.0,
            Self::Hat => 1.0,
        })
    }

    /// The 1D kernel at `s`, in the kernel's own unit (`eps = 1`, grid
    /// spacing 1).
    pub fn eval_1d(self, s: f64) -> f64 {
        match self {
            Self::Gaussian => FRAC_1_SQRT_PI * (-s * s).exp(),
            Self::M4Prime => m4prime(s),
            Self::Hat => hat(s),
        }
    }

    /// The 2D kernel at `s`, in the kernel's own unit (`eps = 1`, grid
    /// spacing 1).
    pub fn eval_2d(self, s: [f64; 2]) -> f64 {
        match self {
            Self::Gaussian => (-(s[0] * s[0] + s[1] * s[1])).exp() / PI,
            Self::M4Prime => m4prime_2d(s),
            Self::Hat => hat_2d(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PERIODIC_CUTOFF, PERIODIC_TRUNCATION_TOL};

    #[test]
    fn periodic_cutoff_matches_the_tolerance() {
        let from_tol = (-PERIODIC_TRUNCATION_TOL.ln()).sqrt();
        assert!((PERIODIC_CUTOFF - from_tol).abs() <= 1e-14 * from_tol);
    }
}
