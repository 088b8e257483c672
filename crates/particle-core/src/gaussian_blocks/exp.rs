//! `2^t` for `t <= 0` on lanes, branch-free: the Gaussian
//! `exp(-|x|^2 / eps^2) = 2^(-|x|^2 log2(e) / eps^2)` of every candidate
//! pair of the Gaussian sums, with the factor `log2 e` folded into the
//! stored coordinates.
//!
//! `t = k + r` with `k = round(t)` and `|r| <= 1/2`, both exact by adding
//! and subtracting [`SHIFTER`]; `2^r` by a minimax polynomial, evaluated as
//! `1 + r T(r)` with the tail `T` by Estrin's scheme (a short dependency
//! chain of fused multiply-adds instead of Horner's long one); `2^k` added
//! to the exponent bits. Three polynomials, chosen by the sums' cut-off
//! ([`degree`]):
//!
//! * [`POLY_10`], degree 10, relative error 2.95e-16 (within 3 ulp of the
//!   library `exp2` after rounding), for cut-off tolerances below
//!   [`COARSE_TOLERANCE`];
//! * [`POLY_8`], degree 8, relative error 1.08e-12, for tolerances from
//!   [`COARSE_TOLERANCE`] (`1e-9`) up to [`COARSER_TOLERANCE`];
//! * [`POLY_7`], degree 7, relative error 2.31e-10, for tolerances of
//!   `COARSER_TOLERANCE` (`2.5e-7`) and above, where the VIC solver and
//!   Part-EnKF cut (`1e-6`).
//!
//! And for the single-precision pair sums (tolerances of `1e-6` and
//! coarser, `pse`), [`POLY_6_SINGLE`], degree 6, relative error 2.6e-9 in
//! exact arithmetic, evaluated in `f32` ([`pow2_neg_single_blocks`]) to a
//! few `f32` ulp.
//!
//! Each `f64` one serves where every kernel value is exact to within about a
//! thousandth of the tolerance, the size of the values the cut-off already leaves out
//! (PSE and the reconstruction cut the Gaussian where its tail holds a
//! fraction `tolerance` of its mass). Degree 8 costs two fused
//! multiply-adds and a multiply fewer per block of four pairs than 10,
//! degree 7 one fused multiply-add fewer than 8.
//!
//! All are levelled by the Remez exchange in 60-digit arithmetic
//! (`python3 docs/derivations/remez_exp2.py 10`, `8` and `7`). Every operation
//! is a plain `f64` operation, an integer operation on the bits, or a fused
//! multiply-add ([`f64::mul_add`], exactly rounded on every target), so the
//! lane-wise form here and its AVX2 transcription in `lanes` give the same
//! bits. Arguments `d` beyond `[0, 1000]` (where `2^-d` is still a normal
//! number) give some bits that callers mask: the cut-offs are far below.

/// Lanes evaluated together.
pub(crate) const LANES: usize = 4;

/// `1.5 * 2^52`: adding it to an integer-valued `k` with `|k| < 2^51` leaves
/// `k` (mod `2^52`) in the low mantissa bits.
pub(crate) const SHIFTER: f64 = 6_755_399_441_055_744.0;

