//! `diffusion-accuracy` (not a paper figure): the Vortex-In-Cell diffusion
//! options against an independent pseudo-spectral solution of the same
//! flow. One member of the 2D scenario as
//! `validation::dipole_box::DipoleBox::paper_member` builds it (the
//! truth's dipole and viscosity at `d_p = pi/256`, 2 000 steps to
//! `t = 10`) is run with PSE and with grid diffusion, each on one thread,
//! and compared every 0.25 time units with `validation::spectral_box` at
//! `256^2` modes (checked against `512^2`): the relative L2 vorticity error
//! on the member's `129^2` grid nodes and the energy over the reference's
//! (`validation::diffusion_accuracy`).
//!
//! `diffusion-accuracy.csv` has one row per run and time; the summary
//! gives both numbers at `t = 1, 5, 10` and the wall times. `--quick`
//! runs `DipoleBox::quick` (`d_p = pi/128`) to `t = 1` against `64^2` and
//! `128^2` modes.

use serde_json::{Value, json};
use validation::diffusion_accuracy::{AccuracySetup, DiffusionAccuracy, compare};
use vic_solver::Diffusion;

use crate::plot::{self, LineChart, Panel, Scale, Series};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// Times whose numbers go into the summary (the paper's Fig. 14 times; the
/// quick run's own end points instead).
const SUMMARY_TIMES: [f64; 3] = [1.0, 5.0, 10.0];
const QUICK_SUMMARY_TIMES: [f64; 2] = [0.5, 1.0];

fn name(diffusion: Diffusion) -> &'static str {
    match diffusion {
        Diffusion::Pse => "pse",
        Diffusion::Grid => "grid",
    }
}

/// Run the comparison on a one-thread pool and write the table, the figure
/// and the summary.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let setup = if ctx.quick {
        AccuracySetup::quick()
    } else {
        AccuracySetup::paper()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Error::ThreadPool(e.to_string()))?;
    let bar = ctx.progress(setup.total_steps(), "spectral, then VIC");
    let result = pool.install(|| compare(&setup, || bar.inc(1)))?;
    bar.finish_and_clear();
    write_table(ctx, &setup, &result)?;
    draw(ctx, &setup, &result)?;
    let summary_times: &[f64] = if ctx.quick {
        &QUICK_SUMMARY_TIMES
    } else {
        &SUMMARY_TIMES
    };
    Ok(Outcome {
        parameters: parameters(&setup),
        key_numbers: key_numbers(&setup, &result, summary_times),
        notes: vec![
            "VIC vorticity: the M4' projection of the particles on the member's grid (eq. 6), \
             compared with the sine series at the same nodes; energies: the VIC grid energy and \
             the series' exact 1/2 int |u|^2"
                .into(),
            "members run on one thread; the spectral runs (sequential) are timed separately".into(),
            "the reference's own error is bounded by its difference from the check run with \
             twice the modes (reference[].check_difference; relative_l2_error of the spectral-CHECK rows)"
                .into(),
        ],
    })
}

fn write_table(
    ctx: &Context,
    setup: &AccuracySetup,
    result: &DiffusionAccuracy,
) -> Result<(), Error> {
    let mut table = Table::new(&[
        "time",
        "run",
        "relative_l2_error",
        "energy",
        "energy_over_reference",
        "enstrophy_over_reference",
    ]);
    let reference_name = format!("spectral-{}", setup.reference_modes);
    let check_name = setup.check_modes.map(|m| format!("spectral-{m}"));
    for r in &result.reference {
        table.row(&[
            Cell::Num(r.time),
            Cell::Text(&reference_name),
            Cell::Num(0.0),
            Cell::Num(r.energy),
            Cell::Num(1.0),
            Cell::Num(1.0),
        ]);
        if let (Some(name), Some(difference), Some(energy), Some(enstrophy)) = (
            &check_name,
            r.check_difference,
            r.check_energy,
            r.check_enstrophy,
        ) {
            table.row(&[
                Cell::Num(r.time),
                Cell::Text(name),
                Cell::Num(difference),
                Cell::Num(energy),
                Cell::Num(energy / r.energy),
                Cell::Num(enstrophy / r.enstrophy),
            ]);
        }
    }
    for row in &result.rows {
        table.row(&[
            Cell::Num(row.time),
            Cell::Text(name(row.diffusion)),
            Cell::Num(row.relative_l2_error),
            Cell::Num(row.energy),
            Cell::Num(row.energy_ratio),
            Cell::Num(row.enstrophy_ratio),
        ]);
    }
    table.write(ctx.storage(), &ctx.csv_path())
}

