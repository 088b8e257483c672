//! What the finite-volume solvers of eq. (13) in `d = 1` ([`Grid1d`]) and
//! `d = 2` ([`Grid2d`]) share: the Heun time step with its positivity
//! bound, the march to a final time with re-grids, the velocity from the
//! grid's own moments, the limiters and the upwind flux, and the
//! conservative remap of one axis onto another.
//!
//! A solver is a [`Solver`] over a [`Mesh`] (a line or a plane of cells);
//! the mesh knows its geometry, the solver the density and the clock.
//!
//! # Positivity
//!
//! The fluxes use slopes `s_i` limited by the monotonised-central limiter
//! ([`monotonised_central`]), with `|s_i| / 2` at most either neighbouring
//! difference; since the neighbours are non-negative, the face values
//! `f_i ± s_i / 2` lie in `[0, 2 f_i]`. A forward-Euler stage loses at most
//! `2 f_i dt |v| / h` through each face, so it keeps `f >= 0` when the
//! Courant number `dt sum_a max|v_a| / h_a` is at most 1/4 (all faces of a
//! cell outflowing at once, the worst case); the Heun step is a convex
//! combination of two such stages.
//!
//! The remaps use minmod slopes ([`minmod`]), with `|s_i| <= f_i`: the
//! reconstruction `f_i + s_i xi` (`|xi| <= 1/2`) is non-negative on the
//! whole cell, and in `d = 2` so is `f_ij + s^x_ij xi + s^y_ij eta`, even at
//! the corners, so every overlap receives a non-negative mass.
//!
//! # Re-grids
//!
//! An axis moves when its target `m ± k sd` is less than half of it, or
//! when `m ± (3/4) k sd` sticks out of it. The hysteresis matters: a remap
//! and the midpoint rule both add about `h^2 / 12` to the computed
//! variance, so a box that had to contain the full target `m ± k sd` would,
//! right after a re-grid onto that target, already be too small, and would
//! move again at every step (and grow: `h` is proportional to `sd`).
//!
//! The box must also resolve the density: with fewer than about two cells
//! per standard deviation the mass sits in a few cells, the computed
//! variance of a remapped density is of the order of `h^2`, and `h` is
//! proportional to `sd`, so every re-grid inflates the box by a fixed
//! factor. [`check_params`] therefore asks for `N >= 4 k` (the box
//! `m ± k sd` then has at least two cells per `sd` after a re-grid, and at
//! least one before the next).
//!
//! [`Grid1d`]: super::Grid1d
//! [`Grid2d`]: super::Grid2d

use super::grid::GridParams;
use super::particles::gain;
use crate::error::{Error, Result};
use crate::problem::InverseProblem;

/// The largest Courant number `dt sum_a max|v_a| / h_a` that keeps a
/// forward-Euler stage positive (module docs).
pub(crate) const COURANT_MAX: f64 = 0.25;

/// 3-point Gauss–Legendre nodes on `[-1/2, 1/2]` and weights summing to 1:
/// exact cell averages of polynomials of degree 5.
pub(crate) const GAUSS3: ([f64; 3], [f64; 3]) = (
    [-0.387_298_334_620_741_7, 0.0, 0.387_298_334_620_741_7],
    [5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0],
);

/// A geometry of cells that [`Solver`] steps.
pub(crate) trait Mesh {
    /// The volume of every cell.
    fn volume(&self) -> f64;

    /// Fills the face velocities for the cell averages `f`; returns the
    /// Courant rate `sum_a max|v_a| / h_a` (so `dt` times it is the Courant
    /// number of a step `dt`).
    fn velocities(&mut self, problem: &InverseProblem, f: &[f64]) -> Result<f64>;

    /// `out -= dt (div F)` with the MUSCL upwind fluxes of `f` for the face
    /// velocities of the last [`velocities`](Mesh::velocities).
    fn apply_flux(&mut self, out: &mut [f64], f: &[f64], dt: f64);

    /// If the density `f` has left or outgrown the domain (`m ± k sd` per
    /// axis, `k = half_width`), moves the mesh and returns the remapped
    /// averages and the mass folded into the end cells.
    fn regrid(
        &mut self,
        problem: &InverseProblem,
        f: &[f64],
        half_width: f64,
    ) -> Result<Option<(Vec<f64>, f64)>>;
}

