//! `2^t` for `t <= 0` on lanes of four, branch-free, to about 1 ulp: the
//! Gaussian `exp(-|x|^2 / eps^2) = 2^(-|x|^2 log2(e) / eps^2)` of every
//! candidate pair of the PSE sums, with the factor `log2 e` folded into the
//! stored coordinates.
//!
//! `t = k + r` with `k = round(t)` and `|r| <= 1/2` (exact); `2^r =
//! exp(r ln 2)` by its Taylor polynomial of degree 12, whose remainder is
//! below `0.347^13 / 13! * 1.42 < 2.5e-16` relative, evaluated as `1 + r
//! T(r)` with the tail `T` by Estrin's scheme (a dependency chain of five
//! fused multiply-adds instead of Horner's twelve: the PSE loop is bound by
//! that chain's latency more than by its arithmetic); `2^k` assembled in the
//! exponent bits. Every operation is a plain `f64` operation or a fused
//! multiply-add ([`f64::mul_add`], exactly rounded on every target), so the
//! lane-wise form here and its AVX2 transcription in `pairs` give the same
//! bits. Arguments below [`MIN_ARG`] are clamped (callers mask those lanes:
//! the PSE cut-off is far above).

use std::f64::consts::LN_2;

/// Lanes evaluated together.
pub(crate) const LANES: usize = 4;

/// Smallest argument evaluated; `2^MIN_ARG` is still a normal number.
pub(crate) const MIN_ARG: f64 = -1000.0;

/// `1.5 * 2^52`: adding it to an integer-valued `k` with `|k| < 2^51` leaves
/// `k` (mod `2^52`) in the low mantissa bits.
pub(crate) const SHIFTER: f64 = 6_755_399_441_055_744.0;

/// Taylor coefficients `ln(2)^j / j!` for `j = 0, 1, ..., 12`.
pub(crate) const TAYLOR: [f64; 13] = {
    let mut c = [1.0; 13];
    let mut j = 1;
    while j <= 12 {
        c[j] = c[j - 1] * LN_2 / j as f64;
        j += 1;
    }
    c
};

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

/// `2^t` of `K` blocks of four lanes, each lane as in [`exp2_lanes`]; the
/// blocks' operations interleaved, so that a processor overlaps their
/// polynomial chains.
#[inline(always)]
pub(crate) fn exp2_blocks<const K: usize>(t: [[f64; LANES]; K]) -> [[f64; LANES]; K] {
    let mut k = [[0.0; LANES]; K];
    let mut r = [[0.0; LANES]; K];
    for j in 0..K {
        for l in 0..LANES {
            let t = t[j][l].max(MIN_ARG);
            k[j][l] = t.round_ties_even();
            r[j][l] = t - k[j][l];
        }
    }
    // `2^r = 1 + r T(r)`, the tail `T` of degree 11 by Estrin's scheme
    // (pairs, then pairs of pairs, ...: a chain of five fused multiply-adds
    // after the powers, rather than Horner's twelve), the 1 added last.
    let mut p = [[0.0; LANES]; K];
    for j in 0..K {
        for l in 0..LANES {
            let r = r[j][l];
            let r2 = r * r;
            let r4 = r2 * r2;
            let r8 = r4 * r4;
            let q: [f64; 6] =
                std::array::from_fn(|i| TAYLOR[2 * i + 2].mul_add(r, TAYLOR[2 * i + 1]));
            let s0 = q[1].mul_add(r2, q[0]);
            let s1 = q[3].mul_add(r2, q[2]);
            let s2 = q[5].mul_add(r2, q[4]);
            let tail = s2.mul_add(r8, s1.mul_add(r4, s0));
            p[j][l] = tail.mul_add(r, 1.0);
        }
    }
    let mut out = [[0.0; LANES]; K];
    for j in 0..K {
        for l in 0..LANES {
            let bits = (k[j][l] + SHIFTER).to_bits().wrapping_add(1023) << 52;
            out[j][l] = p[j][l] * f64::from_bits(bits);
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
    fn matches_the_library_exp2_to_two_ulps() {
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
        assert!(worst <= 2, "worst error {worst} ulp");
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
