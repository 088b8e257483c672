//! Shared pieces of the 1D reproductions (paper 2, Section 4, Figs. 4–12):
//! the scenario (`--config FILE`, else `scenarios/advection1d.toml` or its
//! quick variant), its parameters for `summary.json`, the cut-offs
//! `eps_cut` that give a target mean particle count, and ensemble
//! ("spaghetti") panels: thin member curves, the truth in black, optional
//! markers.

use std::path::Path;

use experiments::advection::{Advection1dScenario, MemberDraw};
use experiments::advection::{Scheme, Step, run};
use experiments::storage::Storage;
use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::{Value, json};

use crate::plot::{self, LineChart, Series};
use crate::reproduce::context::Context;
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// The scenario of `--config FILE` if given, else the paper's file (or the
/// quick one).
///
/// # Errors
/// A scenario error naming the file and the bad key (or why the file
/// cannot be read).
pub fn scenario(ctx: &Context) -> Result<Advection1dScenario, Error> {
    Ok(match &ctx.config {
        Some(path) => Advection1dScenario::from_file(path)?,
        None if ctx.quick => Advection1dScenario::quick()?,
        None => Advection1dScenario::paper()?,
    })
}

/// The scenario's values for `summary.json`.
pub fn parameters(ctx: &Context, s: &Advection1dScenario) -> Value {
    let a = &s.assimilation;
    json!({
        "scenario_file": ctx.config.as_ref().map_or_else(
            || if ctx.quick { "scenarios/advection1d-quick.toml".to_string() }
               else { "scenarios/advection1d.toml".to_string() },
            |p| p.display().to_string()),
        "truth": { "v": s.truth.velocity, "D": s.truth.diffusion, "x0": s.truth.x0, "sigma0_sq": s.truth.sigma0_sq },
        "prior": {
            "x0_mean_variance": [s.prior.x0.mean, s.prior.x0.variance],
            "sigma0_uniform": [s.prior.sigma0.low, s.prior.sigma0.high],
            "v_mean_variance": [s.prior.velocity.mean, s.prior.velocity.variance],
            "D_uniform": [s.prior.diffusion.low, s.prior.diffusion.high],
        },
        "members": a.n_members,
        "analyses": a.analyses,
        "final_time": a.final_time,
        "observations": a.observations,
        "noise_variance": a.noise_variance,
        "diffusion_floor": a.diffusion_floor,
        "d_p": s.particle_spacing(),
        "eps_over_dp": s.particles.eps_over_dp,
        "pse_dt": s.particles.dt,
        "eps_cut": s.particles.eps_cut,
        "grid_nodes": s.grid.nodes,
        "grid_scheme": "central differences + RK4",
        "quadrature_nodes": s.quadrature.nodes,
    })
}

/// Mean initial particles per member after thresholding at `eps_cut`.
///
/// # Errors
/// [`Error::Validation`] if a member keeps no particle.
pub fn mean_initial_particles(
    s: &Advection1dScenario,
    draws: &[MemberDraw],
    eps_cut: f64,
) -> Result<f64, Error> {
    let members = s.particle_members(draws, eps_cut)?;
    Ok(members.states.iter().map(|p| p.len()).sum::<usize>() as f64 / members.len() as f64)
}

/// The smallest `eps_cut` (bisection in `log10` over `[1e-16, 0.25]`, 60
/// halvings) whose mean initial particle count is at most `target`: the
/// cut-off that gives the paper's 60 or 70 particles per member. The upper
/// end stays below the lowest peak of Table 1's prior,
/// `K(0, 1.2^2 / 2) = 0.33`, so no member loses all its particles.
///
/// # Errors
/// As [`mean_initial_particles`].
pub fn eps_cut_for_mean(
    s: &Advection1dScenario,
    draws: &[MemberDraw],
    target: f64,
) -> Result<f64, Error> {
    let (mut lo, mut hi) = (-16.0_f64, 0.25_f64.log10());
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if mean_initial_particles(s, draws, 10f64.powf(mid))? <= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(10f64.powf(hi))
}

/// Points per curve in the ensemble figures (every `stride`-th quadrature
/// node, `stride = nodes / PLOT_POINTS` rounded up; [`thinned`]): smooth at
/// their width, and a figure of six panels of 25 members stays under
/// 300 kB of SVG.
pub const PLOT_POINTS: usize = 150;

/// Every `stride`-th quadrature node and value, for plots and CSV.
pub fn thinned(xs: &[f64], values: &[f64], stride: usize) -> Vec<(f64, f64)> {
    xs.iter()
        .zip(values)
        .step_by(stride.max(1))
        .map(|(&x, &v)| (x, v))
        .collect()
}

/// One panel of an ensemble figure.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Member curves (thin, blue).
    pub members: Vec<Vec<(f64, f64)>>,
    /// The truth (thick, black).
    pub truth: Vec<(f64, f64)>,
    /// Member markers (blue dots).
    pub points: Vec<(f64, f64)>,
    /// Marked reference points (orange crosses: truth, observations).
    pub marks: Vec<(f64, f64)>,
}

/// Draw panels side by side (at most `cols` per row) into an SVG file
/// (and its PNG) through `storage`.
///
/// # Errors
/// [`Error::Plot`] if the backend fails; [`Error::Experiment`] naming the
/// file if it cannot be written.
pub fn panels(
    storage: &dyn Storage,
    path: &Path,
    panels: &[Panel],
    cols: usize,
) -> Result<(), Error> {
    let cols = cols.clamp(1, panels.len().max(1));
    let rows = panels.len().div_ceil(cols).max(1);
    let size = (560 * cols as u32, 420 * rows as u32);
    plot::svg_file(storage, path, size, |root, _| {
        root.fill(&WHITE)?;
        for (area, panel) in root.split_evenly((rows, cols)).iter().zip(panels) {
            draw(area, panel)?;
        }
        Ok(())
    })
}