/// `2^r = 1 + sum_j POLY_10[j] r^j` on `|r| <= 1/2` (`POLY_10[0] = 1`):
/// the polynomial of degree 10 with the least maximal relative error
/// (2.95e-16; `python3 docs/derivations/remez_exp2.py 10` prints them; the
/// Taylor coefficients `ln(2)^j / j!` differ from these by at most 1e-6
/// relative up to `j = 6`).
pub(crate) const POLY_10: [f64; 11] = [
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

/// As [`POLY_10`] for degree 8: relative error 1.076e-12
/// (`python3 docs/derivations/remez_exp2.py 8`).
pub(crate) const POLY_8: [f64; 9] = [
    1.0,
    0.6931471805412327,
    0.2402265069474259,
    0.05550410959228811,
    0.009618129558838935,
    0.0013333434157560176,
    0.0001540309828656179,
    1.5314209223349525e-05,
    1.3344183484134179e-06,
];

/// As [`POLY_10`] for degree 7: relative error 2.311e-10
/// (`python3 docs/derivations/remez_exp2.py 7`).
pub(crate) const POLY_7: [f64; 8] = [
    1.0,
    0.6931471838168677,
    0.24022650920782687,
    0.055504003753150545,
    0.009618056919350255,
    0.0013341951002369006,
    0.00015461367657218758,
    1.3359831998676824e-05,
];

/// The smallest cut-off tolerance for which [`POLY_8`] serves (its error
/// is about a thousandth of it).
pub(crate) const COARSE_TOLERANCE: f64 = 1e-9;

/// The smallest cut-off tolerance for which [`POLY_7`] serves (its error
/// is about a thousandth of it); the VIC solver and Part-EnKF cut at
/// `1e-6`.
pub(crate) const COARSER_TOLERANCE: f64 = 2.5e-7;

/// The degree of the polynomial that sums cut off at `cutoff2` use
/// (squared, in the units where the Gaussian is `2^-d2`: the tolerance is
/// `2^-cutoff2`): the lowest whose error is at most about a thousandth
/// (1.1e-3) of the tolerance, the size of the values the cut-off already
/// leaves out.
pub(crate) fn degree(cutoff2: f64) -> usize {
    if cutoff2 <= -COARSER_TOLERANCE.log2() {
        7
    } else if cutoff2 <= -COARSE_TOLERANCE.log2() {
        8
    } else {
        10
    }
}

/// `2^-d` of one `d` with the polynomial of [`degree`]`(cutoff2)`: the
/// bits of the sums cut off at `cutoff2`.
pub(crate) fn pow2_neg_for(cutoff2: f64, d: f64) -> f64 {
    match degree(cutoff2) {
        7 => pow2_neg::<7>(d),
        8 => pow2_neg::<8>(d),
        _ => pow2_neg::<10>(d),
    }
}

/// `2^-d` of one `d` in `[0, 1000]` with the polynomial of degree `DEG`;
/// the bits of the lanes of [`pow2_neg_blocks`].
#[inline(always)]
pub(crate) fn pow2_neg<const DEG: usize>(d: f64) -> f64 {
    pow2_neg_blocks::<1, DEG>([[d; LANES]])[0][0]
}

/// `2^-d` of `K` blocks of four lanes with every `d` in `[0, 1000]`,
/// by the polynomial of degree `DEG` ([`POLY_7`], [`POLY_8`] or
/// [`POLY_10`]); any other
/// `d` gives some bits (no panic) that the caller masks. The blocks'
/// operations interleaved, so that a processor overlaps their polynomial
/// chains.
#[inline(always)]
pub(crate) fn pow2_neg_blocks<const K: usize, const DEG: usize>(
    d: [[f64; LANES]; K],
) -> [[f64; LANES]; K] {
    const {
        assert!(
            DEG == 7 || DEG == 8 || DEG == 10,
            "2^x has polynomials of degree 7, 8 and 10"
        )
    };
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
    // `2^r = 1 + r T(r)`, the tail `T` of degree `DEG - 1` by Estrin's
    // scheme (pairs, then pairs of pairs, the 1 added last; for degree 10
    // the last pair times `x^8`); with `r = -x`, `c r + c'` is `(-c) x + c'`
    // exactly.
    let mut p = [[0.0; LANES]; K];
    for j in 0..K {
        for l in 0..LANES {
            let x = x[j][l];
            let x2 = x * x;
            let x4 = x2 * x2;
            let tail = if DEG == 7 {
                // The last coefficient alone: `c7 r^6 = c7 x^6`.
                let c = &POLY_7;
                let q = [pair(c, 1, x), pair(c, 3, x), pair(c, 5, x)];
                let s0 = q[1].mul_add(x2, q[0]);
                let s1 = c[7].mul_add(x2, q[2]);
                s1.mul_add(x4, s0)
            } else if DEG == 8 {
                let c = &POLY_8;
                let q = [pair(c, 1, x), pair(c, 3, x), pair(c, 5, x), pair(c, 7, x)];
                let s0 = q[1].mul_add(x2, q[0]);
                let s1 = q[3].mul_add(x2, q[2]);
                s1.mul_add(x4, s0)
            } else {
                let x8 = x4 * x4;
                let c = &POLY_10;
                let q = [
                    pair(c, 1, x),
                    pair(c, 3, x),
                    pair(c, 5, x),
                    pair(c, 7, x),
                    pair(c, 9, x),
                ];
                let s0 = q[1].mul_add(x2, q[0]);
                let s1 = q[3].mul_add(x2, q[2]);
                q[4].mul_add(x8, s1.mul_add(x4, s0))
            };
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

/// `c[i] - c[i + 1] x`, a pair of Estrin's scheme.
#[inline(always)]
fn pair(c: &[f64], i: usize, x: f64) -> f64 {
    (-c[i + 1]).mul_add(x, c[i])
}

/// Lanes of the single-precision pair sums: eight `f32` in the 256 bits
/// that hold four `f64`.
pub(crate) const SINGLE_LANES: usize = 8;

/// `1.5 * 2^23`, [`SHIFTER`] of `f32`: adding it to an integer-valued `k`
/// with `|k| < 2^22` leaves `k` (mod `2^23`) in the low mantissa bits.
pub(crate) const SINGLE_SHIFTER: f32 = 12_582_912.0;

/// As [`POLY_10`] for degree 6 in single precision: relative error
/// 2.567e-9 (`python3 docs/derivations/remez_exp2.py 6`), each coefficient
/// rounded to the nearest `f32` (relative changes below 4e-8), far below
/// the rounding of `f32` arithmetic (`2^-24 = 6.0e-8`), which sets the
/// error of [`pow2_neg_single_blocks`]: a few `f32` ulp.
pub(crate) const POLY_6_SINGLE: [f32; 7] = [
    1.0,
    0.693_147_24,
    0.240_226_52,
    0.055_503_104,
    0.009_617_693,
    0.001_340_664_3,
    0.000_155_946_78,
];

/// `2^-d` of `K` blocks of [`SINGLE_LANES`] `f32` lanes, every `d` in
/// `[0, 126]` (where `2^-d` is a normal `f32`), by [`POLY_6_SINGLE`] in
/// the scheme of [`pow2_neg_blocks`]; any other `d` gives some bits (no
/// panic) that the caller masks.
#[inline(always)]
pub(crate) fn pow2_neg_single_blocks<const K: usize>(
    d: [[f32; SINGLE_LANES]; K],
) -> [[f32; SINGLE_LANES]; K] {
    let mut s = [[0.0; SINGLE_LANES]; K];
    let mut x = [[0.0; SINGLE_LANES]; K];
    for j in 0..K {
        for l in 0..SINGLE_LANES {
            s[j][l] = SINGLE_SHIFTER - d[j][l];
            x[j][l] = (s[j][l] - SINGLE_SHIFTER) + d[j][l];
        }
    }
    let c = &POLY_6_SINGLE;
    let pair = |i: usize, x: f32| (-c[i + 1]).mul_add(x, c[i]);
    let mut out = [[0.0; SINGLE_LANES]; K];
    for j in 0..K {
        for l in 0..SINGLE_LANES {
            let x = x[j][l];
            let x2 = x * x;
            let x4 = x2 * x2;
            let s0 = pair(3, x).mul_add(x2, pair(1, x));
            let tail = pair(5, x).mul_add(x4, s0);
            let p = (-tail).mul_add(x, 1.0);
            // `2^k` into the exponent: the low 9 bits of `k` shifted
            // into the sign and exponent field.
            out[j][l] = f32::from_bits(p.to_bits().wrapping_add(s[j][l].to_bits() << 23));
        }
    }
    out
}

/// `2^-d` of one `d` in `[0, 126]`: the bits of the lanes of
/// [`pow2_neg_single_blocks`].
#[cfg(test)]
pub(crate) fn pow2_neg_single(d: f32) -> f32 {
    pow2_neg_single_blocks::<1>([[d; SINGLE_LANES]])[0][0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn degree_10_matches_the_library_exp2_to_three_ulps() {
        // Dense sweep of the range of the sums and a sparse one of the rest.
        let mut worst = 0;
        for i in 0..=200_000 {
            let d = 30.0 * f64::from(i) / 200_000.0;
            worst = worst.max(ulps(pow2_neg::<10>(d), (-d).exp2()));
        }
        for i in 0..=10_000 {
            let d = 1000.0 * f64::from(i) / 10_000.0;
            worst = worst.max(ulps(pow2_neg::<10>(d), (-d).exp2()));
        }
        assert!(worst <= 3, "worst error {worst} ulp");
        assert_eq!(pow2_neg::<10>(0.0), 1.0);
        assert_eq!(pow2_neg::<10>(-0.0), 1.0);
        assert_eq!(pow2_neg::<10>(3.0), 0.125);
        assert_eq!(pow2_neg::<10>(1e-300), 1.0);
    }

    /// The largest relative error of the degree-`DEG` `2^-d` against the
    /// library's on a dense sweep of `[0, 40]`.
    fn worst_relative_error<const DEG: usize>() -> f64 {
        (0..=200_000)
            .map(|i| {
                let d = 40.0 * f64::from(i) / 200_000.0;
                let want = (-d).exp2();
                (pow2_neg::<DEG>(d) - want).abs() / want
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn degrees_8_and_7_are_within_their_levelled_errors() {
        // The levelled 1.076e-12 and 2.311e-10 plus the rounding of the
        // evaluation; the lower bounds say which polynomial it is.
        let worst = worst_relative_error::<8>();
        assert!((5e-13..=1.1e-12).contains(&worst), "degree 8: {worst:e}");
        let worst = worst_relative_error::<7>();
        assert!((1e-10..=2.32e-10).contains(&worst), "degree 7: {worst:e}");
        assert_eq!(pow2_neg::<8>(0.0), 1.0);
        assert_eq!(pow2_neg::<7>(0.0), 1.0);
    }

    /// The single-precision `2^-d` against the library's `f64` one on a
    /// dense sweep of `[0, 40]`: within 2.5e-7 relative (four `f32` ulp;
    /// the polynomial's own 2.6e-9 is far below), exact at the integers.
    #[test]
    fn single_precision_is_within_four_ulp_of_the_library() {
        let worst = (0..=200_000)
            .map(|i| {
                let d = 40.0 * f64::from(i) / 200_000.0;
                let want = (-f64::from(d as f32)).exp2();
                (f64::from(pow2_neg_single(d as f32)) - want).abs() / want
            })
            .fold(0.0, f64::max);
        assert!((3e-8..=2.5e-7).contains(&worst), "worst {worst:e}");
        for k in 0..=126 {
            assert_eq!(pow2_neg_single(k as f32), (-(k as f32)).exp2(), "2^-{k}");
        }
    }

    #[test]
    fn each_tolerance_gets_the_lowest_degree_a_thousand_times_finer() {
        let degree_of = |tolerance: f64| degree(-tolerance.log2());
        assert_eq!(degree_of(1e-6), 7);
        assert_eq!(degree_of(COARSER_TOLERANCE), 7);
        assert_eq!(degree_of(1e-7), 8);
        assert_eq!(degree_of(COARSE_TOLERANCE), 8);
        assert_eq!(degree_of(1e-12), 10);
        // About a thousandth of the tolerance at each tier's edge.
        const { assert!(2.32e-10 <= 1.1e-3 * COARSER_TOLERANCE) };
        const { assert!(1.1e-12 <= 1.1e-3 * COARSE_TOLERANCE) };
    }
}
