//! The two-dimensional finite-volume solver of the mean-field equation (13)
//! of paper 1 (Herty & Visconti), `mean_field::Grid2d`.
//!
//! Truths: the exact push-forward of `f0` by the affine flow of a linear
//! forward map (`mean_field::affine`, checked there against the closed form
//! `C(t) = (C0^{-1} + 2 H t)^{-1}`), the moment ODEs eq. (14)–(15), the
//! conservation laws of a flux-form scheme (mass to rounding, positivity),
//! and, for a non-linear `G`, the interacting-particle Monte Carlo solver
//! within its sampling error. Measured: the observed order of convergence
//! under refinement.

// The measured orders are reported (`--nocapture` shows them).
#![allow(clippy::print_stderr)]

mod common;

use common::{correlated_ensemble, d2_problem, matmul, slope, tight, transpose};
use kinetic_enkf::mean_field::{AffineFlow, AffineMap, Grid2d, GridParams, InteractingParticles};
use kinetic_enkf::moments::{LinearMoments, MomentState};
use kinetic_enkf::{Error, InverseProblem};
use proptest::prelude::*;

const SEED: u64 = 0x6e_1d_2d;

/// `f0 = N(m0, L L^T)` with `L = [[0.8, 0], [0.3, 0.5]]`.
const M0: [f64; 2] = [0.3, -0.2];
const L0: [f64; 4] = [0.8, 0.0, 0.3, 0.5];

fn initial_moments() -> MomentState {
    MomentState {
        mean: M0.to_vec(),
        covariance: matmul(&L0, &transpose(&L0, 2, 2), 2, 2, 2),
    }
}

/// The density of `N(m, C)` in `d = 2`, written from the textbook formula.
fn gaussian(m: [f64; 2], c: &[f64]) -> impl Fn([f64; 2]) -> f64 + Copy + use<> {
    let det = c[0] * c[3] - c[1] * c[2];
    let inv = [c[3] / det, -c[1] / det, -c[2] / det, c[0] / det];
    move |u| {
        let (a, b) = (u[0] - m[0], u[1] - m[1]);
        let q = a * (inv[0] * a + inv[1] * b) + b * (inv[2] * a + inv[3] * b);
        (-0.5 * q).exp() / (2.0 * std::f64::consts::PI * det.sqrt())
    }
}

fn map_at(problem: &InverseProblem, t: f64) -> AffineMap {
    AffineFlow::new(problem)
        .unwrap()
        .solve(&initial_moments(), &[t], &tight())
        .unwrap()
        .maps
        .remove(0)
}

fn grid(problem: &InverseProblem, cells: usize) -> Grid2d<'_> {
    let f0 = gaussian(M0, &initial_moments().covariance);
    let params = GridParams {
        cells,
        ..GridParams::default()
    };
    Grid2d::new(problem, params, [-4.0, -4.0], [4.5, 3.5], f0).unwrap()
}

/// `sum_ij h_x h_y |f_ij - (cell average of the exact density)|`, the
/// averages by 3 × 3-point Gauss–Legendre.
fn l1_error(grid: &Grid2d, exact: impl Fn([f64; 2]) -> f64) -> f64 {
    let [hx, hy] = grid.cell_widths();
    let n = grid.cells();
    let x = 0.5 * 0.6f64.sqrt();
    let (nodes, weights) = ([-x, 0.0, x], [5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0]);
    let mut sum = 0.0;
    for j in 0..n {
        for i in 0..n {
            let c = grid.centre(i, j);
            let mut avg = 0.0;
            for (sy, wy) in nodes.iter().zip(weights) {
                for (sx, wx) in nodes.iter().zip(weights) {
                    avg += wx * wy * exact([c[0] + hx * sx, c[1] + hy * sy]);
                }
            }
            sum += hx * hy * (grid.values()[j * n + i] - avg).abs();
        }
    }
    sum
}

