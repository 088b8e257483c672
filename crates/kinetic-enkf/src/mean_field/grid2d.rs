//! A conservative, positive finite-volume solver of eq. (13) in `d = 2`
//! with a domain that follows the concentrating density: the
//! two-dimensional sibling of [`Grid1d`](super::Grid1d).
//!
//! # Scheme
//!
//! Cell averages `f_ij` on `N × N` uniform cells of widths `h_x`, `h_y`
//! over the box `[lo_x, hi_x] × [lo_y, hi_y]` (`i` along `u_0`, `j` along
//! `u_1`, stored row-major as `f[j N + i]`). Eq. (13) is
//! `d_t f + div (v f) = 0` with the velocity
//! `v(t, u) = C_uG(t) Gamma (y - G(u))` (`= -C(t) grad Phi(u)` for linear
//! `G`), `C_uG` from the grid's own moments by the midpoint rule as in
//! `d = 1`. The update is unsplit, in flux form:
//!
//! ```text
//! f_ij -= dt/h_x (F_{i+1/2,j} - F_{i-1/2,j}) + dt/h_y (F_{i,j+1/2} - F_{i,j-1/2}),
//! ```
//!
//! with the upwind flux `F = v+ f_L + v- f_R` of the normal velocity at
//! the face midpoint and MUSCL face values from slopes along the face
//! normal limited by the monotonised-central limiter; zero flux through the four walls. Every face flux is
//! taken from one cell and given to the other, so the mass changes only by
//! rounding. The time step is the SSP Runge–Kutta 2 (Heun) method, `C_uG`
//! recomputed at each stage; a forward-Euler stage keeps `f >= 0` when the
//! Courant number `dt (max|v_0| / h_x + max|v_1| / h_y)` is at most 1/4
//! (the bound is derived in `finite_volume`), and the step is `cfl` over
//! the Courant rate, halved and redone if the second stage breaks the
//! bound ([`GridParams`]).
//!
//! # Adaptive domain
//!
//! As in `d = 1`, after every step each axis is compared with its target
//! `m_a ± k sd_a` (the marginal mean and standard deviation, `k =
//! GridParams::half_width`); an axis whose target is less than half its
//! length, or whose `m_a ± (3/4) k sd_a` sticks out of it, is replaced by
//! `N` cells on the target, the other axis kept (`N >= 4 k`; the reasons
//! for both are in `finite_volume`). The new box is the old one under an affine map of each
//! coordinate (a shift and a scaling), so the remap is a tensor product of
//! the one-dimensional overlaps: the limited linear reconstruction
//! `f_ij + s^x_ij xi + s^y_ij eta` of each old cell, non-negative on the
//! cell, is integrated exactly over its rectangular overlaps with the new
//! cells (minmod slopes, so that the reconstruction is non-negative up to
//! the corners). Mass outside the new box goes to the nearest cell of its edge,
//! never dropped, and is reported by [`Grid2d::folded_mass`].
//!
//! The box stays aligned with the axes: a density whose correlation
//! `rho` is close to `±1` fills a band of the box, and the cells across
//! the band number about `N sqrt(1 - rho^2)`.

use super::finite_volume::{
    Axis, GAUSS3, Mesh, Overlap, Solver, check_density, check_params, face_velocities, grid_gain,
    line_slopes, minmod, monotonised_central, overlaps, upwind,
};
use super::grid::GridParams;
use crate::error::{Error, Result};
use crate::moments::MomentState;
use crate::problem::InverseProblem;

/// The finite-volume solver of eq. (13) in `d = 2` (module docs).
#[derive(Debug)]
pub struct Grid2d<'a> {
    solver: Solver<'a, Plane>,
}

/// The cells of [`Grid2d`] with the images of `G` at the centres and face
/// midpoints, the normal velocities at the faces and the slopes.
#[derive(Debug)]
struct Plane {
    axes: [Axis; 2],
    /// Cell centres, `2 N^2`, cell `j N + i` at `2 (j N + i)`.
    centres: Vec<f64>,
    centre_images: Vec<f64>,
    /// Images at the midpoints of the faces normal to `u_0`: face `i` of
    /// row `j` at `j (N + 1) + i`.
    x_face_images: Vec<f64>,
    /// Images at the midpoints of the faces normal to `u_1`: face `j` of
    /// column `i` at `j N + i`.
    y_face_images: Vec<f64>,
    vx: Vec<f64>,
    vy: Vec<f64>,
    sx: Vec<f64>,
    sy: Vec<f64>,
}

