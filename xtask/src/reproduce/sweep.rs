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
//! abscissa, with a 90 % bootstrap interval
//! ([`experiments::statistics::order_with_interval`]), beside the paper's.
//! `--seeds K` runs every value for K seeds; the boxes and the fit then
//! pool the members of all seeds, the interval redraws seeds and members,
//! and each seed's own order is listed too. `--quick` runs the coarse
//! scenario with 8 members and 5 analyses, on fewer values.
//!
//! A filter's run already in the [run store](RunStore) (from `fig18`
//! or another sweep, with the same setup, seed and code) is reused, not
//! rerun: the paper's own value of each sweep is `fig18`'s setup.

use experiments::dipole::DipoleScenario;
use serde_json::json;

use experiments::dipole::sweep::{Sweep as ValueSweep, ValueRun, last_errors};
use experiments::dipole::{Filter, Records, RunStore, Setup, Stage};
use experiments::statistics::order_with_interval;

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

/// How many redraws the bootstrap interval of an order comes from.
const BOOTSTRAP_DRAWS: usize = 2000;

/// The coverage of the orders' intervals.
const INTERVAL_LEVEL: f64 = 0.9;

/// Run every value of `sweep` for each seed and write the box plots.
///
/// The seeds are `--seed` and the `--seeds K` − 1 after it; seed `s`
/// (0-based) runs value `v` as run `s * values + v`. Each run keeps a
/// checkpoint after every window (`checkpoint/run-KK/`) and, once
/// finished, its rows in `runs/run-KK.json`, so `--resume` reuses the
/// finished runs, continues the interrupted one and starts the others;
/// `--stop-after K` stops once `K` windows of the whole sweep are
/// complete.
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
    let seeds: Vec<u64> = (0..ctx.seeds as u64).map(|s| ctx.seed + s).collect();
    let (records, store, revision) = stores(ctx)?;
    let mut table = Table::new(&[
        "seed",
        sweep.name,
        "filter",
        "member",
        "final_analysis_error",
        "final_forecast_error",
    ]);
    // final analysis errors per filter (legend order), seed and finished value.
    let mut finals: Vec<Vec<Vec<Vec<f64>>>> = vec![vec![Vec::new(); seeds.len()]; FILTERS.len()];
    let mut scenarios = Vec::new();
    let stop_at = ctx.stop_after.unwrap_or(usize::MAX);
    let mut windows_done = 0;
    'seeds: for (s, &seed) in seeds.iter().enumerate() {
        let runs = ValueSweep {
            records: &records,
            store: &store,
            seed,
            filters: &FILTERS,
            revision: &revision,
            resume: ctx.resume,
            on_warning: &|w| ctx.warn(w),
        };
        for (v, &value) in values.iter().enumerate() {
            let mut experiment = base.clone();
            (sweep.apply)(&mut experiment, value);
            experiment.validate()?;
            let setup = Setup::new(&experiment);
            let mut scenario = json!({
                "seed": seed,
                sweep.name: value,
                "members": setup.n_members,
                "analyses": setup.analyses,
                "window": setup.window,
                "observations": setup.points.len(),
                "sigma_obs": setup.sigma_obs,
                "member_particle_spacing": setup.member.particle_spacing,
                "member_eps_omega": setup.member.eps_omega,
            });
            let what = format!("{} = {}", sweep.name, (sweep.label)(value));
            let what = if seeds.len() > 1 {
                format!("seed {seed}, {what}")
            } else {
                what
            };
            let finished = value_with_progress(
                ctx,
                &runs,
                s * values.len() + v,
                &setup,
                &what,
                stop_at - windows_done,
            )?;
            let Some(ValueRun {
                rows,
                revisions,
                reused,
            }) = finished
            else {
                break 'seeds;
            };
            let reused: Vec<&str> = reused.iter().map(|f| f.name()).collect();
            scenario["revisions"] = json!(revisions);
            scenario["reused_from_run_store"] = json!(reused);
            scenarios.push(scenario);
            windows_done += setup.analyses;
            // As text: a seed above 2^53 has no exact f64.
            let seed_text = seed.to_string();
            for (f, filter) in FILTERS.into_iter().enumerate() {
                let analysis = last_errors(&rows, filter, Stage::Analysis);
                let forecast = last_errors(&rows, filter, Stage::Forecast);
                for (member, (a, b)) in analysis.iter().zip(&forecast).enumerate() {
                    table.row(&[
                        Cell::Text(&seed_text),
                        Cell::Num(value),
                        Cell::Text(filter.name()),
                        Cell::Num(member as f64),
                        Cell::Num(*a),
                        Cell::Num(*b),
                    ]);
                }
                finals[f][s].push(analysis);
            }
            table.write(ctx.storage(), &ctx.csv_path())?;
        }
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    let planned = seeds.len() * values.len();
    let complete = scenarios.len() == planned;
    if complete {
        records.clear_checkpoints()?;
    }
    // The box plots and means pool the members of the seeds whose values
    // are all finished; with one seed, every finished value.
    let seeds_done = finals[0].iter().filter(|v| v.len() == values.len()).count();
    let (pooled_seeds, shown) = if seeds_done > 0 {
        (seeds_done, values.len())
    } else {
        (1, finals[0][0].len())
    };
    let pooled: Vec<Vec<Vec<f64>>> = finals
        .iter()
        .map(|by_seed| {
            (0..shown)
                .map(|v| {
                    by_seed[..pooled_seeds]
                        .iter()
                        .flat_map(|vs| vs[v].iter().copied())
                        .collect()
                })
                .collect()
        })
        .collect();
    let shown_values = &values[..shown];

    plot::box_plot(
        ctx.storage(),
        &ctx.svg_path(),
        &BoxPlot {
            title: format!(
                "Vorticity error after the last analysis against {}",
                sweep.axis
            ),
            x_label: sweep.axis.into(),
            y_label: if pooled_seeds > 1 {
                format!("∫(ω_i − ω_gt)² of each member, {pooled_seeds} seeds")
            } else {
                "∫(ω_i − ω_gt)² of each member".into()
            },
            y_scale: Scale::Log10,
            categories: shown_values.iter().map(|&v| (sweep.label)(v)).collect(),
            groups: FILTERS
                .iter()
                .zip(&pooled)
                .map(|(filter, samples)| (filter.name().replace('_', " "), samples.clone()))
                .collect(),
        },
    )?;

    let mut key = serde_json::Map::new();
    for (f, filter) in FILTERS.into_iter().enumerate() {
        let means: Vec<f64> = pooled[f].iter().map(|s| mean(s)).collect();
        let medians: Vec<f64> = pooled[f]
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
        if seeds.len() > 1 {
            entry["e_omega_by_seed"] = json!(
                finals[f]
                    .iter()
                    .map(|vs| vs.iter().map(|m| mean(m)).collect::<Vec<f64>>())
                    .collect::<Vec<_>>()
            );
        }
        if let (Some(order), true) = (&sweep.order, seeds_done > 0) {
            let xs: Vec<f64> = values.iter().map(|&v| (order.abscissa)(v)).collect();
            let done = &finals[f][..seeds_done];
            let estimate =
                order_with_interval(&xs, done, ctx.seed, BOOTSTRAP_DRAWS, INTERVAL_LEVEL);
            entry["fitted_order"] = json!(estimate.as_ref().map(|e| e.order));
            entry["order_interval_90"] = json!(estimate.as_ref().map(|e| e.interval));
            entry["paper_order"] = json!(order.paper[f]);
            entry["paper_order_in_interval"] = json!(
                estimate
                    .as_ref()
                    .map(|e| e.interval[0] <= order.paper[f] && order.paper[f] <= e.interval[1])
            );
            if seeds_done > 1 {
                entry["orders_by_seed"] = json!(
                    done.iter()
                        .zip(&seeds)
                        .map(|(one, &seed)| {
                            let e = order_with_interval(
                                &xs,
                                std::slice::from_ref(one),
                                seed,
                                BOOTSTRAP_DRAWS,
                                INTERVAL_LEVEL,
                            );
                            json!({
                                "seed": seed,
                                "fitted_order": e.as_ref().map(|e| e.order),
                                "order_interval_90": e.as_ref().map(|e| e.interval),
                            })
                        })
                        .collect::<Vec<_>>()
                );
            }
        }
        key.insert(filter.name().into(), entry);
    }
    key.insert(sweep.name.into(), json!(shown_values));
    key.insert("seeds".into(), json!(&seeds[..pooled_seeds]));
    key.insert("complete".into(), json!(complete));
    let mut notes = vec![
        "each value is a whole assimilation run (truth and both filters from the same prior draws)".into(),
        "boxes span the quartiles of the members (of every seed), whiskers the extremes".into(),
        "runs/run-KK.json holds every row of run K = seed index * values + value index (errors before and after each analysis)".into(),
        "a filter's run found in OUT/dipole-runs (from fig18 or another sweep: same setup, seed and code revision) is reused, not rerun; runs[].reused_from_run_store names them".into(),
    ];
    if sweep.order.is_some() {
        notes.push(format!(
            "fitted_order: minus the least-squares slope of ln e_omega (the mean over members and seeds) against ln x; order_interval_90: the 5 % and 95 % quantiles of {BOOTSTRAP_DRAWS} refits with the seeds, then each seed's members, drawn with replacement (a member keeps its errors at every value)"
        ));
    }
    if !complete {
        notes.push(format!(
            "stopped with {} of {planned} runs finished (--stop-after); continue with --resume",
            scenarios.len()
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

/// The records of `OUT/ID/`, the run store `OUT/dipole-runs/` and the
/// revision of the code running: what [`ValueSweep`] needs besides the
/// seed and filters.
///
/// # Errors
/// [`Error::Experiment`] if the records cannot be read.
pub(crate) fn stores(ctx: &Context) -> Result<(Records, RunStore, String), Error> {
    let records = Records::in_dir_with(&ctx.dir, ctx.resume, ctx.shared_storage())?;
    let revision = code_revision();
    let store = RunStore::new_with(
        ctx.shared_dir("dipole-runs"),
        &revision,
        ctx.resume,
        ctx.shared_storage(),
    );
    Ok((records, store, revision))
}

/// [`ValueSweep::value`] under a progress bar saying `what`, with
/// `windows_left` windows before `--stop-after`.
///
/// # Errors
/// [`Error::Experiment`] from the run, its records or checkpoints.
pub(crate) fn value_with_progress(
    ctx: &Context,
    runs: &ValueSweep,
    index: usize,
    setup: &Setup,
    what: &str,
    windows_left: usize,
) -> Result<Option<ValueRun>, Error> {
    let bar = ctx.progress(0, what);
    let run = runs.value(index, setup, windows_left, &mut Context::step_counter(&bar))?;
    bar.finish_and_clear();
    Ok(run)
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}
