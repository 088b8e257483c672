//! The 4 x 4 rows of a 2D `M4'` stencil whose axes are both contiguous
//! (the interior fast path of P2M and M2P), as arrays for any processor
//! ([`Portable`]) and written out in AVX2 instructions ([`avx2::Avx2`]).
//!
//! Both perform the same operations in the same order, so they give the
//! same bits, and so does the scalar path of stencils that wrap or meet a
//! wall ([`contract`], [`share`]):
//!
//! * projection adds `wy_j (wx_i u)` to node `(i, j)` by a fused
//!   multiply-add: a row of four nodes is one vector operation;
//! * interpolation contracts y first, `c_i = sum_j wy_j f_ij` by fused
//!   multiply-adds over `j` (four columns at once: a row of the field
//!   times one weight), then x as `(p_0 + p_1) + (p_2 + p_3)` with
//!   `p_i = wx_i c_i` (a horizontal sum of one vector).
//!
//! The sums are those of the textbook node-by-node loops
//! (`sum_ij (wx_i wy_j) f_ij`) in another order, equal to them up to
//! rounding (the tests compare them).

/// A contiguous 2D stencil: the flat index of its first node and the
/// weights along x and y (the row stride is shared by the grid).
pub(super) type Rows = (usize, [f64; 4], [f64; 4]);

use super::split_floor;
use crate::kernels::m4prime_weights;

/// The grid constants of the interior 2D stencils: `1 / l` for spacing `l`, cells per
/// axis (periodic or walls; a stencil is interior when its base node
/// `b = floor(x (1 / l))` has `1 < b` and `b + 2 < cells` on both axes, so no
/// node wraps or meets a wall) and the storage stride of y.
#[derive(Debug, Clone, Copy)]
pub(super) struct Interior {
    pub inverse_spacing: f64,
    pub cells: [i64; 2],
    pub row_stride: usize,
}

impl Interior {
    /// The stencil rows from the two base nodes, `None` off the interior.
    #[inline(always)]
    fn rows(self, base: [i64; 2], wx: [f64; 4], wy: [f64; 4]) -> Option<Rows> {
        let [bx, by] = base;
        let [cx, cy] = self.cells;
        (bx > 1 && bx + 2 < cx && by > 1 && by + 2 < cy).then(|| {
            (
                (bx - 1) as usize + (by - 1) as usize * self.row_stride,
                wx,
                wy,
            )
        })
    }
}

/// The row of 4 nodes from `start`.
///
/// # Panics
/// If the row leaves `values` (a contiguous stencil never does).
#[inline(always)]
fn row(values: &[f64], start: usize) -> &[f64; 4] {
    values[start..start + 4]
        .try_into()
        .expect("a row of 4 nodes")
}

#[inline(always)]
fn row_mut(values: &mut [f64], start: usize) -> &mut [f64; 4] {
    (&mut values[start..start + 4])
        .try_into()
        .expect("a row of 4 nodes")
}

/// M2P of one field `f` at one point: `sum_i wx_i (sum_j wy_j f_ij)` with
/// node `(i, j)` at `f[ox_i + oy_j]`, the inner sums by fused
/// multiply-adds over `j`, the outer one as `(p_0 + p_1) + (p_2 + p_3)`.
/// Every 2D path interpolates in this order.
#[inline(always)]
pub(super) fn contract(
    (wx, ox): ([f64; 4], [usize; 4]),
    (wy, oy): ([f64; 4], [usize; 4]),
    f: &[f64],
) -> f64 {
    let mut p = [0.0; 4];
    for i in 0..4 {
        let mut c = wy[0] * f[ox[i] + oy[0]];
        for j in 1..4 {
            c = wy[j].mul_add(f[ox[i] + oy[j]], c);
        }
        p[i] = wx[i] * c;
    }
    (p[0] + p[1]) + (p[2] + p[3])
}

