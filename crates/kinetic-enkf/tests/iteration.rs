//! The EnKF iteration of paper 1 (Herty & Visconti), eq. (3)–(4), for
//! `Sigma = 0` and `Sigma = Gamma^{-1}`.
//!
//! Truths: a naive implementation written here from the textbook formula
//! (explicit `C`, `D` by nested loops, the dense Kalman gain
//! `C (D + Gamma^{-1}/dt)^{-1}` by Gauss–Jordan inversion, perturbations
//! `dt^{-1/2} L z` with a naive Cholesky factor and the documented streams);
//! the invariant-subspace property (the update lies in the span of the
//! initial deviations); the monotone decrease of `Phi` at the ensemble mean
//! for linear `G` (the mean update is a proximal step of `Phi` in the metric
//! of `Cov(U)^{-1}/dt`); identical bits for 1 and 2 threads.

mod common;

use common::{cholesky, cross_cov, gaussian_ensemble, inverse, matmul, max_diff, rows};
use kinetic_enkf::rng::{Stream, member_stream};
use kinetic_enkf::{EnkfIteration, Ensemble, Error, InverseProblem, Sigma};
use rand_distr::{Distribution, StandardNormal};

const SEED: u64 = 0x1e4a_7e0f;
const PERTURBATION_SEED: u64 = 77;

/// `G` (K = 3, d = 4) as a matrix.
const G: [f64; 12] = [
    1.0, 0.5, -0.3, 0.0, 0.2, -1.0, 0.7, 0.4, 0.0, 0.3, 0.1, -0.8,
];
const Y: [f64; 3] = [0.8, -0.4, 1.1];
const NOISE: [f64; 9] = [0.5, 0.1, 0.0, 0.1, 0.4, 0.05, 0.0, 0.05, 0.3];

fn nonlinear_map(u: &[f64]) -> Vec<f64> {
    vec![
        u[0].sin() + u[1] * u[2],
        (0.5 * u[3]).exp() - u[0],
        u[1] * u[1] + 0.3 * u[2],
    ]
}

/// A forward map as a plain function, for the naive reference.
type Map = fn(&[f64]) -> Vec<f64>;

fn problems() -> [(InverseProblem, Map); 2] {
    fn linear(u: &[f64]) -> Vec<f64> {
        matmul(&G, u, 3, 4, 1)
    }
    [
        (InverseProblem::linear(&G, 4, &Y, &NOISE).unwrap(), linear),
        (
            InverseProblem::nonlinear(4, nonlinear_map, &Y, &NOISE).unwrap(),
            nonlinear_map,
        ),
    ]
}

/// One step of eq. (3) from the textbook formula.
fn naive_step(g: Map, members: &[Vec<f64>], dt: f64, perturbed: Option<usize>) -> Vec<Vec<f64>> {
    let (d, k) = (members[0].len(), Y.len());
    let gu: Vec<Vec<f64>> = members.iter().map(|u| g(u)).collect();
    let c = cross_cov(members, &gu);
    let mut a = cross_cov(&gu, &gu);
    for (x, s) in a.iter_mut().zip(NOISE) {
        *x += s / dt;
    }
    let gain = matmul(&c, &inverse(&a, k), d, k, k);
    let l = cholesky(&NOISE, k);
    members
        .iter()
        .zip(&gu)
        .enumerate()
        .map(|(j, (u, gj))| {
            let mut target: Vec<f64> = Y.iter().zip(gj).map(|(y, g)| y - g).collect();
            if let Some(n) = perturbed {
                let mut rng = member_stream(PERTURBATION_SEED, j, Stream::Perturbation(n));
                let z: Vec<f64> = (0..k).map(|_| StandardNormal.sample(&mut rng)).collect();
                let xi = matmul(&l, &z, k, k, 1);
                for (t, x) in target.iter_mut().zip(xi) {
                    *t += x / dt.sqrt();
                }
            }
            let du = matmul(&gain, &target, d, k, 1);
            u.iter().zip(du).map(|(a, b)| a + b).collect()
        })
        .collect()
}

#[test]
fn agrees_with_the_dense_kalman_gain_formula() {
    for (problem, g) in problems() {
        for sigma in [Sigma::Zero, Sigma::NoiseCovariance] {
            for dt in [0.05, 1.0, 20.0] {
                let it = EnkfIteration::new(dt, sigma, PERTURBATION_SEED).unwrap();
                let mut u = gaussian_ensemble(SEED, 7, &[0.2, -0.1, 0.4, 0.0], 0.6);
                for n in 0..4 {
                    let next = it.step(&problem, &u, n).unwrap();
                    let perturbed = (sigma == Sigma::NoiseCovariance).then_some(n);
                    let naive = naive_step(g, &rows(&u), dt, perturbed).concat();
                    let err = max_diff(next.as_slice(), &naive);
                    assert!(err < 1e-12, "{sigma:?}, dt {dt}, n {n}: {err:e}");
                    u = next;
                }
            }
        }
    }
}

