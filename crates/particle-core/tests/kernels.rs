//! Kernels of paper 2 (Duvillard, Giraldi, Le Maître), Section 2.2: the
//! Gaussian `phi_eps` of eq. (3), the PSE kernel `eta = 4 zeta` (workspace
//! SPEC convention) and the remeshing kernels of Section 2.2.2 (`M4'`, linear
//! hat, tensorised in 2D).
//!
//! The truths are analytic: unit mass, `int x_i x_j eta = 2 delta_ij`,
//! polynomial reproduction `sum_j j^m W(x - j) = x^m`, the image sum written
//! out naively, and hand-computed kernel values. Quadratures are composite
//! trapezoid rules (spectrally accurate for Gaussians on grids much wider
//! than the kernel, and for periodic functions over one period) or Simpson
//! rules on grids offset from the origin, so that symmetry alone does not
//! make a moment vanish.

use std::f64::consts::PI;

use particle_core::Error;
use particle_core::kernels::{
    Kernel, PERIODIC_TRUNCATION_TOL, Period, Width, gaussian_1d, gaussian_2d, hat, hat_2d, m4prime,
    m4prime_2d, periodic_gaussian_1d, pse_1d, pse_2d,
};
use proptest::prelude::*;

/// Smoothing lengths used throughout, from much smaller to larger than 1.
const WIDTHS: [f64; 4] = [0.05, 0.37, 1.0, 2.7];

fn width(eps: f64) -> Width {
    Width::new(eps).expect("test widths are positive and finite")
}

/// Trapezoid rule on the infinite line, truncated to `[-half, half]` and
/// shifted by `offset * h` off the origin.
fn line_sum(f: impl Fn(f64) -> f64, half: f64, h: f64, offset: f64) -> f64 {
    let n = (half / h).ceil() as i64;
    (-n..=n).map(|i| f((i as f64 + offset) * h) * h).sum()
}

/// Trapezoid rule on the plane, truncated to `[-half, half]^2`, grid shifted
/// by `(offset_x, offset_y) * h`.
fn plane_sum(f: impl Fn(f64, f64) -> f64, half: f64, h: f64, offset: [f64; 2]) -> f64 {
    let n = (half / h).ceil() as i64;
    let mut sum = 0.0;
    for i in -n..=n {
        let x = (i as f64 + offset[0]) * h;
        for k in -n..=n {
            let y = (k as f64 + offset[1]) * h;
            sum += f(x, y);
        }
    }
    sum * h * h
}

/// Composite Simpson rule on `[a, b]` with `n` (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    assert!(n.is_multiple_of(2));
    let h = (b - a) / n as f64;
    let inner: f64 = (1..n)
        .map(|i| {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            w * f(a + i as f64 * h)
        })
        .sum();
    (f(a) + f(b) + inner) * h / 3.0
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn gaussian_1d_has_unit_mass() {
    for eps in WIDTHS {
        let w = width(eps);
        let mass = line_sum(|x| gaussian_1d(x, w), 12.0 * eps, eps / 20.0, 0.37);
        assert!(close(mass, 1.0, 1e-13), "eps = {eps}: mass {mass}");
    }
}

#[test]
fn gaussian_2d_has_unit_mass() {
    for eps in WIDTHS {
        let w = width(eps);
        let mass = plane_sum(
            |x, y| gaussian_2d([x, y], w),
            9.0 * eps,
            eps / 10.0,
            [0.31, -0.17],
        );
        assert!(close(mass, 1.0, 1e-12), "eps = {eps}: mass {mass}");
    }
}

#[test]
fn gaussian_2d_is_the_tensor_product_of_1d() {
    let w = width(0.37);
    for &(x, y) in &[(0.0, 0.0), (0.1, -0.3), (-0.5, 0.45), (1.2, 0.01)] {
        let radial = gaussian_2d([x, y], w);
        let tensor = gaussian_1d(x, w) * gaussian_1d(y, w);
        assert!(close(radial, tensor, 1e-14 * tensor), "({x}, {y})");
    }
}

