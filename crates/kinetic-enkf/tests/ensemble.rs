//! Ensemble statistics of paper 1 (Herty & Visconti), eq. (4): the mean,
//! `C(U) = (1/J) sum_j (u^j - u-bar) ⊗ (G(u^j) - G-bar)` and
//! `D(U) = (1/J) sum_j (G(u^j) - G-bar) ⊗ (G(u^j) - G-bar)`.
//!
//! The truths are a naive implementation written here with nested loops
//! over `Vec<Vec<f64>>` (the textbook formula), the identities
//! `C(U) = Cov(U) A^T` and `D(U) = A Cov(U) A^T` for a linear map
//! `G(u) = A u + b`, the closed form `(1/4)(a - b)(a - b)^T` for two
//! members, and structural properties (symmetry, positive
//! semi-definiteness, invariance under a shift).

use kinetic_enkf::{Ensemble, Error};
use proptest::prelude::*;

/// Seed of the hand-rolled generator below (the crate has no `rand`).
const RNG_SEED: u64 = 0x5eed_2024_e4cf;

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

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// `count` vectors of length `dim` with component `a` centred at
    /// `offset * a` and spread `spread`.
    fn members(&mut self, count: usize, dim: usize, offset: f64, spread: f64) -> Vec<Vec<f64>> {
        (0..count)
            .map(|_| {
                (0..dim)
                    .map(|a| offset * a as f64 + self.range(-spread, spread))
                    .collect()
            })
            .collect()
    }
}

fn naive_mean(members: &[Vec<f64>]) -> Vec<f64> {
    let dim = members[0].len();
    let mut mean = vec![0.0; dim];
    for a in 0..dim {
        for m in members {
            mean[a] += m[a];
        }
        mean[a] /= members.len() as f64;
    }
    mean
}

/// `(1/J) sum_j (u^j - u-bar)_a (g^j - g-bar)_b` as a nested `Vec`.
fn naive_cross(us: &[Vec<f64>], gs: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (ubar, gbar) = (naive_mean(us), naive_mean(gs));
    let mut c = vec![vec![0.0; gbar.len()]; ubar.len()];
    for a in 0..ubar.len() {
        for b in 0..gbar.len() {
            for j in 0..us.len() {
                c[a][b] += (us[j][a] - ubar[a]) * (gs[j][b] - gbar[b]);
            }
            c[a][b] /= us.len() as f64;
        }
    }
    c
}

fn assert_matrix_close(got: &[f64], want: &[Vec<f64>], tol: f64, what: &str) {
    let cols = want[0].len();
    assert_eq!(got.len(), want.len() * cols, "{what}: shape");
    for (a, row) in want.iter().enumerate() {
        for (b, &w) in row.iter().enumerate() {
            let g = got[a * cols + b];
            assert!((g - w).abs() <= tol, "{what}[{a}][{b}]: {g} vs {w}");
        }
    }
}

fn ensemble(members: &[Vec<f64>]) -> Ensemble {
    Ensemble::from_members(members).expect("test members are valid")
}

#[test]
fn statistics_match_the_naive_formulas() {
    let mut rng = Lcg(RNG_SEED);
    for &(j, d, k) in &[
        (1, 1, 1),
        (2, 3, 2),
        (5, 1, 4),
        (10, 4, 3),
        (50, 6, 7),
        (7, 9, 1),
    ] {
        let us = rng.members(j, d, 2.0, 3.0);
        let gs = rng.members(j, k, -1.5, 10.0);
        let (u, g) = (ensemble(&us), ensemble(&gs));
        let what = format!("J = {j}, d = {d}, K = {k}");

        let mean = u.mean();
        for (a, (&m, &w)) in mean.iter().zip(&naive_mean(&us)).enumerate() {
            assert!((m - w).abs() <= 1e-13, "{what}: mean[{a}] {m} vs {w}");
        }
        let c = u.cross_covariance(&g).expect("same size");
        assert_matrix_close(&c, &naive_cross(&us, &gs), 1e-12, &format!("C, {what}"));
        let dmat = g.covariance();
        assert_matrix_close(&dmat, &naive_cross(&gs, &gs), 1e-11, &format!("D, {what}"));
        let cov = u.covariance();
        assert_matrix_close(&cov, &naive_cross(&us, &us), 1e-12, &format!("Cov, {what}"));
    }
}

