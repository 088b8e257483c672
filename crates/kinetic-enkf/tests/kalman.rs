//! The symmetric-positive-definite solve of `kinetic_enkf::kalman`.
//!
//! The truths are hand-computed systems (a 2 × 2 one and the classic 3 × 3
//! matrix whose Cholesky factor has integer entries) and a naive Gaussian
//! elimination with partial pivoting written here; the refusals are checked
//! on singular, indefinite, asymmetric and malformed input.

use kinetic_enkf::Error;
use kinetic_enkf::kalman::{Cholesky, SYMMETRY_TOLERANCE, spd_solve};
use proptest::prelude::*;

/// Seed of the hand-rolled generator below (the crate has no `rand`).
const RNG_SEED: u64 = 0x5eed_c401_e5c7;

/// A 64-bit linear congruential generator (Knuth's MMIX constants); the top
/// 53 bits give a uniform number in `[0, 1)`. Good enough for test data.
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `len` numbers uniform in `[-1, 1)`.
    fn vector(&mut self, len: usize) -> Vec<f64> {
        (0..len).map(|_| 2.0 * self.uniform() - 1.0).collect()
    }
}

/// A random SPD matrix `B B^T + shift I` (row-major, `n × n`).
fn random_spd(rng: &mut Lcg, n: usize, shift: f64) -> Vec<f64> {
    let b = rng.vector(n * n);
    let mut a = vec![0.0; n * n];
    for r in 0..n {
        for c in 0..n {
            a[r * n + c] = (0..n).map(|k| b[r * n + k] * b[c * n + k]).sum::<f64>();
        }
        a[r * n + r] += shift;
    }
    a
}

/// Gaussian elimination with partial pivoting on `[A | B]`, then back
/// substitution: the textbook algorithm, independent of any factorisation.
#[expect(
    clippy::needless_range_loop,
    reason = "the textbook algorithm, indexed as it is printed"
)]
fn naive_solve(n: usize, a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut a: Vec<Vec<f64>> = (0..n).map(|r| a[r * n..(r + 1) * n].to_vec()).collect();
    let mut b: Vec<Vec<f64>> = (0..n).map(|r| b[r * m..(r + 1) * m].to_vec()).collect();
    for k in 0..n {
        let p = (k..n)
            .max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs()))
            .unwrap();
        a.swap(k, p);
        b.swap(k, p);
        for i in k + 1..n {
            let factor = a[i][k] / a[k][k];
            for j in k..n {
                a[i][j] -= factor * a[k][j];
            }
            for j in 0..m {
                b[i][j] -= factor * b[k][j];
            }
        }
    }
    let mut x = vec![vec![0.0; m]; n];
    for i in (0..n).rev() {
        for j in 0..m {
            let s: f64 = (i + 1..n).map(|k| a[i][k] * x[k][j]).sum();
            x[i][j] = (b[i][j] - s) / a[i][i];
        }
    }
    x.concat()
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0_f64, |m, x| m.max(x.abs()))
}

/// `[[4, 12, -16], [12, 37, -43], [-16, -43, 98]] = L L^T` with
/// `L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]]`.
const CLASSIC: [f64; 9] = [4.0, 12.0, -16.0, 12.0, 37.0, -43.0, -16.0, -43.0, 98.0];

#[test]
fn solves_a_hand_computed_two_by_two_system() {
    // det = 8, inverse = [[3, -2], [-2, 4]] / 8; two right-hand sides.
    let x = spd_solve(2, &[4.0, 2.0, 2.0, 3.0], &[2.0, 8.0, 1.0, 0.0], 2).unwrap();
    let expected = [0.5, 3.0, 0.0, -2.0];
    assert!(max_abs_diff(&x, &expected) <= 1e-15, "{x:?}");
}

#[test]
fn solves_the_classic_three_by_three_system() {
    // A [1, 2, 3]^T = [-20, -43, 192]^T.
    let x = spd_solve(3, &CLASSIC, &[-20.0, -43.0, 192.0], 1).unwrap();
    assert!(max_abs_diff(&x, &[1.0, 2.0, 3.0]) <= 1e-12, "{x:?}");
}

#[test]
fn lower_factor_products_match_the_integer_factor() {
    let chol = Cholesky::new(3, &CLASSIC).unwrap();
    assert_eq!(chol.order(), 3);
    // L [1, 1, 1] = [2, 7, 0]; L [1, 0, 0] is the first column [2, 6, -8].
    let y = chol.mul_lower(&[1.0, 1.0, 1.0]).unwrap();
    assert!(max_abs_diff(&y, &[2.0, 7.0, 0.0]) <= 1e-13, "{y:?}");
    let y = chol.mul_lower(&[1.0, 0.0, 0.0]).unwrap();
    assert!(max_abs_diff(&y, &[2.0, 6.0, -8.0]) <= 1e-13, "{y:?}");
    // The forward substitution inverts L: L^{-1} [2, 7, 0] = [1, 1, 1].
    let z = chol.solve_lower(&[2.0, 7.0, 0.0], 1).unwrap();
    assert!(max_abs_diff(&z, &[1.0, 1.0, 1.0]) <= 1e-13, "{z:?}");
}

#[test]
fn random_systems_match_naive_gaussian_elimination() {
    let mut rng = Lcg(RNG_SEED);
    for n in [1, 2, 5, 17, 40] {
        let m = 3;
        let a = random_spd(&mut rng, n, 0.5);
        let b = rng.vector(n * m);
        let x = spd_solve(n, &a, &b, m).unwrap();
        let reference = naive_solve(n, &a, &b, m);
        let err = max_abs_diff(&x, &reference);
        assert!(err <= 1e-11 * max_abs(&reference), "n = {n}: error {err:e}");
    }
}

