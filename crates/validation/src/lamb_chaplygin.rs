//! The Lamb–Chaplygin dipole (paper 2, Section 5.1.2), in an unbounded
//! inviscid fluid at rest at infinity.
//!
//! With polar coordinates `(r, theta)` about the centre and
//! `phi = theta - alpha` (SPEC, "Conventions"):
//!
//! ```text
//! omega = -2 k U J1(k r) / J0(k R) sin(phi)   for r < R, else 0,   k R = j_{1,1},
//! Laplacian(psi) = -omega,   u = d psi/dy,   v = -d psi/dx.
//! ```
//!
//! In the frame moving with the dipole the stream function is
//! `psi' = psi - U r sin(phi)`: outside the core it is the potential flow
//! past a cylinder, `psi' = -U (r - R^2/r) sin(phi)`; inside,
//! `psi' = C J1(k r) sin(phi)` solves `Laplacian(psi') = -k^2 psi'`, and
//! matching `d psi'/dr` at `r = R` (where `J1'(k R) = J0(k R)` because
//! `J1(k R) = 0`) gives `C = -2 U / (k J0(k R))`. In the laboratory frame
//! `psi = f(r) sin(phi)` with
//!
//! ```text
//! f(r) = U r - 2 U J1(k r) / (k J0(k R))   for r < R,
//! f(r) = U R^2 / r                         for r >= R,
//! ```
//!
//! so the exterior flow is the potential dipole of a cylinder of radius `R`
//! moving with velocity `U (cos alpha, sin alpha)`.

use crate::bessel::{J1_FIRST_ZERO, j0, j1_over_x, j2};
use crate::error::{Result, finite, positive};

/// A Lamb–Chaplygin dipole of radius `R` centred at `center`, translating
/// with speed `U` in the direction `(cos alpha, sin alpha)`.
///
/// Fields are public; [`LambChaplygin::new`] and
/// [`LambChaplygin::validate`] check them. The evaluation methods do not
/// fail: on a dipole that does not validate they return NaN or meaningless
/// values, never panic.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LambChaplygin {
    /// Centre of the dipole.
    pub center: [f64; 2],
    /// Radius `R > 0` of the vortical core.
    pub radius: f64,
    /// Translation speed `U` (any finite value; negative reverses the
    /// direction of travel and the sign of the vorticity).
    pub speed: f64,
    /// Direction of travel `alpha`, in radians from the x axis.
    pub alpha: f64,
}

impl LambChaplygin {
    /// A dipole after checking its parameters.
    ///
    /// # Errors
    ///
    /// [`crate::Error::NotFinite`] if a centre coordinate, the speed or
    /// `alpha` is NaN or infinite; [`crate::Error::NotPositive`] if the
    /// radius is not a positive finite number.
    pub fn new(center: [f64; 2], radius: f64, speed: f64, alpha: f64) -> Result<Self> {
        let dipole = Self {
            center,
            radius,
            speed,
            alpha,
        };
        dipole.validate()?;
        Ok(dipole)
    }

    /// The ground truth of paper 2, Section 5.1.2 (SPEC scenario):
    /// centre `(pi/2, pi/2)`, `R = 0.5`, `U = 0.25`, `alpha = 7 pi / 8`.
    #[must_use]
    pub fn paper() -> Self {
        use std::f64::consts::{FRAC_PI_2, PI};
        Self {
            center: [FRAC_PI_2, FRAC_PI_2],
            radius: 0.5,
            speed: 0.25,
            alpha: 7.0 * PI / 8.0,
        }
    }

    /// Checks the parameters, as [`LambChaplygin::new`] does.
    ///
    /// # Errors
    ///
    /// As [`LambChaplygin::new`].
    pub fn validate(&self) -> Result<()> {
        finite("center x", self.center[0])?;
        finite("center y", self.center[1])?;
        positive("radius", self.radius)?;
        finite("speed", self.speed)?;
        finite("alpha", self.alpha)?;
        Ok(())
    }

    /// The wavenumber `k = j_{1,1} / R`.
    #[must_use]
    pub fn wavenumber(&self) -> f64 {
        J1_FIRST_ZERO / self.radius
    }

    /// The translation velocity `U (cos alpha, sin alpha)`.
    #[must_use]
    pub fn translation_velocity(&self) -> [f64; 2] {
        let (sin, cos) = self.alpha.sin_cos();
        [self.speed * cos, self.speed * sin]
    }