#[test]
fn gaussian_1d_matches_its_formula_at_hand_picked_points() {
    // zeta_eps(eps) = exp(-1) / (sqrt(pi) eps); zeta_eps(0) = 1 / (sqrt(pi) eps).
    let eps = 0.5;
    let w = width(eps);
    let peak = 1.0 / (PI.sqrt() * eps);
    assert!(close(gaussian_1d(0.0, w), peak, 1e-15 * peak));
    assert!(close(
        gaussian_1d(-eps, w),
        peak * (-1.0f64).exp(),
        1e-15 * peak
    ));
    // 2D: zeta_eps((eps, eps)) = exp(-2) / (pi eps^2).
    let peak2 = 1.0 / (PI * eps * eps);
    assert!(close(
        gaussian_2d([eps, eps], w),
        peak2 * (-2.0f64).exp(),
        1e-15 * peak2
    ));
}

#[test]
fn pse_1d_has_mass_4_and_second_moment_2_eps_squared() {
    for eps in [1.0, 0.37] {
        let w = width(eps);
        let (half, h, off) = (12.0 * eps, eps / 20.0, 0.29);
        let mass = line_sum(|x| pse_1d(x, w), half, h, off);
        let first = line_sum(|x| x * pse_1d(x, w), half, h, off);
        let second = line_sum(|x| x * x * pse_1d(x, w), half, h, off);
        assert!(close(mass, 4.0, 1e-12), "eps = {eps}: mass {mass}");
        assert!(close(first, 0.0, 1e-12), "eps = {eps}: first {first}");
        assert!(
            close(second, 2.0 * eps * eps, 1e-12),
            "eps = {eps}: second {second}"
        );
    }
}

#[test]
fn pse_2d_second_moments_are_2_eps_squared_delta_ij() {
    for eps in [1.0, 0.37] {
        let w = width(eps);
        let (half, h, off) = (9.0 * eps, eps / 10.0, [0.23, -0.41]);
        let m_xx = plane_sum(|x, y| x * x * pse_2d([x, y], w), half, h, off);
        let m_yy = plane_sum(|x, y| y * y * pse_2d([x, y], w), half, h, off);
        let m_xy = plane_sum(|x, y| x * y * pse_2d([x, y], w), half, h, off);
        let target = 2.0 * eps * eps;
        assert!(close(m_xx, target, 1e-11), "eps = {eps}: xx {m_xx}");
        assert!(close(m_yy, target, 1e-11), "eps = {eps}: yy {m_yy}");
        assert!(close(m_xy, 0.0, 1e-11), "eps = {eps}: xy {m_xy}");
    }
}

/// The image sum written out with far more images than needed (|n| <= 200),
/// added from the farthest inwards.
fn naive_image_sum(x: f64, eps: Width, period: f64) -> f64 {
    let mut sum = 0.0;
    for n in (1..=200).rev() {
        let n = f64::from(n);
        sum += gaussian_1d(x + n * period, eps) + gaussian_1d(x - n * period, eps);
    }
    sum + gaussian_1d(x, eps)
}

/// Ratios `eps / L` on both sides of the switch from images to Fourier modes
/// at `eps / L = 1 / sqrt(pi) = 0.564`.
const PERIODIC_RATIOS: [f64; 8] = [0.005, 0.05, 0.2, 0.5, 0.56, 0.57, 1.0, 3.0];

#[test]
fn periodic_gaussian_equals_the_direct_image_sum() {
    let period = 2.0 * PI;
    let l = Period::new(period).expect("2 pi is a valid period");
    for ratio in PERIODIC_RATIOS {
        let w = width(ratio * period);
        for i in -40..=40 {
            // Points outside [0, L) too, to exercise the reduction.
            let x = 0.173 * f64::from(i) + 0.011;
            let fast = periodic_gaussian_1d(x, w, l);
            let naive = naive_image_sum(x, w, period);
            // Absolute floor: the truncation bound 2.01 * tol * zeta_eps(0).
            let floor = 2.01 * PERIODIC_TRUNCATION_TOL * gaussian_1d(0.0, w);
            assert!(
                close(fast, naive, 1e-13 * naive + floor),
                "eps / L = {ratio}, x = {x}: {fast} vs {naive}"
            );
        }
    }
}

