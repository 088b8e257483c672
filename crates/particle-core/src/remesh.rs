//! Remeshing in two public steps, paper 2 Section 2.2.2, with the `M4'`
//! kernel `W` tensorised over the axes:
//!
//! 1. [`project`], eq. (6): nodal values on the grid `x_i = i l`,
//!    `l = 2 d_p`, `u_i = V_i^{-1} sum_p U_p W((x_i - x_p) / l)` with
//!    `V_i = l^D`;
//! 2. [`GridValues::interpolate`], eq. (7)–(8): fresh particles at 1/4 and
//!    3/4 of every cell (`x*_p = p d_p - d_p / 2`), volume `d_p^D`, strength
//!    `U*_p = V_p sum_i u_i W((x*_p - x_i) / l)`, dropping those with
//!    `|u^g(x*_p)| <= threshold` (the `eps_cut` of the 1D experiments, and
//!    `|Gamma_p| < eps_omega V_p` of the 2D ones: the two agree except at
//!    exact equality).
//!
//! Remesh-EnKF analyses the [`GridValues`] between the two steps, so both
//! are public; [`remesh`] chains them. A Vortex-In-Cell code uses the same
//! two operations every RK stage: [`Projector::project_into`] (P2M, eq. (6)
//! without allocating) and [`RemeshGrid::sample_many`] (M2P, eq. (7) for
//! several fields at many points, the weights shared by the fields).
//!
//! # Cost
//!
//! Each axis of a stencil costs one multiplication (by `1 / l`: the
//! position in cells is within a few ulps of `x / l`), a truncation for the floor
//! and the four `M4'` weights; away from a periodic wrap and from the walls
//! its nodes are consecutive, and the 2D loops then work on rows of 4
//! nodes (one bounds check per row); in 2D, P2M and M2P take such points
//! two at a time, their stencils and sums side by side in AVX2 lanes where
//! the processor has them (`remesh/lanes.rs`). Near a wrap or a wall the node slots
//! and image signs come from a per-node rule without divisions. In 2D
//! every path forms its sums in one order (a node gains `wy_j (wx_i u)` by
//! a fused multiply-add; interpolation contracts y, then x: see
//! `remesh/lanes.rs`), so a point gets the same bits whichever path takes
//! it; in other dimensions the textbook node-by-node loop.
//!
//! # Conservation
//!
//! `M4'` reproduces polynomials of degree up to 2 (`sum_j j^m W(x - j) = x^m`),
//! so projection conserves the moments 0, 1, 2:
//! `sum_i V_i u_i x_i^m = sum_p U_p x_p^m`. The fresh particles lie on two
//! shifted copies of the node lattice per axis (offsets `l/4`, `3l/4`), on
//! each of which the same identity holds; with `V_p = (l/2)^D` the two halve
//! each other's weight and interpolation conserves the same moments. Both
//! hold exactly up to rounding when nothing is thresholded and no stencil
//! meets a wall (walls absorb through their odd images).
//!
//! # Boundaries
//!
//! Periodic axes wrap node indices; wall axes `[0, L]` reflect them oddly
//! (the odd image of the field), so the wall nodes carry exactly 0; free
//! axes need a finite node range ([`RemeshGrid::covering`]).

mod lanes;

use rayon::prelude::*;

use crate::domain::{Axis, Domain, whole_cells};
use crate::kernels::m4prime_weights;
use crate::particles::extent_1d;
use crate::{Error, ParticleSet, Result};

/// Node range of one grid axis.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Nodes {
    /// `cells` nodes `0..cells`, index taken modulo `cells`.
    Periodic { cells: usize },
    /// `cells + 1` nodes `0..=cells`; nodes 0 and `cells` lie on the walls.
    Walls { cells: usize },
    /// `count` nodes `first..first + count`, nothing beyond.
    Free { first: i64, count: usize },
}

impl Nodes {
    fn count(self) -> usize {
        match self {
            Nodes::Periodic { cells } => cells,
            Nodes::Walls { cells } => cells + 1,
            Nodes::Free { count, .. } => count,
        }
    }

    fn first(self) -> i64 {
        match self {
            Nodes::Free { first, .. } => first,
            _ => 0,
        }
    }

    /// Storage slot and sign of the (possibly image) node `i`, `None` if it
    /// carries no value (a wall node, or beyond a free range).
    fn slot(self, i: i64) -> Option<(usize, f64)> {
        match self {
            Nodes::Periodic { cells } => Some((i.rem_euclid(cells as i64) as usize, 1.0)),
            Nodes::Walls { cells } => {
                let c = cells as i64;
                // `rem_euclid` without a division for the nodes a stencil of
                // a point in or near the box reaches.
                let m = if (0..2 * c).contains(&i) {
                    i
                } else if (-2 * c..0).contains(&i) {
                    i + 2 * c
                } else {
                    i.rem_euclid(2 * c)
                };
                if m == 0 || m == c {
                    None
                } else if m < c {
                    Some((m as usize, 1.0))
                } else {
                    Some(((2 * c - m) as usize, -1.0))
                }
            }
            Nodes::Free { first, count } => {
                let k = i - first;
                (0..count as i64).contains(&k).then_some((k as usize, 1.0))
            }
        }
    }

