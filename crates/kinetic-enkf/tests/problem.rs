//! The inverse problem `y = G(u) + eta` of paper 1 (Herty & Visconti),
//! eq. (1)–(2) and (7): the misfit `Phi(u) = 1/2 |Gamma^{1/2}(y - G(u))|^2`
//! with `Gamma^{-1}` the noise covariance, its gradient, the checked
//! evaluation of user closures, and refusals of bad input.
//!
//! The truths are hand-computed values, central finite differences of
//! `Phi`, and the textbook formula `r^T (Gamma^{-1})^{-1} r` with a naive
//! Gauss–Jordan inverse.

mod common;

use common::{gaussian_ensemble, inverse, max_diff};
use kinetic_enkf::{Ensemble, Error, Evaluation, InverseProblem};

const SEED: u64 = 0x9b0b_1e55;

/// `G` (3 × 2), `y` and an SPD noise covariance with correlations.
fn linear_problem() -> InverseProblem {
    InverseProblem::linear(
        &[1.0, 2.0, -1.0, 0.5, 0.3, -0.7],
        2,
        &[1.0, -2.0, 0.5],
        &[2.0, 0.5, 0.1, 0.5, 1.0, 0.2, 0.1, 0.2, 0.5],
    )
    .unwrap()
}

#[test]
fn misfit_of_a_correlated_noise_is_the_gamma_weighted_norm() {
    // Gamma^{-1} = [[2, 1], [1, 2]], Gamma = (1/3) [[2, -1], [-1, 2]];
    // r = y - G u = (1, 0): Phi = (1/2) (2/3) = 1/3.
    let p = InverseProblem::linear(&[1.0, 0.0, 0.0, 1.0], 2, &[1.0, 0.0], &[2.0, 1.0, 1.0, 2.0])
        .unwrap();
    assert!((p.misfit(&[0.0, 0.0]).unwrap() - 1.0 / 3.0).abs() < 1e-15);

    // Against the textbook formula on a larger problem.
    let p = linear_problem();
    let gamma = inverse(p.noise_covariance(), 3);
    for u in [[0.3, -1.2], [2.0, 0.1], [-0.5, 0.5]] {
        let r: Vec<f64> = p
            .data()
            .iter()
            .zip(p.forward(&u).unwrap())
            .map(|(y, g)| y - g)
            .collect();
        let naive: f64 = 0.5
            * (0..3)
                .map(|a| (0..3).map(|b| r[a] * gamma[a * 3 + b] * r[b]).sum::<f64>())
                .sum::<f64>();
        assert!((p.misfit(&u).unwrap() - naive).abs() < 1e-13 * naive.max(1.0));
    }
}

#[test]
fn gradient_eq7_matches_finite_differences() {
    let p = linear_problem();
    let u = [0.7, -0.4];
    let grad = p.misfit_gradient(&u).unwrap();
    let h = 1e-6;
    for a in 0..2 {
        let (mut up, mut um) = (u, u);
        up[a] += h;
        um[a] -= h;
        let fd = (p.misfit(&up).unwrap() - p.misfit(&um).unwrap()) / (2.0 * h);
        assert!(
            (grad[a] - fd).abs() < 1e-8,
            "component {a}: {} vs {fd}",
            grad[a]
        );
    }
}

#[test]
fn forward_ensemble_of_a_matrix_and_of_the_same_closure_agree() {
    let p = linear_problem();
    let q = InverseProblem::nonlinear(
        2,
        |u| {
            vec![
                u[0] + 2.0 * u[1],
                -u[0] + 0.5 * u[1],
                0.3 * u[0] - 0.7 * u[1],
            ]
        },
        p.data(),
        p.noise_covariance(),
    )
    .unwrap();
    let u = gaussian_ensemble(SEED, 9, &[1.0, -1.0], 0.5);
    let (a, b) = (
        p.forward_ensemble(&u).unwrap(),
        q.forward_ensemble(&u).unwrap(),
    );
    assert_eq!((a.len(), a.dim()), (9, 3));
    assert!(max_diff(a.as_slice(), b.as_slice()) < 1e-15);
    assert!(q.linear_map().is_none());
    assert!(matches!(
        q.misfit_gradient(&[0.0, 0.0]),
        Err(Error::NotLinear { .. })
    ));
}

