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
//! The truth and the three ensembles advance together, window by window;
//! under `mpirun` (the `mpi` feature) each rank forecasts and analyses its
//! block of every ensemble, with the same numbers.
//! After every window `fig18.csv` is rewritten and a checkpoint of every
//! flow is saved ([`Checkpoints`]), so an interrupted run loses at most one
//! window: `--resume` continues it with the same final numbers, and
//! `--stop-after K` splits a run on purpose. A finished run's rows go to the
//! [run store](RunStore), where the sweeps find the paper's value; its
//! checkpoint is removed once `summary.json` is written, so a run stopped
//! before (a full disk) resumes from its last window.

use serde_json::json;
use validation::dipole_box::DipoleBox;

use experiments::dipole::{
    Checkpoints, FILTERS, Filter, PART_TOLERANCE, Row, RunStore, Setup, Split, Spread, Stage,
    errors, run_checkpointed,
};

use crate::plot::{self, LineChart, Scale, Series};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::revision::code_revision;
use crate::reproduce::table::{Cell, Table};

/// Run the truth and the three ensembles window by window, and write the
/// figure.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let setup = Setup::new(&ctx.dipole_scenario()?);
    let revision = code_revision();
    let checkpoints = Checkpoints::in_dir_with(ctx.file("checkpoint"), ctx.shared_storage());
    let split = Split {
        checkpoints: &checkpoints,
        resume: ctx.resume,
        stop_at: ctx.stop_after.unwrap_or(usize::MAX),
        revision: &revision,
        on_warning: &|w| ctx.warn(w),
        ranks: std::sync::Arc::clone(&ctx.ranks),
    };
    let per_window = setup.steps_per_window(FILTERS.len());
    let bar = ctx.progress(per_window * setup.analyses as u64, "truth and ensembles");
    let mut steps = Context::step_counter(&bar);
    let progress = run_checkpointed(setup.clone(), ctx.seed, &FILTERS, &split, &mut steps, |p| {
        write_csv(ctx, &p.rows)
    })?;
    bar.finish_and_clear();
    let complete = progress.completed == setup.analyses;
    write_csv(ctx, &progress.rows)?;
    if complete {
        let store = RunStore::new_with(
            ctx.shared_dir("dipole-runs"),
            &revision,
            ctx.resume,
            ctx.shared_storage(),
        );
        store.save(&setup, ctx.seed, &progress)?;
        ctx.discard_when_done(ctx.file("checkpoint"));
    }
    let mut outcome = outcome(ctx, &setup, &progress.rows, complete)?;
    outcome.parameters["revisions"] = json!(progress.revisions);
    if progress.revisions.len() > 1 {
        outcome.notes.push(format!(
            "resumed across code revisions: windows were computed by {} in turn",
            progress.revisions.join(", then ")
        ));
    }
    Ok(outcome)
}

/// `fig18.csv` from the rows so far: besides the errors, the mean and
/// spread of the members' viscosities (`nu_mean`, `nu_sd`: analysed with
/// `assimilation.calibrate_viscosity`, else the prior draws, constant).
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
        "nu_mean",
        "nu_sd",
    ]);
    for row in rows {
        let [min, q10, median, q90, max] = member_quantiles(row);
        let nu = row.viscosity.map_or([Cell::Text(""); 2], |v| {
            [Cell::Num(v.mean), Cell::Num(v.sd)]
        });
        table.row(&[
            Cell::Text(row.filter.name()),
            Cell::Num(row.analysis as f64),
            Cell::Num(row.time),
            Cell::Text(row.stage.name()),
            Cell::Num(row.e_omega),
            Cell::Num(min),
            Cell::Num(q10),
            Cell::Num(median),
            Cell::Num(q90),
            Cell::Num(max),
            Cell::Num(row.mean_particles),
            nu[0],
            nu[1],
        ]);
    }
    table.write(ctx.storage(), &ctx.csv_path())
}

/// The members' smallest, 10 %, median, 90 % and largest error of a row
/// (order statistics by nearest rank).
fn member_quantiles(row: &Row) -> [f64; 5] {
    let mut sorted = row.per_member.clone();
    sorted.sort_by(f64::total_cmp);
    [0.0, 0.1, 0.5, 0.9, 1.0].map(|p| sorted[((sorted.len() - 1) as f64 * p).round() as usize])
}