    /// Range of fresh-particle indices `k` (particle at `(k + 1/2) d_p`).
    fn particle_range(self) -> std::ops::Range<i64> {
        match self {
            Nodes::Periodic { cells } | Nodes::Walls { cells } => 0..2 * cells as i64,
            // The field of nodes first..=last is non-zero on
            // ((first - 2) l, (last + 2) l).
            Nodes::Free { first, count } => 2 * (first - 2)..2 * (first + count as i64 + 1),
        }
    }
}

/// The Eulerian grid of the remeshing: nodes `x_i = i l` with `l = 2 d_p`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemeshGrid<const D: usize> {
    domain: Domain<D>,
    particle_spacing: f64,
    axes: [Nodes; D],
}

impl<const D: usize> RemeshGrid<D> {
    /// The grid of a bounded domain for particle spacing `d_p`: periodic
    /// axes `[0, L)` get `L / l` nodes, wall axes `[0, L]` get `L / l + 1`.
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a bad `d_p`; [`Error::FreeAxisNeedsRange`]
    /// for a free axis (use [`RemeshGrid::covering`]); [`Error::GridDoesNotTile`] if a length is
    /// not a whole number of spacings `l` (to `1e-9` relative).
    pub fn new(domain: Domain<D>, particle_spacing: f64) -> Result<Self> {
        Self::build(domain, particle_spacing, |axis| {
            Err(Error::FreeAxisNeedsRange { axis })
        })
    }

    /// As [`RemeshGrid::new`], with every free axis given the nodes whose
    /// `M4'` stencils hold all `particles` (bounded axes as in `new`).
    ///
    /// # Errors
    /// As [`RemeshGrid::new`], free axes excepted.
    pub fn covering(
        domain: Domain<D>,
        particle_spacing: f64,
        particles: &ParticleSet<D>,
    ) -> Result<Self> {
        Self::build(domain, particle_spacing, |axis| {
            let l = 2.0 * particle_spacing;
            let coords = particles.coords(axis);
            let (lo, hi) = extent_1d(coords);
            let first = (lo / l).floor() as i64 - 1;
            let last = (hi / l).floor() as i64 + 2;
            Ok(Nodes::Free {
                first,
                count: (last - first + 1) as usize,
            })
        })
    }

    fn build(
        domain: Domain<D>,
        particle_spacing: f64,
        free: impl Fn(usize) -> Result<Nodes>,
    ) -> Result<Self> {
        if !(particle_spacing.is_finite() && particle_spacing > 0.0) {
            return Err(Error::NotPositive {
                name: "particle spacing d_p",
                value: particle_spacing,
            });
        }
        let l = 2.0 * particle_spacing;
        let mut axes = [Nodes::Periodic { cells: 1 }; D];
        for (a, (nodes, axis)) in axes.iter_mut().zip(domain.axes()).enumerate() {
            *nodes = match *axis {
                Axis::Free => free(a)?,
                Axis::Periodic { length } | Axis::Walls { length } => {
                    let cells = whole_cells(length, l).ok_or(Error::GridDoesNotTile {
                        axis: a,
                        length,
                        spacing: l,
                    })?;
                    if matches!(axis, Axis::Periodic { .. }) {
                        Nodes::Periodic { cells }
                    } else {
                        Nodes::Walls { cells }
                    }
                }
            };
        }
        Ok(RemeshGrid {
            domain,
            particle_spacing,
            axes,
        })
    }

    /// The grid spacing `l = 2 d_p`.
    pub fn spacing(&self) -> f64 {
        2.0 * self.particle_spacing
    }

    /// The particle spacing `d_p` of the fresh particles.
    pub fn particle_spacing(&self) -> f64 {
        self.particle_spacing
    }

    /// The domain.
    pub fn domain(&self) -> &Domain<D> {
        &self.domain
    }

    /// Nodes per axis (storage is axis 0 fastest).
    pub fn dims(&self) -> [usize; D] {
        self.axes.map(Nodes::count)
    }

    /// Total number of nodes.
    pub fn node_count(&self) -> usize {
        self.dims().iter().product()
    }

    /// Position of the node stored at `index` (axis 0 fastest).
    ///
    /// # Panics
    /// If `index >= node_count()`.
    pub fn node_position(&self, index: usize) -> [f64; D] {
        assert!(index < self.node_count(), "node {index} out of range");
        let mut rest = index;
        std::array::from_fn(|a| {
            let n = self.axes[a].count();
            let i = (rest % n) as i64 + self.axes[a].first();
            rest /= n;
            i as f64 * self.spacing()
        })
    }

    /// The index of the node nearest to `x` (a periodic axis wraps; a
    /// wall or free axis takes its last node for a point beyond it), as
    /// [`RemeshGrid::node_position`] counts them.
    ///
    /// # Errors
    /// [`Error::NonFinitePoint`] (as point 0) for a NaN or infinite
    /// coordinate.
    pub fn nearest_node(&self, x: [f64; D]) -> Result<usize> {
        let mut index = 0;
        let mut stride = 1;
        for (axis, (nodes, value)) in self.axes.iter().zip(x).enumerate() {
            if !value.is_finite() {
                return Err(Error::NonFinitePoint {
                    index: 0,
                    axis,
                    value,
                });
            }
            let i = (value / self.spacing()).round() as i64 - nodes.first();
            let count = nodes.count() as i64;
            let i = match nodes {
                Nodes::Periodic { .. } => i.rem_euclid(count),
                Nodes::Walls { .. } | Nodes::Free { .. } => i.clamp(0, count - 1),
            };
            index += i as usize * stride;
            stride *= nodes.count();
        }
        Ok(index)
    }

