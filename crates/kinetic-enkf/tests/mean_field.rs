//! The mean-field equation (13) of paper 1 (Herty & Visconti) and its three
//! solvers, checked against analytic truth and against one another.
//!
//! Truths: the moment ODEs eq. (14)–(15) (closed-form covariance
//! `C(t) = (C0^{-1} + 2 H t)^{-1}`), the affine push-forward of `f0` derived
//! in `mean_field::affine` (`A(t) = (1 + 2 t C0 H)^{-1/2}` in `d = 1`), and
//! the conservation laws of the finite-volume scheme (mass to rounding,
//! positivity). Measured: the `J^{-1/2}` rate of the Monte Carlo moments and
//! the observed order of the grid solver under refinement.

// The measured rates and orders are reported (`--nocapture` shows them).
#![allow(clippy::print_stderr)]

mod common;

use common::{
    correlated_ensemble, d2_problem, gaussian_ensemble, inverse, matmul, slope, tight, transpose,
};
use kinetic_enkf::mean_field::{AffineFlow, AffineMap, Grid1d, GridParams, InteractingParticles};
use kinetic_enkf::moments::{LinearMoments, MomentState};
use kinetic_enkf::{Ensemble, Error, InverseProblem};

const SEED: u64 = 0x3e_a4_f1;

/// `N(mean, variance)` as a density.
fn normal(mean: f64, variance: f64) -> impl Fn(f64) -> f64 + Copy {
    move |u| {
        (-(u - mean) * (u - mean) / (2.0 * variance)).exp()
            / (2.0 * std::f64::consts::PI * variance).sqrt()
    }
}

#[test]
fn particles_are_bit_identical_for_any_thread_count() {
    let problem = d2_problem();
    let u0 = gaussian_ensemble(SEED, 20_000, &[0.5, -0.5], 0.8);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut p = InteractingParticles::new(&problem, &u0).unwrap();
            p.advance_to(0.5, 0.1).unwrap();
            (p.particles().to_vec(), p.moments())
        })
    };
    let (a, b) = (run(1), run(2));
    assert!(
        a.0.iter()
            .zip(&b.0)
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
    assert_eq!(a.1, b.1);
}

#[test]
fn particles_follow_the_exact_flow_of_a_two_member_ensemble() {
    // Any J: the particle system is the flow eq. (8), whose moments follow
    // the moment ODEs exactly (the empirical measure, eq. (11)). RK4 with
    // h = 0.05 against the adaptive solution of the ODEs.
    let problem = d2_problem();
    let u0 = gaussian_ensemble(SEED, 7, &[0.5, -0.5], 0.8);
    let mut p = InteractingParticles::new(&problem, &u0).unwrap();
    p.advance_to(2.0, 0.02).unwrap();
    let exact = LinearMoments::new(&problem)
        .unwrap()
        .solve(&MomentState::from_ensemble(&u0), &[2.0], &tight())
        .unwrap()
        .states
        .remove(0);
    let got = p.moments();
    for (a, b) in got
        .mean
        .iter()
        .chain(&got.covariance)
        .zip(exact.mean.iter().chain(&exact.covariance))
    {
        assert!((a - b).abs() < 1e-7, "{got:?} vs {exact:?}");
    }
    assert_eq!(p.time(), 2.0);
}