/// P2M of one particle of strength `u`: node `(i, j)` at `acc[ox_i + oy_j]`
/// gains `wy_j (wx_i u)` by one fused multiply-add. Every 2D path projects
/// in this order (the twin of [`contract`]).
#[inline(always)]
pub(super) fn spread(
    (wx, ox): ([f64; 4], [usize; 4]),
    (wy, oy): ([f64; 4], [usize; 4]),
    u: f64,
    acc: &mut [f64],
) {
    for j in 0..4 {
        for i in 0..4 {
            let node = &mut acc[ox[i] + oy[j]];
            *node = wy[j].mul_add(wx[i] * u, *node);
        }
    }
}

/// The nodes of contiguous `rows` as the axis weights and offsets that
/// [`contract`] and [`spread`] take.
#[inline(always)]
fn axes_of((first, wx, wy): Rows, row_stride: usize) -> (Axis, Axis) {
    (
        (wx, [0, 1, 2, 3].map(|i| first + i)),
        (wy, [0, 1, 2, 3].map(|j| j * row_stride)),
    )
}

/// One axis of a stencil: the weights and flat-index offsets of its nodes.
type Axis = ([f64; 4], [usize; 4]);

/// The two operations on the rows of contiguous stencils.
pub(super) trait RowLanes: Copy {
    /// The interior stencils of the points `(x[0], y[0])` and
    /// `(x[1], y[1])` (finite coordinates), as [`AxisStencil::new`] would
    /// build them; `None` for a point whose stencil is not interior.
    ///
    /// [`AxisStencil::new`]: super::AxisStencil::new
    fn stencil_pair(self, grid: Interior, x: [f64; 2], y: [f64; 2]) -> [Option<Rows>; 2];
    /// P2M: [`spread`] of one particle of strength `u`.
    fn scatter(self, acc: &mut [f64], row_stride: usize, rows: Rows, u: f64);
    /// P2M of two particles whose stencils have the same nodes (`a.0 ==
    /// b.0`): each row loaded and stored once, gaining `a`'s shares and then
    /// `b`'s, the same bits as two [`RowLanes::scatter`] calls.
    fn scatter_same(self, acc: &mut [f64], row_stride: usize, a: (Rows, f64), b: (Rows, f64));
    /// M2P: [`contract`] of the two fields `f` at two points `a` and `b`.
    fn gather_pair(self, f: [&[f64]; 2], row_stride: usize, a: Rows, b: Rows) -> [[f64; 2]; 2];
}

/// Lanes as arrays; the reference for [`avx2::Avx2`].
#[derive(Clone, Copy)]
pub(super) struct Portable;

impl Portable {
    /// The M2P sums of one point (also the tail of an odd count).
    #[inline(always)]
    pub(super) fn gather_one(f: [&[f64]; 2], row_stride: usize, rows: Rows) -> [f64; 2] {
        let (x, y) = axes_of(rows, row_stride);
        [contract(x, y, f[0]), contract(x, y, f[1])]
    }
}

impl RowLanes for Portable {
    #[inline(always)]
    fn stencil_pair(self, grid: Interior, x: [f64; 2], y: [f64; 2]) -> [Option<Rows>; 2] {
        [0, 1].map(|k| {
            let (sx, sy) = (x[k] * grid.inverse_spacing, y[k] * grid.inverse_spacing);
            let ((bx, fx), (by, fy)) = (split_floor(sx), split_floor(sy));
            grid.rows([bx, by], m4prime_weights(sx - fx), m4prime_weights(sy - fy))
        })
    }

    #[inline(always)]
    fn scatter(self, acc: &mut [f64], row_stride: usize, rows: Rows, u: f64) {
        let (x, y) = axes_of(rows, row_stride);
        spread(x, y, u, acc);
    }

    #[inline(always)]
    fn scatter_same(self, acc: &mut [f64], row_stride: usize, a: (Rows, f64), b: (Rows, f64)) {
        self.scatter(acc, row_stride, a.0, a.1);
        self.scatter(acc, row_stride, b.0, b.1);
    }

    #[inline(always)]
    fn gather_pair(self, f: [&[f64]; 2], row_stride: usize, a: Rows, b: Rows) -> [[f64; 2]; 2] {
        [
            Self::gather_one(f, row_stride, a),
            Self::gather_one(f, row_stride, b),
        ]
    }
}

