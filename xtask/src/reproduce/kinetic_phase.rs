//! Paper 1, Figures 1 and 2: phase planes of the scalar moment systems for
//! `(y, G) = (2, 1)`, in the variables `(m, E)` (mean and second moment).
//!
//! * `kinetic-fig1`: eq. (16), the moments of the kinetic EnKF, with its
//!   nullclines and trajectories around `F1 = (y/G, y²/G²) = (2, 4)`. Every
//!   fixed point lies on `E = m²` and is non-hyperbolic (the Jacobian eq. (17)
//!   is nilpotent there); starts with `E0 >= m0²` (a variance `>= 0`) creep
//!   towards `F1` like `t^(-1/2)`, starts below the parabola blow up.
//! * `kinetic-fig2`: the moments of the stabilised (Fokker–Planck) equation
//!   (22) with constant noise, eq. (16) plus `(0, q)`: a single equilibrium
//!   `(y/G, y²/G² + V*)`, `V* = sqrt(q/2)/|G|`, a stable node with
//!   eigenvalues `-G² V*` and `-4 G² V*`.
//!
//! Trajectories are the closed forms of `kinetic_enkf` (checked there
//! against numerical integration).

use kinetic_enkf::scalar_moments::{PhaseVector, ScalarMoments, classify, eigenvalues_2x2};
use kinetic_enkf::stabilised::NoisyScalarMoments;
use serde_json::{Value, json};

use crate::plot::{self, ArrowSet, Quiver, Series};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;
use crate::reproduce::table::{Cell, Table};

const Y: f64 = 2.0;
const G: f64 = 1.0;
/// Diffusion `q = Lambda K²` of the stabilised system (kinetic-fig2).
const Q: f64 = 0.5;
const M_RANGE: [f64; 2] = [0.0, 4.0];
const E_RANGE: [f64; 2] = [0.0, 10.0];
/// Arrows per axis.
const ARROWS: usize = 21;
/// Last time of a trajectory.
const HORIZON: f64 = 40.0;

