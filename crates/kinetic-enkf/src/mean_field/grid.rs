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
//! * Flux: MUSCL with slopes limited by the monotonised-central (MC)
//!   limiter, upwind at each face, `F = v+ f_L + v- f_R`; zero flux
//!   through the two ends (walls). The update
//!   `f_i -= dt/h (F_{i+1/2} - F_{i-1/2})` telescopes, so the mass changes
//!   only by rounding.
//! * Time: the SSP Runge–Kutta 2 (Heun) method, `C_uG` recomputed at each
//!   stage. Since the limited face values lie in `[0, 2 f_i]`, a
//!   forward-Euler stage keeps `f >= 0` when `dt max|v| / h <= 1/4`
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
//! it is less than half the current domain, or when `m ± (3/4) k sd`
//! sticks out of it (a hysteresis that stops a box from chasing the
//! `O(h^2)` inflation of the variance that its own remap causes), the grid
//! is replaced by `N` cells on the target domain; `N >= 4 k` keeps at least
//! two cells per standard deviation. The remap is conservative and
//! positive: the minmod-limited linear reconstruction of the old cells is
//! integrated exactly over the overlaps with the new cells; mass of the old
//! domain outside the new one (for a Gaussian and `k = 8`, below `1e-15`
//! of the total) is put into the end cells, never dropped, and its total
//! is reported by [`Grid1d::folded_mass`].
//!
//! The time step, the positivity bound, the limiter and the overlaps of a
//! remap are shared with [`Grid2d`](super::Grid2d) (module
//! `finite_volume`).

use super::finite_volume::{
    Axis, GAUSS3, Mesh, Solver, check_density, check_params, face_velocities, grid_gain,
    line_slopes, minmod, monotonised_central, overlaps, upwind,
};
use crate::error::{Error, Result};
use crate::problem::InverseProblem;

/// Resolution and stability parameters of [`Grid1d`] and
/// [`Grid2d`](super::Grid2d).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridParams {
    /// Number of cells `N` per axis, kept through every re-grid; at least
    /// 4 and at least `4 k` (two cells per standard deviation, module
    /// `finite_volume`).
    pub cells: usize,
    /// Half-width `k` of the domain in standard deviations (positive):
    /// a re-grid goes to `m ± k sd` (per axis).
    pub half_width: f64,
    /// Courant number `dt sum_a max|v_a| / h_a` (`dt max|v| / h` in
    /// `d = 1`), in `(0, 1/4]` (positivity, module docs).
    pub cfl: f64,
    /// Largest number of time steps per call of `advance_to`.
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
    solver: Solver<'a, Line>,
}

/// The cells of [`Grid1d`] with the images of `G` and the velocities at
/// their centres and faces.
#[derive(Debug)]
struct Line {
    axis: Axis,
    centres: Vec<f64>,
    centre_images: Vec<f64>,
    face_images: Vec<f64>,
    velocity: Vec<f64>,
    slopes: Vec<f64>,
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
    /// * [`Error::InvalidParameter`] for fewer than 4 or `4 k` cells, a half-width
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
        let axis = Axis::new(lo, hi, params.cells)?;
        let (nodes, weights) = GAUSS3;
        let mut f = Vec::with_capacity(axis.n);
        for i in 0..axis.n {
            let c = axis.centre(i);
            let mut avg = 0.0;
            for (node, weight) in nodes.iter().zip(weights) {
                avg += weight * check_density(f0(c + axis.h * node))?;
            }
            f.push(avg);
        }
        let mesh = Line::new(problem, axis)?;
        Ok(Self {
            solver: Solver::new(problem, params, mesh, f)?,
        })
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.solver.time
    }

    /// The cell averages `f_i`.
    pub fn values(&self) -> &[f64] {
        &self.solver.f
    }

    /// The cell width `h`.
    pub fn cell_width(&self) -> f64 {
        self.solver.mesh.axis.h
    }

    /// The current domain `(lo, hi)`.
    pub fn domain(&self) -> (f64, f64) {
        let axis = &self.solver.mesh.axis;
        (axis.lo, axis.hi())
    }

    /// The centre of cell `i`.
    pub fn centre(&self, i: usize) -> f64 {
        self.solver.mesh.axis.centre(i)
    }

    /// The mass `h sum_i f_i`.
    pub fn mass(&self) -> f64 {
        self.solver.mass()
    }

    /// The mean `h sum_i u_i f_i / M` (midpoint rule).
    pub fn mean(&self) -> f64 {
        line_moments(&self.solver.mesh.axis, &self.solver.f).0
    }

    /// The variance `h sum_i (u_i - m)^2 f_i / M` (midpoint rule).
    pub fn variance(&self) -> f64 {
        line_moments(&self.solver.mesh.axis, &self.solver.f).1
    }

    /// How many times the grid was moved to a new domain.
    pub fn regrids(&self) -> usize {
        self.solver.regrids
    }

    /// The number of time steps taken.
    pub fn steps(&self) -> usize {
        self.solver.steps
    }

    /// The total mass that re-grids moved from outside a new domain into
    /// its end cells (module docs).
    pub fn folded_mass(&self) -> f64 {
        self.solver.folded
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
        self.solver.advance_to(t)
    }
}

