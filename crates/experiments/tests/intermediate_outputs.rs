//! Errors measured within the windows (`Setup::outputs_per_window`): a
//! forecast in legs is the same forecast, so the analyses do not change,
//! and a measurement within a window is the forecast error of a run whose
//! window ends there. The progress callback counts every step once.

use experiments::dipole::{
    DipoleScenario, Experiment, FILTERS, Filter, Progress, Row, RunState, Setup, Stage,
};

/// The quick experiment with three members and two analyses, measured
/// only at the analyses.
fn small() -> Setup {
    let mut setup = Setup::new(&DipoleScenario::quick().unwrap());
    setup.n_members = 3;
    setup.analyses = 2;
    setup.outputs_per_window = 1;
    setup
}

/// Every window of `setup`, and the progress reported on the way.
fn run(setup: Setup) -> (RunState, Vec<Progress>) {
    let (mut experiment, mut state) = Experiment::start(setup, 11, &FILTERS).unwrap();
    let mut reports = Vec::new();
    while state.completed < experiment.setup.analyses {
        experiment
            .advance_window(&mut state, &mut |p| reports.push(p))
            .unwrap();
    }
    (state, reports)
}

fn between(rows: &[Row]) -> Vec<&Row> {
    rows.iter().filter(|r| r.stage == Stage::Between).collect()
}

#[test]
fn measurements_within_the_windows_leave_every_other_row_as_it_was() {
    let setup = small();
    // The quick members step by 0.04 and the truth by 0.02: legs of 0.2.
    let legs = 5;
    let (plain, _) = run(setup.clone());
    let (with_outputs, reports) = run(Setup {
        outputs_per_window: legs,
        ..setup.clone()
    });
    assert!(between(&plain.rows).is_empty());
    let others: Vec<Row> = with_outputs
        .rows
        .iter()
        .filter(|r| r.stage != Stage::Between)
        .cloned()
        .collect();
    assert_eq!(others, plain.rows);

    // (legs - 1) rows per window and ensemble, at the leg ends, in time
    // order, numbered by the analyses before them.
    let rows = between(&with_outputs.rows);
    assert_eq!(rows.len(), (legs - 1) * setup.analyses * FILTERS.len());
    for (n, row) in rows.iter().enumerate() {
        let (k, leg) = (
            n / FILTERS.len() / (legs - 1),
            n / FILTERS.len() % (legs - 1) + 1,
        );
        assert_eq!(row.filter, FILTERS[n % FILTERS.len()]);
        assert_eq!(row.analysis, k);
        let time = (k as f64 + leg as f64 / legs as f64) * setup.window;
        assert!(
            (row.time - time).abs() < 1e-12,
            "{} against {time}",
            row.time
        );
        assert_eq!(row.per_member.len(), setup.n_members);
    }
    // The first window is one forecast of the shared prior; in the second
    // the filters' members differ from the free run's.
    let in_window = |k: usize, filter: Filter| {
        rows.iter()
            .filter(|r| r.analysis == k && r.filter == filter)
            .map(|r| r.e_omega)
            .collect::<Vec<_>>()
    };
    for filter in [Filter::RemeshEnkf, Filter::PartEnkf] {
        assert_eq!(in_window(0, filter), in_window(0, Filter::FreeRun));
        assert_ne!(in_window(1, filter), in_window(1, Filter::FreeRun));
    }

    // Progress: every step once, in order, up to the whole run's count.
    let total = setup.steps_per_window(FILTERS.len()) * setup.analyses as u64;
    assert!(reports.iter().all(|p| p.total_steps == total));
    assert!(reports.windows(2).all(|w| w[0].steps < w[1].steps));
    assert_eq!(reports.last().map(|p| p.steps), Some(total));
}

#[test]
fn a_measurement_within_a_window_is_the_forecast_error_of_a_window_ending_there() {
    let setup = small();
    let (with_outputs, _) = run(Setup {
        outputs_per_window: 5,
        analyses: 1,
        ..setup.clone()
    });
    // A run whose first window ends at the third leg's end, t = 0.6.
    let (short, _) = run(Setup {
        window: 0.6,
        analyses: 1,
        ..setup
    });
    for filter in FILTERS {
        let measured = with_outputs
            .rows
            .iter()
            .find(|r| r.filter == filter && r.stage == Stage::Between && r.time > 0.59)
            .unwrap();
        let forecast = short
            .rows
            .iter()
            .find(|r| r.filter == filter && r.stage == Stage::Forecast)
            .unwrap();
        assert!((measured.time - forecast.time).abs() < 1e-12);
        assert_eq!(measured.per_member, forecast.per_member, "{filter:?}");
        assert_eq!(measured.mean_particles, forecast.mean_particles);
    }
}

#[test]
fn a_window_that_does_not_split_into_whole_steps_is_refused() {
    // The quick truth steps by 0.02 and the members by 0.04.
    for legs in [0, 3, 50] {
        let setup = Setup {
            outputs_per_window: legs,
            ..small()
        };
        let err = Experiment::start(setup, 11, &FILTERS).err().unwrap();
        assert!(
            matches!(&err, experiments::Error::Scenario { key, .. } if key == "outputs_per_window"),
            "{legs}: {err}"
        );
    }
    assert!(
        Experiment::start(
            Setup {
                outputs_per_window: 25,
                ..small()
            },
            11,
            &FILTERS
        )
        .is_ok()
    );
}
