//! The FFT Poisson solver and the spectral velocity.
//!
//! On an `M x M` periodic grid of spacing `l` and period `P = M l`, with the
//! discrete Fourier coefficients `w_k` of the nodal vorticity,
//!
//! ```text
//! psi_k = w_k / |k|^2  (psi_0 = 0),     u_k = i k_y psi_k,     v_k = -i k_x psi_k,
//! ```
//!
//! i.e. `Laplacian(psi) = -omega`, `u = d psi/dy`, `v = -d psi/dx`, exactly
//! for the trigonometric interpolant of the nodal values. The velocity is
//! differentiated spectrally rather than by finite differences: the
//! derivative of the interpolant is exact for every resolved mode, costs no
//! more than the inverse transform that the Poisson solve needs anyway, and
//! the one inverse transform of `u_k + i v_k` gives both real components at
//! once. The odd Nyquist derivative is set to zero so that `u` and `v` stay
//! real (with walls the Nyquist content of an odd field vanishes anyway).
//!
//! **Periodic square** `[0, L)^2`: `M = L / l` nodes per side.
//! **Stress-free box** `[0, L]^2`: the nodal vorticity on `0..=L/l` is
//! continued oddly across both walls onto the `2L`-periodic square,
//! `M = 2 L / l`. Then `psi` is odd about every wall, so `psi = 0` there,
//! and the sine series this makes is the sine-transform solution of the box
//! (SPEC, "Conventions"). The wall-normal velocity is odd about its wall and
//! vanishes on it; the tangential one is even, free to slip. The box is
//! computed in its own sine and cosine series ([`crate::box_poisson`]: real
//! transforms of the box, two lines per complex FFT), and the velocity is
//! stored on the box's nodes with a one-node halo of that continuation
//! beyond each wall: all that the `M4'` stencil of a point in the box
//! reaches, a quarter of the `2L`-periodic square.

use std::sync::Arc;

use particle_core::Domain as ParticleDomain;
use particle_core::remesh::{GridValues, RemeshGrid};
use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::box_poisson::BoxPoisson;
use crate::error::{Error, Result};
use crate::grid::{Boundary, Grid};

/// How far beyond a wall, relative to the side, a point may be sampled:
/// the halo's last node (at `L + l`) and its first (`-l`) then weigh at
/// most `(1e-9 L / l)^2 / 2`, about 1e-13 on the paper's grids.
const WALL_MARGIN: f64 = 1e-9;

/// Points per rayon task of [`VelocityField::sample_into`].
const POINTS_PER_TASK: usize = 1024;

/// The nodal velocity and its `M4'` interpolant: on the periodic square,
/// its `M x M` nodes `(i l, j l)`; in the box of `n` cells, its nodes
/// `0..=n` and one more beyond each wall (the continuation), `n + 3` per
/// side, node `i` at index `i mod (n + 3)` (node `-1` last), so that a
/// periodic grid of `n + 3` nodes samples it at every point of the box.
/// x fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct VelocityField {
    grid: RemeshGrid<2>,
    boundary: Boundary,
    length: f64,
    u: Vec<f64>,
    v: Vec<f64>,
}

impl VelocityField {
    /// A zero field for `grid`'s solver.
    ///
    /// # Errors
    /// Never for a valid [`Grid`]; typed like the rest of the crate.
    pub fn zeros(grid: &Grid) -> Result<Self> {
        let domain = grid.domain();
        let period = match domain.boundary() {
            Boundary::Periodic => domain.period(),
            Boundary::StressFreeWalls => (grid.cells() + 3) as f64 * grid.spacing(),
        };
        let velocity_grid =
            RemeshGrid::new(ParticleDomain::periodic(period)?, grid.particle_spacing())?;
        let nodes = velocity_grid.node_count();
        Ok(VelocityField {
            grid: velocity_grid,
            boundary: domain.boundary(),
            length: domain.length(),
            u: vec![0.0; nodes],
            v: vec![0.0; nodes],
        })
    }

