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
//! slots a target reaches are runs of whole blocks: in its own line from
//! its own block to the bin a cut-off ahead along axis 0, and in each
//! *forward* line within reach (the half of [`Blocks::reach`] whose last
//! non-zero offset is positive) the bins within that line's half-width of
//! the target.
//!
//! Every candidate of a run is evaluated in lanes of four without a
//! cut-off branch: the Gaussian of a pair beyond the cut-off (or with a
//! padding slot) is masked to zero. Written lane-wise with fused
//! multiply-adds only, the loop is compiled twice from one source, for AVX2
//! with FMA (chosen at run time through `pulp`) and for any target, and the
//! two give the same bits.

use std::ops::Range;

use pulp::{as_arrays, as_arrays_mut};

use super::blocks::{Blocks, EMPTY, LINES_PER_CUTOFF};
use super::exp::LANES;
#[cfg(target_arch = "x86_64")]
use super::lanes::avx2;
use super::lanes::{Lanes, Portable, Target};

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
    let job = Job {
        blocks,
        strength,
        cutoff2,
        base,
    };
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(
            #[inline(always)]
            || job.run(avx2::Avx2(simd), lines, a, b),
        );
    }
    job.run(Portable, lines, a, b);
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
    Job {
        blocks,
        strength,
        cutoff2,
        base,
    }
    .run(Portable, lines, a, b);
}

struct Job<'a, const D: usize> {
    blocks: &'a Blocks<D>,
    strength: &'a [f64],
    cutoff2: f64,
    base: usize,
}

impl<const D: usize> Job<'_, D> {
    #[inline(always)]
    fn run<L: Lanes<D>>(&self, lanes: L, lines: Range<usize>, a: &mut [f64], b: &mut [f64]) {
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
        for line in lines {
            let (first, end) = (blocks.line_start(line), blocks.line_start(line + 1));
            if first == end {
                continue;
            }
            let idx = blocks.unflatten_line(line);
            let mut count = 0;
            for r in &blocks.reach {
                if r.offset.iter().rev().find(|&&o| o != 0) > Some(&0) {
                    if let Some(other) = blocks.line_at(&idx, &r.offset) {
                        if blocks.line_start(other) < blocks.line_start(other + 1) {
                            ahead[count] = (other, r.half_width);
                            count += 1;
                        }
                    }
                }
            }
            for p in first..end {
                // Padding only follows a line's entries.
                if blocks.source[p] == EMPTY {
                    break;
                }
                let x = blocks.coords[0][p];
                runs[0] = (p - p % LANES, blocks.run(line, x, x + own).1);
                for (run, &(other, half)) in runs[1..].iter_mut().zip(&ahead[..count]) {
                    *run = blocks.run(other, x - half, x + half);
                }
                self.target(lanes, p, &runs[..=count], a, b);
            }
        }
    }

    /// The sums of slot `p` with every later slot of `runs` (the first
    /// block of the first run holds `p` itself and earlier slots: masked).
    #[inline(always)]
    fn target<L: Lanes<D>>(
        &self,
        lanes: L,
        p: usize,
        runs: &[(usize, usize)],
        a: &mut [f64],
        b: &mut [f64],
    ) {
        let blocks = self.blocks;
        let me = Target {
            x: std::array::from_fn(|axis| blocks.coords[axis][p]),
            strength: self.strength[p],
            volume: blocks.volume[p],
            cutoff2: self.cutoff2,
        };
        let mut acc = lanes.zero();
        for (k, &(from, to)) in runs.iter().enumerate() {
            // Whole blocks of every array, sliced once per run so that the
            // loop below indexes without bounds checks.
            let xs: [&[[f64; LANES]]; D] =
                std::array::from_fn(|axis| as_arrays(&blocks.coords[axis][from..to]).0);
            let us = as_arrays(&self.strength[from..to]).0;
            let vs = as_arrays(&blocks.volume[from..to]).0;
            let a_run = as_arrays_mut(&mut a[from - self.base..to - self.base]).0;
            let b_run = as_arrays_mut(&mut b[from - self.base..to - self.base]).0;
            let n = us.len();
            assert!(vs.len() == n && a_run.len() == n && b_run.len() == n);
            assert!(xs.iter().all(|x| x.len() == n));
            let mut i = 0;
            if k == 0 {
                lanes.block::<1>(
                    &me,
                    std::array::from_fn(|axis| std::array::from_ref(&xs[axis][0])),
                    std::array::from_ref(&us[0]),
                    std::array::from_ref(&vs[0]),
                    p - from + 1,
                    &mut acc,
                    std::array::from_mut(&mut a_run[0]),
                    std::array::from_mut(&mut b_run[0]),
                );
                i = 1;
            }
            // The rest two blocks at a time, then the odd one.
            let x2: [&[[[f64; LANES]; 2]]; D] =
                std::array::from_fn(|axis| as_arrays(&xs[axis][i..]).0);
            let (u2, u_odd) = as_arrays(&us[i..]);
            let (v2, v_odd) = as_arrays(&vs[i..]);
            let (a2, a_odd) = as_arrays_mut(&mut a_run[i..]);
            let (b2, b_odd) = as_arrays_mut(&mut b_run[i..]);
            let pairs = u2.len();
            assert!(v2.len() == pairs && a2.len() == pairs && b2.len() == pairs);
            assert!(x2.iter().all(|x| x.len() == pairs));
            for j in 0..pairs {
                lanes.block(
                    &me,
                    std::array::from_fn(|axis| &x2[axis][j]),
                    &u2[j],
                    &v2[j],
                    0,
                    &mut acc,
                    &mut a2[j],
                    &mut b2[j],
                );
            }
            if let ([u], [v], [a], [b]) = (u_odd, v_odd, a_odd, b_odd) {
                lanes.block::<1>(
                    &me,
                    std::array::from_fn(|axis| std::array::from_ref(&xs[axis][n - 1])),
                    std::array::from_ref(u),
                    std::array::from_ref(v),
                    0,
                    &mut acc,
                    std::array::from_mut(a),
                    std::array::from_mut(b),
                );
            }
        }
        let (sum_a, sum_b) = lanes.sums(acc);
        a[p - self.base] += sum_a;
        b[p - self.base] += sum_b;
    }
}
