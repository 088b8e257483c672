//! Paper 1, Figure 1: the phase plane of the scalar moment system eq. (16)
//! for `(y, G) = (2, 1)`: its vector field with the nullclines, and
//! trajectories that start around the equilibrium `F1 = (y/G, y²/G²) =
//! (2, 4)`.
//!
//! Trajectories are the closed-form solution of `kinetic_enkf::scalar_moments`
//! (checked there against numerical integration). Those that start in the
//! admissible region `E >= m²` (a variance `E - m² >= 0`) creep towards
//! `F1` like `t^(-1/2)`; those that start below the parabola blow up in
//! finite time: every fixed point is non-hyperbolic (the Jacobian eq. (17)
//! is nilpotent there), and `F1` attracts from one side only.

use kinetic_enkf::scalar_moments::{ScalarMoments, classify, eigenvalues_2x2};
use serde_json::json;

use super::{Cell, Context, Error, Outcome, Table};
use crate::plot::{self, ArrowSet, Quiver, Series};

const Y: f64 = 2.0;
const G: f64 = 1.0;
const M_RANGE: [f64; 2] = [0.0, 4.0];
const E_RANGE: [f64; 2] = [0.0, 10.0];
/// Arrows per axis.
const ARROWS: usize = 21;
/// Last time of a trajectory.
const HORIZON: f64 = 40.0;

/// Draw the phase plane and report the fixed points and trajectories.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let system = ScalarMoments::new(Y, G)?;
    let field = system.vector_field(M_RANGE, E_RANGE, ARROWS, ARROWS)?;
    let span = [M_RANGE[1] - M_RANGE[0], E_RANGE[1] - E_RANGE[0]];
    // Directions only, equal length on the drawing: the speeds span many
    // orders of magnitude.
    let step = 0.8 / (ARROWS - 1) as f64;
    let arrows = field
        .iter()
        .filter_map(|p| {
            let (u, v) = (p.dm / span[0], p.de / span[1]);
            let norm = u.hypot(v);
            (norm > 0.0).then(|| {
                [
                    p.m,
                    p.e,
                    step * span[0] * u / norm,
                    step * span[1] * v / norm,
                ]
            })
        })
        .collect();
    let nullclines = system.nullclines(M_RANGE, E_RANGE, 200)?;
    let polyline = |points: &[[f64; 2]]| points.iter().map(|p| (p[0], p[1])).collect();

    // Starts on a small ellipse around F1, half of them below the parabola.
    let [f0, f1] = system.named_fixed_points();
    let starts: Vec<[f64; 2]> = (0..8)
        .map(|i| {
            let a = std::f64::consts::TAU * (i as f64 + 0.5) / 8.0;
            [f1[0] + 0.25 * a.cos(), f1[1] + 0.6 * a.sin()]
        })
        .collect();
    let mut table = Table::new(&["start", "t", "m", "E"]);
    let mut curves = vec![
        Series {
            label: "nullcline m = y/G".into(),
            points: polyline(&nullclines.mean_steady),
        },
        Series {
            label: "nullcline E = (y/G) m".into(),
            points: polyline(&nullclines.second_moment_steady),
        },
        Series {
            label: "fixed points E = m²".into(),
            points: polyline(&nullclines.parabola),
        },
    ];
    let mut trajectories = Vec::new();
    for (s, &[m0, e0]) in starts.iter().enumerate() {
        let blow_up = system.blow_up_time(m0, e0);
        let mut points = Vec::new();
        for i in 0..=400 {
            // Times spaced geometrically, then cut before any blow-up.
            let t = HORIZON * ((i as f64 / 400.0) * 8.0).exp_m1() / 8f64.exp_m1();
            if blow_up.is_some_and(|t_star| t >= 0.999 * t_star) {
                break;
            }
            let [m, e] = system.exact(m0, e0, t)?;
            table.row(&[
                Cell::Num(s as f64),
                Cell::Num(t),
                Cell::Num(m),
                Cell::Num(e),
            ]);
            let inside =
                (M_RANGE[0]..=M_RANGE[1]).contains(&m) && (E_RANGE[0]..=E_RANGE[1]).contains(&e);
            if !inside {
                break;
            }
            points.push((m, e));
        }
        let end = *points.last().unwrap_or(&(m0, e0));
        trajectories.push(json!({
            "start": [m0, e0],
            "admissible": e0 >= m0 * m0,
            "blow_up_time": blow_up,
            "last_drawn": [end.0, end.1],
        }));
        curves.push(Series {
            label: if s == 0 {
                "trajectories from around F1".into()
            } else {
                String::new()
            },
            points,
        });
    }
    table.write(&ctx.csv_path())?;
    plot::quiver(
        &ctx.svg_path(),
        &Quiver {
            title: "Moment system (16), (y, G) = (2, 1): directions, nullclines, trajectories"
                .into(),
            x_label: "mean m".into(),
            y_label: "second moment E".into(),
            x_range: (M_RANGE[0], M_RANGE[1]),
            y_range: (E_RANGE[0], E_RANGE[1]),
            scale: 1.0,
            sets: vec![ArrowSet {
                label: "direction of (dm/dt, dE/dt)".into(),
                arrows,
            }],
            curves,
        },
    )?;

    let fixed_points: Vec<_> = [
        ("F0", f0),
        ("F1", f1),
        ("F_k, k = -1", [-1.0, 1.0]),
        ("F_k, k = 3", [3.0, 9.0]),
    ]
    .iter()
    .map(|(name, p)| {
        let j = system.jacobian(p[0], p[1]);
        json!({
            "name": name,
            "point": p,
            "jacobian": j,
            "eigenvalues_re_im": eigenvalues_2x2(j),
            "classification": format!("{:?}", classify(j, 1e-12)),
        })
    })
    .collect();
    Ok(Outcome {
        parameters: json!({ "y": Y, "G": G, "m_range": M_RANGE, "E_range": E_RANGE, "horizon": HORIZON }),
        key_numbers: json!({ "fixed_points": fixed_points, "trajectories": trajectories }),
        notes: vec![
            "arrows show directions only (equal drawn length)".into(),
            "trajectories are the closed-form solutions; those starting below E = m^2 blow up at the stated time".into(),
        ],
    })
}