    /// Distance in storage between neighbours along each axis (axis 0
    /// fastest).
    fn strides(&self) -> [usize; D] {
        std::array::from_fn(|a| self.axes[..a].iter().map(|n| n.count()).product())
    }

    /// The constants of [`lanes::RowLanes::stencil_pair`] for a 2D grid
    /// whose axes are periodic or walls.
    fn interior_2d(&self) -> Option<lanes::Interior> {
        let cells = |nodes: &Nodes| match *nodes {
            Nodes::Periodic { cells } | Nodes::Walls { cells } => Some(cells as i64),
            Nodes::Free { .. } => None,
        };
        match self.axes.as_slice() {
            [x, y] => Some(lanes::Interior {
                inverse_spacing: 1.0 / self.spacing(),
                cells: [cells(x)?, cells(y)?],
                row_stride: x.count(),
            }),
            _ => None,
        }
    }

    /// The axes' stencils of `x`, for `strides` from [`RemeshGrid::strides`].
    #[inline(always)]
    fn stencils(&self, strides: &[usize; D], x: [f64; D]) -> [AxisStencil; D] {
        let inverse = 1.0 / self.spacing();
        // A plain loop rather than `array::from_fn`, whose closure the
        // compiler did not inline into the hot loops.
        let mut stencils = [AxisStencil::EMPTY; D];
        for (a, stencil) in stencils.iter_mut().enumerate() {
            *stencil = AxisStencil::new(self.axes[a], strides[a], inverse, x[a]);
        }
        stencils
    }

    /// `sum_i values_i W(x / l - i)` for one point: eq. (7) for nodal values.
    fn gather(&self, values: &[f64], x: [f64; D]) -> f64 {
        gather_fields(&self.stencils(&self.strides(), x), [values])[0]
    }