#[test]
fn monte_carlo_moments_converge_to_the_moment_odes_like_j_to_the_minus_half() {
    // f0 = N(m0, L L^T) in d = 2; RMS error of (m, C) at t = 1 over 12
    // independent samples per J.
    let problem = d2_problem();
    let (m0, l) = ([0.5, -0.5], [1.0, 0.0, 0.4, 0.6]);
    let c0 = matmul(&l, &transpose(&l, 2, 2), 2, 2, 2);
    let exact = LinearMoments::new(&problem)
        .unwrap()
        .solve(
            &MomentState {
                mean: m0.to_vec(),
                covariance: c0,
            },
            &[1.0],
            &tight(),
        )
        .unwrap()
        .states
        .remove(0);
    let error = |p: &InteractingParticles| {
        let s = p.moments();
        s.mean
            .iter()
            .chain(&s.covariance)
            .zip(exact.mean.iter().chain(&exact.covariance))
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
    };
    let sizes = [1000usize, 4000, 16_000, 64_000];
    let repeats = 12u64;
    let rms: Vec<f64> = sizes
        .iter()
        .map(|&j| {
            let sum: f64 = (0..repeats)
                .map(|r| {
                    let u0 = correlated_ensemble(SEED + 100 * r, j, &m0, &l);
                    let mut p = InteractingParticles::new(&problem, &u0).unwrap();
                    p.advance_to(1.0, 0.1).unwrap();
                    error(&p)
                })
                .sum();
            (sum / repeats as f64).sqrt()
        })
        .collect();
    let log_j: Vec<f64> = sizes.iter().map(|&j| (j as f64).ln()).collect();
    let log_e: Vec<f64> = rms.iter().map(|e| e.ln()).collect();
    let rate = slope(&log_j, &log_e);
    eprintln!("Monte Carlo: rms errors {rms:?}, fitted rate {rate:.3}");
    assert!((rate + 0.5).abs() < 0.15, "rate {rate}, rms {rms:?}");

    // One run with a million particles.
    let u0 = correlated_ensemble(SEED, 1_000_000, &m0, &l);
    let mut p = InteractingParticles::new(&problem, &u0).unwrap();
    p.advance_to(1.0, 0.1).unwrap();
    let e = error(&p).sqrt();
    eprintln!("Monte Carlo: J = 1e6 error {e:.2e}");
    assert!(e < 4.0 * rms[0] * (1000.0f64 / 1e6).sqrt(), "{e}");
}

fn affine_maps(problem: &InverseProblem, initial: &MomentState, times: &[f64]) -> Vec<AffineMap> {
    AffineFlow::new(problem)
        .unwrap()
        .solve(initial, times, &tight())
        .unwrap()
        .maps
}

#[test]
fn in_d_1_the_affine_map_is_the_closed_form() {
    for (g, y, c0) in [(1.0, 2.0, 1.0), (-0.7, 0.3, 2.5), (2.0, -1.0, 0.1)] {
        let problem = InverseProblem::linear(&[g], 1, &[y], &[0.5]).unwrap();
        let h = g * g / 0.5;
        let initial = MomentState {
            mean: vec![0.3],
            covariance: vec![c0],
        };
        for map in affine_maps(&problem, &initial, &[0.5, 3.0]) {
            let a = (1.0 + 2.0 * map.time * c0 * h).powf(-0.5);
            assert!((map.matrix[0] - a).abs() < 1e-9 * a.max(1e-3), "{map:?}");
            assert!((map.inverse[0] * a - 1.0).abs() < 1e-9);
            assert!((map.log_det - a.ln()).abs() < 1e-9);
            assert!((map.covariance[0] - c0 / (1.0 + 2.0 * h * c0 * map.time)).abs() < 1e-9);
            // The image of the mean is the mean.
            assert!((map.apply(&[0.3])[0] - map.mean[0]).abs() < 1e-14);
        }
    }
}

#[test]
fn in_d_2_the_affine_map_reproduces_the_moment_odes() {
    let problem = d2_problem();
    let hessian = LinearMoments::new(&problem).unwrap().hessian().to_vec();
    let c0 = vec![1.0, 0.4, 0.4, 0.52];
    let initial = MomentState {
        mean: vec![0.5, -0.5],
        covariance: c0.clone(),
    };
    let times = [0.25, 1.0, 4.0];
    let maps = affine_maps(&problem, &initial, &times);
    let odes = LinearMoments::new(&problem)
        .unwrap()
        .solve(&initial, &times, &tight())
        .unwrap();
    for (map, state) in maps.iter().zip(&odes.states) {
        for (a, b) in map
            .mean
            .iter()
            .chain(&map.covariance)
            .zip(state.mean.iter().chain(&state.covariance))
        {
            assert!((a - b).abs() < 1e-8, "{map:?} vs {state:?}");
        }
        // C(t) = (C0^{-1} + 2 H t)^{-1}.
        let c0_inv = inverse(&c0, 2);
        let s: Vec<f64> = c0_inv
            .iter()
            .zip(&hessian)
            .map(|(a, h)| a + 2.0 * map.time * h)
            .collect();
        let closed = inverse(&s, 2);
        for (a, b) in map.covariance.iter().zip(&closed) {
            assert!((a - b).abs() < 1e-8, "{:?} vs {closed:?}", map.covariance);
        }
        // A A^{-1} = I and ln det A.
        let product = matmul(&map.matrix, &map.inverse, 2, 2, 2);
        for (i, p) in product.iter().enumerate() {
            let id = if i % 3 == 0 { 1.0 } else { 0.0 };
            assert!((p - id).abs() < 1e-8, "{product:?}");
        }
        let a = &map.matrix;
        assert!(((a[0] * a[3] - a[1] * a[2]).ln() - map.log_det).abs() < 1e-8);
        // preimage inverts apply.
        let u = map.apply(&[1.3, -0.2]);
        let back = map.preimage(&u);
        assert!((back[0] - 1.3).abs() < 1e-8 && (back[1] + 0.2).abs() < 1e-8);
    }
}

