//! The periodic heat kernel and the advection–diffusion solution of paper 2,
//! Section 4.1, eq. (13), against independent facts:
//!
//! * the Fourier series `1/(2 pi) (1 + 2 sum e^{-m^2 t} cos m x)`, obtained
//!   from the image sum by Poisson summation (a different representation);
//! * unit mass `int_0^{2 pi} K dx = 1`, by the trapezoid rule on a periodic
//!   grid (error `2 sum_j e^{-(jM)^2 t}` for `M` nodes);
//! * the semigroup (Chapman–Kolmogorov) identity
//!   `int K(x - y, s) K(y, t) dy = K(x, s + t)`;
//! * the PDEs `K_t = K_xx` and `u_t + v u_x = D u_xx`, by centred finite
//!   differences whose residual must fall as `h^2`.

use std::f64::consts::{PI, TAU};

use proptest::prelude::*;
use validation::Error;
use validation::heat_kernel::{
    AdvectionDiffusion, FOURIER_MIN_TIME, FOURIER_SWITCH_TIME, periodic_heat_kernel,
    periodic_heat_kernel_fourier,
};

fn k(x: f64, t: f64) -> f64 {
    periodic_heat_kernel(x, t).expect("valid kernel arguments")
}

/// Trapezoid rule on `m` periodic nodes of `[0, 2 pi)`.
fn periodic_integral(m: usize, f: impl Fn(f64) -> f64) -> f64 {
    let h = TAU / m as f64;
    (0..m).map(|i| f(i as f64 * h)).sum::<f64>() * h
}

#[test]
fn image_sum_matches_fourier_series() {
    for t in [0.05, 0.5, 5.0, 50.0] {
        let mut worst = 0.0_f64;
        for i in 0..=2000 {
            // [-10, 20] exercises the reduction modulo 2 pi.
            let x = -10.0 + 30.0 * f64::from(i) / 2000.0;
            let fourier = periodic_heat_kernel_fourier(x, t).expect("valid arguments");
            worst = worst.max((k(x, t) - fourier).abs());
        }
        assert!(worst < 1e-14, "t = {t}: max difference {worst:e}");
    }
}

#[test]
fn kernel_has_unit_mass_from_small_to_large_times() {
    for t in [1e-3, 1e-2, 0.1, 0.5, 1.0, 5.0, 20.0, 50.0, 100.0, 1e3, 1e6] {
        let mass = periodic_integral(512, |x| k(x, t));
        assert!((mass - 1.0).abs() < 1e-14, "t = {t}: mass {mass}");
    }
}

#[test]
fn semigroup_identity_holds() {
    // int_0^{2 pi} K(x - y, s) K(y, t) dy = K(x, s + t).
    for (s, t) in [(0.01, 0.02), (0.1, 0.3), (1.0, 2.5), (40.0, 30.0)] {
        for x in [0.0, 0.7, 2.0, PI, 5.5] {
            let convolution = periodic_integral(1024, |y| k(x - y, s) * k(y, t));
            let direct = k(x, s + t);
            assert!(
                (convolution - direct).abs() < 1e-13 * direct.max(1.0),
                "s = {s}, t = {t}, x = {x}: {convolution} vs {direct}"
            );
        }
    }
}

#[test]
fn kernel_is_positive_even_and_periodic() {
    // Reducing x modulo 2 pi costs an ulp or two of |x| + 2 pi, which moves
    // K by at most |K_x| ~ K(0, t) / sqrt(2 t) times that: hence tolerances
    // relative to the peak K(0, t).
    for t in [1e-2, 0.3, 3.0, 60.0, 200.0] {
        let peak = k(0.0, t);
        for i in 0..500 {
            let x = -7.0 + 14.0 * f64::from(i) / 499.0;
            let value = k(x, t);
            assert!(value > 0.0, "K({x}, {t}) = {value}");
            assert!((k(-x, t) - value).abs() <= 1e-13 * peak, "K(-{x}, {t})");
            assert!(
                (k(x + TAU, t) - value).abs() <= 1e-13 * peak,
                "K({x} + 2 pi, {t})"
            );
        }
    }
}

#[test]
fn kernel_is_exactly_even_on_the_fundamental_period() {
    // Points of [-pi, pi] are not shifted, so the image sum is symmetric to
    // the last bit.
    for t in [1e-3, 0.1, 2.0, 80.0] {
        for i in 0..=400 {
            let x = PI * f64::from(i) / 400.0;
            assert_eq!(k(-x, t), k(x, t), "K(+-{x}, {t})");
        }
    }
}

