//! The dipole experiment with another analysis than the paper's
//! (scenario table `[analysis]`, `Setup::analysis`): the keys reach the
//! setup and its fingerprint (the paper's setup keeps its fingerprint),
//! and local analyses whose taper is flat over the box are the global
//! analysis, for Remesh-LETKF and Part-LETKF alike.

use assim::{GaspariCohn, Method, Scheme};
use experiments::dipole::{
    Analysis, DipoleScenario, Experiment, Filter, QUICK, Row, Setup, Stage, fingerprint,
};

#[test]
fn the_analysis_table_reaches_the_setup_and_its_fingerprint() {
    let paper = Setup::new(&DipoleScenario::quick().unwrap());
    assert!(paper.analysis.is_paper());
    let key = fingerprint(&paper, 1, &[Filter::RemeshEnkf]);
    assert!(!key.contains("analysis"), "{key}");

    let text = format!(
        "{QUICK}\n[analysis]\nmethod = \"etkf\"\nposterior_inflation = 1.1\nlocalisation_half_width = 0.7\n"
    );
    let setup = Setup::new(&DipoleScenario::from_toml(&text).unwrap());
    let want = Analysis {
        scheme: Scheme::new(Method::Etkf)
            .with_inflation(assim::Inflation::Posterior(1.1))
            .unwrap(),
        localisation: Some(GaspariCohn::new(0.7).unwrap()),
    };
    assert_eq!(setup.analysis, want);
    assert_eq!(setup.analysis.label(), "etkf, posterior 1.1, c = 0.7");
    let local = fingerprint(&setup, 1, &[Filter::RemeshEnkf]);
    assert!(
        local.contains(
            r#""analysis":{"method":"etkf","inflation":["posterior",1.1],"localisation_half_width":0.7}"#
        ),
        "{local}"
    );
    // Everything else is the paper's: the fingerprints differ by the
    // analysis alone.
    let same = Setup {
        analysis: Analysis::default(),
        ..setup
    };
    assert_eq!(fingerprint(&same, 1, &[Filter::RemeshEnkf]), key);
}

/// The analysis rows of a quick run of both filters with `analysis`.
fn analysis_rows(analysis: Analysis) -> Vec<Row> {
    let mut setup = Setup::new(&DipoleScenario::quick().unwrap());
    setup.n_members = 4;
    setup.analyses = 1;
    setup.analysis = analysis;
    let filters = [Filter::RemeshEnkf, Filter::PartEnkf];
    let (mut experiment, mut state) = Experiment::start(setup, 3, &filters).unwrap();
    experiment.advance_window(&mut state, &mut |_| {}).unwrap();
    state
        .rows
        .into_iter()
        .filter(|r| r.stage == Stage::Analysis)
        .collect()
}

#[test]
fn local_analyses_with_a_flat_taper_are_the_global_analysis() {
    let etkf = Scheme::new(Method::Etkf);
    let global = analysis_rows(Analysis {
        scheme: etkf,
        localisation: None,
    });
    // Over the box (diameter pi sqrt 2) the taper of half-width 1e4 is
    // 1 - 5/3 (d / c)^2 or more: within 4e-7 of 1.
    let flat = analysis_rows(Analysis {
        scheme: etkf,
        localisation: Some(GaspariCohn::new(1e4).unwrap()),
    });
    assert_eq!(global.len(), 2);
    for (g, l) in global.iter().zip(&flat) {
        assert_eq!(g.filter, l.filter);
        let gap = (g.e_omega - l.e_omega).abs() / g.e_omega;
        assert!(gap < 1e-5, "{:?}: {} vs {}", g.filter, g.e_omega, l.e_omega);
    }
    // A narrow taper analyses differently.
    let narrow = analysis_rows(Analysis {
        scheme: etkf,
        localisation: Some(GaspariCohn::new(0.3).unwrap()),
    });
    for (g, l) in global.iter().zip(&narrow) {
        assert!((g.e_omega - l.e_omega).abs() > 1e-3 * g.e_omega);
    }
}
