//! `kinetic-elliptic --quick` (paper 1's literature example, our
//! reconstruction of Schillings & Stuart's elliptic problem) held to
//! theory that the reproduction does not compute itself:
//!
//! * the EnKF with `Sigma = 0` keeps every member in the span of the
//!   initial ensemble (Schillings & Stuart, Theorem 2.1; paper 1 after
//!   eq. (8)): here the first `J` sine modes, checked by a discrete sine
//!   transform of the written members;
//! * for linear `G`, `S = Gamma^{1/2} G C G^T Gamma^{1/2}` solves
//!   `dS/dt = -2 S²` whatever the data, so `S(t) = S0 (I + 2 t S0)^{-1}`
//!   (Lemma 2.1's collapse, with its constant): the spreads of the moment
//!   solution, the EnKF and the kinetic Monte Carlo are compared with this
//!   closed form, `S0` rebuilt here from `validation::elliptic`;
//! * `Phi(m(t))` does not increase along the moment solution
//!   (`dPhi/dt = -grad Phi^T C grad Phi`);
//! * the Monte Carlo mean approaches the moment mean as particles grow;
//! * the Fokker–Planck spread levels off at its equilibrium `gamma K /
//!   (2 t*)` while the noise-free spreads keep falling like `1/t`.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

use validation::elliptic::{EllipticProblem, Prior};
use xtask::reproduce::{self, Request};

const SEED: u64 = 7;

/// `(data, method, members, quantity)` -> `(coordinate, value)` rows.
type Rows = HashMap<(String, String, usize, String), Vec<(f64, f64)>>;

struct Output {
    rows: Rows,
    summary: serde_json::Value,
}

impl Output {
    fn get(&self, data: &str, method: &str, members: usize, quantity: &str) -> &[(f64, f64)] {
        let key = (data.into(), method.into(), members, quantity.into());
        self.rows
            .get(&key)
            .unwrap_or_else(|| panic!("no rows for {key:?}"))
    }

    fn parameter(&self, name: &str) -> f64 {
        self.summary["parameters"][name].as_f64().unwrap()
    }

    fn kinetic_particles(&self) -> Vec<usize> {
        self.summary["parameters"]["kinetic_particles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect()
    }

    fn problem(&self) -> EllipticProblem {
        EllipticProblem::schillings_stuart(self.parameter("mesh_level") as u32).unwrap()
    }
}

fn run_quick() -> Output {
    let out: PathBuf = std::env::temp_dir().join(format!(
        "xtask-test-{}-kinetic-elliptic",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&out);
    let request = Request {
        quick: true,
        seed: SEED,
        seeds: 1,
        out_dir: out.clone(),
        config: None,
        resume: false,
        stop_after: None,
    };
    reproduce::run(&["kinetic-elliptic".into()], &request).unwrap();
    let dir = out.join("kinetic-elliptic");
    let csv = fs::read_to_string(dir.join("kinetic-elliptic.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("data,method,members,quantity,coordinate,value")
    );
    let mut rows = Rows::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let key = (f[0].into(), f[1].into(), f[2].parse().unwrap(), f[3].into());
        let point = (f[4].parse().unwrap(), f[5].parse().unwrap());
        rows.entry(key).or_default().push(point);
    }
    let summary =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    fs::remove_dir_all(&out).unwrap();
    Output { rows, summary }
}

/// `Cov(G u)` of member-major `members` (`1/J`), `K × K`.
fn data_covariance(problem: &EllipticProblem, members: &[Vec<f64>]) -> Vec<f64> {
    let k = problem.observations();
    let images: Vec<Vec<f64>> = members
        .iter()
        .map(|u| problem.observe(u).unwrap())
        .collect();
    let n = images.len() as f64;
    let mean: Vec<f64> = (0..k)
        .map(|a| images.iter().map(|g| g[a]).sum::<f64>() / n)
        .collect();
    let mut cov = vec![0.0; k * k];
    for g in &images {
        for a in 0..k {
            for b in 0..k {
                cov[a * k + b] += (g[a] - mean[a]) * (g[b] - mean[b]) / n;
            }
        }
    }
    cov
}

/// `gamma tr(S0 (I + 2 t S0)^{-1})` for `S0 = cov / gamma`, by Gaussian
/// elimination with partial pivoting on `(I + 2 t S0) X = S0`.
fn riccati_spread(cov: &[f64], gamma: f64, t: f64) -> f64 {
    let k = (cov.len() as f64).sqrt() as usize;
    let s0: Vec<f64> = cov.iter().map(|c| c / gamma).collect();
    let mut a: Vec<f64> = (0..k * k)
        .map(|i| f64::from(u8::from(i / k == i % k)) + 2.0 * t * s0[i])
        .collect();
    let mut x = s0;
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&p, &q| a[p * k + col].abs().total_cmp(&a[q * k + col].abs()))
            .unwrap();
        for c in 0..k {
            a.swap(col * k + c, pivot * k + c);
            x.swap(col * k + c, pivot * k + c);
        }
        for r in 0..k {
            if r != col {
                let f = a[r * k + col] / a[col * k + col];
                for c in 0..k {
                    a[r * k + c] -= f * a[col * k + c];
                    x[r * k + c] -= f * x[col * k + c];
                }
            }
        }
    }
    gamma * (0..k).map(|i| x[i * k + i] / a[i * k + i]).sum::<f64>()
}

