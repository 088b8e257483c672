//! The stabilised model of paper 1 (Herty & Visconti), Section 4,
//! eq. (18)–(22), and the derivations of `kinetic-paper-rest.md`.
//!
//! Truths: the scalar equilibrium `(y/G, y^2/G^2 + V*)`, `V* = sqrt(q/2)/|G|`,
//! with eigenvalues `-G^2 V*`, `-4 G^2 V*` (stable node); the closed-form
//! Riccati solution; the Schur-complement growth rate along `ker G`.
//! Measured: the Boltzmann (Nanbu) scheme approaches the Fokker–Planck
//! solution like `eps`.

// The measured rate is reported (`--nocapture` shows it).
#![allow(clippy::print_stderr)]

mod common;

use common::{gaussian_ensemble, slope, tight};
use kinetic_enkf::moments::MomentState;
use kinetic_enkf::scalar_moments::{Classification, classify, eigenvalues_2x2};
use kinetic_enkf::stabilised::{
    Noise, NoisyMoments, NoisyScalarMoments, StabilisedParticles, kernel_growth,
};
use kinetic_enkf::{Error, InverseProblem};

const SEED: u64 = 0x0005_ab1e;

fn scalar_noise(k: f64, lambda: f64) -> Noise {
    Noise::Constant {
        k: vec![k],
        lambda: vec![lambda],
    }
}

