//! One block of [`LANES`] slots against one target: the Gaussians
//! `2^-d2` of the pairs, masked beyond the cut-off, and the sums they feed,
//! as arrays for any processor ([`Portable`]) and written out in AVX2 and
//! FMA instructions ([`avx2::Avx2`]). Both perform the same operations in
//! the same order (fused multiply-adds only), so they give the same bits.

use super::exp::{LANES, exp2_lanes};

/// One block of pairs: a target with `LANES` consecutive slots.
pub(crate) trait Lanes<const D: usize>: Copy {
    /// The target's running sums `(a, b)`, lane by lane.
    type Acc: Copy;
    fn zero(self) -> Self::Acc;
    /// The pairs of `me` with one block of slots (coordinates `x`,
    /// strengths `u`, volumes `v`) from lane `later` on: `me`'s sums into
    /// `acc`, the block's into `a` and `b`.
    #[allow(clippy::too_many_arguments)]
    fn block(
        self,
        me: &Target<D>,
        x: [&[f64; LANES]; D],
        u: &[f64; LANES],
        v: &[f64; LANES],
        later: usize,
        acc: &mut Self::Acc,
        a: &mut [f64; LANES],
        b: &mut [f64; LANES],
    );
    /// One-sided: `me`'s first sum gains the block's `u g` (a value of the
    /// field of the slots at `me`); nothing is credited to the block.
    fn point_block(
        self,
        me: &Target<D>,
        x: [&[f64; LANES]; D],
        u: &[f64; LANES],
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
    fn block(
        self,
        me: &Target<D>,
        x: [&[f64; LANES]; D],
        u: &[f64; LANES],
        v: &[f64; LANES],
        later: usize,
        acc: &mut Self::Acc,
        a: &mut [f64; LANES],
        b: &mut [f64; LANES],
    ) {
        let g = gaussians(me, x, later);
        for l in 0..LANES {
            let g = g[l];
            acc.0[l] = u[l].mul_add(g, acc.0[l]);
            acc.1[l] = v[l].mul_add(g, acc.1[l]);
            a[l] = me.strength.mul_add(g, a[l]);
            b[l] = me.volume.mul_add(g, b[l]);
        }
    }

    #[inline(always)]
    fn point_block(
        self,
        me: &Target<D>,
        x: [&[f64; LANES]; D],
        u: &[f64; LANES],
        acc: &mut Self::Acc,
    ) {
        let g = gaussians(me, x, 0);
        for l in 0..LANES {
            let g = g[l];
            acc.0[l] = u[l].mul_add(g, acc.0[l]);
        }
    }

    #[inline(always)]
    fn sums(self, (a, b): Self::Acc) -> (f64, f64) {
        ((a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3]))
    }
}