impl<'a> Grid2d<'a> {
    /// The grid of `params.cells × params.cells` cells on the box
    /// `[lo[0], hi[0]] × [lo[1], hi[1]]` holding the cell averages of the
    /// initial density `f0` (3 × 3-point Gauss–Legendre per cell), at
    /// `t = 0`. `f0` need not be normalised; its mass is kept.
    ///
    /// # Errors
    ///
    /// * [`Error::DimensionMismatch`] if the problem's controls are not in
    ///   `R^2`;
    /// * [`Error::InvalidParameter`] for fewer than 4 or `4 k` cells, a half-width
    ///   that is not positive and finite, a CFL number outside `(0, 1/4]`,
    ///   a box side that is not finite with `lo < hi`, a value of `f0`
    ///   that is negative or not finite, or zero mass;
    /// * the forward map's errors at the cell centres and face midpoints.
    ///
    /// # Example
    ///
    /// `G = I`, `y = 0`, `Gamma^{-1} = I`, `f0 = N(0, I)`: the covariance is
    /// `I / (1 + 2t)`.
    ///
    /// ```
    /// use kinetic_enkf::InverseProblem;
    /// use kinetic_enkf::mean_field::{Grid2d, GridParams};
    ///
    /// let eye = [1.0, 0.0, 0.0, 1.0];
    /// let problem = InverseProblem::linear(&eye, 2, &[0.0, 0.0], &eye)?;
    /// let gauss = |u: [f64; 2]| (-0.5 * (u[0] * u[0] + u[1] * u[1])).exp();
    /// let params = GridParams { cells: 64, ..GridParams::default() };
    /// let mut grid = Grid2d::new(&problem, params, [-8.0, -8.0], [8.0, 8.0], gauss)?;
    /// let mass = grid.mass();
    /// grid.advance_to(1.0)?;
    /// assert!((grid.mass() - mass).abs() < 1e-13 * mass);
    /// let c = grid.moments().covariance;
    /// assert!((c[0] - 1.0 / 3.0).abs() < 2e-2 && c[1].abs() < 1e-12);
    /// assert!(grid.values().iter().all(|&f| f >= 0.0));
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    pub fn new(
        problem: &'a InverseProblem,
        params: GridParams,
        lo: [f64; 2],
        hi: [f64; 2],
        f0: impl Fn([f64; 2]) -> f64,
    ) -> Result<Self> {
        if problem.dim() != 2 {
            return Err(Error::DimensionMismatch {
                what: "two-dimensional grid solver (controls in R^2 only)",
                dim: 2,
                expected: problem.dim(),
            });
        }
        check_params(&params)?;
        let axes = [
            Axis::new(lo[0], hi[0], params.cells)?,
            Axis::new(lo[1], hi[1], params.cells)?,
        ];
        let (nodes, weights) = GAUSS3;
        let n = params.cells;
        let mut f = Vec::with_capacity(n * n);
        for j in 0..n {
            let cy = axes[1].centre(j);
            for i in 0..n {
                let cx = axes[0].centre(i);
                let mut avg = 0.0;
                for (ny, wy) in nodes.iter().zip(weights) {
                    for (nx, wx) in nodes.iter().zip(weights) {
                        let u = [cx + axes[0].h * nx, cy + axes[1].h * ny];
                        avg += wx * wy * check_density(f0(u))?;
                    }
                }
                f.push(avg);
            }
        }
        let mesh = Plane::new(problem, axes)?;
        Ok(Self {
            solver: Solver::new(problem, params, mesh, f)?,
        })
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.solver.time
    }

    /// The number `N` of cells per axis.
    pub fn cells(&self) -> usize {
        self.solver.mesh.axes[0].n
    }

    /// The cell averages, row-major: cell `(i, j)` (`i` along `u_0`) at
    /// `j N + i`.
    pub fn values(&self) -> &[f64] {
        &self.solver.f
    }

    /// The cell widths `[h_x, h_y]`.
    pub fn cell_widths(&self) -> [f64; 2] {
        let [x, y] = &self.solver.mesh.axes;
        [x.h, y.h]
    }

    /// The current box as its lower and upper corners.
    pub fn domain(&self) -> ([f64; 2], [f64; 2]) {
        let [x, y] = &self.solver.mesh.axes;
        ([x.lo, y.lo], [x.hi(), y.hi()])
    }