    /// The periodic grid of the nodal values (with walls, of the box and
    /// its halo: `n + 3` nodes per side).
    pub fn grid(&self) -> &RemeshGrid<2> {
        &self.grid
    }

    /// Nodal `u = d psi/dy`.
    pub fn u(&self) -> &[f64] {
        &self.u
    }

    /// Nodal `v = -d psi/dx`.
    pub fn v(&self) -> &[f64] {
        &self.v
    }

    /// The velocity at `x` by `M4'` interpolation of the nodal values
    /// (exact at the nodes). Periodic: any `x`, wrapped. With walls: `x`
    /// in the box `[0, L]^2` (to a relative `1e-9`).
    ///
    /// # Errors
    /// [`Error::Particles`] for a non-finite coordinate;
    /// [`Error::PointOutside`] for a point outside the box.
    pub fn at(&self, x: [f64; 2]) -> Result<[f64; 2]> {
        self.check_inside(&[x[0]], &[x[1]])?;
        Ok(self.grid.sample([&self.u, &self.v], x)?)
    }

    /// With walls, [`Error::PointOutside`] for the first point outside the
    /// box by more than [`WALL_MARGIN`] of its side (a node position
    /// computed as a multiple of the spacing may pass a wall by an ulp);
    /// non-finite coordinates are left to the sampler, which names them.
    fn check_inside(&self, xs: &[f64], ys: &[f64]) -> Result<()> {
        if self.boundary == Boundary::Periodic {
            return Ok(());
        }
        let length = self.length;
        let margin = WALL_MARGIN * length;
        let (low, high) = (-margin, length + margin);
        // One branch-free pass (the vectorised common case: NaN compares
        // false, an infinity is sorted out below), then the first finite
        // offender by name; non-finite points are the sampler's to name.
        let any = xs.iter().zip(ys).fold(false, |any, (&x, &y)| {
            any | (x < low) | (x > high) | (y < low) | (y > high)
        });
        if !any {
            return Ok(());
        }
        let outside = |x: f64| x.is_finite() && (x < low || x > high);
        let Some(index) = xs
            .iter()
            .zip(ys)
            .position(|(&x, &y)| outside(x) || outside(y))
        else {
            return Ok(());
        };
        Err(Error::PointOutside {
            index,
            x: xs[index],
            y: ys[index],
            length,
        })
    }

    /// The velocity at many points, written into `out` (`out[p]` gets
    /// `[u, v]` at `(xs[p], ys[p])`): [`VelocityField::at`] for a batch,
    /// the grid-to-particle step of every RK stage, with the `M4'` weights
    /// computed once per point for both components and nothing allocated
    /// ([`RemeshGrid::sample_many`]). Uses rayon over fixed blocks of
    /// points; every point is a gather, so the result is bit-identical to
    /// [`VelocityField::at`] point by point, for any number of threads.
    ///
    /// # Errors
    /// [`Error::Particles`] wrapping `LengthMismatch` if `xs` or `ys` does
    /// not have `out.len()` entries, or `NonFinitePoint` naming the first
    /// point with a non-finite coordinate (`out` is then unspecified);
    /// with walls, [`Error::PointOutside`] naming the first point outside
    /// the box.
    pub fn sample_into(&self, xs: &[f64], ys: &[f64], out: &mut [[f64; 2]]) -> Result<()> {
        let n = out.len();
        for (what, found) in [("x coordinates", xs.len()), ("y coordinates", ys.len())] {
            if found != n {
                return Err(particle_core::Error::LengthMismatch {
                    what,
                    expected: n,
                    found,
                }
                .into());
            }
        }
        self.check_inside(xs, ys)?;
        let fields = [self.u.as_slice(), self.v.as_slice()];
        let sampled = out
            .par_chunks_mut(POINTS_PER_TASK)
            .zip(xs.par_chunks(POINTS_PER_TASK))
            .zip(ys.par_chunks(POINTS_PER_TASK))
            .try_for_each(|((out, xs), ys)| self.grid.sample_many(fields, [xs, ys], out));
        // The first bad point in order, whatever the split above.
        let finite = |(x, y): (&f64, &f64)| x.is_finite() && y.is_finite();
        let first_bad = || xs.iter().zip(ys).position(|p| !finite(p));
        if let Some(index) = sampled.as_ref().err().and_then(|_| first_bad()) {
            let axis = usize::from(xs[index].is_finite());
            return Err(particle_core::Error::NonFinitePoint {
                index,
                axis,
                value: [xs[index], ys[index]][axis],
            }
            .into());
        }
        sampled?;
        Ok(())
    }