fn assert_riccati(recorded: &[(f64, f64)], cov: &[f64], gamma: f64, tolerance: f64, what: &str) {
    let rank_bound = {
        let k = (cov.len() as f64).sqrt();
        gamma * k / 2.0
    };
    for &(t, spread) in recorded {
        let exact = riccati_spread(cov, gamma, t);
        assert!(
            (spread / exact - 1.0).abs() < tolerance,
            "{what}: t = {t}: {spread} vs {exact}"
        );
        // Lemma 2.1: t tr S <= rank / 2 <= K / 2.
        assert!(
            t * spread <= rank_bound * (1.0 + tolerance),
            "{what}: t = {t}"
        );
    }
}

#[test]
fn kinetic_elliptic_follows_the_theory() {
    let out = run_quick();
    let problem = out.problem();
    let prior = Prior::new(problem.dim()).unwrap();
    let gamma = out.parameter("gamma");
    let (d, k) = (problem.dim(), problem.observations());
    let h = problem.spacing();

    // Members stay in the span of the first J modes.
    for data in ["noisy", "noise-free"] {
        for j in [5, 10, 50] {
            for member in 1..=j {
                let u: Vec<f64> = out
                    .get(data, "EnKF", j, &format!("member_{member}"))
                    .iter()
                    .map(|p| p.1)
                    .collect();
                assert_eq!(u.len(), d);
                let c: Vec<f64> = (1..=d)
                    .map(|m| {
                        let phi = prior.mode(m).unwrap();
                        h * u.iter().zip(&phi).map(|(a, b)| a * b).sum::<f64>()
                    })
                    .collect();
                let largest = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let outside = c[j..].iter().fold(0.0f64, |m, v| m.max(v.abs()));
                assert!(
                    largest > 0.0 && outside < 1e-11 * largest,
                    "{data} J = {j}: {outside}"
                );
            }
        }
    }

    // The spread of the moments (the prior's S0), the EnKF (the initial
    // members' S0) and the kinetic Monte Carlo (its particles' S0).
    let c0 = prior.covariance();
    let g = problem.forward_matrix();
    let g_c0_gt: Vec<f64> = (0..k * k)
        .map(|i| {
            let (a, b) = (i / k, i % k);
            (0..d)
                .map(|r| g[a * d + r] * (0..d).map(|s| c0[r * d + s] * g[b * d + s]).sum::<f64>())
                .sum()
        })
        .collect();
    let largest_j = *out.kinetic_particles().last().unwrap();
    let particles: Vec<Vec<f64>> = (0..largest_j).map(|i| prior.sample(SEED, i)).collect();
    let kinetic_cov = data_covariance(&problem, &particles);
    for data in ["noisy", "noise-free"] {
        let moments = out.get(data, "moments", 0, "spread_obs");
        assert_riccati(moments, &g_c0_gt, gamma, 1e-5, "moments");
        for j in [5, 10, 50] {
            let members: Vec<Vec<f64>> = (1..=j)
                .map(|m| prior.mode_member(SEED, m).unwrap())
                .collect();
            let recorded = out.get(data, "EnKF", j, "spread_obs");
            assert_riccati(
                recorded,
                &data_covariance(&problem, &members),
                gamma,
                1e-5,
                "EnKF",
            );
            // Rank J - 1 < K for J = 5, 10: t tr S tends to (J - 1) / 2.
            if j - 1 < k {
                let &(t, s) = recorded.last().unwrap();
                assert!(t * s <= gamma * (j - 1) as f64 / 2.0, "EnKF J = {j}");
            }
        }
        let recorded = out.get(data, "kinetic MC", largest_j, "spread_obs");
        assert_riccati(recorded, &kinetic_cov, gamma, 1e-4, "kinetic MC");
    }

    // Phi(m(t)) does not increase: nor does the residual |G m - y|.
    for data in ["noisy", "noise-free"] {
        let residual = out.get(data, "moments", 0, "residual");
        for pair in residual.windows(2) {
            assert!(pair[1].1 <= pair[0].1 * (1.0 + 1e-9), "{data}: {pair:?}");
        }
    }
    assert!(residual_drop(&out) > 2.0);

    // The Monte Carlo mean approaches the moment mean like J^{-1/2}.
    let counts = out.kinetic_particles();
    for data in ["noisy", "noise-free"] {
        let worst = |j: usize| {
            out.get(data, "kinetic MC", j, "distance_to_moments")
                .iter()
                .fold(0.0f64, |m, p| m.max(p.1))
        };
        let (small, large) = (worst(counts[0]), worst(counts[1]));
        let expected = (counts[1] as f64 / counts[0] as f64).sqrt();
        assert!(small / large > expected / 2.0, "{data}: {small} vs {large}");
    }

    // The noise keeps the spread at gamma K / (2 t*); without it the
    // spread falls like 1/t.
    let t_star = out.parameter("settle_time_t_star");
    let level = gamma * k as f64 / (2.0 * t_star);
    let particles = out.parameter("noisy_particles") as usize;
    for data in ["noisy", "noise-free"] {
        let noisy = out.get(data, "Fokker-Planck MC", particles, "spread_obs");
        let moments = out.get(data, "moments", 0, "spread_obs");
        let n = noisy.len();
        // One decade of records before the last.
        let decade = n - 1 - out.parameter("times_per_decade") as usize;
        let (late, end) = (noisy[decade].1, noisy[n - 1].1);
        assert!((end / level - 1.0).abs() < 0.25, "{data}: {end} vs {level}");
        assert!((end / late - 1.0).abs() < 0.25, "{data}: {late} -> {end}");
        assert!(moments[n - 1].1 < 0.5 * moments[decade].1);
    }
}

/// How much the noise-free moment residual falls from start to end.
fn residual_drop(out: &Output) -> f64 {
    let r = out.get("noise-free", "moments", 0, "residual");
    r[0].1 / r[r.len() - 1].1
}
