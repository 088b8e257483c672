//! The 2D scenario files: the shipped ones parse to the paper's values, and
//! bad files are refused with a message naming the key.

use experiments::dipole::{DipoleScenario, PAPER};
use validation::dipole_box::{DipoleBox, DipolePrior, observation_points};

#[test]
fn the_paper_file_holds_tables_2_and_3() {
    let e = DipoleScenario::paper().unwrap();
    assert_eq!(e.truth_box(), DipoleBox::paper_truth());
    assert_eq!(
        e.member_box().particle_spacing,
        DipoleBox::paper_member().particle_spacing
    );
    assert_eq!(e.member_box().dt, 0.005);
    let (got, want) = (e.prior(), DipolePrior::paper());
    let close =
        |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-15 && (a.1 - b.1).abs() < 1e-15;
    assert!(close(got.radius, want.radius), "{:?}", got.radius);
    assert!(close(got.alpha, want.alpha));
    assert!(close(got.speed, want.speed));
    assert!(close(got.viscosity, want.viscosity), "{:?}", got.viscosity);
    assert!((got.center.1 - want.center.1).abs() < 1e-15 && got.center.0 == want.center.0);
    assert_eq!(e.observation_points(), observation_points(12));
    assert_eq!(e.assimilation.n_members, 32);
    assert_eq!(e.assimilation.analyses, 10);
    assert_eq!(e.assimilation.sigma_obs, 0.05);
    DipoleScenario::quick().unwrap();
}

fn refused(from: &str, to: &str) -> String {
    assert!(PAPER.contains(from), "{from}");
    DipoleScenario::from_toml(&PAPER.replacen(from, to, 1))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_files_are_refused_naming_the_key() {
    let unknown = refused("sigma_obs = 0.05", "sigma_obs = 0.05\nsigma_ob = 0.1");
    assert!(unknown.contains("sigma_ob"), "{unknown}");
    let negative = refused("viscosity = 0.0015", "viscosity = -0.0015");
    assert!(negative.contains("flow.viscosity = -0.0015"), "{negative}");
    let outside = refused(
        "observation_side = 12",
        "observation_points = [[1.0, 1.0], [3.5, 0.2]]",
    );
    assert!(
        outside.contains("observation_points[1] = [3.5, 0.2]"),
        "{outside}"
    );
    let odd = refused("particles_per_side = 256", "particles_per_side = 255");
    assert!(odd.contains("members.particles_per_side = 255"), "{odd}");
    let one = refused("members = 32", "members = 1");
    assert!(one.contains("assimilation.n_members = 1"), "{one}");
    let typed = refused("dt = 0.005", "dt = \"small\"");
    assert!(typed.contains("dt"), "{typed}");
}
