//! Paper 2, Fig. 18: the ensemble L2 vorticity error `e_omega` against time
//! for Remesh-EnKF, Part-EnKF and the free-running ensemble on the 2D
//! scenario (Section 5): 32 Vortex-In-Cell members from the prior of
//! Table 2, 10 analyses one time unit apart, both velocity components
//! observed at `12 x 12` points with noise `N(0, 0.05^2)`.
//!
//! The truth is simulated at `d_p = pi/512` ([`DipoleBox::paper_truth`]),
//! the members at `pi/256`. `e_omega = 1/N sum_i int (omega_i - omega_gt)^2`
//! is a midpoint rule on the `256^2` cell centres of the box, each field
//! being the `M4'` interpolant of its particles' projection. Rows are
//! written to `fig18.csv` after every analysis, so an interrupted run keeps
//! what it computed.

use assim::{ObservationNoise, coefficients, part_update, perturbations, remesh_update};
use particle_core::kernels::Width;
use rayon::prelude::*;
use serde_json::json;
use validation::dipole_box::{DipoleBox, DipolePrior, noisy_observations};
use validation::dipole_experiment::DipoleExperiment;
use validation::norms::{CellGrid2d, ensemble_l2_error};
use vic_solver::{FlowState, Vic};

use super::{Cell, Context, Error, Outcome, Table};
use crate::plot::{self, LineChart, Series};

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
#[derive(Debug, Clone, Copy, PartialEq)]
enum Filter {
    Free,
    Remesh,
    Part,
}

impl Filter {
    fn name(self) -> &'static str {
        match self {
            Filter::Free => "free_run",
            Filter::Remesh => "remesh_enkf",
            Filter::Part => "part_enkf",
        }
    }
}

/// What the truth provides at each analysis time.
struct TruthRecord {
    data: Vec<Vec<f64>>,
    /// The vorticity at `t = 0` and after every window.
    fields: Vec<Vec<f64>>,
}

/// Errors of one ensemble run: of the prior, then per analysis.
#[derive(Default)]
struct Errors {
    prior: f64,
    forecast: Vec<f64>,
    analysis: Vec<f64>,
}

/// Run the truth, the three ensembles, and write the figure.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let setup = Setup::new(ctx)?;
    let quadrature = CellGrid2d::new(
        [0.0, 0.0],
        [DipoleBox::LENGTH, DipoleBox::LENGTH],
        [setup.quadrature_cells, setup.quadrature_cells],
    )?;
    let points = setup.points.clone();
    let truth = run_truth(ctx, &setup, &quadrature, &points)?;
    let members: Vec<DipoleBox> = (0..setup.members)
        .map(|i| setup.prior.sample(ctx.seed, i, &setup.member))
        .collect();

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
    let mut results = Vec::new();
    for filter in [Filter::Free, Filter::Remesh, Filter::Part] {
        let errors = run_ensemble(
            ctx,
            &setup,
            filter,
            &members,
            &truth,
            &quadrature,
            &points,
            &mut table,
        )?;
        results.push((filter, errors));
    }
    plot::line_chart(
        &ctx.svg_path(),
        &LineChart {
            title: format!(
                "Ensemble L2 vorticity error, N = {} members, {} analyses",
                setup.members, setup.analyses
            ),
            x_label: "time".into(),
            y_label: "log₁₀ e_ω,  e_ω = 1/N Σ ∫(ω_i − ω_gt)²".into(),
            series: results
                .iter()
                .map(|(filter, errors)| Series {
                    label: filter.name().replace('_', " "),
                    points: sawtooth(&setup, errors, *filter != Filter::Free),
                })
                .collect(),
        },
    )?;

    let free = &results[0].1.forecast;
    let mut key = serde_json::Map::new();
    for (filter, errors) in &results[1..] {
        let cut_every_time = errors
            .forecast
            .iter()
            .zip(&errors.analysis)
            .all(|(f, a)| a < f);
        key.insert(
            filter.name().into(),
            json!({
                "forecast_error": errors.forecast,
                "analysis_error": errors.analysis,
                "analysis_below_forecast_at_every_step": cut_every_time,
                "final_over_free_run": errors.analysis.last().copied().unwrap_or(f64::NAN)
                    / free.last().copied().unwrap_or(f64::NAN),
            }),
        );
    }
    key.insert("free_run_error".into(), json!(free));
    key.insert("prior_error".into(), json!(results[0].1.prior));
    key.insert(
        "analysis_times".into(),
        json!(
            (1..=setup.analyses)
                .map(|k| k as f64 * setup.window)
                .collect::<Vec<_>>()
        ),
    );
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
        notes: vec![
            "e_omega by the midpoint rule on cell centres; each field is the M4' interpolant of its particles' projection onto its own grid".into(),
            "the truth is simulated at d_p = pi/512, twice finer than the members".into(),
            "fig18.csv is rewritten after every analysis: an interrupted run keeps the rows it finished".into(),
        ],
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
/// analysis time.
fn sawtooth(setup: &Setup, errors: &Errors, analysed: bool) -> Vec<(f64, f64)> {
    let mut points = vec![(0.0, errors.prior.log10())];
    for k in 0..errors.forecast.len() {
        let t = (k + 1) as f64 * setup.window;
        points.push((t, errors.forecast[k].log10()));
        if analysed {
            points.push((t, errors.analysis[k].log10()));
        }
    }
    points
}

