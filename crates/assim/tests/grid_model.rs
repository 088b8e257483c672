//! The Grid-EnKF's forecast model, `assim::FiniteDifference1d` (central
//! differences + RK4), against the exact solution of paper 2, eq. (13):
//! `u(x, t) = K(x - v t - x0, D t + sigma0^2 / 2)` with the periodic heat
//! kernel `K`. Central differences are second order in space: the measured
//! order on 50, 100 and 200 nodes must be 2.

use std::f64::consts::TAU;

use assim::{FiniteDifference1d, ForecastModel};
use validation::heat_kernel::AdvectionDiffusion;

/// Max-norm error at `t` on `n` nodes for the paper's truth.
fn error(n: usize, t: f64) -> f64 {
    let truth = AdvectionDiffusion::paper();
    let mut model = FiniteDifference1d::new(n, TAU).unwrap();
    let mut u = model.sample(|x| truth.exact(x, 0.0).unwrap());
    model
        .forecast(&mut u, &[truth.velocity, truth.diffusion], t)
        .unwrap();
    model
        .node_positions()
        .iter()
        .zip(&u)
        .map(|(&x, u)| (u - truth.exact(x, t).unwrap()).abs())
        .fold(0.0, f64::max)
}

#[test]
fn central_differences_converge_at_second_order() {
    let t = 2.0;
    let errors: Vec<f64> = [50, 100, 200].iter().map(|&n| error(n, t)).collect();
    for pair in errors.windows(2) {
        let order = (pair[0] / pair[1]).log2();
        assert!(
            (1.9..2.1).contains(&order),
            "order {order} from errors {errors:?}"
        );
    }
    // At the paper's 100 nodes the error is a fraction of a percent of the peak.
    assert!(errors[1] < 5e-3, "{errors:?}");
}
