//! Paper 2, Fig. 16: six samples of the initial 2D ensemble, drawn from the
//! prior of Table 2 (members 0 to 5 under the scenario seed, the same draws
//! as the first six members of `fig18`).

use serde_json::json;
use validation::dipole_box::{DipoleBox, DipolePrior};
use validation::norms::CellGrid2d;

use crate::plot::{self, Heatmap};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// How many samples the figure shows.
const SAMPLES: usize = 6;

/// Sample the members, write their vorticity and the panels.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let cells = if ctx.quick { 64 } else { 128 };
    let grid = CellGrid2d::new(
        [0.0, 0.0],
        [DipoleBox::LENGTH, DipoleBox::LENGTH],
        [cells, cells],
    )?;
    let (xs, ys) = (grid.xs(), grid.ys());
    let prior = DipolePrior::paper();
    let base = DipoleBox::paper_member();
    let mut table = Table::new(&["member", "x", "y", "omega"]);
    let mut panels = Vec::new();
    let mut samples = Vec::new();
    for member in 0..SAMPLES {
        let sample = prior.sample(ctx.seed, member, &base);
        let d = sample.dipole;
        let omega = d.sample_vorticity(&xs, &ys);
        for (k, w) in omega.iter().enumerate() {
            table.row(&[
                Cell::Num(member as f64),
                Cell::Num(xs[k % cells]),
                Cell::Num(ys[k / cells]),
                Cell::Num(*w),
            ]);
        }
        samples.push(json!({
            "member": member,
            "center": d.center,
            "radius": d.radius,
            "speed": d.speed,
            "alpha": d.alpha,
            "viscosity": sample.viscosity,
        }));
        panels.push(Heatmap {
            title: format!(
                "member {member}: R = {:.3}, U = {:.3}, α = {:.2}",
                d.radius, d.speed, d.alpha
            ),
            x_label: "x".into(),
            y_label: "y".into(),
            value_label: "ω".into(),
            x_range: (0.0, DipoleBox::LENGTH),
            y_range: (0.0, DipoleBox::LENGTH),
            cells: (cells, cells),
            values: omega,
            overlays: Vec::new(),
        });
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    plot::heatmap_panels(ctx.storage(), &ctx.svg_path(), &panels)?;
    Ok(Outcome {
        parameters: json!({
            "prior": "paper 2 Table 2: R ~ N(0.5, 0.05^2), alpha ~ U(pi/2, pi), centre ~ N((pi/2, pi/2), 0.1^2 I), U ~ U(0.25, 0.5), nu ~ N(0.0015, 0.0005^2)",
            "members_shown": SAMPLES,
            "cells": [cells, cells],
        }),
        key_numbers: json!({ "samples": samples }),
        notes: vec![
            "the analytic Lamb–Chaplygin vorticity of each draw at the cell centres; members are discretised on particles from these fields".into(),
        ],
    })
}
