//! The error norms of paper 2 (rRMSE, Section 4.1.2; `e_omega`,
//! Section 5.1.4) against integrals known in closed form:
//!
//! * `int_0^{2 pi} (1 + cos x)^2 dx = 3 pi`, `int_0^{2 pi} sin^2(k x) dx = pi`;
//! * `int_0^{2 pi} e^{2 cos x} dx = 2 pi I0(2)` (DLMF 10.32.1), with `I0(2)`
//!   from its power series `sum_j 1/(j!)^2`;
//! * `int_{[0, pi]^2} (a sin x sin y)^2 = a^2 pi^2 / 4`;
//! * the midpoint rule's second order on a non-periodic integrand,
//!   `int_0^1 int_0^2 e^{2x} y^2 dy dx = (e^2 - 1) / 2 * 8 / 3`, measured on
//!   three resolutions.

use std::f64::consts::{E, PI, TAU};

use proptest::prelude::*;
use validation::Error;
use validation::norms::{
    CellGrid2d, EnsembleL2Error, PeriodicGrid1d, ensemble_l2_error, rrmse_parameter, rrmse_state,
};

#[test]
fn periodic_grid_nodes_and_spacing() {
    let grid = PeriodicGrid1d::new(8, TAU).expect("valid grid");
    assert_eq!(grid.nodes(), 8);
    assert_eq!(grid.spacing(), TAU / 8.0);
    let points = grid.points();
    assert_eq!(points.len(), 8);
    assert_eq!(points[0], 0.0);
    assert!((points[7] - 7.0 * TAU / 8.0).abs() < 1e-15);
    assert_eq!(
        grid.sample(|x| 2.0 * x),
        points.iter().map(|x| 2.0 * x).collect::<Vec<_>>()
    );
}

#[test]
fn periodic_l2_norm_is_spectrally_accurate() {
    // I0(2) = sum_j 1 / (j!)^2; 20 terms leave less than 1e-36.
    let mut term = 1.0;
    let mut i0_of_2 = 1.0;
    for j in 1..20 {
        term /= f64::from(j * j);
        i0_of_2 += term;
    }
    let exact = TAU * i0_of_2;
    let grid = PeriodicGrid1d::new(32, TAU).expect("valid grid");
    let values = grid
        .sample(f64::cos)
        .into_iter()
        .map(f64::exp)
        .collect::<Vec<_>>();
    let norm_sq = grid.l2_norm_sq(&values).expect("valid samples");
    assert!(
        (norm_sq - exact).abs() < 1e-13 * exact,
        "{norm_sq} vs {exact}"
    );
}

#[test]
fn state_rrmse_of_sine_perturbations_is_exact() {
    // truth 1 + cos x: ||truth||^2 = 3 pi. Member i = truth + c_i sin(k_i x):
    // ||u_i - truth||^2 = c_i^2 pi. rRMSE = sqrt(mean(c_i^2) / 3).
    let grid = PeriodicGrid1d::new(64, TAU).expect("valid grid");
    let truth = grid.sample(|x| 1.0 + x.cos());
    let perturbations = [(0.3, 1.0), (-0.1, 3.0), (0.25, 7.0), (0.05, 20.0)];
    let members: Vec<Vec<f64>> = perturbations
        .iter()
        .map(|&(c, k)| grid.sample(|x| 1.0 + x.cos() + c * (k * x).sin()))
        .collect();
    let mean_c_sq = perturbations.iter().map(|(c, _)| c * c).sum::<f64>() / 4.0;
    let expected = (mean_c_sq / 3.0).sqrt();
    let rrmse = rrmse_state(&grid, &members, &truth).expect("valid ensemble");
    assert!(
        (rrmse - expected).abs() < 1e-14 * expected,
        "{rrmse} vs {expected}"
    );
}

#[test]
fn state_rrmse_of_the_truth_is_zero() {
    let grid = PeriodicGrid1d::new(16, TAU).expect("valid grid");
    let truth = grid.sample(f64::sin);
    assert_eq!(
        rrmse_state(&grid, &[truth.clone(), truth.clone()], &truth),
        Ok(0.0)
    );
}