#[test]
fn periodic_gaussian_integrates_to_one_over_a_period() {
    let period = 2.0 * PI;
    let l = Period::new(period).expect("2 pi is a valid period");
    let n = 4000;
    let h = period / f64::from(n);
    for ratio in PERIODIC_RATIOS {
        let w = width(ratio * period);
        // Trapezoid rule over one period of a smooth periodic function,
        // starting off the kernel's centre.
        let mass: f64 = (0..n)
            .map(|i| periodic_gaussian_1d((f64::from(i) + 0.3) * h, w, l) * h)
            .sum();
        assert!(close(mass, 1.0, 1e-12), "eps / L = {ratio}: mass {mass}");
    }
}

#[test]
fn periodic_gaussian_is_periodic_and_even() {
    let period = 1.7;
    let l = Period::new(period).expect("valid period");
    for ratio in [0.1, 2.0] {
        let w = width(ratio * period);
        for x in [0.0, 0.3, 0.84, 1.2] {
            let f = periodic_gaussian_1d(x, w, l);
            let shifted = periodic_gaussian_1d(x + 5.0 * period, w, l);
            let mirrored = periodic_gaussian_1d(-x, w, l);
            assert!(close(f, shifted, 1e-12 * f), "x = {x}");
            assert!(close(f, mirrored, 1e-14 * f), "x = {x}");
        }
    }
}

/// `sum_j j^m W(x - j)` over every `j` where `W` (support radius <= 2) is
/// non-zero.
fn moment_sum(w: impl Fn(f64) -> f64, x: f64, m: i32) -> f64 {
    let j0 = x.floor() as i64;
    (j0 - 3..=j0 + 3)
        .map(|j| {
            let j = j as f64;
            j.powi(m) * w(x - j)
        })
        .sum()
}

