//! One block of slots against one target: the Gaussians `2^-d2` of the
//! pairs, masked beyond the cut-off, and the sums they feed, as arrays for
//! any processor ([`Portable`], [`PortableSingle`]) and written out in AVX2
//! and FMA instructions ([`avx2::Avx2`], [`avx2::Avx2Single`]). Each pair
//! performs the same operations in the same order (fused multiply-adds
//! only), so they give the same bits.
//!
//! Two precisions of the pair sums ([`PairLanes`]): `f64` in blocks of
//! [`LANES`], and `f32` in blocks of [`SINGLE_LANES`] with the coordinates
//! as 32-bit fixed-point integers, whose differences are exact (see
//! [`super::blocks::Blocks::fixed`]); the point sums are `f64` only.

use pulp::bytemuck::{self, Pod};

use super::exp::{LANES, SINGLE_LANES, pow2_neg_blocks, pow2_neg_single_blocks};

/// `f64` lanes of [`LANES`] for the point sums (and, as [`PairLanes`], the
/// pair sums), with their single-precision kind for the pair sums.
/// Blocks are evaluated `K` at a time so that a processor overlaps their
/// (long, serial) polynomial chains; the sums are taken block after block,
/// so every `K` gives the same bits.
pub(crate) trait Lanes<const D: usize>:
    PairLanes<D, Coord = f64, Value = f64, Coords = [f64; LANES], Values = [f64; LANES]>
{
    /// The single-precision pair lanes of this processor.
    type Single: PairLanes<
            D,
            Coord = i32,
            Value = f32,
            Coords = [i32; SINGLE_LANES],
            Values = [f32; SINGLE_LANES],
        >;
    /// Those lanes, for squared fixed-point distances `unit2` times the
    /// squared distances in the Gaussian's units.
    fn single(self, unit2: f32) -> Self::Single;
    /// One-sided: `me`'s first sum gains the blocks' `u g` (a value of the
    /// field of the slots at `me`); nothing is credited to the blocks.
    fn point_block<const K: usize, const DEG: usize>(
        self,
        me: &Target<D>,
        x: [[[f64; LANES]; K]; D],
        u: &[[f64; LANES]; K],
        acc: &mut Self::Acc,
    );
}

/// Lanes of the pair sums: `WIDTH` slots per block, stored coordinates of
/// type `Coord` and values (strengths, volumes, sums) of type `Value`.
pub(crate) trait PairLanes<const D: usize>: Copy {
    /// Slots per block.
    const WIDTH: usize;
    type Coord: Pod;
    type Value: Pod + std::ops::AddAssign;
    /// `[Coord; WIDTH]` and `[Value; WIDTH]`.
    type Coords: Pod;
    type Values: Pod;
    /// The target's running sums `(a, b)`, lane by lane.
    type Acc: Copy;
    fn zero(self) -> Self::Acc;
    /// The pairs of `N` targets `me` with `K` blocks of slots (coordinates
    /// `x`, strengths `u`, volumes `v`): target `n`'s sums into `acc[n]`,
    /// the blocks' into `a` and `b` (target 0's terms first), with the
    /// polynomial of degree `DEG` for `2^x`. With `SELF`, the pairs of
    /// target `n` with the first `n` lanes of block 0 are masked: those are
    /// the targets before it (and itself).
    #[allow(clippy::too_many_arguments)]
    fn block<const N: usize, const K: usize, const DEG: usize, const SELF: bool>(
        self,
        me: &[Target<D, Self::Coord, Self::Value>; N],
        x: [[Self::Coords; K]; D],
        u: &[Self::Values; K],
        v: &[Self::Values; K],
        acc: &mut [Self::Acc; N],
        a: &mut [Self::Values; K],
        b: &mut [Self::Values; K],
    );
    /// The sums of the lanes of each, in pairs: `(l0 + l1) + (l2 + l3)`
    /// for four lanes, and those of the halves added for eight.
    fn sums(self, acc: Self::Acc) -> (Self::Value, Self::Value);
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
/// `width` from `from`; the last block of a run may reach past `to` into
/// slots beyond the cut-off or padding, which the kernels mask), two at a
/// time: each run's consecutive pairs ([`Visit::together`]), its odd last
/// block with the next run's first, and an odd block left at the end
/// ([`Visit::apart`]).
#[inline(always)]
pub(crate) fn walk_runs(width: usize, runs: &[(usize, usize)], visit: &mut impl Visit) {
    let mut pending = None;
    for &(from, to) in runs {
        if from >= to {
            continue;
        }
        let mut at = from;
        if let Some(first) = pending.take() {
            visit.apart([first, at]);
            at += width;
        }
        let pairs = to.saturating_sub(at).div_ceil(width) / 2;
        if pairs > 0 {
            visit.together(at, pairs);
            at += pairs * 2 * width;
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
    block_at(values, at)
}

/// The block `B` (an array of `T`) of `values` from slot `at` on.
#[inline(always)]
pub(crate) fn block_at<T: Pod, B: Pod>(values: &[T], at: usize) -> B {
    let width = size_of::<B>() / size_of::<T>();
    bytemuck::cast_slice::<T, B>(&values[at..at + width])[0]
}

/// `block` (an array of `T`) written into `values` from slot `at` on.
#[inline(always)]
pub(crate) fn set_block<T: Pod, B: Pod>(values: &mut [T], at: usize, block: B) {
    let width = size_of::<B>() / size_of::<T>();
    bytemuck::cast_slice_mut::<T, B>(&mut values[at..at + width])[0] = block;
}

/// Lanes as arrays, for any target; the reference for [`avx2::Avx2`].
#[derive(Clone, Copy)]
pub(crate) struct Portable;

impl<const D: usize> PairLanes<D> for Portable {
    const WIDTH: usize = LANES;
    type Coord = f64;
    type Value = f64;
    type Coords = [f64; LANES];
    type Values = [f64; LANES];
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
        let g = me.map(|me| gaussians::<D, K, DEG>(&me, x));
        exchange::<_, LANES, N, K, SELF>(
            g,
            me.map(|me| (me.strength, me.volume)),
            (u, v),
            acc,
            (a, b),
        );
    }

    #[inline(always)]
    fn sums(self, (a, b): Self::Acc) -> (f64, f64) {
        ((a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3]))
    }
}

impl<const D: usize> Lanes<D> for Portable {
    type Single = PortableSingle;