    /// The largest nodal speed `max |u|` (NaN speeds skipped, as by
    /// [`f64::max`]).
    pub fn max_speed(&self) -> f64 {
        // Eight independent running maxima, which the compiler keeps in
        // vector registers (a single `fold` is one serial chain).
        const LANES: usize = 8;
        let mut top = [0.0_f64; LANES];
        let larger = |m: f64, s: f64| if s > m { s } else { m };
        let (u, v) = (self.u.chunks_exact(LANES), self.v.chunks_exact(LANES));
        let (u_rest, v_rest) = (u.remainder(), v.remainder());
        for (u, v) in u.zip(v) {
            for l in 0..LANES {
                top[l] = larger(top[l], u[l] * u[l] + v[l] * v[l]);
            }
        }
        let rest = u_rest.iter().zip(v_rest).map(|(u, v)| u * u + v * v);
        top.into_iter().chain(rest).fold(0.0, larger).sqrt()
    }

    /// Kinetic energy `1/2 int |u|^2` over the physical square (the nodal
    /// sum, which is exact for the trigonometric interpolant; in the box,
    /// the sum over the `2L`-periodic continuation is the trapezoid rule
    /// of the box's nodes).
    pub fn energy(&self) -> f64 {
        let speed2 = |k: usize| self.u[k] * self.u[k] + self.v[k] * self.v[k];
        let sum: f64 = match self.boundary {
            Boundary::Periodic => (0..self.u.len()).map(speed2).sum(),
            Boundary::StressFreeWalls => {
                let p = self.grid.dims()[0];
                let n = p - 3;
                let weight = |i: usize| if i == 0 || i == n { 0.5 } else { 1.0 };
                (0..=n)
                    .flat_map(|j| (0..=n).map(move |i| (i, j)))
                    .map(|(i, j)| weight(i) * weight(j) * speed2(i + p * j))
                    .sum()
            }
        };
        0.5 * self.grid.spacing().powi(2) * sum
    }

    /// Side `L` of the physical square.
    pub fn length(&self) -> f64 {
        self.length
    }
}

/// FFT Poisson solver with spectral velocity for one [`Grid`]: plans and
/// buffers are built once, and a solve allocates nothing.
pub struct PoissonSolver {
    /// Nodes per side of the periodic spectral grid.
    m: usize,
    /// Cells per side of the physical grid.
    cells: usize,
    boundary: Boundary,
    method: Method,
}

/// How the velocity is computed: complex 2D transforms of the periodic
/// square, or the box's own sine and cosine series with walls.
enum Method {
    Periodic(PeriodicFft),
    Box(BoxPoisson),
}

/// Plans and buffers of the periodic solve.
struct PeriodicFft {
    forward: Arc<dyn Fft<f64>>,
    inverse: Arc<dyn Fft<f64>>,
    /// Rows along x (index `i + m j`).
    rows: Vec<Complex<f64>>,
    /// The transpose (index `j + m i`).
    columns: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// `(k_x + i k_y) / |k|^2` per coefficient, in the transposed layout
    /// `j + m i` (`k_x` from `i`, `k_y` from `j`; Nyquist derivatives and
    /// the mean set to 0): `psi_k` times this is `u_k + i v_k`.
    multiplier: Vec<Complex<f64>>,
}

