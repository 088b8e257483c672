//! Paper 2, Fig. 18: the ensemble L2 vorticity error `e_omega` against time
//! for Remesh-EnKF, Part-EnKF and the free-running ensemble on the 2D
//! scenario (Section 5): 32 Vortex-In-Cell members from the prior of
//! Table 2, 10 analyses one time unit apart, both velocity components
//! observed at `12 x 12` points with noise `N(0, 0.05^2)`.
//!
//! The truth is simulated at `d_p = pi/512` ([`DipoleBox::paper_truth`]),
//! the members at `pi/256`. `e_omega = 1/N sum_i int (omega_i - omega_gt)^2`
//! is a midpoint rule on the `256^2` cell centres of the box, each field
//! being the `M4'` interpolant of its particles' projection.
//!
//! The truth and the three ensembles advance together, window by window.
//! After every window `fig18.csv` is rewritten and a checkpoint of every
//! flow is saved ([`checkpoint`]), so an interrupted run loses at most one
//! window: `--resume` continues it with the same final numbers, and
//! `--stop-after K` splits a run on purpose.

mod checkpoint;

use assim::{ObservationNoise, coefficients, part_update, perturbations, remesh_update};
use indicatif::ProgressBar;
use particle_core::kernels::Width;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use validation::dipole_box::{DipoleBox, DipolePrior, noisy_observations};
use validation::dipole_experiment::DipoleExperiment;
use validation::norms::{CellGrid2d, EnsembleL2Error, ensemble_l2_error};
use vic_solver::{FlowState, Vic};

use super::{Cell, Context, Error, Outcome, Table};
use crate::plot::{self, LineChart, Series};
use checkpoint::Checkpoints;

/// Cut-off of the Gaussian in Part-EnKF's field evaluations (eq. 12).
const PART_TOLERANCE: f64 = 1e-6;

/// The experiment's parameters, from the scenario file.
#[derive(Debug, Clone)]
struct Setup {
    truth: DipoleBox,
    member: DipoleBox,
    prior: DipolePrior,
    members: usize,
    analyses: usize,
    window: f64,
    points: Vec<[f64; 2]>,
    sigma_obs: f64,
    quadrature_cells: usize,
}

impl Setup {
    /// `--config FILE` if given, else the paper's file (or the quick one).
    fn new(ctx: &Context) -> Result<Self, Error> {
        let experiment = match &ctx.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                DipoleExperiment::from_toml(&text)?
            }
            None if ctx.quick => DipoleExperiment::quick()?,
            None => DipoleExperiment::paper()?,
        };
        let a = &experiment.assimilation;
        Ok(Setup {
            truth: experiment.truth_box(),
            member: experiment.member_box(),
            prior: experiment.prior(),
            members: a.members,
            analyses: a.analyses,
            window: a.window,
            points: experiment.observation_points(),
            sigma_obs: a.sigma_obs,
            quadrature_cells: a.quadrature_cells,
        })
    }
}

/// Which ensemble is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Filter {
    FreeRun,
    RemeshEnkf,
    PartEnkf,
}

/// The three ensembles, in the order they are advanced in every window.
const FILTERS: [Filter; 3] = [Filter::FreeRun, Filter::RemeshEnkf, Filter::PartEnkf];

impl Filter {
    fn name(self) -> &'static str {
        match self {
            Filter::FreeRun => "free_run",
            Filter::RemeshEnkf => "remesh_enkf",
            Filter::PartEnkf => "part_enkf",
        }
    }
}

/// When an error is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stage {
    Prior,
    Forecast,
    Analysis,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Prior => "prior",
            Stage::Forecast => "forecast",
            Stage::Analysis => "analysis",
        }
    }
}

/// One line of `fig18.csv`: the error of one ensemble at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Row {
    filter: Filter,
    analysis: usize,
    time: f64,
    stage: Stage,
    /// `e_omega`, the mean of `per_member`.
    e_omega: f64,
    per_member: Vec<f64>,
    mean_particles: f64,
}

impl Row {
    fn new(
        filter: Filter,
        analysis: usize,
        time: f64,
        stage: Stage,
        error: EnsembleL2Error,
        flows: &[FlowState],
    ) -> Self {
        let particles = flows.iter().map(|s| s.particles.len() as f64).sum::<f64>();
        Row {
            filter,
            analysis,
            time,
            stage,
            e_omega: error.mean,
            per_member: error.per_member,
            mean_particles: particles / flows.len() as f64,
        }
    }
}