#[test]
fn each_particle_follows_the_affine_map_up_to_sampling_error() {
    // The particles use the empirical covariance, the map the exact one:
    // they differ by O(J^{-1/2}).
    let problem = d2_problem();
    let (m0, l) = ([0.5, -0.5], [1.0, 0.0, 0.4, 0.6]);
    let initial = MomentState {
        mean: m0.to_vec(),
        covariance: matmul(&l, &transpose(&l, 2, 2), 2, 2, 2),
    };
    let map = affine_maps(&problem, &initial, &[2.0]).remove(0);
    let mut deviations = Vec::new();
    for j in [2_000usize, 200_000] {
        let u0 = correlated_ensemble(SEED, j, &m0, &l);
        let mut p = InteractingParticles::new(&problem, &u0).unwrap();
        p.advance_to(2.0, 0.1).unwrap();
        let sq: f64 = u0
            .members()
            .zip(p.particles().chunks_exact(2))
            .map(|(a, b)| {
                map.apply(a)
                    .iter()
                    .zip(b)
                    .map(|(x, y)| (x - y) * (x - y))
                    .sum::<f64>()
            })
            .sum();
        deviations.push((sq / j as f64).sqrt());
    }
    eprintln!("particles vs affine map: rms deviation {deviations:?}");
    assert!(deviations[1] < 0.01, "{deviations:?}");
    assert!(deviations[1] < deviations[0] / 4.0, "{deviations:?}");
}

fn scalar_problem() -> InverseProblem {
    InverseProblem::linear(&[1.0], 1, &[2.0], &[1.0]).unwrap()
}

#[test]
fn the_grid_keeps_mass_to_rounding_and_stays_non_negative_through_regrids() {
    let problem = scalar_problem();
    let f0 = |u: f64| if (-1.0..=1.5).contains(&u) { 1.0 + u } else { 0.0 } / 2.8125 + 0.0 * u;
    let f0 = move |u: f64| f0(u).max(0.0);
    let mut grid = Grid1d::new(
        &problem,
        GridParams {
            cells: 300,
            ..GridParams::default()
        },
        -3.0,
        3.0,
        f0,
    )
    .unwrap();
    let mass = grid.mass();
    for t in [0.5, 2.0, 10.0, 50.0] {
        grid.advance_to(t).unwrap();
        assert!(
            (grid.mass() - mass).abs() < 1e-13 * mass,
            "t = {t}: {} vs {mass}",
            grid.mass()
        );
        assert!(grid.values().iter().all(|&f| f >= 0.0), "t = {t}");
    }
    eprintln!(
        "grid: {} steps, {} regrids, folded mass {:e}, domain {:?}",
        grid.steps(),
        grid.regrids(),
        grid.folded_mass(),
        grid.domain()
    );
    assert!(grid.regrids() >= 3, "{}", grid.regrids());
    // The domain follows the density: at most twice m ± 8 sd.
    let (lo, hi) = grid.domain();
    assert!(hi - lo <= 2.0 * 16.0 * grid.variance().sqrt(), "{lo} {hi}");
    assert!(hi - lo < 3.0);
}