#[test]
fn parameter_rrmse_matches_hand_computation() {
    // Members 1.1, 0.9, 1.3 around 1: sqrt((0.01 + 0.01 + 0.09) / 3).
    let rrmse = rrmse_parameter(&[1.1, 0.9, 1.3], 1.0).expect("valid ensemble");
    assert!((rrmse - (0.11_f64 / 3.0).sqrt()).abs() < 1e-15);
    // Relative to |theta_gt|: scaling everything by -2 changes nothing.
    let scaled = rrmse_parameter(&[-2.2, -1.8, -2.6], -2.0).expect("valid ensemble");
    assert!((scaled - rrmse).abs() < 1e-15);
    assert_eq!(rrmse_parameter(&[0.05; 4], 0.05), Ok(0.0));
}

#[test]
fn cell_grid_centres_area_and_layout() {
    let grid = CellGrid2d::new([1.0, -2.0], [2.0, 3.0], [4, 3]).expect("valid grid");
    assert_eq!(grid.cells(), [4, 3]);
    assert_eq!(grid.cell_count(), 12);
    assert_eq!(grid.spacing(), [0.5, 1.0]);
    assert_eq!(grid.cell_area(), 0.5);
    assert_eq!(grid.xs(), vec![1.25, 1.75, 2.25, 2.75]);
    assert_eq!(grid.ys(), vec![-1.5, -0.5, 0.5]);
    let field = grid.sample(|[x, y]| 10.0 * x + y);
    for (iy, y) in grid.ys().into_iter().enumerate() {
        for (ix, x) in grid.xs().into_iter().enumerate() {
            assert_eq!(field[iy * 4 + ix], 10.0 * x + y);
        }
    }
}

#[test]
fn ensemble_l2_error_of_sine_product_perturbations_is_exact() {
    // Midpoint sums of sin^2 over n >= 2 cells of [0, pi] are exactly pi/2,
    // so the quadrature reproduces a^2 pi^2 / 4 to rounding.
    let grid = CellGrid2d::new([0.0, 0.0], [PI, PI], [40, 50]).expect("valid grid");
    let truth = grid.sample(|[x, y]| x * y - (2.0 * x).cos());
    let amplitudes = [0.5, -1.0, 2.0];
    let members: Vec<Vec<f64>> = amplitudes
        .iter()
        .map(|a| grid.sample(|[x, y]| x * y - (2.0 * x).cos() + a * x.sin() * y.sin()))
        .collect();
    let EnsembleL2Error { mean, per_member } =
        ensemble_l2_error(&grid, &members, &truth).expect("valid ensemble");
    let quarter_pi_sq = PI * PI / 4.0;
    for (error, a) in per_member.iter().zip(amplitudes) {
        let expected = a * a * quarter_pi_sq;
        assert!(
            (error - expected).abs() < 1e-13 * expected,
            "{error} vs {expected}"
        );
    }
    let expected_mean = (0.25 + 1.0 + 4.0) / 3.0 * quarter_pi_sq;
    assert!((mean - expected_mean).abs() < 1e-13 * expected_mean);
}

#[test]
fn midpoint_rule_converges_at_second_order_on_non_periodic_integrand() {
    let exact = (E * E - 1.0) / 2.0 * 8.0 / 3.0;
    let errors: Vec<f64> = [16, 32, 64]
        .into_iter()
        .map(|n| {
            let grid = CellGrid2d::new([0.0, 0.0], [1.0, 2.0], [n, n]).expect("valid grid");
            let member = grid.sample(|[x, y]| x.exp() * y);
            let truth = vec![0.0; grid.cell_count()];
            let e = ensemble_l2_error(&grid, std::slice::from_ref(&member), &truth)
                .expect("valid ensemble");
            assert_eq!(e.mean, grid.l2_norm_sq(&member).expect("valid samples"));
            (e.mean - exact).abs()
        })
        .collect();
    for pair in errors.windows(2) {
        let order = (pair[0] / pair[1]).log2();
        assert!((order - 2.0).abs() < 0.02, "order {order} from {errors:?}");
    }
}

