//! One block of [`LANES`] slots against one target: the Gaussians
//! `2^-d2` of the pairs, masked beyond the cut-off, and the sums they feed,
//! as arrays for any processor ([`Portable`]) and written out in AVX2 and
//! FMA instructions ([`avx2::Avx2`]). Both perform the same operations in
//! the same order (fused multiply-adds only), so they give the same bits.

use super::exp::{LANES, pow2_neg_blocks};

/// `K` consecutive blocks of pairs: a target with `K * LANES` consecutive
/// slots. Blocks are evaluated `K` at a time so that a processor overlaps
/// their (long, serial) polynomial chains; the sums are taken block after
/// block, so every `K` gives the same bits.
pub(crate) trait Lanes<const D: usize>: Copy {
    /// The target's running sums `(a, b)`, lane by lane.
    type Acc: Copy;
    fn zero(self) -> Self::Acc;
    /// The pairs of `me` with `K` blocks of slots (coordinates `x`,
    /// strengths `u`, volumes `v`), from lane `later` of the first block
    /// on: `me`'s sums into `acc`, the blocks' into `a` and `b`.
    #[allow(clippy::too_many_arguments)]
    fn block<const K: usize>(
        self,
        me: &Target<D>,
        x: [&[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        v: &[[f64; LANES]; K],
        later: usize,
        acc: &mut Self::Acc,
        a: &mut [[f64; LANES]; K],
        b: &mut [[f64; LANES]; K],
    );
    /// One-sided: `me`'s first sum gains the blocks' `u g` (a value of the
    /// field of the slots at `me`); nothing is credited to the blocks.
    fn point_block<const K: usize>(
        self,
        me: &Target<D>,
        x: [&[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        acc: &mut Self::Acc,
    );
    /// `((l0 + l1) + (l2 + l3))` of each sum.
    fn sums(self, acc: Self::Acc) -> (f64, f64);
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
    fn block<const K: usize>(
        self,
        me: &Target<D>,
        x: [&[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        v: &[[f64; LANES]; K],
        later: usize,
        acc: &mut Self::Acc,
        a: &mut [[f64; LANES]; K],
        b: &mut [[f64; LANES]; K],
    ) {
        let g = gaussians(me, x, later);
        for k in 0..K {
            for l in 0..LANES {
                let g = g[k][l];
                acc.0[l] = u[k][l].mul_add(g, acc.0[l]);
                acc.1[l] = v[k][l].mul_add(g, acc.1[l]);
                a[k][l] = me.strength.mul_add(g, a[k][l]);
                b[k][l] = me.volume.mul_add(g, b[k][l]);
            }
        }
    }

    #[inline(always)]
    fn point_block<const K: usize>(
        self,
        me: &Target<D>,
        x: [&[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        acc: &mut Self::Acc,
    ) {
        let g = gaussians(me, x, 0);
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

/// `2^-d2` between `me` and the blocks `x`, zero beyond the cut-off and in
/// the lanes of the first block before `later`.
#[inline(always)]
fn gaussians<const D: usize, const K: usize>(
    me: &Target<D>,
    x: [&[[f64; LANES]; K]; D],
    later: usize,
) -> [[f64; LANES]; K] {
    let mut d2 = [[0.0; LANES]; K];
    // Index loops: the iterator chains clippy prefers are not unrolled.
    #[expect(clippy::needless_range_loop, reason = "unrolled by the compiler")]
    for axis in 0..D {
        for k in 0..K {
            for l in 0..LANES {
                let d = me.x[axis] - x[axis][k][l];
                d2[k][l] = if axis == 0 {
                    d * d
                } else {
                    d.mul_add(d, d2[k][l])
                };
            }
        }
    }
    // Beyond the cut-off (padding: about 1e200) the bits are masked below.
    let e = pow2_neg_blocks(d2);
    let mut g = [[0.0; LANES]; K];
    for k in 0..K {
        for l in 0..LANES {
            g[k][l] = if d2[k][l] <= me.cutoff2 && (k > 0 || l >= later) {
                e[k][l]
            } else {
                0.0
            };
        }
    }
    g
}

/// The target of a row of pairs (a slot, or a point with no strength or
/// volume), and the squared cut-off.
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
    use super::{Lanes, Target};

    #[derive(Clone, Copy)]
    pub(crate) struct Avx2(pub V3);

    /// Lane masks: lanes `later..` set.
    const LATER: [[u64; LANES]; LANES + 1] = {
        let mut masks = [[0; LANES]; LANES + 1];
        let mut later = 0;
        while later <= LANES {
            let mut l = later;
            while l < LANES {
                masks[later][l] = u64::MAX;
                l += 1;
            }
            later += 1;
        }
        masks
    };

    impl<const D: usize> Lanes<D> for Avx2 {
        type Acc = (__m256d, __m256d);

        #[inline(always)]
        fn zero(self) -> Self::Acc {
            let z = self.0.avx._mm256_setzero_pd();
            (z, z)
        }

        #[inline(always)]
        fn block<const K: usize>(
            self,
            me: &Target<D>,
            x: [&[[f64; LANES]; K]; D],
            u: &[[f64; LANES]; K],
            v: &[[f64; LANES]; K],
            later: usize,
            acc: &mut Self::Acc,
            a: &mut [[f64; LANES]; K],
            b: &mut [[f64; LANES]; K],
        ) {
            let Avx2(simd) = self;
            let (avx, fma) = (simd.avx, simd.fma);
            let splat = |x: f64| avx._mm256_set1_pd(x);
            let g = gaussians_avx2(simd, me, x, later);
            for k in 0..K {
                acc.0 = fma._mm256_fmadd_pd(cast(u[k]), g[k], acc.0);
                acc.1 = fma._mm256_fmadd_pd(cast(v[k]), g[k], acc.1);
                a[k] = cast(fma._mm256_fmadd_pd(splat(me.strength), g[k], cast(a[k])));
                b[k] = cast(fma._mm256_fmadd_pd(splat(me.volume), g[k], cast(b[k])));
            }
        }

        #[inline(always)]
        fn point_block<const K: usize>(
            self,
            me: &Target<D>,
            x: [&[[f64; LANES]; K]; D],
            u: &[[f64; LANES]; K],
            acc: &mut Self::Acc,
        ) {
            let Avx2(simd) = self;
            let g = gaussians_avx2(simd, me, x, 0);
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

    /// [`super::gaussians`] in AVX2 and FMA instructions.
    #[inline(always)]
    fn gaussians_avx2<const D: usize, const K: usize>(
        simd: V3,
        me: &Target<D>,
        x: [&[[f64; LANES]; K]; D],
        later: usize,
    ) -> [__m256d; K] {
        let (avx, fma) = (simd.avx, simd.fma);
        let splat = |x: f64| avx._mm256_set1_pd(x);
        let mut d2 = [avx._mm256_setzero_pd(); K];
        // Index loops: the iterator chains clippy prefers are not unrolled.
        #[expect(clippy::needless_range_loop, reason = "unrolled by the compiler")]
        for axis in 0..D {
            for k in 0..K {
                let d = avx._mm256_sub_pd(splat(me.x[axis]), cast(x[axis][k]));
                d2[k] = if axis == 0 {
                    avx._mm256_mul_pd(d, d)
                } else {
                    fma._mm256_fmadd_pd(d, d, d2[k])
                };
            }
        }
        let e = pow2_neg_avx2(simd, d2);
        let mut g = e;
        for k in 0..K {
            let inside = avx._mm256_cmp_pd::<_CMP_LE_OQ>(d2[k], splat(me.cutoff2));
            g[k] = avx._mm256_and_pd(e[k], inside);
        }
        g[0] = avx._mm256_and_pd(g[0], cast(LATER[later]));
        g
    }

    /// [`exp::pow2_neg_blocks`] in AVX2 and FMA instructions.
    #[inline(always)]
    fn pow2_neg_avx2<const K: usize>(simd: V3, d: [__m256d; K]) -> [__m256d; K] {
        let (avx, avx2, fma) = (simd.avx, simd.avx2, simd.fma);
        let splat = |x: f64| avx._mm256_set1_pd(x);
        let s = d.map(|d| avx._mm256_sub_pd(splat(exp::SHIFTER), d));
        let mut x = d;
        for j in 0..K {
            x[j] = avx._mm256_add_pd(avx._mm256_sub_pd(s[j], splat(exp::SHIFTER)), d[j]);
        }
        let mut p = x;
        for j in 0..K {
            let x = x[j];
            let x2 = avx._mm256_mul_pd(x, x);
            let x4 = avx._mm256_mul_pd(x2, x2);
            let x8 = avx._mm256_mul_pd(x4, x4);
            let q: [__m256d; 5] = std::array::from_fn(|i| {
                fma._mm256_fmadd_pd(splat(-exp::POLY[2 * i + 2]), x, splat(exp::POLY[2 * i + 1]))
            });
            let s0 = fma._mm256_fmadd_pd(q[1], x2, q[0]);
            let s1 = fma._mm256_fmadd_pd(q[3], x2, q[2]);
            let tail = fma._mm256_fmadd_pd(q[4], x8, fma._mm256_fmadd_pd(s1, x4, s0));
            p[j] = fma._mm256_fnmadd_pd(tail, x, splat(1.0));
        }
        let mut out = p;
        for j in 0..K {
            let scale: __m256i = avx2._mm256_slli_epi64::<52>(cast(s[j]));
            out[j] = cast(avx2._mm256_add_epi64(cast(p[j]), scale));
        }
        out
    }
}
