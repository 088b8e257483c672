//! A conservative, positive finite-volume solver of eq. (13) in `d = 1`
//! with a domain that follows the concentrating density.
//!
//! # Scheme
//!
//! Cell averages `f_i` on `N` uniform cells of width `h` over `[lo, hi]`.
//! Eq. (13) in `d = 1` is `d_t f + d_u (v f) = 0` with the velocity
//! `v(t, u) = C_uG(t) Gamma (y - G(u))` (`= -C(t) Phi'(u)` for linear `G`,
//! as in [`particles`](super::particles)), where `C_uG` is computed from
//! the grid's own moments by the midpoint rule:
//! `m = h sum_i u_i f_i / M`, `C_uG = h sum_i (u_i - m)(G(u_i) - G-bar) f_i / M`
//! with `M = h sum_i f_i` the mass.
//!
//! * Flux: MUSCL, minmod-limited slopes, upwind at each face,
//!   `F = v+ f_L + v- f_R`; zero flux through the two ends (walls). The
//!   update `f_i -= dt/h (F_{i+1/2} - F_{i-1/2})` telescopes, so the mass
//!   changes only by rounding.
//! * Time: the SSP Runge–Kutta 2 (Heun) method, `C_uG` recomputed at each
//!   stage. Since a minmod reconstruction stays within `[0, 2 f_i]` in cell
//!   `i`, a forward-Euler stage keeps `f >= 0` when `dt max|v| / h <= 1/4`
//!   (outflow through both faces of a cell at once is the worst case), and
//!   so does the convex Heun combination. The step is `cfl h / max|v|`
//!   with `cfl <= 1/4` ([`GridParams`]); if the second stage's velocities
//!   exceed the bound the step is halved and redone.
//!
//! # Adaptive domain
//!
//! Without noise `f` concentrates (its variance decays like `1/t`), so a
//! fixed grid would soon resolve it with a few cells. After every step the
//! target domain `m ± k sd` is formed (`k = GridParams::half_width`); when
//! it is less than half the current domain or sticks out of it, the grid
//! is replaced by `N` cells on the target domain. The remap is conservative
//! and positive: the minmod-limited linear reconstruction of the old cells
//! is integrated exactly over the overlaps with the new cells; mass of the
//! old domain outside the new one (for a Gaussian and `k = 8`, below
//! `1e-15` of the total) is put into the end cells, never dropped, and its
//! total is reported by [`Grid1d::folded_mass`].

use crate::error::{Error, Result};
use crate::problem::InverseProblem;

/// Resolution and stability parameters of [`Grid1d`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridParams {
    /// Number of cells `N` (at least 4), kept through every re-grid.
    pub cells: usize,
    /// Half-width `k` of the domain in standard deviations (positive):
    /// a re-grid goes to `m ± k sd`.
    pub half_width: f64,
    /// CFL number `dt max|v| / h`, in `(0, 1/4]` (positivity, module docs).
    pub cfl: f64,
    /// Largest number of time steps per call of [`Grid1d::advance_to`].
    pub max_steps: usize,
}

impl Default for GridParams {
    /// `N = 200`, `k = 8`, `cfl = 0.2`, `max_steps = 1_000_000`.
    fn default() -> Self {
        Self {
            cells: 200,
            half_width: 8.0,
            cfl: 0.2,
            max_steps: 1_000_000,
        }
    }
}

/// The finite-volume solver of eq. (13) in `d = 1` (module docs).
#[derive(Debug)]
pub struct Grid1d<'a> {
    problem: &'a InverseProblem,
    params: GridParams,
    lo: f64,
    h: f64,
    f: Vec<f64>,
    centre_images: Vec<f64>,
    face_images: Vec<f64>,
    velocity: Vec<f64>,
    stage: Vec<f64>,
    time: f64,
    regrids: usize,
    steps: usize,
    folded: f64,
}

