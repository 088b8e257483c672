//! `validation::diffusion_accuracy` on the quick scenario: the table has a
//! row per option and report time, the spectral reference agrees with its
//! check run, and bad setups are typed errors. (The paper-scale numbers are
//! `cargo xtask reproduce diffusion-accuracy`; `docs/reproductions.md`.)

use validation::Error;
use validation::diffusion_accuracy::{AccuracySetup, compare};
use vic_solver::Diffusion;

#[test]
fn quick_comparison_fills_the_table() {
    let setup = AccuracySetup::quick();
    let mut steps = 0;
    let result = compare(&setup, || steps += 1).unwrap();
    assert_eq!(steps, setup.total_steps());
    assert_eq!(result.reference.len(), setup.times.len());
    assert_eq!(result.rows.len(), 2 * setup.times.len());
    assert_eq!(result.timings.len(), 4);
    for r in &result.reference {
        // 64^2 against 128^2 modes: the truncated initial kink at r = R
        // (3e-3 at t = 0.1) is smoothed by viscosity; `spectral_box`'s
        // spatial test puts 64 -> 128 modes below 1e-3 at t = 1.
        let d = r.check_difference.unwrap();
        let bound = if r.time >= 1.0 { 1e-3 } else { 5e-3 };
        assert!(d < bound, "t = {}: reference vs check {d:.3e}", r.time);
        let e = r.check_energy.unwrap() / r.energy - 1.0;
        assert!(e.abs() < 1e-3, "t = {}: energy {e:.3e}", r.time);
    }
    for diffusion in [Diffusion::Pse, Diffusion::Grid] {
        let last = result.row(diffusion, 1.0).unwrap();
        assert_eq!(last.time, 1.0);
        // A coarse member (R / d_p = 20) is a few per cent off, not more.
        assert!(
            last.relative_l2_error > 0.0 && last.relative_l2_error < 0.2,
            "{last:?}"
        );
        assert!((last.energy_ratio - 1.0).abs() < 0.1, "{last:?}");
    }
}

#[test]
fn bad_setups_are_typed_errors() {
    let no_times = AccuracySetup {
        times: Vec::new(),
        ..AccuracySetup::quick()
    };
    assert!(matches!(
        compare(&no_times, || {}),
        Err(Error::EmptyGrid { .. })
    ));
    let off_step = AccuracySetup {
        times: vec![0.5, 0.73],
        ..AccuracySetup::quick()
    };
    assert!(matches!(
        compare(&off_step, || {}),
        Err(Error::NotWholeSteps { .. })
    ));
    let decreasing = AccuracySetup {
        times: vec![0.5, 0.4],
        ..AccuracySetup::quick()
    };
    assert!(matches!(
        compare(&decreasing, || {}),
        Err(Error::TooSmall { .. })
    ));
    let coarse_check = AccuracySetup {
        check_modes: Some(32),
        ..AccuracySetup::quick()
    };
    assert!(matches!(
        compare(&coarse_check, || {}),
        Err(Error::TooSmall { .. })
    ));
}