#[test]
fn linear_forward_map_gives_cov_a_transpose_and_a_cov_a_transpose() {
    // G(u) = A u + b: C(U) = Cov(U) A^T (d × K), D(U) = A Cov(U) A^T (K × K).
    let mut rng = Lcg(RNG_SEED ^ 0xa);
    let (j, d, k) = (20, 4, 3);
    let a: Vec<Vec<f64>> = rng.members(k, d, 0.0, 2.0);
    let b: Vec<f64> = (0..k).map(|_| rng.range(-5.0, 5.0)).collect();
    let us = rng.members(j, d, 1.0, 1.0);
    let gs: Vec<Vec<f64>> = us
        .iter()
        .map(|u| {
            (0..k)
                .map(|r| b[r] + (0..d).map(|c| a[r][c] * u[c]).sum::<f64>())
                .collect()
        })
        .collect();
    let (u, g) = (ensemble(&us), ensemble(&gs));
    let cov = naive_cross(&us, &us);

    let want_c: Vec<Vec<f64>> = (0..d)
        .map(|p| {
            (0..k)
                .map(|r| (0..d).map(|q| cov[p][q] * a[r][q]).sum())
                .collect()
        })
        .collect();
    let want_d: Vec<Vec<f64>> = (0..k)
        .map(|r| {
            (0..k)
                .map(|s| {
                    let mut sum = 0.0;
                    for p in 0..d {
                        for q in 0..d {
                            sum += a[r][p] * cov[p][q] * a[s][q];
                        }
                    }
                    sum
                })
                .collect()
        })
        .collect();
    let c = u.cross_covariance(&g).expect("same size");
    assert_matrix_close(&c, &want_c, 1e-12, "C(U) = Cov A^T");
    assert_matrix_close(&g.covariance(), &want_d, 1e-11, "D(U) = A Cov A^T");
}

#[test]
fn two_members_give_a_quarter_of_the_outer_difference() {
    let (a, b) = (vec![1.5, -2.0, 0.25], vec![-0.5, 4.0, 1.0]);
    let cov = ensemble(&[a.clone(), b.clone()]).covariance();
    for p in 0..3 {
        for q in 0..3 {
            let want = 0.25 * (a[p] - b[p]) * (a[q] - b[q]);
            assert!((cov[p * 3 + q] - want).abs() <= 1e-15, "[{p}][{q}]");
        }
    }
}

#[test]
fn small_spread_about_a_large_offset_keeps_its_accuracy() {
    // A one-pass E[u u^T] - E[u] E[u]^T would lose every digit here
    // (E[u^2] ~ 1e16, whose rounding unit exceeds the variance ~ 1e-6).
    let (a, b) = (vec![1e8 + 1e-3, -3e7], vec![1e8 - 1e-3, -3e7 + 2e-3]);
    let cov = ensemble(&[a.clone(), b.clone()]).covariance();
    for p in 0..2 {
        for q in 0..2 {
            // a - b is exact (Sterbenz), so this truth is exact up to one rounding.
            let want = 0.25 * (a[p] - b[p]) * (a[q] - b[q]);
            assert!(
                (cov[p * 2 + q] - want).abs() <= 1e-8 * want.abs(),
                "[{p}][{q}]: {} vs {want}",
                cov[p * 2 + q]
            );
        }
    }
}

#[test]
fn identical_members_have_zero_covariance() {
    let member = vec![0.1, -7.3, 1e3];
    let cov = ensemble(&vec![member; 7]).covariance();
    assert!(cov.iter().all(|c| c.abs() <= 1e-25), "{cov:?}");
}

#[test]
fn layout_is_member_major() {
    let members = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
    let from_members = ensemble(&members);
    let from_data = Ensemble::new(2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).expect("valid data");
    assert_eq!(from_members, from_data);
    assert_eq!((from_data.len(), from_data.dim()), (3, 2));
    assert_eq!(from_data.member(1), &[3.0, 4.0]);
    assert_eq!(from_data.as_slice(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let collected: Vec<&[f64]> = from_data.members().collect();
    assert_eq!(collected, vec![&[1.0, 2.0][..], &[3.0, 4.0], &[5.0, 6.0]]);
}

#[test]
fn bad_input_is_an_error_naming_the_value() {
    let err = Ensemble::new(3, vec![]).unwrap_err();
    assert_eq!(err, Error::EmptyEnsemble);
    assert_eq!(
        err.to_string(),
        "an ensemble needs at least one member, got 0"
    );
    let none: &[Vec<f64>] = &[];
    assert_eq!(Ensemble::from_members(none), Err(Error::EmptyEnsemble));

    assert_eq!(Ensemble::new(0, vec![1.0]), Err(Error::ZeroDimension));
    assert_eq!(
        Ensemble::from_members(&[Vec::<f64>::new(), vec![]]),
        Err(Error::ZeroDimension)
    );

    let err = Ensemble::new(3, vec![1.0; 7]).unwrap_err();
    assert_eq!(err, Error::LengthNotMultiple { len: 7, dim: 3 });
    assert_eq!(
        err.to_string(),
        "data length 7 is not a multiple of the member dimension 3"
    );

    let err = Ensemble::from_members(&[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0]]).unwrap_err();
    assert_eq!(
        err,
        Error::MemberLength {
            member: 2,
            len: 1,
            expected: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "member 2 has length 1, but member 0 has length 2"
    );

    let err = Ensemble::new(2, vec![1.0, 2.0, 3.0, f64::INFINITY]).unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            member: 1,
            component: 1,
            value: f64::INFINITY
        }
    );
    assert_eq!(err.to_string(), "member 1, component 1 is not finite: inf");
    let err = Ensemble::from_members(&[[0.0, 1.0], [f64::NAN, 2.0]]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                member: 1,
                component: 0,
                value
            } if value.is_nan()
        ),
        "{err:?}"
    );

    let u = ensemble(&[vec![1.0], vec![2.0], vec![4.0]]);
    let g = ensemble(&[vec![1.0, 0.0], vec![2.0, 1.0]]);
    let err = u.cross_covariance(&g).unwrap_err();
    assert_eq!(err, Error::SizeMismatch { left: 3, right: 2 });
    assert_eq!(
        err.to_string(),
        "ensembles of different sizes cannot be paired: 3 and 2 members"
    );
}

