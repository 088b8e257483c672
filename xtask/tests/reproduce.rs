//! The reproduction output contract of SPEC ("Reproductions"): every id is
//! listed, planned ids fail without writing, implemented ids write
//! `ID.csv`, `ID.svg` and a `summary.json` with seed, revision and wall time.

use std::fs;
use std::path::PathBuf;

use xtask::reproduce::{self, Error, FIGURES, Request, Status};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn request(out_dir: PathBuf) -> Request {
    Request {
        quick: true,
        seed: 7,
        seeds: 1,
        out_dir,
        config: None,
        resume: false,
        stop_after: None,
    }
}

#[test]
fn listing_names_every_spec_id() {
    let listing = reproduce::listing();
    let mut ids: Vec<String> = (1..=24).map(|i| format!("fig{i}")).collect();
    ids.extend(["kinetic-fig1", "kinetic-fig2", "kinetic-elliptic"].map(String::from));
    // Not paper figures: the VIC diffusion options against a spectral reference.
    ids.push("diffusion-accuracy".into());
    // Not paper figures: the analysis schemes on Lorenz-63 and Lorenz-96.
    ids.push("da-benchmarks".into());
    ids.push("dipole-schemes".into());
    for id in &ids {
        assert!(
            listing
                .lines()
                .any(|l| l.split_whitespace().next() == Some(id)),
            "--list misses {id}"
        );
    }
    assert_eq!(
        FIGURES.len(),
        ids.len(),
        "registry has ids neither SPEC nor this list names"
    );
}