impl std::fmt::Debug for PoissonSolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoissonSolver")
            .field("m", &self.m)
            .field("boundary", &self.boundary)
            .finish_non_exhaustive()
    }
}

impl PoissonSolver {
    /// Plans and buffers for `grid`.
    pub fn new(grid: &Grid) -> Self {
        let cells = grid.cells();
        let boundary = grid.domain().boundary();
        let (m, method) = match boundary {
            Boundary::Periodic => (
                cells,
                Method::Periodic(PeriodicFft::new(cells, grid.spacing())),
            ),
            Boundary::StressFreeWalls => (
                2 * cells,
                Method::Box(BoxPoisson::new(cells, grid.spacing())),
            ),
        };
        PoissonSolver {
            m,
            cells,
            boundary,
            method,
        }
    }

    /// Solve `Laplacian(psi) = -omega` for the nodal vorticity on the
    /// physical grid ([`Grid::remesh_grid`], x fastest) and write the
    /// velocity into `out`.
    ///
    /// # Errors
    /// [`Error::Particles`] wrapping `GridSizeMismatch` if `omega` or `out`
    /// does not belong to this solver's grid.
    pub fn solve(&mut self, omega: &[f64], out: &mut VelocityField) -> Result<()> {
        let expected = match self.boundary {
            Boundary::Periodic => self.m * self.m,
            Boundary::StressFreeWalls => (self.cells + 1) * (self.cells + 1),
        };
        let mismatch = |expected, found| {
            Error::Particles(particle_core::Error::GridSizeMismatch { expected, found })
        };
        if omega.len() != expected {
            return Err(mismatch(expected, omega.len()));
        }
        let nodes = match self.boundary {
            Boundary::Periodic => self.m * self.m,
            Boundary::StressFreeWalls => (self.cells + 3) * (self.cells + 3),
        };
        if out.u.len() != nodes {
            return Err(mismatch(nodes, out.u.len()));
        }
        self.velocity(omega, &mut out.u, &mut out.v);
        Ok(())
    }

    /// [`PoissonSolver::solve`] for nodal values with their grid.
    ///
    /// # Errors
    /// As [`PoissonSolver::solve`].
    pub fn solve_nodes(&mut self, omega: &GridValues<2>, out: &mut VelocityField) -> Result<()> {
        self.solve(omega.values(), out)
    }

    /// The solve proper, sizes checked.
    fn velocity(&mut self, omega: &[f64], u: &mut [f64], v: &mut [f64]) {
        match &mut self.method {
            Method::Periodic(fft) => fft.velocity(self.m, omega, u, v),
            Method::Box(walls) => walls.velocity(omega, u, v),
        }
    }
}

impl PeriodicFft {
    /// Plans and buffers for `m` nodes of side `spacing` per period.
    fn new(m: usize, spacing: f64) -> Self {
        let mut planner = FftPlanner::new();
        let forward = planner.plan_fft_forward(m);
        let inverse = planner.plan_fft_inverse(m);
        let scratch_len = forward
            .get_inplace_scratch_len()
            .max(inverse.get_inplace_scratch_len());
        let base = 2.0 * std::f64::consts::PI / (m as f64 * spacing);
        let signed = |i: usize| {
            if i <= m / 2 {
                i as f64
            } else {
                i as f64 - m as f64
            }
        };
        let k: Vec<f64> = (0..m).map(|i| base * signed(i)).collect();
        // First derivatives drop the (odd) Nyquist mode to keep u, v real.
        let k_derivative: Vec<f64> = (0..m)
            .map(|i| if 2 * i == m { 0.0 } else { k[i] })
            .collect();
        let multiplier = (0..m * m)
            .map(|index| {
                let (i, j) = (index / m, index % m);
                let k2 = k[i] * k[i] + k[j] * k[j];
                if k2 == 0.0 {
                    Complex::new(0.0, 0.0)
                } else {
                    Complex::new(k_derivative[i], k_derivative[j]) / k2
                }
            })
            .collect();
        let zero = Complex::new(0.0, 0.0);
        PeriodicFft {
            forward,
            inverse,
            rows: vec![zero; m * m],
            columns: vec![zero; m * m],
            scratch: vec![zero; scratch_len],
            multiplier,
        }
    }

