//! The PSE pair sums over cell blocks, each pair evaluated once.
//!
//! For every slot `s` (a particle or an image) the sums
//!
//! ```text
//! a_s = sum_t U_t g_st,    b_s = sum_t V_t g_st,    g_st = exp(-|x_s - x_t|^2 / eps^2),
//! ```
//!
//! over the other slots `t` within the cut-off, from which the rates are
//! `V_p a_p - U_p b_p` (the conservative exchange, without `eta_eps(0)`) and
//! the stiffness is `b_p`. A pair is visited from its earlier cell (or, in
//! one cell, from its lower slot) and credited to both slots, so the slots a
//! target cell reaches are its own later ones and the *forward* neighbour
//! cells: along axis 0 they form contiguous runs of slots, one in the
//! target's own row (itself and the next cell) and one per forward
//! neighbour row (`3^(D-1)` rows around the target's, the half whose first
//! non-zero offset from the last axis down is positive).
//!
//! Every candidate of a run is evaluated in lanes of four without a
//! cut-off branch: the Gaussian of a pair beyond the cut-off (or with a
//! padding slot) is masked to zero. Written lane-wise with fused
//! multiply-adds only, the loop is compiled twice from one source, for AVX2
//! with FMA (chosen at run time through `pulp`) and for any target, and the
//! two give the same bits.

use std::ops::Range;

use pulp::{as_arrays, as_arrays_mut};

use super::blocks::{Blocks, STRIPS};
use super::exp::LANES;
#[cfg(target_arch = "x86_64")]
use super::lanes::avx2;
use super::lanes::{Lanes, Portable, Target};

/// Largest number of forward neighbour cells one step ahead on the last
/// axis: `3^(D-1)` for `D <= 4`.
const MAX_PRUNED: usize = 27;
/// Largest number of slot runs per target: the own row, the rows taken
/// whole (`(3^(D-2) - 1) / 2`) and the pruned cells, for `D <= 4`.
const MAX_RUNS: usize = 1 + 4 + MAX_PRUNED;

/// Add the pair sums of the target cells `cells` to `a` and `b`, which
/// hold the slots from `base` on (every slot the cells reach).
///
/// `strength` holds each slot's signed strength (0 for padding) and
/// `cutoff2` is the squared cut-off in units of the kernel width.
pub(crate) fn accumulate<const D: usize>(
    blocks: &Blocks<D>,
    strength: &[f64],
    cutoff2: f64,
    cells: Range<usize>,
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
            || job.run(avx2::Avx2(simd), cells, a, b),
        );
    }
    job.run(Portable, cells, a, b);
}

/// The portable form of [`accumulate`] (the same bits; for tests).
#[cfg(test)]
pub(crate) fn accumulate_portable<const D: usize>(
    blocks: &Blocks<D>,
    strength: &[f64],
    cutoff2: f64,
    cells: Range<usize>,
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
    .run(Portable, cells, a, b);
}

struct Job<'a, const D: usize> {
    blocks: &'a Blocks<D>,
    strength: &'a [f64],
    cutoff2: f64,
    base: usize,
}

impl<const D: usize> Job<'_, D> {
    #[inline(always)]
    fn run<L: Lanes<D>>(&self, lanes: L, cells: Range<usize>, a: &mut [f64], b: &mut [f64]) {
        const { assert!(D >= 1 && D <= 4, "PSE blocks support 1 to 4 dimensions") };
        let blocks = self.blocks;
        let dims = blocks.dims;
        let start = &blocks.cell_start;
        let bounds = &blocks.strip_bounds;
        let mut runs = [(0usize, 0usize); MAX_RUNS];
        let mut pruned = [0usize; MAX_PRUNED];
        for c in cells {
            if start[c] == start[c + 1] {
                continue;
            }
            let idx = blocks.unflatten(c);
            // Run 0: the rest of this cell and the next one along axis 0.
            let next = usize::from(idx[0] + 1 < dims[0]);
            runs[0] = (0, start[c + 1 + next]);
            let mut fixed = 1;
            let mut pruned_count = 0;
            // The forward neighbour rows: offsets of axes 1.. in {-1, 0, 1},
            // the last non-zero one positive. Rows one step ahead on the
            // last axis are cut to the strips within reach, cell by cell;
            // the others are taken whole.
            let rows = 3usize.pow(D as u32 - 1);
            'rows: for code in 0..rows {
                let mut offset = [0i64; D];
                let mut rest = code;
                for o in offset.iter_mut().skip(1) {
                    *o = (rest % 3) as i64 - 1;
                    rest /= 3;
                }
                match offset.iter().rev().find(|&&o| o != 0) {
                    Some(&o) if o > 0 => {}
                    _ => continue,
                }
                let mut lo = idx;
                for axis in 1..D {
                    let i = idx[axis] as i64 + offset[axis];
                    if i < 0 || i >= dims[axis] as i64 {
                        continue 'rows;
                    }
                    lo[axis] = i as usize;
                }
                let mut hi = lo;
                lo[0] = idx[0].saturating_sub(1);
                hi[0] = (idx[0] + 1).min(dims[0] - 1);
                let (lo, hi) = (blocks.flatten(lo), blocks.flatten(hi));
                if offset[D - 1] > 0 {
                    for cell in lo..=hi {
                        pruned[pruned_count] = cell;
                        pruned_count += 1;
                    }
                } else {
                    runs[fixed] = (start[lo], start[hi + 1]);
                    fixed += 1;
                }
            }
            for strip in 0..STRIPS {
                let first = bounds[c * (STRIPS + 1) + strip];
                let end = bounds[c * (STRIPS + 1) + strip + 1];
                if first == end {
                    continue;
                }
                // A target in strip `t` reaches strips `0..=t` of the
                // cells one step ahead on the last axis: the bottom of
                // strip `t + 1` there is a full cell side (the cut-off)
                // above the top of strip `t` here.
                let mut count = fixed;
                for &cell in &pruned[..pruned_count] {
                    let reach = bounds[cell * (STRIPS + 1) + strip + 1];
                    runs[count] = (start[cell], reach.div_ceil(LANES) * LANES);
                    count += 1;
                }
                for p in first..end {
                    runs[0].0 = p - p % LANES;
                    self.target(lanes, p, &runs[..count], a, b);
                }
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
