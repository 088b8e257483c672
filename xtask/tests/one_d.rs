//! The 1D reproductions of paper 2 (Figs. 1, 2, 4–12) in their `--quick`
//! form: each writes the contract's files, and its key numbers pass checks
//! against closed forms (heat-kernel mass, the exact solution, strength
//! conservation of `M4'`, eq. (4) at the particles) or the issue's
//! acceptance criteria (filters beat the prior and the free run, agree
//! with one another; a restricted support stalls Part-EnKF).

use std::fs;
use std::path::{Path, PathBuf};

use experiments::advection::Advection1dScenario;
use serde_json::Value;
use validation::heat_kernel::AdvectionDiffusion;
use xtask::reproduce::{self, Request};

const IDS: [&str; 11] = [
    "fig1", "fig2", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9", "fig10", "fig11", "fig12",
];

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-1d-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn request(out_dir: PathBuf, config: Option<PathBuf>) -> Request {
    Request {
        quick: true,
        seed: 7,
        seeds: 1,
        out_dir,
        config,
        resume: false,
        stop_after: None,
    }
}

fn summary(out: &Path, id: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(out.join(id).join("summary.json")).unwrap()).unwrap()
}

fn csv(out: &Path, id: &str) -> Vec<Vec<String>> {
    fs::read_to_string(out.join(id).join(format!("{id}.csv")))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn quick_one_d_reproductions_hold_their_numbers() {
    let out = scratch("all");
    let ids: Vec<String> = IDS.iter().map(|s| s.to_string()).collect();
    let start = std::time::Instant::now();
    reproduce::run(&ids, &request(out.clone(), None)).expect("quick runs succeed");
    // Seconds, not minutes, even in the test profile.
    assert!(start.elapsed().as_secs() < 120, "{:?}", start.elapsed());
    for id in IDS {
        assert!(out.join(id).join(format!("{id}.svg")).exists(), "{id}");
    }
    let scenario = Advection1dScenario::quick().unwrap();
    let n_assim = scenario.assimilation.analyses;

    // Fig. 7: every filter's arrays have N_assim entries; each reduces the
    // state rRMSE at least twofold and ends below the free run; the three
    // agree within 5 %.
    let k = &summary(&out, "fig7")["key_numbers"];
    let free_final = num(k["free_run"]["rrmse_state"]
        .as_array()
        .unwrap()
        .last()
        .unwrap());
    let mut finals = Vec::new();
    let mut prior_state = 0.0;
    for name in ["Grid-EnKF", "Remesh-EnKF", "Part-EnKF"] {
        let f = &k["filters"][name];
        for key in ["rrmse_state", "rrmse_velocity", "rrmse_diffusion"] {
            assert_eq!(f[key].as_array().unwrap().len(), n_assim, "{name} {key}");
        }
        let prior = num(&f["prior"]["rrmse_state"]);
        let last = num(f["rrmse_state"].as_array().unwrap().last().unwrap());
        assert!(last < 0.5 * prior, "{name}: {prior} -> {last}");
        assert!(
            last < 0.8 * free_final,
            "{name}: {last} vs free {free_final}"
        );
        finals.push(last);
        prior_state = prior;
    }
    // Their differences are below a tenth of the reduction they achieve.
    let (lo, hi) = finals
        .iter()
        .fold((f64::MAX, 0.0_f64), |(l, h), &v| (l.min(v), h.max(v)));
    assert!(hi - lo < 0.1 * (prior_state - hi), "{finals:?}");
    assert_eq!(
        k["free_run"]["rrmse_state"].as_array().unwrap().len(),
        n_assim
    );

    // Fig. 8: the velocity is calibrated (the free run keeps its prior).
    let k = &summary(&out, "fig8")["key_numbers"]["filters"];
    for name in ["Grid-EnKF", "Remesh-EnKF", "Part-EnKF"] {
        assert!(
            num(&k[name]["final"]) < 0.7 * num(&k[name]["prior"]),
            "{name}"
        );
    }
    assert_eq!(num(&k["free run"]["final"]), num(&k["free run"]["prior"]));

    // Fig. 4: every initial member is a periodic heat kernel of unit mass
    // (trapezoid rule on 200 points, spectrally accurate).
    let rows = csv(&out, "fig4");
    let members: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "initial_states").collect();
    let h = std::f64::consts::TAU / 200.0;
    for name in ["member_0", "member_5", "truth"] {
        let mass: f64 = members
            .iter()
            .filter(|r| r[1] == name)
            .map(|r| r[3].parse::<f64>().unwrap() * h)
            .sum();
        assert!((mass - 1.0).abs() < 1e-9, "{name}: {mass}");
    }

    // Fig. 5: the truth drawn is the exact solution at the analysis time.
    let truth = AdvectionDiffusion::paper();
    for r in csv(&out, "fig5").iter().filter(|r| r[2] == "truth") {
        let (t, x, u): (f64, f64, f64) = (
            r[1].parse().unwrap(),
            r[3].parse().unwrap(),
            r[4].parse().unwrap(),
        );
        assert!(
            (u - truth.exact(x, t).unwrap()).abs() < 1e-12,
            "t {t} x {x}"
        );
    }

    // Fig. 6: the spread of v shrinks.
    let k = &summary(&out, "fig6")["key_numbers"];
    assert!(num(&k["sd_ratio_final_over_prior"]["v"]) < 1.0);

    // Figs. 10-12: eps_cut = 1e-11 does not truncate the support of Table
    // 1's members (the tails at distance pi are above 1e-11), the cut-off
    // for 60 particles does, and Part-EnKF then ends worse.
    let per_period = scenario.particles.per_period as f64;
    let cases = summary(&out, "fig12")["key_numbers"]["cases"].clone();
    let case = |label: &str| {
        cases
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case"] == label)
            .unwrap()
            .clone()
    };
    assert_eq!(
        num(&case("eps_cut = 1e-11")["mean_particles_per_member"]),
        per_period
    );
    let sixty = num(&case("60 particles")["mean_particles_per_member"]);
    assert!(sixty <= 60.0 && sixty > 58.0, "{sixty}");
    assert!(
        num(&case("60 particles")["final_rrmse_state"])
            > 1.3 * num(&case("eps_cut = 0")["final_rrmse_state"])
    );
    let k = &summary(&out, "fig11")["key_numbers"]["cases"];
    let counts: Vec<f64> = k
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["case"] == "target")
        .map(|c| num(&c["mean_particles_per_member"]))
        .collect();
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
    let k = &summary(&out, "fig10")["key_numbers"]["cases"];
    assert_eq!(k.as_array().unwrap().len(), 4);

    // Fig. 1: M4' projection conserves the strength; F's columns sum to 0.
    let k = &summary(&out, "fig1")["key_numbers"];
    let (p, g) = (
        num(&k["member0_total_strength_particles"]),
        num(&k["member0_total_strength_grid"]),
    );
    assert!((p - g).abs() < 1e-12 * p.abs());
    assert!(num(&k["max_abs_column_sum_of_F"]) < 1e-12);

    // Fig. 2: eq. (4) holds at the three particles, not between them.
    let k = &summary(&out, "fig2")["key_numbers"];
    assert!(num(&k["max_eq4_residual_at_particles"]) < 1e-12);
    assert!(num(&k["relative_l2_gap_updated_vs_analysed_field"]) > 0.01);
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_one_d_scenario_file_is_read_and_checked() {
    let out = scratch("config");
    fs::create_dir_all(&out).unwrap();
    let good = out.join("small.toml");
    let text = experiments::advection::QUICK.replacen("members = 25", "members = 5", 1);
    fs::write(&good, text).unwrap();
    reproduce::run(&["fig9".into()], &request(out.clone(), Some(good))).unwrap();
    assert_eq!(summary(&out, "fig9")["parameters"]["members"], 5);

    let bad = out.join("bad.toml");
    let text = experiments::advection::QUICK.replacen("noise_variance", "noise_var", 1);
    fs::write(&bad, text).unwrap();
    let err = reproduce::run(&["fig7".into()], &request(out.join("b"), Some(bad))).unwrap_err();
    assert!(err.to_string().contains("noise_var"), "{err}");
    assert!(!out.join("b").join("fig7").join("fig7.csv").exists());
    fs::remove_dir_all(&out).unwrap();
}