#[test]
fn the_grid_converges_to_the_affine_solution_under_refinement() {
    // f0 = N(0, 1), G = 1, y = 2: exact f(t) = f0(A^{-1}(u - m)) / A.
    let problem = scalar_problem();
    let t = 1.5;
    let initial = MomentState {
        mean: vec![0.0],
        covariance: vec![1.0],
    };
    let map = affine_maps(&problem, &initial, &[t]).remove(0);
    let f0 = normal(0.0, 1.0);
    let exact = |u: f64| map.density(|x| f0(x[0]), &[u]);
    let cells = [50usize, 100, 200, 400];
    let mut errors = Vec::new();
    for &n in &cells {
        let mut grid = Grid1d::new(
            &problem,
            GridParams {
                cells: n,
                ..GridParams::default()
            },
            -8.0,
            8.0,
            f0,
        )
        .unwrap();
        grid.advance_to(t).unwrap();
        let h = grid.cell_width();
        let (x, w) = (0.6f64.sqrt(), [5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0]);
        let l1: f64 = (0..n)
            .map(|i| {
                let c = grid.centre(i);
                let avg: f64 = [-x, 0.0, x]
                    .iter()
                    .zip(w)
                    .map(|(s, w)| w * exact(c + 0.5 * h * s))
                    .sum();
                h * (grid.values()[i] - avg).abs()
            })
            .sum();
        errors.push(l1);
        // Moments against the ODEs (midpoint-rule moments: O(h^2)).
        assert!(
            (grid.mean() - map.mean[0]).abs() < 20.0 * h * h + 1e-3,
            "n = {n}"
        );
        assert!(
            (grid.variance() - map.covariance[0]).abs() < 20.0 * h * h + 1e-3,
            "n = {n}"
        );
    }
    let log_h: Vec<f64> = cells.iter().map(|&n| -(n as f64).ln()).collect();
    let log_e: Vec<f64> = errors.iter().map(|e| e.ln()).collect();
    let order = slope(&log_h, &log_e);
    eprintln!("grid: L1 errors {errors:?}, observed order {order:.2}");
    assert!(order > 1.4, "order {order}, errors {errors:?}");
    assert!(errors[3] < 5e-3, "{errors:?}");
}

#[test]
fn the_three_solvers_agree() {
    // Linear G: Monte Carlo (J = 1e5), affine map and grid at t = 1.
    let problem = scalar_problem();
    let initial = MomentState {
        mean: vec![0.5],
        covariance: vec![0.64],
    };
    let map = affine_maps(&problem, &initial, &[1.0]).remove(0);
    let u0 = gaussian_ensemble(SEED, 100_000, &[0.5], 0.8);
    let mut p = InteractingParticles::new(&problem, &u0).unwrap();
    p.advance_to(1.0, 0.1).unwrap();
    let mc = p.moments();
    let grid = grid_at_one(&problem);
    let (m, v) = (map.mean[0], map.covariance[0]);
    eprintln!(
        "t = 1: affine (m, V) = ({m:.6}, {v:.6}), grid ({:.6}, {:.6}), Monte Carlo ({:.6}, {:.6})",
        grid.mean(),
        grid.variance(),
        mc.mean[0],
        mc.covariance[0]
    );
    // Grid: h = 0.032, moments O(h^2).
    assert!((grid.mean() - m).abs() < 1e-3 && (grid.variance() - v).abs() < 1e-3);
    // Sampling error: standard deviations sqrt(V/J) and V sqrt(2/J).
    assert!((mc.mean[0] - m).abs() < 4.0 * (v / 1e5).sqrt());
    assert!((mc.covariance[0] - v).abs() < 4.0 * v * (2.0f64 / 1e5).sqrt());

    // Non-linear G(u) = u + u^3 / 4 (closure): grid and Monte Carlo only.
    let problem = InverseProblem::nonlinear(
        1,
        |u: &[f64]| vec![u[0] + 0.25 * u[0].powi(3)],
        &[1.0],
        &[1.0],
    )
    .unwrap();
    let mut p = InteractingParticles::new(&problem, &u0).unwrap();
    p.advance_to(1.0, 0.05).unwrap();
    let mc = p.moments();
    let grid = grid_at_one(&problem);
    eprintln!(
        "non-linear G: grid (m, V) = ({:.6}, {:.6}), Monte Carlo ({:.6}, {:.6})",
        grid.mean(),
        grid.variance(),
        mc.mean[0],
        mc.covariance[0]
    );
    let v = grid.variance();
    assert!((mc.mean[0] - grid.mean()).abs() < 4.0 * (v / 1e5).sqrt() + 1e-3);
    assert!((mc.covariance[0] - v).abs() < 4.0 * v * (2.0f64 / 1e5).sqrt() + 1e-3);
}