    /// Row transforms (rows of zero vorticity skipped), the transpose,
    /// column transforms, the multiplier, and back.
    fn velocity(&mut self, m: usize, omega: &[f64], u: &mut [f64], v: &mut [f64]) {
        for (c, &w) in self.rows.iter_mut().zip(omega) {
            *c = Complex::new(w, 0.0);
        }
        for row in self.rows.chunks_exact_mut(m) {
            if row.iter().any(|c| c.re != 0.0) {
                self.forward.process_with_scratch(row, &mut self.scratch);
            }
        }
        transpose(&self.rows, &mut self.columns, m);
        self.forward
            .process_with_scratch(&mut self.columns, &mut self.scratch);
        for (c, factor) in self.columns.iter_mut().zip(&self.multiplier) {
            *c *= factor;
        }
        self.inverse
            .process_with_scratch(&mut self.columns, &mut self.scratch);
        transpose(&self.columns, &mut self.rows, m);
        self.inverse
            .process_with_scratch(&mut self.rows, &mut self.scratch);
        let norm = 1.0 / (m * m) as f64;
        for ((c, ui), vi) in self.rows.iter().zip(u.iter_mut()).zip(v.iter_mut()) {
            *ui = c.re * norm;
            *vi = c.im * norm;
        }
    }
}