#[test]
fn a_closure_of_the_wrong_length_names_the_lowest_failing_member() {
    // Members 2 and 4 (u_0 > 1.5) give 2 values instead of 1.
    let p = InverseProblem::nonlinear(
        1,
        |u| {
            if u[0] > 1.5 {
                vec![u[0], u[0]]
            } else {
                vec![u[0]]
            }
        },
        &[0.0],
        &[1.0],
    )
    .unwrap();
    let u = Ensemble::new(1, vec![0.0, 1.0, 2.0, 0.5, 3.0]).unwrap();
    assert_eq!(
        p.forward_ensemble(&u),
        Err(Error::ForwardLength {
            at: Evaluation::Member(2),
            len: 2,
            expected: 1
        })
    );
    assert_eq!(
        p.forward(&[2.0]),
        Err(Error::ForwardLength {
            at: Evaluation::Point,
            len: 2,
            expected: 1
        })
    );
    let msg = p.forward_ensemble(&u).unwrap_err().to_string();
    assert_eq!(
        msg,
        "the forward map returned 2 values at member 2, expected K = 1"
    );
}

#[test]
fn a_large_ensemble_through_a_matrix_is_the_naive_product_and_names_overflows() {
    // 5000 members (several blocks of the parallel evaluation): every image
    // is the textbook row-times-vector product, and an overflow names the
    // lowest member that overflows, whichever block it falls in.
    let g = [1.0, 2.0, -1.0, 0.5, 0.3, -0.7];
    let p = linear_problem();
    let u = gaussian_ensemble(SEED, 5000, &[1.0, -1.0], 0.5);
    let images = p.forward_ensemble(&u).unwrap();
    for (x, image) in u.members().zip(images.members()) {
        for (row, value) in g.chunks_exact(2).zip(image) {
            assert!((row[0] * x[0] + row[1] * x[1] - value).abs() <= 1e-15 * value.abs().max(1.0));
        }
    }
    let mut data = u.as_slice().to_vec();
    for j in [4321, 1500, 2047] {
        data[2 * j + 1] = 1e308;
    }
    let u = Ensemble::new(2, data).unwrap();
    // 2 * 1e308 overflows in row 0; -0.7e308 stays finite in row 2.
    assert!(matches!(
        p.forward_ensemble(&u),
        Err(Error::ForwardNonFinite {
            at: Evaluation::Member(1500),
            component: 0,
            value,
        }) if value == f64::INFINITY
    ));
}

#[test]
fn a_closure_returning_nan_or_infinity_is_named() {
    let p = InverseProblem::nonlinear(
        1,
        |u| vec![1.0, 1.0 / u[0]],
        &[0.0, 0.0],
        &[1.0, 0.0, 0.0, 1.0],
    )
    .unwrap();
    let u = Ensemble::new(1, vec![1.0, 0.0]).unwrap();
    assert_eq!(
        p.forward_ensemble(&u),
        Err(Error::ForwardNonFinite {
            at: Evaluation::Member(1),
            component: 1,
            value: f64::INFINITY
        })
    );
    let q = InverseProblem::nonlinear(1, |_| vec![f64::NAN], &[0.0], &[1.0]).unwrap();
    match q.misfit(&[1.0]) {
        Err(Error::ForwardNonFinite {
            at: Evaluation::Point,
            component: 0,
            value,
        }) => assert!(value.is_nan()),
        other => panic!("expected ForwardNonFinite, got {other:?}"),
    }
}