    /// The `M4'` interpolant eq. (7), `sum_i f_i W((x - x_i) / l)`, of `F`
    /// nodal fields at one point, sharing the stencil weights: the
    /// grid-to-particle step of a Vortex-In-Cell code (both velocity
    /// components at once). Wall axes see the odd images of the fields.
    ///
    /// # Errors
    /// [`Error::GridSizeMismatch`] if a field does not have
    /// [`RemeshGrid::node_count`] values; [`Error::NonFinitePoint`] for a NaN
    /// or infinite coordinate.
    ///
    /// # Example
    ///
    /// `M4'` reproduces linear functions:
    ///
    /// ```
    /// use particle_core::remesh::RemeshGrid;
    /// use particle_core::Domain;
    ///
    /// let grid = RemeshGrid::<1>::new(Domain::periodic(1.0)?, 0.0625)?; // 8 nodes
    /// let ones = vec![1.0; 8];
    /// let ramp: Vec<f64> = (0..8).map(|i| i as f64).collect();
    /// let [one, r] = grid.sample([&ones, &ramp], [0.3])?;
    /// assert!((one - 1.0).abs() < 1e-15);
    /// assert!((r - 0.3 / 0.125).abs() < 1e-14); // x / l, away from the wrap
    /// # Ok::<(), particle_core::Error>(())
    /// ```
    pub fn sample<const F: usize>(&self, fields: [&[f64]; F], x: [f64; D]) -> Result<[f64; F]> {
        let expected = self.node_count();
        if let Some(field) = fields.iter().find(|f| f.len() != expected) {
            return Err(Error::GridSizeMismatch {
                expected,
                found: field.len(),
            });
        }
        if let Some(axis) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinitePoint {
                index: 0,
                axis,
                value: x[axis],
            });
        }
        Ok(gather_fields(&self.stencils(&self.strides(), x), fields))
    }

    /// [`RemeshGrid::sample`] at many points, written into `out`
    /// (`out[p]` holds the `F` fields at point `p`, whose coordinates are
    /// `points[a][p]`): the grid-to-particle step of a Vortex-In-Cell code
    /// without a call, a check of the fields or an allocation per point.
    /// Bit-identical to [`RemeshGrid::sample`] point by point. Sequential;
    /// callers split the points for rayon (every point is a gather, so any
    /// split gives the same bits).
    ///
    /// # Errors
    /// [`Error::GridSizeMismatch`] if a field does not have
    /// [`RemeshGrid::node_count`] values; [`Error::LengthMismatch`] if an
    /// axis of `points` does not have `out.len()` coordinates;
    /// [`Error::NonFinitePoint`] naming the first point with a NaN or
    /// infinite coordinate (`out` is then written up to that point).
    ///
    /// # Example
    ///
    /// ```
    /// use particle_core::remesh::RemeshGrid;
    /// use particle_core::Domain;
    ///
    /// let grid = RemeshGrid::<1>::new(Domain::periodic(1.0)?, 0.0625)?; // 8 nodes
    /// let ramp: Vec<f64> = (0..8).map(|i| i as f64).collect();
    /// let xs = [0.3, 0.4];
    /// let mut out = [[0.0]; 2];
    /// grid.sample_many([&ramp], [&xs], &mut out)?;
    /// assert_eq!(out[1], grid.sample([&ramp], [0.4])?);
    /// # Ok::<(), particle_core::Error>(())
    /// ```
    pub fn sample_many<const F: usize>(
        &self,
        fields: [&[f64]; F],
        points: [&[f64]; D],
        out: &mut [[f64; F]],
    ) -> Result<()> {
        let expected = self.node_count();
        if let Some(field) = fields.iter().find(|f| f.len() != expected) {
            return Err(Error::GridSizeMismatch {
                expected,
                found: field.len(),
            });
        }
        if let Some(axis) = points.iter().find(|c| c.len() != out.len()) {
            return Err(Error::LengthMismatch {
                what: "point coordinates",
                expected: out.len(),
                found: axis.len(),
            });
        }
        // Every point before the first non-finite one is sampled.
        let mut bad = out.len();
        for coords in &points {
            bad = coords[..bad]
                .iter()
                .position(|v| !v.is_finite())
                .unwrap_or(bad);
        }
        self.sample_finite(fields, points, &mut out[..bad]);
        match points
            .iter()
            .position(|c| bad < c.len() && !c[bad].is_finite())
        {
            Some(axis) => Err(Error::NonFinitePoint {
                index: bad,
                axis,
                value: points[axis][bad],
            }),
            None => Ok(()),
        }
    }

    /// [`RemeshGrid::sample_many`] at finite points, in AVX2 where the
    /// processor has it (the same bits as the portable form).
    fn sample_finite<const F: usize>(
        &self,
        fields: [&[f64]; F],
        points: [&[f64]; D],
        out: &mut [[f64; F]],
    ) {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            let grid = self;
            return simd.vectorize(avx2::Sample {
                simd,
                grid,
                fields,
                points,
                out,
            });
        }
        self.sample_with(lanes::Portable, fields, points, out)
    }

    #[inline(always)]
    fn sample_with<L: lanes::RowLanes, const F: usize>(
        &self,
        lanes: L,
        fields: [&[f64]; F],
        points: [&[f64]; D],
        out: &mut [[f64; F]],
    ) {
        // Two fields in 2D (a VIC velocity): interior points two at a time,
        // their stencils and sums side by side in the lanes.
        if let (&[u, v], &[xs, ys], Some(interior)) =
            (fields.as_slice(), points.as_slice(), self.interior_2d())
        {
            let row_stride = interior.row_stride;
            let n = out.len();
            let mut p = 0;
            while p + 1 < n {
                match lanes.stencil_pair(interior, [xs[p], xs[p + 1]], [ys[p], ys[p + 1]]) {
                    [Some(a), Some(b)] => {
                        let [a, b] = lanes.gather_pair([u, v], row_stride, a, b);
                        out[p][..2].copy_from_slice(&a);
                        out[p + 1][..2].copy_from_slice(&b);
                    }
                    pair => {
                        for (q, rows) in [p, p + 1].into_iter().zip(pair) {
                            match rows {
                                Some(rows) => out[q][..2].copy_from_slice(
                                    &lanes::Portable::gather_one([u, v], row_stride, rows),
                                ),
                                None => self.sample_at(fields, points, &mut out[q], q),
                            }
                        }
                    }
                }
                p += 2;
            }
            if p < n {
                self.sample_at(fields, points, &mut out[p], p);
            }
            return;
        }
        for (p, o) in out.iter_mut().enumerate() {
            self.sample_at(fields, points, o, p);
        }
    }

    /// Point `p`'s sums into `o` by its stencils (any axis kinds). A
    /// method, not a closure: a closure the compiler leaves out of line
    /// loses the AVX2 and FMA features (its fused multiply-adds become
    /// calls).
    #[inline(always)]
    fn sample_at<const F: usize>(
        &self,
        fields: [&[f64]; F],
        points: [&[f64]; D],
        o: &mut [f64; F],
        p: usize,
    ) {
        let mut x = [0.0; D];
        for (x, coords) in x.iter_mut().zip(&points) {
            *x = coords[p];
        }
        *o = gather_fields(&self.stencils(&self.strides(), x), fields);
    }
}

/// `sum_i f_i W(x / l - i)` for `F` fields on one stencil, the weights
/// shared.
#[inline(always)]
fn gather_fields<const D: usize, const F: usize>(
    stencils: &[AxisStencil; D],
    fields: [&[f64]; F],
) -> [f64; F] {
    // In 2D the order of every 2D path (`lanes::contract`), so that a point
    // gets the same bits whichever path samples it.
    if let [x, y] = stencils.as_slice() {
        let mut sums = [0.0; F];
        for (sum, f) in sums.iter_mut().zip(fields) {
            *sum = lanes::contract((x.weights, x.offsets), (y.weights, y.offsets), f);
        }
        return sums;
    }
    let mut sums = [0.0; F];
    for_each_node(stencils, |flat, w| {
        for (sum, field) in sums.iter_mut().zip(&fields) {
            *sum += w * field[flat];
        }
    });
    sums
}

