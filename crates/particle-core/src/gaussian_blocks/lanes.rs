//! One block of [`LANES`] slots against one target: the Gaussians
//! `2^-d2` of the pairs, masked beyond the cut-off, and the sums they feed,
//! as arrays for any processor ([`Portable`]) and written out in AVX2 and
//! FMA instructions ([`avx2::Avx2`]). Both perform the same operations in
//! the same order (fused multiply-adds only), so they give the same bits.

use super::exp::{LANES, pow2_neg_blocks};

/// `K` blocks of pairs: a target with `K` blocks of [`LANES`] slots.
/// Blocks are evaluated `K` at a time so that a processor overlaps their
/// (long, serial) polynomial chains; the sums are taken block after block,
/// so every `K` gives the same bits.
pub(crate) trait Lanes<const D: usize>: Copy {
    /// The target's running sums `(a, b)`, lane by lane.
    type Acc: Copy;
    fn zero(self) -> Self::Acc;
    /// The pairs of `N` targets `me` with `K` blocks of slots (coordinates
    /// `x`, strengths `u`, volumes `v`): target `n`'s sums into `acc[n]`,
    /// the blocks' into `a` and `b` (target 0's terms first). With
    /// `SELF`, the last target's pair with lane 0 of block 0 is masked:
    /// that slot is the target itself.
    #[allow(clippy::too_many_arguments)]
    fn block<const N: usize, const K: usize, const DEG: usize, const SELF: bool>(
        self,
        me: &[Target<D>; N],
        x: [[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        v: &[[f64; LANES]; K],
        acc: &mut [Self::Acc; N],
        a: &mut [[f64; LANES]; K],
        b: &mut [[f64; LANES]; K],
    );
    /// One-sided: `me`'s first sum gains the blocks' `u g` (a value of the
    /// field of the slots at `me`); nothing is credited to the blocks.
    fn point_block<const K: usize, const DEG: usize>(
        self,
        me: &Target<D>,
        x: [[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        acc: &mut Self::Acc,
    );
    /// `((l0 + l1) + (l2 + l3))` of each sum.
    fn sums(self, acc: Self::Acc) -> (f64, f64);
}

/// What a target does with the blocks of its runs ([`walk_runs`]).
pub(crate) trait Visit {
    /// The `pairs` pairs of consecutive blocks from slot `at` on.
    fn together(&mut self, at: usize, pairs: usize);
    /// `K` blocks anywhere: two at the ends of two runs, or the last, odd
    /// one.
    fn apart<const K: usize>(&mut self, at: [usize; K]);
}

/// The blocks of `runs` (the slots `from..to` of each, in blocks of
/// [`LANES`] from `from`; the last block of a run may reach past `to` into
/// slots beyond the cut-off or padding, which the kernels mask), two at a
/// time: each run's consecutive pairs ([`Visit::together`]), its odd last
/// block with the next run's first, and an odd block left at the end
/// ([`Visit::apart`]).
#[inline(always)]
pub(crate) fn walk_runs(runs: &[(usize, usize)], visit: &mut impl Visit) {
    let mut pending = None;
    for &(from, to) in runs {
        if from >= to {
            continue;
        }
        let mut at = from;
        if let Some(first) = pending.take() {
            visit.apart([first, at]);
            at += LANES;
        }
        let pairs = to.saturating_sub(at).div_ceil(LANES) / 2;
        if pairs > 0 {
            visit.together(at, pairs);
            at += pairs * 2 * LANES;
        }
        if at < to {
            pending = Some(at);
        }
    }
    if let Some(last) = pending {
        visit.apart([last]);
    }
}

/// A computation over lanes of any kind ([`dispatch`] picks them).
pub(crate) trait WithLanes<const D: usize> {
    fn run<L: Lanes<D>>(self, lanes: L);
}

/// Run `op` with AVX2 and FMA lanes when the processor has them, with
/// [`Portable`] lanes otherwise (the same bits).
#[inline(always)]
pub(crate) fn dispatch<const D: usize>(op: impl WithLanes<D>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(avx2::Call { simd, op });
    }
    op.run(Portable);
}

/// The [`LANES`] values of `values` from slot `at` on.
#[inline(always)]
pub(crate) fn lanes_at(values: &[f64], at: usize) -> [f64; LANES] {
    let mut out = [0.0; LANES];
    out.copy_from_slice(&values[at..at + LANES]);
    out
}

/// Lanes as arrays, for any target; the reference for [`avx2::Avx2`].
#[derive(Clone, Copy)]
pub(crate) struct Portable;

impl<const D: usize> Lanes<D> for Portable {
    type Acc = ([f64; LANES], [f64; LANES]);

    #[inline(always)]
    fn zero(self) -> Self::Acc {
        ([0.0; LANES], [0.0; LANES])
    }

    #[inline(always)]
    fn block<const N: usize, const K: usize, const DEG: usize, const SELF: bool>(
        self,
        me: &[Target<D>; N],
        x: [[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        v: &[[f64; LANES]; K],
        acc: &mut [Self::Acc; N],
        a: &mut [[f64; LANES]; K],
        b: &mut [[f64; LANES]; K],
    ) {
        let mut g = me.map(|me| gaussians::<D, K, DEG>(&me, x));
        if SELF {
            for (n, g) in g.iter_mut().enumerate() {
                g[0][..n].fill(0.0);
            }
        }
        for (n, me) in me.iter().enumerate() {
            for k in 0..K {
                for l in 0..LANES {
                    let g = g[n][k][l];
                    acc[n].0[l] = u[k][l].mul_add(g, acc[n].0[l]);
                    acc[n].1[l] = v[k][l].mul_add(g, acc[n].1[l]);
                    a[k][l] = me.strength.mul_add(g, a[k][l]);
                    b[k][l] = me.volume.mul_add(g, b[k][l]);
                }
            }
        }
    }

    #[inline(always)]
    fn point_block<const K: usize, const DEG: usize>(
        self,
        me: &Target<D>,
        x: [[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        acc: &mut Self::Acc,
    ) {
        let g = gaussians::<D, K, DEG>(me, x);
        for k in 0..K {
            for l in 0..LANES {
                acc.0[l] = u[k][l].mul_add(g[k][l], acc.0[l]);
            }
        }
    }

    #[inline(always)]
    fn sums(self, (a, b): Self::Acc) -> (f64, f64) {
        ((a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3]))
    }
}

/// `2^-d2` between `me` and the blocks `x`, zero beyond the cut-off.
#[inline(always)]
fn gaussians<const D: usize, const K: usize, const DEG: usize>(
    me: &Target<D>,
    x: [[[f64; LANES]; K]; D],
) -> [[f64; LANES]; K] {
    let mut d2 = [[0.0; LANES]; K];
    for (axis, x) in x.iter().enumerate() {
        for k in 0..K {
            for l in 0..LANES {
                let d = me.x[axis] - x[k][l];
                d2[k][l] = if axis == 0 {
                    d * d
                } else {
                    d.mul_add(d, d2[k][l])
                };
            }
        }
    }
    // Beyond the cut-off (padding: about 1e200) the bits are masked below.
    let e = pow2_neg_blocks::<K, DEG>(d2);
    let mut g = [[0.0; LANES]; K];
    for k in 0..K {
        for l in 0..LANES {
            g[k][l] = if d2[k][l] <= me.cutoff2 { e[k][l] } else { 0.0 };
        }
    }
    g
}

/// The target of a row of pairs (a slot, or a point with no strength or
/// volume), and the squared cut-off.
#[derive(Clone, Copy)]
pub(crate) struct Target<const D: usize> {
    pub x: [f64; D],
    pub strength: f64,
    pub volume: f64,
    pub cutoff2: f64,
}

/// [`Portable`] written out in AVX2 and FMA instructions: the same
/// operations in the same order, so the same bits.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use pulp::bytemuck::cast;
    use pulp::x86::V3;
    use std::arch::x86_64::{__m256d, __m256i, _CMP_LE_OQ};

    use super::super::exp::{self, LANES};
    use super::{Lanes, Target, WithLanes};

    #[derive(Clone, Copy)]
    pub(crate) struct Avx2(pub V3);

    /// `op` with [`Avx2`] lanes, as an operation whose `call` is always
    /// inlined into `pulp`'s function with the AVX2 target features (a
    /// closure's shim may not be, and its body would then be compiled
    /// without them).
    pub(crate) struct Call<Op, const D: usize> {
        pub simd: V3,
        pub op: Op,
    }

    impl<Op: WithLanes<D>, const D: usize> pulp::NullaryFnOnce for Call<Op, D> {
        type Output = ();

        #[inline(always)]
        fn call(self) {
            self.op.run(Avx2(self.simd));
        }
    }

    impl<const D: usize> Lanes<D> for Avx2 {
        type Acc = (__m256d, __m256d);

        #[inline(always)]
        fn zero(self) -> Self::Acc {
            let z = self.0.avx._mm256_setzero_pd();
            (z, z)
        }

        #[inline(always)]
        fn block<const N: usize, const K: usize, const DEG: usize, const SELF: bool>(
            self,
            me: &[Target<D>; N],
            x: [[[f64; LANES]; K]; D],
            u: &[[f64; LANES]; K],
            v: &[[f64; LANES]; K],
            acc: &mut [Self::Acc; N],
            a: &mut [[f64; LANES]; K],
            b: &mut [[f64; LANES]; K],
        ) {
            let Avx2(simd) = self;
            let fma = simd.fma;
            // Plain loops, no closures: a closure the compiler leaves out of
            // line loses the AVX2 features.
            let mut g = [[simd.avx._mm256_setzero_pd(); K]; N];
            for n in 0..N {
                g[n] = gaussians_avx2::<D, K, DEG>(simd, &me[n], x);
            }
            if SELF {
                for (n, g) in g.iter_mut().enumerate().skip(1) {
                    let mut later = [u64::MAX; LANES];
                    later[..n].fill(0);
                    g[0] = simd.avx._mm256_and_pd(g[0], cast(later));
                }
            }
            for k in 0..K {
                let (mut a_k, mut b_k): (__m256d, __m256d) = (cast(a[k]), cast(b[k]));
                for n in 0..N {
                    let g = g[n][k];
                    acc[n].0 = fma._mm256_fmadd_pd(cast(u[k]), g, acc[n].0);
                    acc[n].1 = fma._mm256_fmadd_pd(cast(v[k]), g, acc[n].1);
                    a_k = fma._mm256_fmadd_pd(splat(simd, me[n].strength), g, a_k);
                    b_k = fma._mm256_fmadd_pd(splat(simd, me[n].volume), g, b_k);
                }
                a[k] = cast(a_k);
                b[k] = cast(b_k);
            }
        }

        #[inline(always)]
        fn point_block<const K: usize, const DEG: usize>(
            self,
            me: &Target<D>,
            x: [[[f64; LANES]; K]; D],
            u: &[[f64; LANES]; K],
            acc: &mut Self::Acc,
        ) {
            let Avx2(simd) = self;
            let g = gaussians_avx2::<D, K, DEG>(simd, me, x);
            for k in 0..K {
                acc.0 = simd.fma._mm256_fmadd_pd(cast(u[k]), g[k], acc.0);
            }
        }

        #[inline(always)]
        fn sums(self, (a, b): Self::Acc) -> (f64, f64) {
            let (a, b): ([f64; LANES], [f64; LANES]) = (cast(a), cast(b));
            ((a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3]))
        }
    }

    #[inline(always)]
    fn splat(simd: V3, x: f64) -> __m256d {
        simd.avx._mm256_set1_pd(x)
    }

    /// `c[i] - c[i + 1] x`, a pair of Estrin's scheme.
    #[inline(always)]
    fn pair(simd: V3, c: &[f64], i: usize, x: __m256d) -> __m256d {
        simd.fma
            ._mm256_fmadd_pd(splat(simd, -c[i + 1]), x, splat(simd, c[i]))
    }

    /// [`super::gaussians`] in AVX2 and FMA instructions.
    #[inline(always)]
    fn gaussians_avx2<const D: usize, const K: usize, const DEG: usize>(
        simd: V3,
        me: &Target<D>,
        x: [[[f64; LANES]; K]; D],
    ) -> [__m256d; K] {
        let (avx, fma) = (simd.avx, simd.fma);
        let mut d2 = [avx._mm256_setzero_pd(); K];
        for (axis, x) in x.iter().enumerate() {
            for k in 0..K {
                let d = avx._mm256_sub_pd(splat(simd, me.x[axis]), cast(x[k]));
                d2[k] = if axis == 0 {
                    avx._mm256_mul_pd(d, d)
                } else {
                    fma._mm256_fmadd_pd(d, d, d2[k])
                };
            }
        }
        let e = pow2_neg_avx2::<K, DEG>(simd, d2);
        let mut g = e;
        for k in 0..K {
            let inside = avx._mm256_cmp_pd::<_CMP_LE_OQ>(d2[k], splat(simd, me.cutoff2));
            g[k] = avx._mm256_and_pd(e[k], inside);
        }
        g
    }

    /// [`exp::pow2_neg_blocks`] in AVX2 and FMA instructions.
    #[inline(always)]
    fn pow2_neg_avx2<const K: usize, const DEG: usize>(simd: V3, d: [__m256d; K]) -> [__m256d; K] {
        let (avx, avx2, fma) = (simd.avx, simd.avx2, simd.fma);
        let s = d.map(|d| avx._mm256_sub_pd(splat(simd, exp::SHIFTER), d));
        let mut x = d;
        for j in 0..K {
            x[j] = avx._mm256_add_pd(avx._mm256_sub_pd(s[j], splat(simd, exp::SHIFTER)), d[j]);
        }
        let mut p = x;
        for j in 0..K {
            let x = x[j];
            let x2 = avx._mm256_mul_pd(x, x);
            let x4 = avx._mm256_mul_pd(x2, x2);
            let tail = if DEG == 7 {
                let c = &exp::POLY_7;
                let q = [
                    pair(simd, c, 1, x),
                    pair(simd, c, 3, x),
                    pair(simd, c, 5, x),
                ];
                let s0 = fma._mm256_fmadd_pd(q[1], x2, q[0]);
                let s1 = fma._mm256_fmadd_pd(splat(simd, c[7]), x2, q[2]);
                fma._mm256_fmadd_pd(s1, x4, s0)
            } else if DEG == 8 {
                let c = &exp::POLY_8;
                let q = [
                    pair(simd, c, 1, x),
                    pair(simd, c, 3, x),
                    pair(simd, c, 5, x),
                    pair(simd, c, 7, x),
                ];
                let s0 = fma._mm256_fmadd_pd(q[1], x2, q[0]);
                let s1 = fma._mm256_fmadd_pd(q[3], x2, q[2]);
                fma._mm256_fmadd_pd(s1, x4, s0)
            } else {
                let x8 = avx._mm256_mul_pd(x4, x4);
                let c = &exp::POLY_10;
                let q = [
                    pair(simd, c, 1, x),
                    pair(simd, c, 3, x),
                    pair(simd, c, 5, x),
                    pair(simd, c, 7, x),
                    pair(simd, c, 9, x),
                ];
                let s0 = fma._mm256_fmadd_pd(q[1], x2, q[0]);
                let s1 = fma._mm256_fmadd_pd(q[3], x2, q[2]);
                fma._mm256_fmadd_pd(q[4], x8, fma._mm256_fmadd_pd(s1, x4, s0))
            };
            p[j] = fma._mm256_fnmadd_pd(tail, x, splat(simd, 1.0));
        }
        let mut out = p;
        for j in 0..K {
            let scale: __m256i = avx2._mm256_slli_epi64::<52>(cast(s[j]));
            out[j] = cast(avx2._mm256_add_epi64(cast(p[j]), scale));
        }
        out
    }
}
