//! The PSE pair sums over lines of blocks, each pair evaluated once.
//!
//! For every slot `s` (a particle or an image) the sums
//!
//! ```text
//! a_s = sum_t U_t g_st,    b_s = sum_t V_t g_st,    g_st = exp(-|x_s - x_t|^2 / eps^2),
//! ```
//!
//! over the other slots `t` within the cut-off, from which the rates are
//! `V_p a_p - U_p b_p` (the conservative exchange, without `eta_eps(0)`) and
//! the stiffness is `b_p`. A pair is visited from its earlier line (or, in
//! one line, from its earlier slot) and credited to both slots, so the
//! slots a target reaches are runs: in its own line from the next slot to
//! the bin a cut-off ahead along axis 0, and in each *forward* line within
//! reach (the half of [`Blocks::reach`] whose last non-zero offset is
//! positive) the bins within that line's half-width of the target.
//!
//! Two consecutive targets of a line are taken together, over the union
//! of their runs (the second's own run then starts at the second itself,
//! whose lane is masked for it): the blocks are loaded and written back
//! once for both. The runs' slots are evaluated in blocks of lanes from
//! each run's first slot, two blocks at a time across runs, without a
//! cut-off branch: the
//! Gaussian of a pair beyond the cut-off (the lanes a run's last block
//! reaches past its end, in the line or its padding) is masked to zero.
//! Written lane-wise with fused multiply-adds only, the loop is compiled
//! from one source for both precisions (`f64`, four lanes; `f32`, eight
//! lanes) and for AVX2 with FMA (chosen
//! at run time through `pulp`) as well as any target, and the two give the
//! same bits.

use std::ops::Range;

use super::blocks::{Blocks, LINES_PER_CUTOFF};
use super::exp;
use pulp::bytemuck::{self, Zeroable};

#[cfg(test)]
use super::lanes::Portable;
use super::lanes::{
    self, Lanes, PairLanes, Target, Visit, WithLanes, block_at, set_block, walk_runs,
};

/// Consecutive targets of a line evaluated together over the union of
/// their runs: each block's slots are loaded and stored once for both, and
/// the per-target work (runs, walking them, the horizontal sums) is
/// shared. Three or four save few more instructions and no time (issue 15,
/// sixth part of docs/performance.md).
const TOGETHER: usize = 2;

/// Largest number of slot runs per target: its own line and the forward
/// half of the lines within reach, `((2S + 1)^(D-1) - 1) / 2` for `D <= 4`
/// and `S` lines per cut-off.
const MAX_RUNS: usize = 1 + ((2 * LINES_PER_CUTOFF + 1).pow(3) - 1) / 2;

/// Add the pair sums of the target lines `lines` to `a` and `b`, which
/// hold the slots from `base` on (every slot the lines reach), in the
/// precision `V` of the strengths: `f64`, four lanes at a time, or `f32`,
/// eight at a time with the Gaussians of the fixed-point coordinates
/// ([`Blocks::fixed`]) by the degree-6 `2^x`
/// ([`exp::pow2_neg_single_blocks`]).
///
/// `strength` holds each slot's signed strength (0 for padding) and
/// `cutoff2` is the squared cut-off in units of the kernel width.
pub(crate) fn accumulate<V, const D: usize>(
    blocks: &Blocks<D>,
    strength: &[V],
    cutoff2: f64,
    lines: Range<usize>,
    base: usize,
    a: &mut [V],
    b: &mut [V],
) where
    for<'s, 't> PairSums<'s, 't, V, D>: WithLanes<D>,
{
    lanes::dispatch(PairSums {
        blocks,
        strength,
        cutoff2,
        lines,
        base,
        a,
        b,
    });
}

/// [`accumulate`]'s work, for any lanes.
pub(crate) struct PairSums<'a, 'b, V, const D: usize> {
    blocks: &'a Blocks<D>,
    strength: &'a [V],
    cutoff2: f64,
    lines: Range<usize>,
    base: usize,
    a: &'b mut [V],
    b: &'b mut [V],
}