/// Everything a run has computed after `completed` analysis windows: what
/// a checkpoint holds, and all that the figure and the summary are made of.
#[derive(Debug, Clone)]
struct Progress {
    completed: usize,
    truth: FlowState,
    /// The noisy data of every completed window.
    observations: Vec<Vec<f64>>,
    /// The truth's vorticity on the quadrature cells at `t = 0` and after
    /// every completed window.
    truth_fields: Vec<Vec<f64>>,
    /// The members of each ensemble, in [`FILTERS`] order.
    members: Vec<Vec<FlowState>>,
    rows: Vec<Row>,
}

/// Run the truth and the three ensembles window by window, and write the
/// figure.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let setup = Setup::new(ctx)?;
    let quadrature = CellGrid2d::new(
        [0.0, 0.0],
        [DipoleBox::LENGTH, DipoleBox::LENGTH],
        [setup.quadrature_cells, setup.quadrature_cells],
    )?;
    // A checkpoint is used only by a run of the same scenario and seed.
    let fingerprint = format!("{setup:?}, seed {}", ctx.seed);
    let checkpoints = Checkpoints::new(ctx.file("checkpoint"));

    let (mut truth_vic, truth_start) = setup.truth.start()?;
    let (mut vics, prior): (Vec<Vic>, Vec<FlowState>) = (0..setup.members)
        .map(|i| setup.prior.sample(ctx.seed, i, &setup.member).start())
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let mut progress = if ctx.resume {
        checkpoints.load(&fingerprint)?
    } else {
        checkpoints.clear()?;
        let mut progress = Progress {
            completed: 0,
            truth_fields: vec![field_on(&mut truth_vic, &truth_start, &quadrature)?],
            truth: truth_start,
            observations: Vec::new(),
            members: vec![prior; FILTERS.len()],
            rows: Vec::new(),
        };
        let error = ensemble_error(
            &mut vics,
            &progress.members[0],
            &progress.truth_fields[0],
            &quadrature,
        )?;
        for filter in FILTERS {
            let row = Row::new(
                filter,
                0,
                0.0,
                Stage::Prior,
                error.clone(),
                &progress.members[0],
            );
            progress.rows.push(row);
        }
        progress
    };

    let last = ctx
        .stop_after
        .map_or(setup.analyses, |k| k.min(setup.analyses));
    let truth_steps = setup.truth.steps_to(setup.window);
    let member_steps = setup.member.steps_to(setup.window);
    let per_window = truth_steps + FILTERS.len() as u64 * member_steps;
    let bar = ctx.progress(per_window * setup.analyses as u64, "truth and ensembles");
    bar.set_position(per_window * progress.completed as u64);
    while progress.completed < last {
        advance_window(
            ctx,
            &setup,
            &quadrature,
            &mut truth_vic,
            &mut vics,
            &mut progress,
            &bar,
        )?;
        write_csv(ctx, &progress.rows)?;
        checkpoints.save(&progress, &fingerprint)?;
    }
    bar.finish_and_clear();
    let complete = progress.completed == setup.analyses;
    if complete {
        checkpoints.clear()?;
    }
    write_csv(ctx, &progress.rows)?;
    outcome(ctx, &setup, &progress.rows, complete)
}

/// Window `k = progress.completed`: the truth, then each ensemble's forecast
/// and (for the filters) its analysis. Every ensemble starts from the same
/// prior, so the first forecast is computed once and shared.
fn advance_window(
    ctx: &Context,
    setup: &Setup,
    quadrature: &CellGrid2d,
    truth_vic: &mut Vic,
    vics: &mut [Vic],
    progress: &mut Progress,
    bar: &ProgressBar,
) -> Result<(), Error> {
    let k = progress.completed;
    let time = (k + 1) as f64 * setup.window;
    truth_vic.advance(
        &mut progress.truth,
        setup.truth.steps_to(setup.window),
        |_| bar.inc(1),
    )?;
    let velocity = truth_vic.velocity_at(&progress.truth.particles, &setup.points)?;
    progress
        .observations
        .push(noisy_observations(&velocity, setup.sigma_obs, ctx.seed, k));
    let truth_field = field_on(truth_vic, &progress.truth, quadrature)?;

    let member_steps = setup.member.steps_to(setup.window);
    for (e, filter) in FILTERS.into_iter().enumerate() {
        if k == 0 && e > 0 {
            progress.members[e] = progress.members[0].clone();
        } else {
            forecast(vics, &mut progress.members[e], member_steps)?;
        }
        bar.inc(member_steps);
        let flows = &mut progress.members[e];
        let error = ensemble_error(vics, flows, &truth_field, quadrature)?;
        progress
            .rows
            .push(Row::new(filter, k + 1, time, Stage::Forecast, error, flows));
        if filter != Filter::FreeRun {
            analyse(
                ctx,
                setup,
                filter,
                k,
                &progress.observations[k],
                vics,
                flows,
            )?;
            let error = ensemble_error(vics, flows, &truth_field, quadrature)?;
            progress
                .rows
                .push(Row::new(filter, k + 1, time, Stage::Analysis, error, flows));
        }
    }
    progress.truth_fields.push(truth_field);
    progress.completed = k + 1;
    Ok(())
}