/// The density on a mesh, its clock and the work done.
#[derive(Debug)]
pub(crate) struct Solver<'a, M> {
    pub(crate) problem: &'a InverseProblem,
    pub(crate) params: GridParams,
    pub(crate) mesh: M,
    pub(crate) f: Vec<f64>,
    stage: Vec<f64>,
    second: Vec<f64>,
    pub(crate) time: f64,
    pub(crate) steps: usize,
    pub(crate) regrids: usize,
    pub(crate) folded: f64,
}

impl<'a, M: Mesh> Solver<'a, M> {
    /// The solver at `t = 0` with the cell averages `f` (checked
    /// non-negative by the caller).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if the mass is zero.
    pub(crate) fn new(
        problem: &'a InverseProblem,
        params: GridParams,
        mesh: M,
        f: Vec<f64>,
    ) -> Result<Self> {
        if f.iter().sum::<f64>() <= 0.0 {
            return Err(Error::InvalidParameter {
                name: "initial mass (positive)",
                value: 0.0,
            });
        }
        Ok(Self {
            problem,
            params,
            mesh,
            stage: vec![0.0; f.len()],
            second: vec![0.0; f.len()],
            f,
            time: 0.0,
            steps: 0,
            regrids: 0,
            folded: 0.0,
        })
    }

    /// The mass `volume sum_i f_i`.
    pub(crate) fn mass(&self) -> f64 {
        self.mesh.volume() * self.f.iter().sum::<f64>()
    }

    /// Time steps (Courant-limited, the last one shortened) up to time `t`,
    /// re-gridding after each; nothing if `t` is not after the current time.
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidParameter`] for a non-finite `t` or velocity;
    /// * [`Error::MaxStepsExceeded`] after `params.max_steps` steps;
    /// * the forward map's errors at new cell centres and faces.
    pub(crate) fn advance_to(&mut self, t: f64) -> Result<()> {
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
            if let Some((f, folded)) =
                self.mesh
                    .regrid(self.problem, &self.f, self.params.half_width)?
            {
                self.f = f;
                self.folded += folded;
                self.regrids += 1;
            }
        }
        Ok(())
    }

    /// One Heun (SSP Runge–Kutta 2) step of at most `remaining`, velocities
    /// recomputed at each stage; halved and redone while the second stage's
    /// velocities break the positivity bound. Returns its length.
    fn step(&mut self, remaining: f64) -> Result<f64> {
        let rate = check_rate(self.mesh.velocities(self.problem, &self.f)?)?;
        let mut dt = if rate > 0.0 {
            (self.params.cfl / rate).min(remaining)
        } else {
            remaining
        };
        loop {
            // Stage 1: f1 = f + dt L(f), velocities of f.
            self.stage.copy_from_slice(&self.f);
            self.mesh.apply_flux(&mut self.stage, &self.f, dt);
            // Stage 2: f_new = (f + f1 + dt L(f1)) / 2, velocities of f1.
            if check_rate(self.mesh.velocities(self.problem, &self.stage)?)? * dt > COURANT_MAX {
                dt *= 0.5;
                self.mesh.velocities(self.problem, &self.f)?;
                continue;
            }
            self.second.copy_from_slice(&self.stage);
            self.mesh.apply_flux(&mut self.second, &self.stage, dt);
            for (out, b) in self.f.iter_mut().zip(&self.second) {
                *out = 0.5 * (*out + b);
            }
            return Ok(dt);
        }
    }
}

fn check_rate(rate: f64) -> Result<f64> {
    if rate.is_finite() {
        Ok(rate)
    } else {
        Err(Error::InvalidParameter {
            name: "grid velocity (finite)",
            value: rate,
        })
    }
}

/// The checks of [`GridParams`] shared by every grid solver.
pub(crate) fn check_params(p: &GridParams) -> Result<()> {
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
    if (p.cells as f64) < 4.0 * p.half_width {
        return Err(Error::InvalidParameter {
            name: "number of cells (at least 4 half-widths: 2 cells per standard deviation)",
            value: p.cells as f64,
        });
    }
    if !(p.cfl > 0.0 && p.cfl <= COURANT_MAX) {
        return Err(Error::InvalidParameter {
            name: "CFL number (in (0, 1/4])",
            value: p.cfl,
        });
    }
    Ok(())
}

/// A non-negative, finite value of an initial density.
pub(crate) fn check_density(value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::InvalidParameter {
            name: "initial density value (finite, non-negative)",
            value,
        })
    }
}

/// `n` uniform cells on `[lo, lo + n h]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Axis {
    pub(crate) lo: f64,
    pub(crate) h: f64,
    pub(crate) n: usize,
}

impl Axis {
    /// `n` cells on `[lo, hi]`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `lo < hi`, both finite.
    pub(crate) fn new(lo: f64, hi: f64, n: usize) -> Result<Self> {
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
        Ok(Self {
            lo,
            h: (hi - lo) / n as f64,
            n,
        })
    }

