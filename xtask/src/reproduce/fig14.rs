//! Paper 2, Fig. 14: the ground truth of the 2D scenario, the
//! Lamb–Chaplygin dipole in the stress-free box `[0, pi]^2`, at
//! `t = 1, 5, 10`, where it has split into two wall vortices.
//!
//! Writes the vorticity snapshots as `omega_t1.npy`, `omega_t5.npy`,
//! `omega_t10.npy` (the `M4'` grid field sampled at the cell centres
//! `x_i = (i + 1/2) pi / 128` of a `128 x 128` grid, indexed `[y, x]`), the
//! diagnostics every 0.05 time units in `fig14.csv`, and the three panels
//! in `fig14.svg`.

use particle_core::remesh::GridValues;
use serde_json::json;
use validation::dipole_box::DipoleBox;
use vic_solver::{Diagnostics, FlowState, Vic};

use crate::plot::{self, Heatmap};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};
use experiments::npy;
use experiments::storage::replace;

/// Output grid of the snapshots: cells per side of the box.
pub const SNAPSHOT_CELLS: usize = 128;
/// Snapshot times of the paper's figure.
const SNAPSHOT_TIMES: [f64; 3] = [1.0, 5.0, 10.0];
/// Interval between two rows of diagnostics.
const DIAGNOSTICS_EVERY: f64 = 0.05;

/// The scenario of this run: the paper's truth, or a coarse one for
/// `--quick` (`d_p = pi / 128`, `dt = 0.02`, remeshing every 0.5 as the
/// paper's).
pub fn scenario(quick: bool) -> DipoleBox {
    if quick {
        DipoleBox::quick()
    } else {
        DipoleBox::paper_truth()
    }
}

/// The field of nodal values at the cell centres of the output grid,
/// row-major `[y, x]`.
pub fn cell_centred(nodes: &GridValues<2>) -> Result<Vec<f64>, Error> {
    let h = DipoleBox::LENGTH / SNAPSHOT_CELLS as f64;
    let centre = |i: usize| (i as f64 + 0.5) * h;
    let mut values = Vec::with_capacity(SNAPSHOT_CELLS * SNAPSHOT_CELLS);
    for iy in 0..SNAPSHOT_CELLS {
        for ix in 0..SNAPSHOT_CELLS {
            values.push(nodes.field_at([centre(ix), centre(iy)])?);
        }
    }
    Ok(values)
}

fn diagnostics_row(table: &mut Table, d: &Diagnostics) {
    table.row(&[
        Cell::Num(d.time),
        Cell::Num(d.circulation),
        Cell::Num(d.impulse[0]),
        Cell::Num(d.impulse[1]),
        Cell::Num(d.energy),
        Cell::Num(d.enstrophy),
        Cell::Num(d.particles as f64),
    ]);
}

/// Simulate the truth to `t = 10`, write the snapshots, the diagnostics and
/// the figure.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let scenario = scenario(ctx.quick);
    let (mut vic, mut state) = scenario.start()?;
    let mut table = Table::new(&[
        "time",
        "circulation",
        "impulse_x",
        "impulse_y",
        "energy",
        "enstrophy",
        "particles",
    ]);
    let first = vic.diagnostics(&state)?;
    diagnostics_row(&mut table, &first);
    let every = scenario.steps_to(DIAGNOSTICS_EVERY).max(1);
    let total = scenario.steps_to(SNAPSHOT_TIMES[2]);
    let bar = ctx.progress(total, "truth");
    let mut panels = Vec::new();
    let mut extrema = Vec::new();
    for &t in &SNAPSHOT_TIMES {
        let target = scenario.steps_to(t);
        while state.steps < target {
            let chunk = every.min(target - state.steps);
            vic.advance(&mut state, chunk, |_| bar.inc(1))?;
            if state.steps % every == 0 {
                diagnostics_row(&mut table, &vic.diagnostics(&state)?);
            }
        }
        let field = snapshot(ctx, &mut vic, &state, t)?;
        let max = field.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = field.iter().copied().fold(f64::INFINITY, f64::min);
        extrema.push(json!({"time": t, "omega_max": max, "omega_min": min}));
        panels.push(Heatmap {
            title: format!("truth, t = {t}"),
            x_label: "x".into(),
            y_label: "y".into(),
            value_label: "ω".into(),
            x_range: (0.0, DipoleBox::LENGTH),
            y_range: (0.0, DipoleBox::LENGTH),
            cells: (SNAPSHOT_CELLS, SNAPSHOT_CELLS),
            values: field,
            overlays: Vec::new(),
        });
    }
    bar.finish_and_clear();
    table.write(ctx.storage(), &ctx.csv_path())?;
    plot::heatmap_panels(ctx.storage(), &ctx.svg_path(), &panels)?;
    let last = vic.diagnostics(&state)?;
    Ok(Outcome {
        parameters: json!({
            "dipole": {
                "center": scenario.dipole.center,
                "radius": scenario.dipole.radius,
                "speed": scenario.dipole.speed,
                "alpha": scenario.dipole.alpha,
            },
            "box": [[0.0, DipoleBox::LENGTH], [0.0, DipoleBox::LENGTH]],
            "boundary": "stress-free walls (odd images)",
            "viscosity": scenario.viscosity,
            "particle_spacing": scenario.particle_spacing,
            "grid_cells": vic.grid().cells(),
            "pse_width": scenario.eps_over_dp * scenario.particle_spacing,
            "pse_tolerance": vic.config().pse_tolerance,
            "dt": scenario.dt,
            "threshold_eps_omega": scenario.eps_omega,
            "remesh_every_steps": scenario.remesh_every,
            "snapshot_grid": {
                "files": ["omega_t1.npy", "omega_t5.npy", "omega_t10.npy"],
                "shape": [SNAPSHOT_CELLS, SNAPSHOT_CELLS],
                "index_order": "[y, x]",
                "x_i": format!("(i + 1/2) * pi / {SNAPSHOT_CELLS}"),
                "y_j": format!("(j + 1/2) * pi / {SNAPSHOT_CELLS}"),
                "field": "M4' interpolant of the nodal vorticity (projection of the particles, eq. 6)",
            },
        }),
        key_numbers: json!({
            "initial": diagnostics_json(&first),
            "final": diagnostics_json(&last),
            "snapshot_extrema": extrema,
            "energy_ratio_final_over_initial": last.energy / first.energy,
        }),
        notes: vec![
            "truth at d_p = pi/512 (256^2 grid), twice finer than the members (pi/256, 128^2); --quick uses pi/128 and dt = 0.02".into(),
            "vorticity from the M4' projection of the particles, evaluated at cell centres".into(),
        ],
    })
}

fn diagnostics_json(d: &Diagnostics) -> serde_json::Value {
    json!({
        "time": d.time,
        "circulation": d.circulation,
        "impulse": d.impulse,
        "energy": d.energy,
        "enstrophy": d.enstrophy,
        "particles": d.particles,
    })
}

/// Write `omega_tT.npy` and return the cell-centred field.
fn snapshot(ctx: &Context, vic: &mut Vic, state: &FlowState, t: f64) -> Result<Vec<f64>, Error> {
    let field = cell_centred(&vic.vorticity(&state.particles)?)?;
    let bytes = npy::encode_f64(&[SNAPSHOT_CELLS, SNAPSHOT_CELLS], &field);
    replace(ctx.storage(), &ctx.file(&format!("omega_t{t}.npy")), &bytes)?;
    Ok(field)
}
