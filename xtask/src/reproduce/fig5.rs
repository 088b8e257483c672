//! Paper 2, Fig. 5: the Remesh-EnKF's analysed ensemble at several
//! assimilation steps of the 1D problem (Section 4.2), with the truth and
//! the data of that step.

use experiments::advection::{Scheme, run as assimilate};
use serde_json::json;

use crate::reproduce::advection1d::{PLOT_POINTS, Panel, panels, parameters, scenario, thinned};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// Run the Remesh-EnKF, write `fig5.csv` and `fig5.svg`.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let s = scenario(ctx)?;
    let steps = assimilate(
        &s,
        ctx.seed,
        Scheme::Remesh {
            eps_cut: s.particles.eps_cut,
        },
    )?;
    let n_assim = s.assimilation.analyses;
    let shown: Vec<usize> = [1, 2, 5, 10, 20, 30]
        .into_iter()
        .filter(|&k| k <= n_assim)
        .collect();
    let grid = s.quadrature()?;
    let xs = grid.points();
    let stride = xs.len().div_ceil(PLOT_POINTS);
    let points = s.observation_points()?;

    let mut table = Table::new(&["step", "time", "series", "x", "u"]);
    let mut figure = Vec::new();
    let mut numbers = Vec::new();
    for &k in &shown {
        let step = &steps[k];
        let data = s.data(ctx.seed, k - 1)?;
        let mut panel = Panel {
            title: format!("analysis {k} (t = {:.2})", step.time),
            x_label: "x".into(),
            y_label: "u".into(),
            truth: thinned(&xs, &step.truth, stride),
            marks: points.points().iter().copied().zip(data).collect(),
            ..Panel::default()
        };
        for (i, field) in step.fields.iter().enumerate() {
            let curve = thinned(&xs, field, stride);
            let name = format!("member_{i}");
            for &(x, u) in &curve {
                table.row(&[
                    Cell::Num(k as f64),
                    Cell::Num(step.time),
                    Cell::Text(&name),
                    Cell::Num(x),
                    Cell::Num(u),
                ]);
            }
            panel.members.push(curve);
        }
        for (series, curve) in [("truth", &panel.truth), ("observation", &panel.marks)] {
            for &(x, u) in curve.iter() {
                table.row(&[
                    Cell::Num(k as f64),
                    Cell::Num(step.time),
                    Cell::Text(series),
                    Cell::Num(x),
                    Cell::Num(u),
                ]);
            }
        }
        let min = step
            .fields
            .iter()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min);
        numbers.push(json!({
            "step": k,
            "time": step.time,
            "rrmse_state": step.rrmse_state,
            "min_member_value": min,
            "mean_particles": step.mean_particles(),
        }));
        figure.push(panel);
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    panels(ctx.storage(), &ctx.svg_path(), &figure, 3)?;
    Ok(Outcome {
        parameters: parameters(ctx, &s),
        key_numbers: json!({
            "steps": numbers,
            "prior_rrmse_state": steps[0].rrmse_state,
        }),
        notes: vec![
            "blue: analysed members; black: truth; orange crosses: the noisy data of that analysis".into(),
            "min_member_value < 0 is the positivity loss the paper describes after the first analyses".into(),
        ],
    })
}