#[test]
fn grids_reject_bad_construction() {
    assert_eq!(
        PeriodicGrid1d::new(0, 1.0),
        Err(Error::EmptyGrid { what: "nodes" })
    );
    for length in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            PeriodicGrid1d::new(4, length),
            Err(Error::NotPositive { name: "length", .. })
        ));
    }
    assert_eq!(
        CellGrid2d::new([0.0, 0.0], [1.0, 1.0], [0, 3]),
        Err(Error::EmptyGrid {
            what: "cells along x"
        })
    );
    assert_eq!(
        PeriodicGrid1d::new(0, 1.0).unwrap_err().to_string(),
        "number of nodes must be at least 1, got 0"
    );
    assert_eq!(
        CellGrid2d::new([0.0, 0.0], [1.0, 1.0], [3, 0]),
        Err(Error::EmptyGrid {
            what: "cells along y"
        })
    );
    assert!(matches!(
        CellGrid2d::new([0.0, f64::NAN], [1.0, 1.0], [3, 3]),
        Err(Error::NotFinite {
            name: "origin y",
            ..
        })
    ));
    assert!(matches!(
        CellGrid2d::new([0.0, 0.0], [1.0, -1.0], [3, 3]),
        Err(Error::NotPositive { name: "size y", .. })
    ));
    assert_eq!(
        CellGrid2d::new([0.0, 0.0], [1.0, 1.0], [usize::MAX, 2]),
        Err(Error::GridTooLarge {
            nx: usize::MAX,
            ny: 2
        })
    );
}

