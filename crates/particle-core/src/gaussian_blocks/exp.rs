//! `2^t` for `t <= 0` on lanes of four, branch-free, within 3 ulp: the
//! Gaussian `exp(-|x|^2 / eps^2) = 2^(-|x|^2 log2(e) / eps^2)` of every
//! candidate pair of the PSE sums, with the factor `log2 e` folded into the
//! stored coordinates.
//!
//! `t = k + r` with `k = round(t)` and `|r| <= 1/2`, both exact by adding
//! and subtracting [`SHIFTER`]; `2^r` by the minimax polynomial [`POLY`] of
//! degree 10 (relative error 2.95e-16), evaluated as `1 + r T(r)` with the
//! tail `T` by Estrin's scheme (a dependency chain of four fused
//! multiply-adds instead of Horner's nine: the PSE loop is bound by that
//! chain's latency as much as by its arithmetic); `2^k` added to the
//! exponent bits. Every operation is a plain `f64` operation, an integer
//! operation on the bits, or a fused multiply-add ([`f64::mul_add`],
//! exactly rounded on every target), so the lane-wise form here and its
//! AVX2 transcription in `lanes` give the same bits. Arguments below
//! [`MIN_ARG`] are clamped (callers mask those lanes: the PSE cut-off is
//! far above).

/// Lanes evaluated together.
pub(crate) const LANES: usize = 4;

/// Smallest argument evaluated; `2^MIN_ARG` is still a normal number.
pub(crate) const MIN_ARG: f64 = -1000.0;

/// `1.5 * 2^52`: adding it to an integer-valued `k` with `|k| < 2^51` leaves
/// `k` (mod `2^52`) in the low mantissa bits.
pub(crate) const SHIFTER: f64 = 6_755_399_441_055_744.0;

/// `2^r = 1 + sum_j POLY[j] r^j` on `|r| <= 1/2` (`POLY[0] = 1`): the
/// polynomial of degree 10 with the least maximal relative error
/// (2.95e-16, levelled by the Remez exchange in 60-digit arithmetic:
/// `python3 docs/derivations/remez_exp2.py 10` prints them; the Taylor
/// coefficients `ln(2)^j / j!` differ from these by at most 1e-6 relative
/// up to `j = 6`).
pub(crate) const POLY: [f64; 11] = [
    1.0,
    0.6931471805599516,
    0.24022650695910472,
    0.05550410866434658,
    0.009618129107380715,
    0.001333355824648072,
    0.00015403530800818256,
    1.525264774769592e-05,
    1.321523563477604e-06,
    1.0210506458816145e-07,
    7.111758687557852e-09,
];

/// `2^t` of one argument `t` in `[MIN_ARG, 0]`; lane for lane the bits of
/// [`exp2_lanes`].
#[inline(always)]
pub(crate) fn exp2_nonpositive(t: f64) -> f64 {
    exp2_lanes([t; LANES])[0]
}

/// `2^t` of four lanes (plain loops: everything here must inline into the
/// caller's target features).
#[inline(always)]
pub(crate) fn exp2_lanes(t: [f64; LANES]) -> [f64; LANES] {
    let [out] = exp2_blocks([t]);
    out
}

/// `2^t` of `K` blocks of four lanes, each lane as in [`exp2_lanes`].
#[inline(always)]
pub(crate) fn exp2_blocks<const K: usize>(t: [[f64; LANES]; K]) -> [[f64; LANES]; K] {
    pow2_neg_blocks(t.map(|t| t.map(|t| (-t).min(-MIN_ARG))))
}

/// `2^-d` of `K` blocks of four lanes with every `d` in `[0, -MIN_ARG]`;
/// any other `d` gives some bits (no panic) that the caller masks. The
/// blocks' operations interleaved, so that a processor overlaps their
/// polynomial chains.
#[inline(always)]
pub(crate) fn pow2_neg_blocks<const K: usize>(d: [[f64; LANES]; K]) -> [[f64; LANES]; K] {
    // `s = SHIFTER - d` holds `k = round(-d)` (ties to even) in its low
    // mantissa bits; `k = s - SHIFTER` and `x = k + d = -r` are exact.
    let mut s = [[0.0; LANES]; K];
    let mut x = [[0.0; LANES]; K];
    for j in 0..K {
        for l in 0..LANES {
            s[j][l] = SHIFTER - d[j][l];
            x[j][l] = (s[j][l] - SHIFTER) + d[j][l];
        }
    }
    // `2^r = 1 + r T(r)`, the tail `T` of degree 9 by Estrin's scheme
    // (pairs, then pairs of pairs: a chain of four fused multiply-adds
    // after the powers, rather than Horner's nine), the 1 added last; with
    // `r = -x`, `c r + c'` is `(-c) x + c'` exactly.
    let mut p = [[0.0; LANES]; K];
    for j in 0..K {
        for l in 0..LANES {
            let x = x[j][l];
            let x2 = x * x;
            let x4 = x2 * x2;
            let x8 = x4 * x4;
            let q: [f64; 5] =
                std::array::from_fn(|i| (-POLY[2 * i + 2]).mul_add(x, POLY[2 * i + 1]));
            let s0 = q[1].mul_add(x2, q[0]);
            let s1 = q[3].mul_add(x2, q[2]);
            let tail = q[4].mul_add(x8, s1.mul_add(x4, s0));
            p[j][l] = (-tail).mul_add(x, 1.0);
        }
    }
    // `2^k` added to the exponent: the low 12 bits of `k` shifted into the
    // exponent field (two's complement wraps), exact for the normal results
    // of `d <= -MIN_ARG`.
    let mut out = [[0.0; LANES]; K];
    for j in 0..K {
        for l in 0..LANES {
            let bits = p[j][l].to_bits().wrapping_add(s[j][l].to_bits() << 52);
            out[j][l] = f64::from_bits(bits);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn matches_the_library_exp2_to_three_ulps() {
        // Dense sweep of the PSE range and a sparse one of the rest.
        let mut worst = 0;
        for i in 0..=200_000 {
            let t = -30.0 * f64::from(i) / 200_000.0;
            worst = worst.max(ulps(exp2_nonpositive(t), t.exp2()));
        }
        for i in 0..=10_000 {
            let t = MIN_ARG * f64::from(i) / 10_000.0;
            worst = worst.max(ulps(exp2_nonpositive(t), t.exp2()));
        }
        assert!(worst <= 3, "worst error {worst} ulp");
        assert_eq!(exp2_nonpositive(0.0), 1.0);
        assert_eq!(exp2_nonpositive(-0.0), 1.0);
        assert_eq!(exp2_nonpositive(-3.0), 0.125);
        assert_eq!(exp2_nonpositive(-1e-300), 1.0);
    }

    #[test]
    fn far_arguments_are_clamped_not_garbage() {
        let far = exp2_lanes([-1e300, -1e5, -1100.0, f64::NEG_INFINITY]);
        assert!(far.iter().all(|g| (0.0..1e-300).contains(g)), "{far:?}");
    }
}