/// `(floor(s) as i64, floor(s))` without the C library's `floor` (a call
/// on the baseline x86-64 target): truncation, one down for negative
/// non-integers. Exact for every `f64`; NaN gives `(0, NaN)` like `floor`
/// followed by `as i64`.
#[inline(always)]
fn split_floor(s: f64) -> (i64, f64) {
    // Below 2^52 in magnitude the truncation is exact; beyond, every f64 is
    // an integer already.
    if s.abs() < 4_503_599_627_370_496.0 {
        let t = s as i64;
        let down = i64::from(t as f64 > s);
        let base = t - down;
        (base, base as f64)
    } else {
        let floor = s.floor();
        (floor as i64, floor)
    }
}

/// One axis of a tensor `M4'` stencil.
#[derive(Debug, Clone, Copy)]
struct AxisStencil {
    /// Flat-index offset of each of the 4 nodes along this axis.
    offsets: [usize; 4],
    /// Their weights (0 for nodes without a value).
    weights: [f64; 4],
}

impl AxisStencil {
    /// A placeholder, overwritten before use.
    const EMPTY: Self = AxisStencil {
        offsets: [0; 4],
        weights: [0.0; 4],
    };

    /// Stencil of `x` on an axis with `nodes`, storage `stride` and grid
    /// spacing `l`: the 4 nodes `base - 1 ..= base + 2` as flat-index
    /// offsets (storage slot times the stride) with their `M4'` weight
    /// times image sign; a node that carries no value (a wall node, beyond
    /// a free range) gets weight 0 and offset 0.
    #[inline(always)]
    fn new(nodes: Nodes, stride: usize, inverse_spacing: f64, x: f64) -> Self {
        let s = x * inverse_spacing;
        let (base, floor) = split_floor(s);
        let mut weights = m4prime_weights(s - floor);
        let consecutive = |first: i64| {
            let first = first as usize;
            [0, 1, 2, 3].map(|k| (first + k) * stride)
        };
        let offsets = match nodes {
            // Away from the wrap (and from the walls) every node is itself,
            // with sign +1, and the slots are consecutive.
            Nodes::Periodic { cells } | Nodes::Walls { cells }
                if base > 1 && base + 2 < cells as i64 =>
            {
                consecutive(base - 1)
            }
            Nodes::Periodic { cells } if base == 1 && cells > 3 => consecutive(0),
            Nodes::Periodic { cells } => {
                let first = (base - 1).rem_euclid(cells as i64) as usize;
                [0, 1, 2, 3].map(|k| (first + k) % cells * stride)
            }
            nodes => {
                let mut offsets = [0usize; 4];
                for (k, (offset, weight)) in offsets.iter_mut().zip(&mut weights).enumerate() {
                    match nodes.slot(base - 1 + k as i64) {
                        Some((slot, sign)) => {
                            *offset = slot * stride;
                            *weight *= sign;
                        }
                        None => *weight = 0.0,
                    }
                }
                offsets
            }
        };
        AxisStencil { offsets, weights }
    }
}

/// Call `f(flat_index, weight)` for the `4^D` nodes of a tensor stencil,
/// axis 0 fastest, the weight being the product over the axes (nodes of
/// weight 0 included: they add nothing).
#[inline(always)]
fn for_each_node<const D: usize>(stencils: &[AxisStencil; D], mut f: impl FnMut(usize, f64)) {
    let mut k = [0usize; D];
    'outer: loop {
        let mut w = 1.0;
        let mut flat = 0;
        for (a, stencil) in stencils.iter().enumerate() {
            flat += stencil.offsets[k[a]];
            w *= stencil.weights[k[a]];
        }
        f(flat, w);
        for ka in k.iter_mut() {
            if *ka < 3 {
                *ka += 1;
                continue 'outer;
            }
            *ka = 0;
        }
        break;
    }
}

/// Nodal values `u_i` on a [`RemeshGrid`], axis 0 fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct GridValues<const D: usize> {
    grid: RemeshGrid<D>,
    values: Vec<f64>,
}