#[test]
fn the_grid_converges_to_the_affine_push_forward_under_refinement() {
    // The box m0 ± 6.5 sd0 and k = 6: no regrid happens before t = 0.5 (the
    // spreads fall to 0.61 and 0.67 of their initial values), so every
    // resolution runs on the same box and h halves exactly.
    let problem = d2_problem();
    let t = 0.5;
    let map = map_at(&problem, t);
    let c0 = initial_moments().covariance;
    let f0 = gaussian(M0, &c0);
    let exact = |u: [f64; 2]| map.density(|x| f0([x[0], x[1]]), &u);
    let sd0 = [c0[0].sqrt(), c0[3].sqrt()];
    let lo = [M0[0] - 6.5 * sd0[0], M0[1] - 6.5 * sd0[1]];
    let hi = [M0[0] + 6.5 * sd0[0], M0[1] + 6.5 * sd0[1]];
    let cells = [32usize, 64, 128, 256];
    let mut errors = Vec::new();
    let mut moment_errors = Vec::new();
    for &n in &cells {
        let params = GridParams {
            cells: n,
            half_width: 6.0,
            ..GridParams::default()
        };
        let mut g = Grid2d::new(&problem, params, lo, hi, f0).unwrap();
        let mass = g.mass();
        g.advance_to(t).unwrap();
        assert_eq!(g.regrids(), 0);
        assert!((g.mass() - mass).abs() < 1e-13 * mass, "n = {n}");
        assert!(g.values().iter().all(|&f| f >= 0.0), "n = {n}");
        errors.push(l1_error(&g, exact) / mass);
        let got = g.moments();
        moment_errors.push(
            got.mean
                .iter()
                .chain(&got.covariance)
                .zip(map.mean.iter().chain(&map.covariance))
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max),
        );
        eprintln!("n = {n}: {} steps", g.steps());
    }
    let log_h: Vec<f64> = cells.iter().map(|&n| -(n as f64).ln()).collect();
    let order = slope(&log_h, &errors.iter().map(|e| e.ln()).collect::<Vec<_>>());
    let moment_order = slope(
        &log_h,
        &moment_errors.iter().map(|e| e.ln()).collect::<Vec<_>>(),
    );
    eprintln!(
        "grid 2D: relative L1 errors {errors:?}, observed order {order:.2}; \
         moment errors {moment_errors:?}, order {moment_order:.2}"
    );
    assert!(order > 1.5, "order {order}, errors {errors:?}");
    assert!(errors[3] < 5e-3, "{errors:?}");
    assert!(
        moment_order > 1.5,
        "order {moment_order}, {moment_errors:?}"
    );
}

#[test]
fn the_grid_moments_follow_the_moment_odes_through_regrids() {
    // The default k = 8 and N = 96: after a regrid h = 2 k sd / N = sd / 6,
    // and the moments of a second-order scheme (midpoint rule included)
    // are off by O((h / sd)^2) relative to the spread, through the regrids
    // that follow the concentrating density.
    let problem = d2_problem();
    let times = [0.5, 2.0, 8.0, 32.0];
    let odes = LinearMoments::new(&problem)
        .unwrap()
        .solve(&initial_moments(), &times, &tight())
        .unwrap();
    let n = 96;
    let mut g = grid(&problem, n);
    let mass = g.mass();
    let scale = (2.0 * GridParams::default().half_width / n as f64).powi(2);
    let c0 = initial_moments().covariance;
    let sd0 = [c0[0].sqrt(), c0[3].sqrt()];
    for (t, exact) in times.iter().zip(&odes.states) {
        g.advance_to(*t).unwrap();
        let got = g.moments();
        let sd = [exact.covariance[0].sqrt(), exact.covariance[3].sqrt()];
        // The mean freezes as C collapses (eq. (14)), so its error, made
        // while the density was wide, is measured against the initial
        // spread.
        let mean_error = (0..2)
            .map(|a| (got.mean[a] - exact.mean[a]).abs() / sd0[a])
            .fold(0.0, f64::max);
        let covariance_error = [(0, 0), (0, 1), (1, 1)]
            .iter()
            .map(|&(r, c)| {
                (got.covariance[2 * r + c] - exact.covariance[2 * r + c]).abs() / (sd[r] * sd[c])
            })
            .fold(0.0, f64::max);
        eprintln!(
            "t = {t}: relative errors mean {mean_error:.2e}, covariance {covariance_error:.2e} \
             ((h / sd)^2 = {scale:.2e}), {} regrids",
            g.regrids()
        );
        assert!(mean_error < 0.5 * scale, "t = {t}: {got:?} vs {exact:?}");
        assert!(covariance_error < scale, "t = {t}: {got:?} vs {exact:?}");
        assert!((g.mass() - mass).abs() < 1e-13 * mass, "t = {t}");
        assert!(g.values().iter().all(|&f| f >= 0.0), "t = {t}");
    }
    // The box follows the density: the spread fell by a factor of about 10.
    let (lo, hi) = g.domain();
    let c = g.moments().covariance;
    eprintln!(
        "t = 32: {} steps, {} regrids, folded mass {:e}, box {lo:?}..{hi:?}, covariance {c:?}",
        g.steps(),
        g.regrids(),
        g.folded_mass()
    );
    assert!(g.regrids() >= 4, "{}", g.regrids());
    for a in 0..2 {
        assert!(
            hi[a] - lo[a] <= 2.0 * 16.0 * c[3 * a].sqrt(),
            "{lo:?} {hi:?}"
        );
    }
    assert!(g.folded_mass().abs() < 1e-10 * mass);
}

