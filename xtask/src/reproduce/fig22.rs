//! Paper 2, Fig. 22: one member's first analysis, where its forecast
//! particles do not cover the support of the analysed field. Part-EnKF
//! (eq. 12 at the member's own particles) can only represent the analysis
//! where the member has particles; Remesh-EnKF interpolates it to fresh
//! particles wherever it exceeds `eps_omega`.
//!
//! The scenario is fig18's; the member shown is the one whose Part-EnKF
//! error after the first analysis is largest relative to its Remesh-EnKF
//! error (stated in `summary.json`, with every member's ratio in the CSV's
//! companion numbers). Panels: the truth, the forecast member, its
//! Part-EnKF and its Remesh-EnKF analysis, on the quadrature cells.

use serde_json::json;
use validation::dipole_box::DipoleBox;

use experiments::dipole::{Experiment, FILTERS, Filter, Setup, Stage};

use crate::plot::{self, Heatmap};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// Run the first window and draw the chosen member.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let setup = Setup::new(&ctx.dipole_scenario()?);
    let (mut experiment, mut progress) = Experiment::start(setup, ctx.seed, &FILTERS)?;
    let bar = ctx.progress(experiment.setup.steps_per_window(1), "first window");
    experiment.advance_window(&mut progress, &mut Context::step_counter(&bar))?;
    bar.finish_and_clear();

    let analysis_errors = |filter: Filter| {
        progress
            .rows
            .iter()
            .find(|r| r.filter == filter && r.stage == Stage::Analysis)
            .map(|r| r.per_member.clone())
            .unwrap_or_default()
    };
    let part = analysis_errors(Filter::PartEnkf);
    let remesh = analysis_errors(Filter::RemeshEnkf);
    let ratios: Vec<f64> = part.iter().zip(&remesh).map(|(p, r)| p / r).collect();
    let member = (0..ratios.len())
        .max_by(|&a, &b| ratios[a].total_cmp(&ratios[b]))
        .unwrap_or(0);

    let states = |filter: Filter| {
        progress
            .ensembles
            .iter()
            .find(|(f, _)| *f == filter)
            .map(|(_, members)| members[member].clone())
    };
    let truth = progress.truth_fields[1].clone();
    let mut panels = vec![("truth", truth, None)];
    for (title, filter) in [
        ("forecast member", Filter::FreeRun),
        ("Part-EnKF analysis", Filter::PartEnkf),
        ("Remesh-EnKF analysis", Filter::RemeshEnkf),
    ] {
        let state = states(filter).expect("fig22 runs all three ensembles");
        let field = experiment.member_field(member, &state)?;
        panels.push((title, field, Some(state.particles.len())));
    }

    let n = experiment.setup.quadrature_cells;
    let h = DipoleBox::LENGTH / n as f64;
    let mut table = Table::new(&["x", "y", "truth", "forecast", "part_enkf", "remesh_enkf"]);
    for iy in 0..n {
        for ix in 0..n {
            let c = iy * n + ix;
            table.row(&[
                Cell::Num((ix as f64 + 0.5) * h),
                Cell::Num((iy as f64 + 0.5) * h),
                Cell::Num(panels[0].1[c]),
                Cell::Num(panels[1].1[c]),
                Cell::Num(panels[2].1[c]),
                Cell::Num(panels[3].1[c]),
            ]);
        }
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    plot::heatmap_panels(
        ctx.storage(),
        &ctx.svg_path(),
        &panels
            .iter()
            .map(|(title, values, particles)| Heatmap {
                title: match particles {
                    Some(p) => format!("member {member}: {title} ({p} particles)"),
                    None => format!("{title}, t = {}", experiment.setup.window),
                },
                x_label: "x".into(),
                y_label: "y".into(),
                value_label: "ω".into(),
                x_range: (0.0, DipoleBox::LENGTH),
                y_range: (0.0, DipoleBox::LENGTH),
                cells: (n, n),
                values: values.clone(),
                overlays: Vec::new(),
            })
            .collect::<Vec<_>>(),
    )?;
    Ok(Outcome {
        parameters: json!({
            "scenario": "fig18's (first analysis only)",
            "members": experiment.setup.n_members,
            "choice": "the member with the largest ratio of Part-EnKF to Remesh-EnKF error after the first analysis",
        }),
        key_numbers: json!({
            "member": member,
            "part_over_remesh_error_ratio": ratios[member],
            "member_error_part_enkf": part[member],
            "member_error_remesh_enkf": remesh[member],
            "particles": {
                "forecast": panels[1].2,
                "part_enkf": panels[2].2,
                "remesh_enkf": panels[3].2,
            },
            "all_members_part_over_remesh": ratios,
        }),
        notes: vec![
            "Part-EnKF keeps the forecast particles, so it represents the analysis only where the forecast has particles".into(),
        ],
    })
}