/// Every member through `steps` steps, in parallel.
fn forecast(vics: &mut [Vic], flows: &mut [FlowState], steps: u64) -> Result<(), Error> {
    vics.par_iter_mut()
        .zip(flows.par_iter_mut())
        .enumerate()
        .try_for_each(|(member, (vic, state))| {
            vic.advance(state, steps, |_| {})
                .map_err(|source| Error::Member { member, source })
        })
}

/// The analysis of window `k`: predicted velocities from each member's own
/// flow, the coefficients `F` of eq. (2), then the filter's update.
fn analyse(
    ctx: &Context,
    setup: &Setup,
    filter: Filter,
    k: usize,
    data: &[f64],
    vics: &mut [Vic],
    flows: &mut [FlowState],
) -> Result<(), Error> {
    let variances = vec![setup.sigma_obs * setup.sigma_obs; 2 * setup.points.len()];
    let noise = ObservationNoise::diagonal(&variances)?;
    let predicted: Vec<Vec<f64>> = vics
        .par_iter_mut()
        .zip(flows.par_iter())
        .map(|(vic, state)| {
            Ok(vic
                .velocity_at(&state.particles, &setup.points)?
                .into_iter()
                .flatten()
                .collect())
        })
        .collect::<Result<_, Error>>()?;
    let eps = perturbations(ctx.seed, k, setup.members, &noise);
    let f = coefficients(&predicted, data, &eps, &noise)?;
    let forecast: Vec<_> = flows.iter().map(|s| s.particles.clone()).collect();
    let grid = vics[0].grid();
    let analysed = match filter {
        Filter::RemeshEnkf => {
            remesh_update(&forecast, grid.remesh_grid(), &f, setup.member.threshold)?
        }
        Filter::PartEnkf => part_update(
            &forecast,
            grid.domain().particle_domain(),
            Width::new(setup.member.smoothing_ratio * setup.member.particle_spacing)?,
            PART_TOLERANCE,
            &f,
        )?,
        Filter::FreeRun => unreachable!("the free run has no analysis"),
    };
    for (state, particles) in flows.iter_mut().zip(analysed) {
        state.particles = particles;
    }
    Ok(())
}

/// `fig18.csv` from the rows so far.
fn write_csv(ctx: &Context, rows: &[Row]) -> Result<(), Error> {
    let mut table = Table::new(&[
        "filter",
        "analysis",
        "time",
        "stage",
        "e_omega",
        "member_min",
        "member_q10",
        "member_median",
        "member_q90",
        "member_max",
        "mean_particles",
    ]);
    for row in rows {
        let mut sorted = row.per_member.clone();
        sorted.sort_by(f64::total_cmp);
        let q = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
        table.row(&[
            Cell::Text(row.filter.name()),
            Cell::Num(row.analysis as f64),
            Cell::Num(row.time),
            Cell::Text(row.stage.name()),
            Cell::Num(row.e_omega),
            Cell::Num(q(0.0)),
            Cell::Num(q(0.1)),
            Cell::Num(q(0.5)),
            Cell::Num(q(0.9)),
            Cell::Num(q(1.0)),
            Cell::Num(row.mean_particles),
        ]);
    }
    table.write(&ctx.csv_path())
}

/// The errors of one ensemble at one stage, in time order.
fn errors(rows: &[Row], filter: Filter, stage: Stage) -> Vec<f64> {
    rows.iter()
        .filter(|r| r.filter == filter && r.stage == stage)
        .map(|r| r.e_omega)
        .collect()
}