/// The figure and the summary's numbers from the rows.
fn outcome(ctx: &Context, setup: &Setup, rows: &[Row], complete: bool) -> Result<Outcome, Error> {
    plot::band_chart(
        ctx.storage(),
        &ctx.svg_path(),
        &LineChart {
            title: format!(
                "Ensemble L2 vorticity error, N = {} members, {} analyses",
                setup.n_members, setup.analyses
            ),
            x_label: "time".into(),
            y_label: "e_ω = 1/N Σ ∫(ω_i − ω_gt)²".into(),
            series: FILTERS
                .iter()
                .map(|&filter| Series {
                    label: filter.name().replace('_', " "),
                    points: sawtooth(rows, filter)
                        .map(|r| (r.time, r.e_omega))
                        .collect(),
                })
                .collect(),
        },
        &FILTERS
            .iter()
            .map(|&filter| {
                sawtooth(rows, filter)
                    .map(|r| {
                        let [_, q10, _, q90, _] = member_quantiles(r);
                        (r.time, q10, q90)
                    })
                    .collect()
            })
            .collect::<Vec<_>>(),
        "10–90 % of the members' ∫(ω_i − ω_gt)²",
        Scale::Log10,
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
        "error_through_windows".into(),
        FILTERS
            .iter()
            .map(|&f| {
                (
                    f.name().to_string(),
                    json!(through_windows(rows, f, setup.window)),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
    );
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
    key.insert("viscosity".into(), viscosity(setup, rows));
    let mut notes = vec![
        "e_omega by the midpoint rule on cell centres; each field is the M4' interpolant of its particles' projection onto its own grid".into(),
        "the truth is simulated at d_p = pi/512, twice finer than the members".into(),
        "fig18.csv and a checkpoint (checkpoint/) are written after every analysis window; --resume continues an interrupted run with the same final numbers".into(),
        "a finished run's rows are kept per filter in OUT/dipole-runs, where the sweeps fig19-fig24 reuse them for the paper's values".into(),
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
            "members": setup.n_members,
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
            "remesh_enkf_threshold": setup.member.eps_omega,
            "part_enkf_kernel": format!("Gaussian, eps = {} d_p, cut-off {PART_TOLERANCE:e}", setup.member.eps_over_dp),
        }),
        key_numbers: serde_json::Value::Object(key),
        notes,
    })
}

/// The members' viscosity beside the truth's (`flow.viscosity`): whether
/// it is calibrated, the prior draws' mean and spread, and per filter the
/// mean and spread after each analysis.
fn viscosity(setup: &Setup, rows: &[Row]) -> serde_json::Value {
    let of = |filter: Filter, stage: Stage| -> Vec<Option<Spread>> {
        rows.iter()
            .filter(|r| r.filter == filter && r.stage == stage)
            .map(|r| r.viscosity)
            .collect()
    };
    let mut value = json!({
        "truth": setup.truth.viscosity,
        "calibrated": setup.calibrate_viscosity,
        "prior_draws": of(Filter::FreeRun, Stage::Prior).first().copied().flatten(),
    });
    for filter in [Filter::RemeshEnkf, Filter::PartEnkf] {
        let analysed = of(filter, Stage::Analysis);
        value[filter.name()] = json!({
            "analysis_mean": analysed.iter().map(|v| v.map(|v| v.mean)).collect::<Vec<_>>(),
            "analysis_sd": analysed.iter().map(|v| v.map(|v| v.sd)).collect::<Vec<_>>(),
        });
    }
    value
}

fn discretisation(d: &DipoleBox) -> serde_json::Value {
    json!({
        "particle_spacing": d.particle_spacing,
        "dt": d.dt,
        "eps_over_dp": d.eps_over_dp,
        "eps_omega": d.eps_omega,
        "remesh_every_steps": d.remesh_every,
    })
}

/// How `e_omega` of `filter`'s ensemble goes through each window after the
/// first: from just after the analysis that opens it (for the free run, its
/// forecast there) to the forecast error at its end, and the largest error
/// measured on the way (`assimilation.output_interval`). A ratio above 1
/// is growth between analyses.
fn through_windows(rows: &[Row], filter: Filter, window: f64) -> Vec<serde_json::Value> {
    let opening = if filter == Filter::FreeRun {
        Stage::Forecast
    } else {
        Stage::Analysis
    };
    let of = |analysis: usize, stage: Stage| {
        rows.iter()
            .filter(move |r| r.filter == filter && r.analysis == analysis && r.stage == stage)
            .map(|r| r.e_omega)
    };
    let analyses = rows.iter().map(|r| r.analysis).max().unwrap_or(0);
    (1..analyses)
        .filter_map(|k| {
            let start = of(k, opening).next()?;
            let end = of(k + 1, Stage::Forecast).next()?;
            let peak = of(k, Stage::Between).chain([end]).fold(start, f64::max);
            Some(json!({
                "from_time": k as f64 * window,
                "opening": start,
                "closing": end,
                "closing_over_opening": end / start,
                "peak_over_opening": peak / start,
            }))
        })
        .collect()
}

/// The rows of a curve in drawing order: the prior, the measurements
/// within each window when there are any (`assimilation.output_interval`),
/// then the forecast error just before and, for filters, the analysis
/// error just after each analysis time (the rows' order).
fn sawtooth(rows: &[Row], filter: Filter) -> impl Iterator<Item = &Row> {
    rows.iter().filter(move |r| r.filter == filter)
}