/// [`Portable`] written out in AVX2 instructions: the same operations in
/// the same order, so the same bits.
#[cfg(target_arch = "x86_64")]
pub(super) mod avx2 {
    use pulp::bytemuck::cast;
    use pulp::x86::V3;
    use std::arch::x86_64::{__m256d, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEG_INF};

    use super::{Interior, RowLanes, Rows, row, row_mut};

    #[derive(Clone, Copy)]
    pub(in super::super) struct Avx2(pub V3);

    /// `m4prime_weights(t)` in each lane: the same operations (no fused
    /// multiply-add), so the same bits.
    #[inline(always)]
    fn weights(simd: V3, t: __m256d) -> [__m256d; 4] {
        let avx = simd.avx;
        let splat = |v: f64| avx._mm256_set1_pd(v);
        let (mul, sub) = (
            |a, b| avx._mm256_mul_pd(a, b),
            |a, b| avx._mm256_sub_pd(a, b),
        );
        let u = sub(splat(1.0), t);
        let half_t = mul(splat(-0.5), t);
        [
            mul(mul(half_t, u), u),
            sub(
                splat(1.0),
                mul(mul(t, t), sub(splat(2.5), mul(splat(1.5), t))),
            ),
            sub(
                splat(1.0),
                mul(mul(u, u), sub(splat(2.5), mul(splat(1.5), u))),
            ),
            mul(mul(half_t, t), u),
        ]
    }

    /// The products `p_i = wx_i c_i`, `c_i = sum_j wy_j f_ij`, of one
    /// point's four columns in the lanes (see [`super::contract`]).
    #[inline(always)]
    fn column_products(simd: V3, f: &[f64], row_stride: usize, rows: Rows) -> __m256d {
        let (avx, fma) = (simd.avx, simd.fma);
        let (first, wx, wy) = rows;
        let mut c = avx._mm256_mul_pd(avx._mm256_set1_pd(wy[0]), cast(*row(f, first)));
        for (j, &wy) in wy.iter().enumerate().skip(1) {
            let r = cast(*row(f, first + j * row_stride));
            c = fma._mm256_fmadd_pd(avx._mm256_set1_pd(wy), r, c);
        }
        avx._mm256_mul_pd(cast(wx), c)
    }

    impl RowLanes for Avx2 {
        /// The 4 axis stencils in the lanes `[x_0, x_1, y_0, y_1]`, the
        /// weights `m4prime_weights` lane by lane, then transposed.
        #[inline(always)]
        fn stencil_pair(self, grid: Interior, x: [f64; 2], y: [f64; 2]) -> [Option<Rows>; 2] {
            let avx = self.0.avx;
            let splat = |v: f64| avx._mm256_set1_pd(v);
            let s = avx._mm256_mul_pd(cast([x[0], x[1], y[0], y[1]]), splat(grid.inverse_spacing));
            // Exact, as `split_floor`; interior bases are small positive
            // integers (a lane off the interior may be anything: it is
            // rejected below).
            let floor = avx._mm256_round_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(s);
            let base: [i32; 4] = cast(avx._mm256_cvttpd_epi32(floor));
            let t = avx._mm256_sub_pd(s, floor);
            let w = weights(self.0, t);
            // Transpose: the 4 weights of each lane.
            let lo01 = avx._mm256_unpacklo_pd(w[0], w[1]);
            let hi01 = avx._mm256_unpackhi_pd(w[0], w[1]);
            let lo23 = avx._mm256_unpacklo_pd(w[2], w[3]);
            let hi23 = avx._mm256_unpackhi_pd(w[2], w[3]);
            let wx0 = avx._mm256_permute2f128_pd::<0x20>(lo01, lo23);
            let wx1 = avx._mm256_permute2f128_pd::<0x20>(hi01, hi23);
            let wy0 = avx._mm256_permute2f128_pd::<0x31>(lo01, lo23);
            let wy1 = avx._mm256_permute2f128_pd::<0x31>(hi01, hi23);
            let base = base.map(i64::from);
            [
                grid.rows([base[0], base[2]], cast(wx0), cast(wy0)),
                grid.rows([base[1], base[3]], cast(wx1), cast(wy1)),
            ]
        }