fn draw(ctx: &Context, setup: &AccuracySetup, result: &DiffusionAccuracy) -> Result<(), Error> {
    let member = |pick: fn(&validation::diffusion_accuracy::AccuracyRow) -> f64| {
        setup
            .diffusions
            .iter()
            .map(|&d| Series {
                label: format!("VIC, {}", name(d)),
                points: result
                    .rows
                    .iter()
                    .filter(|r| r.diffusion == d)
                    .map(|r| (r.time, pick(r)))
                    .collect(),
            })
            .collect::<Vec<_>>()
    };
    let check = setup
        .check_modes
        .map(|m| format!("spectral {m}² vs reference"));
    let mut errors = member(|r| r.relative_l2_error);
    let mut energies = member(|r| r.energy_ratio);
    if let Some(label) = check {
        errors.push(Series {
            label: label.clone(),
            points: result
                .reference
                .iter()
                .filter_map(|r| r.check_difference.map(|d| (r.time, d)))
                .collect(),
        });
        energies.push(Series {
            label,
            points: result
                .reference
                .iter()
                .filter_map(|r| r.check_energy.map(|e| (r.time, e / r.energy)))
                .collect(),
        });
    }
    let reference = format!("spectral {}² modes", setup.reference_modes);
    let panels = [
        Panel {
            chart: LineChart {
                title: format!("vorticity against the {reference}"),
                x_label: "t".into(),
                y_label: "relative L2 error on the member's nodes".into(),
                series: errors,
            },
            x_scale: Scale::Linear,
            y_scale: Scale::Log10,
            references: Vec::new(),
        },
        Panel {
            chart: LineChart {
                title: format!("energy over the {reference}"),
                x_label: "t".into(),
                y_label: "E / E_ref".into(),
                series: energies,
            },
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            references: vec![Series {
                label: "E = E_ref".into(),
                points: result.reference.iter().map(|r| (r.time, 1.0)).collect(),
            }],
        },
    ];
    plot::line_panels(ctx.storage(), &ctx.svg_path(), &panels, 2)
}

fn parameters(setup: &AccuracySetup) -> Value {
    let s = &setup.scenario;
    json!({
        "dipole": {
            "center": s.dipole.center,
            "radius": s.dipole.radius,
            "speed": s.dipole.speed,
            "alpha": s.dipole.alpha,
        },
        "viscosity": s.viscosity,
        "vic": {
            "particle_spacing": s.particle_spacing,
            "pse_width": s.eps_over_dp * s.particle_spacing,
            "dt": s.dt,
            "threshold_eps_omega": s.eps_omega,
            "remesh_every_steps": s.remesh_every,
            "diffusions": setup.diffusions.iter().map(|&d| name(d)).collect::<Vec<_>>(),
            "threads": 1,
        },
        "spectral": {
            "reference_modes": setup.reference_modes,
            "check_modes": setup.check_modes,
            "dt": setup.spectral_dt,
            "scheme": "double sine series, 2/3 rule, integrating-factor RK4",
        },
        "times": setup.times,
    })
}

fn key_numbers(setup: &AccuracySetup, result: &DiffusionAccuracy, times: &[f64]) -> Value {
    let mut options = serde_json::Map::new();
    for &d in &setup.diffusions {
        let at: Vec<Value> = times
            .iter()
            .filter_map(|&t| result.row(d, t))
            .map(|r| {
                json!({
                    "time": r.time,
                    "relative_l2_error": r.relative_l2_error,
                    "energy_over_reference": r.energy_ratio,
                    "energy_deviation_percent": 100.0 * (r.energy_ratio - 1.0),
                })
            })
            .collect();
        let wall = result
            .timings
            .iter()
            .find(|t| t.diffusion == Some(d))
            .map(|t| t.wall_time_s);
        options.insert(name(d).into(), json!({"at": at, "wall_time_s": wall}));
    }
    let reference: Vec<Value> = times
        .iter()
        .filter_map(|&t| result.reference_at(t))
        .map(|r| {
            json!({
                "time": r.time,
                "energy": r.energy,
                "check_difference": r.check_difference,
                "check_energy_over_reference": r.check_energy.map(|e| e / r.energy),
            })
        })
        .collect();
    let spectral_wall: Vec<Value> = result
        .timings
        .iter()
        .filter_map(|t| {
            t.modes
                .map(|m| json!({"modes": m, "steps": t.steps, "wall_time_s": t.wall_time_s}))
        })
        .collect();
    json!({
        "vic": options,
        "reference": reference,
        "spectral_wall_times": spectral_wall,
    })
}
