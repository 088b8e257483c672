//! Paper 2, Fig. 17: the observed and the reference velocity at the
//! `12 x 12` observation points at the first analysis time `t = 1`: the
//! truth's velocity and the same plus `N(0, sigma_obs^2)` noise, exactly the
//! data of `fig18`'s first analysis (same seed and stream).

use serde_json::json;
use validation::dipole_box::{DipoleBox, noisy_observations, observation_points};

use crate::plot::{self, ArrowSet, Quiver};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

/// Observation noise of Table 3.
const SIGMA_OBS: f64 = 0.05;
/// Observation points per side (Section 5.1.3).
const SIDE: usize = 12;

/// Run the truth to `t = 1`, observe, write the arrows.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let truth = if ctx.quick {
        DipoleBox::quick()
    } else {
        DipoleBox::paper_truth()
    };
    let (mut vic, mut state) = truth.start()?;
    let steps = truth.steps_to(1.0);
    let bar = ctx.progress(steps, "truth");
    vic.advance(&mut state, steps, |_| bar.inc(1))?;
    bar.finish_and_clear();
    let points = observation_points(SIDE);
    let reference = vic.velocity_at(&state.particles, &points)?;
    let observed = noisy_observations(&reference, SIGMA_OBS, ctx.seed, 0);
    let mut table = Table::new(&[
        "x",
        "y",
        "u_reference",
        "v_reference",
        "u_observed",
        "v_observed",
    ]);
    let (mut noise2, mut max_speed) = (0.0, 0.0f64);
    for (k, (p, r)) in points.iter().zip(&reference).enumerate() {
        let (uo, vo) = (observed[2 * k], observed[2 * k + 1]);
        table.row(&[
            Cell::Num(p[0]),
            Cell::Num(p[1]),
            Cell::Num(r[0]),
            Cell::Num(r[1]),
            Cell::Num(uo),
            Cell::Num(vo),
        ]);
        noise2 += (uo - r[0]).powi(2) + (vo - r[1]).powi(2);
        max_speed = max_speed.max(r[0].hypot(r[1]));
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    let rms_noise = (noise2 / (2 * points.len()) as f64).sqrt();
    // Longest reference arrow = 0.8 of the point spacing.
    let scale = 0.8 * (DipoleBox::LENGTH / SIDE as f64) / max_speed;
    let arrows = |observed_values: bool| -> Vec<[f64; 4]> {
        points
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let (u, v) = if observed_values {
                    (observed[2 * k], observed[2 * k + 1])
                } else {
                    (reference[k][0], reference[k][1])
                };
                [p[0], p[1], u, v]
            })
            .collect()
    };
    plot::quiver(
        ctx.storage(),
        &ctx.svg_path(),
        &Quiver {
            title: format!(
                "Velocity at t = 1, 12 × 12 points (arrow {:.2} per unit speed)",
                scale
            ),
            x_label: "x".into(),
            y_label: "y".into(),
            x_range: (0.0, DipoleBox::LENGTH),
            y_range: (0.0, DipoleBox::LENGTH),
            scale,
            curves: Vec::new(),
            sets: vec![
                ArrowSet {
                    label: "reference (truth)".into(),
                    arrows: arrows(false),
                },
                ArrowSet {
                    label: format!("observed (σ_obs = {SIGMA_OBS})"),
                    arrows: arrows(true),
                },
            ],
        },
    )?;
    Ok(Outcome {
        parameters: json!({
            "time": 1.0,
            "points": format!("{SIDE} x {SIDE} cell centres of the box"),
            "sigma_obs": SIGMA_OBS,
            "truth_particle_spacing": truth.particle_spacing,
            "noise_stream": "member_stream(seed, OBSERVATION_STREAM, Observation(0)), as fig18's first analysis",
        }),
        key_numbers: json!({
            "rms_noise": rms_noise,
            "sigma_obs": SIGMA_OBS,
            "max_reference_speed": max_speed,
        }),
        notes: vec![
            "the paper does not state the time of its example; we show the first analysis time"
                .into(),
        ],
    })
}