        #[inline(always)]
        fn scatter(self, acc: &mut [f64], row_stride: usize, rows: Rows, u: f64) {
            let (avx, fma) = (self.0.avx, self.0.fma);
            let (first, wx, wy) = rows;
            let wxu = avx._mm256_mul_pd(cast(wx), avx._mm256_set1_pd(u));
            for (j, wy) in wy.into_iter().enumerate() {
                let r = row_mut(acc, first + j * row_stride);
                *r = cast(fma._mm256_fmadd_pd(avx._mm256_set1_pd(wy), wxu, cast(*r)));
            }
        }

        #[inline(always)]
        fn scatter_same(self, acc: &mut [f64], row_stride: usize, a: (Rows, f64), b: (Rows, f64)) {
            let (avx, fma) = (self.0.avx, self.0.fma);
            let ((first, wxa, wya), ua) = a;
            let ((_, wxb, wyb), ub) = b;
            let wxua = avx._mm256_mul_pd(cast(wxa), avx._mm256_set1_pd(ua));
            let wxub = avx._mm256_mul_pd(cast(wxb), avx._mm256_set1_pd(ub));
            for j in 0..4 {
                let r = row_mut(acc, first + j * row_stride);
                let sum = fma._mm256_fmadd_pd(avx._mm256_set1_pd(wya[j]), wxua, cast(*r));
                *r = cast(fma._mm256_fmadd_pd(avx._mm256_set1_pd(wyb[j]), wxub, sum));
            }
        }