#[test]
fn a_factor_gives_the_same_bits_as_one_shot_solves() {
    let mut rng = Lcg(RNG_SEED ^ 1);
    let a = random_spd(&mut rng, 9, 1.0);
    let chol = Cholesky::new(9, &a).unwrap();
    for _ in 0..3 {
        let b = rng.vector(9 * 2);
        assert_eq!(chol.solve(&b, 2).unwrap(), spd_solve(9, &a, &b, 2).unwrap());
    }
}

#[test]
fn only_the_lower_triangle_is_used_within_the_symmetry_tolerance() {
    // The upper entry differs from the lower one by half the tolerance.
    let off = 2.0 * (1.0 + 0.5 * SYMMETRY_TOLERANCE);
    let x = spd_solve(2, &[4.0, off, 2.0, 3.0], &[2.0, 1.0], 1).unwrap();
    assert!(max_abs_diff(&x, &[0.5, 0.0]) <= 1e-15, "{x:?}");
}

#[test]
fn refuses_a_singular_matrix() {
    // [[1, 2], [2, 4]]: the second pivot is exactly 0.
    let err = Cholesky::new(2, &[1.0, 2.0, 2.0, 4.0]).unwrap_err();
    assert_eq!(err, Error::NotPositiveDefinite { order: 2, pivot: 1 });
}

#[test]
fn refuses_a_matrix_singular_to_working_precision() {
    // v v^T + w w^T with entries that are not representable: rank 2 of 3,
    // the last pivot is rounding noise, not exactly zero.
    let v = [0.1, 0.7, 0.3];
    let w = [1.0 / 3.0, -0.2, 0.9];
    let a: Vec<f64> = (0..9)
        .map(|i| v[i / 3] * v[i % 3] + w[i / 3] * w[i % 3])
        .collect();
    let err = Cholesky::new(3, &a).unwrap_err();
    assert_eq!(err, Error::NotPositiveDefinite { order: 3, pivot: 2 });
}

#[test]
fn refuses_indefinite_matrices() {
    // Eigenvalues 3 and -1.
    let err = Cholesky::new(2, &[1.0, 2.0, 2.0, 1.0]).unwrap_err();
    assert_eq!(err, Error::NotPositiveDefinite { order: 2, pivot: 1 });
    // A negative first pivot.
    let err = Cholesky::new(2, &[-1.0, 0.0, 0.0, 1.0]).unwrap_err();
    assert_eq!(err, Error::NotPositiveDefinite { order: 2, pivot: 0 });
}

#[test]
fn refuses_an_asymmetric_matrix() {
    let err = Cholesky::new(3, &[4.0, 1.0, 0.0, 1.5, 3.0, 0.0, 0.0, 0.0, 2.0]).unwrap_err();
    assert_eq!(
        err,
        Error::NotSymmetric {
            row: 1,
            col: 0,
            lower: 1.5,
            upper: 1.0
        }
    );
    assert!(err.to_string().contains("(1, 0) is 1.5"), "{err}");
}

#[test]
fn refuses_malformed_input() {
    assert_eq!(Cholesky::new(0, &[]).unwrap_err(), Error::EmptyMatrix);
    assert_eq!(
        Cholesky::new(2, &[1.0, 0.0, 1.0]).unwrap_err(),
        Error::MatrixLength {
            what: "matrix",
            rows: 2,
            cols: 2,
            len: 3
        }
    );
    let err = Cholesky::new(2, &[1.0, 0.0, 0.0, f64::NAN]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFiniteEntry {
                what: "matrix",
                row: 1,
                col: 1,
                value
            } if value.is_nan()
        ),
        "{err:?}"
    );
    let chol = Cholesky::new(2, &[2.0, 0.0, 0.0, 2.0]).unwrap();
    assert_eq!(
        chol.solve(&[1.0, 2.0, 3.0], 2).unwrap_err(),
        Error::MatrixLength {
            what: "right-hand side",
            rows: 2,
            cols: 2,
            len: 3
        }
    );
    assert_eq!(
        chol.solve_lower(&[1.0, f64::INFINITY], 1).unwrap_err(),
        Error::NonFiniteEntry {
            what: "right-hand side",
            row: 1,
            col: 0,
            value: f64::INFINITY
        }
    );
    assert_eq!(
        chol.mul_lower(&[1.0]).unwrap_err(),
        Error::MatrixLength {
            what: "vector",
            rows: 2,
            cols: 1,
            len: 1
        }
    );
}

proptest! {
    /// The residual `A x - b` of a well-conditioned random system is at
    /// rounding level, and `L (L^{-1} b) = b`.
    #[test]
    fn residual_is_at_rounding_level(n in 1usize..24, m in 0usize..4, seed in any::<u64>()) {
        let mut rng = Lcg(seed);
        let a = random_spd(&mut rng, n, 1.0);
        let b = rng.vector(n * m);
        let chol = Cholesky::new(n, &a).unwrap();
        let x = chol.solve(&b, m).unwrap();
        let scale = max_abs(&a) * n as f64;
        for r in 0..n {
            for c in 0..m {
                let ax: f64 = (0..n).map(|k| a[r * n + k] * x[k * m + c]).sum();
                prop_assert!((ax - b[r * m + c]).abs() <= 1e-13 * scale * (1.0 + max_abs(&x)));
            }
        }
        if m > 0 {
            let first: Vec<f64> = (0..n).map(|r| b[r * m]).collect();
            let back = chol.mul_lower(&chol.solve_lower(&first, 1).unwrap()).unwrap();
            prop_assert!(max_abs_diff(&back, &first) <= 1e-12 * (1.0 + max_abs(&first)));
        }
    }
}
