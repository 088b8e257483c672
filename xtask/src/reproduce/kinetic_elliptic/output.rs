//! `kinetic-elliptic.csv` and `kinetic-elliptic.svg`.

use super::methods::{Record, Run, Setup};
use super::{DataSet, GAMMA};
use crate::plot::{self, LineChart, Panel, Scale, Series};
use crate::reproduce::context::Context;
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// One tidy table: `quantity` over `coordinate` (`t` for the recorded
/// quantities, `x` for the profiles `u` and `member_j` at the last time).
pub(super) fn write_csv(ctx: &Context, setup: &Setup, runs: &[Run]) -> Result<(), Error> {
    let mut table = Table::new(&[
        "data",
        "method",
        "members",
        "quantity",
        "coordinate",
        "value",
    ]);
    let nodes = setup.problem.nodes();
    for (x, u) in nodes.iter().zip(&setup.truth) {
        table.row(&[
            Cell::Text("-"),
            Cell::Text("truth"),
            Cell::Num(0.0),
            Cell::Text("u"),
            Cell::Num(*x),
            Cell::Num(*u),
        ]);
    }
    for run in runs {
        let mut row = |quantity: &str, coordinate: f64, value: f64| {
            table.row(&[
                Cell::Text(run.data),
                Cell::Text(run.method),
                Cell::Num(run.members as f64),
                Cell::Text(quantity),
                Cell::Num(coordinate),
                Cell::Num(value),
            ]);
        };
        for r in &run.records {
            for (q, v) in Record::QUANTITIES.iter().zip(r.values()) {
                row(q, r.time, v);
            }
        }
        for (r, v) in run.records.iter().zip(&run.to_moments) {
            row("distance_to_moments", r.time, *v);
        }
        for (x, u) in nodes.iter().zip(&run.mean) {
            row("u", *x, *u);
        }
        if let Some(members) = &run.ensemble {
            for (j, member) in members.chunks_exact(setup.dim()).enumerate() {
                let name = format!("member_{}", j + 1);
                for (x, u) in nodes.iter().zip(member) {
                    row(&name, *x, *u);
                }
            }
        }
    }
    table.write(ctx.storage(), &ctx.csv_path())
}

fn series(label: impl Into<String>, points: impl Iterator<Item = (f64, f64)>) -> Series {
    Series {
        label: label.into(),
        points: points.collect(),
    }
}

/// A quantity against time on log–log axes, one curve per run.
fn over_time(title: &str, y_label: &str, runs: &[&Run], pick: fn(&Record) -> f64) -> Panel {
    Panel {
        chart: LineChart {
            title: title.into(),
            x_label: "t".into(),
            y_label: y_label.into(),
            series: runs
                .iter()
                .map(|r| series(r.label(), r.records.iter().map(|c| (c.time, pick(c)))))
                .collect(),
        },
        x_scale: Scale::Log10,
        y_scale: Scale::Log10,
        references: Vec::new(),
    }
}

/// A horizontal reference line over the recorded times.
fn level(setup: &Setup, label: &str, value: f64) -> Series {
    series(label, setup.times.iter().map(|&t| (t, value)))
}

/// Nine panels: the noisy data's residual, misfit and error; the
/// noise-free data's misfit and error and the spread; the reconstructions
/// of both data sets and the kinetic Monte Carlo against the moments.
pub(super) fn draw(
    ctx: &Context,
    setup: &Setup,
    runs: &[Run],
    data_sets: &[DataSet],
    noisy_level: f64,
) -> Result<(), Error> {
    let shown = |data: &str| -> Vec<&Run> {
        runs.iter()
            .filter(|r| r.data == data && !smaller_kinetic(r, runs))
            .collect()
    };
    let (noisy, clean) = (shown("noisy"), shown("noise-free"));
    let reference = |data: &str| data_sets.iter().find(|s| s.name == data);
    let error_to = |v: &[f64]| setup.l2(&super::methods::difference(v, &setup.truth));
    let k = setup.observations() as f64;

    let mut error_noisy = over_time("error, γ = 0.01", "‖ū − u†‖", &noisy, |r| r.error);
    if let Some(s) = reference("noisy") {
        error_noisy.references = vec![level(setup, "posterior mean", error_to(&s.posterior))];
    }
    let mut error_clean = over_time("error, noise-free data", "‖ū − u†‖", &clean, |r| {
        r.error
    });
    if let Some(s) = reference("noise-free") {
        error_clean.references = vec![level(setup, "limit m∞", error_to(&s.limit))];
    }
    let mut spread = over_time(
        "spread in data space (either data)",
        "(1/J) Σ |G(uʲ − ū)|²",
        &noisy,
        |r| r.spread_obs,
    );
    spread.references = vec![
        series(
            "bound γK/(2t)",
            setup
                .times
                .iter()
                .filter(|&&t| t >= 1.0)
                .map(|&t| (t, GAMMA * k / (2.0 * t))),
        ),
        level(setup, "Fokker-Planck equilibrium", noisy_level),
    ];
    let kinetic: Vec<&Run> = runs
        .iter()
        .filter(|r| r.data == "noisy" && !r.to_moments.is_empty())
        .collect();
    let convergence = Panel {
        chart: LineChart {
            title: "kinetic MC against the exact moments, γ = 0.01".into(),
            x_label: "t".into(),
            y_label: "‖ū − m‖".into(),
            series: kinetic
                .iter()
                .map(|r| {
                    let points = r.records.iter().zip(&r.to_moments);
                    series(r.label(), points.map(|(c, v)| (c.time, *v)))
                })
                .collect(),
        },
        x_scale: Scale::Log10,
        y_scale: Scale::Log10,
        references: Vec::new(),
    };
    let horizon = setup.times.last().copied().unwrap_or(0.0);
    let panels = [
        over_time("residual, γ = 0.01", "|Gū − y|", &noisy, |r| r.residual),
        over_time("misfit, γ = 0.01", "|G(ū − u†)|", &noisy, |r| {
            r.misfit
        }),
        error_noisy,
        over_time("misfit, noise-free data", "|G(ū − u†)|", &clean, |r| {
            r.misfit
        }),
        error_clean,
        spread,
        reconstruction(
            setup,
            &format!("reconstructions at t = {horizon:.0e}, γ = 0.01"),
            &noisy,
        ),
        reconstruction(
            setup,
            &format!("reconstructions at t = {horizon:.0e}, noise-free data"),
            &clean,
        ),
        convergence,
    ];
    plot::line_panels(ctx.storage(), &ctx.svg_path(), &panels, 3)
}

/// The means at the last time beside the truth.
fn reconstruction(setup: &Setup, title: &str, runs: &[&Run]) -> Panel {
    let nodes = setup.problem.nodes();
    let profile = |values: &[f64]| nodes.iter().copied().zip(values.to_vec());
    Panel {
        chart: LineChart {
            title: title.into(),
            x_label: "x".into(),
            y_label: "u(x)".into(),
            series: runs
                .iter()
                .map(|r| series(r.label(), profile(&r.mean)))
                .collect(),
        },
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        references: vec![series("truth u†", profile(&setup.truth))],
    }
}

/// A kinetic run with fewer particles than the largest: drawn only in the
/// convergence panel.
fn smaller_kinetic(run: &Run, runs: &[Run]) -> bool {
    run.method == "kinetic MC"
        && runs
            .iter()
            .any(|r| r.method == "kinetic MC" && r.members > run.members)
}
