//! Calibrating the members' viscosity by parameter augmentation (paper 2,
//! Section 5.2.1; the scenario key `assimilation.calibrate_viscosity`):
//! each member carries its prior draw `[nu_i]`, which every analysis
//! updates with the coefficients `F` of eq. (2) that update its flow.
//!
//! * Without the key, or with it false, the run is the uncalibrated one
//!   (same setup, fingerprint and rows) and every row reports the prior
//!   draws' mean and spread.
//! * From a prior mean three times the truth's `nu`, the analysed mean
//!   moves towards the truth.
//! * The analysed `nu` is the forecast `nu` times `F`, computed here from
//!   the forecast flows' predicted velocities, the data and the
//!   perturbations by a dense textbook product (and by the textbook
//!   Kalman gain of the augmented state), clamped at 0 with a warning.
//! * A run stopped and resumed from its checkpoint, on one or two threads,
//!   or shared out over two ranks, is the uninterrupted run bit for bit;
//!   checkpoints of uncalibrated runs keep their old form and old ones
//!   still resume.

use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use assim::distributed::{SingleProcess, ThreadRanks};
use assim::{Filter as _, ObservationNoise};
use experiments::dipole::{
    Checkpoints, DipoleScenario, Experiment, FILTERS, Filter, QUICK, RunState, Setup, Split,
    Spread, Stage, VicFilter, fingerprint, run_checkpointed,
};
use experiments::{Error, Warning};
use vic_solver::FlowState;

mod common;
use common::bits;

/// The scenario seed of every run here.
const SEED: u64 = 11;

/// The quick scenario's prior of the viscosity, as written in its file.
const QUICK_PRIOR: &str = "viscosity = { mean = 0.0015, variance = 2.5e-7 }";

/// The quick scenario with `calibrate` (`None`: the key absent) and the
/// viscosity's prior `(mean, variance)` (`None`: the file's).
fn scenario(calibrate: Option<bool>, prior: Option<(f64, f64)>) -> DipoleScenario {
    assert!(QUICK.contains(QUICK_PRIOR) && QUICK.contains("quadrature_cells = 128\n"));
    let mut text = QUICK.to_string();
    if let Some((mean, variance)) = prior {
        let line = format!("viscosity = {{ mean = {mean:e}, variance = {variance:e} }}");
        text = text.replacen(QUICK_PRIOR, &line, 1);
    }
    if let Some(calibrate) = calibrate {
        let line = format!("quadrature_cells = 128\ncalibrate_viscosity = {calibrate}\n");
        text = text.replacen("quadrature_cells = 128\n", &line, 1);
    }
    DipoleScenario::from_toml(&text).unwrap()
}

/// A calibrated setup with `members`, `analyses` and the viscosity's
/// prior `(mean, variance)`, measured only at the analyses.
fn calibrated(members: usize, analyses: usize, prior: (f64, f64)) -> Setup {
    let mut setup = Setup::new(&scenario(Some(true), Some(prior)));
    setup.n_members = members;
    setup.analyses = analyses;
    setup.outputs_per_window = 1;
    setup
}

/// A prior of the viscosity wide enough (sd 0.01 about 0.001) that the
/// second analysis of the Part-EnKF ensemble takes two of its 12 members
/// below 0 under [`SEED`] (found by running it).
const WIDE: (f64, f64) = (0.001, 1e-4);