impl<const D: usize> GridValues<D> {
    /// Nodal values from an array (for instance after an analysis).
    ///
    /// # Errors
    /// [`Error::GridSizeMismatch`] for a wrong count; [`Error::NonFiniteValue`]
    /// for a NaN or infinite value (its index is the node's).
    pub fn new(grid: RemeshGrid<D>, values: Vec<f64>) -> Result<Self> {
        if values.len() != grid.node_count() {
            return Err(Error::GridSizeMismatch {
                expected: grid.node_count(),
                found: values.len(),
            });
        }
        if let Some(index) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFiniteValue {
                index,
                value: values[index],
            });
        }
        Ok(GridValues { grid, values })
    }

    /// The grid.
    pub fn grid(&self) -> &RemeshGrid<D> {
        &self.grid
    }

    /// The nodal values `u_i`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Consume into the nodal values.
    pub fn into_values(self) -> Vec<f64> {
        self.values
    }

    /// `sum_i V_i u_i`, `V_i = l^D`: the total strength on the grid.
    pub fn total(&self) -> f64 {
        self.grid.spacing().powi(D as i32) * self.values.iter().sum::<f64>()
    }

    /// The grid field eq. (7), `u^g(x) = sum_i u_i W((x - x_i) / l)`.
    ///
    /// # Errors
    /// [`Error::NonFinitePoint`] for a NaN or infinite coordinate.
    pub fn field_at(&self, x: [f64; D]) -> Result<f64> {
        if let Some(axis) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinitePoint {
                index: 0,
                axis,
                value: x[axis],
            });
        }
        Ok(self.grid.gather(&self.values, x))
    }

    /// Eq. (8): fresh particles at 1/4 and 3/4 of every cell with
    /// `U*_p = u^g(x*_p) d_p^D`, keeping those with `|u^g(x*_p)| > threshold`.
    ///
    /// # Errors
    /// [`Error::Negative`] for a negative or non-finite threshold;
    /// [`Error::EmptyParticleSet`] if no particle survives it.
    pub fn interpolate(&self, threshold: f64) -> Result<ParticleSet<D>> {
        if !(threshold.is_finite() && threshold >= 0.0) {
            return Err(Error::Negative {
                name: "remeshing threshold",
                value: threshold,
            });
        }
        let grid = &self.grid;
        let dp = grid.particle_spacing;
        let ranges = grid.axes.map(Nodes::particle_range);
        let counts: [usize; D] = ranges.clone().map(|r| (r.end - r.start) as usize);
        let total: usize = counts.iter().product();
        let kept: Vec<([f64; D], f64)> = (0..total)
            .into_par_iter()
            .filter_map(|flat| {
                let mut rest = flat;
                let x: [f64; D] = std::array::from_fn(|a| {
                    let k = ranges[a].start + (rest % counts[a]) as i64;
                    rest /= counts[a];
                    (k as f64 + 0.5) * dp
                });
                let u = grid.gather(&self.values, x);
                (u.abs() > threshold).then_some((x, u))
            })
            .collect();
        let volume = dp.powi(D as i32);
        let positions: [Vec<f64>; D] =
            std::array::from_fn(|a| kept.iter().map(|(x, _)| x[a]).collect());
        let strengths = kept.iter().map(|(_, u)| u * volume).collect();
        ParticleSet::new(positions, strengths, vec![volume; kept.len()])
    }
}

/// The parallel projection splits the particles into at most this many
/// chunks of at least [`MIN_CHUNK`] particles, each accumulating on its own
/// copy of the grid; the copies are added in chunk order. The split depends
/// on the particle count only, so every bit of the result is the same for
/// any number of threads.
const MAX_CHUNKS: usize = 8;
/// Smallest chunk of the parallel projection.
const MIN_CHUNK: usize = 4096;

/// Eq. (6): project the particles' strengths onto the grid.
///
/// Allocates its result and work space; a time loop projecting many times
/// onto one grid uses a [`Projector`] instead.
///
/// # Errors
/// [`Error::OutsideDomain`] for a particle outside a wall-bounded axis;
/// [`Error::OutsideGrid`] for one whose stencil leaves a free axis' nodes.
///
/// # Example
///
/// A particle on a node puts all its strength there:
///
/// ```
/// use particle_core::remesh::{project, RemeshGrid};
/// use particle_core::{Domain, ParticleSet};
///
/// let grid = RemeshGrid::<1>::new(Domain::periodic(1.0)?, 0.125)?; // l = 0.25
/// let set = ParticleSet::<1>::new([vec![0.5]], vec![2.0], vec![0.125])?;
/// let nodes = project(&set, &grid)?;
/// assert_eq!(nodes.values(), &[0.0, 0.0, 8.0, 0.0]); // 2.0 / l
/// assert_eq!(nodes.total(), 2.0);
/// # Ok::<(), particle_core::Error>(())
/// ```
pub fn project<const D: usize>(
    particles: &ParticleSet<D>,
    grid: &RemeshGrid<D>,
) -> Result<GridValues<D>> {
    let mut values = vec![0.0; grid.node_count()];
    Projector::new(grid.clone()).project_into(particles, &mut values)?;
    Ok(GridValues {
        grid: grid.clone(),
        values,
    })
}

/// Eq. (6) onto one grid, again and again, without allocating: the work
/// space of the parallel projection is kept between calls (it grows only
/// when a call needs more chunks than any before).
#[derive(Debug, Clone)]
pub struct Projector<const D: usize> {
    grid: RemeshGrid<D>,
    /// A grid per chunk after the first, with the nodes its particles
    /// reached.
    partial: Vec<(Vec<f64>, std::ops::Range<usize>)>,
}

impl<const D: usize> Projector<D> {
    /// A projector onto `grid`.
    pub fn new(grid: RemeshGrid<D>) -> Self {
        Projector {
            grid,
            partial: Vec::new(),
        }
    }

    /// The grid projected onto.
    pub fn grid(&self) -> &RemeshGrid<D> {
        &self.grid
    }