#[test]
fn bad_input_is_refused() {
    let problem = scalar_problem();
    let one = Ensemble::new(1, vec![0.0]).unwrap();
    assert_eq!(
        InteractingParticles::new(&problem, &one).unwrap_err(),
        Error::TooFewMembers { members: 1 }
    );
    let two = Ensemble::new(2, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
    assert!(matches!(
        InteractingParticles::new(&problem, &two),
        Err(Error::DimensionMismatch {
            dim: 2,
            expected: 1,
            ..
        })
    ));
    let u0 = Ensemble::new(1, vec![0.0, 1.0, 2.0]).unwrap();
    let mut p = InteractingParticles::new(&problem, &u0).unwrap();
    for h in [0.0, -1.0, f64::NAN] {
        assert!(matches!(p.step(h), Err(Error::InvalidParameter { .. })));
    }
    assert!(matches!(
        p.advance_to(f64::INFINITY, 0.1),
        Err(Error::InvalidParameter { .. })
    ));
    // A forward map that fails on one particle: the error names it.
    let bad = InverseProblem::nonlinear(
        1,
        |u: &[f64]| vec![if u[0] > 1.5 { f64::NAN } else { u[0] }],
        &[0.0],
        &[1.0],
    )
    .unwrap();
    let mut p = InteractingParticles::new(&bad, &u0).unwrap();
    let err = p.step(0.1).unwrap_err();
    assert!(matches!(err, Error::ForwardNonFinite { .. }), "{err}");
    assert!(err.to_string().contains("member 2"), "{err}");
    assert_eq!(p.particles(), u0.as_slice());

    let closure = InverseProblem::nonlinear(1, |u: &[f64]| u.to_vec(), &[0.0], &[1.0]).unwrap();
    assert!(matches!(
        AffineFlow::new(&closure),
        Err(Error::NotLinear { .. })
    ));

    let f0 = normal(0.0, 1.0);
    let d2 = d2_problem();
    assert!(matches!(
        Grid1d::new(&d2, GridParams::default(), -1.0, 1.0, f0),
        Err(Error::DimensionMismatch { .. })
    ));
    for params in [
        GridParams {
            cells: 3,
            ..GridParams::default()
        },
        GridParams {
            cfl: 0.3,
            ..GridParams::default()
        },
        GridParams {
            cfl: 0.0,
            ..GridParams::default()
        },
        GridParams {
            half_width: f64::NAN,
            ..GridParams::default()
        },
    ] {
        assert!(
            matches!(
                Grid1d::new(&problem, params, -1.0, 1.0, f0),
                Err(Error::InvalidParameter { .. })
            ),
            "{params:?}"
        );
    }
    assert!(matches!(
        Grid1d::new(&problem, GridParams::default(), 1.0, -1.0, f0),
        Err(Error::InvalidParameter { .. })
    ));
    let err = Grid1d::new(&problem, GridParams::default(), -1.0, 1.0, |u: f64| u).unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { value, .. } if value < 0.0),
        "{err}"
    );
    assert!(matches!(
        Grid1d::new(&problem, GridParams::default(), -1.0, 1.0, |_| 0.0),
        Err(Error::InvalidParameter { .. })
    ));
}

/// `N(0.5, 0.64)` on 400 cells of `[-6, 7]`, advanced to `t = 1`.
fn grid_at_one(problem: &InverseProblem) -> Grid1d<'_> {
    let mut grid = Grid1d::new(
        problem,
        GridParams {
            cells: 400,
            ..GridParams::default()
        },
        -6.0,
        7.0,
        normal(0.5, 0.64),
    )
    .unwrap();
    grid.advance_to(1.0).unwrap();
    grid
}
