//! Paper 2, Fig. 15: how the threshold `eps_omega` (particles with
//! `|Gamma_p| < eps_omega V_p` are dropped at every remeshing) sets the
//! spatial extent of one member's particles, for `eps_omega = 0.1, 0.01,
//! 1e-6`.
//!
//! The member is the paper's dipole at the members' discretisation
//! (`d_p = pi / 256`), shown at `t = 1`, just after its second remeshing
//! (the end of the first assimilation window). `fig15.csv` lists every
//! particle (`eps_omega, x, y, circulation`); the panels mark each cell of
//! the `128^2` grid that holds particles, red where their circulation sums
//! positive, blue where negative.

use serde_json::json;
use validation::dipole_box::DipoleBox;

use crate::plot::{self, Heatmap};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// The thresholds of the paper's three panels.
const THRESHOLDS: [f64; 3] = [0.1, 0.01, 1e-6];
/// When the support is shown.
const TIME: f64 = 1.0;

/// Run the member with each threshold to `t = 1`; write the particles and
/// the support maps.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let base = if ctx.quick {
        DipoleBox::quick()
    } else {
        DipoleBox::paper_member()
    };
    let cells = (DipoleBox::LENGTH / (2.0 * base.particle_spacing)).round() as usize;
    let h = DipoleBox::LENGTH / cells as f64;
    let mut table = Table::new(&["eps_omega", "x", "y", "circulation"]);
    let mut panels = Vec::new();
    let mut counts = Vec::new();
    let steps = base.steps_to(TIME);
    let bar = ctx.progress(steps * THRESHOLDS.len() as u64, "members");
    for threshold in THRESHOLDS {
        let scenario = DipoleBox {
            eps_omega: threshold,
            ..base
        };
        let (mut vic, mut state) = scenario.start()?;
        let initial = state.particles.len();
        vic.advance(&mut state, steps, |_| bar.inc(1))?;
        let particles = &state.particles;
        let mut sums = vec![0.0; cells * cells];
        for p in 0..particles.len() {
            let [x, y] = particles.position(p);
            let g = particles.strengths()[p];
            table.row(&[
                Cell::Num(threshold),
                Cell::Num(x),
                Cell::Num(y),
                Cell::Num(g),
            ]);
            let (ix, iy) = (
                ((x / h) as usize).min(cells - 1),
                ((y / h) as usize).min(cells - 1),
            );
            sums[iy * cells + ix] += g;
        }
        let support: Vec<f64> = sums
            .iter()
            .map(|s| if *s == 0.0 { 0.0 } else { s.signum() })
            .collect();
        let occupied = support.iter().filter(|s| **s != 0.0).count();
        counts.push(json!({
            "eps_omega": threshold,
            "particles_initial": initial,
            "particles_at_t1": particles.len(),
            "occupied_grid_cells": occupied,
            "grid_cells_per_side": cells,
        }));
        panels.push(Heatmap {
            title: format!("ε_ω = {threshold:e}: {} particles", particles.len()),
            x_label: "x".into(),
            y_label: "y".into(),
            value_label: "sign of Γ in cell".into(),
            x_range: (0.0, DipoleBox::LENGTH),
            y_range: (0.0, DipoleBox::LENGTH),
            cells: (cells, cells),
            values: support,
            overlays: Vec::new(),
        });
    }
    bar.finish_and_clear();
    table.write(ctx.storage(), &ctx.csv_path())?;
    plot::heatmap_panels(ctx.storage(), &ctx.svg_path(), &panels)?;
    Ok(Outcome {
        parameters: json!({
            "thresholds_eps_omega": THRESHOLDS,
            "time": TIME,
            "particle_spacing": base.particle_spacing,
            "dt": base.dt,
            "viscosity": base.viscosity,
            "remesh_every_steps": base.remesh_every,
            "dipole": "the truth dipole of Section 5.1.2 (centre (pi/2, pi/2), R = 0.5, U = 0.25, alpha = 7 pi/8)",
        }),
        key_numbers: json!({ "particle_counts": counts }),
        notes: vec![
            "the paper does not say at which time or for which member its panels are drawn; we show the truth dipole at the members' spacing at t = 1, just after the second remeshing".into(),
            "the threshold also applies when the initial particles are created".into(),
        ],
    })
}