    /// The centre of cell `(i, j)`.
    pub fn centre(&self, i: usize, j: usize) -> [f64; 2] {
        let [x, y] = &self.solver.mesh.axes;
        [x.centre(i), y.centre(j)]
    }

    /// The mass `h_x h_y sum_ij f_ij`.
    pub fn mass(&self) -> f64 {
        self.solver.mass()
    }

    /// The mean and covariance (midpoint rule, normalised by the mass).
    pub fn moments(&self) -> MomentState {
        plane_moments(&self.solver.mesh.centres, &self.solver.f)
    }

    /// How many times the grid was moved to a new box.
    pub fn regrids(&self) -> usize {
        self.solver.regrids
    }

    /// The number of time steps taken.
    pub fn steps(&self) -> usize {
        self.solver.steps
    }

    /// The total mass that re-grids moved from outside a new box into its
    /// edge cells (module docs).
    pub fn folded_mass(&self) -> f64 {
        self.solver.folded
    }

    /// Time steps (Courant-limited, the last one shortened) up to time
    /// `t`, re-gridding where the module docs say; nothing if `t` is not
    /// after the current time.
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidParameter`] for a non-finite `t`;
    /// * [`Error::MaxStepsExceeded`] after `params.max_steps` steps;
    /// * the forward map's errors at new cell centres and face midpoints.
    pub fn advance_to(&mut self, t: f64) -> Result<()> {
        self.solver.advance_to(t)
    }
}

/// The mean and covariance of the cell averages `f` at `centres` (midpoint
/// rule, normalised by the mass), summed in cell order.
fn plane_moments(centres: &[f64], f: &[f64]) -> MomentState {
    let mass: f64 = f.iter().sum();
    let mut mean = [0.0; 2];
    for (u, fi) in centres.chunks_exact(2).zip(f) {
        mean[0] += fi * u[0];
        mean[1] += fi * u[1];
    }
    let mean = mean.map(|m| m / mass);
    let mut c = [0.0; 3];
    for (u, fi) in centres.chunks_exact(2).zip(f) {
        let (a, b) = (u[0] - mean[0], u[1] - mean[1]);
        c[0] += fi * a * a;
        c[1] += fi * a * b;
        c[2] += fi * b * b;
    }
    let [xx, xy, yy] = c.map(|c| c / mass);
    MomentState {
        mean: mean.to_vec(),
        covariance: vec![xx, xy, xy, yy],
    }
}

impl Plane {
    fn new(problem: &InverseProblem, axes: [Axis; 2]) -> Result<Self> {
        let (n, k) = (axes[0].n, problem.observations());
        let mut plane = Self {
            axes,
            centres: vec![0.0; 2 * n * n],
            centre_images: vec![0.0; n * n * k],
            x_face_images: vec![0.0; (n + 1) * n * k],
            y_face_images: vec![0.0; n * (n + 1) * k],
            vx: vec![0.0; (n + 1) * n],
            vy: vec![0.0; n * (n + 1)],
            sx: vec![0.0; n * n],
            sy: vec![0.0; n * n],
        };
        plane.evaluate_images(problem)?;
        Ok(plane)
    }

    fn evaluate_images(&mut self, problem: &InverseProblem) -> Result<()> {
        let [x, y] = self.axes;
        let n = x.n;
        for (c, u) in self.centres.chunks_exact_mut(2).enumerate() {
            u[0] = x.centre(c % n);
            u[1] = y.centre(c / n);
        }
        let x_faces: Vec<f64> = (0..n)
            .flat_map(|j| (0..=n).flat_map(move |i| [x.face(i), y.centre(j)]))
            .collect();
        let y_faces: Vec<f64> = (0..=n)
            .flat_map(|j| (0..n).flat_map(move |i| [x.centre(i), y.face(j)]))
            .collect();
        problem.forward_into(&self.centres, &mut self.centre_images)?;
        problem.forward_into(&x_faces, &mut self.x_face_images)?;
        problem.forward_into(&y_faces, &mut self.y_face_images)
    }

    /// The slopes of `f` along `u_0` (`sx`) and `u_1` (`sy`) by `limiter`,
    /// in differences per cell, with zero ghost cells outside the box.
    fn slopes(&mut self, f: &[f64], limiter: fn(f64, f64) -> f64) {
        let n = self.axes[0].n;
        for (row, out) in f.chunks_exact(n).zip(self.sx.chunks_exact_mut(n)) {
            line_slopes(row, out, limiter);
        }
        for (c, s) in self.sy.iter_mut().enumerate() {
            let below = if c < n { 0.0 } else { f[c - n] };
            let above = if c + n < f.len() { f[c + n] } else { 0.0 };
            *s = limiter(f[c] - below, above - f[c]);
        }
    }
}

impl Mesh for Plane {
    fn volume(&self) -> f64 {
        self.axes[0].h * self.axes[1].h
    }

    fn velocities(&mut self, problem: &InverseProblem, f: &[f64]) -> Result<f64> {
        let gain = grid_gain(problem, &self.centres, &self.centre_images, f)?;
        let (k, y) = (problem.observations(), problem.data());
        let vx = face_velocities(&gain[..k], y, &self.x_face_images, &mut self.vx);
        let vy = face_velocities(&gain[k..], y, &self.y_face_images, &mut self.vy);
        Ok(vx / self.axes[0].h + vy / self.axes[1].h)
    }

    fn apply_flux(&mut self, out: &mut [f64], f: &[f64], dt: f64) {
        self.slopes(f, monotonised_central);
        let n = self.axes[0].n;
        let (sx, sy) = (&self.sx, &self.sy);
        // Faces normal to u_0; the walls i = 0, N carry no flux.
        let ratio = dt / self.axes[0].h;
        for j in 0..n {
            for i in 1..n {
                let (l, r) = (j * n + i - 1, j * n + i);
                let flux = upwind(
                    self.vx[j * (n + 1) + i],
                    f[l] + 0.5 * sx[l],
                    f[r] - 0.5 * sx[r],
                );
                out[l] -= ratio * flux;
                out[r] += ratio * flux;
            }
        }
        // Faces normal to u_1; the walls j = 0, N carry no flux.
        let ratio = dt / self.axes[1].h;
        for j in 1..n {
            for i in 0..n {
                let (b, a) = ((j - 1) * n + i, j * n + i);
                let flux = upwind(self.vy[j * n + i], f[b] + 0.5 * sy[b], f[a] - 0.5 * sy[a]);
                out[b] -= ratio * flux;
                out[a] += ratio * flux;
            }
        }
    }

    fn regrid(
        &mut self,
        problem: &InverseProblem,
        f: &[f64],
        half_width: f64,
    ) -> Result<Option<(Vec<f64>, f64)>> {
        let s = plane_moments(&self.centres, f);
        let sd = [s.covariance[0].sqrt(), s.covariance[3].sqrt()];
        let targets = [0, 1].map(|a| self.axes[a].target(s.mean[a], sd[a], half_width));
        if targets.iter().all(Option::is_none) {
            return Ok(None);
        }
        let new = [0, 1].map(|a| targets[a].unwrap_or(self.axes[a]));
        self.slopes(f, minmod);
        let x = overlaps(&self.axes[0], &new[0]);
        let y = overlaps(&self.axes[1], &new[1]);
        let remapped = remap(f, (&self.sx, &self.sy), self.axes[0].n, (&x, &y), &new);
        *self = Self::new(problem, new)?;
        Ok(Some(remapped))
    }
}

/// The conservative, positive remap (module docs) of the averages `f` on
/// `old_n × old_n` cells, with slopes `sx`, `sy`, through the overlaps `x`,
/// `y` of each axis onto the cells of the axes `new`; returns the new
/// averages and the folded mass.
fn remap(
    f: &[f64],
    (sx, sy): (&[f64], &[f64]),
    old_n: usize,
    (x, y): (&[Overlap], &[Overlap]),
    new: &[Axis; 2],
) -> (Vec<f64>, f64) {
    let n = new[0].n;
    let mut g = vec![0.0; n * new[1].n];
    let mut folded = 0.0;
    for oy in y {
        for ox in x {
            let src = oy.old * old_n + ox.old;
            let piece =
                ox.length * oy.length * (f[src] + sx[src] * ox.offset + sy[src] * oy.offset);
            if ox.folded || oy.folded {
                folded += piece;
            }
            g[oy.new * n + ox.new] += piece;
        }
    }
    let area = new[0].h * new[1].h;
    for v in &mut g {
        *v /= area;
    }
    (g, folded)
}
