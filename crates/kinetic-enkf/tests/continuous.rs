//! The continuous-time limit of the EnKF, paper 1 (Herty & Visconti),
//! eq. (5)–(8) and Lemma 2.1.
//!
//! Truths: the closed-form scalar solution (the spread `V` solves
//! `V' = -2 (G^2/sigma^2) V^2` and every deviation shrinks by `sqrt(V/V0)`);
//! the gradient-flow form eq. (8) evaluated independently; `Phi`
//! non-increasing; the invariant subspace; the collapse of Lemma 2.1 against
//! `tr R(t) = J tr(H C(t))`, `C(t) = (C0^{-1} + 2 H t)^{-1}`,
//! `H = G^T Gamma G`, with its log-log slope measured; the convergence of
//! the iteration eq. (3) to the flow as `dt -> 0` (observed order); the
//! pathwise agreement of Euler–Maruyama with eq. (3) on the same Brownian
//! path; identical bits for 1 and 2 threads.

mod common;

use common::{gaussian_ensemble, inverse, matmul, max_diff, slope, tight, transpose};
use kinetic_enkf::continuous::{EulerMaruyama, drift, flow, gradient_drift, gradient_flow, spread};
use kinetic_enkf::ode::Tolerances;
use kinetic_enkf::{EnkfIteration, Ensemble, Error, InverseProblem, Sigma};

const SEED: u64 = 0xc0_47_1e;
const NOISE_SEED: u64 = 2024;

const G: [f64; 12] = [
    1.0, 0.5, -0.3, 0.0, 0.2, -1.0, 0.7, 0.4, 0.0, 0.3, 0.1, -0.8,
];
const Y: [f64; 3] = [0.8, -0.4, 1.1];
const NOISE: [f64; 9] = [0.5, 0.1, 0.0, 0.1, 0.4, 0.05, 0.0, 0.05, 0.3];

fn linear() -> InverseProblem {
    InverseProblem::linear(&G, 4, &Y, &NOISE).unwrap()
}

fn nonlinear() -> InverseProblem {
    let map = |u: &[f64]| {
        vec![
            u[0].sin() + u[1] * u[2],
            (0.5 * u[3]).exp() - u[0],
            u[1] * u[1] + 0.3 * u[2],
        ]
    };
    InverseProblem::nonlinear(4, map, &Y, &NOISE).unwrap()
}

#[test]
fn scalar_flow_matches_the_closed_form() {
    // G = 2, y = 1, Gamma^{-1} = sigma^2 = 0.5: H = G^2 / sigma^2 = 8.
    let problem = InverseProblem::linear(&[2.0], 1, &[1.0], &[0.5]).unwrap();
    let u0 = Ensemble::new(1, vec![-0.3, 0.1, 0.4, 1.2]).unwrap();
    let (m0, v0) = (u0.mean()[0], u0.covariance()[0]);
    let h = 8.0;
    let times = [0.01, 0.1, 1.0, 10.0];
    let f = flow(&problem, &u0, &times, &tight()).unwrap();
    for (t, u) in times.iter().zip(&f.ensembles) {
        let s = 1.0 + 2.0 * h * v0 * t;
        let w = (1.0 - 2.0 * m0) / s.sqrt();
        let m = (1.0 - w) / 2.0;
        for (x, x0) in u.members().zip(u0.members()) {
            let exact = m + (x0[0] - m0) / s.sqrt();
            assert!((x[0] - exact).abs() < 1e-9, "t {t}: {} vs {exact}", x[0]);
        }
    }
}

#[test]
fn eq5_and_the_gradient_flow_eq8_agree_for_linear_g() {
    let problem = linear();
    let u0 = gaussian_ensemble(SEED, 6, &[0.3, -0.2, 0.5, 0.1], 0.8);
    let (a, b) = (
        drift(&problem, &u0).unwrap(),
        gradient_drift(&problem, &u0).unwrap(),
    );
    let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    assert!(max_diff(&a, &b) < 1e-13 * scale, "{:e}", max_diff(&a, &b));

    let times = [0.5, 2.0, 8.0];
    let f = flow(&problem, &u0, &times, &tight()).unwrap();
    let g = gradient_flow(&problem, &u0, &times, &tight()).unwrap();
    for (x, y) in f.ensembles.iter().zip(&g.ensembles) {
        assert!(max_diff(x.as_slice(), y.as_slice()) < 1e-8);
    }
    assert!(matches!(
        gradient_flow(&nonlinear(), &u0, &times, &tight()),
        Err(Error::NotLinear { .. })
    ));
}

