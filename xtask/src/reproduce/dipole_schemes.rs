//! `dipole-schemes` (not a paper figure): the 2D dipole experiment of
//! `fig18` (the paper's scenario, or `--config`) with the analysis schemes
//! of `assim` beside the paper's stochastic EnKF, for Remesh and Part
//! members alike, at several ensemble sizes:
//!
//! * the ETKF (symmetric square root, no inflation), one global analysis;
//! * the LETKF: one ETKF per node of the members' remeshing grid with the
//!   observations a Gaspari–Cohn taper of half-width `c` sees
//!   (Remesh-LETKF analyses each node's values with its own transform,
//!   Part-LETKF each particle with its nearest node's);
//! * the paper's stochastic EnKF, for reference.
//!
//! The half-width is chosen by a small sweep at the smallest size, where
//! localisation matters most: the `c` whose last analysis has the least
//! `e_omega` (geometric mean over both filters) is used at every size.
//! Every configuration is a whole run (truth and both filters from the
//! prior), resumable as the parameter sweeps are (`runs/run-KK.json`,
//! checkpoints, the run store shared with `fig18`). `dipole-schemes.csv`
//! has every member's error after the last analysis and before it;
//! `summary.json` gives each configuration's `e_omega` after every analysis
//! and the half-width chosen. No inflation anywhere, as in the paper.
//! `--quick` runs the coarse scenario at 4 and 8 members, 3 analyses.

use assim::{GaspariCohn, Method, Scheme};
use experiments::dipole::sweep::{Sweep as ValueSweep, ValueRun, last_errors};
use experiments::dipole::{Analysis, Filter, Row, Setup, Stage, errors};
use serde_json::json;

use crate::plot::{self, LineChart, Panel, Scale, Series};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::sweep;
use crate::reproduce::table::{Cell, Table};

/// The filters compared, in legend order.
const FILTERS: [Filter; 2] = [Filter::RemeshEnkf, Filter::PartEnkf];

/// Ensemble sizes at the paper's parameters, and with `--quick`.
const SIZES: [usize; 3] = [8, 16, 32];
const QUICK_SIZES: [usize; 2] = [4, 8];

/// The half-widths of the sweep (the dipole's radius is 0.5, the
/// observations 0.26 apart).
const HALF_WIDTHS: [f64; 3] = [0.25, 0.5, 1.0];
const QUICK_HALF_WIDTHS: [f64; 2] = [0.5, 1.0];

/// One run: an ensemble size and an analysis.
#[derive(Debug, Clone, Copy)]
struct Configuration {
    n_members: usize,
    analysis: Analysis,
}

/// A finished configuration: its rows.
struct Finished {
    configuration: Configuration,
    rows: Vec<Row>,
    revisions: Vec<String>,
    reused: Vec<Filter>,
}

/// The three analyses compared at each size.
fn analyses(half_width: f64) -> Result<[Analysis; 3], Error> {
    let global = |method| Analysis {
        scheme: Scheme::new(method),
        localisation: None,
    };
    Ok([
        global(Method::Stochastic),
        global(Method::Etkf),
        letkf(half_width)?,
    ])
}

fn letkf(half_width: f64) -> Result<Analysis, Error> {
    Ok(Analysis {
        scheme: Scheme::new(Method::Etkf),
        localisation: Some(GaspariCohn::new(half_width).map_err(experiments::Error::from)?),
    })
}

/// The geometric mean over both filters of `e_omega` after the last
/// analysis: the score of the half-width sweep.
fn score(rows: &[Row]) -> f64 {
    let logs: f64 = FILTERS
        .iter()
        .map(|&f| {
            errors(rows, f, Stage::Analysis)
                .last()
                .map_or(f64::NAN, |e| e.ln())
        })
        .sum();
    (logs / FILTERS.len() as f64).exp()
}