proptest! {
    #[test]
    fn m4prime_is_a_partition_of_unity(x in -1.0e3f64..1.0e3) {
        let s = moment_sum(m4prime, x, 0);
        prop_assert!(close(s, 1.0, 1e-14), "x = {}: sum {}", x, s);
    }

    #[test]
    fn m4prime_reproduces_linear_and_quadratic(x in -100.0f64..100.0) {
        let s1 = moment_sum(m4prime, x, 1);
        let s2 = moment_sum(m4prime, x, 2);
        prop_assert!(close(s1, x, 1e-13 * (1.0 + x.abs())), "x = {}: {}", x, s1);
        prop_assert!(close(s2, x * x, 1e-13 * (1.0 + x * x)), "x = {}: {}", x, s2);
    }

    #[test]
    fn m4prime_2d_reproduces_products_up_to_degree_2(
        x in -50.0f64..50.0,
        y in -50.0f64..50.0,
    ) {
        // sum_{i,k} i^a k^b W2(x - i, y - k) = x^a y^b for a, b <= 2.
        let (i0, k0) = (x.floor() as i64, y.floor() as i64);
        for (a, b) in [(0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (2, 1), (2, 2)] {
            let mut s = 0.0;
            for i in i0 - 3..=i0 + 3 {
                for k in k0 - 3..=k0 + 3 {
                    let (fi, fk) = (i as f64, k as f64);
                    s += fi.powi(a) * fk.powi(b) * m4prime_2d([x - fi, y - fk]);
                }
            }
            let target = x.powi(a) * y.powi(b);
            prop_assert!(
                close(s, target, 1e-12 * (1.0 + target.abs())),
                "x = {}, y = {}, (a, b) = ({}, {}): {} vs {}", x, y, a, b, s, target
            );
        }
    }

    #[test]
    fn hat_is_a_partition_of_unity_and_reproduces_linears(x in -1.0e3f64..1.0e3) {
        let s0 = moment_sum(hat, x, 0);
        let s1 = moment_sum(hat, x, 1);
        prop_assert!(close(s0, 1.0, 1e-14), "x = {}: {}", x, s0);
        prop_assert!(close(s1, x, 1e-13 * (1.0 + x.abs())), "x = {}: {}", x, s1);
    }

    #[test]
    fn hat_2d_is_a_partition_of_unity(x in -50.0f64..50.0, y in -50.0f64..50.0) {
        let (i0, k0) = (x.floor() as i64, y.floor() as i64);
        let mut s = 0.0;
        for i in i0 - 2..=i0 + 2 {
            for k in k0 - 2..=k0 + 2 {
                s += hat_2d([x - i as f64, y - k as f64]);
            }
        }
        prop_assert!(close(s, 1.0, 1e-14), "({}, {}): {}", x, y, s);
    }
}

#[test]
fn m4prime_does_not_reproduce_cubics() {
    // By hand at x = 1/4: W(1/4) = 111/128, W(3/4) = 29/128,
    // W(5/4) = -9/128, W(7/4) = -3/128 (they sum to 1), so
    // sum_j j^3 W(1/4 - j) = (-1)(-9/128) + 0 + 29/128 + 8 (-3/128) = 14/128,
    // not (1/4)^3 = 2/128: M4' conserves moments up to 2 only.
    let x = 0.25;
    for (s, w) in [
        (0.25, 111.0 / 128.0),
        (0.75, 29.0 / 128.0),
        (1.25, -9.0 / 128.0),
        (1.75, -3.0 / 128.0),
    ] {
        assert!(close(m4prime(s), w, 1e-15), "W({s})");
        assert!(close(m4prime(-s), w, 1e-15), "W(-{s})");
    }
    let cubic = moment_sum(m4prime, x, 3);
    assert!(close(cubic, 14.0 / 128.0, 1e-15), "cubic sum {cubic}");
    assert!((cubic - x * x * x).abs() > 0.09);
}

#[test]
fn hat_does_not_reproduce_quadratics() {
    // On [0, 1]: sum_j j^2 hat(x - j) = (1 - x) 0 + x 1 = x, so the error
    // against x^2 is x (1 - x).
    for x in [0.1, 0.25, 0.5, 0.9] {
        let s = moment_sum(hat, x, 2);
        assert!(close(s - x * x, x * (1.0 - x), 1e-15), "x = {x}");
    }
}

#[test]
fn m4prime_and_hat_interpolate() {
    // W(j) = delta_j0 for integers j: remeshing onto the grid nodes of a
    // particle already on a node keeps its value.
    for j in -3..=3 {
        let want = if j == 0 { 1.0 } else { 0.0 };
        assert_eq!(m4prime(f64::from(j)), want, "M4' at {j}");
        assert_eq!(hat(f64::from(j)), want, "hat at {j}");
    }
}

#[test]
fn m4prime_and_hat_have_unit_mass() {
    // Simpson is exact for the cubic pieces once the knots -2..2 are nodes.
    let m4 = simpson(m4prime, -2.0, 2.0, 400);
    let h = simpson(hat, -1.0, 1.0, 400);
    assert!(close(m4, 1.0, 1e-14), "M4' mass {m4}");
    assert!(close(h, 1.0, 1e-14), "hat mass {h}");
}

#[test]
fn compact_kernels_vanish_beyond_their_radius() {
    for kernel in [Kernel::M4Prime, Kernel::Hat] {
        let r = kernel.radius(1e-6).expect("valid tolerance");
        for i in 0..=400 {
            let s = r + 0.01 * f64::from(i);
            assert_eq!(kernel.eval_1d(s), 0.0, "{kernel:?} at {s}");
            assert_eq!(kernel.eval_1d(-s), 0.0, "{kernel:?} at -{s}");
            assert_eq!(kernel.eval_2d([s, 0.3]), 0.0, "{kernel:?} at ({s}, 0.3)");
            assert_eq!(kernel.eval_2d([0.3, -s]), 0.0, "{kernel:?} at (0.3, -{s})");
        }
        // ... and not just inside it.
        assert!(kernel.eval_1d(0.99 * r).abs() > 0.0, "{kernel:?}");
    }
    assert_eq!(Kernel::M4Prime.radius(0.5), Ok(2.0));
    assert_eq!(Kernel::Hat.radius(0.5), Ok(1.0));
}

#[test]
fn gaussian_mass_beyond_its_radius_is_below_tol() {
    for tol in [1e-3, 1e-6, 1e-9, 1e-12] {
        let r = Kernel::Gaussian.radius(tol).expect("valid tolerance");
        // 1D: both tails, 2 int_r^inf zeta.
        let tail_1d = 2.0 * simpson(|s| Kernel::Gaussian.eval_1d(s), r, r + 30.0, 60_000);
        assert!(tail_1d <= tol, "tol = {tol}: 1D tail {tail_1d}");
        // The radius is not wastefully large: erfc(r) ~ tol / (r sqrt(pi)).
        assert!(tail_1d >= tol / (2.0 * r), "tol = {tol}: 1D tail {tail_1d}");
        // 2D, outside the disc of radius r: int_r^inf 2 pi rho zeta(rho) d rho,
        // exactly tol.
        let tail_2d = simpson(
            |rho| 2.0 * PI * rho * Kernel::Gaussian.eval_2d([rho, 0.0]),
            r,
            r + 30.0,
            60_000,
        );
        assert!(
            tail_2d <= tol * (1.0 + 1e-9),
            "tol = {tol}: 2D tail {tail_2d}"
        );
        assert!(
            tail_2d >= tol * (1.0 - 1e-9),
            "tol = {tol}: 2D tail {tail_2d}"
        );
    }
}

#[test]
fn kernel_shapes_are_the_unit_width_kernels() {
    let one = width(1.0);
    for s in [-2.5, -1.3, -0.4, 0.0, 0.7, 1.6] {
        assert_eq!(Kernel::M4Prime.eval_1d(s), m4prime(s));
        assert_eq!(Kernel::Hat.eval_1d(s), hat(s));
        let g = gaussian_1d(s, one);
        assert!(close(Kernel::Gaussian.eval_1d(s), g, 1e-15 * g));
        let g2 = gaussian_2d([s, 0.5], one);
        assert!(close(Kernel::Gaussian.eval_2d([s, 0.5]), g2, 1e-15 * g2));
        assert_eq!(Kernel::M4Prime.eval_2d([s, 0.5]), m4prime_2d([s, 0.5]));
        assert_eq!(Kernel::Hat.eval_2d([s, 0.5]), hat_2d([s, 0.5]));
    }
}

#[test]
fn nan_positions_propagate() {
    let w = width(0.5);
    assert!(gaussian_1d(f64::NAN, w).is_nan());
    assert!(m4prime(f64::NAN).is_nan());
    assert!(hat(f64::NAN).is_nan());
}

#[test]
fn bad_widths_periods_and_tolerances_are_errors() {
    for bad in [0.0, -0.0, -1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        match Width::new(bad) {
            Err(Error::InvalidWidth { value }) => {
                assert!(value.to_bits() == bad.to_bits(), "{bad}");
            }
            other => panic!("width {bad}: {other:?}"),
        }
        assert!(matches!(Period::new(bad), Err(Error::InvalidPeriod { .. })));
    }
    for bad in [0.0, 1.0, 1.5, -1e-3, f64::NAN, f64::INFINITY] {
        for kernel in [Kernel::Gaussian, Kernel::M4Prime, Kernel::Hat] {
            assert!(
                matches!(kernel.radius(bad), Err(Error::InvalidTolerance { .. })),
                "{kernel:?}, tol {bad}"
            );
        }
    }
    let msg = Width::new(-1.5).unwrap_err().to_string();
    assert_eq!(msg, "kernel width must be positive and finite, got -1.5");
    let msg = Period::new(0.0).unwrap_err().to_string();
    assert_eq!(msg, "period must be positive and finite, got 0");
    let msg = Kernel::Gaussian.radius(2.0).unwrap_err().to_string();
    assert_eq!(msg, "tolerance must lie in the open interval (0, 1), got 2");
}
