//! The moment ODEs eq. (14)–(15) of paper 1 (Herty & Visconti) for a linear
//! forward map in any dimension.
//!
//! Truths: the scalar system eq. (16) (`kinetic_enkf::scalar_moments`, its
//! right-hand side and closed form, including the blow-up from the
//! inadmissible region of Remark 3.2); the closed-form covariance
//! `C(t) = (C0^{-1} + 2 H t)^{-1}` and the identity
//! `dE/dt = dC/dt + dm ⊗ m + m ⊗ dm` in `d = 3`; the exact closure for the
//! empirical measure eq. (11) (an ensemble under eq. (8) has exactly these
//! moments); and interacting particles with `J = 500 … 32000` drawn from
//! `f0`, whose moments approach the ODE solution like `J^{-1/2}` (measured).

mod common;

use common::{
    correlated_ensemble, gaussian_ensemble, inverse, matmul, max_diff, slope, tight, transpose,
};
use kinetic_enkf::continuous::flow;
use kinetic_enkf::moments::{LinearMoments, MomentState};
use kinetic_enkf::ode::Tolerances;
use kinetic_enkf::{Error, InverseProblem, ScalarMoments};

const SEED: u64 = 0x3e_0e_47;

const G: [f64; 6] = [1.0, 0.5, -0.2, 0.3, -1.0, 0.4];
const Y: [f64; 2] = [0.5, -0.7];
const NOISE: [f64; 4] = [0.3, 0.1, 0.1, 0.2];

#[test]
fn for_d_1_the_rates_are_the_scalar_system_eq16() {
    for (y, g) in [(2.0, 1.0), (-0.5, 3.0), (1.0, -0.7)] {
        let problem = InverseProblem::linear(&[g], 1, &[y], &[1.0]).unwrap();
        let moments = LinearMoments::new(&problem).unwrap();
        let scalar = ScalarMoments::new(y, g).unwrap();
        for (m, e) in [(0.0, 1.0), (1.5, 4.0), (-0.3, 0.05), (2.0, 3.0)] {
            let (dm, de) = moments.rates(&[m], &[e]).unwrap();
            let [sm, se] = scalar.rhs(m, e);
            assert!(
                (dm[0] - sm).abs() < 1e-13 * (1.0 + sm.abs()),
                "{dm:?} vs {sm}"
            );
            assert!(
                (de[0] - se).abs() < 1e-13 * (1.0 + se.abs()),
                "{de:?} vs {se}"
            );
        }
    }
}

#[test]
fn for_d_1_the_solution_is_the_closed_form_and_blows_up_where_it_does() {
    let (y, g) = (2.0, 1.0);
    let problem = InverseProblem::linear(&[g], 1, &[y], &[1.0]).unwrap();
    let moments = LinearMoments::new(&problem).unwrap();
    let scalar = ScalarMoments::new(y, g).unwrap();
    let times = [0.1, 1.0, 10.0, 100.0];
    for (m0, e0) in [(0.0, 1.0), (3.0, 9.5), (-1.0, 1.2)] {
        let start = MomentState::from_second_moment(vec![m0], &[e0]).unwrap();
        let f = moments.solve(&start, &times, &tight()).unwrap();
        for (t, s) in times.iter().zip(&f.states) {
            let [m, e] = scalar.exact(m0, e0, *t).unwrap();
            assert!(
                (s.mean[0] - m).abs() < 1e-9,
                "t {t}: m {} vs {m}",
                s.mean[0]
            );
            assert!((s.second_moment()[0] - e).abs() < 1e-9 * e.abs().max(1.0));
        }
    }
    // E0 < m0^2: the variance is negative and blows up at t* = 1/(2 G^2 |V0|).
    let (m0, e0) = (1.0, 0.5);
    let t_star = scalar.blow_up_time(m0, e0).unwrap();
    let start = MomentState::from_second_moment(vec![m0], &[e0]).unwrap();
    match moments.solve(&start, &[2.0 * t_star], &Tolerances::default()) {
        Err(Error::StepSizeTooSmall { time, .. } | Error::MaxStepsExceeded { time, .. }) => {
            assert!((time - t_star).abs() < 1e-3 * t_star, "{time} vs {t_star}");
        }
        other => panic!("expected a blow-up at {t_star}, got {other:?}"),
    }
}

#[test]
fn in_d_3_the_covariance_is_the_closed_form_and_eq15_is_consistent() {
    let problem = InverseProblem::linear(&G, 3, &Y, &NOISE).unwrap();
    let moments = LinearMoments::new(&problem).unwrap();
    let gamma = inverse(&NOISE, 2);
    let h = matmul(&transpose(&G, 2, 3), &matmul(&gamma, &G, 2, 2, 3), 3, 2, 3);
    assert!(max_diff(moments.hessian(), &h) < 1e-13);

    let c0 = vec![1.0, 0.3, -0.2, 0.3, 0.8, 0.1, -0.2, 0.1, 0.5];
    let start = MomentState {
        mean: vec![0.4, -1.0, 2.0],
        covariance: c0.clone(),
    };
    let times = [0.5, 5.0, 50.0];
    let f = moments.solve(&start, &times, &tight()).unwrap();
    for (t, s) in times.iter().zip(&f.states) {
        let mut a = inverse(&c0, 3);
        for (x, hh) in a.iter_mut().zip(&h) {
            *x += 2.0 * t * hh;
        }
        let exact = inverse(&a, 3);
        assert!(max_diff(&s.covariance, &exact) < 1e-9, "t {t}");
    }

    // eq. (15) against dC/dt = -2 C H C and eq. (14) at the start.
    let e0 = start.second_moment();
    let (dm, de) = moments.rates(&start.mean, &e0).unwrap();
    let chc = matmul(&matmul(&c0, &h, 3, 3, 3), &c0, 3, 3, 3);
    let m = &start.mean;
    for r in 0..3 {
        for c in 0..3 {
            let expected = -2.0 * chc[r * 3 + c] + dm[r] * m[c] + m[r] * dm[c];
            assert!((de[r * 3 + c] - expected).abs() < 1e-12, "({r}, {c})");
        }
    }
}