    /// The centre of cell `i`.
    pub(crate) fn centre(&self, i: usize) -> f64 {
        self.lo + (i as f64 + 0.5) * self.h
    }

    /// Face `i` (`0..=n`), the left end of cell `i`.
    pub(crate) fn face(&self, i: usize) -> f64 {
        self.lo + i as f64 * self.h
    }

    /// The right end.
    pub(crate) fn hi(&self) -> f64 {
        self.face(self.n)
    }

    /// The axis that follows a marginal of mean `m` and standard deviation
    /// `sd`: `n` cells on `m ± k sd` if that interval is less than half of
    /// this one or `m ± (3/4) k sd` sticks out of it (module docs), else
    /// `None` (also for a degenerate `sd`).
    pub(crate) fn target(&self, m: f64, sd: f64, k: f64) -> Option<Self> {
        let (lo, hi) = (m - k * sd, m + k * sd);
        let too_wide = hi - lo < 0.5 * (self.hi() - self.lo);
        let inner = 0.75 * k * sd;
        let outside = m - inner < self.lo || m + inner > self.hi();
        if !(too_wide || outside) || !(sd > 0.0 && sd.is_finite()) {
            return None;
        }
        Some(Self {
            lo,
            h: (hi - lo) / self.n as f64,
            n: self.n,
        })
    }
}

/// The intersection of old cell `old` with new cell `new`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Overlap {
    /// The old cell.
    pub(crate) old: usize,
    /// The new cell receiving it (an end cell for parts outside the new
    /// axis).
    pub(crate) new: usize,
    /// Its length.
    pub(crate) length: f64,
    /// Its midpoint minus the old cell's centre, in old cell widths (in
    /// `[-1/2, 1/2]`): the linear reconstruction `f + s offset` there is its
    /// exact average.
    pub(crate) offset: f64,
    /// Whether it lies outside the new axis (folded into an end cell).
    pub(crate) folded: bool,
}

/// The overlaps of every cell of `old` with the cells of `new`, old cell by
/// old cell; the parts of `old` outside `new` go to `new`'s end cells,
/// flagged. The lengths of each old cell's overlaps add up to its width.
pub(crate) fn overlaps(old: &Axis, new: &Axis) -> Vec<Overlap> {
    if old == new {
        return (0..old.n)
            .map(|i| Overlap {
                old: i,
                new: i,
                length: old.h,
                offset: 0.0,
                folded: false,
            })
            .collect();
    }
    let n = new.n as isize;
    // New bins: -1 = (-inf, lo), 0..n the cells, n = [hi, inf).
    let right = |k: isize| -> f64 {
        if k >= n {
            f64::INFINITY
        } else {
            new.face((k + 1) as usize)
        }
    };
    let mut out = Vec::with_capacity(old.n + new.n + 2);
    let mut k: isize = -1;
    for i in 0..old.n {
        let (a, b) = (old.face(i), old.face(i + 1));
        let c = 0.5 * (a + b);
        let mut x = a;
        loop {
            while right(k) <= x {
                k += 1;
            }
            let end = right(k).min(b);
            let bin = k.clamp(0, n - 1);
            out.push(Overlap {
                old: i,
                new: bin as usize,
                length: end - x,
                offset: (0.5 * (x + end) - c) / old.h,
                folded: bin != k,
            });
            if end >= b {
                break;
            }
            x = end;
        }
    }
    out
}

