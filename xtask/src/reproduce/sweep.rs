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

use experiments::dipole::{
    Filter, Record, Records, Row, RunState, RunStore, Setup, Split, Stage, fingerprint, rows_of,
    run_checkpointed,
};

use super::{Cell, Context, Error, Outcome, Table, code_revision};
use crate::plot::{self, BoxPlot};

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
            base.assimilation.members = 8;
            base.assimilation.analyses = 5;
        }
        sweep.quick_values
    } else {
        sweep.values
    };
    let records = Records::in_dir(&ctx.dir, ctx.resume)?;
    let revision = code_revision();
    let store = RunStore::new(ctx.shared_dir("dipole-runs"), &revision, ctx.resume);
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
    let stop_at = ctx.stop_after.unwrap_or(usize::MAX);
    let mut windows_done = 0;
    for (run, &value) in values.iter().enumerate() {
        let mut experiment = base.clone();
        (sweep.apply)(&mut experiment, value);
        experiment.validate()?;
        let setup = Setup::new(&experiment);
        let fingerprint = fingerprint(&setup, ctx.seed, &FILTERS);
        scenarios.push(json!({
            sweep.name: value,
            "members": setup.members,
            "analyses": setup.analyses,
            "window": setup.window,
            "observations": setup.points.len(),
            "sigma_obs": setup.sigma_obs,
            "member_particle_spacing": setup.member.particle_spacing,
            "member_eps_omega": setup.member.threshold,
        }));
        let analyses = setup.analyses;
        let (rows, revisions, reused) = match records.finished(run, &fingerprint)? {
            Some(record) => (record.rows, record.revisions, Vec::new()),
            None => {
                let stored: Vec<_> = FILTERS
                    .iter()
                    .map(|&f| store.find(&setup, ctx.seed, f))
                    .collect::<Result<_, _>>()?;
                let missing: Vec<Filter> = FILTERS
                    .into_iter()
                    .zip(&stored)
                    .filter_map(|(f, s)| s.is_none().then_some(f))
                    .collect();
                let computed = if missing.is_empty() {
                    None
                } else if windows_done >= stop_at {
                    break;
                } else {
                    let checkpoints = records.checkpoints(run);
                    let split = Split {
                        resume: ctx.resume && checkpoints.exist(),
                        checkpoints: &checkpoints,
                        stop_at: stop_at - windows_done,
                        revision: &revision,
                    };
                    let bar = ctx.progress(
                        setup.steps_per_window(missing.len()) * setup.analyses as u64,
                        &format!("{} = {}", sweep.name, (sweep.label)(value)),
                    );
                    let steps = Context::step_counter(&bar);
                    let progress = run_checkpointed(
                        setup.clone(),
                        ctx.seed,
                        &missing,
                        &split,
                        &steps,
                        |_| Ok::<(), Error>(()),
                    )?;
                    bar.finish_and_clear();
                    if progress.completed < analyses {
                        break;
                    }
                    store.save(&setup, ctx.seed, &progress)?;
                    Some(progress)
                };
                let (rows, revisions, reused) = combine(stored, computed.as_ref());
                records.save(run, &fingerprint, &rows, &revisions)?;
                (rows, revisions, reused)
            }
        };
        if let Some(run) = scenarios.last_mut() {
            run["revisions"] = json!(revisions);
            run["reused_from_run_store"] = json!(reused);
        }
        windows_done += analyses;
        for (f, filter) in FILTERS.into_iter().enumerate() {
            let analysis = last(&rows, filter, Stage::Analysis);
            let forecast = last(&rows, filter, Stage::Forecast);
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
        table.write(&ctx.csv_path())?;
    }
    table.write(&ctx.csv_path())?;
    let finished = finals[0].len();
    let complete = finished == values.len();
    if complete {
        records.clear_checkpoints()?;
    }
    let planned = values.len();
    let values = &values[..finished];

    plot::box_plot(
        &ctx.svg_path(),
        &BoxPlot {
            title: format!(
                "Vorticity error after the last analysis against {}",
                sweep.axis
            ),
            x_label: sweep.axis.into(),
            y_label: "log₁₀ ∫(ω_i − ω_gt)² of each member".into(),
            categories: values.iter().map(|&v| (sweep.label)(v)).collect(),
            groups: FILTERS
                .iter()
                .zip(&finals)
                .map(|(filter, samples)| {
                    let logs = samples
                        .iter()
                        .map(|s| s.iter().map(|e| e.log10()).collect())
                        .collect();
                    (filter.name().replace('_', " "), logs)
                })
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
            let xs: Vec<f64> = values.iter().map(|&v| (order.abscissa)(v).ln()).collect();
            let ys: Vec<f64> = means.iter().map(|e| e.ln()).collect();
            entry["fitted_order"] = json!(-slope(&xs, &ys));
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

/// The rows of one value's filters in legend order, each either reused
/// from the store or taken from the run just computed (`computed` holds
/// every filter not stored); the revisions of all of them, each once; and
/// the names of the reused filters.
fn combine(
    stored: Vec<Option<Record>>,
    computed: Option<&RunState>,
) -> (Vec<Row>, Vec<String>, Vec<&'static str>) {
    let mut rows = Vec::new();
    let mut revisions: Vec<String> = Vec::new();
    let mut reused = Vec::new();
    for (filter, stored) in FILTERS.into_iter().zip(stored) {
        let (filter_rows, filter_revisions) = match (stored, computed) {
            (Some(s), _) => {
                reused.push(filter.name());
                (s.rows, s.revisions)
            }
            (None, Some(p)) => (rows_of(&p.rows, filter), p.revisions.clone()),
            (None, None) => unreachable!("a filter not stored is computed"),
        };
        rows.extend(filter_rows);
        for revision in filter_revisions {
            if !revisions.contains(&revision) {
                revisions.push(revision);
            }
        }
    }
    (rows, revisions, reused)
}

/// The per-member errors of the last row of `filter` at `stage`.
fn last(rows: &[Row], filter: Filter, stage: Stage) -> Vec<f64> {
    rows.iter()
        .rev()
        .find(|r| r.filter == filter && r.stage == stage)
        .map(|r| r.per_member.clone())
        .unwrap_or_default()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Least-squares slope of `ys` against `xs`.
fn slope(xs: &[f64], ys: &[f64]) -> f64 {
    let (mx, my) = (mean(xs), mean(ys));
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_power_law() {
        let xs: Vec<f64> = [1.0f64, 2.0, 4.0, 8.0].iter().map(|x| x.ln()).collect();
        let ys: Vec<f64> = [1.0f64, 2.0, 4.0, 8.0]
            .iter()
            .map(|x| (3.0 * x.powf(-0.75)).ln())
            .collect();
        assert!((slope(&xs, &ys) + 0.75).abs() < 1e-12);
    }
}