#[test]
fn planned_figure_fails_and_writes_nothing() {
    let out = scratch("planned");
    let Some(planned) = FIGURES
        .iter()
        .find(|f| matches!(f.status, Status::Planned { .. }))
    else {
        // Every figure is implemented: no id can be refused as planned.
        assert_eq!(reproduce::implemented_ids().len(), FIGURES.len());
        assert!(!out.exists());
        return;
    };
    let err = reproduce::run(&["fig3".into(), planned.id.into()], &request(out.clone()))
        .expect_err("a planned id must fail");
    assert!(matches!(err, Error::NotImplemented { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains(planned.id), "{message}");
    assert!(
        message.contains("fig3"),
        "the message names what exists: {message}"
    );
    assert!(
        !out.exists(),
        "nothing may be written when an id cannot run"
    );
}

#[test]
fn unknown_figure_is_named_in_the_error() {
    let out = scratch("unknown");
    let err = reproduce::run(&["fig99".into()], &request(out.clone())).unwrap_err();
    assert!(matches!(err, Error::UnknownId { .. }));
    assert!(err.to_string().contains("fig99"));
    assert!(!out.exists());
}

#[test]
fn implemented_figures_follow_the_output_contract() {
    let out = scratch("contract");
    let reports =
        reproduce::run(&["all".into()], &request(out.clone())).expect("quick run succeeds");
    let implemented = reproduce::implemented_ids();
    assert!(implemented.contains(&"fig3") && implemented.contains(&"fig13"));
    assert_eq!(
        reports.iter().map(|r| r.id).collect::<Vec<_>>(),
        implemented
    );
    for id in implemented {
        let dir = out.join(id);
        let csv = fs::read_to_string(dir.join(format!("{id}.csv"))).unwrap();
        let mut lines = csv.lines();
        let header = lines.next().unwrap();
        let columns = header.split(',').count();
        assert!(columns >= 2, "{id}: header {header}");
        assert!(lines.clone().count() > 10, "{id}: csv has too few rows");
        assert!(
            lines.all(|l| l.split(',').count() == columns),
            "{id}: ragged csv"
        );

        let svg = fs::read_to_string(dir.join(format!("{id}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("<text"), "{id}: figure has no labels");
        // Small enough to open anywhere, and a PNG beside it.
        assert!(svg.len() < 300_000, "{id}: the SVG has {} bytes", svg.len());
        let png = fs::read(dir.join(format!("{id}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{id}: not a PNG");

        let summary: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["id"], id);
        assert_eq!(summary["seed"], 7);
        assert_eq!(summary["quick"], true);
        assert!(summary["wall_time_s"].as_f64().unwrap() >= 0.0);
        assert!(summary["git_revision"].is_string());
        assert!(summary["parameters"].is_object());
        assert!(summary["key_numbers"].is_object());
    }
    fig18_quick_assimilates(&out);
    fig17_noise_has_the_stated_deviation(&out);
    fs::remove_dir_all(&out).unwrap();
}

/// Fig. 17's observations carry `N(0, 0.05^2)` noise: the RMS of 288
/// draws has a standard error of `0.05 / sqrt(2 * 288) = 0.0021`, so it lies
/// within 0.01 of 0.05 (almost 5 standard errors).
fn fig17_noise_has_the_stated_deviation(out: &std::path::Path) {
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("fig17").join("summary.json")).unwrap())
            .unwrap();
    let rms = summary["key_numbers"]["rms_noise"].as_f64().unwrap();
    assert!((rms - 0.05).abs() < 0.01, "rms noise {rms}");
}

/// The quick fig18: one error per analysis for each filter, and both filters
/// end far below the free-running ensemble (in the quick run the prior's
/// error is about 7 and the filters' below 0.3 after one analysis).
fn fig18_quick_assimilates(out: &std::path::Path) {
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("fig18").join("summary.json")).unwrap())
            .unwrap();
    let key = &summary["key_numbers"];
    let values = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let free = values(&key["free_run_error"]);
    assert_eq!(free.len(), 10);
    for filter in ["remesh_enkf", "part_enkf"] {
        let forecast = values(&key[filter]["forecast_error"]);
        let analysis = values(&key[filter]["analysis_error"]);
        assert_eq!((forecast.len(), analysis.len()), (10, 10), "{filter}");
        // Both start from the same prior as the free run.
        assert_eq!(forecast[0], free[0], "{filter}");
        assert!(
            analysis[9] < 0.2 * free[9],
            "{filter}: {analysis:?} vs {free:?}"
        );
    }
}

/// Fig. 3 key numbers against closed forms: unit mass, the peak moves with
/// `x0 + v t` and has height `(2π s)^{-1/2}` for a Gaussian of variance `s`
/// (images add at most 1e-7 relative at these widths).
#[test]
fn fig3_numbers_match_closed_forms() {
    let out = scratch("fig3");
    reproduce::run(&["fig3".into()], &request(out.clone())).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("fig3/summary.json")).unwrap()).unwrap();
    let profiles = summary["key_numbers"]["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 3);
    for p in profiles {
        let mass = p["mass"].as_f64().unwrap();
        assert!((mass - 1.0).abs() < 1e-12, "mass {mass}");
        let s = p["gaussian_variance"].as_f64().unwrap();
        let peak = p["peak_value"].as_f64().unwrap();
        let h = 2.0 * std::f64::consts::PI / 200.0;
        // The grid maximum lies within h/2 of the true peak: relative drop ≤ h²/(8 s).
        let exact_peak = (2.0 * std::f64::consts::PI * s).powf(-0.5);
        assert!(
            peak <= exact_peak * (1.0 + 1e-7) && peak >= exact_peak * (1.0 - h * h / (8.0 * s))
        );
        let dx =
            p["peak_position_grid"].as_f64().unwrap() - p["peak_position_exact"].as_f64().unwrap();
        assert!(dx.abs() <= h / 2.0 + 1e-12, "peak off by {dx}");
    }
    fs::remove_dir_all(&out).unwrap();
}

/// Fig. 13 key numbers: zero net circulation (odd in `y`), and the grid
/// extremum within the grid's reach of the analytic one.
#[test]
fn fig13_numbers_match_closed_forms() {
    let out = scratch("fig13");
    reproduce::run(&["fig13".into()], &request(out.clone())).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("fig13/summary.json")).unwrap()).unwrap();
    let k = &summary["key_numbers"];
    assert!(k["total_circulation_midpoint"].as_f64().unwrap().abs() < 1e-10);
    let exact = k["omega_peak_exact"].as_f64().unwrap();
    let grid = k["omega_max_grid"].as_f64().unwrap();
    assert!(
        grid <= exact * (1.0 + 1e-12) && grid > 0.98 * exact,
        "{grid} vs {exact}"
    );
    assert!((k["omega_min_grid"].as_f64().unwrap() + grid).abs() < 1e-9 * grid);
    fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_scenario_file_with_a_wrong_key_is_refused() {
    let out = scratch("bad-config");
    fs::create_dir_all(&out).unwrap();
    let file = out.join("bad.toml");
    let text = experiments::dipole::PAPER.replacen("sigma_obs", "sigma_observed", 1);
    fs::write(&file, text).unwrap();
    let request = Request {
        config: Some(file),
        ..request(out.clone())
    };
    let err = reproduce::run(&["fig18".into()], &request).unwrap_err();
    assert!(err.to_string().contains("sigma_observed"), "{err}");
    assert!(
        !out.join("fig18").join("fig18.csv").exists(),
        "nothing written"
    );
    fs::remove_dir_all(&out).unwrap();
}