/// The truth to the last analysis: noisy observations and the vorticity
/// on the quadrature cells at every analysis time.
fn run_truth(
    ctx: &Context,
    setup: &Setup,
    quadrature: &CellGrid2d,
    points: &[[f64; 2]],
) -> Result<TruthRecord, Error> {
    let (mut vic, mut state) = setup.truth.start()?;
    let steps = setup.truth.steps_to(setup.window);
    let bar = ctx.progress(steps * setup.analyses as u64, "truth");
    let mut record = TruthRecord {
        data: Vec::new(),
        fields: vec![field_on(&mut vic, &state, quadrature)?],
    };
    for k in 0..setup.analyses {
        vic.advance(&mut state, steps, |_| bar.inc(1))?;
        let velocity = vic.velocity_at(&state.particles, points)?;
        record
            .data
            .push(noisy_observations(&velocity, setup.sigma_obs, ctx.seed, k));
        record.fields.push(field_on(&mut vic, &state, quadrature)?);
    }
    bar.finish_and_clear();
    Ok(record)
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

/// One ensemble from the prior through every window, writing its rows.
#[allow(clippy::too_many_arguments)]
fn run_ensemble(
    ctx: &Context,
    setup: &Setup,
    filter: Filter,
    members: &[DipoleBox],
    truth: &TruthRecord,
    quadrature: &CellGrid2d,
    points: &[[f64; 2]],
    table: &mut Table,
) -> Result<Errors, Error> {
    let mut flows: Vec<(Vic, FlowState)> = members
        .iter()
        .map(DipoleBox::start)
        .collect::<Result<_, _>>()?;
    let steps = setup.member.steps_to(setup.window);
    let bar = ctx.progress(steps * setup.analyses as u64, filter.name());
    let variances = vec![setup.sigma_obs * setup.sigma_obs; 2 * points.len()];
    let noise = ObservationNoise::diagonal(&variances)?;
    let grid = flows[0].0.grid().clone();
    let prior = ensemble_error(&mut flows, truth, 0, quadrature)?;
    push_rows(
        table,
        filter,
        0,
        0.0,
        "prior",
        &prior,
        mean_particles(&flows),
    );
    let mut errors = Errors {
        prior: prior.mean,
        ..Errors::default()
    };
    for k in 0..setup.analyses {
        flows
            .par_iter_mut()
            .enumerate()
            .try_for_each(|(member, (vic, state))| {
                vic.advance(state, steps, |_| {})
                    .map_err(|source| Error::Member { member, source })
            })?;
        bar.inc(steps);
        let time = (k + 1) as f64 * setup.window;
        let forecast = ensemble_error(&mut flows, truth, k + 1, quadrature)?;
        push_rows(
            table,
            filter,
            k + 1,
            time,
            "forecast",
            &forecast,
            mean_particles(&flows),
        );
        errors.forecast.push(forecast.mean);
        if filter != Filter::Free {
            let predicted: Vec<Vec<f64>> = flows
                .par_iter_mut()
                .map(|(vic, state)| {
                    Ok(vic
                        .velocity_at(&state.particles, points)?
                        .into_iter()
                        .flatten()
                        .collect())
                })
                .collect::<Result<_, Error>>()?;
            let eps = perturbations(ctx.seed, k, setup.members, &noise);
            let f = coefficients(&predicted, &truth.data[k], &eps, &noise)?;
            let forecast_sets: Vec<_> = flows.iter().map(|(_, s)| s.particles.clone()).collect();
            let analysed = match filter {
                Filter::Remesh => remesh_update(
                    &forecast_sets,
                    grid.remesh_grid(),
                    &f,
                    setup.member.threshold,
                )?,
                _ => part_update(
                    &forecast_sets,
                    grid.domain().particle_domain(),
                    Width::new(setup.member.smoothing_ratio * setup.member.particle_spacing)?,
                    PART_TOLERANCE,
                    &f,
                )?,
            };
            for ((_, state), particles) in flows.iter_mut().zip(analysed) {
                state.particles = particles;
            }
            let analysis = ensemble_error(&mut flows, truth, k + 1, quadrature)?;
            push_rows(
                table,
                filter,
                k + 1,
                time,
                "analysis",
                &analysis,
                mean_particles(&flows),
            );
            errors.analysis.push(analysis.mean);
        }
        table.write(&ctx.csv_path())?;
    }
    bar.finish_and_clear();
    Ok(errors)
}

/// `e_omega` of the ensemble against the truth after `time_index` windows.
fn ensemble_error(
    flows: &mut [(Vic, FlowState)],
    truth: &TruthRecord,
    time_index: usize,
    quadrature: &CellGrid2d,
) -> Result<validation::norms::EnsembleL2Error, Error> {
    let fields: Vec<Vec<f64>> = flows
        .par_iter_mut()
        .map(|(vic, state)| field_on(vic, state, quadrature))
        .collect::<Result<_, _>>()?;
    Ok(ensemble_l2_error(
        quadrature,
        &fields,
        &truth.fields[time_index],
    )?)
}

/// The mean number of particles per member.
fn mean_particles(flows: &[(Vic, FlowState)]) -> f64 {
    flows
        .iter()
        .map(|(_, s)| s.particles.len() as f64)
        .sum::<f64>()
        / flows.len() as f64
}

fn push_rows(
    table: &mut Table,
    filter: Filter,
    analysis: usize,
    time: f64,
    stage: &str,
    error: &validation::norms::EnsembleL2Error,
    particles: f64,
) {
    let mut sorted = error.per_member.clone();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
    table.row(&[
        Cell::Text(filter.name()),
        Cell::Num(analysis as f64),
        Cell::Num(time),
        Cell::Text(stage),
        Cell::Num(error.mean),
        Cell::Num(q(0.0)),
        Cell::Num(q(0.1)),
        Cell::Num(q(0.5)),
        Cell::Num(q(0.9)),
        Cell::Num(q(1.0)),
        Cell::Num(particles),
    ]);
}
