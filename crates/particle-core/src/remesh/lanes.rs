//! The 4 x 4 rows of a 2D `M4'` stencil whose axes are both contiguous
//! (the interior fast path of P2M and M2P), as arrays for any processor
//! ([`Portable`]) and written out in AVX2 instructions ([`avx2::Avx2`]).
//!
//! Both perform the textbook node-by-node operations, in the same order
//! and without fused multiply-adds: node `(i, j)` has the weight
//! `w = wx_i * wy_j`, projection adds `w * u` to the node, interpolation
//! adds `w * f_ij` to a sum started at 0 and taken over `j` then `i`. The
//! vector form computes 4 nodes of a row at once for the products and, for
//! interpolation, keeps the serial sums of two points and two fields in the
//! 4 lanes of one register (`[u_p, v_p, u_q, v_q]`), so every sum still
//! sees its terms one by one in node order: the same bits.

/// A contiguous 2D stencil: the flat index of its first node and the
/// weights along x and y (the row stride is shared by the grid).
pub(super) type Rows = (usize, [f64; 4], [f64; 4]);

use super::split_floor;
use crate::kernels::m4prime_weights;

/// The grid constants of the interior 2D stencils: spacing `l`, cells per
/// axis (periodic or walls; a stencil is interior when its base node
/// `b = floor(x / l)` has `1 < b` and `b + 2 < cells` on both axes, so no
/// node wraps or meets a wall) and the storage stride of y.
#[derive(Debug, Clone, Copy)]
pub(super) struct Interior {
    pub spacing: f64,
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

/// The two operations on the rows of contiguous stencils.
pub(super) trait RowLanes: Copy {
    /// The interior stencils of the points `(x[0], y[0])` and
    /// `(x[1], y[1])` (finite coordinates), as [`AxisStencil::new`] would
    /// build them; `None` for a point whose stencil is not interior.
    ///
    /// [`AxisStencil::new`]: super::AxisStencil::new
    fn stencil_pair(self, grid: Interior, x: [f64; 2], y: [f64; 2]) -> [Option<Rows>; 2];
    /// P2M: `acc_ij += (wx_i wy_j) u` for the 16 nodes, rows in order.
    fn scatter(self, acc: &mut [f64], row_stride: usize, rows: Rows, u: f64);
    /// M2P: the sums `sum_ij (wx_i wy_j) f_ij` of the two fields `f` at
    /// two points `a` and `b`, each formed node by node (`j` outer).
    fn gather_pair(self, f: [&[f64]; 2], row_stride: usize, a: Rows, b: Rows) -> [[f64; 2]; 2];
}

/// Lanes as arrays; the reference for [`avx2::Avx2`].
#[derive(Clone, Copy)]
pub(super) struct Portable;

impl Portable {
    /// The M2P sums of one point (also the tail of an odd count).
    #[inline(always)]
    pub(super) fn gather_one(f: [&[f64]; 2], row_stride: usize, rows: Rows) -> [f64; 2] {
        let (first, wx, wy) = rows;
        let mut sums = [0.0; 2];
        for (j, wy) in wy.into_iter().enumerate() {
            let start = first + j * row_stride;
            let r = f.map(|f| row(f, start));
            for (i, wx) in wx.into_iter().enumerate() {
                let w = wx * wy;
                for (sum, r) in sums.iter_mut().zip(&r) {
                    *sum += w * r[i];
                }
            }
        }
        sums
    }
}

impl RowLanes for Portable {
    #[inline(always)]
    fn stencil_pair(self, grid: Interior, x: [f64; 2], y: [f64; 2]) -> [Option<Rows>; 2] {
        [0, 1].map(|k| {
            let (sx, sy) = (x[k] / grid.spacing, y[k] / grid.spacing);
            let ((bx, fx), (by, fy)) = (split_floor(sx), split_floor(sy));
            grid.rows([bx, by], m4prime_weights(sx - fx), m4prime_weights(sy - fy))
        })
    }