/// Paper 1, Fig. 1.
pub fn fig1(ctx: &Context) -> Result<Outcome, Error> {
    let system = ScalarMoments::new(Y, G)?;
    let nullclines = system.nullclines(M_RANGE, E_RANGE, 200)?;
    let [f0, f1] = system.named_fixed_points();
    let trajectories = draw(
        ctx,
        "Moment system (16), (y, G) = (2, 1): directions, nullclines, trajectories",
        &system.vector_field(M_RANGE, E_RANGE, ARROWS, ARROWS)?,
        vec![
            curve("nullcline m = y/G", &nullclines.mean_steady),
            curve("nullcline E = (y/G) m", &nullclines.second_moment_steady),
            curve("fixed points E = m²", &nullclines.parabola),
        ],
        &around(f1, 8),
        |m0, e0, t| {
            // Stop just before a blow-up.
            if system
                .blow_up_time(m0, e0)
                .is_some_and(|t_star| t >= 0.999 * t_star)
            {
                return Ok(None);
            }
            Ok(Some(system.exact(m0, e0, t)?))
        },
    )?;
    let fixed_points: Vec<Value> = [
        ("F0", f0),
        ("F1", f1),
        ("F_k, k = -1", [-1.0, 1.0]),
        ("F_k, k = 3", [3.0, 9.0]),
    ]
    .iter()
    .map(|(name, p)| fixed_point(name, *p, system.jacobian(p[0], p[1])))
    .collect();
    let trajectories: Vec<Value> = trajectories
        .into_iter()
        .map(|mut t| {
            let [m0, e0] = [0, 1].map(|i| t["start"][i].as_f64().unwrap_or(f64::NAN));
            t["admissible"] = json!(e0 >= m0 * m0);
            t["blow_up_time"] = json!(system.blow_up_time(m0, e0));
            t
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

/// Paper 1, Fig. 2.
pub fn fig2(ctx: &Context) -> Result<Outcome, Error> {
    let system = NoisyScalarMoments::new(Y, G, Q)?;
    let base = ScalarMoments::new(Y, G)?.nullclines(M_RANGE, E_RANGE, 200)?;
    let field = kinetic_enkf::scalar_moments::phase_field(
        |m, e| system.rhs(m, e),
        M_RANGE,
        E_RANGE,
        ARROWS,
        ARROWS,
    )?;
    let star = system.equilibrium();
    // Admissible starts only (the closed form needs a variance >= 0).
    let starts: Vec<[f64; 2]> = around(star, 8)
        .into_iter()
        .chain([[0.5, 9.0], [3.0, 9.5], [0.3, 0.3]])
        .filter(|[m, e]| e >= &(m * m))
        .collect();
    let trajectories = draw(
        ctx,
        "Stabilised moment system, (y, G) = (2, 1), q = 0.5: directions and trajectories",
        &field,
        vec![
            curve("nullcline m = y/G", &base.mean_steady),
            curve("E = m² (zero variance)", &base.parabola),
        ],
        &starts,
        |m0, e0, t| Ok(Some(system.exact(m0, e0, t)?)),
    )?;
    let j = system.jacobian(star[0], star[1]);
    Ok(Outcome {
        parameters: json!({ "y": Y, "G": G, "q": Q, "m_range": M_RANGE, "E_range": E_RANGE, "horizon": HORIZON }),
        key_numbers: json!({
            "equilibrium": fixed_point("(y/G, y^2/G^2 + V*)", star, j),
            "equilibrium_variance": system.equilibrium_variance(),
            "derived_eigenvalues": system.equilibrium_eigenvalues(),
            "trajectories": trajectories,
        }),
        notes: vec![
            "arrows show directions only (equal drawn length)".into(),
            "the diffusion q keeps the variance E - m^2 at V* = sqrt(q/2)/|G| instead of collapsing".into(),
        ],
    })
}

fn curve(label: &str, points: &[[f64; 2]]) -> Series {
    Series {
        label: label.into(),
        points: points.iter().map(|p| (p[0], p[1])).collect(),
    }
}

/// `n` starts on a small ellipse around `centre`.
fn around(centre: [f64; 2], n: usize) -> Vec<[f64; 2]> {
    (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * (i as f64 + 0.5) / n as f64;
            [centre[0] + 0.25 * a.cos(), centre[1] + 0.6 * a.sin()]
        })
        .collect()
}

fn fixed_point(name: &str, p: [f64; 2], j: [[f64; 2]; 2]) -> Value {
    json!({
        "name": name,
        "point": p,
        "jacobian": j,
        "eigenvalues_re_im": eigenvalues_2x2(j),
        "classification": format!("{:?}", classify(j, 1e-12)),
    })
}

/// Write the trajectories' CSV and the phase-plane SVG; returns each
/// trajectory's start and last drawn point. `trajectory(m0, e0, t)` is the
/// state at `t`, `None` where the drawing stops.
fn draw(
    ctx: &Context,
    title: &str,
    field: &[PhaseVector],
    mut curves: Vec<Series>,
    starts: &[[f64; 2]],
    trajectory: impl Fn(f64, f64, f64) -> Result<Option<[f64; 2]>, kinetic_enkf::Error>,
) -> Result<Vec<Value>, Error> {
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
    let mut table = Table::new(&["start", "t", "m", "E"]);
    let mut summaries = Vec::new();
    for (s, &[m0, e0]) in starts.iter().enumerate() {
        let mut points = Vec::new();
        for i in 0..=400 {
            // Times spaced geometrically: the flows are fast near t = 0.
            let t = HORIZON * ((i as f64 / 400.0) * 8.0).exp_m1() / 8f64.exp_m1();
            let Some([m, e]) = trajectory(m0, e0, t)? else {
                break;
            };
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
        summaries.push(json!({ "start": [m0, e0], "last_drawn": [end.0, end.1] }));
        curves.push(Series {
            label: if s == 0 {
                "trajectories".into()
            } else {
                String::new()
            },
            points,
        });
    }
    table.write(ctx.storage(), &ctx.csv_path())?;
    plot::quiver(
        ctx.storage(),
        &ctx.svg_path(),
        &Quiver {
            title: title.into(),
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
    Ok(summaries)
}