fn range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.5 };
    (lo - pad)..(hi + pad)
}

fn draw(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    panel: &Panel,
) -> Result<(), Box<dyn std::error::Error>> {
    let all = || {
        panel
            .members
            .iter()
            .flatten()
            .chain(&panel.truth)
            .chain(&panel.points)
            .chain(&panel.marks)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(range(all().map(|p| p.0)), range(all().map(|p| p.1)))?;
    chart
        .configure_mesh()
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let blue = RGBColor(0, 114, 178);
    for member in &panel.members {
        chart.draw_series(LineSeries::new(
            member.iter().copied(),
            blue.mix(0.45).stroke_width(1),
        ))?;
    }
    if !panel.truth.is_empty() {
        chart.draw_series(LineSeries::new(
            panel.truth.iter().copied(),
            BLACK.stroke_width(3),
        ))?;
    }
    chart.draw_series(
        panel
            .points
            .iter()
            .map(|&p| Circle::new(p, 3, blue.filled())),
    )?;
    let orange = RGBColor(213, 94, 0);
    chart.draw_series(
        panel
            .marks
            .iter()
            .map(|&p| Cross::new(p, 6, orange.stroke_width(3))),
    )?;
    Ok(())
}

/// The filters compared in Figs. 7–9, with the free-running baseline.
pub const FILTERS: [&str; 4] = ["Grid-EnKF", "Remesh-EnKF", "Part-EnKF", "free run"];

/// Named runs, one per filter, in [`FILTERS`] order.
pub type FilterRuns = Vec<(&'static str, Vec<Step>)>;

/// What [`rrmse_figure`] computed, for the figure's summary.
pub struct RrmseFigure {
    /// The scenario run.
    pub scenario: Advection1dScenario,
    /// The four runs.
    pub runs: FilterRuns,
    /// Per filter: the values after each analysis, the prior's, the final.
    pub numbers: Value,
}

/// One run of each of [`FILTERS`] at the scenario's `eps_cut`.
///
/// # Errors
/// The runs' errors (naming the member).
pub fn compare_filters(s: &Advection1dScenario, seed: u64) -> Result<FilterRuns, Error> {
    let eps_cut = s.particles.eps_cut;
    let schemes = [
        Scheme::Grid,
        Scheme::Remesh { eps_cut },
        Scheme::Part { eps_cut },
        Scheme::FreeRun { eps_cut },
    ];
    FILTERS
        .iter()
        .zip(schemes)
        .map(|(&name, scheme)| Ok((name, run(s, seed, scheme)?)))
        .collect()
}

/// Which rRMSE a figure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// State (Fig. 7).
    State,
    /// Velocity (Fig. 8).
    Velocity,
    /// Diffusion (Fig. 9).
    Diffusion,
}

impl Quantity {
    /// Its value at one step.
    pub fn of(self, step: &Step) -> f64 {
        match self {
            Quantity::State => step.rrmse_state,
            Quantity::Velocity => step.rrmse_velocity,
            Quantity::Diffusion => step.rrmse_diffusion,
        }
    }

    /// Its key in `summary.json`.
    pub fn key(self) -> &'static str {
        match self {
            Quantity::State => "rrmse_state",
            Quantity::Velocity => "rrmse_velocity",
            Quantity::Diffusion => "rrmse_diffusion",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Quantity::State => "state rRMSE",
            Quantity::Velocity => "velocity rRMSE",
            Quantity::Diffusion => "diffusion rRMSE",
        }
    }
}

/// Figs. 7–9: `quantity` against the assimilation step for the three
/// filters and the free run; CSV `filter,step,time,rrmse`; key numbers per
/// filter: the values after each analysis (length `N_assim`), the prior's
/// and the final value.
///
/// # Errors
/// The runs' errors; [`Error::Io`] / [`Error::Plot`] writing the files.
pub fn rrmse_figure(ctx: &Context, quantity: Quantity) -> Result<RrmseFigure, Error> {
    let s = scenario(ctx)?;
    let runs = compare_filters(&s, ctx.seed)?;
    let mut table = Table::new(&["filter", "step", "time", quantity.key()]);
    let mut series = Vec::new();
    let mut numbers = serde_json::Map::new();
    for (name, steps) in &runs {
        for (k, step) in steps.iter().enumerate() {
            table.row(&[
                Cell::Text(name),
                Cell::Num(k as f64),
                Cell::Num(step.time),
                Cell::Num(quantity.of(step)),
            ]);
        }
        series.push(Series {
            label: (*name).to_string(),
            points: steps
                .iter()
                .enumerate()
                .map(|(k, st)| (k as f64, quantity.of(st)))
                .collect(),
        });
        let after: Vec<f64> = steps[1..].iter().map(|st| quantity.of(st)).collect();
        numbers.insert(
            (*name).to_string(),
            json!({
                quantity.key(): after,
                "prior": quantity.of(&steps[0]),
                "final": after.last().copied(),
            }),
        );
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    plot::line_chart(
        ctx.storage(),
        &ctx.svg_path(),
        &LineChart {
            title: format!("1D advection–diffusion: {}", quantity.label()),
            x_label: "assimilation step".into(),
            y_label: quantity.label().into(),
            series,
        },
    )?;
    Ok(RrmseFigure {
        scenario: s,
        runs,
        numbers: Value::Object(numbers),
    })
}
