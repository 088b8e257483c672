//! One-sided Gaussian sums at arbitrary points over cell blocks: the field
//! `sum_q U_q exp(-|x - x_q|^2 / eps^2)` of the slots at each point (the
//! reconstruction of eq. (3) without `zeta_eps(0)`).
//!
//! A point reaches the lines around its own ([`Blocks::reach`]), in each
//! one run: the bins within that line's half-width of the point along axis
//! 0. Evaluated in blocks of lanes like the PSE pairs (`lanes`), with the
//! same bits on every processor.

use super::blocks::{Blocks, LINES_PER_CUTOFF};
use super::exp;
use pulp::as_arrays;

use super::exp::LANES;
#[cfg(test)]
use super::lanes::Portable;
use super::lanes::{self, Lanes, Target, Visit, WithLanes, lanes_at, walk_runs};

/// Largest number of runs per point: the lines within reach,
/// `(2S + 1)^(D-1)` for `D <= 4` and `S` lines per cut-off.
const MAX_RUNS: usize = (2 * LINES_PER_CUTOFF + 1).pow(3);

/// `out[i] = sum_q strength_q 2^(-d2(points[i], x_q))` over the slots within
/// the cut-off (`cutoff2` in the blocks' squared units); `points` in domain
/// units, inside the blocks' domain.
pub(crate) fn sums_at<const D: usize>(
    blocks: &Blocks<D>,
    strength: &[f64],
    cutoff2: f64,
    points: &[[f64; D]],
    out: &mut [f64],
) {
    lanes::dispatch(PointJob {
        blocks,
        strength,
        cutoff2,
        points,
        out,
    });
}

/// [`sums_at`]'s work, for any lanes.
struct PointJob<'a, const D: usize> {
    blocks: &'a Blocks<D>,
    strength: &'a [f64],
    cutoff2: f64,
    points: &'a [[f64; D]],
    out: &'a mut [f64],
}

impl<const D: usize> WithLanes<D> for PointJob<'_, D> {
    /// [`run`] with the polynomial the cut-off allows ([`exp::degree`]).
    #[inline(always)]
    fn run<L: Lanes<D>>(self, lanes: L) {
        let PointJob {
            blocks,
            strength,
            cutoff2,
            points,
            out,
        } = self;
        match exp::degree(cutoff2) {
            7 => run::<D, L, 7>(lanes, blocks, strength, cutoff2, points, out),
            8 => run::<D, L, 8>(lanes, blocks, strength, cutoff2, points, out),
            _ => run::<D, L, 10>(lanes, blocks, strength, cutoff2, points, out),
        }
    }
}

/// The portable form of [`sums_at`] (the same bits; for tests).
#[cfg(test)]
pub(crate) fn sums_at_portable<const D: usize>(
    blocks: &Blocks<D>,
    strength: &[f64],
    cutoff2: f64,
    points: &[[f64; D]],
    out: &mut [f64],
) {
    PointJob {
        blocks,
        strength,
        cutoff2,
        points,
        out,
    }
    .run(Portable);
}

#[inline(always)]
fn run<const D: usize, L: Lanes<D>, const DEG: usize>(
    lanes: L,
    blocks: &Blocks<D>,
    strength: &[f64],
    cutoff2: f64,
    points: &[[f64; D]],
    out: &mut [f64],
) {
    const {
        assert!(
            D >= 1 && D <= 4,
            "Gaussian blocks support 1 to 4 dimensions"
        )
    };
    let mut runs = [(0usize, 0usize); MAX_RUNS];
    let mut sums = PointSums::<L, D, DEG> {
        lanes,
        blocks,
        strength,
        me: Target {
            x: [0.0; D],
            strength: 0.0,
            volume: 0.0,
            cutoff2,
        },
        acc: lanes.zero(),
    };
    for (x, value) in points.iter().zip(out.iter_mut()) {
        let x = x.map(|x| x * blocks.unit);
        let count = runs_of(blocks, &x, &mut runs);
        sums.me.x = x;
        sums.acc = lanes.zero();
        walk_runs(LANES, &runs[..count], &mut sums);
        *value = lanes.sums(sums.acc).0;
    }
}

/// One point's sum over the blocks of its runs.
struct PointSums<'a, L: Lanes<D>, const D: usize, const DEG: usize> {
    lanes: L,
    blocks: &'a Blocks<D>,
    strength: &'a [f64],
    me: Target<D>,
    acc: L::Acc,
}

impl<L: Lanes<D>, const D: usize, const DEG: usize> Visit for PointSums<'_, L, D, DEG> {
    #[inline(always)]
    fn together(&mut self, at: usize, pairs: usize) {
        let len = pairs * 2 * LANES;
        let x: [&[[[f64; LANES]; 2]]; D] = std::array::from_fn(|axis| {
            as_arrays(as_arrays(&self.blocks.coords[axis][at..at + len]).0).0
        });
        let u = as_arrays(as_arrays(&self.strength[at..at + len]).0).0;
        assert!(u.len() == pairs && x.iter().all(|x| x.len() == pairs));
        let (lanes, me, mut acc) = (self.lanes, self.me, self.acc);
        for (j, u) in u.iter().enumerate() {
            let mut xj = [[[0.0; LANES]; 2]; D];
            for (xj, x) in xj.iter_mut().zip(&x) {
                *xj = x[j];
            }
            lanes.point_block::<2, DEG>(&me, xj, u, &mut acc);
        }
        self.acc = acc;
    }

    /// The blocks at slots `at` (plain loops: a closure the compiler leaves
    /// out of line loses the AVX2 features).
    #[inline(always)]
    fn apart<const K: usize>(&mut self, at: [usize; K]) {
        let mut x = [[[0.0; LANES]; K]; D];
        let mut u = [[0.0; LANES]; K];
        for k in 0..K {
            for (x, coords) in x.iter_mut().zip(&self.blocks.coords) {
                x[k] = lanes_at(coords, at[k]);
            }
            u[k] = lanes_at(self.strength, at[k]);
        }
        self.lanes
            .point_block::<K, DEG>(&self.me, x, &u, &mut self.acc);
    }
}

/// The slot runs a point `x` (scaled units) reaches; returns their number.
fn runs_of<const D: usize>(
    blocks: &Blocks<D>,
    x: &[f64; D],
    runs: &mut [(usize, usize); MAX_RUNS],
) -> usize {
    let idx = blocks.line_index(x);
    let mut count = 0;
    for r in &blocks.reach {
        if let Some(line) = blocks.line_at(&idx, &r.offset) {
            let run = blocks.run(line, x[0] - r.half_width, x[0] + r.half_width);
            if run.0 < run.1 {
                runs[count] = run;
                count += 1;
            }
        }
    }
    count
}