/// `to[j + m i] = from[i + m j]` for an `m x m` array, in cache-sized
/// tiles.
fn transpose(from: &[Complex<f64>], to: &mut [Complex<f64>], m: usize) {
    const TILE: usize = 32;
    for j0 in (0..m).step_by(TILE) {
        for i0 in (0..m).step_by(TILE) {
            for j in j0..(j0 + TILE).min(m) {
                for i in i0..(i0 + TILE).min(m) {
                    to[j + m * i] = from[i + m * j];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Domain;

    /// The eight-lane maximum equals the serial fold of `f64::max`, with
    /// a remainder after the lanes (`9^2` cells: 81 nodes) and a NaN
    /// speed among the values.
    #[test]
    fn max_speed_is_the_largest_nodal_speed() {
        let mut uniform = crate::test_uniform(3u64);
        let mut rnd = move || uniform() - 0.5;
        for (cells, nan) in [(9, false), (9, true), (64, false)] {
            let domain = Domain::new(cells as f64 * 0.1, Boundary::Periodic).unwrap();
            let grid = Grid::for_particle_spacing(domain, 0.05).unwrap();
            let mut flow = VelocityField::zeros(&grid).unwrap();
            let nodes = flow.u.len();
            for k in 0..nodes {
                flow.u[k] = rnd();
                flow.v[k] = rnd();
            }
            if nan {
                flow.u[nodes / 3] = f64::NAN;
            }
            let want = flow
                .u
                .iter()
                .zip(&flow.v)
                .map(|(u, v)| u * u + v * v)
                .fold(0.0, f64::max)
                .sqrt();
            assert_eq!(flow.max_speed(), want, "{cells} cells");
            assert!(want > 0.0);
        }
    }

    /// The textbook solve: the odd extension to the `2L`-periodic square,
    /// full complex 2D transforms of every row and column (no symmetry
    /// used), `psi_k = w_k / |k|^2`, `u + i v` from `(k_x + i k_y) psi_k`
    /// with the Nyquist derivatives dropped.
    fn naive(cells: usize, spacing: f64, omega: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (n, m) = (cells, 2 * cells);
        let at = |i: usize, j: usize| -> f64 {
            let fold = |i: usize| if i <= n { (i, 1.0) } else { (m - i, -1.0) };
            let ((a, sa), (b, sb)) = (fold(i), fold(j));
            sa * sb * omega[a + (n + 1) * b]
        };
        let mut data: Vec<Complex<f64>> = (0..m * m)
            .map(|k| Complex::new(at(k % m, k / m), 0.0))
            .collect();
        let mut planner = FftPlanner::new();
        let (fwd, inv) = (planner.plan_fft_forward(m), planner.plan_fft_inverse(m));
        let transpose = |d: &[Complex<f64>]| -> Vec<Complex<f64>> {
            (0..m * m).map(|k| d[(k / m) + m * (k % m)]).collect()
        };
        fwd.process(&mut data);
        let mut data = transpose(&data);
        fwd.process(&mut data);
        // data[j + m i]: k_x from i, k_y from j.
        let base = std::f64::consts::PI / (n as f64 * spacing);
        let wave = |i: usize| {
            base * if i <= n {
                i as f64
            } else {
                i as f64 - m as f64
            }
        };
        let derivative = |i: usize| if i == n { 0.0 } else { wave(i) };
        for (k, c) in data.iter_mut().enumerate() {
            let (i, j) = (k / m, k % m);
            let k2 = wave(i).powi(2) + wave(j).powi(2);
            *c = if k2 == 0.0 {
                Complex::new(0.0, 0.0)
            } else {
                *c * Complex::new(derivative(i), derivative(j)) / k2
            };
        }
        inv.process(&mut data);
        let mut data = transpose(&data);
        inv.process(&mut data);
        let norm = 1.0 / (m * m) as f64;
        (
            data.iter().map(|c| c.re * norm).collect(),
            data.iter().map(|c| c.im * norm).collect(),
        )
    }

    #[test]
    fn the_symmetric_solve_equals_the_textbook_one() {
        let mut uniform = crate::test_uniform(17u64);
        let mut rnd = move || uniform() - 0.5;
        for cells in [8, 9, 32] {
            let spacing = 0.1;
            let length = cells as f64 * spacing;
            let grid = Grid::for_particle_spacing(
                Domain::new(length, Boundary::StressFreeWalls).unwrap(),
                spacing / 2.0,
            )
            .unwrap();
            let n = cells;
            // Zero on the walls (as P2M with odd images gives), some rows
            // entirely zero (skipped by the solver).
            let omega: Vec<f64> = (0..(n + 1) * (n + 1))
                .map(|k| {
                    let (i, j) = (k % (n + 1), k / (n + 1));
                    let wall = i == 0 || j == 0 || i == n || j == n;
                    if wall || j == 2 || j == 3 { 0.0 } else { rnd() }
                })
                .collect();
            let mut flow = VelocityField::zeros(&grid).unwrap();
            PoissonSolver::new(&grid).solve(&omega, &mut flow).unwrap();
            let (u, v) = naive(cells, spacing, &omega);
            let scale = u.iter().chain(&v).fold(0.0_f64, |a, x| a.max(x.abs()));
            // Halo node `k` of `-1..=n + 1` is node `k mod 2n` of the
            // naive `2n`-periodic square.
            let (p, m) = (n + 3, 2 * n);
            let square = |k: usize| {
                let (i, j) = (k % p, k / p);
                let fold = |i: usize| if i == n + 2 { m - 1 } else { i };
                fold(i) + m * fold(j)
            };
            let want_u = (0..p * p).map(|k| u[square(k)]);
            let want_v = (0..p * p).map(|k| v[square(k)]);
            assert_eq!(flow.u().len(), p * p);
            for (k, (got, want)) in flow
                .u()
                .iter()
                .zip(want_u)
                .chain(flow.v().iter().zip(want_v))
                .enumerate()
            {
                assert!(
                    (got - want).abs() <= 1e-12 * scale,
                    "{cells} cells, entry {k}: {got} vs {want}"
                );
            }
        }
    }
}