#[test]
fn kernel_is_a_narrow_gaussian_at_small_times() {
    // For t = 1e-3 the nearest image is 2 pi - |x| >= pi away, a relative
    // contribution below exp(-pi^2 / 4e-3) = 0: K equals one Gaussian.
    let t = 1e-3;
    for x in [-0.2_f64, -0.05, 0.0, 0.01, 0.1] {
        let gaussian = (-x * x / (4.0 * t)).exp() / (4.0 * PI * t).sqrt();
        assert!((k(x, t) - gaussian).abs() <= 2.0 * f64::EPSILON * gaussian);
    }
}

#[test]
fn kernel_tends_to_uniform_density_at_large_times() {
    for t in [FOURIER_SWITCH_TIME, 150.0, 1e10, 1e300] {
        for x in [0.0, 1.0, PI] {
            assert!((k(x, t) - 1.0 / TAU).abs() < 1e-15, "K({x}, {t})");
        }
    }
}

#[test]
fn image_sum_and_fourier_series_agree_across_the_switch_time() {
    for t in [FOURIER_SWITCH_TIME, FOURIER_SWITCH_TIME * (1.0 + 1e-12)] {
        for x in [0.0, 2.0, PI] {
            let fourier = periodic_heat_kernel_fourier(x, t).expect("valid arguments");
            assert!((k(x, t) - fourier).abs() < 1e-15);
        }
    }
}

/// Max over sample points of `|K_t - K_xx|` by centred differences of step
/// `h` (time step `h` as well).
fn heat_residual(h: f64) -> f64 {
    let mut worst = 0.0_f64;
    for t in [0.2, 0.5, 1.5] {
        for x in [0.0, 0.3, 1.1, 2.4, PI] {
            let k_t = (k(x, t + h) - k(x, t - h)) / (2.0 * h);
            let k_xx = (k(x + h, t) - 2.0 * k(x, t) + k(x - h, t)) / (h * h);
            worst = worst.max((k_t - k_xx).abs());
        }
    }
    worst
}

#[test]
fn kernel_solves_heat_equation_with_second_order_fd_residual() {
    let coarse = heat_residual(2e-2);
    let medium = heat_residual(1e-2);
    let fine = heat_residual(5e-3);
    for (a, b) in [(coarse, medium), (medium, fine)] {
        let order = (a / b).log2();
        assert!((order - 2.0).abs() < 0.05, "order {order} ({a:e} -> {b:e})");
    }
    assert!(fine < 1e-3, "residual {fine:e}");
}

#[test]
fn exact_solution_at_time_zero_is_the_initial_condition() {
    let problem = AdvectionDiffusion::paper();
    for i in 0..100 {
        let x = TAU * f64::from(i) / 100.0;
        let initial = k(x - problem.x0, problem.sigma0_sq / 2.0);
        assert_eq!(problem.exact(x, 0.0), Ok(initial));
    }
}

/// Max over sample points of `|u_t + v u_x - D u_xx|` by centred
/// differences of step `h`.
fn advection_diffusion_residual(problem: &AdvectionDiffusion, h: f64) -> f64 {
    let u = |x: f64, t: f64| problem.exact(x, t).expect("valid arguments");
    let mut worst = 0.0_f64;
    for t in [0.5, 2.0, TAU] {
        for x in [0.1, 1.0, 2.5, 4.0, 6.0] {
            let u_t = (u(x, t + h) - u(x, t - h)) / (2.0 * h);
            let u_x = (u(x + h, t) - u(x - h, t)) / (2.0 * h);
            let u_xx = (u(x + h, t) - 2.0 * u(x, t) + u(x - h, t)) / (h * h);
            let residual = u_t + problem.velocity * u_x - problem.diffusion * u_xx;
            worst = worst.max(residual.abs());
        }
    }
    worst
}

#[test]
fn exact_solution_solves_advection_diffusion_with_second_order_fd_residual() {
    for problem in [
        AdvectionDiffusion::paper(),
        AdvectionDiffusion {
            velocity: -0.7,
            diffusion: 0.2,
            x0: 3.0,
            sigma0_sq: 0.1,
        },
    ] {
        let coarse = advection_diffusion_residual(&problem, 2e-2);
        let medium = advection_diffusion_residual(&problem, 1e-2);
        let fine = advection_diffusion_residual(&problem, 5e-3);
        for (a, b) in [(coarse, medium), (medium, fine)] {
            let order = (a / b).log2();
            assert!((order - 2.0).abs() < 0.1, "order {order} ({a:e} -> {b:e})");
        }
    }
}

#[test]
fn exact_solution_conserves_mass() {
    let problem = AdvectionDiffusion::paper();
    for t in [0.0, 0.3, PI, TAU, 20.0] {
        let mass = periodic_integral(256, |x| problem.exact(x, t).expect("valid arguments"));
        assert!((mass - 1.0).abs() < 1e-14, "t = {t}: mass {mass}");
    }
}