        #[inline(always)]
        fn gather_pair(self, f: [&[f64]; 2], row_stride: usize, a: Rows, b: Rows) -> [[f64; 2]; 2] {
            let avx = self.0.avx;
            let simd = self.0;
            // Plain calls, no closures: a closure the compiler leaves out of
            // line loses the AVX2 features.
            let (ua, va) = (
                column_products(simd, f[0], row_stride, a),
                column_products(simd, f[1], row_stride, a),
            );
            let (ub, vb) = (
                column_products(simd, f[0], row_stride, b),
                column_products(simd, f[1], row_stride, b),
            );
            // [u01, v01, u23, v23] of each point, then (01) + (23).
            let (ha, hb) = (avx._mm256_hadd_pd(ua, va), avx._mm256_hadd_pd(ub, vb));
            let s = avx._mm256_add_pd(
                avx._mm256_permute2f128_pd::<0x20>(ha, hb),
                avx._mm256_permute2f128_pd::<0x31>(ha, hb),
            );
            let s: [f64; 4] = cast(s);
            [[s[0], s[1]], [s[2], s[3]]]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remesh::{AxisStencil, Nodes};

    /// Seed of the test stream.
    const SEED: u64 = 0x5eed_2da1;

    /// xorshift64*: uniform in [0, 1).
    struct Stream(u64);
    impl Stream {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    const CELLS: usize = 12;
    const L: f64 = 0.125;

    fn grid() -> Interior {
        Interior {
            inverse_spacing: 1.0 / L,
            cells: [CELLS as i64, CELLS as i64 - 1],
            row_stride: CELLS,
        }
    }

    /// Points over the box and a little beyond, many off the interior.
    fn points(n: usize) -> Vec<[f64; 2]> {
        let mut s = Stream(SEED);
        let side = CELLS as f64 * L;
        (0..n)
            .map(|_| {
                [
                    1.4 * side * s.next() - 0.2 * side,
                    1.4 * side * s.next() - 0.2 * side,
                ]
            })
            .collect()
    }

    /// The stencil of the scalar path, when interior: base nodes
    /// `b = floor(x / l)` with `1 < b` and `b + 2 < cells` on both axes.
    fn scalar_rows(x: [f64; 2]) -> Option<Rows> {
        let ax = AxisStencil::new(Nodes::Periodic { cells: CELLS }, 1, 1.0 / L, x[0]);
        let ay = AxisStencil::new(Nodes::Walls { cells: CELLS - 1 }, CELLS, 1.0 / L, x[1]);
        let interior = |x: f64, cells: usize| {
            let b = (x / L).floor();
            b > 1.0 && b + 2.0 < cells as f64
        };
        (interior(x[0], CELLS) && interior(x[1], CELLS - 1)).then_some((
            ax.offsets[0] + ay.offsets[0],
            ax.weights,
            ay.weights,
        ))
    }

    #[test]
    fn portable_stencils_are_the_scalar_path_bit_for_bit() {
        let pts = points(4000);
        let mut interior = 0;
        for pair in pts.chunks_exact(2) {
            let got =
                Portable.stencil_pair(grid(), [pair[0][0], pair[1][0]], [pair[0][1], pair[1][1]]);
            for (g, p) in got.iter().zip(pair) {
                assert_eq!(*g, scalar_rows(*p), "at {p:?}");
                interior += usize::from(g.is_some());
            }
        }
        assert!(
            interior > 500 && interior < 3500,
            "{interior} interior points"
        );
    }

    /// The textbook loops: node by node, `j` outer.
    fn naive_scatter(acc: &mut [f64], rows: Rows, u: f64) {
        let (first, wx, wy) = rows;
        for (j, wy) in wy.iter().enumerate() {
            for (i, wx) in wx.iter().enumerate() {
                acc[first + j * CELLS + i] += wx * wy * u;
            }
        }
    }

    fn naive_gather(f: [&[f64]; 2], rows: Rows) -> [f64; 2] {
        let (first, wx, wy) = rows;
        let mut sums = [0.0; 2];
        for (j, wy) in wy.iter().enumerate() {
            for (i, wx) in wx.iter().enumerate() {
                for (sum, f) in sums.iter_mut().zip(f) {
                    *sum += wx * wy * f[first + j * CELLS + i];
                }
            }
        }
        sums
    }

    /// Runs `check` on the portable lanes and, where the processor has
    /// AVX2, on those too.
    fn for_each_lanes(
        mut check: impl FnMut(
            &dyn Fn(Interior, [f64; 2], [f64; 2]) -> [Option<Rows>; 2],
            &mut dyn FnMut(&mut [f64], Rows, f64),
            &dyn Fn([&[f64]; 2], Rows, Rows) -> [[f64; 2]; 2],
        ),
    ) {
        check(
            &|g, x, y| Portable.stencil_pair(g, x, y),
            &mut |acc, r, u| Portable.scatter(acc, CELLS, r, u),
            &|f, a, b| Portable.gather_pair(f, CELLS, a, b),
        );
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            let lanes = avx2::Avx2(simd);
            check(
                &|g, x, y| lanes.stencil_pair(g, x, y),
                &mut |acc, r, u| lanes.scatter(acc, CELLS, r, u),
                &|f, a, b| lanes.gather_pair(f, CELLS, a, b),
            );
        }
    }

    #[test]
    fn two_particles_on_the_same_nodes_add_as_one_after_the_other() {
        let mut s = Stream(SEED ^ 2);
        let nodes = CELLS * CELLS;
        let start: Vec<f64> = (0..nodes).map(|_| s.next() - 0.5).collect();
        let mut lanes_results = Vec::new();
        // A particle: its stencil and strength.
        type Particle = (Rows, f64);
        let mut check = |scatter: &dyn Fn(&mut [f64], Rows, f64),
                         same: &dyn Fn(&mut [f64], Particle, Particle)| {
            // The same points and strengths for every lanes.
            let mut s = Stream(SEED ^ 3);
            let mut pairs = 0;
            let (mut together, mut apart) = (start.clone(), start.clone());
            for p in points(4000) {
                // A second point in the same cell.
                let cell = p.map(|x| (x / L).floor() * L);
                let q = [cell[0] + L * s.next(), cell[1] + L * s.next()];
                let [Some(a), Some(b)] = Portable.stencil_pair(grid(), [p[0], q[0]], [p[1], q[1]])
                else {
                    continue;
                };
                assert_eq!(a.0, b.0);
                let (ua, ub) = (s.next() - 0.5, s.next() - 0.5);
                same(&mut together, (a, ua), (b, ub));
                scatter(&mut apart, a, ua);
                scatter(&mut apart, b, ub);
                pairs += 1;
            }
            assert!(pairs > 500, "{pairs} pairs");
            assert!(together == apart);
            lanes_results.push(together);
        };
        check(
            &|acc, r, u| Portable.scatter(acc, CELLS, r, u),
            &|acc, a, b| Portable.scatter_same(acc, CELLS, a, b),
        );
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            let lanes = avx2::Avx2(simd);
            check(
                &|acc, r, u| lanes.scatter(acc, CELLS, r, u),
                &|acc, a, b| lanes.scatter_same(acc, CELLS, a, b),
            );
        }
        assert!(lanes_results.windows(2).all(|w| w[0] == w[1]));
    }