    #[inline(always)]
    fn single(self, unit2: f32) -> PortableSingle {
        PortableSingle { unit2 }
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
}

/// Single-precision pair lanes as arrays, for any target; the reference
/// for [`avx2::Avx2Single`]. Squared distances are formed in fixed-point
/// units and scaled by `unit2` into the Gaussian's.
#[derive(Clone, Copy)]
pub(crate) struct PortableSingle {
    unit2: f32,
}

impl<const D: usize> PairLanes<D> for PortableSingle {
    const WIDTH: usize = SINGLE_LANES;
    type Coord = i32;
    type Value = f32;
    type Coords = [i32; SINGLE_LANES];
    type Values = [f32; SINGLE_LANES];
    type Acc = ([f32; SINGLE_LANES], [f32; SINGLE_LANES]);

    #[inline(always)]
    fn zero(self) -> Self::Acc {
        ([0.0; SINGLE_LANES], [0.0; SINGLE_LANES])
    }

    #[inline(always)]
    fn block<const N: usize, const K: usize, const DEG: usize, const SELF: bool>(
        self,
        me: &[Target<D, i32, f32>; N],
        x: [[[i32; SINGLE_LANES]; K]; D],
        u: &[[f32; SINGLE_LANES]; K],
        v: &[[f32; SINGLE_LANES]; K],
        acc: &mut [Self::Acc; N],
        a: &mut [[f32; SINGLE_LANES]; K],
        b: &mut [[f32; SINGLE_LANES]; K],
    ) {
        let g = me.map(|me| single_gaussians::<D, K>(&me, x, self.unit2));
        exchange::<_, SINGLE_LANES, N, K, SELF>(
            g,
            me.map(|me| (me.strength, me.volume)),
            (u, v),
            acc,
            (a, b),
        );
    }