#[test]
fn the_noisy_scalar_equilibrium_is_a_stable_node_with_the_derived_eigenvalues() {
    for (y, g, q) in [(2.0, 1.0, 0.5), (-1.0, 0.5, 2.0), (0.3, -2.0, 0.01)] {
        let s = NoisyScalarMoments::new(y, g, q).unwrap();
        let [m, e] = s.equilibrium();
        let [a, b] = s.rhs(m, e);
        assert!(a.abs() < 1e-12 && b.abs() < 1e-12, "{a} {b}");
        let expected = s.equilibrium_eigenvalues();
        let got = eigenvalues_2x2(s.jacobian(m, e));
        let mut re = [got[0].0, got[1].0];
        re.sort_by(f64::total_cmp);
        let mut ex = expected;
        ex.sort_by(f64::total_cmp);
        for (r, x) in re.iter().zip(ex) {
            assert!((r - x).abs() < 1e-10 * x.abs(), "{re:?} vs {ex:?}");
        }
        assert_eq!(got[0].1, 0.0);
        assert_eq!(
            classify(s.jacobian(m, e), 1e-12),
            Classification::StableNode
        );
        // The Jacobian against central differences of the noisy field.
        for (pm, pe) in [(m, e), (m + 0.3, e + 1.0), (-0.5, 2.0)] {
            let jac = s.jacobian(pm, pe);
            let dh = 1e-6;
            for (col, (dm, de)) in [(dh, 0.0), (0.0, dh)].into_iter().enumerate() {
                let [f1, f2] = s.rhs(pm + dm, pe + de);
                let [b1, b2] = s.rhs(pm - dm, pe - de);
                for (row, fd) in [(f1 - b1) / (2.0 * dh), (f2 - b2) / (2.0 * dh)]
                    .into_iter()
                    .enumerate()
                {
                    assert!(
                        (jac[row][col] - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                        "{jac:?} {fd}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_moment_equations_match_the_closed_form() {
    let (y, g, k, lambda) = (2.0, 1.5, 0.8, 1.25);
    let problem = InverseProblem::linear(&[g], 1, &[y], &[1.0]).unwrap();
    let moments = NoisyMoments::new(&problem, &scalar_noise(k, lambda)).unwrap();
    let exact = NoisyScalarMoments::new(y, g, k * k * lambda).unwrap();
    let times = [0.1, 1.0, 5.0, 40.0];
    for v0 in [0.01, 0.3, 3.0] {
        let start = MomentState {
            mean: vec![-0.5],
            covariance: vec![v0],
        };
        let flow = moments.solve(&start, &times, &tight()).unwrap();
        for (state, &t) in flow.states.iter().zip(&times) {
            let [m, e] = exact.exact(-0.5, 0.25 + v0, t).unwrap();
            assert!(
                (state.mean[0] - m).abs() < 1e-8,
                "t = {t}: {state:?} vs {m}"
            );
            assert!((state.covariance[0] - (e - m * m)).abs() < 1e-8, "t = {t}");
        }
        let last = &flow.states[3];
        assert!((last.covariance[0] - exact.equilibrium_variance()).abs() < 1e-8);
    }
}

#[test]
fn fokker_planck_particles_follow_the_moment_equations() {
    let (y, g) = (2.0, 1.0);
    let problem = InverseProblem::linear(&[g], 1, &[y], &[1.0]).unwrap();
    let noise = scalar_noise(1.0, 0.5);
    let exact = NoisyScalarMoments::new(y, g, 0.5).unwrap();
    let u0 = gaussian_ensemble(SEED, 100_000, &[0.0], 1.0);
    let mut p = StabilisedParticles::new(&problem, &noise, &u0, SEED).unwrap();
    for _ in 0..200 {
        p.fokker_planck_step(0.01).unwrap();
    }
    let s = p.moments();
    let [m, e] = exact.exact(0.0, 1.0, 2.0).unwrap();
    let v = e - m * m;
    // Sampling (about 0.003) plus the O(h) bias of Euler–Maruyama.
    assert!((s.mean[0] - m).abs() < 0.01, "{s:?} vs ({m}, {v})");
    assert!((s.covariance[0] - v).abs() < 0.015, "{s:?} vs ({m}, {v})");
}

/// Moment-scaled noise `K = C`, `Lambda = 1`, `G = 1`: `Q = V^2`, so
/// `dV/dt = -2 V^2 + V^2 = -V^2` and `V = V0 / (1 + V0 t)`; the mean obeys
/// `d(y - m)/dt = -V (y - m)`, so `y - m = (y - m0) / (1 + V0 t)`.
#[test]
fn fokker_planck_particles_with_moment_scaled_noise_follow_the_closed_form() {
    let y = 2.0;
    let problem = InverseProblem::linear(&[1.0], 1, &[y], &[1.0]).unwrap();
    let noise = Noise::MomentScaled {
        kappa: 1.0,
        lambda: vec![1.0],
    };
    let u0 = gaussian_ensemble(SEED, 100_000, &[0.0], 1.0);
    let mut p = StabilisedParticles::new(&problem, &noise, &u0, SEED).unwrap();
    for _ in 0..200 {
        p.fokker_planck_step(0.01).unwrap();
    }
    let s = p.moments();
    let (v, m) = (1.0 / 3.0, y - y / 3.0);
    // Sampling (about 0.003) plus the O(h) bias of Euler–Maruyama.
    assert!((s.mean[0] - m).abs() < 0.01, "{s:?} vs ({m}, {v})");
    assert!((s.covariance[0] - v).abs() < 0.01, "{s:?} vs ({m}, {v})");
}

#[test]
fn the_boltzmann_scheme_approaches_fokker_planck_as_eps_goes_to_zero() {
    // G = 1, y = 0, V0 = 2, q = 0.5 (V* = 0.5); dtau = eps / 8; variance at
    // tau = 1 against the closed form of eq. (22). The Boltzmann moments
    // differ by eps C H C H C in dC/dtau, the Nanbu steps by O(dtau), of
    // the opposite sign (with dtau = eps / 2 the two nearly cancel).
    // Expected from the moment maps: 0.063, 0.025, 0.011, 0.0055.
    let problem = InverseProblem::linear(&[1.0], 1, &[0.0], &[1.0]).unwrap();
    let noise = scalar_noise(1.0, 0.5);
    let exact = NoisyScalarMoments::new(0.0, 1.0, 0.5).unwrap();
    let [m, e] = exact.exact(0.0, 2.0, 1.0).unwrap();
    let v_exact = e - m * m;
    let u0 = gaussian_ensemble(SEED, 200_000, &[0.0], 2.0f64.sqrt());
    let epss: [f64; 4] = [0.4, 0.2, 0.1, 0.05];
    let errors: Vec<f64> = epss
        .iter()
        .map(|&eps| {
            let mut p = StabilisedParticles::new(&problem, &noise, &u0, SEED).unwrap();
            let steps = (8.0 / eps).round() as usize;
            for _ in 0..steps {
                p.boltzmann_step(eps, eps / 8.0).unwrap();
            }
            assert!((p.time() - 1.0).abs() < 1e-12);
            (p.moments().covariance[0] - v_exact).abs()
        })
        .collect();
    let log_eps: Vec<f64> = epss.iter().map(|e| e.ln()).collect();
    let log_err: Vec<f64> = errors.iter().map(|e| e.ln()).collect();
    let rate = slope(&log_eps, &log_err);
    eprintln!("Boltzmann vs Fokker-Planck: |V - V_FP| {errors:?}, fitted order {rate:.2}");
    assert!(errors.windows(2).all(|w| w[1] < w[0]), "{errors:?}");
    assert!((0.6..1.5).contains(&rate), "rate {rate}, {errors:?}");
}

#[test]
fn remark_4_1_is_enforced() {
    let problem = InverseProblem::linear(&[1.0], 1, &[0.0], &[1.0]).unwrap();
    let u0 = gaussian_ensemble(SEED, 1000, &[0.0], 2.0);
    let mut p = StabilisedParticles::new(&problem, &scalar_noise(1.0, 0.5), &u0, SEED).unwrap();
    // Variance about 4: eps = 0.5 gives eps rho = 2.
    let err = p.boltzmann_step(0.5, 0.5).unwrap_err();
    assert!(
        matches!(err, Error::InteractionTooStrong { eps: 0.5, step: 0, product } if product > 1.5),
        "{err}"
    );
    assert!(matches!(
        p.boltzmann_step(0.1, 0.2),
        Err(Error::InvalidParameter { value: 0.2, .. })
    ));
    assert!(matches!(
        p.boltzmann_step(0.0, 0.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        p.fokker_planck_step(-1.0),
        Err(Error::InvalidParameter { .. })
    ));
    p.boltzmann_step(0.1, 0.05).unwrap();
    let closure = InverseProblem::nonlinear(1, |u: &[f64]| u.to_vec(), &[0.0], &[1.0]).unwrap();
    let mut c = StabilisedParticles::new(&closure, &scalar_noise(1.0, 1.0), &u0, SEED).unwrap();
    assert!(matches!(
        c.boltzmann_step(0.1, 0.1),
        Err(Error::NotLinear { .. })
    ));
    c.fokker_planck_step(0.1).unwrap();
    // Malformed noise.
    let bad = [
        Noise::Constant {
            k: vec![1.0, 2.0, 3.0],
            lambda: vec![1.0],
        },
        Noise::Constant {
            k: vec![1.0],
            lambda: vec![-1.0],
        },
        Noise::Constant {
            k: vec![f64::NAN],
            lambda: vec![1.0],
        },
        Noise::MomentScaled {
            kappa: f64::INFINITY,
            lambda: vec![1.0],
        },
    ];
    for noise in &bad {
        assert!(
            StabilisedParticles::new(&problem, noise, &u0, SEED).is_err(),
            "{noise:?}"
        );
    }
    assert!(matches!(
        StabilisedParticles::new(&closure, &Noise::RangeOfGt { kappa: 1.0 }, &u0, SEED),
        Err(Error::NotLinear { .. })
    ));
    assert!(matches!(
        NoisyScalarMoments::new(1.0, 1.0, 0.0),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn schemes_are_bit_identical_for_any_thread_count() {
    let problem = InverseProblem::linear(&[1.0, 0.5], 2, &[1.0], &[0.5]).unwrap();
    let noise = Noise::MomentScaled {
        kappa: 0.7,
        lambda: vec![1.0, 0.2, 0.2, 0.5],
    };
    let u0 = gaussian_ensemble(SEED, 10_000, &[0.0, 0.5], 0.5);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut p = StabilisedParticles::new(&problem, &noise, &u0, SEED).unwrap();
            p.boltzmann_step(0.2, 0.1).unwrap();
            p.fokker_planck_step(0.05).unwrap();
            p.particles().to_vec()
        })
    };
    let (a, b) = (run(1), run(2));
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
}

#[test]
fn covariance_growth_along_ker_g_is_detected_and_reported() {
    // d = 2, G = [1, 1]: ker G = span (1, -1) / sqrt 2.
    let problem = InverseProblem::linear(&[1.0, 1.0], 2, &[1.0], &[0.5]).unwrap();
    let q = 0.3;
    let isotropic = Noise::Constant {
        k: vec![1.0, 0.0, 0.0, 1.0],
        lambda: vec![q, 0.0, 0.0, q],
    };
    let covariance = [1.0, 0.0, 0.0, 1.0];
    let growth = kernel_growth(
        &problem,
        &isotropic.diffusion(&problem, &covariance).unwrap(),
    )
    .unwrap();
    assert_eq!(growth.kernel.len(), 1);
    let v = &growth.kernel[0];
    assert!((v[0] + v[1]).abs() < 1e-12 && (v[0].abs() - 0.5f64.sqrt()).abs() < 1e-12);
    assert!((growth.max_rate - q).abs() < 1e-12, "{growth:?}");
    // The moment equations grow like q t along ker G.
    let moments = NoisyMoments::new(&problem, &isotropic).unwrap();
    let start = MomentState {
        mean: vec![0.0, 0.0],
        covariance: covariance.to_vec(),
    };
    let flow = moments.solve(&start, &[50.0, 100.0], &tight()).unwrap();
    let along = |c: &[f64]| 0.5 * (c[0] - c[1] - c[2] + c[3]);
    let measured = (along(&flow.states[1].covariance) - along(&flow.states[0].covariance)) / 50.0;
    assert!((measured - q).abs() < 1e-3 * q, "measured {measured}");
    // Noise in the range of G^T: no growth.
    let range = Noise::RangeOfGt { kappa: 0.5 };
    let growth = kernel_growth(&problem, &range.diffusion(&problem, &covariance).unwrap()).unwrap();
    assert!(growth.max_rate.abs() < 1e-12, "{growth:?}");
    // Correlated noise: the Schur complement, not Q_NN.
    let correlated = [0.4, 0.1, 0.1, 0.2];
    let growth = kernel_growth(&problem, &correlated).unwrap();
    // Q_NN = (0.4 - 0.2 + 0.2)/2 = 0.2, Q_RR = (0.4 + 0.2 + 0.2)/2 = 0.4, Q_NR = (0.4 - 0.2)/2 = 0.1.
    assert!(
        (growth.max_rate - (0.2 - 0.01 / 0.4)).abs() < 1e-12,
        "{growth:?}"
    );
    let closure = InverseProblem::nonlinear(2, |u: &[f64]| vec![u[0]], &[1.0], &[1.0]).unwrap();
    assert!(matches!(
        kernel_growth(&closure, &correlated),
        Err(Error::NotLinear { .. })
    ));
    assert!(matches!(
        kernel_growth(&problem, &[1.0]),
        Err(Error::MatrixLength { .. })
    ));
}

#[test]
fn noise_in_the_range_of_g_transpose_settles_at_kappa_over_root_2() {
    let problem = InverseProblem::linear(
        &[1.0, 0.4, -0.3, 1.2],
        2,
        &[1.0, -0.5],
        &[0.5, 0.1, 0.1, 0.4],
    )
    .unwrap();
    let kappa = 0.6;
    let moments = NoisyMoments::new(&problem, &Noise::RangeOfGt { kappa }).unwrap();
    let start = MomentState {
        mean: vec![0.0, 0.0],
        covariance: vec![2.0, 0.3, 0.3, 0.1],
    };
    let end = moments
        .solve(&start, &[200.0], &tight())
        .unwrap()
        .states
        .remove(0);
    let c = kappa / 2.0f64.sqrt();
    for (got, want) in end.covariance.iter().zip([c, 0.0, 0.0, c]) {
        assert!((got - want).abs() < 1e-8, "{:?}", end.covariance);
    }
}

/// `(m, C_ij for i <= j)` of a moment state, and back.
fn pack(state: &MomentState, d: usize) -> Vec<f64> {
    let mut x = state.mean.clone();
    for i in 0..d {
        for j in i..d {
            x.push(state.covariance[i * d + j]);
        }
    }
    x
}

fn unpack(x: &[f64], d: usize) -> MomentState {
    let mut covariance = vec![0.0; d * d];
    let mut k = d;
    for i in 0..d {
        for j in i..d {
            covariance[i * d + j] = x[k];
            covariance[j * d + i] = x[k];
            k += 1;
        }
    }
    MomentState {
        mean: x[..d].to_vec(),
        covariance,
    }
}

#[test]
fn the_general_noisy_equilibrium_is_a_stable_node_with_the_derived_eigenvalues() {
    // d = 2 unknowns, K = 3 correlated observations, a full constant K.
    let d = 2;
    let problem = InverseProblem::linear(
        &[1.0, 0.4, -0.3, 1.2, 0.5, 0.7],
        d,
        &[1.0, -0.5, 0.3],
        &[0.5, 0.1, 0.0, 0.1, 0.4, 0.05, 0.0, 0.05, 0.3],
    )
    .unwrap();
    let noise = Noise::Constant {
        k: vec![0.7, 0.2, -0.1, 0.5],
        lambda: vec![1.5, 0.3, 0.3, 0.8],
    };
    let moments = NoisyMoments::new(&problem, &noise).unwrap();
    let eq = moments.equilibrium().unwrap();

    // It is an equilibrium: both rates vanish.
    let (dm, dc) = moments.rates(&eq.state).unwrap();
    let largest = dm.iter().chain(&dc).fold(0.0f64, |a, v| a.max(v.abs()));
    assert!(largest < 1e-13, "rates at equilibrium {dm:?} {dc:?}");
    assert!(eq.mu.iter().all(|&m| m > 0.0), "{:?}", eq.mu);

    // Its eigenvalues are the Jacobian's: by central differences of the
    // rates on the symmetric variables, the power sums tr(J^k), k = 1..5,
    // equal the sums of the eigenvalues' k-th powers (Newton's identities:
    // together they fix all five eigenvalues).
    let x0 = pack(&eq.state, d);
    let n = x0.len();
    let f = |x: &[f64]| {
        let (dm, dc) = moments.rates(&unpack(x, d)).unwrap();
        let mut out = dm;
        for i in 0..d {
            for j in i..d {
                out.push(dc[i * d + j]);
            }
        }
        out
    };
    let h = 1e-6;
    let mut jac = vec![0.0; n * n];
    for c in 0..n {
        let (mut up, mut down) = (x0.clone(), x0.clone());
        up[c] += h;
        down[c] -= h;
        for (r, (a, b)) in f(&up).iter().zip(f(&down)).enumerate() {
            jac[r * n + c] = (a - b) / (2.0 * h);
        }
    }
    let eigenvalues: Vec<f64> = eq
        .mean_eigenvalues
        .iter()
        .chain(&eq.covariance_eigenvalues)
        .copied()
        .collect();
    assert_eq!(eigenvalues.len(), n);
    assert!(
        eigenvalues.iter().all(|&l| l < 0.0),
        "stable: {eigenvalues:?}"
    );
    let mut power = jac.clone();
    for k in 1..=n {
        let trace: f64 = (0..n).map(|i| power[i * n + i]).sum();
        let sum: f64 = eigenvalues.iter().map(|l| l.powi(k as i32)).sum();
        assert!(
            (trace - sum).abs() < 1e-6 * sum.abs(),
            "tr J^{k} = {trace} vs {sum}"
        );
        power = common::matmul(&power, &jac, n, n, n);
    }

    // The flow of the moment equations reaches it from far away.
    let start = MomentState {
        mean: vec![3.0, -2.0],
        covariance: vec![4.0, -1.0, -1.0, 2.0],
    };
    let end = moments
        .solve(&start, &[300.0], &tight())
        .unwrap()
        .states
        .remove(0);
    let gap = common::max_diff(&pack(&end, d), &x0);
    assert!(gap < 1e-8, "state at t = 300 is {gap} from the equilibrium");
}

#[test]
fn the_general_equilibrium_in_one_dimension_is_the_scalar_one() {
    let (y, g, k, lambda) = (2.0, 1.5, 0.8, 1.25);
    let problem = InverseProblem::linear(&[g], 1, &[y], &[1.0]).unwrap();
    let eq = NoisyMoments::new(&problem, &scalar_noise(k, lambda))
        .unwrap()
        .equilibrium()
        .unwrap();
    let scalar = NoisyScalarMoments::new(y, g, k * k * lambda).unwrap();
    let [m, e] = scalar.equilibrium();
    assert!((eq.state.mean[0] - m).abs() < 1e-14);
    assert!((eq.state.covariance[0] - (e - m * m)).abs() < 1e-14);
    let [slow, fast] = scalar.equilibrium_eigenvalues();
    assert!((eq.mean_eigenvalues[0] - slow).abs() < 1e-14);
    assert!((eq.covariance_eigenvalues[0] - fast).abs() < 1e-14);
}

#[test]
fn no_closed_form_equilibrium_for_moment_noise_or_a_kernel_of_g() {
    let problem = InverseProblem::linear(&[1.0, 0.5], 2, &[1.0], &[1.0]).unwrap();
    let isotropic = Noise::Constant {
        k: vec![1.0, 0.0, 0.0, 1.0],
        lambda: vec![1.0, 0.0, 0.0, 1.0],
    };
    let err = NoisyMoments::new(&problem, &isotropic)
        .unwrap()
        .equilibrium()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { .. }) && err.to_string().contains("ker G"),
        "{err}"
    );
    let square =
        InverseProblem::linear(&[1.0, 0.0, 0.0, 1.0], 2, &[1.0, 0.0], &[1.0, 0.0, 0.0, 1.0])
            .unwrap();
    let scaled = Noise::MomentScaled {
        kappa: 0.5,
        lambda: vec![1.0, 0.0, 0.0, 1.0],
    };
    let err = NoisyMoments::new(&square, &scaled)
        .unwrap()
        .equilibrium()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
}
