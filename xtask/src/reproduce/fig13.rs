//! Paper 2, Fig. 13: the Lamb–Chaplygin dipole vorticity on a normalised
//! space (lengths in units of `R`, vorticity in units of `U/R`), travelling
//! along `+x` (`α = 0`), with SPEC's sign convention.

use std::f64::consts::PI;

use serde_json::json;
use validation::bessel::{J1_FIRST_ZERO, j0, j1};
use validation::lamb_chaplygin::LambChaplygin;
use validation::norms::CellGrid2d;

use crate::plot::{self, Heatmap};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// First zero of `J1'` (Abramowitz & Stegun Table 9.5), where `|ω|` peaks on the axis `φ = ±π/2`.
const J1_PRIME_FIRST_ZERO: f64 = 1.841_183_781_340_659_3;

/// Sample the normalised dipole, write `fig13.csv` and `fig13.svg`.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let dipole = LambChaplygin::new([0.0, 0.0], 1.0, 1.0, 0.0)?;
    let half = 1.5;
    let cells = if ctx.quick { 60 } else { 150 };
    let grid = CellGrid2d::new([-half, -half], [2.0 * half, 2.0 * half], [cells, cells])?;
    let (xs, ys) = (grid.xs(), grid.ys());
    let omega = dipole.sample_vorticity(&xs, &ys);

    let mut table = Table::new(&["x_over_R", "y_over_R", "omega_over_U_per_R"]);
    for (iy, &y) in ys.iter().enumerate() {
        for (ix, &x) in xs.iter().enumerate() {
            table.row(&[
                Cell::Num(x),
                Cell::Num(y),
                Cell::Num(omega[iy * cells + ix]),
            ]);
        }
    }
    table.write(ctx.storage(), &ctx.csv_path())?;

    let circle: Vec<(f64, f64)> = (0..=256)
        .map(|i| {
            let a = 2.0 * PI * i as f64 / 256.0;
            (a.cos(), a.sin())
        })
        .collect();
    plot::heatmap(
        ctx.storage(),
        &ctx.svg_path(),
        &Heatmap {
            title: "Lamb–Chaplygin dipole vorticity (R = 1, U = 1, travelling along +x)".into(),
            x_label: "x / R".into(),
            y_label: "y / R".into(),
            value_label: "ω / (U/R)".into(),
            x_range: (-half, half),
            y_range: (-half, half),
            cells: (cells, cells),
            values: omega.clone(),
            overlays: vec![circle],
        },
    )?;

    let k = dipole.wavenumber();
    let (imax, wmax) = extreme(&omega, |a, b| a > b);
    let (imin, wmin) = extreme(&omega, |a, b| a < b);
    let peak_exact = -2.0 * k * j1(J1_PRIME_FIRST_ZERO) / j0(J1_FIRST_ZERO);
    let total_circulation = grid.cell_area() * omega.iter().sum::<f64>();
    let upper_circulation: f64 = grid.cell_area()
        * omega
            .iter()
            .enumerate()
            .filter(|(i, _)| ys[i / cells] > 0.0)
            .map(|(_, w)| w)
            .sum::<f64>();
    let at = |i: usize| [xs[i % cells], ys[i / cells]];
    Ok(Outcome {
        parameters: json!({
            "center": [0.0, 0.0],
            "radius_R": 1.0,
            "speed_U": 1.0,
            "alpha": 0.0,
            "k_R": J1_FIRST_ZERO,
            "window": [[-half, half], [-half, half]],
            "cells": [cells, cells],
        }),
        key_numbers: json!({
            "omega_max_grid": wmax,
            "omega_max_position": at(imax),
            "omega_min_grid": wmin,
            "omega_min_position": at(imin),
            "omega_peak_exact": peak_exact,
            "omega_peak_position_exact": [0.0, J1_PRIME_FIRST_ZERO / J1_FIRST_ZERO],
            "total_circulation_midpoint": total_circulation,
            "upper_lobe_circulation_midpoint": upper_circulation,
        }),
        notes: vec![
            "omega = -2 k U J1(k r)/J0(k R) sin(theta - alpha) for r < R (SPEC convention); positive (counter-clockwise) lobe on the left of the travel direction".into(),
            "the paper plots the same field on a normalised space; its orientation is not stated, we use alpha = 0".into(),
            "omega_peak_exact is the analytic extremum at k r = j'_{1,1} on theta - alpha = pi/2; the grid maximum approaches it as the grid is refined".into(),
        ],
    })
}

/// Index and value of the extreme element under `better`.
fn extreme(values: &[f64], better: impl Fn(f64, f64) -> bool) -> (usize, f64) {
    values
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, values[0]),
            |acc, (i, v)| if better(v, acc.1) { (i, v) } else { acc },
        )
}