impl<const D: usize> WithLanes<D> for PairSums<'_, '_, f64, D> {
    /// With the polynomial the cut-off allows ([`exp::degree`]).
    #[inline(always)]
    fn run<L: Lanes<D>>(self, lanes: L) {
        let blocks = self.blocks;
        let job = Job::<L, D> {
            blocks,
            coords: std::array::from_fn(|axis| &blocks.coords[axis][..]),
            strength: self.strength,
            volume: &blocks.volume,
            cutoff2: self.cutoff2,
            base: self.base,
        };
        let (lines, a, b) = (self.lines, self.a, self.b);
        match exp::degree(self.cutoff2) {
            7 => job.run::<7>(lanes, lines, a, b),
            8 => job.run::<8>(lanes, lines, a, b),
            _ => job.run::<10>(lanes, lines, a, b),
        }
    }
}

impl<const D: usize> WithLanes<D> for PairSums<'_, '_, f32, D> {
    #[inline(always)]
    fn run<L: Lanes<D>>(self, lanes: L) {
        let blocks = self.blocks;
        // Squared fixed-point units per squared scaled unit: a power of
        // two, so that both conversions are exact.
        let unit2 = blocks.fixed_unit * blocks.fixed_unit;
        let job = Job::<L::Single, D> {
            blocks,
            coords: std::array::from_fn(|axis| &blocks.fixed[axis][..]),
            strength: self.strength,
            volume: &blocks.volume_single,
            cutoff2: (self.cutoff2 * unit2) as f32,
            base: self.base,
        };
        let lanes = lanes.single((1.0 / unit2) as f32);
        job.run::<6>(lanes, self.lines, self.a, self.b);
    }
}

/// The portable form of [`accumulate`] (the same bits; for tests).
#[cfg(test)]
pub(crate) fn accumulate_portable<V, const D: usize>(
    blocks: &Blocks<D>,
    strength: &[V],
    cutoff2: f64,
    lines: Range<usize>,
    base: usize,
    a: &mut [V],
    b: &mut [V],
) where
    for<'s, 't> PairSums<'s, 't, V, D>: WithLanes<D>,
{
    let sums = PairSums {
        blocks,
        strength,
        cutoff2,
        lines,
        base,
        a,
        b,
    };
    sums.run(Portable);
}

/// The slot arrays of one precision: coordinates, strengths and volumes,
/// and the squared cut-off, in the units of the lanes `L`.
struct Job<'a, L: PairLanes<D>, const D: usize> {
    blocks: &'a Blocks<D>,
    coords: [&'a [L::Coord]; D],
    strength: &'a [L::Value],
    volume: &'a [L::Value],
    cutoff2: L::Value,
    base: usize,
}

impl<L: PairLanes<D>, const D: usize> Job<'_, L, D> {
    #[inline(always)]
    fn run<const DEG: usize>(
        &self,
        lanes: L,
        lines: Range<usize>,
        a: &mut [L::Value],
        b: &mut [L::Value],
    ) {
        const { assert!(D >= 1 && D <= 4, "PSE blocks support 1 to 4 dimensions") };
        let blocks = self.blocks;
        let mut runs = [(0usize, 0usize); MAX_RUNS];
        // The forward lines of the present target line, and their
        // half-widths.
        let mut ahead = [(0usize, 0.0f64); MAX_RUNS];
        // The own line's reach along axis 0: the half-width at offset 0.
        let own = blocks
            .reach
            .iter()
            .find(|r| r.offset == [0; D])
            .map_or(0.0, |r| r.half_width);
        let mut targets = Targets {
            job: self,
            lanes,
            a,
            b,
        };
        for line in lines {
            let (first, end) = (blocks.line_start(line), blocks.line_end(line));
            if first == end {
                continue;
            }
            let idx = blocks.unflatten_line(line);
            let mut count = 0;
            for r in &blocks.reach {
                if r.offset.iter().rev().find(|&&o| o != 0) > Some(&0)
                    && let Some(other) = blocks.line_at(&idx, &r.offset)
                    && blocks.line_start(other) < blocks.line_end(other)
                {
                    ahead[count] = (other, r.half_width);
                    count += 1;
                }
            }
            let ahead = &ahead[..count];
            let runs = &mut runs[..=count];
            let mut p = first;
            while p + TOGETHER <= end {
                let x = &blocks.coords[0][p..p + TOGETHER];
                let lo = x.iter().fold(f64::INFINITY, |m, &x| m.min(x));
                let hi = x.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
                runs_of(blocks, line, own, ahead, (p, lo, hi), runs);
                Group::<L, D, DEG, TOGETHER>::new(&mut targets, p).sums(runs);
                p += TOGETHER;
            }
            for p in p..end {
                let x = blocks.coords[0][p];
                runs_of(blocks, line, own, ahead, (p, x, x), runs);
                Group::<L, D, DEG, 1>::new(&mut targets, p).sums(runs);
            }
        }
    }
}