    /// Overwrite `values` (one per node, axis 0 fastest) with the nodal
    /// values eq. (6) of `particles`. Bit-identical to [`project`] and for
    /// any number of threads.
    ///
    /// # Errors
    /// [`Error::GridSizeMismatch`] for a wrong `values` length; otherwise as
    /// [`project`]. `values` is unchanged on error.
    pub fn project_into(&mut self, particles: &ParticleSet<D>, values: &mut [f64]) -> Result<()> {
        let grid = &self.grid;
        let n_nodes = grid.node_count();
        if values.len() != n_nodes {
            return Err(Error::GridSizeMismatch {
                expected: n_nodes,
                found: values.len(),
            });
        }
        check_on_grid(particles, grid)?;
        let n = particles.len();
        let chunks = n.div_ceil(MIN_CHUNK).clamp(1, MAX_CHUNKS);
        let chunk_len = n.div_ceil(chunks);
        // Chunk 0 accumulates in `values` itself (0 + a = a exactly), the
        // others on their own copies, of which only the nodes the chunk
        // can reach are cleared and added (elsewhere `v + 0 = v`).
        if self.partial.len() < chunks - 1 {
            self.partial.resize(chunks - 1, (vec![0.0; n_nodes], 0..0));
        }
        let chunk = |c: usize| (c * chunk_len).min(n)..((c + 1) * chunk_len).min(n);
        let partial = &mut self.partial[..chunks - 1];
        rayon::join(
            || {
                values.fill(0.0);
                scatter(grid, particles, chunk(0), values);
            },
            || {
                partial
                    .par_iter_mut()
                    .enumerate()
                    .for_each(|(c, (acc, reached))| {
                        let range = chunk(c + 1);
                        *reached = reach(grid, particles, range.clone());
                        acc[reached.clone()].fill(0.0);
                        scatter(grid, particles, range, acc);
                    })
            },
        );
        // `((0 + a_0) + a_1 + ...) / V` in chunk order.
        for (acc, reached) in partial.iter() {
            for (v, a) in values[reached.clone()]
                .iter_mut()
                .zip(&acc[reached.clone()])
            {
                *v += a;
            }
        }
        let inv_volume = grid.spacing().powi(-(D as i32));
        values.iter_mut().for_each(|v| *v *= inv_volume);
        Ok(())
    }
}

/// The flat node indices the stencils of the particles `range` can reach:
/// the layers of the slowest axis from two below the lowest particle to
/// three above the highest (one more each way than `M4'` reaches, against
/// rounding), or the whole grid where that axis wraps or a coordinate is
/// not finite. Particles remeshed in node order and moved little since
/// (a VIC step's) reach a band of the grid per chunk.
fn reach<const D: usize>(
    grid: &RemeshGrid<D>,
    particles: &ParticleSet<D>,
    range: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    let everything = 0..grid.node_count();
    let slowest = D - 1;
    let coords = &particles.coords(slowest)[range];
    let (low, high) = extent_1d(coords);
    if !(low.is_finite() && high.is_finite()) {
        return everything;
    }
    let nodes = grid.axes[slowest];
    let first = (low / grid.spacing()).floor() as i64 - 2 - nodes.first();
    let last = (high / grid.spacing()).floor() as i64 + 3 - nodes.first();
    let count = nodes.count() as i64;
    if matches!(nodes, Nodes::Periodic { .. }) && (first < 0 || last >= count) {
        return everything;
    }
    let layer = grid.strides()[slowest];
    let (first, last) = (first.clamp(0, count - 1), last.clamp(0, count - 1));
    first as usize * layer..(last as usize + 1) * layer
}

/// Add `U_p W((x_i - x_p) / l)` of the particles in `range` to `acc`, in
/// particle order.
fn scatter<const D: usize>(
    grid: &RemeshGrid<D>,
    particles: &ParticleSet<D>,
    range: std::ops::Range<usize>,
    acc: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(avx2::Scatter {
            simd,
            grid,
            particles,
            range,
            acc,
        });
    }
    scatter_with(lanes::Portable, grid, particles, range, acc)
}

/// The AVX2 entry points of P2M and M2P: structs rather than closures, so
/// that the body is compiled inside `vectorize` with the AVX2 and FMA
/// features (a closure the compiler leaves out of line is compiled
/// without them, its intrinsics then called as functions).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{ParticleSet, RemeshGrid, lanes, scatter_with};
    use pulp::x86::V3;

    pub(super) struct Sample<'a, const D: usize, const F: usize> {
        pub simd: V3,
        pub grid: &'a RemeshGrid<D>,
        pub fields: [&'a [f64]; F],
        pub points: [&'a [f64]; D],
        pub out: &'a mut [[f64; F]],
    }

    impl<const D: usize, const F: usize> pulp::NullaryFnOnce for Sample<'_, D, F> {
        type Output = ();

        #[inline(always)]
        fn call(self) {
            let lanes = lanes::avx2::Avx2(self.simd);
            self.grid
                .sample_with(lanes, self.fields, self.points, self.out);
        }
    }

    pub(super) struct Scatter<'a, const D: usize> {
        pub simd: V3,
        pub grid: &'a RemeshGrid<D>,
        pub particles: &'a ParticleSet<D>,
        pub range: std::ops::Range<usize>,
        pub acc: &'a mut [f64],
    }

    impl<const D: usize> pulp::NullaryFnOnce for Scatter<'_, D> {
        type Output = ();

        #[inline(always)]
        fn call(self) {
            let lanes = lanes::avx2::Avx2(self.simd);
            scatter_with(lanes, self.grid, self.particles, self.range, self.acc);
        }
    }
}