#[test]
fn an_indicator_stays_non_negative_and_keeps_its_mass() {
    // A discontinuous f0 (the indicator of a tilted rectangle) exercises
    // the limiter everywhere; regrids move and shrink the box.
    let problem = d2_problem();
    let f0 = |u: [f64; 2]| {
        let (a, b) = (u[0] + 0.5 * u[1], u[1] - 0.3 * u[0]);
        if a.abs() < 1.0 && b.abs() < 0.6 {
            1.0
        } else {
            0.0
        }
    };
    let params = GridParams {
        cells: 40,
        ..GridParams::default()
    };
    let mut g = Grid2d::new(&problem, params, [-2.0, -2.0], [2.0, 2.0], f0).unwrap();
    let mass = g.mass();
    for t in [0.1, 1.0, 5.0, 20.0] {
        g.advance_to(t).unwrap();
        assert!((g.mass() - mass).abs() < 1e-13 * mass, "t = {t}");
        let min = g.values().iter().copied().fold(f64::INFINITY, f64::min);
        assert!(min >= 0.0, "t = {t}: {min}");
    }
    assert!(g.regrids() >= 2, "{}", g.regrids());
    assert_eq!(g.time(), 20.0);
}

#[test]
fn for_a_non_linear_map_the_grid_agrees_with_monte_carlo() {
    // G(u) = (u_0 + u_1^3 / 4, u_1 - u_0 u_1 / 5): no affine truth; the
    // particle solver with J = 1e5 is within its sampling error.
    let problem = InverseProblem::nonlinear(
        2,
        |u: &[f64]| vec![u[0] + 0.25 * u[1].powi(3), u[1] - 0.2 * u[0] * u[1]],
        &[1.0, -0.5],
        &[0.5, 0.1, 0.1, 0.4],
    )
    .unwrap();
    let t = 0.5;
    let mut g = grid(&problem, 96);
    g.advance_to(t).unwrap();
    let u0 = correlated_ensemble(SEED, 100_000, &M0, &L0);
    let mut p = InteractingParticles::new(&problem, &u0).unwrap();
    p.advance_to(t, 0.02).unwrap();
    let (a, b) = (g.moments(), p.moments());
    eprintln!("non-linear G at t = {t}: grid {a:?}, Monte Carlo {b:?}");
    let j = 1e5f64;
    for r in 0..2 {
        let sd = a.covariance[3 * r].sqrt();
        // Sampling error sd / sqrt(J) plus the grid's O(h^2) (h ≈ sd / 6).
        assert!((a.mean[r] - b.mean[r]).abs() < 4.0 * sd / j.sqrt() + 2e-3 * sd);
    }
    for i in 0..4 {
        let scale = (a.covariance[0] * a.covariance[3]).sqrt();
        let tol = 4.0 * scale * (2.0 / j).sqrt() + 5e-3 * scale;
        assert!((a.covariance[i] - b.covariance[i]).abs() < tol, "{i}");
    }
}