/// Into `runs`, the runs of the targets from slot `p` on in `line` whose
/// axis-0 coordinates span `lo..=hi`: in the own line from the next slot
/// to `own` beyond `hi`, in each forward line of `ahead` (with its
/// half-width) around them.
#[inline(always)]
fn runs_of<const D: usize>(
    blocks: &Blocks<D>,
    line: usize,
    own: f64,
    ahead: &[(usize, f64)],
    (p, lo, hi): (usize, f64, f64),
    runs: &mut [(usize, usize)],
) {
    runs[0] = (p + 1, blocks.run(line, hi, hi + own).1);
    for (run, &(other, half)) in runs[1..].iter_mut().zip(ahead) {
        *run = blocks.run(other, lo - half, hi + half);
    }
}

/// The job's sums: the slots' `a` and `b` from `job.base` on.
struct Targets<'j, 'a, L: PairLanes<D>, const D: usize> {
    job: &'j Job<'j, L, D>,
    lanes: L,
    a: &'a mut [L::Value],
    b: &'a mut [L::Value],
}

/// `N` consecutive target slots of a line and their pair sums with the
/// blocks of the union of their runs. The own line's run starts at the
/// second target: target `n` masks the first `n` lanes of its first block
/// (itself and the targets before it, whose pairs with it are theirs).
struct Group<'t, 'j, 'a, L: PairLanes<D>, const D: usize, const DEG: usize, const N: usize> {
    targets: &'t mut Targets<'j, 'a, L, D>,
    me: [Target<D, L::Coord, L::Value>; N],
    acc: [L::Acc; N],
    /// The first slot of the own line's run.
    own_run: usize,
}