    #[inline(always)]
    fn scatter(self, acc: &mut [f64], row_stride: usize, rows: Rows, u: f64) {
        let (first, wx, wy) = rows;
        for (j, wy) in wy.into_iter().enumerate() {
            let r = row_mut(acc, first + j * row_stride);
            for (a, wx) in r.iter_mut().zip(wx) {
                *a += wx * wy * u;
            }
        }
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

    impl RowLanes for Avx2 {
        /// The 4 axis stencils in the lanes `[x_0, x_1, y_0, y_1]`, the
        /// weights `m4prime_weights` lane by lane, then transposed.
        #[inline(always)]
        fn stencil_pair(self, grid: Interior, x: [f64; 2], y: [f64; 2]) -> [Option<Rows>; 2] {
            let avx = self.0.avx;
            let splat = |v: f64| avx._mm256_set1_pd(v);
            let s = avx._mm256_div_pd(cast([x[0], x[1], y[0], y[1]]), splat(grid.spacing));
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
            let avx = self.0.avx;
            let (first, wx, wy) = rows;
            let wx = cast(wx);
            let u = avx._mm256_set1_pd(u);
            for (j, wy) in wy.into_iter().enumerate() {
                let w = avx._mm256_mul_pd(wx, avx._mm256_set1_pd(wy));
                let r = row_mut(acc, first + j * row_stride);
                *r = cast(avx._mm256_add_pd(cast(*r), avx._mm256_mul_pd(w, u)));
            }
        }

        #[inline(always)]
        fn gather_pair(self, f: [&[f64]; 2], row_stride: usize, a: Rows, b: Rows) -> [[f64; 2]; 2] {
            let avx = self.0.avx;
            let (wxa, wxb) = (cast(a.1), cast(b.1));
            // [u_a, v_a, u_b, v_b], each a serial sum in node order.
            let mut s = avx._mm256_setzero_pd();
            for j in 0..4 {
                let (sa, sb) = (a.0 + j * row_stride, b.0 + j * row_stride);
                let wa = avx._mm256_mul_pd(wxa, avx._mm256_set1_pd(a.2[j]));
                let wb = avx._mm256_mul_pd(wxb, avx._mm256_set1_pd(b.2[j]));
                let ua = avx._mm256_mul_pd(wa, cast(*row(f[0], sa)));
                let va = avx._mm256_mul_pd(wa, cast(*row(f[1], sa)));
                let ub = avx._mm256_mul_pd(wb, cast(*row(f[0], sb)));
                let vb = avx._mm256_mul_pd(wb, cast(*row(f[1], sb)));
                // Nodes 0 and 2, then 1 and 3, of each point as (u, v).
                let even_a = avx._mm256_unpacklo_pd(ua, va);
                let odd_a = avx._mm256_unpackhi_pd(ua, va);
                let even_b = avx._mm256_unpacklo_pd(ub, vb);
                let odd_b = avx._mm256_unpackhi_pd(ub, vb);
                s = avx._mm256_add_pd(s, avx._mm256_permute2f128_pd::<0x20>(even_a, even_b));
                s = avx._mm256_add_pd(s, avx._mm256_permute2f128_pd::<0x20>(odd_a, odd_b));
                s = avx._mm256_add_pd(s, avx._mm256_permute2f128_pd::<0x31>(even_a, even_b));
                s = avx._mm256_add_pd(s, avx._mm256_permute2f128_pd::<0x31>(odd_a, odd_b));
            }
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
            spacing: L,
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

    /// The stencil of the scalar path, when contiguous.
    fn scalar_rows(x: [f64; 2]) -> Option<Rows> {
        let ax = AxisStencil::new(Nodes::Periodic { cells: CELLS }, 1, L, x[0]);
        let ay = AxisStencil::new(Nodes::Walls { cells: CELLS - 1 }, CELLS, L, x[1]);
        // The scalar path also takes base 1 on a periodic axis as
        // contiguous; the pair path leaves it to the scalar path.
        (ax.contiguous && ay.contiguous && ax.offsets[0] >= 1).then_some((
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
    fn lanes_match_the_naive_loops_bit_for_bit() {
        let pts = points(2000);
        let mut s = Stream(SEED ^ 1);
        let nodes = CELLS * CELLS;
        let f: [Vec<f64>; 2] = [0, 1].map(|_| (0..nodes).map(|_| 2.0 * s.next() - 1.0).collect());
        let strengths: Vec<f64> = pts.iter().map(|_| s.next() - 0.5).collect();
        for_each_lanes(|stencil_pair, scatter, gather_pair| {
            let mut fast = vec![0.0; nodes];
            let mut slow = vec![0.0; nodes];
            for (k, pair) in pts.chunks_exact(2).enumerate() {
                let x = [pair[0][0], pair[1][0]];
                let y = [pair[0][1], pair[1][1]];
                let got = stencil_pair(grid(), x, y);
                assert_eq!(got, Portable.stencil_pair(grid(), x, y));
                for (q, rows) in got.iter().enumerate() {
                    if let Some(rows) = *rows {
                        scatter(&mut fast, rows, strengths[2 * k + q]);
                        naive_scatter(&mut slow, rows, strengths[2 * k + q]);
                    }
                }
                if let [Some(a), Some(b)] = got {
                    let f = [f[0].as_slice(), f[1].as_slice()];
                    assert_eq!(
                        gather_pair(f, a, b),
                        [naive_gather(f, a), naive_gather(f, b)]
                    );
                }
            }
            assert_eq!(fast, slow);
        });
    }
}
