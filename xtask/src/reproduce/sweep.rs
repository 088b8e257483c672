//! Paper 2, Figs. 19–21, 23 and 24: the 2D assimilation of Section 5 rerun
//! for every value of one parameter (observation precision, number of
//! analyses, number of observations, threshold `eps_omega`, particle size
//! `d_p`), with box plots of the members' vorticity errors after the last
//! analysis, for Remesh-EnKF and Part-EnKF.
//!
//! Each value is a whole run of [`experiments::dipole`]
//! (the truth and both filters from the prior; no free run). Where the
//! paper fits a convergence order (Figs. 19 and 20), `summary.json` holds
//! ours, the least-squares slope of `log e_omega` against the log of the
//! abscissa, beside the paper's. `--quick` runs the coarse scenario with 8
//! members and 5 analyses, on fewer values.
//!
//! A filter's run already in the [run store](RunStore) (from `fig18`
//! or another sweep, with the same setup, seed and code) is reused, not
//! rerun: the paper's own value of each sweep is `fig18`'s setup.

use experiments::dipole::DipoleScenario;
use serde_json::json;

use experiments::dipole::sweep::{Sweep as ValueSweep, ValueRun, fitted_order, last_errors};
use experiments::dipole::{Filter, Records, RunStore, Setup, Stage};

use crate::plot::{self, BoxPlot, Scale};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::revision::code_revision;
use crate::reproduce::table::{Cell, Table};

/// The filters compared, in legend order.
const FILTERS: [Filter; 2] = [Filter::RemeshEnkf, Filter::PartEnkf];

/// One swept parameter.
pub struct Sweep {
    /// Column name of the value in the CSV and the summary.
    pub name: &'static str,
    /// x-axis label.
    pub axis: &'static str,
    /// The values at the paper's parameters.
    pub values: &'static [f64],
    /// The values of `--quick`.
    pub quick_values: &'static [f64],
    /// A value's label on the x axis.
    pub label: fn(f64) -> String,
    /// The scenario for a value.
    pub apply: fn(&mut DipoleScenario, f64),
    /// The convergence order fitted, where the paper reports one.
    pub order: Option<Order>,
}

/// A convergence order `e_omega ~ x^-order` to fit.
pub struct Order {
    /// The abscissa `x` of a value.
    pub abscissa: fn(f64) -> f64,
    /// The paper's orders (Remesh-EnKF, Part-EnKF).
    pub paper: [f64; 2],
}