#[test]
#[should_panic(expected = "member index 3 out of range for an ensemble of 3 members")]
fn member_index_out_of_range_panics() {
    let u = ensemble(&[vec![1.0], vec![2.0], vec![4.0]]);
    let _ = u.member(3);
}

/// An ensemble of `1..=12` members of dimension `1..=5`, entries in
/// `[-1e3, 1e3)`, as member vectors.
fn members_strategy() -> impl Strategy<Value = Vec<Vec<f64>>> {
    (1usize..=12, 1usize..=5)
        .prop_flat_map(|(j, d)| prop::collection::vec(prop::collection::vec(-1e3f64..1e3, d), j))
}

/// Ensembles `U` (dimension `1..=5`) and `G(U)` (dimension `1..=4`) of the
/// same size `1..=12`.
fn paired_strategy() -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<Vec<f64>>)> {
    (1usize..=12, 1usize..=5, 1usize..=4).prop_flat_map(|(j, d, k)| {
        (
            prop::collection::vec(prop::collection::vec(-1e3f64..1e3, d), j),
            prop::collection::vec(prop::collection::vec(-1e3f64..1e3, k), j),
        )
    })
}

/// Largest absolute entry, to scale tolerances.
fn scale(members: &[Vec<f64>]) -> f64 {
    members.iter().flatten().fold(1.0f64, |s, x| s.max(x.abs()))
}

proptest! {
    #[test]
    fn cross_covariance_matches_naive((us, gs) in paired_strategy()) {
        let (u, g) = (ensemble(&us), ensemble(&gs));
        let c = u.cross_covariance(&g).expect("same size");
        let want = naive_cross(&us, &gs);
        let tol = 1e-13 * scale(&us) * scale(&gs);
        let k = gs[0].len();
        for (a, row) in want.iter().enumerate() {
            for (b, &w) in row.iter().enumerate() {
                prop_assert!((c[a * k + b] - w).abs() <= tol, "[{}][{}]", a, b);
            }
        }
    }

    #[test]
    fn covariance_is_symmetric_and_positive_semidefinite(
        us in members_strategy(),
        v_seed in any::<u64>(),
    ) {
        let u = ensemble(&us);
        let d = u.dim();
        let cov = u.covariance();
        for a in 0..d {
            for b in 0..d {
                prop_assert_eq!(cov[a * d + b].to_bits(), cov[b * d + a].to_bits());
            }
        }
        let mut rng = Lcg(v_seed);
        let s2 = scale(&us).powi(2);
        for _ in 0..10 {
            let v: Vec<f64> = (0..d).map(|_| rng.range(-1.0, 1.0)).collect();
            let mut quad = 0.0;
            for a in 0..d {
                for b in 0..d {
                    quad += v[a] * cov[a * d + b] * v[b];
                }
            }
            prop_assert!(quad >= -1e-12 * s2, "v^T C v = {}", quad);
        }
    }

    #[test]
    fn covariance_is_invariant_under_a_shift(
        us in members_strategy(),
        shift in prop::collection::vec(-1e3f64..1e3, 5),
    ) {
        let shifted: Vec<Vec<f64>> = us
            .iter()
            .map(|m| m.iter().zip(&shift).map(|(x, c)| x + c).collect())
            .collect();
        let (cov, cov_shifted) = (ensemble(&us).covariance(), ensemble(&shifted).covariance());
        // Shifting rounds each entry once, by at most 1.1e-16 of its
        // magnitude (<= 2e3); entries of the covariance move by about that
        // times the spread, far inside this bound.
        let tol = 1e-14 * scale(&shifted).powi(2);
        for (a, (x, y)) in cov.iter().zip(&cov_shifted).enumerate() {
            prop_assert!((x - y).abs() <= tol, "entry {}: {} vs {}", a, x, y);
        }
    }

    #[test]
    fn cross_covariance_with_itself_is_the_covariance(us in members_strategy()) {
        let u = ensemble(&us);
        let cross = u.cross_covariance(&u).expect("same size");
        let cov = u.covariance();
        let bits = |m: &[f64]| m.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&cross), bits(&cov));
    }
}