    #[inline(always)]
    fn sums(self, (a, b): Self::Acc) -> (f32, f32) {
        (lane_sum(a), lane_sum(b))
    }
}

/// The sum of eight lanes, in pairs.
#[inline(always)]
fn lane_sum(a: [f32; SINGLE_LANES]) -> f32 {
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

/// `2^-d2` between `me` and the fixed-point blocks `x`, zero beyond the
/// cut-off: the differences exact in wrapping 32-bit arithmetic (the
/// coordinates lie in `[0, 2^30]`, padding at `i32::MAX`), rounded to
/// `f32`, squared and summed in fixed-point units (where the cut-off is
/// tested), then scaled by `unit2`.
#[inline(always)]
fn single_gaussians<const D: usize, const K: usize>(
    me: &Target<D, i32, f32>,
    x: [[[i32; SINGLE_LANES]; K]; D],
    unit2: f32,
) -> [[f32; SINGLE_LANES]; K] {
    let mut d2 = [[0.0f32; SINGLE_LANES]; K];
    for (axis, x) in x.iter().enumerate() {
        for k in 0..K {
            for l in 0..SINGLE_LANES {
                let d = me.x[axis].wrapping_sub(x[k][l]) as f32;
                d2[k][l] = if axis == 0 {
                    d * d
                } else {
                    d.mul_add(d, d2[k][l])
                };
            }
        }
    }
    let mut scaled = d2;
    for k in 0..K {
        for l in 0..SINGLE_LANES {
            scaled[k][l] = d2[k][l] * unit2;
        }
    }
    let e = pow2_neg_single_blocks::<K>(scaled);
    let mut g = [[0.0; SINGLE_LANES]; K];
    for k in 0..K {
        for l in 0..SINGLE_LANES {
            g[k][l] = if d2[k][l] <= me.cutoff2 { e[k][l] } else { 0.0 };
        }
    }
    g
}

/// A lane's scalar, `f64` or `f32`, with its fused multiply-add.
trait Scalar: Copy + Default {
    fn mul_add(self, a: Self, b: Self) -> Self;
}

impl Scalar for f64 {
    #[inline(always)]
    fn mul_add(self, a: f64, b: f64) -> f64 {
        f64::mul_add(self, a, b)
    }
}

impl Scalar for f32 {
    #[inline(always)]
    fn mul_add(self, a: f32, b: f32) -> f32 {
        f32::mul_add(self, a, b)
    }
}

/// The exchange of `N` targets (strength and volume each) with `K` blocks
/// of `W` lanes (strengths `u`, volumes `v`) across their Gaussians `g`:
/// target `n`'s sums into `acc[n]`, the blocks' into `a` and `b` (target
/// 0's terms first). With `SELF`, target `n`'s first `n` lanes of block 0
/// are masked ([`PairLanes::block`]). The reference for
/// `avx2::exchange`.
#[inline(always)]
#[allow(clippy::type_complexity)]
fn exchange<T: Scalar, const W: usize, const N: usize, const K: usize, const SELF: bool>(
    mut g: [[[T; W]; K]; N],
    me: [(T, T); N],
    (u, v): (&[[T; W]; K], &[[T; W]; K]),
    acc: &mut [([T; W], [T; W]); N],
    (a, b): (&mut [[T; W]; K], &mut [[T; W]; K]),
) {
    if SELF {
        for (n, g) in g.iter_mut().enumerate() {
            g[0][..n].fill(T::default());
        }
    }
    for (n, (strength, volume)) in me.into_iter().enumerate() {
        for k in 0..K {
            for l in 0..W {
                let g = g[n][k][l];
                acc[n].0[l] = u[k][l].mul_add(g, acc[n].0[l]);
                acc[n].1[l] = v[k][l].mul_add(g, acc[n].1[l]);
                a[k][l] = strength.mul_add(g, a[k][l]);
                b[k][l] = volume.mul_add(g, b[k][l]);
            }
        }
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
/// volume), and the squared cut-off, in the units of the coordinates `C`.
#[derive(Clone, Copy)]
pub(crate) struct Target<const D: usize, C = f64, V = f64> {
    pub x: [C; D],
    pub strength: V,
    pub volume: V,
    pub cutoff2: V,
}

/// [`Portable`] written out in AVX2 and FMA instructions: the same
/// operations in the same order, so the same bits.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use pulp::bytemuck::{Pod, cast};
    use pulp::x86::V3;
    use std::arch::x86_64::{__m256, __m256d, __m256i, _CMP_LE_OQ};

    use super::super::exp::{self, LANES, SINGLE_LANES};
    use super::{Lanes, PairLanes, Target, WithLanes};

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

    impl<const D: usize> PairLanes<D> for Avx2 {
        const WIDTH: usize = LANES;
        type Coord = f64;
        type Value = f64;
        type Coords = [f64; LANES];
        type Values = [f64; LANES];
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
            // Plain loops, no closures: a closure the compiler leaves out of
            // line loses the AVX2 features.
            let mut g = [[simd.avx._mm256_setzero_pd(); K]; N];
            for n in 0..N {
                g[n] = gaussians_avx2::<D, K, DEG>(simd, &me[n], x);
            }
            exchange::<_, N, K, SELF>(
                simd,
                g,
                me.map(|me| (me.strength, me.volume)),
                (u, v),
                acc,
                (a, b),
            );
        }

        #[inline(always)]
        fn sums(self, (a, b): Self::Acc) -> (f64, f64) {
            let (a, b): ([f64; LANES], [f64; LANES]) = (cast(a), cast(b));
            ((a[0] + a[1]) + (a[2] + a[3]), (b[0] + b[1]) + (b[2] + b[3]))
        }
    }

    impl<const D: usize> Lanes<D> for Avx2 {
        type Single = Avx2Single;

        #[inline(always)]
        fn single(self, unit2: f32) -> Avx2Single {
            Avx2Single {
                simd: self.0,
                unit2,
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
    }

    /// [`super::PortableSingle`] in AVX2 and FMA instructions.
    #[derive(Clone, Copy)]
    pub(crate) struct Avx2Single {
        simd: V3,
        unit2: f32,
    }

    impl<const D: usize> PairLanes<D> for Avx2Single {
        const WIDTH: usize = SINGLE_LANES;
        type Coord = i32;
        type Value = f32;
        type Coords = [i32; SINGLE_LANES];
        type Values = [f32; SINGLE_LANES];
        type Acc = (__m256, __m256);

        #[inline(always)]
        fn zero(self) -> Self::Acc {
            let z = self.simd.avx._mm256_setzero_ps();
            (z, z)
        }

        #[inline(always)]
        fn block<const N: usize, const K: usize, const DEG: usize, const SELF: bool>(
            self,
            me: &[Target<D, i32, f32>; N],
            x: [[[i32; SINGLE_LANES]; K]; D],
            u: &[[f32; SINGLE_LANES]; K],
            v: &[[f32; SINGLE_LANES]; K],
            acc: &mut [Self::Acc; N],
            a: &mut [[f32; SINGLE_LANES]; K],
            b: &mut [[f32; SINGLE_LANES]; K],
        ) {
            let Avx2Single { simd, unit2 } = self;
            let mut g = [[simd.avx._mm256_setzero_ps(); K]; N];
            for n in 0..N {
                g[n] = single_gaussians_avx2::<D, K>(simd, &me[n], x, unit2);
            }
            exchange::<_, N, K, SELF>(
                simd,
                g,
                me.map(|me| (me.strength, me.volume)),
                (u, v),
                acc,
                (a, b),
            );
        }

        #[inline(always)]
        fn sums(self, (a, b): Self::Acc) -> (f32, f32) {
            (super::lane_sum(cast(a)), super::lane_sum(cast(b)))
        }
    }

    #[inline(always)]
    fn splat_single(simd: V3, x: f32) -> __m256 {
        simd.avx._mm256_set1_ps(x)
    }

    /// [`super::single_gaussians`] in AVX2 and FMA instructions.
    #[inline(always)]
    fn single_gaussians_avx2<const D: usize, const K: usize>(
        simd: V3,
        me: &Target<D, i32, f32>,
        x: [[[i32; SINGLE_LANES]; K]; D],
        unit2: f32,
    ) -> [__m256; K] {
        let (avx, avx2, fma) = (simd.avx, simd.avx2, simd.fma);
        let mut d2 = [avx._mm256_setzero_ps(); K];
        for (axis, x) in x.iter().enumerate() {
            let me = avx._mm256_set1_epi32(me.x[axis]);
            for k in 0..K {
                let d = avx._mm256_cvtepi32_ps(avx2._mm256_sub_epi32(me, cast(x[k])));
                d2[k] = if axis == 0 {
                    avx._mm256_mul_ps(d, d)
                } else {
                    fma._mm256_fmadd_ps(d, d, d2[k])
                };
            }
        }
        let mut scaled = d2;
        for k in 0..K {
            scaled[k] = avx._mm256_mul_ps(d2[k], splat_single(simd, unit2));
        }
        let e = pow2_neg_single_avx2::<K>(simd, scaled);
        let mut g = e;
        for k in 0..K {
            let inside = avx._mm256_cmp_ps::<_CMP_LE_OQ>(d2[k], splat_single(simd, me.cutoff2));
            g[k] = avx._mm256_and_ps(e[k], inside);
        }
        g
    }

    /// `c[i] - c[i + 1] x` of [`exp::POLY_6_SINGLE`], a pair of Estrin's
    /// scheme.
    #[inline(always)]
    fn pair_single(simd: V3, i: usize, x: __m256) -> __m256 {
        let c = &exp::POLY_6_SINGLE;
        simd.fma
            ._mm256_fmadd_ps(splat_single(simd, -c[i + 1]), x, splat_single(simd, c[i]))
    }

    /// [`exp::pow2_neg_single_blocks`] in AVX2 and FMA instructions.
    #[inline(always)]
    fn pow2_neg_single_avx2<const K: usize>(simd: V3, d: [__m256; K]) -> [__m256; K] {
        let (avx, avx2, fma) = (simd.avx, simd.avx2, simd.fma);
        let shifter = splat_single(simd, exp::SINGLE_SHIFTER);
        let s = d.map(|d| avx._mm256_sub_ps(shifter, d));
        let mut out = d;
        for j in 0..K {
            let x = avx._mm256_add_ps(avx._mm256_sub_ps(s[j], shifter), d[j]);
            let x2 = avx._mm256_mul_ps(x, x);
            let x4 = avx._mm256_mul_ps(x2, x2);
            let s0 = fma._mm256_fmadd_ps(pair_single(simd, 3, x), x2, pair_single(simd, 1, x));
            let tail = fma._mm256_fmadd_ps(pair_single(simd, 5, x), x4, s0);
            let p = fma._mm256_fnmadd_ps(tail, x, splat_single(simd, 1.0));
            let scale: __m256i = avx2._mm256_slli_epi32::<23>(cast(s[j]));
            out[j] = cast(avx2._mm256_add_epi32(cast(p), scale));
        }
        out
    }

    /// A register of one block of pair lanes, `__m256d` (four `f64`) or
    /// `__m256` (eight `f32`), with the three operations the exchange of a
    /// block needs.
    trait Register: Copy + Pod {
        type Scalar: Copy;
        /// The register's lanes as an array.
        type Lanes: Pod;
        fn fmadd(simd: V3, a: Self, b: Self, c: Self) -> Self;
        fn splat(simd: V3, x: Self::Scalar) -> Self;
        /// `g` with its first `n` lanes zeroed.
        fn zero_first(simd: V3, g: Self, n: usize) -> Self;
    }

    impl Register for __m256d {
        type Scalar = f64;
        type Lanes = [f64; LANES];

        #[inline(always)]
        fn fmadd(simd: V3, a: Self, b: Self, c: Self) -> Self {
            simd.fma._mm256_fmadd_pd(a, b, c)
        }

        #[inline(always)]
        fn splat(simd: V3, x: f64) -> Self {
            splat(simd, x)
        }

        #[inline(always)]
        fn zero_first(simd: V3, g: Self, n: usize) -> Self {
            let mut later = [u64::MAX; LANES];
            later[..n].fill(0);
            simd.avx._mm256_and_pd(g, cast(later))
        }
    }

    impl Register for __m256 {
        type Scalar = f32;
        type Lanes = [f32; SINGLE_LANES];

        #[inline(always)]
        fn fmadd(simd: V3, a: Self, b: Self, c: Self) -> Self {
            simd.fma._mm256_fmadd_ps(a, b, c)
        }

        #[inline(always)]
        fn splat(simd: V3, x: f32) -> Self {
            splat_single(simd, x)
        }

        #[inline(always)]
        fn zero_first(simd: V3, g: Self, n: usize) -> Self {
            let mut later = [u32::MAX; SINGLE_LANES];
            later[..n].fill(0);
            simd.avx._mm256_and_ps(g, cast(later))
        }
    }

    /// The exchange of `N` targets (strength and volume each) with `K`
    /// blocks (strengths `u`, volumes `v`) across their Gaussians `g`:
    /// target `n`'s sums into `acc[n]`, the blocks' into `a` and `b`
    /// (target 0's terms first). With `SELF`, target `n`'s first `n` lanes
    /// of block 0 are masked ([`super::PairLanes::block`]).
    #[inline(always)]
    fn exchange<R: Register, const N: usize, const K: usize, const SELF: bool>(
        simd: V3,
        mut g: [[R; K]; N],
        me: [(R::Scalar, R::Scalar); N],
        (u, v): (&[R::Lanes; K], &[R::Lanes; K]),
        acc: &mut [(R, R); N],
        (a, b): (&mut [R::Lanes; K], &mut [R::Lanes; K]),
    ) {
        if SELF {
            for (n, g) in g.iter_mut().enumerate().skip(1) {
                g[0] = R::zero_first(simd, g[0], n);
            }
        }
        for k in 0..K {
            let (mut a_k, mut b_k): (R, R) = (cast(a[k]), cast(b[k]));
            for n in 0..N {
                let g = g[n][k];
                acc[n].0 = R::fmadd(simd, cast(u[k]), g, acc[n].0);
                acc[n].1 = R::fmadd(simd, cast(v[k]), g, acc[n].1);
                a_k = R::fmadd(simd, R::splat(simd, me[n].0), g, a_k);
                b_k = R::fmadd(simd, R::splat(simd, me[n].1), g, b_k);
            }
            a[k] = cast(a_k);
            b[k] = cast(b_k);
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
