//! The Grid-EnKF's forecast model (paper 2, Section 4.1.2) against
//! closed forms: a Fourier mode evolves by the symbol of the
//! central-difference operator, mass is conserved, bad input is refused.
//! Its convergence to the exact solution of eq. (13) is tested in the
//! `validation` crate, which owns that solution (`tests/grid_model.rs`).

use std::f64::consts::TAU;

use assim::{FiniteDifference1d, ForecastModel, ModelError};

#[test]
fn mass_is_conserved() {
    let model = FiniteDifference1d::new(64, TAU).unwrap();
    let u0 = model.sample(|x| (-(x - 2.0_f64).powi(2)).exp() + 0.1 * x.sin());
    let u = model.advance(&u0, -0.7, 0.08, 3.3).unwrap();
    let mass = |u: &[f64]| u.iter().sum::<f64>();
    assert!((mass(&u) - mass(&u0)).abs() < 1e-12 * mass(&u0).abs());
}

#[test]
fn a_single_fourier_mode_decays_and_travels_as_the_semi_discrete_operator_says() {
    // For u = exp(i k x), the central-difference operator has the symbol
    // lambda = -4 D / h^2 sin^2(k h / 2) - i v sin(k h) / h; with RK4 at
    // Courant number 0.1 (time error ~ (lambda dt)^4 t ~ 1e-9) the result
    // is exp(lambda t).
    let (n, k, v, d, t) = (40, 3.0, 0.8, 0.05, 1.5);
    let model = FiniteDifference1d::new(n, TAU)
        .unwrap()
        .with_courant(0.1)
        .unwrap();
    let h = model.spacing();
    let u0 = model.sample(|x| (k * x).cos());
    let u = model.advance(&u0, v, d, t).unwrap();
    let decay = (-4.0 * d / (h * h) * (k * h / 2.0).sin().powi(2) * t).exp();
    let shift = v * (k * h).sin() / h * t;
    for (x, u) in model.node_positions().iter().zip(&u) {
        let expected = decay * (k * x - shift).cos();
        assert!((u - expected).abs() < 1e-8, "x = {x}: {u} vs {expected}");
    }
}

#[test]
fn bad_input_is_refused_with_a_named_value() {
    assert!(matches!(
        FiniteDifference1d::new(2, TAU),
        Err(ModelError::Invalid { .. })
    ));
    let model = FiniteDifference1d::new(10, TAU).unwrap();
    assert!(matches!(
        model.with_courant(3.0),
        Err(ModelError::Invalid { value: 3.0, .. })
    ));
    let u = vec![1.0; 10];
    assert_eq!(
        forecast(model, &u, &[1.0], 1.0),
        Err(ModelError::ParameterCount {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(
        forecast(model, &[1.0; 9], &[1.0, 0.1], 1.0),
        Err(ModelError::StateLength {
            expected: 10,
            found: 9
        })
    );
    assert_eq!(
        forecast(model, &u, &[1.0, -0.1], 1.0),
        Err(ModelError::NonPhysical {
            name: "diffusion coefficient D",
            value: -0.1
        })
    );
    let mut huge = vec![0.0; 10];
    huge[3] = f64::MAX;
    huge[4] = -f64::MAX;
    assert!(matches!(
        forecast(model, &huge, &[1.0, 0.1], 1.0),
        Err(ModelError::NonFinite { .. })
    ));
}

/// The model's forecast of `u`, as a new state.
fn forecast(
    mut model: FiniteDifference1d,
    u: &[f64],
    parameters: &[f64],
    horizon: f64,
) -> Result<Vec<f64>, ModelError> {
    let mut u = u.to_vec();
    ForecastModel::forecast(&mut model, &mut u, parameters, horizon)?;
    Ok(u)
}
