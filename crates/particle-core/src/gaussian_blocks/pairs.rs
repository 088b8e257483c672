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
//! The runs' slots are evaluated in blocks of four from each run's first
//! slot, two blocks at a time across runs, without a cut-off branch: the
//! Gaussian of a pair beyond the cut-off (the lanes a run's last block
//! reaches past its end, in the line or its padding) is masked to zero.
//! Written lane-wise with fused multiply-adds only, the loop is compiled
//! twice from one source, for AVX2 with FMA (chosen at run time through
//! `pulp`) and for any target, and the two give the same bits.

use std::ops::Range;

use super::blocks::{Blocks, LINES_PER_CUTOFF};
use super::exp;
use pulp::{as_arrays, as_arrays_mut};

use super::exp::LANES;
#[cfg(test)]
use super::lanes::Portable;
use super::lanes::{self, Lanes, Target, Visit, WithLanes, lanes_at, walk_runs};

/// Largest number of slot runs per target: its own line and the forward
/// half of the lines within reach, `((2S + 1)^(D-1) - 1) / 2` for `D <= 4`
/// and `S` lines per cut-off.
const MAX_RUNS: usize = 1 + ((2 * LINES_PER_CUTOFF + 1).pow(3) - 1) / 2;

/// Add the pair sums of the target lines `lines` to `a` and `b`, which
/// hold the slots from `base` on (every slot the lines reach).
///
/// `strength` holds each slot's signed strength (0 for padding) and
/// `cutoff2` is the squared cut-off in units of the kernel width.
pub(crate) fn accumulate<const D: usize>(
    blocks: &Blocks<D>,
    strength: &[f64],
    cutoff2: f64,
    lines: Range<usize>,
    base: usize,
    a: &mut [f64],
    b: &mut [f64],
) {
    lanes::dispatch(PairSums::new(blocks, strength, cutoff2, lines, base, a, b));
}

/// [`accumulate`]'s work, for any lanes.
struct PairSums<'a, 'b, const D: usize> {
    job: Job<'a, D>,
    lines: Range<usize>,
    a: &'b mut [f64],
    b: &'b mut [f64],
}

impl<'a, 'b, const D: usize> PairSums<'a, 'b, D> {
    /// The arguments of [`accumulate`].
    fn new(
        blocks: &'a Blocks<D>,
        strength: &'a [f64],
        cutoff2: f64,
        lines: Range<usize>,
        base: usize,
        a: &'b mut [f64],
        b: &'b mut [f64],
    ) -> Self {
        PairSums {
            job: Job {
                blocks,
                strength,
                cutoff2,
                base,
            },
            lines,
            a,
            b,
        }
    }
}

impl<const D: usize> WithLanes<D> for PairSums<'_, '_, D> {
    #[inline(always)]
    fn run<L: Lanes<D>>(self, lanes: L) {
        self.job.run_any(lanes, self.lines, self.a, self.b);
    }
}

/// The portable form of [`accumulate`] (the same bits; for tests).
#[cfg(test)]
pub(crate) fn accumulate_portable<const D: usize>(
    blocks: &Blocks<D>,
    strength: &[f64],
    cutoff2: f64,
    lines: Range<usize>,
    base: usize,
    a: &mut [f64],
    b: &mut [f64],
) {
    PairSums::new(blocks, strength, cutoff2, lines, base, a, b).run(Portable);
}

struct Job<'a, const D: usize> {
    blocks: &'a Blocks<D>,
    strength: &'a [f64],
    cutoff2: f64,
    base: usize,
}

impl<const D: usize> Job<'_, D> {
    /// [`Job::run`] with the polynomial the cut-off allows ([`exp::coarse`]).
    #[inline(always)]
    fn run_any<L: Lanes<D>>(&self, lanes: L, lines: Range<usize>, a: &mut [f64], b: &mut [f64]) {
        if exp::coarse(self.cutoff2) {
            self.run::<L, 8>(lanes, lines, a, b);
        } else {
            self.run::<L, 10>(lanes, lines, a, b);
        }
    }

    #[inline(always)]
    fn run<L: Lanes<D>, const DEG: usize>(
        &self,
        lanes: L,
        lines: Range<usize>,
        a: &mut [f64],
        b: &mut [f64],
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
        let mut target = TargetPairs::<L, D, DEG> {
            job: self,
            lanes,
            me: Target {
                x: [0.0; D],
                strength: 0.0,
                volume: 0.0,
                cutoff2: self.cutoff2,
            },
            acc: lanes.zero(),
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
                if r.offset.iter().rev().find(|&&o| o != 0) > Some(&0) {
                    if let Some(other) = blocks.line_at(&idx, &r.offset) {
                        if blocks.line_start(other) < blocks.line_end(other) {
                            ahead[count] = (other, r.half_width);
                            count += 1;
                        }
                    }
                }
            }
            for p in first..end {
                let x = blocks.coords[0][p];
                runs[0] = (p + 1, blocks.run(line, x, x + own).1);
                for (run, &(other, half)) in runs[1..].iter_mut().zip(&ahead[..count]) {
                    *run = blocks.run(other, x - half, x + half);
                }
                target.sums_of(p, &runs[..=count]);
            }
        }
    }
}