impl<'t, 'j, 'a, L: PairLanes<D>, const D: usize, const DEG: usize, const N: usize>
    Group<'t, 'j, 'a, L, D, DEG, N>
{
    /// The targets `p..p + N`.
    #[inline(always)]
    fn new(targets: &'t mut Targets<'j, 'a, L, D>, p: usize) -> Self {
        const {
            assert!(
                N >= 1 && N <= L::WIDTH,
                "at most a block of targets at a time"
            )
        };
        let (job, zero) = (targets.job, targets.lanes.zero());
        let me = std::array::from_fn(|n| Target {
            x: std::array::from_fn(|axis| job.coords[axis][p + n]),
            strength: job.strength[p + n],
            volume: job.volume[p + n],
            cutoff2: job.cutoff2,
        });
        Group {
            targets,
            me,
            acc: [zero; N],
            own_run: p + 1,
        }
    }

    /// The targets' sums with every slot of `runs` (the own line's first).
    #[inline(always)]
    fn sums(mut self, runs: &[(usize, usize)]) {
        walk_runs(L::WIDTH, runs, &mut self);
        let Targets { job, lanes, a, b } = self.targets;
        let p = self.own_run - 1 - job.base;
        for (n, acc) in self.acc.into_iter().enumerate() {
            let (sum_a, sum_b) = lanes.sums(acc);
            a[p + n] += sum_a;
            b[p + n] += sum_b;
        }
    }

    /// The `pairs` pairs of consecutive blocks from slot `at` on, the
    /// first with the targets' own lanes masked when `OWN` (and more than
    /// one target).
    #[inline(always)]
    fn together_from<const OWN: bool>(&mut self, at: usize, pairs: usize) {
        // Every array sliced and cut into pairs of blocks once, so that the
        // loop below indexes without bounds checks.
        let Targets { job, lanes, a, b } = &mut *self.targets;
        let len = pairs * 2 * L::WIDTH;
        let x: [&[[L::Coords; 2]]; D] =
            std::array::from_fn(|axis| bytemuck::cast_slice(&job.coords[axis][at..at + len]));
        let u: &[[L::Values; 2]] = bytemuck::cast_slice(&job.strength[at..at + len]);
        let v: &[[L::Values; 2]] = bytemuck::cast_slice(&job.volume[at..at + len]);
        let i = at - job.base;
        let a: &mut [[L::Values; 2]] = bytemuck::cast_slice_mut(&mut a[i..i + len]);
        let b: &mut [[L::Values; 2]] = bytemuck::cast_slice_mut(&mut b[i..i + len]);
        assert!(u.len() == pairs && v.len() == pairs && a.len() == pairs && b.len() == pairs);
        assert!(x.iter().all(|x| x.len() == pairs));
        // The targets and their sums in locals (registers), not behind
        // `self`.
        let (lanes, me, mut acc) = (*lanes, self.me, self.acc);
        let mut from = 0;
        if OWN && N > 1 && pairs > 0 {
            let (a, b) = (&mut a[0], &mut b[0]);
            lanes.block::<N, 2, DEG, true>(&me, gather(&x, 0), &u[0], &v[0], &mut acc, a, b);
            from = 1;
        }
        for j in from..pairs {
            let (a, b) = (&mut a[j], &mut b[j]);
            lanes.block::<N, 2, DEG, false>(&me, gather(&x, j), &u[j], &v[j], &mut acc, a, b);
        }
        self.acc = acc;
    }

    /// [`Visit::apart`], the first block with the targets' own lanes
    /// masked when `OWN` (and more than one target).
    #[inline(always)]
    fn apart_from<const K: usize, const OWN: bool>(&mut self, at: [usize; K]) {
        let Targets { job, lanes, a, b } = &mut *self.targets;
        let base = job.base;
        let zero = L::Values::zeroed();
        let mut x = [[L::Coords::zeroed(); K]; D];
        let (mut u, mut v) = ([zero; K], [zero; K]);
        let (mut a_k, mut b_k) = ([zero; K], [zero; K]);
        for k in 0..K {
            for (x, coords) in x.iter_mut().zip(&job.coords) {
                x[k] = block_at(coords, at[k]);
            }
            u[k] = block_at(job.strength, at[k]);
            v[k] = block_at(job.volume, at[k]);
            a_k[k] = block_at(a, at[k] - base);
            b_k[k] = block_at(b, at[k] - base);
        }
        let (me, acc) = (&self.me, &mut self.acc);
        if OWN && N > 1 {
            lanes.block::<N, K, DEG, true>(me, x, &u, &v, acc, &mut a_k, &mut b_k);
        } else {
            lanes.block::<N, K, DEG, false>(me, x, &u, &v, acc, &mut a_k, &mut b_k);
        }
        for k in 0..K {
            set_block(a, at[k] - base, a_k[k]);
            set_block(b, at[k] - base, b_k[k]);
        }
    }
}

impl<L: PairLanes<D>, const D: usize, const DEG: usize, const N: usize> Visit
    for Group<'_, '_, '_, L, D, DEG, N>
{
    #[inline(always)]
    fn together(&mut self, at: usize, pairs: usize) {
        if at == self.own_run {
            self.together_from::<true>(at, pairs);
        } else {
            self.together_from::<false>(at, pairs);
        }
    }

    /// The blocks at slots `at`, read apart and written back (plain loops:
    /// a closure the compiler leaves out of line loses the AVX2 features).
    #[inline(always)]
    fn apart<const K: usize>(&mut self, at: [usize; K]) {
        if at[0] == self.own_run {
            self.apart_from::<K, true>(at);
        } else {
            self.apart_from::<K, false>(at);
        }
    }
}

/// The coordinates of pair of blocks `j`, axis by axis.
#[inline(always)]
fn gather<B: Copy, const D: usize>(x: &[&[[B; 2]]; D], j: usize) -> [[B; 2]; D] {
    std::array::from_fn(|axis| x[axis][j])
}
