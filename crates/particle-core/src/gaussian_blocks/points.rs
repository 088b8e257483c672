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
#[cfg(target_arch = "x86_64")]
use super::lanes::avx2;
use super::lanes::{Lanes, Portable, Slots, Target, visit_blocks};

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
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(Avx2Sums {
            simd,
            blocks,
            strength,
            cutoff2,
            points,
            out,
        });
    }
    run_any(Portable, blocks, strength, cutoff2, points, out);
}

/// [`sums_at`] in AVX2, as an operation whose `call` is always inlined into
/// `pulp`'s function with the AVX2 target features (a closure's shim may
/// not be, and its body would then be compiled without them).
#[cfg(target_arch = "x86_64")]
struct Avx2Sums<'a, const D: usize> {
    simd: pulp::x86::V3,
    blocks: &'a Blocks<D>,
    strength: &'a [f64],
    cutoff2: f64,
    points: &'a [[f64; D]],
    out: &'a mut [f64],
}

#[cfg(target_arch = "x86_64")]
impl<const D: usize> pulp::NullaryFnOnce for Avx2Sums<'_, D> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        let Avx2Sums {
            simd,
            blocks,
            strength,
            cutoff2,
            points,
            out,
        } = self;
        run_any(avx2::Avx2(simd), blocks, strength, cutoff2, points, out);
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
    run_any(Portable, blocks, strength, cutoff2, points, out);
}

/// [`run`] with the polynomial the cut-off allows ([`exp::coarse`]).
#[inline(always)]
fn run_any<const D: usize, L: Lanes<D>>(
    lanes: L,
    blocks: &Blocks<D>,
    strength: &[f64],
    cutoff2: f64,
    points: &[[f64; D]],
    out: &mut [f64],
) {
    if exp::coarse(cutoff2) {
        run::<D, L, 8>(lanes, blocks, strength, cutoff2, points, out);
    } else {
        run::<D, L, 10>(lanes, blocks, strength, cutoff2, points, out);
    }
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
    let slots = Slots {
        coords: std::array::from_fn(|axis| blocks.coords[axis].as_slice()),
        strength,
        volume: &blocks.volume,
    };
    let mut runs = [(0usize, 0usize); MAX_RUNS];
    for (x, value) in points.iter().zip(out.iter_mut()) {
        let x = x.map(|x| x * blocks.unit);
        let count = runs_of(blocks, &x, &mut runs);
        let me = Target {
            x,
            strength: 0.0,
            volume: 0.0,
            cutoff2,
        };
        let mut acc = lanes.zero();
        visit_blocks(
            &runs[..count],
            #[inline(always)]
            |at, both| {
                if both {
                    lanes.point_block::<2, DEG>(&me, &slots, at, &mut acc);
                } else {
                    lanes.point_block::<1, DEG>(&me, &slots, [at[0]], &mut acc);
                }
            },
        );
        *value = lanes.sums(acc).0;
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