#[test]
fn misfit_never_increases_along_the_flow() {
    let problem = linear();
    let u0 = gaussian_ensemble(SEED, 8, &[1.0, -1.0, 0.5, 2.0], 1.0);
    let times: Vec<f64> = (1..=60).map(|i| 0.05 * 1.15f64.powi(i)).collect();
    let f = flow(&problem, &u0, &times, &tight()).unwrap();
    let phis = |u: &Ensemble| -> Vec<f64> {
        let mut v: Vec<f64> = u.members().map(|x| problem.misfit(x).unwrap()).collect();
        v.push(problem.misfit(&u.mean()).unwrap());
        v
    };
    let mut previous = phis(&u0);
    let first = previous.clone();
    for (t, u) in times.iter().zip(&f.ensembles) {
        let now = phis(u);
        for (i, (a, b)) in previous.iter().zip(&now).enumerate() {
            assert!(
                b <= &(a * (1.0 + 1e-9) + 1e-14),
                "t {t}, member {i}: {a} -> {b}"
            );
        }
        previous = now;
    }
    // K = 3 < d = 4 with J = 8: every member fits the data in the limit.
    assert!(
        previous.iter().zip(&first).all(|(a, b)| *a < 1e-2 * b),
        "{previous:?}"
    );
}

#[test]
fn the_flow_keeps_members_in_the_span_of_the_initial_deviations() {
    let u0 = gaussian_ensemble(SEED, 3, &[0.5, -0.5, 0.2, 0.1], 1.0);
    let f = flow(&nonlinear(), &u0, &[5.0], &tight()).unwrap();
    let u = &f.ensembles[0];
    // The deviations of 3 members span a plane: project onto its normal space.
    let m0 = u0.mean();
    let d: Vec<Vec<f64>> = u0
        .members()
        .map(|x| x.iter().zip(&m0).map(|(a, b)| a - b).collect())
        .collect();
    let e1: Vec<f64> = {
        let n = d[0].iter().map(|x| x * x).sum::<f64>().sqrt();
        d[0].iter().map(|x| x / n).collect()
    };
    let e2: Vec<f64> = {
        let p: f64 = d[1].iter().zip(&e1).map(|(a, b)| a * b).sum();
        let v: Vec<f64> = d[1].iter().zip(&e1).map(|(a, b)| a - p * b).collect();
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter().map(|x| x / n).collect()
    };
    for x in u.members() {
        let mut v: Vec<f64> = x.iter().zip(&m0).map(|(a, b)| a - b).collect();
        for e in [&e1, &e2] {
            let p: f64 = v.iter().zip(e).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(e).for_each(|(a, b)| *a -= p * b);
        }
        let off = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(off < 1e-12, "{off:e}");
    }
    assert!(max_diff(u.as_slice(), u0.as_slice()) > 0.1);
}

/// `tr(H C(t))` for `C(t) = (C0^{-1} + 2 H t)^{-1}`, the exact covariance
/// of the linear flow (`dC/dt = -2 C H C`).
fn exact_trace(h: &[f64], c0: &[f64], d: usize, t: f64) -> f64 {
    let mut a = inverse(c0, d);
    for (x, hh) in a.iter_mut().zip(h) {
        *x += 2.0 * t * hh;
    }
    let hc = matmul(h, &inverse(&a, d), d, d, d);
    (0..d).map(|i| hc[i * d + i]).sum()
}