    /// Within `tol` of the textbook value, relative to `scale`.
    fn close(got: f64, want: f64, scale: f64) -> bool {
        (got - want).abs() <= 1e-15 * scale
    }

    #[test]
    fn lanes_match_the_naive_loops_and_each_other_bit_for_bit() {
        let pts = points(2000);
        let mut s = Stream(SEED ^ 1);
        let nodes = CELLS * CELLS;
        let f: [Vec<f64>; 2] = [0, 1].map(|_| (0..nodes).map(|_| 2.0 * s.next() - 1.0).collect());
        let strengths: Vec<f64> = pts.iter().map(|_| s.next() - 0.5).collect();
        // Each lanes' projection and interpolations, to compare bit for bit.
        type Results = (Vec<f64>, Vec<[[f64; 2]; 2]>);
        let mut results: Vec<Results> = Vec::new();
        for_each_lanes(|stencil_pair, scatter, gather_pair| {
            let mut fast = vec![0.0; nodes];
            let mut slow = vec![0.0; nodes];
            // The sum of |terms| of each node's textbook sum: its scale.
            let mut scale = vec![0.0; nodes];
            let mut gathered = Vec::new();
            for (k, pair) in pts.chunks_exact(2).enumerate() {
                let x = [pair[0][0], pair[1][0]];
                let y = [pair[0][1], pair[1][1]];
                let got = stencil_pair(grid(), x, y);
                assert_eq!(got, Portable.stencil_pair(grid(), x, y));
                for (q, rows) in got.iter().enumerate() {
                    if let Some(rows) = *rows {
                        let u = strengths[2 * k + q];
                        scatter(&mut fast, rows, u);
                        naive_scatter(&mut slow, rows, u);
                        let abs = (rows.0, rows.1.map(f64::abs), rows.2.map(f64::abs));
                        naive_scatter(&mut scale, abs, u.abs());
                    }
                }
                if let [Some(a), Some(b)] = got {
                    let f = [f[0].as_slice(), f[1].as_slice()];
                    let abs = f.map(|f| f.iter().map(|v| v.abs()).collect::<Vec<_>>());
                    let abs = [abs[0].as_slice(), abs[1].as_slice()];
                    let fast = gather_pair(f, a, b);
                    for (rows, fast) in [a, b].into_iter().zip(fast) {
                        let (want, scale) = (naive_gather(f, rows), naive_gather(abs, rows));
                        for c in 0..2 {
                            assert!(
                                close(fast[c], want[c], scale[c]),
                                "{fast:?} against {want:?}"
                            );
                        }
                    }
                    gathered.push(fast);
                }
            }
            for ((fast, slow), scale) in fast.iter().zip(&slow).zip(&scale) {
                assert!(close(*fast, *slow, 4.0 * scale), "{fast} against {slow}");
            }
            results.push((fast, gathered));
        });
        // The AVX2 lanes, where the processor has them, give the portable bits.
        for other in &results[1..] {
            assert!(other == &results[0]);
        }
    }
}