/// One target slot's pair sums with the blocks of its runs.
struct TargetPairs<'j, 'a, L: Lanes<D>, const D: usize, const DEG: usize> {
    job: &'j Job<'j, D>,
    lanes: L,
    me: Target<D>,
    acc: L::Acc,
    a: &'a mut [f64],
    b: &'a mut [f64],
}

impl<L: Lanes<D>, const D: usize, const DEG: usize> TargetPairs<'_, '_, L, D, DEG> {
    /// The sums of slot `p` with every slot of `runs` (all later than `p`).
    #[inline(always)]
    fn sums_of(&mut self, p: usize, runs: &[(usize, usize)]) {
        let blocks = self.job.blocks;
        for (x, coords) in self.me.x.iter_mut().zip(&blocks.coords) {
            *x = coords[p];
        }
        self.me.strength = self.job.strength[p];
        self.me.volume = blocks.volume[p];
        self.acc = self.lanes.zero();
        walk_runs(runs, self);
        let (sum_a, sum_b) = self.lanes.sums(self.acc);
        self.a[p - self.job.base] += sum_a;
        self.b[p - self.job.base] += sum_b;
    }
}

impl<L: Lanes<D>, const D: usize, const DEG: usize> Visit for TargetPairs<'_, '_, L, D, DEG> {
    #[inline(always)]
    fn together(&mut self, at: usize, pairs: usize) {
        // Every array sliced and cut into pairs of blocks once, so that the
        // loop below indexes without bounds checks.
        let (blocks, len) = (self.job.blocks, pairs * 2 * LANES);
        let x: [&[[[f64; LANES]; 2]]; D] = std::array::from_fn(|axis| {
            as_arrays(as_arrays(&blocks.coords[axis][at..at + len]).0).0
        });
        let u = as_arrays(as_arrays(&self.job.strength[at..at + len]).0).0;
        let v = as_arrays(as_arrays(&blocks.volume[at..at + len]).0).0;
        let i = at - self.job.base;
        let a = as_arrays_mut(as_arrays_mut(&mut self.a[i..i + len]).0).0;
        let b = as_arrays_mut(as_arrays_mut(&mut self.b[i..i + len]).0).0;
        assert!(u.len() == pairs && v.len() == pairs && a.len() == pairs && b.len() == pairs);
        assert!(x.iter().all(|x| x.len() == pairs));
        // The target and its sums in locals (registers), not behind `self`.
        let (lanes, me, mut acc) = (self.lanes, self.me, self.acc);
        for j in 0..pairs {
            let mut xj = [[[0.0; LANES]; 2]; D];
            for (xj, x) in xj.iter_mut().zip(&x) {
                *xj = x[j];
            }
            lanes.block::<2, DEG>(&me, xj, &u[j], &v[j], &mut acc, &mut a[j], &mut b[j]);
        }
        self.acc = acc;
    }

    /// The blocks at slots `at`, read apart and written back (plain loops:
    /// a closure the compiler leaves out of line loses the AVX2 features).
    #[inline(always)]
    fn apart<const K: usize>(&mut self, at: [usize; K]) {
        let (blocks, base) = (self.job.blocks, self.job.base);
        let mut x = [[[0.0; LANES]; K]; D];
        let (mut u, mut v) = ([[0.0; LANES]; K], [[0.0; LANES]; K]);
        let (mut a, mut b) = ([[0.0; LANES]; K], [[0.0; LANES]; K]);
        for k in 0..K {
            for (x, coords) in x.iter_mut().zip(&blocks.coords) {
                x[k] = lanes_at(coords, at[k]);
            }
            u[k] = lanes_at(self.job.strength, at[k]);
            v[k] = lanes_at(&blocks.volume, at[k]);
            a[k] = lanes_at(self.a, at[k] - base);
            b[k] = lanes_at(self.b, at[k] - base);
        }
        self.lanes
            .block::<K, DEG>(&self.me, x, &u, &v, &mut self.acc, &mut a, &mut b);
        for k in 0..K {
            let i = at[k] - base;
            self.a[i..i + LANES].copy_from_slice(&a[k]);
            self.b[i..i + LANES].copy_from_slice(&b[k]);
        }
    }
}
