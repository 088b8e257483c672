//! The adaptive Dormand–Prince 5(4) integrator of `kinetic_enkf::ode`.
//!
//! Truths: closed-form solutions (`y' = -y`, the harmonic oscillator, the
//! blow-up of `y' = y^2` at `t = 1`), the tolerance proportionality of the
//! global error, and refusals of bad input.

use kinetic_enkf::Error;
use kinetic_enkf::ode::{Tolerances, integrate};

fn decay(_t: f64, y: &[f64], dy: &mut [f64]) -> kinetic_enkf::Result<()> {
    dy[0] = -y[0];
    Ok(())
}

#[test]
fn exponential_decay_is_accurate_to_the_tolerance_and_error_scales_with_it() {
    let mut errors = Vec::new();
    let mut steps = Vec::new();
    for rtol in [1e-4, 1e-6, 1e-8, 1e-10] {
        let tol = Tolerances {
            rtol,
            atol: 1e-3 * rtol,
            ..Tolerances::default()
        };
        let times = [0.5, 1.0, 2.0, 5.0];
        let sol = integrate(decay, &[1.0], 0.0, &times, &tol).unwrap();
        let err = times
            .iter()
            .zip(&sol.states)
            .map(|(t, y)| ((y[0] - (-t).exp()) / (-t).exp()).abs())
            .fold(0.0, f64::max);
        assert!(err < 10.0 * rtol, "rtol {rtol}: relative error {err:e}");
        errors.push(err);
        steps.push(sol.stats.accepted);
    }
    // Tighter tolerance, smaller error and more steps.
    assert!(errors.windows(2).all(|w| w[1] < w[0]), "{errors:?}");
    assert!(steps.windows(2).all(|w| w[1] > w[0]), "{steps:?}");
}

#[test]
fn harmonic_oscillator_returns_after_ten_periods_with_fifth_order_step_counts() {
    let rhs = |_t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = -y[0];
        Ok(())
    };
    let t_end = 20.0 * std::f64::consts::PI;
    let run = |rtol: f64| {
        let tol = Tolerances {
            rtol,
            atol: 1e-2 * rtol,
            ..Tolerances::default()
        };
        integrate(rhs, &[1.0, 0.0], 0.0, &[t_end], &tol).unwrap()
    };
    let (coarse, fine) = (run(1e-7), run(1e-12));
    let y = &fine.states[0];
    assert!((y[0] - 1.0).abs() < 1e-9 && y[1].abs() < 1e-9, "{y:?}");
    // Local error ~ h^5: 1e5 times tighter tolerance, about 10 times more
    // steps.
    let ratio = fine.stats.accepted as f64 / coarse.stats.accepted as f64;
    assert!((7.0..14.0).contains(&ratio), "{ratio}: {coarse:?} {fine:?}");
    let s = fine.stats;
    assert_eq!(s.evaluations, 2 + 6 * (s.accepted + s.rejected));
}

#[test]
fn output_times_may_repeat_and_start_at_t0() {
    let sol = integrate(
        decay,
        &[2.0],
        1.0,
        &[1.0, 1.5, 1.5, 3.0],
        &Tolerances::default(),
    )
    .unwrap();
    assert_eq!(sol.states[0], vec![2.0]);
    assert_eq!(sol.states[1], sol.states[2]);
    assert!((sol.states[3][0] - 2.0 * (-2.0f64).exp()).abs() < 1e-8);
    let none = integrate(decay, &[2.0], 0.0, &[], &Tolerances::default()).unwrap();
    assert!(none.states.is_empty());
}

#[test]
fn a_blow_up_stops_with_a_typed_error_near_the_singularity() {
    // y' = y^2, y(0) = 1: y = 1 / (1 - t) blows up at t = 1.
    let rhs = |_t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[0] * y[0];
        Ok(())
    };
    match integrate(rhs, &[1.0], 0.0, &[2.0], &Tolerances::default()) {
        Err(Error::StepSizeTooSmall { time, .. }) => assert!((time - 1.0).abs() < 1e-3, "{time}"),
        Err(Error::MaxStepsExceeded { time, .. }) => assert!((time - 1.0).abs() < 1e-3, "{time}"),
        other => panic!("expected a failure near t = 1, got {other:?}"),
    }
}

#[test]
fn the_step_budget_is_enforced() {
    let tol = Tolerances {
        max_steps: 5,
        ..Tolerances::default()
    };
    assert!(matches!(
        integrate(decay, &[1.0], 0.0, &[100.0], &tol),
        Err(Error::MaxStepsExceeded { max_steps: 5, .. })
    ));
}

#[test]
fn bad_input_and_rhs_errors_are_reported() {
    let tol = Tolerances::default();
    assert!(matches!(
        integrate(decay, &[1.0], 0.0, &[1.0, 0.5], &tol),
        Err(Error::InvalidParameter { value, .. }) if value == 0.5
    ));
    assert!(matches!(
        integrate(decay, &[1.0], 1.0, &[0.5], &tol),
        Err(Error::InvalidParameter { .. })
    ));
    for (rtol, atol) in [(-1.0, 0.0), (0.0, 0.0), (f64::NAN, 1.0)] {
        let bad = Tolerances { rtol, atol, ..tol };
        assert!(matches!(
            integrate(decay, &[1.0], 0.0, &[1.0], &bad),
            Err(Error::InvalidParameter { .. })
        ));
    }
    assert!(matches!(
        integrate(decay, &[f64::NAN], 0.0, &[1.0], &tol),
        Err(Error::NonFiniteEntry {
            what: "initial state",
            ..
        })
    ));
    let failing = |t: f64, _y: &[f64], _dy: &mut [f64]| {
        if t > 0.5 {
            Err(Error::BlowUp { time: t })
        } else {
            Ok(())
        }
    };
    assert!(matches!(
        integrate(failing, &[1.0], 0.0, &[1.0], &tol),
        Err(Error::BlowUp { .. })
    ));
}
