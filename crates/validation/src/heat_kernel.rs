//! The `2 pi`-periodic heat kernel and the exact solution of the 1D periodic
//! advection–diffusion problem (paper 2, Section 4.1, eq. (13)).
//!
//! ```text
//! K(x, t) = sum_{k in Z} (4 pi t)^{-1/2} exp(-(x - 2 pi k)^2 / (4 t))
//!         = 1/(2 pi) (1 + 2 sum_{m >= 1} exp(-m^2 t) cos(m x))
//! ```
//!
//! The first line (images) is what the paper writes and what
//! [`periodic_heat_kernel`] sums for `t <= FOURIER_SWITCH_TIME`; the second
//! (Poisson summation) is [`periodic_heat_kernel_fourier`], an independent
//! representation used beyond the switch and in tests.

use std::f64::consts::{PI, TAU};

use crate::error::{Error, Result, finite, positive};

/// Truncation tolerance of the kernel sums, relative to the exact value.
///
/// [`periodic_heat_kernel`] keeps enough terms that the terms it leaves out
/// add up to at most `IMAGE_SUM_TOLERANCE * K(x, t)` (a bound proved in the
/// source, not estimated). Floating-point rounding of the kept terms comes on
/// top (they are positive, so at most about one ulp per term, a few ulps in
/// practice), and values below the smallest positive `f64` underflow to zero
/// (e.g. `K(pi, 1e-3) ~ 1e-1071`).
pub const IMAGE_SUM_TOLERANCE: f64 = 1e-16;

/// Above this time [`periodic_heat_kernel`] sums the Fourier series instead
/// of the images.
///
/// The number of images needed grows like `sqrt(t)` (20 per side at
/// `t = 100`), while beyond `t = 100` the Fourier series needs only its
/// constant mode: `K` equals `1/(2 pi)` up to a relative `2 e^{-100} ~ 7e-44`,
/// so the absolute Fourier guarantee is also relative there.
pub const FOURIER_SWITCH_TIME: f64 = 100.0;

/// Smallest time accepted by [`periodic_heat_kernel_fourier`].
///
/// The Fourier series needs about `sqrt(37 / t)` modes (196 at `t = 1e-3`);
/// below this time use the image sum, [`periodic_heat_kernel`].
pub const FOURIER_MIN_TIME: f64 = 1e-3;

/// The `2 pi`-periodic heat kernel `K(x, t)` (paper 2, Section 4.1).
///
/// `x` is reduced modulo `2 pi` (the `f64` nearest to it) to `[-pi, pi]`.
/// For `t <= FOURIER_SWITCH_TIME` the images `k = -n..=n` are summed, with
/// `n` the smallest count whose omitted tail is below
/// `IMAGE_SUM_TOLERANCE * K(x, t)`; beyond, the Fourier series is summed to
/// the same relative tolerance.
///
/// # Errors
///
/// [`Error::NotFinite`] if `x` is NaN or infinite, [`Error::NotPositive`] if
/// `t` is not a positive finite number.
pub fn periodic_heat_kernel(x: f64, t: f64) -> Result<f64> {
    finite("x", x)?;
    positive("time", t)?;
    Ok(kernel(x, t))
}

/// `K(x, t)` for finite `x` and positive finite `t` (checked by callers).
fn kernel(x: f64, t: f64) -> f64 {
    if t > FOURIER_SWITCH_TIME {
        fourier_series(x, t)
    } else {
        image_sum(reduce(x), t)
    }
}

/// `x` reduced modulo `2 pi` to `[-pi, pi]`.
///
/// Points already in `[-pi, pi]` are kept as they are, so `K` is exactly even
/// there. For `|x| < 2 pi` the reduction is exact (`fmod` is exact and the
/// shift by `2 pi` is a subtraction of numbers within a factor two of each
/// other, exact by Sterbenz's lemma); beyond, it costs an ulp of `|x|`.
fn reduce(x: f64) -> f64 {
    if x.abs() <= PI {
        return x;
    }
    let r = x.rem_euclid(TAU);
    if r > PI { r - TAU } else { r }
}

