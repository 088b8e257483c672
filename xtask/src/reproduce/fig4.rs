//! Paper 2, Fig. 4: the initial parameter samples `(v_i, D_i)` and the
//! initial ensemble `u_i(x, 0) = K(x - x0_i, sigma0_i^2 / 2)` of the 1D
//! problem (Section 4.1.1, Table 1), with the truth.

use serde_json::json;

use crate::reproduce::advection1d::{Panel, panels, parameters, scenario};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// Points of `[0, 2 pi)` where each initial state is drawn and tabulated.
const SAMPLES: usize = 200;

/// Draw the prior, write `fig4.csv` and `fig4.svg`.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let s = scenario(ctx)?;
    let draws = s.prior_draws(ctx.seed)?;
    let truth = s.truth();
    let xs: Vec<f64> = (0..SAMPLES)
        .map(|k| k as f64 * std::f64::consts::TAU / SAMPLES as f64)
        .collect();

    let mut table = Table::new(&["panel", "series", "x", "y"]);
    let mut params = Panel {
        title: "initial parameters".into(),
        x_label: "velocity v".into(),
        y_label: "diffusion D".into(),
        marks: vec![(truth.velocity, truth.diffusion)],
        ..Panel::default()
    };
    let mut states = Panel {
        title: "initial ensemble".into(),
        x_label: "x".into(),
        y_label: "u(x, 0)".into(),
        ..Panel::default()
    };
    for (i, d) in draws.iter().enumerate() {
        let name = format!("member_{i}");
        table.row(&[
            Cell::Text("parameters"),
            Cell::Text(&name),
            Cell::Num(d.velocity),
            Cell::Num(d.diffusion),
        ]);
        params.points.push((d.velocity, d.diffusion));
        let curve = xs
            .iter()
            .map(|&x| Ok((x, d.initial(x)?)))
            .collect::<Result<Vec<_>, experiments::Error>>()?;
        for &(x, u) in &curve {
            table.row(&[
                Cell::Text("initial_states"),
                Cell::Text(&name),
                Cell::Num(x),
                Cell::Num(u),
            ]);
        }
        states.members.push(curve);
    }
    table.row(&[
        Cell::Text("parameters"),
        Cell::Text("truth"),
        Cell::Num(truth.velocity),
        Cell::Num(truth.diffusion),
    ]);
    for &x in &xs {
        let u = truth.exact(x, 0.0)?;
        table.row(&[
            Cell::Text("initial_states"),
            Cell::Text("truth"),
            Cell::Num(x),
            Cell::Num(u),
        ]);
        states.truth.push((x, u));
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    panels(ctx.storage(), &ctx.svg_path(), &[params, states], 2)?;

    let n = draws.len() as f64;
    let moments = |f: &dyn Fn(&experiments::advection::MemberDraw) -> f64| {
        let m = draws.iter().map(f).sum::<f64>() / n;
        let v = draws.iter().map(|d| (f(d) - m).powi(2)).sum::<f64>() / (n - 1.0);
        json!({ "mean": m, "variance": v })
    };
    let p = &s.prior;
    Ok(Outcome {
        parameters: parameters(ctx, &s),
        key_numbers: json!({
            "sample": {
                "x0": moments(&|d| d.x0),
                "sigma0": moments(&|d| d.sigma0),
                "v": moments(&|d| d.velocity),
                "D": moments(&|d| d.diffusion),
            },
            "table_1": {
                "x0": { "mean": p.x0.mean, "variance": p.x0.variance },
                "sigma0": { "mean": 0.5 * (p.sigma0.low + p.sigma0.high), "variance": (p.sigma0.high - p.sigma0.low).powi(2) / 12.0 },
                "v": { "mean": p.velocity.mean, "variance": p.velocity.variance },
                "D": { "mean": 0.5 * (p.diffusion.low + p.diffusion.high), "variance": (p.diffusion.high - p.diffusion.low).powi(2) / 12.0 },
            },
            "members_with_negative_velocity": draws.iter().filter(|d| d.velocity < 0.0).count(),
        }),
        notes: vec![
            "Table 1 read as N(mean, variance) (SPEC): v ~ N(0.9, 1.2) has standard deviation 1.10, so some members travel backwards".into(),
            "orange cross: the truth (v, D) = (1, 0.05); member i draws x0, sigma0, v, D from member_stream(seed, i, Prior)".into(),
        ],
    })
}