#[test]
fn exact_solution_without_diffusion_translates_the_initial_profile() {
    let problem = AdvectionDiffusion {
        diffusion: 0.0,
        ..AdvectionDiffusion::paper()
    };
    let t = 1.7;
    for x in [0.0, 1.0, 3.0, 5.0] {
        let moved = problem.exact(x, t).expect("valid arguments");
        let initial = problem
            .exact(x - problem.velocity * t, 0.0)
            .expect("valid arguments");
        assert!((moved - initial).abs() < 1e-14);
    }
}

#[test]
fn paper_parameters_are_the_spec_scenario() {
    let problem = AdvectionDiffusion::paper();
    assert_eq!(problem.velocity, 1.0);
    assert_eq!(problem.diffusion, 0.05);
    assert_eq!(problem.x0, 0.02);
    assert_eq!(problem.sigma0_sq, 0.5);
    assert_eq!(problem.validate(), Ok(()));
}

#[test]
fn kernel_rejects_bad_arguments() {
    assert!(matches!(
        periodic_heat_kernel(f64::NAN, 1.0),
        Err(Error::NotFinite { name: "x", .. })
    ));
    assert!(matches!(
        periodic_heat_kernel(f64::INFINITY, 1.0),
        Err(Error::NotFinite { name: "x", .. })
    ));
    for t in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                periodic_heat_kernel(0.0, t),
                Err(Error::NotPositive { name: "time", .. })
            ),
            "t = {t}"
        );
    }
    assert_eq!(
        periodic_heat_kernel_fourier(0.0, FOURIER_MIN_TIME / 2.0),
        Err(Error::TooSmall {
            name: "time",
            value: FOURIER_MIN_TIME / 2.0,
            minimum: FOURIER_MIN_TIME
        })
    );
    assert_eq!(
        periodic_heat_kernel(0.0, -2.0).unwrap_err().to_string(),
        "time must be positive and finite, got -2"
    );
}

#[test]
fn advection_diffusion_rejects_bad_parameters_and_times() {
    let paper = AdvectionDiffusion::paper();
    let negative_diffusion = AdvectionDiffusion {
        diffusion: -0.1,
        ..paper
    };
    assert_eq!(
        negative_diffusion.validate(),
        Err(Error::Negative {
            name: "diffusion",
            value: -0.1
        })
    );
    assert!(matches!(
        negative_diffusion.exact(0.0, 1.0),
        Err(Error::Negative {
            name: "diffusion",
            ..
        })
    ));
    let zero_width = AdvectionDiffusion {
        sigma0_sq: 0.0,
        ..paper
    };
    assert!(matches!(
        zero_width.validate(),
        Err(Error::NotPositive {
            name: "sigma0_sq",
            ..
        })
    ));
    let nan_velocity = AdvectionDiffusion {
        velocity: f64::NAN,
        ..paper
    };
    assert!(matches!(
        nan_velocity.validate(),
        Err(Error::NotFinite {
            name: "velocity",
            ..
        })
    ));
    assert_eq!(
        paper.exact(1.0, -0.5),
        Err(Error::Negative {
            name: "time",
            value: -0.5
        })
    );
    assert!(matches!(
        paper.exact(1.0, f64::INFINITY),
        Err(Error::NotFinite { name: "time", .. })
    ));
    assert!(matches!(
        paper.exact(f64::NAN, 1.0),
        Err(Error::NotFinite { name: "x", .. })
    ));
    let fast = AdvectionDiffusion {
        velocity: 1e308,
        ..paper
    };
    assert!(matches!(
        fast.exact(0.0, 1e10),
        Err(Error::NotFinite {
            name: "x - v t - x0",
            ..
        })
    ));
}

proptest! {
    #[test]
    fn prop_kernel_is_nonnegative_even_periodic_and_peaked_at_origin(x in -50.0..50.0_f64, t in 1e-3..300.0_f64) {
        let value = k(x, t);
        let peak = k(0.0, t);
        // Non-negative (it underflows to zero far from the origin at small t).
        prop_assert!(value >= 0.0);
        prop_assert!((k(-x, t) - value).abs() <= 1e-12 * peak);
        prop_assert!((k(x + TAU, t) - value).abs() <= 1e-12 * peak);
        // K never exceeds its value at the origin.
        prop_assert!(value <= peak * (1.0 + 4.0 * f64::EPSILON));
    }

    #[test]
    fn prop_kernel_agrees_with_fourier_series(x in -20.0..20.0_f64, t in 0.02..80.0_f64) {
        let fourier = periodic_heat_kernel_fourier(x, t).expect("valid arguments");
        prop_assert!((k(x, t) - fourier).abs() < 1e-13);
    }
}