    /// Offsets `(dx, dy)` from the centre, their norm `r`, and
    /// `eta = r sin(phi) = -dx sin(alpha) + dy cos(alpha)`, the coordinate
    /// across the direction of travel.
    fn local(&self, p: [f64; 2]) -> Local {
        let dx = p[0] - self.center[0];
        let dy = p[1] - self.center[1];
        let (sin, cos) = self.alpha.sin_cos();
        Local {
            dx,
            dy,
            r: dx.hypot(dy),
            eta: -dx * sin + dy * cos,
        }
    }

    /// The vorticity `omega(p)`; zero outside the core (`r >= R`).
    #[must_use]
    pub fn vorticity(&self, p: [f64; 2]) -> f64 {
        let Local { r, eta, .. } = self.local(p);
        if r >= self.radius {
            return 0.0;
        }
        let k = self.wavenumber();
        // J1(k r) sin(phi) = k (J1(k r)/(k r)) eta, smooth through r = 0.
        -2.0 * k * k * self.speed / j0(J1_FIRST_ZERO) * j1_over_x(k * r) * eta
    }

    /// `g(r) = f(r) / r`, so that `psi = g(r) eta`.
    fn radial_factor(&self, r: f64) -> f64 {
        let (u, big_r) = (self.speed, self.radius);
        if r >= big_r {
            u * big_r * big_r / (r * r)
        } else {
            u - 2.0 * u / j0(J1_FIRST_ZERO) * j1_over_x(self.wavenumber() * r)
        }
    }

    /// The laboratory-frame stream function `psi(p) = f(r) sin(phi)`
    /// (continuous, zero at the centre, decaying like `1/r` at infinity).
    #[must_use]
    pub fn stream_function(&self, p: [f64; 2]) -> f64 {
        let local = self.local(p);
        self.radial_factor(local.r) * local.eta
    }

    /// The laboratory-frame fluid velocity `(u, v) = (d psi/dy, -d psi/dx)`,
    /// evaluated analytically.
    ///
    /// This is the velocity of the fluid, not of the dipole: at the centre
    /// it is `U (1 - 1/J0(j_{1,1})) (cos alpha, sin alpha)`, about `3.48`
    /// times [`LambChaplygin::translation_velocity`].
    #[must_use]
    pub fn velocity(&self, p: [f64; 2]) -> [f64; 2] {
        let Local { dx, dy, r, eta } = self.local(p);
        let (u, big_r) = (self.speed, self.radius);
        // g'(r) r, the radial derivative of g times r, multiplies the bounded
        // ratios dx eta / r^2 and dy eta / r^2:
        //   inside, g' = (2U/J0(kR)) J2(k r) / r (from d/dz[J1(z)/z] = -J2(z)/z),
        //   outside, g' = -2 U R^2 / r^3.
        let g_prime_r = if r >= big_r {
            -2.0 * u * (big_r / r) * (big_r / r)
        } else {
            2.0 * u / j0(J1_FIRST_ZERO) * j2(self.wavenumber() * r)
        };
        let (cx, cy) = if r > 0.0 {
            ((dx / r) * (eta / r), (dy / r) * (eta / r))
        } else {
            (0.0, 0.0)
        };
        let g = self.radial_factor(r);
        let (sin, cos) = self.alpha.sin_cos();
        // psi = g(r) eta, d eta/dx = -sin(alpha), d eta/dy = cos(alpha).
        let dpsi_dx = g_prime_r * cx - g * sin;
        let dpsi_dy = g_prime_r * cy + g * cos;
        [dpsi_dy, -dpsi_dx]
    }

    /// The vorticity on the tensor grid `xs x ys`, row-major:
    /// entry `iy * xs.len() + ix` is `omega([xs[ix], ys[iy]])`.
    #[must_use]
    pub fn sample_vorticity(&self, xs: &[f64], ys: &[f64]) -> Vec<f64> {
        ys.iter()
            .flat_map(|&y| xs.iter().map(move |&x| self.vorticity([x, y])))
            .collect()
    }
}

/// Coordinates of a point relative to the dipole.
struct Local {
    dx: f64,
    dy: f64,
    r: f64,
    eta: f64,
}