/// The mean and variance of the cell averages `f` on `axis` (midpoint
/// rule, normalised by the mass).
pub(crate) fn line_moments(axis: &Axis, f: &[f64]) -> (f64, f64) {
    let mass: f64 = f.iter().sum();
    let m = f
        .iter()
        .enumerate()
        .map(|(i, fi)| axis.centre(i) * fi)
        .sum::<f64>()
        / mass;
    let v = f
        .iter()
        .enumerate()
        .map(|(i, fi)| {
            let du = axis.centre(i) - m;
            du * du * fi
        })
        .sum::<f64>()
        / mass;
    (m, v)
}

impl Line {
    fn new(problem: &InverseProblem, axis: Axis) -> Result<Self> {
        let (n, k) = (axis.n, problem.observations());
        let mut line = Self {
            axis,
            centres: vec![0.0; n],
            centre_images: vec![0.0; n * k],
            face_images: vec![0.0; (n + 1) * k],
            velocity: vec![0.0; n + 1],
            slopes: vec![0.0; n],
        };
        line.evaluate_images(problem)?;
        Ok(line)
    }

    fn evaluate_images(&mut self, problem: &InverseProblem) -> Result<()> {
        let axis = self.axis;
        for (i, c) in self.centres.iter_mut().enumerate() {
            *c = axis.centre(i);
        }
        let faces: Vec<f64> = (0..=axis.n).map(|i| axis.face(i)).collect();
        problem.forward_into(&self.centres, &mut self.centre_images)?;
        problem.forward_into(&faces, &mut self.face_images)
    }
}

impl Mesh for Line {
    fn volume(&self) -> f64 {
        self.axis.h
    }

    fn velocities(&mut self, problem: &InverseProblem, f: &[f64]) -> Result<f64> {
        let gain = grid_gain(problem, &self.centres, &self.centre_images, f)?;
        let vmax = face_velocities(&gain, problem.data(), &self.face_images, &mut self.velocity);
        Ok(vmax / self.axis.h)
    }

    fn apply_flux(&mut self, out: &mut [f64], f: &[f64], dt: f64) {
        line_slopes(f, &mut self.slopes, monotonised_central);
        let ratio = dt / self.axis.h;
        let (n, s) = (f.len(), &self.slopes);
        // The end faces (walls) carry no flux.
        for (face, &v) in self.velocity.iter().enumerate().take(n).skip(1) {
            let (l, r) = (face - 1, face);
            let flux = upwind(v, f[l] + 0.5 * s[l], f[r] - 0.5 * s[r]);
            out[l] -= ratio * flux;
            out[r] += ratio * flux;
        }
    }

    fn regrid(
        &mut self,
        problem: &InverseProblem,
        f: &[f64],
        half_width: f64,
    ) -> Result<Option<(Vec<f64>, f64)>> {
        let (m, variance) = line_moments(&self.axis, f);
        let Some(new) = self.axis.target(m, variance.sqrt(), half_width) else {
            return Ok(None);
        };
        let remapped = remap(&self.axis, f, &new);
        *self = Self::new(problem, new)?;
        Ok(Some(remapped))
    }
}

/// The conservative, positive remap of the averages `f` on `old` onto
/// `new` (module docs); returns the new averages and the folded mass.
fn remap(old: &Axis, f: &[f64], new: &Axis) -> (Vec<f64>, f64) {
    let mut slopes = vec![0.0; f.len()];
    line_slopes(f, &mut slopes, minmod);
    let mut g = vec![0.0; new.n];
    let mut folded = 0.0;
    for o in overlaps(old, new) {
        let piece = o.length * (f[o.old] + slopes[o.old] * o.offset);
        if o.folded {
            folded += piece;
        }
        g[o.new] += piece;
    }
    for v in &mut g {
        *v /= new.h;
    }
    (g, folded)
}