/// Number of images on each side of `k = 0` that `image_sum` keeps at time
/// `t`.
///
/// With `|x| <= pi`, image `k` sits at distance `|x - 2 pi k| >= (2|k| - 1) pi`
/// from `x`, and the `k = 0` term is at least `A exp(-pi^2/(4t))` with
/// `A = (4 pi t)^{-1/2}`. The two images `+-m` together are therefore at most
/// `2 exp(-((2m - 1)^2 - 1) pi^2 / (4t)) = 2 exp(-m (m - 1) q)`, `q = pi^2/t`,
/// times the `k = 0` term, hence times `K`. For `m = n + 1 + j`,
/// `m (m - 1) >= n (n + 1) + j (2n + 1)`, so the geometric series gives
///
/// ```text
/// tail / K <= 2 exp(-n (n + 1) q) / (1 - exp(-(2n + 1) q)),
/// ```
///
/// and `n` is the smallest count (at least 1) for which this bound is at most
/// `IMAGE_SUM_TOLERANCE`. The loop ends for every positive `t`; for
/// `t <= FOURIER_SWITCH_TIME` it stops by `n = 20`.
fn image_count(t: f64) -> usize {
    let q = PI * PI / t;
    let mut n: usize = 1;
    loop {
        let nf = n as f64;
        let bound = 2.0 * (-nf * (nf + 1.0) * q).exp() / (1.0 - (-(2.0 * nf + 1.0) * q).exp());
        if bound <= IMAGE_SUM_TOLERANCE {
            return n;
        }
        n += 1;
    }
}

/// The image sum at a reduced `x` in `[-pi, pi]`, smallest terms first.
fn image_sum(x: f64, t: f64) -> f64 {
    let n = image_count(t);
    let gaussian = |y: f64| (-y * y / (4.0 * t)).exp();
    let mut sum = 0.0;
    for k in (1..=n).rev() {
        let shift = TAU * k as f64;
        sum += gaussian(x - shift) + gaussian(x + shift);
    }
    sum += gaussian(x);
    sum / (4.0 * PI * t).sqrt()
}

/// `K(x, t)` from its Fourier series (Poisson summation of the image sum):
/// `K = 1/(2 pi) (1 + 2 sum_{m >= 1} exp(-m^2 t) cos(m x))`.
///
/// The modes `m = 1..=M` are summed with `M` the smallest count for which
/// the omitted modes add up to at most `IMAGE_SUM_TOLERANCE / (2 pi)` in
/// absolute value, using `sum_{m > M} e^{-m^2 t} <= e^{-(M+1)^2 t} /
/// (1 - e^{-(2M+2) t})`. This is an absolute guarantee, relative to the mean
/// value `1/(2 pi)` of `K`: for small `t` the series cancels to values far
/// below it, where the image sum is the accurate representation.
///
/// # Errors
///
/// [`Error::NotFinite`] if `x` is NaN or infinite, [`Error::NotPositive`] if
/// `t` is not a positive finite number, [`Error::TooSmall`] if
/// `t < FOURIER_MIN_TIME` (the series would need too many modes).
pub fn periodic_heat_kernel_fourier(x: f64, t: f64) -> Result<f64> {
    finite("x", x)?;
    positive("time", t)?;
    if t < FOURIER_MIN_TIME {
        return Err(Error::TooSmall {
            name: "time",
            value: t,
            minimum: FOURIER_MIN_TIME,
        });
    }
    Ok(fourier_series(x, t))
}