#[test]
fn spread_collapses_like_j_over_t_lemma_2_1() {
    // d = 3, K = 2 (rank-2 H): t tr R(t) / J -> rank(H) / 2 = 1.
    let gm = [1.0, 0.5, -0.2, 0.3, -1.0, 0.4];
    let noise = [0.3, 0.1, 0.1, 0.2];
    let problem = InverseProblem::linear(&gm, 3, &[0.5, -0.7], &noise).unwrap();
    let gamma = inverse(&noise, 2);
    let h = matmul(
        &transpose(&gm, 2, 3),
        &matmul(&gamma, &gm, 2, 2, 3),
        3,
        2,
        3,
    );
    let times: Vec<f64> = (0..=6).map(|i| 10.0 * 10f64.powf(0.5 * i as f64)).collect();
    let tol = Tolerances {
        rtol: 1e-10,
        atol: 1e-14,
        ..Tolerances::default()
    };
    for members in [5, 20] {
        let u0 = gaussian_ensemble(SEED, members, &[0.0, 1.0, -1.0], 1.0);
        let c0 = u0.covariance();
        let f = flow(&problem, &u0, &times, &tol).unwrap();
        let traces: Vec<f64> = f
            .ensembles
            .iter()
            .map(|u| {
                let r = spread(&problem, u).unwrap();
                (0..members).map(|i| r[i * members + i]).sum()
            })
            .collect();
        for (t, tr) in times.iter().zip(&traces) {
            let exact = members as f64 * exact_trace(&h, &c0, 3, *t);
            assert!(
                (tr - exact).abs() < 1e-6 * exact,
                "J {members}, t {t}: {tr} vs {exact}"
            );
        }
        let log_t: Vec<f64> = times.iter().map(|t| t.ln()).collect();
        let log_r: Vec<f64> = traces.iter().map(|r| r.ln()).collect();
        let rate = slope(&log_t, &log_r);
        assert!((rate + 1.0).abs() < 0.02, "J {members}: slope {rate}");
        let constant = times.last().unwrap() * traces.last().unwrap() / members as f64;
        assert!(
            (constant - 1.0).abs() < 0.01,
            "J {members}: t tr R / J = {constant}"
        );
    }
}

#[test]
fn the_iteration_converges_to_the_flow_with_order_one() {
    let problem = nonlinear();
    let u0 = gaussian_ensemble(SEED, 6, &[0.2, -0.1, 0.4, 0.0], 0.6);
    let reference = flow(&problem, &u0, &[1.0], &tight())
        .unwrap()
        .ensembles
        .remove(0);
    let errors: Vec<f64> = [10, 20, 40, 80, 160]
        .iter()
        .map(|&n| {
            let it = EnkfIteration::new(1.0 / n as f64, Sigma::Zero, 0).unwrap();
            let u = it.run(&problem, u0.clone(), n).unwrap();
            max_diff(u.as_slice(), reference.as_slice())
        })
        .collect();
    let orders: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    for p in &orders[1..] {
        assert!(
            (p - 1.0).abs() < 0.1,
            "orders {orders:?}, errors {errors:?}"
        );
    }
}

#[test]
fn euler_maruyama_and_the_perturbed_iteration_share_the_brownian_path() {
    // Same z per step: eq. (3) with dt = h and Euler–Maruyama differ by
    // O(h) pathwise.
    let problem = linear();
    let u0 = gaussian_ensemble(SEED, 6, &[0.2, -0.1, 0.4, 0.0], 0.6);
    let errors: Vec<f64> = [20, 40, 80, 160, 320]
        .iter()
        .map(|&n| {
            let h = 1.0 / n as f64;
            let em = EulerMaruyama::new(h, NOISE_SEED).unwrap();
            let it = EnkfIteration::new(h, Sigma::NoiseCovariance, NOISE_SEED).unwrap();
            let a = em.run(&problem, u0.clone(), n).unwrap();
            let b = it.run(&problem, u0.clone(), n).unwrap();
            max_diff(a.as_slice(), b.as_slice())
        })
        .collect();
    let orders: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    let mean_order = orders.iter().sum::<f64>() / orders.len() as f64;
    assert!(
        (mean_order - 1.0).abs() < 0.25,
        "orders {orders:?}, errors {errors:?}"
    );
}

#[test]
fn euler_maruyama_is_bitwise_identical_on_one_and_two_threads() {
    let problem = nonlinear();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let em = EulerMaruyama::new(0.01, NOISE_SEED).unwrap();
            em.run(&problem, gaussian_ensemble(SEED, 64, &[0.0; 4], 0.5), 50)
                .unwrap()
        })
    };
    let bits = |e: &Ensemble| e.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&run(1)), bits(&run(2)));
}

#[test]
fn bad_input_is_refused() {
    let problem = linear();
    for h in [0.0, -0.1, f64::NAN] {
        assert!(matches!(
            EulerMaruyama::new(h, 0),
            Err(Error::InvalidParameter { .. })
        ));
    }
    let one = Ensemble::new(4, vec![0.0; 4]).unwrap();
    assert_eq!(
        flow(&problem, &one, &[1.0], &Tolerances::default()).unwrap_err(),
        Error::TooFewMembers { members: 1 }
    );
    assert_eq!(
        spread(&problem, &one).unwrap_err(),
        Error::TooFewMembers { members: 1 }
    );
}