/// `2^-d2` between `me` and the lanes `x`, zero beyond the cut-off and in
/// the lanes before `later`.
#[inline(always)]
fn gaussians<const D: usize>(me: &Target<D>, x: [&[f64; LANES]; D], later: usize) -> [f64; LANES] {
    let mut d2 = [0.0; LANES];
    // An index loop: the iterator chain clippy prefers is not unrolled.
    #[expect(clippy::needless_range_loop, reason = "unrolled by the compiler")]
    for axis in 0..D {
        for l in 0..LANES {
            let d = me.x[axis] - x[axis][l];
            d2[l] = if axis == 0 {
                d * d
            } else {
                d.mul_add(d, d2[l])
            };
        }
    }
    let mut t = [0.0; LANES];
    for l in 0..LANES {
        t[l] = -d2[l];
    }
    let e = exp2_lanes(t);
    let mut g = [0.0; LANES];
    for l in 0..LANES {
        g[l] = if d2[l] <= me.cutoff2 && l >= later {
            e[l]
        } else {
            0.0
        };
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
    use std::arch::x86_64::{
        __m256d, __m256i, _CMP_LE_OQ, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT,
    };

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
        fn block(
            self,
            me: &Target<D>,
            x: [&[f64; LANES]; D],
            u: &[f64; LANES],
            v: &[f64; LANES],
            later: usize,
            acc: &mut Self::Acc,
            a: &mut [f64; LANES],
            b: &mut [f64; LANES],
        ) {
            let Avx2(simd) = self;
            let (avx, fma) = (simd.avx, simd.fma);
            let splat = |x: f64| avx._mm256_set1_pd(x);
            let g = gaussians_avx2(simd, me, x, later);
            acc.0 = fma._mm256_fmadd_pd(cast(*u), g, acc.0);
            acc.1 = fma._mm256_fmadd_pd(cast(*v), g, acc.1);
            *a = cast(fma._mm256_fmadd_pd(splat(me.strength), g, cast(*a)));
            *b = cast(fma._mm256_fmadd_pd(splat(me.volume), g, cast(*b)));
        }

        #[inline(always)]
        fn point_block(
            self,
            me: &Target<D>,
            x: [&[f64; LANES]; D],
            u: &[f64; LANES],
            acc: &mut Self::Acc,
        ) {
            let Avx2(simd) = self;
            let g = gaussians_avx2(simd, me, x, 0);
            acc.0 = simd.fma._mm256_fmadd_pd(cast(*u), g, acc.0);
        }

        #[inline(always)]
        fn sums(self, (a, b): Self::Acc) -> (f64, f64) {
            let (a, b): ([f64; LANES], [f64; LANES]) = (cast(a), cast(b));
            ((a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3]))
        }
    }

    /// [`super::gaussians`] in AVX2 and FMA instructions.
    #[inline(always)]
    fn gaussians_avx2<const D: usize>(
        simd: V3,
        me: &Target<D>,
        x: [&[f64; LANES]; D],
        later: usize,
    ) -> __m256d {
        let (avx, fma) = (simd.avx, simd.fma);
        let splat = |x: f64| avx._mm256_set1_pd(x);
        let mut d2 = avx._mm256_setzero_pd();
        // An index loop: the iterator chain clippy prefers is not unrolled.
        #[expect(clippy::needless_range_loop, reason = "unrolled by the compiler")]
        for axis in 0..D {
            let d = avx._mm256_sub_pd(splat(me.x[axis]), cast(*x[axis]));
            d2 = if axis == 0 {
                avx._mm256_mul_pd(d, d)
            } else {
                fma._mm256_fmadd_pd(d, d, d2)
            };
        }
        let e = exp2_avx2(simd, avx._mm256_xor_pd(d2, splat(-0.0)));
        let inside = avx._mm256_cmp_pd::<_CMP_LE_OQ>(d2, splat(me.cutoff2));
        avx._mm256_and_pd(avx._mm256_and_pd(e, inside), cast(LATER[later]))
    }

    /// [`exp::exp2_lanes`] in AVX2 and FMA instructions.
    #[inline(always)]
    fn exp2_avx2(simd: V3, t: __m256d) -> __m256d {
        let (avx, avx2, fma) = (simd.avx, simd.avx2, simd.fma);
        let splat = |x: f64| avx._mm256_set1_pd(x);
        let t = avx._mm256_max_pd(t, splat(exp::MIN_ARG));
        let k = avx._mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(t);
        let r = avx._mm256_sub_pd(t, k);
        let mut p = splat(exp::TAYLOR[0]);
        for c in &exp::TAYLOR[1..] {
            p = fma._mm256_fmadd_pd(p, r, splat(*c));
        }
        p = fma._mm256_fmadd_pd(p, r, splat(1.0));
        let bits: __m256i = cast(avx._mm256_add_pd(k, splat(exp::SHIFTER)));
        let bits = avx2._mm256_add_epi64(bits, avx._mm256_set1_epi64x(1023));
        let scale: __m256d = cast(avx2._mm256_slli_epi64::<52>(bits));
        avx._mm256_mul_pd(p, scale)
    }
}