impl<'a> Grid1d<'a> {
    /// The grid of `params.cells` cells on `[lo, hi]` holding the cell
    /// averages of the initial density `f0` (3-point Gauss–Legendre per
    /// cell), at `t = 0`. `f0` need not be normalised; its mass is kept.
    ///
    /// # Errors
    ///
    /// * [`Error::DimensionMismatch`] if the problem's controls are not
    ///   scalar;
    /// * [`Error::InvalidParameter`] for fewer than 4 cells, a half-width
    ///   that is not positive and finite, a CFL number outside `(0, 1/4]`,
    ///   an interval that is not finite with `lo < hi`, a value of `f0`
    ///   that is negative or not finite, or zero mass;
    /// * the forward map's errors at the cell centres and faces.
    ///
    /// # Example
    ///
    /// `G = 1`, `y = 0`, `f0 = N(0, 1)`: the variance is `1 / (1 + 2t)`.
    ///
    /// ```
    /// use kinetic_enkf::InverseProblem;
    /// use kinetic_enkf::mean_field::{Grid1d, GridParams};
    ///
    /// let problem = InverseProblem::linear(&[1.0], 1, &[0.0], &[1.0])?;
    /// let gauss = |u: f64| (-0.5 * u * u).exp() / (2.0 * std::f64::consts::PI).sqrt();
    /// let mut grid = Grid1d::new(&problem, GridParams::default(), -8.0, 8.0, gauss)?;
    /// let mass = grid.mass();
    /// grid.advance_to(1.0)?;
    /// assert!((grid.mass() - mass).abs() < 1e-13);
    /// assert!((grid.variance() - 1.0 / 3.0).abs() < 5e-3);
    /// assert!(grid.values().iter().all(|&f| f >= 0.0));
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    pub fn new(
        problem: &'a InverseProblem,
        params: GridParams,
        lo: f64,
        hi: f64,
        f0: impl Fn(f64) -> f64,
    ) -> Result<Self> {
        if problem.dim() != 1 {
            return Err(Error::DimensionMismatch {
                what: "grid solver (scalar controls only)",
                dim: 1,
                expected: problem.dim(),
            });
        }
        check_params(&params)?;
        for (name, value) in [
            ("domain end lo (finite)", lo),
            ("domain end hi (finite, > lo)", hi),
        ] {
            if !value.is_finite() {
                return Err(Error::InvalidParameter { name, value });
            }
        }
        if hi <= lo {
            return Err(Error::InvalidParameter {
                name: "domain end hi (finite, > lo)",
                value: hi,
            });
        }
        let n = params.cells;
        let h = (hi - lo) / n as f64;
        // 3-point Gauss–Legendre nodes and weights on [-1, 1].
        let (x, w) = ((0.6f64).sqrt(), [5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0]);
        let mut f = Vec::with_capacity(n);
        for i in 0..n {
            let c = lo + (i as f64 + 0.5) * h;
            let mut avg = 0.0;
            for (node, weight) in [-x, 0.0, x].iter().zip(w) {
                let value = f0(c + 0.5 * h * node);
                if !(value.is_finite() && value >= 0.0) {
                    return Err(Error::InvalidParameter {
                        name: "initial density value (finite, non-negative)",
                        value,
                    });
                }
                avg += weight * value;
            }
            f.push(avg);
        }
        if f.iter().sum::<f64>() <= 0.0 {
            return Err(Error::InvalidParameter {
                name: "initial mass (positive)",
                value: 0.0,
            });
        }
        let k = problem.observations();
        let mut grid = Self {
            problem,
            params,
            lo,
            h,
            f,
            centre_images: vec![0.0; n * k],
            face_images: vec![0.0; (n + 1) * k],
            velocity: vec![0.0; n + 1],
            stage: vec![0.0; n],
            time: 0.0,
            regrids: 0,
            steps: 0,
            folded: 0.0,
        };
        grid.evaluate_images()?;
        Ok(grid)
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.time
    }

    /// The cell averages `f_i`.
    pub fn values(&self) -> &[f64] {
        &self.f
    }

    /// The cell width `h`.
    pub fn cell_width(&self) -> f64 {
        self.h
    }

    /// The current domain `(lo, hi)`.
    pub fn domain(&self) -> (f64, f64) {
        (self.lo, self.lo + self.h * self.f.len() as f64)
    }

    /// The centre of cell `i`.
    pub fn centre(&self, i: usize) -> f64 {
        self.lo + (i as f64 + 0.5) * self.h
    }

    /// The mass `h sum_i f_i`.
    pub fn mass(&self) -> f64 {
        self.h * self.f.iter().sum::<f64>()
    }

    /// The mean `h sum_i u_i f_i / M` (midpoint rule).
    pub fn mean(&self) -> f64 {
        self.weighted(|u| u) / self.mass()
    }