/// The figure and the summary's numbers from the rows.
fn outcome(ctx: &Context, setup: &Setup, rows: &[Row], complete: bool) -> Result<Outcome, Error> {
    plot::line_chart(
        &ctx.svg_path(),
        &LineChart {
            title: format!(
                "Ensemble L2 vorticity error, N = {} members, {} analyses",
                setup.members, setup.analyses
            ),
            x_label: "time".into(),
            y_label: "log₁₀ e_ω,  e_ω = 1/N Σ ∫(ω_i − ω_gt)²".into(),
            series: FILTERS
                .iter()
                .map(|&filter| Series {
                    label: filter.name().replace('_', " "),
                    points: sawtooth(rows, filter),
                })
                .collect(),
        },
    )?;

    let free = errors(rows, Filter::FreeRun, Stage::Forecast);
    let mut key = serde_json::Map::new();
    key.insert("complete".into(), json!(complete));
    key.insert("completed_analyses".into(), json!(free.len()));
    for filter in [Filter::RemeshEnkf, Filter::PartEnkf] {
        let forecast = errors(rows, filter, Stage::Forecast);
        let analysis = errors(rows, filter, Stage::Analysis);
        let cut_every_time = forecast.iter().zip(&analysis).all(|(f, a)| a < f);
        key.insert(
            filter.name().into(),
            json!({
                "forecast_error": forecast,
                "analysis_error": analysis,
                "analysis_below_forecast_at_every_step": cut_every_time,
                "final_over_free_run": analysis.last().copied().unwrap_or(f64::NAN)
                    / free.last().copied().unwrap_or(f64::NAN),
            }),
        );
    }
    key.insert("free_run_error".into(), json!(free));
    key.insert(
        "prior_error".into(),
        json!(errors(rows, Filter::FreeRun, Stage::Prior).first()),
    );
    key.insert(
        "analysis_times".into(),
        json!(
            (1..=free.len())
                .map(|k| k as f64 * setup.window)
                .collect::<Vec<_>>()
        ),
    );
    let mut notes = vec![
        "e_omega by the midpoint rule on cell centres; each field is the M4' interpolant of its particles' projection onto its own grid".into(),
        "the truth is simulated at d_p = pi/512, twice finer than the members".into(),
        "fig18.csv and a checkpoint (checkpoint/) are written after every analysis window; --resume continues an interrupted run with the same final numbers".into(),
    ];
    if !complete {
        notes.push(format!(
            "stopped after {} of {} analyses (--stop-after); continue with --resume",
            free.len(),
            setup.analyses
        ));
    }
    Ok(Outcome {
        parameters: json!({
            "members": setup.members,
            "analyses": setup.analyses,
            "window": setup.window,
            "observation_points": setup.points,
            "observed": "both velocity components",
            "sigma_obs": setup.sigma_obs,
            "truth": discretisation(&setup.truth),
            "members_discretisation": discretisation(&setup.member),
            "prior": {
                "radius_mean_sd": setup.prior.radius,
                "alpha_range": setup.prior.alpha,
                "center_mean_sd": [setup.prior.center.0[0], setup.prior.center.0[1], setup.prior.center.1],
                "speed_range": setup.prior.speed,
                "viscosity_mean_sd": setup.prior.viscosity,
            },
            "scenario_file": ctx.config.as_ref().map_or_else(
                || if ctx.quick { "scenarios/dipole2d-quick.toml".to_string() } else { "scenarios/dipole2d.toml".to_string() },
                |p| p.display().to_string(),
            ),
            "quadrature_cells": setup.quadrature_cells,
            "remesh_enkf_threshold": setup.member.threshold,
            "part_enkf_kernel": format!("Gaussian, eps = {} d_p, cut-off {PART_TOLERANCE:e}", setup.member.smoothing_ratio),
        }),
        key_numbers: serde_json::Value::Object(key),
        notes,
    })
}

fn discretisation(d: &DipoleBox) -> serde_json::Value {
    json!({
        "particle_spacing": d.particle_spacing,
        "dt": d.dt,
        "pse_width_over_dp": d.smoothing_ratio,
        "eps_omega": d.threshold,
        "remesh_every_steps": d.remesh_every,
    })
}

/// Points of a curve in `(t, log10 e_omega)`: the prior, then the forecast
/// error just before and, for filters, the analysis error just after each
/// analysis time (the rows' order).
fn sawtooth(rows: &[Row], filter: Filter) -> Vec<(f64, f64)> {
    rows.iter()
        .filter(|r| r.filter == filter)
        .map(|r| (r.time, r.e_omega.log10()))
        .collect()
}

/// The vorticity of a flow at the quadrature cell centres.
fn field_on(vic: &mut Vic, state: &FlowState, quadrature: &CellGrid2d) -> Result<Vec<f64>, Error> {
    let nodes = vic.vorticity(&state.particles)?;
    let (xs, ys) = (quadrature.xs(), quadrature.ys());
    let mut values = Vec::with_capacity(xs.len() * ys.len());
    for &y in &ys {
        for &x in &xs {
            values.push(nodes.field_at([x, y])?);
        }
    }
    Ok(values)
}

/// `e_omega` of an ensemble against the truth's field.
fn ensemble_error(
    vics: &mut [Vic],
    flows: &[FlowState],
    truth_field: &[f64],
    quadrature: &CellGrid2d,
) -> Result<EnsembleL2Error, Error> {
    let fields: Vec<Vec<f64>> = vics
        .par_iter_mut()
        .zip(flows.par_iter())
        .map(|(vic, state)| field_on(vic, state, quadrature))
        .collect::<Result<_, _>>()?;
    Ok(ensemble_l2_error(quadrature, &fields, truth_field)?)
}
