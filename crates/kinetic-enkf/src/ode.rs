//! An adaptive, error-controlled explicit Runge–Kutta integrator:
//! Dormand–Prince 5(4) (Dormand & Prince 1980; Hairer, Nørsett & Wanner,
//! *Solving ODEs I*, §II.4–5), for the deterministic ODEs of paper 1 — the
//! continuous-time limit eq. (5) with `Sigma = 0`, the gradient flow eq. (8)
//! and the moment system eq. (14)–(15).
//!
//! # Scheme
//!
//! Seven stages with the first-same-as-last property (six new evaluations of
//! the right-hand side per step). The solution advances with the fifth-order
//! weights (local extrapolation); the difference to the embedded
//! fourth-order solution estimates the local error `e`. A step is accepted
//! when
//!
//! ```text
//! err = sqrt( (1/n) sum_i ( e_i / (atol + rtol max(|y_i|, |y_i^new|)) )^2 ) <= 1,
//! ```
//!
//! and the next step is `h * min(5, max(0.2, 0.9 err^(-1/5)))` (never larger
//! than `h` right after a rejection). A step whose error estimate is not
//! finite is rejected and shrunk by 5. The first step follows Hairer's
//! heuristic from `f(t0, y0)` and one Euler step. Output times are hit
//! exactly (the step is shortened to land on them); there is no dense
//! output.
//!
//! # Failure
//!
//! The integration stops with [`Error::MaxStepsExceeded`] after
//! [`Tolerances::max_steps`] attempted steps (accepted and rejected), and
//! with [`Error::StepSizeTooSmall`] when the step falls below 16 units in the
//! last place of `t` (a blow-up, as for the moment system from the
//! inadmissible region of Remark 3.2). Errors of the right-hand side are
//! passed through.

use crate::error::{Error, Result};

/// Accuracy and budget of an adaptive integration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Relative tolerance per component (`>= 0`).
    pub rtol: f64,
    /// Absolute tolerance per component (`>= 0`; `rtol + atol > 0`).
    pub atol: f64,
    /// The largest number of attempted steps (accepted plus rejected).
    pub max_steps: usize,
}

impl Default for Tolerances {
    /// `rtol = 1e-8`, `atol = 1e-10`, `max_steps = 100_000`.
    fn default() -> Self {
        Self {
            rtol: 1e-8,
            atol: 1e-10,
            max_steps: 100_000,
        }
    }
}

/// The work of an integration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps.
    pub rejected: usize,
    /// Evaluations of the right-hand side.
    pub evaluations: usize,
}

/// The states at the requested output times and the work done.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// `states[i]` is the solution at `times[i]`.
    pub states: Vec<Vec<f64>>,
    /// Steps and evaluations.
    pub stats: Stats,
}

/// Integrates `y' = f(t, y)` from `y(t0) = y0` and returns `y` at each of
/// `times` (non-decreasing, none before `t0`). `rhs(t, y, dy)` writes
/// `f(t, y)` into `dy`.
///
/// # Errors
///
/// * [`Error::InvalidParameter`] for non-finite or unordered times, or
///   invalid tolerances;
/// * [`Error::NonFiniteEntry`] for a non-finite entry of `y0`;
/// * [`Error::MaxStepsExceeded`], [`Error::StepSizeTooSmall`] (module docs);
/// * any error returned by `rhs`.
///
/// # Example
///
/// ```
/// use kinetic_enkf::ode::{Tolerances, integrate};
///
/// // y' = -y, y(0) = 1: y(1) = 1/e.
/// let rhs = |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = -y[0];
///     Ok(())
/// };
/// let sol = integrate(rhs, &[1.0], 0.0, &[1.0], &Tolerances::default())?;
/// assert!((sol.states[0][0] - (-1.0f64).exp()).abs() < 1e-9);
/// # Ok::<(), kinetic_enkf::Error>(())
/// ```
pub fn integrate<F>(
    mut rhs: F,
    y0: &[f64],
    t0: f64,
    times: &[f64],
    tolerances: &Tolerances,
) -> Result<Solution>
where
    F: FnMut(f64, &[f64], &mut [f64]) -> Result<()>,
{
    integrate_dyn(&mut rhs, y0, t0, times, tolerances)
}

type Rhs<'a> = dyn FnMut(f64, &[f64], &mut [f64]) -> Result<()> + 'a;

// Dormand–Prince 5(4) tableau.
const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
const A: [&[f64]; 7] = [
    &[],
    &[1.0 / 5.0],
    &[3.0 / 40.0, 9.0 / 40.0],
    &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
    &[
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
    ],
    &[
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
    ],
    &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
/// Fifth-order weights minus the embedded fourth-order ones.
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

fn check_inputs(y0: &[f64], t0: f64, times: &[f64], tol: &Tolerances) -> Result<()> {
    let bad = |name, value| Err(Error::InvalidParameter { name, value });
    if !t0.is_finite() {
        return bad("initial time t0 (finite)", t0);
    }
    let mut previous = t0;
    for &t in times {
        if !(t.is_finite() && t >= previous) {
            return bad("output time (finite, non-decreasing, not before t0)", t);
        }
        previous = t;
    }
    if !(tol.rtol.is_finite() && tol.rtol >= 0.0) {
        return bad("relative tolerance rtol (non-negative)", tol.rtol);
    }
    if !(tol.atol.is_finite() && tol.atol >= 0.0) {
        return bad("absolute tolerance atol (non-negative)", tol.atol);
    }
    if tol.rtol + tol.atol == 0.0 {
        return bad("tolerances rtol + atol (positive)", 0.0);
    }
    if tol.max_steps == 0 {
        return bad("max_steps (positive)", 0.0);
    }
    crate::kalman::check_matrix("initial state", y0, y0.len(), 1)
}

/// The weighted RMS norm of `v` with weights `atol + rtol max(|a|, |b|)`.
fn error_norm(v: &[f64], a: &[f64], b: &[f64], tol: &Tolerances) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let sum: f64 = v
        .iter()
        .zip(a.iter().zip(b))
        .map(|(e, (x, y))| {
            let w = tol.atol + tol.rtol * x.abs().max(y.abs());
            (e / w) * (e / w)
        })
        .sum();
    (sum / v.len() as f64).sqrt()
}

