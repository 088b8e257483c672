//! Bessel functions of the first kind `J0`, `J1` and the first positive zero
//! `j_{1,1}` of `J1`, which fixes the Lamb–Chaplygin wavenumber
//! `k R = j_{1,1}` (paper 2, Section 5.1.2).
//!
//! `J0` and `J1` come from the `pxfm` crate (measured accurate to about
//! `2e-15` absolute on `[0, 50]` against the Bessel integral, see
//! `tests/bessel.rs`).

/// `j_{1,1}`, the first positive zero of `J1` (Abramowitz & Stegun,
/// Table 9.5; DLMF §10.21), rounded to `f64`.
///
/// [`j1_first_zero`] recomputes it by Newton iteration on [`j1`].
pub const J1_FIRST_ZERO: f64 = 3.831_705_970_207_512_3;

/// Bessel function of the first kind of order 0, `J0(x)`.
///
/// Defined for every real `x` (`J0` is even); NaN gives NaN.
#[must_use]
pub fn j0(x: f64) -> f64 {
    pxfm::f_j0(x)
}

/// Bessel function of the first kind of order 1, `J1(x)`.
///
/// Defined for every real `x` (`J1` is odd); NaN gives NaN.
#[must_use]
pub fn j1(x: f64) -> f64 {
    pxfm::f_j1(x)
}

/// `J1(x) / x`, continuous at `x = 0` where it equals `1/2`.
///
/// Below `1e-4` the Taylor series `1/2 - x^2/16 + x^4/384` is used: its
/// first omitted term, `x^6/18432`, is below `1e-28`.
pub(crate) fn j1_over_x(x: f64) -> f64 {
    if x.abs() < 1e-4 {
        let x2 = x * x;
        0.5 - x2 / 16.0 + x2 * x2 / 384.0
    } else {
        j1(x) / x
    }
}

/// `J2(x) = 2 J1(x)/x - J0(x)` (the three-term recurrence, DLMF 10.6.1).
///
/// The subtraction loses relative accuracy for small `x`, where
/// `J2(x) ~ x^2/8`, but its absolute error stays at rounding level, which is
/// what the Lamb–Chaplygin velocity needs.
pub(crate) fn j2(x: f64) -> f64 {
    2.0 * j1_over_x(x) - j0(x)
}

/// `j_{1,1}` computed by Newton iteration on `J1` from `3.8`, using
/// `J1'(x) = J0(x) - J1(x)/x` (DLMF 10.6.2).
///
/// Agrees with [`J1_FIRST_ZERO`] to rounding; the iteration stops when the
/// Newton step falls below `1e-15` (convergence from `3.8` is quadratic and
/// takes a handful of steps) or, as a safeguard, after 50 steps.
#[must_use]
pub fn j1_first_zero() -> f64 {
    let mut x: f64 = 3.8;
    for _ in 0..50 {
        let step = j1(x) / (j0(x) - j1(x) / x);
        x -= step;
        if step.abs() < 1e-15 {
            break;
        }
    }
    x
}
