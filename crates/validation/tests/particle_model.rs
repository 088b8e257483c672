//! The 1D periodic advection–diffusion particle model of `particle-core`
//! (paper 2, Section 4.1) against the analytic periodic heat-kernel solution
//! `u(x, t) = K(x - v t - x0, D t + sigma0^2 / 2)` of the paper's truth
//! (`v = 1`, `D = 0.05`, `x0 = 0.02`, `sigma0^2 = 0.5`) at `t = 2 pi / v`.
//!
//! Discretisation: `d_p = 2 pi / 50, 2 pi / 100, 2 pi / 200`,
//! `eps = 1.3 d_p` (SPEC), time step `dt = eps^2 / (8 D)` (below the PSE
//! bound and proportional to `d_p^2`, so that Euler's `O(dt)` does not hide
//! the `O(eps^2)` of PSE and of the mollification). Two errors:
//!
//! * the relative L2 error (rRMSE of one member) of the reconstructed field
//!   `sum_p U_p zeta_eps(x - x_p)` on 1000 nodes, what a user of the model
//!   sees;
//! * the relative max error of the particle values `U_p / V_p` at the
//!   particles, the error of the PSE dynamics alone.
//!
//! Both must converge at second order; the observed orders are printed.
//!
//! A consequence of the analysis is tested too. For a Fourier mode `k`,
//! PSE's symbol `4 D eps^-2 (exp(-k^2 eps^2 / 4) - 1)` exceeds the exact
//! `-D k^2` by `D k^4 eps^2 / 8`, and Euler's step loses
//! `dt (D k^2)^2 / 2` per unit time: at `dt = eps^2 / (4 D)` the two leading
//! errors cancel, and the particle values converge faster than second order.

use std::f64::consts::PI;

use particle_core::Domain;
use particle_core::advection_diffusion::AdvectionDiffusion1d;
use particle_core::kernels::Width;
use particle_core::reconstruct::reconstruct;
use validation::heat_kernel::AdvectionDiffusion;
use validation::norms::{PeriodicGrid1d, rrmse_state};

struct Errors {
    field_rrmse: f64,
    particle_max: f64,
}

fn run(n: usize, dt_factor: f64, with_remeshing: bool) -> Errors {
    let truth = AdvectionDiffusion::paper();
    let period = 2.0 * PI;
    let dp = period / n as f64;
    let eps = 1.3 * dp;
    let dt = dt_factor * eps * eps / truth.diffusion;
    let horizon = period / truth.velocity;
    let mut model = AdvectionDiffusion1d::new(period, Width::new(eps).unwrap(), dt).unwrap();
    if with_remeshing {
        model = model.with_remeshing(dp, 10, 0.0).unwrap();
    }
    let initial = model
        .initial_particles(dp, 0.0, |x| truth.exact(x, 0.0).unwrap())
        .unwrap();
    let last = model
        .forecast(&initial, truth.velocity, truth.diffusion, horizon)
        .unwrap();

    let grid = PeriodicGrid1d::new(1000, period).unwrap();
    let points: Vec<[f64; 1]> = grid.points().into_iter().map(|x| [x]).collect();
    let field = reconstruct(
        Domain::periodic(period).unwrap(),
        &last,
        model.eps(),
        1e-14,
        &points,
    )
    .unwrap();
    let exact = grid.sample(|x| truth.exact(x, horizon).unwrap());
    let field_rrmse = rrmse_state(&grid, &[field], &exact).unwrap();

    let peak = exact.iter().fold(0.0_f64, |m, u| m.max(*u));
    let particle_max = (0..last.len())
        .map(|p| {
            let x = last.coords(0)[p];
            let u = last.strengths()[p] / last.volumes()[p];
            (u - truth.exact(x, horizon).unwrap()).abs()
        })
        .fold(0.0_f64, f64::max)
        / peak;
    Errors {
        field_rrmse,
        particle_max,
    }
}

#[test]
#[expect(clippy::print_stderr, reason = "the test reports the observed orders")]
fn the_particle_model_converges_at_second_order() {
    let ns = [50, 100, 200];
    let errors: Vec<Errors> = ns.iter().map(|&n| run(n, 1.0 / 8.0, false)).collect();
    for (n, e) in ns.iter().zip(&errors) {
        eprintln!(
            "d_p = 2 pi / {n}: field rRMSE {:.3e}, particle max error {:.3e}",
            e.field_rrmse, e.particle_max
        );
    }
    for k in 0..2 {
        let field_order = (errors[k].field_rrmse / errors[k + 1].field_rrmse).log2();
        let particle_order = (errors[k].particle_max / errors[k + 1].particle_max).log2();
        eprintln!(
            "order between 2 pi / {} and 2 pi / {}: field {field_order:.3}, particles {particle_order:.3}",
            ns[k],
            ns[k + 1]
        );
        assert!(
            (1.8..2.3).contains(&field_order),
            "field order {field_order}"
        );
        assert!(
            (1.8..2.3).contains(&particle_order),
            "particle order {particle_order}"
        );
    }
    assert!(errors[1].field_rrmse < 1e-2, "{}", errors[1].field_rrmse);
}

/// Remeshing every 10 steps keeps the accuracy (the `M4'` interpolation
/// error is `O(d_p^3)` per remeshing on a smooth field).
#[test]
fn remeshing_does_not_spoil_the_accuracy() {
    let plain = run(100, 1.0 / 8.0, false);
    let remeshed = run(100, 1.0 / 8.0, true);
    assert!(
        remeshed.field_rrmse < 1.5 * plain.field_rrmse,
        "{} vs {}",
        remeshed.field_rrmse,
        plain.field_rrmse
    );
}

/// At `dt = eps^2 / (4 D)` the leading PSE and Euler errors cancel (module
/// docs): the particle values gain more than one order.
#[test]
#[expect(clippy::print_stderr, reason = "the test reports the observed order")]
fn pse_and_euler_errors_cancel_at_the_predicted_step() {
    let coarse = run(50, 0.25, false);
    let fine = run(100, 0.25, false);
    let order = (coarse.particle_max / fine.particle_max).log2();
    eprintln!(
        "dt = eps^2 / (4 D): particle max error {:.3e} -> {:.3e}, order {order:.3}",
        coarse.particle_max, fine.particle_max
    );
    assert!(order > 3.0, "order {order}");
}
