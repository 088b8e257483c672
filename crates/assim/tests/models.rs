//! Lorenz-63 and Lorenz-96: the right-hand sides against their invariants,
//! the Runge–Kutta scheme's fourth order, and the refusals.

use assim::models::{Lorenz63, Lorenz96, ObservedComponents};
use assim::{ForecastModel, ModelError};
use proptest::prelude::*;

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn rk4_converges_at_fourth_order_on_both_systems() {
    let start63 = vec![1.509, -1.531, 25.46];
    let start96: Vec<f64> = (0..40)
        .map(|i| 8.0 + if i == 0 { 0.01 } else { 0.0 })
        .collect();
    let run63 = |dt: f64| {
        let mut x = start63.clone();
        Lorenz63::standard(dt)
            .unwrap()
            .forecast(&mut x, &[], 0.5)
            .unwrap();
        x
    };
    let run96 = |dt: f64| {
        let mut x = start96.clone();
        Lorenz96::new(40, 8.0, dt)
            .unwrap()
            .forecast(&mut x, &[], 2.0)
            .unwrap();
        x
    };
    for run in [&run63 as &dyn Fn(f64) -> Vec<f64>, &run96] {
        let reference = run(0.01 / 64.0);
        let errors: Vec<f64> = [0.01, 0.005, 0.0025]
            .iter()
            .map(|&dt| max_diff(&run(dt), &reference))
            .collect();
        for w in errors.windows(2) {
            let order = (w[0] / w[1]).log2();
            assert!((3.7..4.3).contains(&order), "order {order} from {errors:?}");
        }
    }
}

proptest! {
    /// The quadratic terms of Lorenz-96 conserve energy:
    /// `sum x_i x_i' = -sum x_i^2 + F sum x_i`.
    #[test]
    fn lorenz96_energy_budget(x in prop::collection::vec(-10.0..10.0f64, 4..50), f in -10.0..10.0f64) {
        let mut dx = vec![0.0; x.len()];
        Lorenz96::tendency(&x, f, &mut dx);
        let lhs: f64 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.iter().map(|a| -a * a + f * a).sum();
        prop_assert!((lhs - rhs).abs() < 1e-9 * (1.0 + rhs.abs()));
    }

    /// Lorenz-63's flow contracts volume at the rate `-(σ + 1 + β)`: the
    /// trace of the Jacobian by central differences.
    #[test]
    fn lorenz63_divergence(x in prop::collection::vec(-20.0..20.0f64, 3)) {
        let model = Lorenz63::standard(0.01).unwrap();
        let h = 1e-4;
        let mut trace = 0.0;
        for i in 0..3 {
            let (mut p, mut m) = (x.clone(), x.clone());
            p[i] += h;
            m[i] -= h;
            let (mut fp, mut fm) = (vec![0.0; 3], vec![0.0; 3]);
            model.tendency(&p, &mut fp);
            model.tendency(&m, &mut fm);
            trace += (fp[i] - fm[i]) / (2.0 * h);
        }
        prop_assert!((trace + (10.0 + 1.0 + 8.0 / 3.0)).abs() < 1e-6);
    }
}

#[test]
fn lorenz96_rest_state_and_neighbours() {
    // x_i = F is a fixed point.
    let mut x = vec![8.0; 40];
    Lorenz96::new(40, 8.0, 0.05)
        .unwrap()
        .forecast(&mut x, &[], 5.0)
        .unwrap();
    assert!(x.iter().all(|&v| v == 8.0));
    // The ring wraps: x_0' = (x_1 - x_{n-2}) x_{n-1} - x_0 + F.
    let x: Vec<f64> = (0..5).map(|i| i as f64 + 1.0).collect();
    let mut dx = vec![0.0; 5];
    Lorenz96::tendency(&x, 8.0, &mut dx);
    assert_eq!(dx[0], (2.0 - 4.0) * 5.0 - 1.0 + 8.0);
    assert_eq!(dx[2], (4.0 - 1.0) * 2.0 - 3.0 + 8.0);
    // The forcing as a parameter.
    let (mut a, mut b) = (x.clone(), x.clone());
    Lorenz96::new(5, 8.0, 0.01)
        .unwrap()
        .forecast(&mut a, &[], 0.1)
        .unwrap();
    Lorenz96::new(5, 3.0, 0.01)
        .unwrap()
        .forecast(&mut b, &[8.0], 0.1)
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn bad_input_is_refused_by_name() {
    let mut m = Lorenz63::standard(0.01).unwrap();
    let mut x = vec![1.0, 2.0, 3.0];
    assert!(matches!(
        m.forecast(&mut x, &[], 0.015),
        Err(ModelError::NonPhysical { name, .. }) if name.contains("whole number")
    ));
    assert!(matches!(
        m.forecast(&mut vec![1.0], &[], 0.01),
        Err(ModelError::StateLength {
            expected: 3,
            found: 1
        })
    ));
    assert!(matches!(
        m.forecast(&mut x, &[1.0], 0.01),
        Err(ModelError::ParameterCount { .. })
    ));
    assert!(matches!(
        Lorenz63::standard(0.0),
        Err(ModelError::Invalid { .. })
    ));
    assert!(matches!(
        Lorenz96::new(3, 8.0, 0.05),
        Err(ModelError::Invalid { .. })
    ));
    // A blow-up names the variable.
    let mut big = vec![1e200, 1e200, 1e200];
    assert!(matches!(
        m.forecast(&mut big, &[], 0.01),
        Err(ModelError::NonFinite { .. })
    ));
    let h = ObservedComponents::new(vec![0, 5]).unwrap();
    assert!(matches!(
        h.observe(&[1.0, 2.0]),
        Err(ModelError::Observation { observation: 1, .. })
    ));
    assert_eq!(
        ObservedComponents::all(3)
            .unwrap()
            .observe(&[1.0, 2.0, 3.0])
            .unwrap(),
        vec![1.0, 2.0, 3.0]
    );
    assert!(ObservedComponents::new(vec![]).is_err());
}