/// Add particle `p`'s `U_p W((x_i - x_p) / l)` to `acc` by its stencils
/// (any axis kinds). A function, not a closure: a closure the compiler
/// leaves out of line loses the AVX2 and FMA features (its fused
/// multiply-adds become calls).
#[inline(always)]
fn scatter_one<const D: usize>(
    grid: &RemeshGrid<D>,
    strides: &[usize; D],
    particles: &ParticleSet<D>,
    p: usize,
    acc: &mut [f64],
) {
    let u = particles.strengths()[p];
    let stencils = grid.stencils(strides, particles.position(p));
    // In 2D the order of every 2D path (`lanes::spread`).
    if let [x, y] = stencils.as_slice() {
        lanes::spread((x.weights, x.offsets), (y.weights, y.offsets), u, acc);
        return;
    }
    for_each_node(&stencils, |flat, w| acc[flat] += w * u);
}

#[inline(always)]
fn scatter_with<L: lanes::RowLanes, const D: usize>(
    lanes: L,
    grid: &RemeshGrid<D>,
    particles: &ParticleSet<D>,
    range: std::ops::Range<usize>,
    acc: &mut [f64],
) {
    let strides = grid.strides();
    // In 2D, interior particles two at a time: both stencils in the lanes,
    // then the rows of 4 nodes of the first particle and of the second.
    if let (2, Some(interior)) = (D, grid.interior_2d()) {
        let (xs, ys) = (particles.coords(0), particles.coords(1));
        let strengths = particles.strengths();
        let row_stride = interior.row_stride;
        let mut p = range.start;
        while p + 1 < range.end {
            let pair = lanes.stencil_pair(interior, [xs[p], xs[p + 1]], [ys[p], ys[p + 1]]);
            match pair {
                // Neighbours in one cell (most, right after remeshing): the
                // rows read and written once.
                [Some(a), Some(b)] if a.0 == b.0 => {
                    let (ua, ub) = (strengths[p], strengths[p + 1]);
                    lanes.scatter_same(acc, row_stride, (a, ua), (b, ub));
                }
                _ => {
                    for (k, rows) in [p, p + 1].into_iter().zip(pair) {
                        match rows {
                            Some(rows) => lanes.scatter(acc, row_stride, rows, strengths[k]),
                            None => scatter_one(grid, &strides, particles, k, acc),
                        }
                    }
                }
            }
            p += 2;
        }
        if p < range.end {
            scatter_one(grid, &strides, particles, p, acc);
        }
        return;
    }
    for p in range {
        scatter_one(grid, &strides, particles, p, acc);
    }
}

/// The index of the first `x` in `xs` that fails `ok`: blocks are first
/// tested whole by a fold without an early exit, which the compiler
/// vectorises (a `position` over everything is a scalar loop).
#[inline(always)]
fn first_failing(xs: &[f64], ok: impl Fn(f64) -> bool) -> Option<usize> {
    const BLOCK: usize = 64;
    for (b, block) in xs.chunks(BLOCK).enumerate() {
        if !block.iter().fold(true, |all, &x| all & ok(x)) {
            return block.iter().position(|&x| !ok(x)).map(|i| b * BLOCK + i);
        }
    }
    None
}

/// Every particle inside the wall-bounded axes and, on free axes, with its
/// whole stencil on the grid's nodes. The error names the first particle
/// that fails (the domain check before the free range for that particle).
fn check_on_grid<const D: usize>(particles: &ParticleSet<D>, grid: &RemeshGrid<D>) -> Result<()> {
    let has_walls = grid.axes.iter().any(|n| matches!(n, Nodes::Walls { .. }));
    let n = particles.len();
    // One scan per axis over its coordinates (a loop the compiler can
    // vectorise), then the exact error of the first offender.
    let mut outside = n;
    if has_walls {
        for (a, axis) in grid.domain.axes().iter().enumerate() {
            let coords = &particles.coords(a)[..outside];
            let bad = match *axis {
                Axis::Free => None,
                Axis::Periodic { length } => first_failing(coords, |x| x >= 0.0 && x < length),
                Axis::Walls { length } => first_failing(coords, |x| x >= 0.0 && x <= length),
            };
            outside = bad.map_or(outside, |p| p.min(outside));
        }
    }
    let mut off_grid = None;
    for (a, nodes) in grid.axes.iter().enumerate() {
        if let Nodes::Free { first, count } = *nodes {
            let last = first + count as i64 - 1;
            let limit = off_grid.as_ref().map_or(n, |(p, _)| *p);
            let coords = &particles.coords(a)[..limit];
            let bad = coords.iter().position(|&x| {
                let base = (x / grid.spacing()).floor() as i64;
                base - 1 < first || base + 2 > last
            });
            if let Some(p) = bad {
                off_grid = Some((
                    p,
                    Error::OutsideGrid {
                        index: p,
                        axis: a,
                        value: coords[p],
                        first,
                        last,
                    },
                ));
            }
        }
    }
    match off_grid {
        Some((p, error)) if p < outside => Err(error),
        _ if outside < n => grid
            .domain
            .check_inside(outside, &particles.position(outside)),
        _ => Ok(()),
    }
}

/// Projection, eq. (6), then interpolation to fresh particles, eq. (7)–(8),
/// with thresholding.
///
/// # Errors
/// As [`project`] and [`GridValues::interpolate`].
pub fn remesh<const D: usize>(
    particles: &ParticleSet<D>,
    grid: &RemeshGrid<D>,
    threshold: f64,
) -> Result<ParticleSet<D>> {
    project(particles, grid)?.interpolate(threshold)
}