#[test]
fn an_ensemble_has_exactly_the_moments_of_the_ode_for_any_j() {
    // The empirical measure closes the moment hierarchy: no O(J^{-1/2}) here.
    let problem = InverseProblem::linear(&G, 3, &Y, &NOISE).unwrap();
    let moments = LinearMoments::new(&problem).unwrap();
    let u0 = gaussian_ensemble(SEED, 7, &[0.0, 1.0, -1.0], 1.0);
    let times = [0.3, 3.0, 30.0];
    let particles = flow(&problem, &u0, &times, &tight()).unwrap();
    let ode = moments
        .solve(&MomentState::from_ensemble(&u0), &times, &tight())
        .unwrap();
    for ((t, u), s) in times.iter().zip(&particles.ensembles).zip(&ode.states) {
        let p = MomentState::from_ensemble(u);
        assert!(max_diff(&p.mean, &s.mean) < 1e-8, "t {t}");
        assert!(max_diff(&p.covariance, &s.covariance) < 1e-8, "t {t}");
    }
}

#[test]
fn interacting_particles_converge_to_the_moments_like_j_to_the_minus_half() {
    // d = 2, K = 2: f0 = N(m0, L L^T); compare at t = 2 with the ODE from the
    // exact moments of f0. RMS over 16 independent ensembles per J (fewer
    // make the fitted rate too noisy to test: its spread is about 0.06 here).
    let g = [1.0, 0.4, -0.3, 1.2];
    let problem = InverseProblem::linear(&g, 2, &[1.0, -0.5], &[0.5, 0.1, 0.1, 0.4]).unwrap();
    let moments = LinearMoments::new(&problem).unwrap();
    let (m0, l) = ([0.5, -0.5], [1.0, 0.0, 0.4, 0.6]);
    let c0 = matmul(&l, &transpose(&l, 2, 2), 2, 2, 2);
    // The sampling error is at least 1e-3: rtol = 1e-7 is ample.
    let tol = Tolerances {
        rtol: 1e-7,
        atol: 1e-9,
        ..Tolerances::default()
    };
    let exact = moments
        .solve(
            &MomentState {
                mean: m0.to_vec(),
                covariance: c0,
            },
            &[2.0],
            &tol,
        )
        .unwrap()
        .states
        .remove(0);
    let sizes = [500usize, 2000, 8000, 32000];
    let repeats = 16u64;
    let rms: Vec<f64> = sizes
        .iter()
        .map(|&j| {
            let sum: f64 = (0..repeats)
                .map(|r| {
                    let u0 = correlated_ensemble(SEED + r, j, &m0, &l);
                    let u = flow(&problem, &u0, &[2.0], &tol)
                        .unwrap()
                        .ensembles
                        .remove(0);
                    let p = MomentState::from_ensemble(&u);
                    let e: f64 = p
                        .mean
                        .iter()
                        .zip(&exact.mean)
                        .chain(p.covariance.iter().zip(&exact.covariance))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum();
                    e
                })
                .sum();
            (sum / repeats as f64).sqrt()
        })
        .collect();
    let log_j: Vec<f64> = sizes.iter().map(|&j| (j as f64).ln()).collect();
    let log_e: Vec<f64> = rms.iter().map(|e| e.ln()).collect();
    let rate = slope(&log_j, &log_e);
    assert!((rate + 0.5).abs() < 0.15, "rate {rate}, rms errors {rms:?}");
    assert!(rms[3] < 0.005, "{rms:?}");
}

#[test]
fn bad_input_is_refused() {
    let closure = InverseProblem::nonlinear(1, |u| u.to_vec(), &[1.0], &[1.0]).unwrap();
    assert!(matches!(
        LinearMoments::new(&closure),
        Err(Error::NotLinear { .. })
    ));
    let problem = InverseProblem::linear(&G, 3, &Y, &NOISE).unwrap();
    let moments = LinearMoments::new(&problem).unwrap();
    let tol = Tolerances::default();
    let state = |mean: Vec<f64>, covariance: Vec<f64>| MomentState { mean, covariance };
    assert!(matches!(
        moments.solve(&state(vec![0.0; 2], vec![0.0; 4]), &[1.0], &tol),
        Err(Error::DimensionMismatch {
            what: "mean",
            dim: 2,
            expected: 3
        })
    ));
    assert!(matches!(
        moments.solve(&state(vec![0.0; 3], vec![0.0; 4]), &[1.0], &tol),
        Err(Error::MatrixLength {
            what: "covariance",
            len: 4,
            ..
        })
    ));
    let mut asymmetric = vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    asymmetric[3] = 0.5;
    assert!(matches!(
        moments.solve(&state(vec![0.0; 3], asymmetric), &[1.0], &tol),
        Err(Error::NotSymmetric { row: 1, col: 0, .. })
    ));
    assert!(matches!(
        MomentState::from_second_moment(vec![0.0; 3], &[1.0]),
        Err(Error::MatrixLength {
            what: "second moment",
            ..
        })
    ));
}