/// Run the sweep of half-widths, then every size with the three analyses,
/// and write the table, the figure and the summary.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let mut scenario = ctx.dipole_scenario()?;
    let (sizes, half_widths) = if ctx.quick {
        if ctx.config.is_none() {
            scenario.assimilation.analyses = 3;
        }
        (&QUICK_SIZES[..], &QUICK_HALF_WIDTHS[..])
    } else {
        (&SIZES[..], &HALF_WIDTHS[..])
    };
    let base = Setup::new(&scenario);
    let (records, store, revision) = sweep::stores(ctx)?;
    let runs = ValueSweep {
        records: &records,
        store: &store,
        seed: ctx.seed,
        filters: &FILTERS,
        revision: &revision,
        resume: ctx.resume,
        on_warning: &|w| ctx.warn(w),
    };
    let mut table = Table::new(&[
        "n_members",
        "method",
        "localisation_half_width",
        "filter",
        "member",
        "final_analysis_error",
        "final_forecast_error",
    ]);
    let stop_at = ctx.stop_after.unwrap_or(usize::MAX);
    let mut windows_done = 0;
    let mut finished: Vec<Finished> = Vec::new();
    // Runs in order: the sweep at the smallest size, then each size's
    // three analyses (the sweep's run of the chosen width reused).
    let mut run_one = |configuration: Configuration,
                       finished: &mut Vec<Finished>,
                       table: &mut Table|
     -> Result<bool, Error> {
        let setup = Setup {
            n_members: configuration.n_members,
            analysis: configuration.analysis,
            ..base.clone()
        };
        let label = format!(
            "N = {}, {}",
            configuration.n_members,
            configuration.analysis.label()
        );
        let run = sweep::value_with_progress(
            ctx,
            &runs,
            finished.len(),
            &setup,
            &label,
            stop_at.saturating_sub(windows_done),
        )?;
        let Some(ValueRun {
            rows,
            revisions,
            reused,
        }) = run
        else {
            return Ok(false);
        };
        windows_done += setup.analyses;
        let method = configuration.analysis.scheme.method().name();
        let width = configuration
            .analysis
            .localisation
            .map_or(f64::NAN, |t| t.half_width());
        for filter in FILTERS {
            let analysis = last_errors(&rows, filter, Stage::Analysis);
            let forecast = last_errors(&rows, filter, Stage::Forecast);
            for (member, (a, b)) in analysis.iter().zip(&forecast).enumerate() {
                table.row(&[
                    Cell::Num(configuration.n_members as f64),
                    Cell::Text(method),
                    Cell::Num(width),
                    Cell::Text(filter.name()),
                    Cell::Num(member as f64),
                    Cell::Num(*a),
                    Cell::Num(*b),
                ]);
            }
        }
        table.write(ctx.storage(), &ctx.csv_path())?;
        finished.push(Finished {
            configuration,
            rows,
            revisions,
            reused,
        });
        Ok(true)
    };

    let smallest = sizes[0];
    let mut complete = true;
    for &c in half_widths {
        let configuration = Configuration {
            n_members: smallest,
            analysis: letkf(c)?,
        };
        if !run_one(configuration, &mut finished, &mut table)? {
            complete = false;
            break;
        }
    }
    let chosen = complete.then(|| {
        finished
            .iter()
            .min_by(|a, b| score(&a.rows).total_cmp(&score(&b.rows)))
            .and_then(|f| f.configuration.analysis.localisation)
            .map(|t| t.half_width())
    });
    if let Some(Some(c)) = chosen {
        'sizes: for &n_members in sizes {
            for analysis in analyses(c)? {
                if n_members == smallest && analysis.localisation.is_some() {
                    continue; // the sweep ran it
                }
                let configuration = Configuration {
                    n_members,
                    analysis,
                };
                if !run_one(configuration, &mut finished, &mut table)? {
                    complete = false;
                    break 'sizes;
                }
            }
        }
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    if complete {
        records.clear_checkpoints()?;
    }
    let chosen = chosen.flatten();
    draw(ctx, &finished, sizes, chosen)?;
    Ok(outcome(&base, &finished, half_widths, chosen, complete))
}

/// `e_omega` after the last analysis of `filter` in `run`.
fn last(run: &Finished, filter: Filter) -> f64 {
    errors(&run.rows, filter, Stage::Analysis)
        .last()
        .copied()
        .unwrap_or(f64::NAN)
}