/// The minmod limiter of a cell's left and right differences: the slope of
/// the remaps, at most `f_i` in size (module docs).
pub(crate) fn minmod(left: f64, right: f64) -> f64 {
    if left * right <= 0.0 {
        0.0
    } else if left.abs() < right.abs() {
        left
    } else {
        right
    }
}

/// The monotonised-central (MC) limiter of a cell's left and right
/// differences, `minmod(2 left, (left + right) / 2, 2 right)`: the slope of
/// the fluxes. Half of it is at most either difference, so the face values
/// `f_i ± s_i / 2` lie between a neighbour and `2 f_i` (module docs).
pub(crate) fn monotonised_central(left: f64, right: f64) -> f64 {
    if left * right <= 0.0 {
        0.0
    } else {
        let m = (2.0 * left.abs())
            .min(2.0 * right.abs())
            .min(0.5 * (left + right).abs());
        m.copysign(left)
    }
}

/// The slopes by `limiter` per cell of the line `f` into `out`, in
/// differences per cell (zero ghost cells outside).
pub(crate) fn line_slopes(f: &[f64], out: &mut [f64], limiter: fn(f64, f64) -> f64) {
    let n = f.len();
    for (i, s) in out.iter_mut().enumerate() {
        let left = f[i] - if i == 0 { 0.0 } else { f[i - 1] };
        let right = if i + 1 == n { 0.0 } else { f[i + 1] } - f[i];
        *s = limiter(left, right);
    }
}

/// The upwind flux `v+ f_L + v- f_R` through a face of velocity `v` with
/// the reconstructed values `f_L`, `f_R` on its two sides.
pub(crate) fn upwind(v: f64, f_left: f64, f_right: f64) -> f64 {
    v.max(0.0) * f_left + v.min(0.0) * f_right
}

/// `M = C_uG Gamma` (`d × K`) for the density with cell averages `f` at the
/// cell centres `centres` (`N d`, member-major) whose images are `images`
/// (`N K`): mean, `G`-mean and cross-covariance by the midpoint rule, summed
/// in cell order.
#[allow(non_snake_case)]
pub(crate) fn grid_gain(
    problem: &InverseProblem,
    centres: &[f64],
    images: &[f64],
    f: &[f64],
) -> Result<Vec<f64>> {
    let (d, k) = (problem.dim(), problem.observations());
    let mass: f64 = f.iter().sum();
    let mut m = vec![0.0; d];
    let mut g_bar = vec![0.0; k];
    for ((u, g), fi) in centres.chunks_exact(d).zip(images.chunks_exact(k)).zip(f) {
        for (m, x) in m.iter_mut().zip(u) {
            *m += fi * x;
        }
        for (b, x) in g_bar.iter_mut().zip(g) {
            *b += fi * x;
        }
    }
    for v in m.iter_mut().chain(&mut g_bar) {
        *v /= mass;
    }
    let mut C_uG = vec![0.0; d * k];
    for ((u, g), fi) in centres.chunks_exact(d).zip(images.chunks_exact(k)).zip(f) {
        for (row, (x, m)) in C_uG.chunks_exact_mut(k).zip(u.iter().zip(&m)) {
            let du = fi * (x - m) / mass;
            for ((c, x), b) in row.iter_mut().zip(g).zip(&g_bar) {
                *c += du * (x - b);
            }
        }
    }
    gain(problem, &C_uG)
}

/// `v = M (y - G(u))` at points with images `images` (`K` each) for the
/// gain row `gain_row` (length `K`), into `out`; returns `max |v|`, or NaN
/// if a velocity is not finite.
pub(crate) fn face_velocities(gain_row: &[f64], y: &[f64], images: &[f64], out: &mut [f64]) -> f64 {
    let k = y.len();
    let mut vmax: f64 = 0.0;
    let mut finite = true;
    for (v, g) in out.iter_mut().zip(images.chunks_exact(k)) {
        *v = gain_row
            .iter()
            .zip(y)
            .zip(g)
            .map(|((m, y), g)| m * (y - g))
            .sum();
        finite &= v.is_finite();
        vmax = vmax.max(v.abs());
    }
    if finite { vmax } else { f64::NAN }
}