#[test]
fn norms_reject_bad_ensembles() {
    let grid = PeriodicGrid1d::new(4, TAU).expect("valid grid");
    let truth = vec![1.0, 2.0, 3.0, 4.0];
    assert_eq!(rrmse_state(&grid, &[], &truth), Err(Error::EmptyEnsemble));
    assert_eq!(
        rrmse_state(&grid, std::slice::from_ref(&truth), &truth[..3]),
        Err(Error::LengthMismatch {
            what: "truth",
            expected: 4,
            found: 3
        })
    );
    let short = vec![1.0; 5];
    let err = rrmse_state(&grid, &[truth.clone(), short], &truth).unwrap_err();
    assert_eq!(
        err,
        Error::MemberLengthMismatch {
            member: 1,
            expected: 4,
            found: 5
        }
    );
    assert_eq!(
        err.to_string(),
        "ensemble member 1 must have 4 values, got 5"
    );
    let err = rrmse_state(
        &grid,
        &[truth.clone(), vec![0.0, 0.0, f64::NAN, 0.0]],
        &truth,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Error::NonFiniteMember {
            member: 1,
            index: 2,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "ensemble member 1 must be finite, got NaN at index 2"
    );
    assert!(matches!(
        rrmse_state(
            &grid,
            std::slice::from_ref(&truth),
            &[0.0, f64::INFINITY, 0.0, 0.0]
        ),
        Err(Error::NonFiniteSample {
            what: "truth",
            index: 1,
            ..
        })
    ));
    assert_eq!(
        rrmse_state(&grid, std::slice::from_ref(&truth), &[0.0; 4]),
        Err(Error::ZeroNorm { what: "truth" })
    );
    assert_eq!(
        grid.l2_norm_sq(&[1.0]),
        Err(Error::LengthMismatch {
            what: "values",
            expected: 4,
            found: 1
        })
    );

    assert_eq!(rrmse_parameter(&[], 1.0), Err(Error::EmptyEnsemble));
    assert_eq!(
        rrmse_parameter(&[1.0], 0.0),
        Err(Error::ZeroNorm {
            what: "parameter truth"
        })
    );
    assert!(matches!(
        rrmse_parameter(&[1.0], f64::NAN),
        Err(Error::NotFinite {
            name: "parameter truth",
            ..
        })
    ));
    assert!(matches!(
        rrmse_parameter(&[1.0, f64::NEG_INFINITY], 1.0),
        Err(Error::NonFiniteSample {
            what: "parameter members",
            index: 1,
            ..
        })
    ));

    let grid2 = CellGrid2d::new([0.0, 0.0], [1.0, 1.0], [2, 2]).expect("valid grid");
    let truth2 = vec![0.0; 4];
    assert_eq!(
        ensemble_l2_error(&grid2, &[], &truth2),
        Err(Error::EmptyEnsemble)
    );
    assert_eq!(
        ensemble_l2_error(&grid2, &[vec![0.0; 4], vec![0.0; 3]], &truth2),
        Err(Error::MemberLengthMismatch {
            member: 1,
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        ensemble_l2_error(&grid2, &[vec![0.0; 4]], &[0.0; 5]),
        Err(Error::LengthMismatch {
            what: "truth",
            expected: 4,
            found: 5
        })
    );
    // A zero truth is fine for an absolute error.
    let zero = ensemble_l2_error(&grid2, &[vec![1.0; 4]], &truth2).expect("valid ensemble");
    assert_eq!(zero.per_member, vec![1.0]);
}

proptest! {
    #[test]
    fn prop_state_rrmse_is_scale_invariant_and_averages_squares(
        values in prop::collection::vec(-5.0..5.0_f64, 24),
        offsets in prop::collection::vec(-1.0..1.0_f64, 3),
        scale in 0.01..100.0_f64,
    ) {
        let grid = PeriodicGrid1d::new(8, 3.0).expect("valid grid");
        let truth: Vec<f64> = values[..8].iter().map(|v| v + 10.0).collect();
        let members: Vec<Vec<f64>> = offsets
            .iter()
            .enumerate()
            .map(|(i, o)| {
                values[8 * i..8 * i + 8].iter().zip(&truth).map(|(v, t)| t + o * v).collect()
            })
            .collect();
        let rrmse = rrmse_state(&grid, &members, &truth).expect("valid ensemble");
        let scaled_members: Vec<Vec<f64>> =
            members.iter().map(|m| m.iter().map(|v| v * scale).collect()).collect();
        let scaled_truth: Vec<f64> = truth.iter().map(|v| v * scale).collect();
        let scaled = rrmse_state(&grid, &scaled_members, &scaled_truth).expect("valid ensemble");
        prop_assert!((rrmse - scaled).abs() <= 1e-13 * rrmse.max(1e-300));
        // rRMSE^2 ||truth||^2 is the mean of the members' squared distances.
        let truth_sq = grid.l2_norm_sq(&truth).expect("valid samples");
        let mean_sq = members
            .iter()
            .map(|m| {
                let diff: Vec<f64> = m.iter().zip(&truth).map(|(a, b)| a - b).collect();
                grid.l2_norm_sq(&diff).expect("valid samples")
            })
            .sum::<f64>()
            / 3.0;
        prop_assert!((rrmse * rrmse * truth_sq - mean_sq).abs() <= 1e-12 * mean_sq.max(1e-300));
    }

    #[test]
    fn prop_ensemble_error_mean_is_mean_of_members(
        values in prop::collection::vec(-3.0..3.0_f64, 24),
    ) {
        let grid = CellGrid2d::new([0.0, 0.0], [2.0, 0.5], [3, 2]).expect("valid grid");
        let truth = values[..6].to_vec();
        let members: Vec<Vec<f64>> = values[6..].chunks(6).map(<[f64]>::to_vec).collect();
        let e = ensemble_l2_error(&grid, &members, &truth).expect("valid ensemble");
        prop_assert_eq!(e.per_member.len(), 3);
        let mean = e.per_member.iter().sum::<f64>() / 3.0;
        prop_assert!((e.mean - mean).abs() <= 1e-14 * mean.max(1e-300));
        for (member, error) in members.iter().zip(&e.per_member) {
            let diff: Vec<f64> = member.iter().zip(&truth).map(|(a, b)| a - b).collect();
            let direct = grid.l2_norm_sq(&diff).expect("valid samples");
            prop_assert!((error - direct).abs() <= 1e-14 * direct.max(1e-300));
        }
    }
}
