//! Paper 2, Fig. 3: the exact solution of the periodic advection–diffusion
//! problem (13), `u(x, t) = K(x − v t − x0, D t + σ0²/2)`, at `t = 0, π/v, 2π/v`.

use std::f64::consts::PI;

use serde_json::json;
use validation::heat_kernel::AdvectionDiffusion;
use validation::norms::PeriodicGrid1d;

use crate::plot::{self, LineChart, Series};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// Compute the three profiles, write `fig3.csv` and `fig3.svg`.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let problem = AdvectionDiffusion::paper();
    problem.validate()?;
    let v = problem.velocity;
    let nodes = if ctx.quick { 200 } else { 1000 };
    let grid = PeriodicGrid1d::new(nodes, 2.0 * PI)?;
    let times = [
        ("t = 0", 0.0),
        ("t = pi/v", PI / v),
        ("t = 2pi/v", 2.0 * PI / v),
    ];

    let mut table = Table::new(&["time_label", "t", "x", "u"]);
    let mut series = Vec::new();
    let mut profiles = Vec::new();
    for (label, t) in times {
        // The plotted curve closes the period: nodes 0..n plus x = 2π.
        let xs: Vec<f64> = (0..=nodes).map(|i| i as f64 * grid.spacing()).collect();
        let us = xs
            .iter()
            .map(|&x| problem.exact(x, t))
            .collect::<Result<Vec<f64>, _>>()?;
        for (&x, &u) in xs.iter().zip(&us) {
            table.row(&[Cell::Text(label), Cell::Num(t), Cell::Num(x), Cell::Num(u)]);
        }
        let periodic = &us[..nodes];
        let mass = grid.spacing() * periodic.iter().sum::<f64>();
        let (i_max, u_max) =
            periodic
                .iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |acc, (i, u)| if u > acc.1 { (i, u) } else { acc },
                );
        let variance = 2.0 * (problem.diffusion * t + problem.sigma0_sq / 2.0);
        profiles.push(json!({
            "time_label": label,
            "t": t,
            "mass": mass,
            "peak_value": u_max,
            "peak_position_grid": xs[i_max],
            "peak_position_exact": (problem.x0 + v * t).rem_euclid(2.0 * PI),
            "gaussian_variance": variance,
        }));
        series.push(Series {
            label: label.replace("pi", "π"),
            points: xs.into_iter().zip(us).collect(),
        });
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    plot::line_chart(
        ctx.storage(),
        &ctx.svg_path(),
        &LineChart {
            title: "Exact solution of the periodic advection–diffusion problem (13)".into(),
            x_label: "x  [dimensionless, period 2π]".into(),
            y_label: "u(x, t)  [dimensionless]".into(),
            series,
        },
    )?;
    Ok(Outcome {
        parameters: json!({
            "velocity_v": problem.velocity,
            "diffusion_D": problem.diffusion,
            "x0": problem.x0,
            "sigma0_sq": problem.sigma0_sq,
            "domain": [0.0, 2.0 * PI],
            "grid_nodes": nodes,
            "times": times.iter().map(|t| t.1).collect::<Vec<_>>(),
        }),
        key_numbers: json!({ "profiles": profiles }),
        notes: vec![
            "exact solution u(x,t) = K(x - v t - x0, D t + sigma0^2/2), K the 2pi-periodic heat kernel (paper 2, Section 4.1)".into(),
            "mass is the periodic trapezoid rule on the grid and should equal 1".into(),
        ],
    })
}