/// Every window of `setup` (the warnings of each as it ends).
fn run(setup: Setup, filters: &[Filter]) -> (RunState, Vec<Warning>) {
    let (mut experiment, mut state) = Experiment::start(setup, SEED, filters).unwrap();
    let mut warnings = Vec::new();
    while state.completed < experiment.setup.analyses {
        experiment.advance_window(&mut state, &mut |_| {}).unwrap();
        warnings.extend(experiment.take_warnings());
    }
    assert!(
        state.rows.iter().all(|r| r.viscosity.is_some()),
        "every new row has the members' viscosity"
    );
    (state, warnings)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("experiments-nu-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// The members' prior draws of the viscosity, sampled here.
fn prior_draws(setup: &Setup) -> Vec<f64> {
    (0..setup.n_members)
        .map(|i| setup.prior.sample(SEED, i, &setup.member).viscosity)
        .collect()
}

fn spread_of(filter: Filter, state: &RunState) -> Vec<f64> {
    let e = state
        .ensembles
        .iter()
        .position(|(f, _)| *f == filter)
        .unwrap();
    state.parameters[e].iter().map(|theta| theta[0]).collect()
}

#[test]
fn without_the_key_or_with_it_false_the_run_is_the_uncalibrated_one() {
    let absent = Setup::new(&scenario(None, None));
    let off = Setup::new(&scenario(Some(false), None));
    let on = Setup::new(&scenario(Some(true), None));
    assert!(!absent.calibrate_viscosity && !off.calibrate_viscosity && on.calibrate_viscosity);
    let key = fingerprint(&absent, SEED, &FILTERS);
    assert_eq!(fingerprint(&off, SEED, &FILTERS), key);
    assert!(!key.contains("calibrate"), "{key}");
    let calibrated = fingerprint(&on, SEED, &FILTERS);
    assert!(
        calibrated.contains(r#""calibrate_viscosity":true"#),
        "{calibrated}"
    );
    assert_eq!(
        calibrated.replacen(r#","calibrate_viscosity":true"#, "", 1),
        key,
        "the key alone tells them apart"
    );

    let small = |mut setup: Setup| {
        setup.n_members = 3;
        setup.analyses = 2;
        setup
    };
    let (absent, off) = (small(absent), small(off));
    let draws = prior_draws(&absent);
    let (absent_run, absent_warnings) = run(absent, &FILTERS);
    let (off_run, _) = run(off, &FILTERS);
    assert_eq!(bits(&off_run), bits(&absent_run));
    assert_eq!(off_run.rows, absent_run.rows);
    assert!(absent_warnings.is_empty());
    assert!(
        absent_run.parameters.iter().flatten().all(Vec::is_empty),
        "no member carries a parameter"
    );
    // Every row reports the (constant) prior draws.
    let n = draws.len() as f64;
    let mean = draws.iter().sum::<f64>() / n;
    let sd = (draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    for row in &absent_run.rows {
        let spread = row.viscosity.unwrap();
        assert!((spread.mean - mean).abs() <= 1e-15 * mean, "{row:?}");
        assert!((spread.sd - sd).abs() <= 1e-12 * sd, "{row:?}");
    }
    assert!(absent_run.rows.iter().any(|r| r.stage == Stage::Analysis));
}

/// Paper 2, Section 5.2.1: the members' viscosity as a parameter of the
/// augmented state. From a prior mean three times the truth's `nu`, ten
/// analyses of the quick scenario bring the ensemble's mean towards the
/// truth, in both filters, and narrow its spread; the free run keeps its
/// draws.
#[test]
fn a_calibrated_viscosity_moves_from_a_wrong_prior_towards_the_truth() {
    let truth = scenario(None, None).flow.viscosity;
    let prior_mean = 3.0 * truth;
    let setup = Setup::new(&scenario(Some(true), Some((prior_mean, 2.5e-7))));
    assert_eq!((setup.n_members, setup.analyses), (12, 10));
    let draws = prior_draws(&setup);
    let (state, warnings) = run(setup, &FILTERS);
    assert!(warnings.is_empty(), "{warnings:?}");
    let prior = state.rows[0].viscosity.unwrap();
    assert_eq!(prior, Spread::of(&draws));
    let gap = |nu: f64| (nu - truth).abs();
    for filter in [Filter::RemeshEnkf, Filter::PartEnkf] {
        let means: Vec<f64> = state
            .rows
            .iter()
            .filter(|r| r.filter == filter && r.stage == Stage::Analysis)
            .map(|r| r.viscosity.unwrap().mean)
            .collect();
        let last = state
            .rows
            .iter()
            .rfind(|r| r.filter == filter)
            .unwrap()
            .viscosity
            .unwrap();
        assert_eq!(means.len(), 10);
        assert_eq!(last.mean, *means.last().unwrap());
        let seen = format!(
            "{filter:?}: nu mean after each analysis {means:?} (truth {truth}, prior mean \
             {prior_mean}, prior draws' mean {}), sd {} -> {}",
            prior.mean, prior.sd, last.sd
        );
        assert!(gap(last.mean) < gap(prior_mean), "{seen}");
        assert!(gap(last.mean) < gap(prior.mean), "{seen}");
        assert!(last.sd < prior.sd, "{seen}");
        let members = spread_of(filter, &state);
        assert_eq!(Spread::of(&members), last);
    }
    let free = spread_of(Filter::FreeRun, &state);
    assert_eq!(free, draws, "the free run keeps its draws");
    assert!(
        state
            .rows
            .iter()
            .filter(|r| r.filter == Filter::FreeRun)
            .all(|r| r.viscosity == Some(prior))
    );
}

/// The predicted observations (both velocity components at the points)
/// of `flows`, through a filter of the members' discretisation.
fn predictions(setup: &Setup, flows: &[FlowState]) -> Vec<Vec<f64>> {
    let (vic, _) = setup.member.start().unwrap();
    let filter = VicFilter::remesh_enkf(
        setup.points.clone(),
        vic.grid().clone(),
        *vic.config(),
        setup.member.eps_omega,
    )
    .unwrap();
    flows.iter().map(|s| filter.predict(s).unwrap()).collect()
}

/// Analysis `k` of `nu` from the predictions `h` of its flows and `data`:
/// `nu_i + sum_j F_ji nu_j` with `F` from `assim::coefficients` on the
/// run's perturbations (a dense product in member order), and the
/// textbook update of the augmented state, `nu_i + c^T (C_H + R)^{-1}
/// (y + eps_i - H_i)` with the cross-covariance `c` of `nu` and the
/// predictions, solved by Gaussian elimination (no `F`, no Woodbury).
fn naive_analyses(
    setup: &Setup,
    nu: &[f64],
    h: &[Vec<f64>],
    data: &[f64],
    k: usize,
) -> (Vec<f64>, Vec<f64>) {
    let (n, m) = (nu.len(), data.len());
    let variance = setup.sigma_obs * setup.sigma_obs;
    let noise = ObservationNoise::diagonal(&vec![variance; m]).unwrap();
    let eps = assim::perturbations(SEED, k, n, &noise);
    let f = assim::coefficients(h, data, &eps, &noise).unwrap();
    let product: Vec<f64> = (0..n)
        .map(|i| {
            let mut increment = 0.0;
            for (j, nu_j) in nu.iter().enumerate() {
                increment += f.get(j, i) * nu_j;
            }
            nu[i] + increment
        })
        .collect();

    let n1 = (n - 1) as f64;
    let hbar: Vec<f64> = (0..m)
        .map(|r| h.iter().map(|h_j| h_j[r]).sum::<f64>() / n as f64)
        .collect();
    let nubar = nu.iter().sum::<f64>() / n as f64;
    let c: Vec<f64> = (0..m)
        .map(|r| {
            (0..n)
                .map(|j| (nu[j] - nubar) * (h[j][r] - hbar[r]))
                .sum::<f64>()
                / n1
        })
        .collect();
    let mut s = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            s[a * m + b] = (0..n)
                .map(|j| (h[j][a] - hbar[a]) * (h[j][b] - hbar[b]))
                .sum::<f64>()
                / n1;
        }
        s[a * m + a] += variance;
    }
    // (C_H + R) w = c, then nu_i^a = nu_i + w . (y + eps_i - H_i).
    let w = gauss_solve(s, c, m);
    let textbook = (0..n)
        .map(|i| {
            nu[i]
                + (0..m)
                    .map(|r| w[r] * (data[r] + eps[i][r] - h[i][r]))
                    .sum::<f64>()
        })
        .collect();
    (product, textbook)
}

/// `x` with `a x = b` (`a` dense `m x m`, row-major) by Gaussian
/// elimination with partial pivoting.
fn gauss_solve(mut a: Vec<f64>, mut b: Vec<f64>, m: usize) -> Vec<f64> {
    for col in 0..m {
        let pivot = (col..m)
            .max_by(|&p, &q| a[p * m + col].abs().total_cmp(&a[q * m + col].abs()))
            .unwrap();
        if pivot != col {
            for x in 0..m {
                a.swap(col * m + x, pivot * m + x);
            }
            b.swap(col, pivot);
        }
        for row in col + 1..m {
            let factor = a[row * m + col] / a[col * m + col];
            for x in col..m {
                a[row * m + x] -= factor * a[col * m + x];
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; m];
    for row in (0..m).rev() {
        let tail: f64 = (row + 1..m).map(|c| a[row * m + c] * x[c]).sum();
        x[row] = (b[row] - tail) / a[row * m + row];
    }
    x
}

/// The flows of `filter`'s ensemble of `state` forecast through the next
/// window by a free-running ensemble that starts from them (and their
/// parameters): the forecast the filter's next analysis sees.
fn forecast_of(setup: &Setup, state: &RunState, filter: Filter) -> Vec<FlowState> {
    let e = state
        .ensembles
        .iter()
        .position(|(f, _)| *f == filter)
        .unwrap();
    let (mut experiment, _) = Experiment::start(setup.clone(), SEED, &[Filter::FreeRun]).unwrap();
    let mut alone = state.clone();
    alone.ensembles = vec![(Filter::FreeRun, state.ensembles[e].1.clone())];
    alone.parameters = vec![state.parameters[e].clone()];
    alone.rows.clear();
    experiment.advance_window(&mut alone, &mut |_| {}).unwrap();
    alone.ensembles.remove(0).1
}

#[test]
fn the_analysed_viscosity_is_the_forecast_one_times_f() {
    let setup = calibrated(12, 2, WIDE);
    let (mut experiment, mut state) = Experiment::start(setup.clone(), SEED, &FILTERS).unwrap();
    let draws = prior_draws(&setup);
    assert_eq!(
        state.parameters[1],
        draws.iter().map(|&nu| vec![nu]).collect::<Vec<_>>()
    );

    // Analysis 0: every ensemble forecast the same flows (the free run's)
    // with the prior draws, and both filters see the same F.
    experiment.advance_window(&mut state, &mut |_| {}).unwrap();
    assert!(experiment.take_warnings().is_empty());
    let h = predictions(&setup, &state.ensembles[0].1);
    let (product, textbook) = naive_analyses(&setup, &draws, &h, &state.observations[0], 0);
    let scale = Spread::of(&draws).sd;
    for filter in [Filter::RemeshEnkf, Filter::PartEnkf] {
        let analysed = spread_of(filter, &state);
        for i in 0..draws.len() {
            assert!(
                (analysed[i] - product[i]).abs() <= 1e-12 * scale,
                "{filter:?} member {i}: {} vs {}",
                analysed[i],
                product[i]
            );
            assert!(
                (analysed[i] - textbook[i]).abs() <= 1e-8 * scale,
                "{filter:?} member {i}: {} vs the textbook gain's {}",
                analysed[i],
                textbook[i]
            );
        }
        assert_ne!(analysed, draws, "the analysis moved nu");
    }

    // Analysis 1: each filter's own forecast (with its analysed nu), its
    // own F; members taken below 0 are set to 0 and reported.
    let before = state.clone();
    experiment.advance_window(&mut state, &mut |_| {}).unwrap();
    let warnings = experiment.take_warnings();
    let mut clamped = 0;
    for filter in [Filter::RemeshEnkf, Filter::PartEnkf] {
        let nu = spread_of(filter, &before);
        let forecast = forecast_of(&setup, &before, filter);
        let h = predictions(&setup, &forecast);
        let (product, _) = naive_analyses(&setup, &nu, &h, &state.observations[1], 1);
        let analysed = spread_of(filter, &state);
        let below: Vec<(usize, f64)> = product
            .iter()
            .enumerate()
            .filter(|(_, nu)| **nu < 0.0)
            .map(|(i, nu)| (i, *nu))
            .collect();
        for i in 0..nu.len() {
            let expected = product[i].max(0.0);
            assert!(
                (analysed[i] - expected).abs() <= 1e-12 * scale,
                "{filter:?} member {i}: {} vs {expected}",
                analysed[i]
            );
        }
        let warning = warnings.iter().find(|w| {
            matches!(w, Warning::ParameterClamped { ensemble, .. } if *ensemble == filter.name())
        });
        match warning {
            None => assert!(below.is_empty(), "{filter:?}: {below:?} clamped silently"),
            Some(Warning::ParameterClamped {
                analysis,
                parameter,
                bound,
                members,
                ..
            }) => {
                assert_eq!((*analysis, *parameter, *bound), (2, "viscosity nu", 0.0));
                assert_eq!(members.len(), below.len());
                for ((member, value), (i, naive)) in members.iter().zip(&below) {
                    assert_eq!(member, i);
                    assert!((value - naive).abs() <= 1e-12 * scale);
                    assert_eq!(analysed[*i], 0.0);
                }
                let message = warning.unwrap().to_string();
                assert!(message.contains(filter.name()) && message.contains("viscosity nu"));
                clamped += members.len();
            }
            Some(other) => panic!("{other}"),
        }
    }
    assert!(clamped > 0, "the wide prior takes some member below 0");
}

/// `run_checkpointed` of `setup` in a pool of `threads`, once per entry
/// of `stops` (the windows to stop at), every call but the first resuming
/// (the first too if `resume`): its final state, and the warnings handed
/// to `Split::on_warning`.
fn checkpointed(
    setup: &Setup,
    dir: &std::path::Path,
    threads: usize,
    resume: bool,
    stops: &[usize],
) -> (RunState, Vec<Warning>) {
    let checkpoints = Checkpoints::in_dir(dir.to_path_buf());
    let warnings = Mutex::new(Vec::new());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut last = None;
    for (call, &stop_at) in stops.iter().enumerate() {
        let state = pool.install(|| {
            let split = Split {
                checkpoints: &checkpoints,
                resume: resume || call > 0,
                stop_at,
                revision: "test",
                on_warning: &|w: &Warning| warnings.lock().unwrap().push(w.clone()),
                ranks: Arc::new(SingleProcess),
            };
            run_checkpointed(setup.clone(), SEED, &FILTERS, &split, &mut |_| {}, |_| {
                Ok::<(), Error>(())
            })
            .unwrap()
        });
        last = Some(state);
    }
    (last.unwrap(), warnings.into_inner().unwrap())
}

#[test]
fn a_calibrated_run_stopped_and_resumed_on_one_or_two_threads_is_the_uninterrupted_run() {
    let setup = calibrated(12, 3, WIDE);
    let (whole, whole_warnings) = checkpointed(&setup, &scratch("whole"), 1, false, &[usize::MAX]);
    assert!(
        whole_warnings
            .iter()
            .any(|w| matches!(w, Warning::ParameterClamped { .. })),
        "the clamped members reach the caller: {whole_warnings:?}"
    );
    let dir = scratch("split");
    let (split, split_warnings) = checkpointed(&setup, &dir, 2, false, &[1, 2, usize::MAX]);
    assert_eq!(bits(&split), bits(&whole));
    assert_eq!(split.rows, whole.rows);
    assert_eq!(split_warnings, whole_warnings);
    // The checkpoint holds the parameters (JSON numbers, exactly).
    let text = fs::read_to_string(dir.join("after-003/state.json")).unwrap();
    assert!(text.contains("\"parameters\":[[["), "{}", &text[..200]);
    assert!(text.contains(r#""viscosity":{"mean":"#));
    let loaded = Checkpoints::in_dir(dir)
        .load(&fingerprint(&setup, SEED, &FILTERS))
        .unwrap();
    assert_eq!(loaded.parameters, whole.parameters);
    assert_eq!(bits(&loaded), bits(&whole));
}

/// An uncalibrated checkpoint has no parameters in its `state.json`, as
/// before; one written before rows had the viscosity (rows without it)
/// resumes, and the resumed rows get the prior draws' spread: the
/// uninterrupted run's. A calibrated setup refuses a checkpoint whose
/// members carry no viscosity.
#[test]
fn old_and_uncalibrated_checkpoints_resume_and_mismatched_ones_are_refused() {
    let mut setup = Setup::new(&scenario(None, None));
    setup.n_members = 3;
    setup.analyses = 2;
    let (whole, _) = checkpointed(&setup, &scratch("plain"), 1, false, &[usize::MAX]);

    let dir = scratch("old");
    let (mut experiment, mut state) = Experiment::start(setup.clone(), SEED, &FILTERS).unwrap();
    experiment.advance_window(&mut state, &mut |_| {}).unwrap();
    for row in &mut state.rows {
        row.viscosity = None;
    }
    let key = fingerprint(&setup, SEED, &FILTERS);
    Checkpoints::in_dir(dir.clone()).save(&state, &key).unwrap();
    let text = fs::read_to_string(dir.join("after-001/state.json")).unwrap();
    // As written before: no parameters, no rows' viscosity (the
    // fingerprint names the flow's and the prior's).
    assert!(!text.contains("\"parameters\"") && !text.contains(r#""viscosity":{"#));
    let (resumed, _) = checkpointed(&setup, &dir, 1, true, &[usize::MAX]);
    assert_eq!(bits(&resumed), bits(&whole));

    // A calibrated run's checkpoint stripped of its parameters.
    let setup = calibrated(3, 2, WIDE);
    let dir = scratch("stripped");
    let (mut experiment, mut state) = Experiment::start(setup.clone(), SEED, &FILTERS).unwrap();
    experiment.advance_window(&mut state, &mut |_| {}).unwrap();
    for parameters in &mut state.parameters {
        parameters.iter_mut().for_each(Vec::clear);
    }
    let key = fingerprint(&setup, SEED, &FILTERS);
    Checkpoints::in_dir(dir.clone()).save(&state, &key).unwrap();
    let checkpoints = Checkpoints::in_dir(dir.clone());
    let split = Split {
        checkpoints: &checkpoints,
        resume: true,
        stop_at: usize::MAX,
        revision: "test",
        on_warning: &|_| {},
        ranks: Arc::new(SingleProcess),
    };
    let err = run_checkpointed(setup, SEED, &FILTERS, &split, &mut |_| {}, |_| {
        Ok::<(), Error>(())
    })
    .unwrap_err();
    assert!(
        matches!(&err, Error::Checkpoint { path, .. } if *path == dir.join("after-001"))
            && err.to_string().contains("calibrate_viscosity"),
        "{err}"
    );
}

/// A setup changed in code that calibrates with local analyses is refused
/// before anything runs (the scenario check refuses the file's keys).
#[test]
fn a_calibrated_setup_with_local_analyses_is_refused() {
    let mut setup = calibrated(3, 1, WIDE);
    setup.analysis.localisation = Some(assim::GaspariCohn::new(0.5).unwrap());
    let err = Experiment::start(setup, SEED, &FILTERS).err().unwrap();
    assert!(
        matches!(&err, Error::Scenario { key, .. } if key == "calibrate_viscosity"),
        "{err}"
    );
}

/// Shared out over two ranks (each forecasts and analyses its block of
/// every ensemble; the parameters are analysed on every rank from the
/// gathered predictions), a calibrated run is the single process's bit
/// for bit, and every rank ends with every member's `nu`.
#[test]
fn a_calibrated_run_over_two_ranks_is_the_single_process_run() {
    let setup = calibrated(5, 2, WIDE);
    let (alone, alone_warnings) = run(setup.clone(), &FILTERS);
    let ranks: Vec<(RunState, Vec<Warning>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = ThreadRanks::group(2)
            .into_iter()
            .map(|rank| {
                let setup = setup.clone();
                // Each rank its own pool, as each process has: a gather
                // blocks a worker (inside the forecast's `rayon::join`),
                // which in a shared pool could hold the other rank's work.
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .unwrap();
                scope.spawn(move || {
                    pool.install(|| {
                        let (experiment, mut state) =
                            Experiment::start(setup, SEED, &FILTERS).unwrap();
                        let ranks = Arc::new(rank);
                        let mut experiment = experiment.with_ranks(ranks);
                        let mut warnings = Vec::new();
                        while state.completed < experiment.setup.analyses {
                            experiment.advance_window(&mut state, &mut |_| {}).unwrap();
                            warnings.extend(experiment.take_warnings());
                        }
                        (state, warnings)
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (rank, (state, warnings)) in ranks.iter().enumerate() {
        assert!(bits(state) == bits(&alone), "rank {rank}");
        assert_eq!(state.parameters, alone.parameters, "rank {rank}");
        assert_eq!(warnings, &alone_warnings, "rank {rank}");
    }
    assert_ne!(alone.parameters[1], alone.parameters[0], "analysed");
}
