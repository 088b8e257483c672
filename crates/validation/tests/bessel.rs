//! `J0`, `J1` and `j_{1,1}` against independent references:
//!
//! * Bessel's integral `J_n(x) = 1/(2 pi) int_0^{2 pi} cos(n t - x sin t) dt`
//!   (DLMF 10.9.2), evaluated by the trapezoid rule on a periodic grid,
//!   which converges exponentially (the error is `2 sum_j J_{jM -+ n}(x)`
//!   for `M` nodes, below `1e-100` for `M = 256`, `x <= 50`);
//! * tabulated values of Abramowitz & Stegun, Tables 9.1 and 9.5, and DLMF
//!   §10.21 (zeros), each also checked here against the integral.

#![allow(
    clippy::excessive_precision,
    reason = "published values are quoted with all their digits"
)]

use std::f64::consts::TAU;

use validation::bessel::{J1_FIRST_ZERO, j0, j1, j1_first_zero};

/// Nodes of the periodic trapezoid rule for Bessel's integral.
const NODES: usize = 256;

/// `J_n(x)` from Bessel's integral by the periodic trapezoid rule.
fn bessel_integral(n: u32, x: f64) -> f64 {
    let h = TAU / NODES as f64;
    let n = f64::from(n);
    (0..NODES)
        .map(|i| {
            let t = i as f64 * h;
            (n * t - x * t.sin()).cos()
        })
        .sum::<f64>()
        / NODES as f64
}

/// A&S Table 9.1 and DLMF values, to 18 digits: `(x, J0(x), J1(x))`.
const TABLE: [(f64, f64, f64); 4] = [
    (1.0, 0.765_197_686_557_966_551, 0.440_050_585_744_933_516),
    (2.0, 0.223_890_779_141_235_669, 0.576_724_807_756_873_387),
    (5.0, -0.177_596_771_314_338_304, -0.327_579_137_591_465_222),
    (
        10.0,
        -0.245_935_764_451_348_335,
        0.043_472_746_168_861_436_7,
    ),
];

/// `j_{0,1}` and `j_{1,1}`, DLMF §10.21 / A&S Table 9.5, to 21 digits.
const J0_FIRST_ZERO_PUBLISHED: f64 = 2.404_825_557_695_772_768_62;
const J1_FIRST_ZERO_PUBLISHED: f64 = 3.831_705_970_207_512_315_61;

#[test]
fn j0_j1_match_bessel_integral_on_dense_grid_of_0_to_50() {
    let points = 20_001;
    let mut worst = [0.0_f64; 2];
    for i in 0..points {
        let x = 50.0 * i as f64 / (points - 1) as f64;
        worst[0] = worst[0].max((j0(x) - bessel_integral(0, x)).abs());
        worst[1] = worst[1].max((j1(x) - bessel_integral(1, x)).abs());
    }
    assert!(worst[0] < 1e-14, "max |J0 - integral| = {:e}", worst[0]);
    assert!(worst[1] < 1e-14, "max |J1 - integral| = {:e}", worst[1]);
}

#[test]
fn parity_j0_even_j1_odd() {
    for i in 0..200 {
        let x = 0.137 * f64::from(i);
        assert_eq!(j0(-x), j0(x), "J0 at {x}");
        assert_eq!(j1(-x), -j1(x), "J1 at {x}");
    }
}

#[test]
fn tabulated_values_agree_with_the_integral_and_with_j0_j1() {
    for (x, j0_published, j1_published) in TABLE {
        // The published digits are themselves checked independently.
        assert!(
            (bessel_integral(0, x) - j0_published).abs() < 1e-15,
            "J0({x})"
        );
        assert!(
            (bessel_integral(1, x) - j1_published).abs() < 1e-15,
            "J1({x})"
        );
        assert!((j0(x) - j0_published).abs() < 2e-16, "J0({x}) = {}", j0(x));
        assert!((j1(x) - j1_published).abs() < 2e-16, "J1({x}) = {}", j1(x));
    }
}

#[test]
fn published_first_zeros_are_zeros() {
    assert!(bessel_integral(0, J0_FIRST_ZERO_PUBLISHED).abs() < 1e-15);
    assert!(bessel_integral(1, J1_FIRST_ZERO_PUBLISHED).abs() < 1e-15);
    assert!(j0(J0_FIRST_ZERO_PUBLISHED).abs() < 1e-16);
    assert!(j1(J1_FIRST_ZERO_PUBLISHED).abs() < 1e-16);
}

#[test]
fn newton_first_zero_of_j1_matches_published_value_and_constant() {
    let zero = j1_first_zero();
    assert!((zero - J1_FIRST_ZERO_PUBLISHED).abs() < 1e-15, "{zero}");
    assert!(j1(zero).abs() < 1e-15, "J1(j11) = {:e}", j1(zero));
    assert_eq!(J1_FIRST_ZERO, J1_FIRST_ZERO_PUBLISHED);
    assert!((zero - J1_FIRST_ZERO).abs() <= f64::EPSILON * J1_FIRST_ZERO);
}

#[test]
fn j1_changes_sign_only_once_before_first_zero() {
    // j_{1,1} is the *first* positive zero: J1 > 0 on (0, j11).
    for i in 1..1000 {
        let x = J1_FIRST_ZERO * f64::from(i) / 1000.0;
        assert!(j1(x) > 0.0, "J1({x}) = {}", j1(x));
    }
}

#[test]
fn neumann_addition_identity_j0_squared_plus_twice_sum_of_squares_is_one() {
    // J0(x)^2 + 2 sum_{n >= 1} J_n(x)^2 = 1 (DLMF 10.23.3), with J_n for
    // n >= 2 from Bessel's integral: a check of J0 and J1 against the rest
    // of the family. Terms with n > x + 40 are below 1e-30.
    for x in [0.5, 3.0, 7.5, 20.0] {
        let tail: f64 = (2..(x as u32 + 40))
            .map(|n| bessel_integral(n, x).powi(2))
            .sum();
        let total = j0(x).powi(2) + 2.0 * j1(x).powi(2) + 2.0 * tail;
        assert!((total - 1.0).abs() < 1e-14, "x = {x}: {total}");
    }
}