/// Paper 1, Fig. 1: every fixed point of eq. (16) lies on `E = m^2` with a
/// nilpotent Jacobian (both eigenvalues zero), and a trajectory blows up
/// exactly when it starts below the parabola (a negative variance).
#[test]
fn kinetic_fig1_fixed_points_and_blow_up_follow_the_theory() {
    let out = scratch("kinetic-fig1");
    reproduce::run(&["kinetic-fig1".into()], &request(out.clone())).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("kinetic-fig1/summary.json")).unwrap())
            .unwrap();
    let k = &summary["key_numbers"];
    for point in k["fixed_points"].as_array().unwrap() {
        let [m, e] = [0, 1].map(|i| point["point"][i].as_f64().unwrap());
        assert!((e - m * m).abs() < 1e-12, "{point}");
        for pair in point["eigenvalues_re_im"].as_array().unwrap() {
            assert!(pair[0].as_f64().unwrap().abs() < 1e-12, "{point}");
            assert!(pair[1].as_f64().unwrap().abs() < 1e-12, "{point}");
        }
    }
    let trajectories = k["trajectories"].as_array().unwrap();
    assert!(trajectories.iter().any(|t| t["admissible"] == true));
    assert!(trajectories.iter().any(|t| t["admissible"] == false));
    for t in trajectories {
        let [m0, e0] = [0, 1].map(|i| t["start"][i].as_f64().unwrap());
        assert_eq!(t["blow_up_time"].is_null(), e0 >= m0 * m0, "{t}");
        if let Some(t_star) = t["blow_up_time"].as_f64() {
            // t* = -1 / (2 G^2 V0) with V0 = E0 - m0^2 < 0, G = 1.
            assert!((t_star + 1.0 / (2.0 * (e0 - m0 * m0))).abs() < 1e-12 * t_star);
        }
    }
    fs::remove_dir_all(&out).unwrap();
}

/// Paper 1, Fig. 2: with noise `q` the scalar moment system has the
/// equilibrium `(y/G, y²/G² + V*)`, `V* = sqrt(q/2)/|G|`, a stable node
/// with eigenvalues `-G² V*` and `-4 G² V*` (for `(y, G, q) = (2, 1, 0.5)`:
/// `(2, 4.5)`, `-0.5` and `-2`), and every admissible start ends there.
#[test]
fn kinetic_fig2_has_the_stable_node_of_the_theory() {
    let out = scratch("kinetic-fig2");
    reproduce::run(&["kinetic-fig2".into()], &request(out.clone())).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("kinetic-fig2/summary.json")).unwrap())
            .unwrap();
    let k = &summary["key_numbers"];
    let star = &k["equilibrium"];
    assert_eq!(star["point"], serde_json::json!([2.0, 4.5]));
    assert_eq!(star["classification"], "StableNode");
    let mut eigen: Vec<f64> = star["eigenvalues_re_im"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_f64().unwrap())
        .collect();
    eigen.sort_by(f64::total_cmp);
    assert!(
        (eigen[0] + 2.0).abs() < 1e-12 && (eigen[1] + 0.5).abs() < 1e-12,
        "{eigen:?}"
    );
    for t in k["trajectories"].as_array().unwrap() {
        let end = [0, 1].map(|i| t["last_drawn"][i].as_f64().unwrap());
        assert!(
            (end[0] - 2.0).abs() < 1e-6 && (end[1] - 4.5).abs() < 1e-6,
            "{t}"
        );
    }
    fs::remove_dir_all(&out).unwrap();
}