/// Number of Fourier modes kept at time `t` (see
/// [`periodic_heat_kernel_fourier`]); about `sqrt(37 / t)`.
fn mode_count(t: f64) -> usize {
    let mut m: usize = 0;
    loop {
        let next = (m + 1) as f64;
        let bound = 2.0 * (-next * next * t).exp() / (1.0 - (-2.0 * next * t).exp());
        if bound <= IMAGE_SUM_TOLERANCE {
            return m;
        }
        m += 1;
    }
}

/// The Fourier series, smallest modes first.
fn fourier_series(x: f64, t: f64) -> f64 {
    let x = reduce(x);
    let mut sum = 0.0;
    for m in (1..=mode_count(t)).rev() {
        let mf = m as f64;
        sum += (-mf * mf * t).exp() * (mf * x).cos();
    }
    (1.0 + 2.0 * sum) / TAU
}

/// The 1D periodic advection–diffusion problem
/// `u_t + v u_x = D u_xx` on `[0, 2 pi)` (paper 2, eq. (13)) with the
/// initial condition `u(x, 0) = K(x - x0, sigma0^2 / 2)`.
///
/// Its exact solution is `u(x, t) = K(x - v t - x0, D t + sigma0^2 / 2)`,
/// see [`AdvectionDiffusion::exact`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdvectionDiffusion {
    /// Advection velocity `v` (any finite value).
    pub velocity: f64,
    /// Diffusion coefficient `D >= 0`.
    pub diffusion: f64,
    /// Initial centre `x0` (any finite value; taken modulo `2 pi`).
    pub x0: f64,
    /// Initial variance parameter `sigma0^2 > 0`; the initial profile is the
    /// periodic kernel at time `sigma0^2 / 2`, i.e. a wrapped Gaussian of
    /// variance `sigma0^2`.
    pub sigma0_sq: f64,
}

impl AdvectionDiffusion {
    /// The reference (ground-truth) problem of paper 2, Section 4.1:
    /// `v = 1.0`, `D = 0.05`, `x0 = 0.02`, `sigma0^2 = 0.5`.
    #[must_use]
    pub fn paper() -> Self {
        Self {
            velocity: 1.0,
            diffusion: 0.05,
            x0: 0.02,
            sigma0_sq: 0.5,
        }
    }

    /// Checks the parameters: all finite, `D >= 0`, `sigma0^2 > 0`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFinite`] for a NaN or infinite velocity, diffusion or
    /// `x0`, [`Error::Negative`] for `D < 0`, [`Error::NotPositive`] for
    /// `sigma0^2 <= 0` or infinite.
    pub fn validate(&self) -> Result<()> {
        finite("velocity", self.velocity)?;
        finite("diffusion", self.diffusion)?;
        finite("x0", self.x0)?;
        if self.diffusion < 0.0 {
            return Err(Error::Negative {
                name: "diffusion",
                value: self.diffusion,
            });
        }
        positive("sigma0_sq", self.sigma0_sq)?;
        Ok(())
    }

    /// The exact solution `u(x, t) = K(x - v t - x0, D t + sigma0^2 / 2)`.
    ///
    /// # Errors
    ///
    /// Those of [`AdvectionDiffusion::validate`]; [`Error::NotFinite`] if
    /// `x` or `t` is NaN or infinite or if `x - v t - x0` overflows;
    /// [`Error::Negative`] if `t < 0`; [`Error::NotPositive`] if
    /// `D t + sigma0^2 / 2` overflows or underflows to zero.
    pub fn exact(&self, x: f64, t: f64) -> Result<f64> {
        self.validate()?;
        finite("x", x)?;
        finite("time", t)?;
        if t < 0.0 {
            return Err(Error::Negative {
                name: "time",
                value: t,
            });
        }
        let shifted = finite("x - v t - x0", x - self.velocity * t - self.x0)?;
        let kernel_time = positive(
            "D t + sigma0^2 / 2",
            self.diffusion * t + 0.5 * self.sigma0_sq,
        )?;
        Ok(kernel(shifted, kernel_time))
    }
}