/// Hairer's starting step (Solving ODEs I, §II.4).
fn initial_step(
    rhs: &mut Rhs<'_>,
    t0: f64,
    y0: &[f64],
    f0: &[f64],
    span: f64,
    tol: &Tolerances,
    stats: &mut Stats,
) -> Result<f64> {
    let d0 = error_norm(y0, y0, y0, tol);
    let d1 = error_norm(f0, y0, y0, tol);
    let h0 = if d0 < 1e-5 || d1 < 1e-5 {
        1e-6
    } else {
        0.01 * d0 / d1
    };
    let h0 = h0.min(span);
    let y1: Vec<f64> = y0.iter().zip(f0).map(|(y, f)| y + h0 * f).collect();
    let mut f1 = vec![0.0; y0.len()];
    rhs(t0 + h0, &y1, &mut f1)?;
    stats.evaluations += 1;
    let diff: Vec<f64> = f1.iter().zip(f0).map(|(a, b)| a - b).collect();
    let d2 = error_norm(&diff, y0, y0, tol) / h0;
    let dmax = d1.max(d2);
    let h1 = if dmax <= 1e-15 {
        (h0 * 1e-3).max(1e-6)
    } else {
        (0.01 / dmax).powf(0.2)
    };
    Ok((100.0 * h0).min(h1).min(span))
}

fn integrate_dyn(
    rhs: &mut Rhs<'_>,
    y0: &[f64],
    t0: f64,
    times: &[f64],
    tol: &Tolerances,
) -> Result<Solution> {
    check_inputs(y0, t0, times, tol)?;
    let n = y0.len();
    let mut stats = Stats::default();
    let mut states = Vec::with_capacity(times.len());
    let span = times.last().map_or(0.0, |t_end| t_end - t0);
    if span == 0.0 {
        states.resize(times.len(), y0.to_vec());
        return Ok(Solution { states, stats });
    }

    let mut y = y0.to_vec();
    let mut t = t0;
    let mut k: Vec<Vec<f64>> = vec![vec![0.0; n]; 7];
    rhs(t, &y, &mut k[0])?;
    stats.evaluations += 1;
    let mut h = initial_step(rhs, t0, &y, &k[0], span, tol, &mut stats)?;
    let (mut stage, mut y_new, mut err) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut after_rejection = false;

    for &t_out in times {
        while t < t_out {
            if stats.accepted + stats.rejected >= tol.max_steps {
                return Err(Error::MaxStepsExceeded {
                    max_steps: tol.max_steps,
                    time: t,
                });
            }
            let lands = h >= t_out - t;
            let h_try = if lands { t_out - t } else { h };
            if h_try <= 16.0 * f64::EPSILON * t.abs().max(f64::MIN_POSITIVE) {
                return Err(Error::StepSizeTooSmall {
                    time: t,
                    step: h_try,
                });
            }
            for s in 1..7 {
                for (i, st) in stage.iter_mut().enumerate() {
                    let incr: f64 = A[s].iter().zip(&k).map(|(a, ks)| a * ks[i]).sum();
                    *st = y[i] + h_try * incr;
                }
                rhs(t + C[s] * h_try, &stage, &mut k[s])?;
                stats.evaluations += 1;
                if s == 6 {
                    // The last stage point is the fifth-order solution (FSAL).
                    y_new.copy_from_slice(&stage);
                }
            }
            for (i, e) in err.iter_mut().enumerate() {
                *e = h_try * E.iter().zip(&k).map(|(w, ks)| w * ks[i]).sum::<f64>();
            }
            let norm = error_norm(&err, &y, &y_new, tol);
            if norm <= 1.0 {
                stats.accepted += 1;
                t = if lands { t_out } else { t + h_try };
                std::mem::swap(&mut y, &mut y_new);
                k.swap(0, 6);
                let grow = if norm == 0.0 {
                    5.0
                } else {
                    (0.9 * norm.powf(-0.2)).clamp(0.2, 5.0)
                };
                let grow = if after_rejection { grow.min(1.0) } else { grow };
                // A step shortened to land on an output time says nothing
                // against the longer step that was planned.
                h = if lands {
                    h.max(h_try * grow)
                } else {
                    h_try * grow
                };
                after_rejection = false;
            } else {
                stats.rejected += 1;
                let shrink = if norm.is_finite() {
                    (0.9 * norm.powf(-0.2)).max(0.2)
                } else {
                    0.2
                };
                h = h_try * shrink;
                after_rejection = true;
            }
        }
        states.push(y.clone());
    }
    Ok(Solution { states, stats })
}