    /// The variance `h sum_i (u_i - m)^2 f_i / M` (midpoint rule).
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        self.weighted(|u| (u - m) * (u - m)) / self.mass()
    }

    /// How many times the grid was moved to a new domain.
    pub fn regrids(&self) -> usize {
        self.regrids
    }

    /// The number of time steps taken.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The total mass that re-grids moved from outside a new domain into
    /// its end cells (module docs).
    pub fn folded_mass(&self) -> f64 {
        self.folded
    }

    /// Time steps (CFL-limited, the last one shortened) up to time `t`,
    /// re-gridding where the module docs say; nothing if `t` is not after
    /// the current time.
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidParameter`] for a non-finite `t`;
    /// * [`Error::MaxStepsExceeded`] after `params.max_steps` steps;
    /// * the forward map's errors at new cell centres and faces.
    pub fn advance_to(&mut self, t: f64) -> Result<()> {
        if !t.is_finite() {
            return Err(Error::InvalidParameter {
                name: "final time t (finite)",
                value: t,
            });
        }
        let mut taken = 0;
        while self.time < t {
            if taken == self.params.max_steps {
                return Err(Error::MaxStepsExceeded {
                    max_steps: self.params.max_steps,
                    time: self.time,
                });
            }
            let remaining = t - self.time;
            let dt = self.step(remaining)?;
            self.time = if dt >= remaining { t } else { self.time + dt };
            taken += 1;
            self.steps += 1;
            self.regrid_if_needed()?;
        }
        Ok(())
    }

    /// One Heun step of at most `remaining`; returns its length.
    fn step(&mut self, remaining: f64) -> Result<f64> {
        const LAMBDA_MAX: f64 = 0.25;
        let f = self.f.clone();
        let vmax = self.face_velocities(&f)?;
        let mut dt = if vmax > 0.0 {
            (self.params.cfl * self.h / vmax).min(remaining)
        } else {
            remaining
        };
        loop {
            // Stage 1: f1 = f + dt L(f), velocities of f.
            self.stage.copy_from_slice(&f);
            apply_flux(&mut self.stage, &f, &self.velocity, dt / self.h);
            // Stage 2: f_new = (f + f1 + dt L(f1)) / 2, velocities of f1.
            let f1 = self.stage.clone();
            if self.face_velocities(&f1)? * dt / self.h > LAMBDA_MAX {
                dt *= 0.5;
                self.face_velocities(&f)?;
                continue;
            }
            let mut f2 = f1.clone();
            apply_flux(&mut f2, &f1, &self.velocity, dt / self.h);
            for ((out, a), b) in self.f.iter_mut().zip(&f).zip(&f2) {
                *out = 0.5 * (a + b);
            }
            return Ok(dt);
        }
    }

    /// Fills `self.velocity` at the faces for the density `f`; returns
    /// `max |v|`.
    #[allow(non_snake_case)]
    fn face_velocities(&mut self, f: &[f64]) -> Result<f64> {
        let k = self.problem.observations();
        let mass: f64 = f.iter().sum();
        let m = (0..f.len()).map(|i| self.centre(i) * f[i]).sum::<f64>() / mass;
        let mut g_bar = vec![0.0; k];
        for (g, fi) in self.centre_images.chunks_exact(k).zip(f) {
            for (b, x) in g_bar.iter_mut().zip(g) {
                *b += fi * x / mass;
            }
        }
        let mut C_uG = vec![0.0; k];
        for (i, (g, fi)) in self.centre_images.chunks_exact(k).zip(f).enumerate() {
            let du = self.centre(i) - m;
            for ((c, x), b) in C_uG.iter_mut().zip(g).zip(&g_bar) {
                *c += fi * du * (x - b) / mass;
            }
        }
        let gain = self.problem.noise_factor().solve(&C_uG, 1)?;
        let y = self.problem.data();
        let mut vmax: f64 = 0.0;
        for (v, g) in self
            .velocity
            .iter_mut()
            .zip(self.face_images.chunks_exact(k))
        {
            *v = gain
                .iter()
                .zip(y)
                .zip(g)
                .map(|((m, y), g)| m * (y - g))
                .sum();
            vmax = vmax.max(v.abs());
        }
        if !vmax.is_finite() {
            return Err(Error::InvalidParameter {
                name: "grid velocity (finite)",
                value: vmax,
            });
        }
        Ok(vmax)
    }

    fn weighted(&self, w: impl Fn(f64) -> f64) -> f64 {
        self.h
            * (0..self.f.len())
                .map(|i| w(self.centre(i)) * self.f[i])
                .sum::<f64>()
    }

    fn regrid_if_needed(&mut self) -> Result<()> {
        let (m, sd) = (self.mean(), self.variance().sqrt());
        let k = self.params.half_width;
        let (lo, hi) = (m - k * sd, m + k * sd);
        let (cur_lo, cur_hi) = self.domain();
        let too_wide = hi - lo < 0.5 * (cur_hi - cur_lo);
        let outside = lo < cur_lo || hi > cur_hi;
        if !(too_wide || outside) || !(sd > 0.0 && sd.is_finite()) {
            return Ok(());
        }
        self.remap(lo, (hi - lo) / self.f.len() as f64);
        self.regrids += 1;
        self.evaluate_images()
    }

    /// Conservative, positive remap onto `N` cells of width `h` from `lo`
    /// (module docs).
    fn remap(&mut self, lo: f64, h: f64) {
        let n = self.f.len();
        let slopes = minmod_slopes(&self.f);
        let mut g = vec![0.0; n];
        // New bins: -1 = (-inf, lo), 0..n the cells, n = [hi, inf).
        let right = |k: isize| -> f64 {
            if k >= n as isize {
                f64::INFINITY
            } else {
                lo + (k + 1) as f64 * h
            }
        };
        let mut k: isize = -1;
        for (i, (&fi, &si)) in self.f.iter().zip(&slopes).enumerate() {
            let (a, b) = (
                self.lo + i as f64 * self.h,
                self.lo + (i + 1) as f64 * self.h,
            );
            let c = 0.5 * (a + b);
            let mut x = a;
            loop {
                while right(k) <= x {
                    k += 1;
                }
                let end = right(k).min(b);
                let piece = (end - x) * (fi + si * (0.5 * (x + end) - c) / self.h);
                let bin = k.clamp(0, n as isize - 1) as usize;
                if bin as isize != k {
                    self.folded += piece;
                }
                g[bin] += piece;
                if end >= b {
                    break;
                }
                x = end;
            }
        }
        for v in &mut g {
            *v /= h;
        }
        self.f = g;
        self.lo = lo;
        self.h = h;
    }

    fn evaluate_images(&mut self) -> Result<()> {
        let n = self.f.len();
        let centres: Vec<f64> = (0..n).map(|i| self.centre(i)).collect();
        let faces: Vec<f64> = (0..=n).map(|i| self.lo + i as f64 * self.h).collect();
        self.problem
            .forward_into(&centres, &mut self.centre_images)?;
        self.problem.forward_into(&faces, &mut self.face_images)
    }
}

fn check_params(p: &GridParams) -> Result<()> {
    if p.cells < 4 {
        return Err(Error::InvalidParameter {
            name: "number of cells (at least 4)",
            value: p.cells as f64,
        });
    }
    if !(p.half_width.is_finite() && p.half_width > 0.0) {
        return Err(Error::InvalidParameter {
            name: "half-width in standard deviations (positive, finite)",
            value: p.half_width,
        });
    }
    if !(p.cfl > 0.0 && p.cfl <= 0.25) {
        return Err(Error::InvalidParameter {
            name: "CFL number (in (0, 1/4])",
            value: p.cfl,
        });
    }
    Ok(())
}

/// Minmod-limited differences per cell (zero ghost cells outside).
fn minmod_slopes(f: &[f64]) -> Vec<f64> {
    let n = f.len();
    (0..n)
        .map(|i| {
            let left = f[i] - if i == 0 { 0.0 } else { f[i - 1] };
            let right = if i + 1 == n { 0.0 } else { f[i + 1] } - f[i];
            if left * right <= 0.0 {
                0.0
            } else if left.abs() < right.abs() {
                left
            } else {
                right
            }
        })
        .collect()
}

/// `out -= ratio (F_{i+1/2} - F_{i-1/2})` with the MUSCL upwind fluxes of
/// `f` for the face velocities `v` (`N + 1`; the end faces carry no flux).
fn apply_flux(out: &mut [f64], f: &[f64], v: &[f64], ratio: f64) {
    let n = f.len();
    let s = minmod_slopes(f);
    for (face, &vf) in v.iter().enumerate().take(n).skip(1) {
        let (l, r) = (face - 1, face);
        let f_left = f[l] + 0.5 * s[l];
        let f_right = f[r] - 0.5 * s[r];
        let flux = vf.max(0.0) * f_left + vf.min(0.0) * f_right;
        out[l] -= ratio * flux;
        out[r] += ratio * flux;
    }
}