#[test]
fn bad_input_is_refused() {
    let problem = d2_problem();
    let f0 = gaussian(M0, &initial_moments().covariance);
    let scalar = InverseProblem::linear(&[1.0], 1, &[0.0], &[1.0]).unwrap();
    assert!(matches!(
        Grid2d::new(&scalar, GridParams::default(), [-1.0; 2], [1.0; 2], f0),
        Err(Error::DimensionMismatch {
            dim: 2,
            expected: 1,
            ..
        })
    ));
    for params in [
        GridParams {
            cells: 3,
            ..GridParams::default()
        },
        GridParams {
            cfl: 0.26,
            ..GridParams::default()
        },
        GridParams {
            cfl: -0.1,
            ..GridParams::default()
        },
        GridParams {
            half_width: 0.0,
            ..GridParams::default()
        },
        // Fewer than two cells per standard deviation.
        GridParams {
            cells: 31,
            half_width: 8.0,
            ..GridParams::default()
        },
    ] {
        assert!(
            matches!(
                Grid2d::new(&problem, params, [-1.0; 2], [1.0; 2], f0),
                Err(Error::InvalidParameter { .. })
            ),
            "{params:?}"
        );
    }
    for (lo, hi) in [
        ([-1.0, 1.0], [1.0, 1.0]),
        ([-1.0, f64::NAN], [1.0, 1.0]),
        ([-1.0, -1.0], [f64::INFINITY, 1.0]),
    ] {
        assert!(
            matches!(
                Grid2d::new(&problem, GridParams::default(), lo, hi, f0),
                Err(Error::InvalidParameter { .. })
            ),
            "{lo:?} {hi:?}"
        );
    }
    let small = GridParams {
        cells: 8,
        half_width: 2.0,
        ..GridParams::default()
    };
    let err = Grid2d::new(&problem, small, [-1.0; 2], [1.0; 2], |u| u[0]).unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { value, .. } if value < 0.0),
        "{err}"
    );
    let err = Grid2d::new(&problem, small, [-1.0; 2], [1.0; 2], |_| f64::NAN).unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
    assert!(matches!(
        Grid2d::new(&problem, small, [-1.0; 2], [1.0; 2], |_| 0.0),
        Err(Error::InvalidParameter { .. })
    ));
    // A forward map failing at a face midpoint names the point.
    let bad = InverseProblem::nonlinear(
        2,
        |u: &[f64]| vec![if u[0] > 0.9 { f64::INFINITY } else { u[0] }, u[1]],
        &[0.0, 0.0],
        &[1.0, 0.0, 0.0, 1.0],
    )
    .unwrap();
    assert!(matches!(
        Grid2d::new(&bad, small, [-1.0; 2], [1.0; 2], f0),
        Err(Error::ForwardNonFinite { .. })
    ));

    let mut g = Grid2d::new(&problem, small, [-3.0; 2], [3.0; 2], f0).unwrap();
    assert!(matches!(
        g.advance_to(f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
    let mut g = Grid2d::new(
        &problem,
        GridParams {
            max_steps: 3,
            ..small
        },
        [-3.0; 2],
        [3.0; 2],
        f0,
    )
    .unwrap();
    assert!(matches!(
        g.advance_to(100.0),
        Err(Error::MaxStepsExceeded { max_steps: 3, .. })
    ));
}

/// A random linear problem in `d = 2`: `G` (row-major) with entries in
/// `[-1.5, 1.5]`, data in `[-2, 2]`, a diagonal noise covariance in
/// `[0.2, 2]` (drawn as numbers, so that a failure prints them).
fn any_problem() -> impl Strategy<Value = ([f64; 4], [f64; 2], [f64; 2])> {
    (
        prop::array::uniform4(-1.5f64..1.5),
        prop::array::uniform2(-2.0f64..2.0),
        prop::array::uniform2(0.2f64..2.0),
    )
}

/// Up to three bumps `w exp(-|u - c|^2 / (2 s^2))` and a box indicator.
fn any_density() -> impl Strategy<Value = (Vec<(f64, [f64; 2], f64)>, f64)> {
    (
        prop::collection::vec(
            (
                0.1f64..2.0,
                prop::array::uniform2(-1.5f64..1.5),
                0.2f64..1.0,
            ),
            1..4,
        ),
        0.0f64..1.0,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Mass to rounding and non-negative averages for any linear problem,
    /// initial density, resolution and time, through regrids.
    #[test]
    fn mass_is_conserved_and_averages_stay_non_negative(
        (g, y, noise) in any_problem(),
        (bumps, plateau) in any_density(),
        cells in 12usize..28,
        width in 0.0f64..1.0,
        cfl in 0.05f64..0.25,
        t in 0.05f64..4.0,
    ) {
        // k from 2 to the largest the resolution allows, N / 4.
        let half_width = 2.0 + width * (cells as f64 / 4.0 - 2.0);
        let problem = InverseProblem::linear(&g, 2, &y, &[noise[0], 0.0, 0.0, noise[1]]).unwrap();
        let f0 = |u: [f64; 2]| {
            let inside = u[0].abs() < 1.0 && u[1].abs() < 0.5;
            bumps
                .iter()
                .map(|(w, c, s)| {
                    let r2 = (u[0] - c[0]).powi(2) + (u[1] - c[1]).powi(2);
                    w * (-r2 / (2.0 * s * s)).exp()
                })
                .sum::<f64>()
                + if inside { plateau } else { 0.0 }
        };
        let params = GridParams { cells, cfl, half_width, ..GridParams::default() };
        let mut g = Grid2d::new(&problem, params, [-3.0, -2.5], [3.0, 2.5], f0).unwrap();
        let mass = g.mass();
        g.advance_to(t).unwrap();
        prop_assert!((g.mass() - mass).abs() <= 1e-13 * mass, "{} vs {mass}: {} steps {} regrids", g.mass(), g.steps(), g.regrids());
        prop_assert!(g.values().iter().all(|&f| f >= 0.0));
        prop_assert_eq!(g.time(), t);
    }
}
