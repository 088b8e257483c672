//! Paper 2, Fig. 11: box plots, over the members, of the normalised state
//! discrepancy `||u_i - u_gt|| / ||u_gt||` after the last Part-EnKF
//! analysis, against the mean number of particles per member set by the
//! initial threshold `eps_cut` (Section 4.2.1). The paper finds a plateau
//! from about 70 particles (70 % of the domain covered).

use experiments::advection::{Scheme, run as assimilate};
use serde_json::json;

use crate::plot::{self, BoxPlot, Scale};
use crate::reproduce::advection1d::{
    eps_cut_for_mean, mean_initial_particles, parameters, scenario,
};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// Target mean particle counts; 100 is `eps_cut = 0` (the whole period).
const TARGETS: [f64; 6] = [50.0, 60.0, 70.0, 80.0, 90.0, 100.0];

/// Run Part-EnKF per target, write `fig11.csv` and `fig11.svg`.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let s = scenario(ctx)?;
    let draws = s.prior_draws(ctx.seed)?;
    let full = s.particles.per_period as f64;
    let mut cases = Vec::new();
    for target in TARGETS {
        let eps_cut = if target >= full {
            0.0
        } else {
            eps_cut_for_mean(&s, &draws, target)?
        };
        cases.push(("target", target, eps_cut));
    }
    // The paper's own cut-off, whatever count it gives here.
    cases.push(("paper eps_cut = 1e-11", f64::NAN, 1e-11));

    let mut table = Table::new(&["case", "eps_cut", "mean_particles", "member", "discrepancy"]);
    let mut categories = Vec::new();
    let mut samples = Vec::new();
    let mut numbers = Vec::new();
    for (kind, target, eps_cut) in cases {
        let steps = assimilate(&s, ctx.seed, Scheme::Part { eps_cut })?;
        let last = steps.last().expect("a run has its prior step");
        let mean = mean_initial_particles(&s, &draws, eps_cut)?;
        let label = format!("{mean:.1}");
        for (i, d) in last.discrepancy.iter().enumerate() {
            table.row(&[
                Cell::Text(kind),
                Cell::Num(eps_cut),
                Cell::Num(mean),
                Cell::Num(i as f64),
                Cell::Num(*d),
            ]);
        }
        let mut sorted = last.discrepancy.clone();
        sorted.sort_by(f64::total_cmp);
        numbers.push(json!({
            "case": kind,
            "target_mean_particles": if target.is_nan() { None } else { Some(target) },
            "eps_cut": eps_cut,
            "mean_particles_per_member": mean,
            "median_discrepancy": plot::quantile(&sorted, 0.5),
            "iqr_discrepancy": plot::quantile(&sorted, 0.75) - plot::quantile(&sorted, 0.25),
            "final_rrmse_state": last.rrmse_state,
        }));
        categories.push(if kind == "target" {
            label
        } else {
            format!("{label} (1e-11)")
        });
        samples.push(last.discrepancy.clone());
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    plot::box_plot(
        ctx.storage(),
        &ctx.svg_path(),
        &BoxPlot {
            title: "Part-EnKF: final normalised discrepancy per member".into(),
            x_label: "mean particles per member".into(),
            y_label: "||u_i - u_gt|| / ||u_gt||".into(),
            y_scale: Scale::Linear,
            categories,
            groups: vec![("Part-EnKF".into(), samples)],
        },
    )?;
    Ok(Outcome {
        parameters: parameters(ctx, &s),
        key_numbers: json!({
            "cases": numbers,
            "paper": { "plateau_from_mean_particles": 70, "eps_cut_1e-11_mean_particles": 60 },
        }),
        notes: vec![
            "mean particles per member after the initial threshold; Part-EnKF keeps them through the run".into(),
            "each target's eps_cut is found by bisection in log10(eps_cut) on this seed's prior".into(),
        ],
    })
}
