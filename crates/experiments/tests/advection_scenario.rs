//! The 1D scenario of paper 2, Section 4 (`scenarios/advection1d*.toml`):
//! the shipped files hold SPEC's values, unknown keys and bad values are
//! refused naming the key, the prior follows Table 1 read as
//! `N(mean, variance)`, and the quick run's filters beat the prior and the
//! free-running ensemble.

use std::f64::consts::PI;

use experiments::advection::{Advection1dScenario, PAPER, QUICK};
use experiments::advection::{Scheme, run};

const SEED: u64 = 0x1d_5eed;

#[test]
fn the_shipped_scenarios_hold_specs_values() {
    let s = Advection1dScenario::paper().unwrap();
    assert_eq!((s.truth.velocity, s.truth.diffusion), (1.0, 0.05));
    assert_eq!((s.truth.x0, s.truth.sigma0_sq), (0.02, 0.5));
    assert_eq!(s.prior.x0.mean, PI / 2.0 + 0.6);
    assert_eq!(s.prior.x0.variance, 0.5);
    assert_eq!((s.prior.sigma0.low, s.prior.sigma0.high), (0.8, 1.2));
    assert_eq!(
        (s.prior.velocity.mean, s.prior.velocity.variance),
        (0.9, 1.2)
    );
    assert_eq!(
        (s.prior.diffusion.low, s.prior.diffusion.high),
        (0.02, 0.08)
    );
    let a = &s.assimilation;
    assert_eq!((a.n_members, a.analyses, a.observations), (25, 30, 6));
    assert_eq!((a.final_time, a.noise_variance), (2.0 * PI, 0.05));
    assert_eq!(s.particles.per_period, 100);
    assert_eq!(s.particles.eps_over_dp, 1.3);
    assert_eq!(s.grid.nodes, 100);
    let t = s.analysis_times();
    assert_eq!(t.len(), 30);
    assert!((t[29] - 2.0 * PI).abs() < 1e-12);
    Advection1dScenario::quick().unwrap();
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let text = PAPER.replace("[grid]", "[grid]\nnodez = 3");
    let err = Advection1dScenario::from_toml(&text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nodez"), "{err}");
    let text = format!("{QUICK}\n[extra]\nx = 1\n");
    let err = Advection1dScenario::from_toml(&text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("extra"), "{err}");
}

#[test]
fn every_bad_value_is_refused_naming_its_key() {
    let cases = [
        ("members = 25", "members = 1", "assimilation.n_members"),
        ("analyses = 30", "analyses = 0", "assimilation.analyses"),
        (
            "observations = 6",
            "observations = 0",
            "assimilation.observations",
        ),
        (
            "noise_variance = 0.05",
            "noise_variance = 0.0",
            "assimilation.noise_variance",
        ),
        (
            "noise_variance = 0.05",
            "noise_variance = -1.0",
            "assimilation.noise_variance",
        ),
        (
            "final_time = 6.283185307179586",
            "final_time = -1.0",
            "assimilation.final_time",
        ),
        (
            "diffusion_floor = 0.0",
            "diffusion_floor = -0.1",
            "assimilation.diffusion_floor",
        ),
        ("diffusion = 0.05", "diffusion = -0.05", "truth.diffusion"),
        ("sigma0_sq = 0.5", "sigma0_sq = 0.0", "truth.sigma0_sq"),
        ("variance = 0.5 }", "variance = -0.5 }", "prior.x0.variance"),
        (
            "{ low = 0.8, high = 1.2 }",
            "{ low = 1.2, high = 0.8 }",
            "prior.sigma0",
        ),
        (
            "{ low = 0.02, high = 0.08 }",
            "{ low = -0.02, high = 0.08 }",
            "prior.diffusion",
        ),
        (
            "per_period = 100",
            "per_period = 99",
            "particles.per_period",
        ),
        (
            "eps_over_dp = 1.3",
            "eps_over_dp = 0.0",
            "particles.eps_over_dp",
        ),
        ("dt = 0.005", "dt = 0.0", "particles.dt"),
        ("eps_cut = 0.0", "eps_cut = -1e-3", "particles.eps_cut"),
        (
            "tolerance = 1e-12",
            "tolerance = 1.0",
            "particles.tolerance",
        ),
        ("nodes = 100", "nodes = 2", "grid.nodes"),
        ("courant = 1.0", "courant = 3.0", "grid.courant"),
        ("nodes = 1000", "nodes = 1", "quadrature.nodes"),
    ];
    for (from, to, key) in cases {
        assert!(PAPER.contains(from), "{from}");
        let text = PAPER.replacen(from, to, 1);
        let err = Advection1dScenario::from_toml(&text)
            .expect_err(key)
            .to_string();
        assert!(err.contains(key), "{key}: {err}");
    }
}

#[test]
fn the_prior_is_table_1_with_variances() {
    let mut s = Advection1dScenario::quick().unwrap();
    s.assimilation.n_members = 20_000;
    let draws = s.prior_draws(SEED).unwrap();
    let n = draws.len() as f64;
    let moments = |f: &dyn Fn(&experiments::advection::MemberDraw) -> f64| {
        let m = draws.iter().map(f).sum::<f64>() / n;
        let v = draws.iter().map(|d| (f(d) - m).powi(2)).sum::<f64>() / (n - 1.0);
        (m, v)
    };
    // Standard errors: sqrt(v / n) ~ 0.008 for the means, v sqrt(2 / n) ~
    // 0.012 for the variances; the bounds are about 5 of them.
    let (m, v) = moments(&|d| d.x0);
    assert!(
        (m - (PI / 2.0 + 0.6)).abs() < 0.03 && (v - 0.5).abs() < 0.04,
        "{m} {v}"
    );
    let (m, v) = moments(&|d| d.velocity);
    assert!((m - 0.9).abs() < 0.04 && (v - 1.2).abs() < 0.08, "{m} {v}");
    // U(a, b): mean (a + b) / 2, variance (b - a)^2 / 12.
    let (m, v) = moments(&|d| d.sigma0);
    assert!(
        (m - 1.0).abs() < 0.005 && (v - 0.16 / 12.0).abs() < 0.001,
        "{m} {v}"
    );
    let (m, v) = moments(&|d| d.diffusion);
    assert!(
        (m - 0.05).abs() < 0.001 && (v - 0.0036 / 12.0).abs() < 2e-5,
        "{m} {v}"
    );
    assert!(draws.iter().all(|d| (0.02..0.08).contains(&d.diffusion)));
    // Member i's draw depends on (seed, i) only.
    assert_eq!(s.draw(SEED, 7).unwrap(), draws[7]);
}

#[test]
fn the_data_are_the_truth_plus_noise_of_the_stated_variance() {
    let s = Advection1dScenario::paper().unwrap();
    let truth = s.truth();
    let points = s.observation_points().unwrap();
    let mut residuals = Vec::new();
    for k in 0..s.assimilation.analyses {
        let t = s.analysis_times()[k];
        let y = s.data(SEED, k).unwrap();
        assert_eq!(y, s.data(SEED, k).unwrap());
        for (x, y) in points.points().iter().zip(y) {
            residuals.push(y - truth.exact(*x, t).unwrap());
        }
    }
    let n = residuals.len() as f64;
    let var = residuals.iter().map(|r| r * r).sum::<f64>() / n;
    // 180 draws: the sample variance is within 0.05 (1 +- 0.35).
    assert!((var - 0.05).abs() < 0.0175, "{var}");
}

#[test]
fn quick_filters_beat_the_prior_and_the_free_run() {
    let s = Advection1dScenario::quick().unwrap();
    let free = run(&s, SEED, Scheme::FreeRun { eps_cut: 0.0 }).unwrap();
    let free_final = free.last().unwrap().rrmse_state;
    let mut finals = Vec::new();
    let mut prior_state = 0.0;
    for scheme in [
        Scheme::Grid,
        Scheme::Remesh { eps_cut: 0.0 },
        Scheme::Part { eps_cut: 0.0 },
    ] {
        let steps = run(&s, SEED, scheme).unwrap();
        assert_eq!(steps.len(), s.assimilation.analyses + 1);
        let (prior, last) = (&steps[0], steps.last().unwrap());
        assert!(
            last.rrmse_state < 0.5 * prior.rrmse_state,
            "{scheme:?}: {} -> {}",
            prior.rrmse_state,
            last.rrmse_state
        );
        assert!(last.rrmse_state < 0.8 * free_final, "{scheme:?}");
        assert!(
            last.rrmse_velocity < 0.5 * prior.rrmse_velocity,
            "{scheme:?}"
        );
        finals.push(last.rrmse_state);
        prior_state = prior.rrmse_state;
    }
    // Grid-, Remesh- and Part-EnKF agree closely (Section 4.2): their
    // differences are below a tenth of the reduction the analyses achieve.
    let (lo, hi) = finals
        .iter()
        .fold((f64::MAX, 0.0_f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert!(hi - lo < 0.1 * (prior_state - hi), "{finals:?}");
}