/// Panels: `e_omega` after the last analysis against `N` for each filter
/// (one curve per analysis), and against the half-width at the smallest
/// size (the global analyses as references).
fn draw(
    ctx: &Context,
    finished: &[Finished],
    sizes: &[usize],
    chosen: Option<f64>,
) -> Result<(), Error> {
    let is = |run: &Finished, method: Method, local: bool| {
        run.configuration.analysis.scheme.method() == method
            && run.configuration.analysis.localisation.is_some() == local
            && (!local
                || run
                    .configuration
                    .analysis
                    .localisation
                    .map(|t| t.half_width())
                    == chosen)
    };
    let mut panels = Vec::new();
    for filter in FILTERS {
        let curve = |label: &str, method: Method, local: bool| Series {
            label: label.into(),
            points: finished
                .iter()
                .filter(|r| is(r, method, local))
                .map(|r| (r.configuration.n_members as f64, last(r, filter)))
                .collect(),
        };
        let letkf_label = chosen.map_or("LETKF".into(), |c| format!("LETKF, c = {c}"));
        panels.push(Panel {
            chart: LineChart {
                title: format!("{}: e_ω after the last analysis", pretty(filter)),
                x_label: "ensemble size N".into(),
                y_label: "e_ω".into(),
                series: vec![
                    curve("stochastic EnKF (paper)", Method::Stochastic, false),
                    curve("ETKF", Method::Etkf, false),
                    curve(&letkf_label, Method::Etkf, true),
                ],
            },
            x_scale: Scale::Linear,
            y_scale: Scale::Log10,
            references: Vec::new(),
        });
    }
    let smallest = sizes[0];
    let sweep: Vec<&Finished> = finished
        .iter()
        .filter(|r| {
            r.configuration.n_members == smallest && r.configuration.analysis.localisation.is_some()
        })
        .collect();
    let mut references = Vec::new();
    for run in finished.iter().filter(|r| {
        r.configuration.n_members == smallest && r.configuration.analysis.localisation.is_none()
    }) {
        for filter in FILTERS {
            let e = last(run, filter);
            let widths = sweep
                .iter()
                .filter_map(|r| r.configuration.analysis.localisation);
            let (lo, hi) = widths.fold((f64::INFINITY, 0.0_f64), |(lo, hi), t| {
                (lo.min(t.half_width()), hi.max(t.half_width()))
            });
            references.push(Series {
                label: format!(
                    "{}, global {}",
                    pretty(filter),
                    run.configuration.analysis.scheme.method().name()
                ),
                points: vec![(lo, e), (hi, e)],
            });
        }
    }
    panels.push(Panel {
        chart: LineChart {
            title: format!("N = {smallest}: LETKF against the half-width"),
            x_label: "Gaspari–Cohn half-width c".into(),
            y_label: "e_ω after the last analysis".into(),
            series: FILTERS
                .iter()
                .map(|&filter| Series {
                    label: pretty(filter),
                    points: sweep
                        .iter()
                        .filter_map(|r| {
                            let c = r.configuration.analysis.localisation?.half_width();
                            Some((c, last(r, filter)))
                        })
                        .collect(),
                })
                .collect(),
        },
        x_scale: Scale::Linear,
        y_scale: Scale::Log10,
        references,
    });
    plot::line_panels(ctx.storage(), &ctx.svg_path(), &panels, 3)
}

fn pretty(filter: Filter) -> String {
    match filter {
        Filter::RemeshEnkf => "Remesh".into(),
        Filter::PartEnkf => "Part".into(),
        Filter::FreeRun => "free run".into(),
    }
}

fn outcome(
    base: &Setup,
    finished: &[Finished],
    half_widths: &[f64],
    chosen: Option<f64>,
    complete: bool,
) -> Outcome {
    let runs: Vec<serde_json::Value> = finished
        .iter()
        .map(|run| {
            let c = run.configuration;
            let mut entry = json!({
                "n_members": c.n_members,
                "method": c.analysis.scheme.method().name(),
                "localisation_half_width": c.analysis.localisation.map(|t| t.half_width()),
                "revisions": run.revisions,
                "reused_from_run_store": run.reused.iter().map(|f| f.name()).collect::<Vec<_>>(),
            });
            for filter in FILTERS {
                entry[filter.name()] = json!({
                    "e_omega_after_each_analysis": errors(&run.rows, filter, Stage::Analysis),
                    "e_omega_before_each_analysis": errors(&run.rows, filter, Stage::Forecast),
                });
            }
            entry
        })
        .collect();
    let mut notes = vec![
        "each configuration is a whole assimilation run (truth and both filters from the same prior draws as fig18)".into(),
        "LETKF: one ETKF per node of the members' remeshing grid; Part-LETKF takes each particle's nearest node".into(),
        "the half-width is the one of the sweep at the smallest N whose last analysis has the least e_omega (geometric mean over both filters)".into(),
        "no inflation in any analysis, as in the paper".into(),
        "runs/run-KK.json holds every row of the K-th configuration's run".into(),
    ];
    if !complete {
        notes.push(format!(
            "stopped with {} configurations finished (--stop-after); continue with --resume",
            finished.len()
        ));
    }
    Outcome {
        parameters: json!({
            "analyses": base.analyses,
            "observations": base.points.len(),
            "sigma_obs": base.sigma_obs,
            "member_particle_spacing": base.member.particle_spacing,
            "half_widths_swept": half_widths,
            "error": "e_omega = mean over members of int (omega_i - omega_gt)^2",
        }),
        key_numbers: json!({
            "chosen_half_width": chosen,
            "complete": complete,
            "runs": runs,
        }),
        notes,
    }
}
