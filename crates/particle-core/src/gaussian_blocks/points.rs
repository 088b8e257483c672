//! One-sided Gaussian sums at arbitrary points over cell blocks: the field
//! `sum_q U_q exp(-|x - x_q|^2 / eps^2)` of the slots at each point (the
//! reconstruction of eq. (3) without `zeta_eps(0)`).
//!
//! A point reaches the cells around its own, `3^D` of them, as one run of
//! slots per row along axis 0; the rows one step away on the last axis are
//! cut to the strips within reach, cell by cell (strips `0..=t` above a
//! point in strip `t`, `t..` below). Evaluated in lanes like the PSE pairs
//! (`lanes`), with the same bits on every processor.

use pulp::as_arrays;

use super::blocks::{Blocks, STRIPS};
use super::exp::LANES;
#[cfg(target_arch = "x86_64")]
use super::lanes::avx2;
use super::lanes::{Lanes, Portable, Target};

/// Largest number of runs per point: `3^(D-1)` rows, each cut into three
/// cells when one step away on the last axis, for `D <= 4`.
const MAX_RUNS: usize = 3 * 27;

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
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(
            #[inline(always)]
            || run(avx2::Avx2(simd), blocks, strength, cutoff2, points, out),
        );
    }
    run(Portable, blocks, strength, cutoff2, points, out);
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
    run(Portable, blocks, strength, cutoff2, points, out);
}

#[inline(always)]
fn run<const D: usize, L: Lanes<D>>(
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
    for (x, value) in points.iter().zip(out.iter_mut()) {
        let count = runs_of(blocks, x, &mut runs);
        let me = Target {
            x: std::array::from_fn(|axis| x[axis] * blocks.unit),
            strength: 0.0,
            volume: 0.0,
            cutoff2,
        };
        let mut acc = lanes.zero();
        for &(from, to) in &runs[..count] {
            let xs: [&[[f64; LANES]]; D] =
                std::array::from_fn(|axis| as_arrays(&blocks.coords[axis][from..to]).0);
            let us = as_arrays(&strength[from..to]).0;
            let n = us.len();
            assert!(xs.iter().all(|x| x.len() == n));
            // Two blocks at a time, then the odd one.
            let x2: [&[[[f64; LANES]; 2]]; D] = std::array::from_fn(|axis| as_arrays(xs[axis]).0);
            let (u2, u_odd) = as_arrays(us);
            assert!(x2.iter().all(|x| x.len() == u2.len()));
            for j in 0..u2.len() {
                lanes.point_block(
                    &me,
                    std::array::from_fn(|axis| &x2[axis][j]),
                    &u2[j],
                    &mut acc,
                );
            }
            if let [u] = u_odd {
                lanes.point_block::<1>(
                    &me,
                    std::array::from_fn(|axis| std::array::from_ref(&xs[axis][n - 1])),
                    std::array::from_ref(u),
                    &mut acc,
                );
            }
        }
        *value = lanes.sums(acc).0;
    }
}

/// The slot runs a point `x` reaches; returns their number.
fn runs_of<const D: usize>(
    blocks: &Blocks<D>,
    x: &[f64; D],
    runs: &mut [(usize, usize); MAX_RUNS],
) -> usize {
    let dims = blocks.dims;
    let start = &blocks.cell_start;
    let bounds = &blocks.strip_bounds;
    // The point's cell (possibly one outside the blocks' box on any side)
    // and its strip along the last axis.
    let mut idx = [0i64; D];
    for axis in 0..D {
        let c = ((x[axis] - blocks.origin[axis]) / blocks.cell_size).floor();
        if !(c >= -1.0 && c <= dims[axis] as f64) {
            return 0;
        }
        idx[axis] = c as i64;
    }
    let last = D - 1;
    let offset = x[last] - blocks.origin[last] - idx[last] as f64 * blocks.cell_size;
    let strip = ((offset / (blocks.cell_size / STRIPS as f64)) as usize).min(STRIPS - 1);
    let lo0 = (idx[0] - 1).max(0) as usize;
    let hi0 = (idx[0] + 1).min(dims[0] as i64 - 1);
    if hi0 < lo0 as i64 {
        return 0;
    }
    let hi0 = hi0 as usize;
    let mut count = 0;
    'rows: for code in 0..3usize.pow(D as u32 - 1) {
        let mut cell = [0usize; D];
        let mut rest = code;
        let mut step_last = 0;
        for axis in 1..D {
            let o = (rest % 3) as i64 - 1;
            rest /= 3;
            let i = idx[axis] + o;
            if i < 0 || i >= dims[axis] as i64 {
                continue 'rows;
            }
            cell[axis] = i as usize;
            if axis == last {
                step_last = o;
            }
        }
        cell[0] = lo0;
        let first = blocks.flatten(cell);
        cell[0] = hi0;
        let end = blocks.flatten(cell);
        if D == 1 || step_last == 0 {
            runs[count] = (start[first], start[end + 1]);
            count += 1;
        } else {
            for c in first..=end {
                let strips = c * (STRIPS + 1);
                runs[count] = if step_last > 0 {
                    (start[c], bounds[strips + strip + 1].div_ceil(LANES) * LANES)
                } else {
                    (bounds[strips + strip] / LANES * LANES, start[c + 1])
                };
                count += 1;
            }
        }
    }
    count
}