/// Run every value of `sweep` and write the box plots.
///
/// Each value's run keeps a checkpoint after every window
/// (`checkpoint/run-KK/`) and, once finished, its rows in `runs/run-KK.json`,
/// so `--resume` reuses the finished values, continues the interrupted one
/// and starts the others; `--stop-after K` stops once `K` windows of the
/// whole sweep are complete.
pub fn run(ctx: &Context, sweep: &Sweep) -> Result<Outcome, Error> {
    let mut base = ctx.dipole_scenario()?;
    let values = if ctx.quick {
        if ctx.config.is_none() {
            base.assimilation.n_members = 8;
            base.assimilation.analyses = 5;
        }
        sweep.quick_values
    } else {
        sweep.values
    };
    let records = Records::in_dir_with(&ctx.dir, ctx.resume, ctx.shared_storage())?;
    let revision = code_revision();
    let store = RunStore::new_with(
        ctx.shared_dir("dipole-runs"),
        &revision,
        ctx.resume,
        ctx.shared_storage(),
    );
    let mut table = Table::new(&[
        sweep.name,
        "filter",
        "member",
        "final_analysis_error",
        "final_forecast_error",
    ]);
    // final analysis errors per filter (legend order), per finished value.
    let mut finals: Vec<Vec<Vec<f64>>> = vec![Vec::new(); FILTERS.len()];
    let mut scenarios = Vec::new();
    let runs = ValueSweep {
        records: &records,
        store: &store,
        seed: ctx.seed,
        filters: &FILTERS,
        revision: &revision,
        resume: ctx.resume,
        on_warning: &|w| ctx.warn(w),
    };
    let stop_at = ctx.stop_after.unwrap_or(usize::MAX);
    let mut windows_done = 0;
    for (run, &value) in values.iter().enumerate() {
        let mut experiment = base.clone();
        (sweep.apply)(&mut experiment, value);
        experiment.validate()?;
        let setup = Setup::new(&experiment);
        scenarios.push(json!({
            sweep.name: value,
            "members": setup.n_members,
            "analyses": setup.analyses,
            "window": setup.window,
            "observations": setup.points.len(),
            "sigma_obs": setup.sigma_obs,
            "member_particle_spacing": setup.member.particle_spacing,
            "member_eps_omega": setup.member.eps_omega,
        }));
        let bar = ctx.progress(0, &format!("{} = {}", sweep.name, (sweep.label)(value)));
        let finished = runs.value(
            run,
            &setup,
            stop_at - windows_done,
            &mut Context::step_counter(&bar),
        )?;
        bar.finish_and_clear();
        let Some(ValueRun {
            rows,
            revisions,
            reused,
        }) = finished
        else {
            break;
        };
        let reused: Vec<&str> = reused.iter().map(|f| f.name()).collect();
        if let Some(run) = scenarios.last_mut() {
            run["revisions"] = json!(revisions);
            run["reused_from_run_store"] = json!(reused);
        }
        windows_done += setup.analyses;
        for (f, filter) in FILTERS.into_iter().enumerate() {
            let analysis = last_errors(&rows, filter, Stage::Analysis);
            let forecast = last_errors(&rows, filter, Stage::Forecast);
            for (member, (a, b)) in analysis.iter().zip(&forecast).enumerate() {
                table.row(&[
                    Cell::Num(value),
                    Cell::Text(filter.name()),
                    Cell::Num(member as f64),
                    Cell::Num(*a),
                    Cell::Num(*b),
                ]);
            }
            finals[f].push(analysis);
        }
        table.write(ctx.storage(), &ctx.csv_path())?;
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    let finished = finals[0].len();
    let complete = finished == values.len();
    if complete {
        records.clear_checkpoints()?;
    }
    let planned = values.len();
    let values = &values[..finished];

    plot::box_plot(
        ctx.storage(),
        &ctx.svg_path(),
        &BoxPlot {
            title: format!(
                "Vorticity error after the last analysis against {}",
                sweep.axis
            ),
            x_label: sweep.axis.into(),
            y_label: "∫(ω_i − ω_gt)² of each member".into(),
            y_scale: Scale::Log10,
            categories: values.iter().map(|&v| (sweep.label)(v)).collect(),
            groups: FILTERS
                .iter()
                .zip(&finals)
                .map(|(filter, samples)| (filter.name().replace('_', " "), samples.clone()))
                .collect(),
        },
    )?;

    let mut key = serde_json::Map::new();
    for (f, filter) in FILTERS.into_iter().enumerate() {
        let means: Vec<f64> = finals[f].iter().map(|s| mean(s)).collect();
        let medians: Vec<f64> = finals[f]
            .iter()
            .map(|s| {
                let mut sorted = s.clone();
                sorted.sort_by(f64::total_cmp);
                plot::quantile(&sorted, 0.5)
            })
            .collect();
        let mut entry = json!({
            "e_omega": means,
            "median_member_error": medians,
        });
        if let (Some(order), true) = (&sweep.order, complete) {
            let xs: Vec<f64> = values.iter().map(|&v| (order.abscissa)(v)).collect();
            entry["fitted_order"] = json!(fitted_order(&xs, &means));
            entry["paper_order"] = json!(order.paper[f]);
        }
        key.insert(filter.name().into(), entry);
    }
    key.insert(sweep.name.into(), json!(values));
    key.insert("complete".into(), json!(complete));
    let mut notes = vec![
        "each value is a whole assimilation run (truth and both filters from the same prior draws)".into(),
        "boxes span the quartiles of the members, whiskers the extremes".into(),
        "runs/run-KK.json holds every row of the K-th value's run (errors before and after each analysis)".into(),
        "a filter's run found in OUT/dipole-runs (from fig18 or another sweep: same setup, seed and code revision) is reused, not rerun; runs[].reused_from_run_store names them".into(),
    ];
    if !complete {
        notes.push(format!(
            "stopped with {finished} of {} values finished (--stop-after); continue with --resume",
            planned
        ));
    }
    Ok(Outcome {
        parameters: json!({
            "swept": sweep.name,
            "runs": scenarios,
            "error": "per member int (omega_i - omega_gt)^2 after the last analysis; e_omega is their mean",
        }),
        key_numbers: serde_json::Value::Object(key),
        notes,
    })
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}