/// The component of each `u^j - u-bar(0)` orthogonal to the span of the
/// initial deviations, largest over members.
fn distance_from_initial_span(initial: &Ensemble, u: &Ensemble) -> f64 {
    let m0 = initial.mean();
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for x in initial.members() {
        let mut v: Vec<f64> = x.iter().zip(&m0).map(|(a, b)| a - b).collect();
        for b in &basis {
            let p: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
            v.iter_mut().zip(b).for_each(|(x, y)| *x -= p * y);
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-8 {
            basis.push(v.iter().map(|x| x / norm).collect());
        }
    }
    u.members()
        .map(|x| {
            let mut v: Vec<f64> = x.iter().zip(&m0).map(|(a, b)| a - b).collect();
            for b in &basis {
                let p: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
                v.iter_mut().zip(b).for_each(|(x, y)| *x -= p * y);
            }
            v.iter().map(|x| x * x).sum::<f64>().sqrt()
        })
        .fold(0.0, f64::max)
}

#[test]
fn members_stay_in_the_span_of_the_initial_deviations() {
    // J = 3 members in R^4: the deviations span a plane, which G (linear or
    // not) cannot leave, because every increment is C(U) times a vector.
    for (problem, _) in problems() {
        for sigma in [Sigma::Zero, Sigma::NoiseCovariance] {
            let u0 = gaussian_ensemble(SEED, 3, &[0.5, -0.5, 0.2, 0.1], 1.0);
            let it = EnkfIteration::new(0.2, sigma, PERTURBATION_SEED).unwrap();
            let u = it.run(&problem, u0.clone(), 50).unwrap();
            let moved = max_diff(u.as_slice(), u0.as_slice());
            let off = distance_from_initial_span(&u0, &u);
            assert!(moved > 0.1, "{sigma:?}: the ensemble moved only {moved}");
            assert!(off < 1e-13, "{sigma:?}: {off:e} off the span");
        }
    }
}

#[test]
fn misfit_of_the_mean_never_increases_for_linear_g() {
    let (problem, _) = problems().into_iter().next().unwrap();
    for dt in [0.01, 1.0, 100.0] {
        let it = EnkfIteration::new(dt, Sigma::Zero, 0).unwrap();
        let mut u = gaussian_ensemble(SEED, 10, &[1.0, 2.0, -1.0, 0.5], 1.0);
        let mut phi = problem.misfit(&u.mean()).unwrap();
        let phi0 = phi;
        for n in 0..300 {
            u = it.step(&problem, &u, n).unwrap();
            let next = problem.misfit(&u.mean()).unwrap();
            assert!(
                next <= phi * (1.0 + 1e-12),
                "dt {dt}, n {n}: {phi} -> {next}"
            );
            phi = next;
        }
        assert!(phi < 0.5 * phi0, "dt {dt}: Phi {phi0} -> {phi}");
    }
}

#[test]
fn results_are_bitwise_identical_on_one_and_two_threads() {
    let (problem, _) = problems().into_iter().nth(1).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let it = EnkfIteration::new(0.1, Sigma::NoiseCovariance, PERTURBATION_SEED).unwrap();
            let u0 = gaussian_ensemble(SEED, 64, &[0.0, 0.3, -0.2, 0.1], 0.5);
            it.run(&problem, u0, 20).unwrap()
        })
    };
    let (a, b) = (run(1), run(2));
    let bits = |e: &Ensemble| e.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&b));
}

#[test]
fn without_perturbations_the_seed_is_irrelevant_and_with_them_it_matters() {
    let (problem, _) = problems().into_iter().next().unwrap();
    let u0 = gaussian_ensemble(SEED, 5, &[0.0; 4], 1.0);
    let step = |sigma, seed| {
        EnkfIteration::new(0.5, sigma, seed)
            .unwrap()
            .step(&problem, &u0, 0)
            .unwrap()
    };
    assert_eq!(step(Sigma::Zero, 1), step(Sigma::Zero, 2));
    assert_ne!(
        step(Sigma::NoiseCovariance, 1),
        step(Sigma::NoiseCovariance, 2)
    );
}

#[test]
fn bad_steps_and_ensembles_are_refused() {
    for dt in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        match EnkfIteration::new(dt, Sigma::Zero, 0) {
            Err(Error::InvalidParameter { value, .. }) => {
                assert!(value.to_bits() == dt.to_bits());
            }
            other => panic!("dt = {dt}: expected InvalidParameter, got {other:?}"),
        }
    }
    let (problem, _) = problems().into_iter().next().unwrap();
    let it = EnkfIteration::new(1.0, Sigma::Zero, 0).unwrap();
    let one = Ensemble::new(4, vec![0.0; 4]).unwrap();
    assert_eq!(
        it.step(&problem, &one, 0),
        Err(Error::TooFewMembers { members: 1 })
    );
    let wrong = Ensemble::new(2, vec![0.0; 6]).unwrap();
    assert!(matches!(
        it.step(&problem, &wrong, 0),
        Err(Error::DimensionMismatch {
            dim: 2,
            expected: 4,
            ..
        })
    ));
}