#[test]
fn bad_problems_are_refused_naming_the_value() {
    let g = [1.0, 0.0];
    let cov = [1.0, 0.0, 0.0, 1.0];
    assert_eq!(
        InverseProblem::linear(&g, 0, &[1.0, 2.0], &cov).unwrap_err(),
        Error::ZeroDimension
    );
    assert!(matches!(
        InverseProblem::linear(&[], 1, &[], &[]),
        Err(Error::InvalidParameter { .. })
    ));
    assert_eq!(
        InverseProblem::linear(&g, 1, &[1.0, f64::INFINITY], &cov).unwrap_err(),
        Error::NonFiniteEntry {
            what: "data y",
            row: 1,
            col: 0,
            value: f64::INFINITY
        }
    );
    assert_eq!(
        InverseProblem::linear(&g, 2, &[1.0, 2.0], &cov).unwrap_err(),
        Error::MatrixLength {
            what: "forward matrix",
            rows: 2,
            cols: 2,
            len: 2
        }
    );
    assert_eq!(
        InverseProblem::linear(&g, 1, &[1.0, 2.0], &[1.0, 0.0, 1.0]).unwrap_err(),
        Error::MatrixLength {
            what: "noise covariance",
            rows: 2,
            cols: 2,
            len: 3
        }
    );
    assert_eq!(
        InverseProblem::linear(&g, 1, &[1.0, 2.0], &[1.0, 2.0, 2.0, 1.0]).unwrap_err(),
        Error::NotPositiveDefinite { order: 2, pivot: 1 }
    );
    assert!(matches!(
        InverseProblem::linear(&g, 1, &[1.0, 2.0], &[1.0, 0.5, 0.0, 1.0]),
        Err(Error::NotSymmetric { row: 1, col: 0, .. })
    ));
    assert!(matches!(
        InverseProblem::nonlinear(1, |u| u.to_vec(), &[1.0], &[-1.0]),
        Err(Error::NotPositiveDefinite { .. })
    ));
}

#[test]
fn controls_and_ensembles_of_the_wrong_dimension_are_refused() {
    let p = linear_problem();
    assert_eq!(
        p.misfit(&[1.0]),
        Err(Error::DimensionMismatch {
            what: "control",
            dim: 1,
            expected: 2
        })
    );
    assert!(matches!(
        p.forward(&[1.0, f64::NAN]),
        Err(Error::NonFiniteEntry {
            what: "control",
            ..
        })
    ));
    let u = Ensemble::new(3, vec![0.0; 6]).unwrap();
    assert_eq!(
        p.forward_ensemble(&u),
        Err(Error::DimensionMismatch {
            what: "ensemble",
            dim: 3,
            expected: 2
        })
    );
    assert!(format!("{p:?}").contains("linear"));
}

#[test]
fn a_batched_map_is_called_once_per_ensemble_and_agrees_with_the_closure() {
    use kinetic_enkf::{EnkfIteration, Sigma};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let image = |u: &[f64]| vec![u[0] * u[1], u[0] - u[1].powi(3)];
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let (y, noise) = ([1.0, 0.5], [1.0, 0.2, 0.2, 0.5]);
    let batched = InverseProblem::batched(
        2,
        move |u| {
            counted.fetch_add(1, Ordering::Relaxed);
            u.chunks_exact(2).flat_map(image).collect()
        },
        &y,
        &noise,
    )
    .unwrap();
    let one_by_one = InverseProblem::nonlinear(2, image, &y, &noise).unwrap();
    let u0 = gaussian_ensemble(SEED, 40, &[1.0, -0.5], 0.3);
    let iteration = EnkfIteration::new(0.25, Sigma::NoiseCovariance, SEED).unwrap();
    let a = iteration.run(&batched, u0.clone(), 7).unwrap();
    let b = iteration.run(&one_by_one, u0, 7).unwrap();
    assert_eq!(a.as_slice(), b.as_slice(), "the same bits either way");
    assert_eq!(calls.load(Ordering::Relaxed), 7, "one call per iteration");
    assert_eq!(batched.misfit(&[1.0, 2.0]), one_by_one.misfit(&[1.0, 2.0]));
}

#[test]
fn a_batched_map_of_the_wrong_length_or_with_nan_is_named() {
    let short = InverseProblem::batched(1, |u| u[1..].to_vec(), &[0.0], &[1.0]).unwrap();
    let u = Ensemble::new(1, vec![1.0, 2.0, 3.0]).unwrap();
    assert_eq!(
        short.forward_ensemble(&u),
        Err(Error::BatchLength {
            members: 3,
            len: 2,
            expected: 3
        })
    );
    let nan = InverseProblem::batched(
        1,
        |u| u.iter().flat_map(|x| [*x, 1.0 / (x - 2.0)]).collect(),
        &[0.0, 0.0],
        &[1.0, 0.0, 0.0, 1.0],
    )
    .unwrap();
    assert_eq!(
        nan.forward_ensemble(&u),
        Err(Error::ForwardNonFinite {
            at: Evaluation::Member(1),
            component: 1,
            value: f64::INFINITY
        })
    );
    assert_eq!(
        nan.forward(&[2.0]),
        Err(Error::ForwardNonFinite {
            at: Evaluation::Point,
            component: 1,
            value: f64::INFINITY
        })
    );
}
