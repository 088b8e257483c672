//! The Lamb–Chaplygin dipole of paper 2, Section 5.1.2 (conventions in
//! SPEC), against facts that do not come from the code:
//!
//! * the defining relations `Laplacian(psi) = -omega`, `u = psi_y`,
//!   `v = -psi_x`, `div u = 0`, by finite differences;
//! * continuity of `psi`, `omega` and `u` across the core boundary, which
//!   is a streamline (`psi' = 0`) in the co-moving frame;
//! * the exterior flow is the potential dipole of a translating cylinder,
//!   `u - i v = U R^2 e^{i alpha} / (z - z_c)^2` (Lamb, *Hydrodynamics*,
//!   §68; Batchelor, *An Introduction to Fluid Dynamics*, §6.4);
//! * inside the core, `omega = k^2 psi'` with `psi'` the co-moving stream
//!   function (Lamb §165; Meleshko & van Heijst, J. Fluid Mech. 272, 1994),
//!   and Euler's equation for a vortex translating rigidly with velocity
//!   `U (cos alpha, sin alpha)`: `(u - U e_alpha) . grad omega = 0`;
//! * zero total circulation (quadrature over a square, and Stokes' theorem
//!   on a circle), and the linear impulse `int (y, -x) omega dA =
//!   2 pi R^2 U (cos alpha, sin alpha)` (Meleshko & van Heijst 1994; it
//!   follows from `int_0^R r^2 J1(k r) dr = R^2 J2(k R) / k` and
//!   `J2(j_{1,1}) = -J0(j_{1,1})`).

use std::f64::consts::{PI, TAU};

use proptest::prelude::*;
use validation::Error;
use validation::bessel::J1_FIRST_ZERO;
use validation::lamb_chaplygin::LambChaplygin;

/// Dipoles covering the paper's, another direction and a negative speed.
fn dipoles() -> [LambChaplygin; 3] {
    [
        LambChaplygin::paper(),
        LambChaplygin::new([0.3, -1.2], 1.7, 0.8, -2.0).expect("valid dipole"),
        LambChaplygin::new([2.0, 1.0], 0.3, -0.4, 0.25).expect("valid dipole"),
    ]
}

/// A point at distance `r` and polar angle `theta` from the centre.
fn at(dipole: &LambChaplygin, r: f64, theta: f64) -> [f64; 2] {
    [
        dipole.center[0] + r * theta.cos(),
        dipole.center[1] + r * theta.sin(),
    ]
}

/// `-dx sin(alpha) + dy cos(alpha)` = `r sin(theta - alpha)`.
fn across(dipole: &LambChaplygin, p: [f64; 2]) -> f64 {
    let (sin, cos) = dipole.alpha.sin_cos();
    -(p[0] - dipole.center[0]) * sin + (p[1] - dipole.center[1]) * cos
}

/// Sample points on rings at the given radii (in units of `R`), 37 angles
/// each; a radius of zero gives the centre alone.
fn ring_points(dipole: &LambChaplygin, radii: &[f64]) -> Vec<[f64; 2]> {
    let mut points = Vec::new();
    for &rho in radii {
        if rho == 0.0 {
            points.push(dipole.center);
            continue;
        }
        for j in 0..37 {
            let theta = TAU * f64::from(j) / 37.0 + 0.1;
            points.push(at(dipole, rho * dipole.radius, theta));
        }
    }
    points
}

/// Radii (in units of `R`) inside and outside the core, at least `0.1 R`
/// from its boundary, and the centre.
const INTERIOR_AND_EXTERIOR: [f64; 9] = [0.0, 0.05, 0.3, 0.6, 0.9, 1.1, 1.5, 3.0, 8.0];

#[test]
fn paper_parameters_are_the_spec_scenario() {
    let dipole = LambChaplygin::paper();
    assert_eq!(dipole.center, [PI / 2.0, PI / 2.0]);
    assert_eq!(dipole.radius, 0.5);
    assert_eq!(dipole.speed, 0.25);
    assert_eq!(dipole.alpha, 7.0 * PI / 8.0);
    assert_eq!(dipole.validate(), Ok(()));
    assert_eq!(dipole.wavenumber(), J1_FIRST_ZERO / 0.5);
    let [ux, uy] = dipole.translation_velocity();
    assert!((ux - 0.25 * (7.0 * PI / 8.0).cos()).abs() < 1e-17);
    assert!((uy - 0.25 * (7.0 * PI / 8.0).sin()).abs() < 1e-17);
}

#[test]
fn fields_are_continuous_across_the_core_boundary() {
    let delta = 1e-9;
    for dipole in dipoles() {
        let (r, u) = (dipole.radius, dipole.speed.abs());
        let k = dipole.wavenumber();
        for j in 0..64 {
            let theta = TAU * f64::from(j) / 64.0;
            let inside = at(&dipole, r * (1.0 - delta), theta);
            let outside = at(&dipole, r * (1.0 + delta), theta);
            // Jumps must be of the size of the gradient times 2 delta R.
            let psi_jump = dipole.stream_function(inside) - dipole.stream_function(outside);
            assert!(
                psi_jump.abs() < 10.0 * delta * u * r,
                "psi jump {psi_jump:e}"
            );
            let omega_jump = dipole.vorticity(inside) - dipole.vorticity(outside);
            assert!(
                omega_jump.abs() < 20.0 * delta * u * k * k * r,
                "omega jump {omega_jump:e}"
            );
            let [ui, vi] = dipole.velocity(inside);
            let [uo, vo] = dipole.velocity(outside);
            let velocity_jump = (ui - uo).hypot(vi - vo);
            assert!(
                velocity_jump < 20.0 * delta * u * k,
                "velocity jump {velocity_jump:e}"
            );
        }
    }
}

#[test]
fn core_boundary_is_a_streamline_of_the_co_moving_flow() {
    for dipole in dipoles() {
        for j in 0..64 {
            let p = at(&dipole, dipole.radius, TAU * f64::from(j) / 64.0);
            let co_moving = dipole.stream_function(p) - dipole.speed * across(&dipole, p);
            assert!(co_moving.abs() < 1e-15, "psi' = {co_moving:e}");
        }
    }
}

#[test]
fn vorticity_vanishes_outside_the_core() {
    for dipole in dipoles() {
        for p in ring_points(&dipole, &[1.0 + 1e-12, 1.3, 5.0]) {
            assert_eq!(dipole.vorticity(p), 0.0);
        }
        // On the boundary itself, rounding may put a point just inside,
        // where omega ~ J1(k R) = 0 to rounding.
        let peak = 6.0 * dipole.wavenumber() * dipole.speed.abs();
        for p in ring_points(&dipole, &[1.0]) {
            assert!(dipole.vorticity(p).abs() < 1e-14 * peak);
        }
    }
}

/// Fourth-order centred first derivative of `f` at `s` with step `h`.
fn d1(f: impl Fn(f64) -> f64, s: f64, h: f64) -> f64 {
    (f(s - 2.0 * h) - 8.0 * f(s - h) + 8.0 * f(s + h) - f(s + 2.0 * h)) / (12.0 * h)
}

#[test]
fn velocity_is_the_curl_of_the_stream_function() {
    // Fourth-order differences with h = 1e-3: truncation ~ h^4 k^5 U / 30,
    // below 1e-9 U for these dipoles' k R / R; points keep 2h off r = R.
    let h = 1e-3;
    for dipole in dipoles() {
        let hr = h * dipole.radius;
        let scale = dipole.speed.abs();
        for p in ring_points(&dipole, &INTERIOR_AND_EXTERIOR) {
            let psi_y = d1(|y| dipole.stream_function([p[0], y]), p[1], hr);
            let psi_x = d1(|x| dipole.stream_function([x, p[1]]), p[0], hr);
            let [u, v] = dipole.velocity(p);
            assert!(
                (u - psi_y).abs() < 1e-8 * scale,
                "u at {p:?}: {u} vs {psi_y}"
            );
            assert!(
                (v + psi_x).abs() < 1e-8 * scale,
                "v at {p:?}: {v} vs {}",
                -psi_x
            );
        }
    }
}

#[test]
fn fluid_velocity_at_the_centre_is_along_the_direction_of_travel() {
    // By symmetry about the axis of travel. Its size exceeds U: the fluid
    // between the two vortices overtakes the dipole (the centre is one of
    // the points of the finite-difference check above).
    for dipole in dipoles() {
        let [u, v] = dipole.velocity(dipole.center);
        let [ex, ey] = [dipole.alpha.cos(), dipole.alpha.sin()];
        assert!((u * ey - v * ex).abs() < 1e-15);
        let along = u * ex + v * ey;
        assert!(along / dipole.speed > 3.0, "{along}");
    }
}

/// Max over sample points of the centred-difference divergence of the
/// velocity with step `h R`, relative to `U / R`.
fn max_divergence(dipole: &LambChaplygin, h: f64) -> f64 {
    let hr = h * dipole.radius;
    ring_points(dipole, &INTERIOR_AND_EXTERIOR)
        .into_iter()
        .map(|p| {
            let u_x = (dipole.velocity([p[0] + hr, p[1]])[0]
                - dipole.velocity([p[0] - hr, p[1]])[0])
                / (2.0 * hr);
            let v_y = (dipole.velocity([p[0], p[1] + hr])[1]
                - dipole.velocity([p[0], p[1] - hr])[1])
                / (2.0 * hr);
            (u_x + v_y).abs() * dipole.radius / dipole.speed.abs()
        })
        .fold(0.0, f64::max)
}

/// A finite-difference residual at steps `h0`, `h0/2`, `h0/4` halves twice
/// at order 2 (to 0.1) and ends below `finest_below`.
fn assert_second_order(residual: impl Fn(f64) -> f64, h0: f64, finest_below: f64) {
    let [coarse, medium, fine] = [h0, h0 / 2.0, h0 / 4.0].map(residual);
    for (a, b) in [(coarse, medium), (medium, fine)] {
        let order = (a / b).log2();
        assert!((order - 2.0).abs() < 0.1, "order {order} ({a:e} -> {b:e})");
    }
    assert!(fine < finest_below, "{fine:e}");
}

#[test]
fn velocity_is_divergence_free_with_second_order_fd_residual() {
    for dipole in dipoles() {
        assert_second_order(|h| max_divergence(&dipole, h), 1e-2, 1e-3);
    }
}

/// Max over sample points of `|Laplacian_h(psi) + omega|` by the 5-point
/// stencil with step `h R`, relative to `U k`.
fn max_poisson_residual(dipole: &LambChaplygin, h: f64) -> f64 {
    let hr = h * dipole.radius;
    let psi = |x: f64, y: f64| dipole.stream_function([x, y]);
    ring_points(dipole, &INTERIOR_AND_EXTERIOR)
        .into_iter()
        .map(|[x, y]| {
            let laplacian = (psi(x + hr, y) + psi(x - hr, y) + psi(x, y + hr) + psi(x, y - hr)
                - 4.0 * psi(x, y))
                / (hr * hr);
            (laplacian + dipole.vorticity([x, y])).abs()
                / (dipole.speed.abs() * dipole.wavenumber())
        })
        .fold(0.0, f64::max)
}

#[test]
fn five_point_laplacian_of_stream_function_is_minus_vorticity() {
    for dipole in dipoles() {
        assert_second_order(|h| max_poisson_residual(&dipole, h), 8e-3, 1e-4);
    }
}

/// `(a + i b) / (c + i d)^2` as `(re, im)`.
fn over_square(numerator: [f64; 2], z: [f64; 2]) -> [f64; 2] {
    let z2 = [z[0] * z[0] - z[1] * z[1], 2.0 * z[0] * z[1]];
    let norm = z2[0] * z2[0] + z2[1] * z2[1];
    [
        (numerator[0] * z2[0] + numerator[1] * z2[1]) / norm,
        (numerator[1] * z2[0] - numerator[0] * z2[1]) / norm,
    ]
}

#[test]
fn exterior_flow_is_the_potential_dipole_of_a_translating_cylinder() {
    // w(z) = -U R^2 e^{i alpha} / (z - z_c) is the complex potential of a
    // cylinder of radius R moving with velocity U e^{i alpha} through fluid
    // at rest; u - i v = w'(z) = U R^2 e^{i alpha} / (z - z_c)^2.
    for dipole in dipoles() {
        let strength = dipole.speed * dipole.radius * dipole.radius;
        let numerator = [strength * dipole.alpha.cos(), strength * dipole.alpha.sin()];
        for p in ring_points(&dipole, &[1.0, 1.0 + 1e-12, 1.2, 2.0, 10.0, 1e3]) {
            let z = [p[0] - dipole.center[0], p[1] - dipole.center[1]];
            let [re, im] = over_square(numerator, z);
            let [u, v] = dipole.velocity(p);
            let scale = re.hypot(im);
            assert!((u - re).abs() <= 1e-14 * scale, "u at {p:?}: {u} vs {re}");
            assert!(
                (v + im).abs() <= 1e-14 * scale,
                "v at {p:?}: {v} vs {}",
                -im
            );
        }
    }
}

#[test]
fn core_vorticity_is_k_squared_times_co_moving_stream_function() {
    // omega = F(psi') with F linear is what makes the dipole a steady
    // solution of Euler's equations in the frame moving with U e_alpha.
    for dipole in dipoles() {
        let k = dipole.wavenumber();
        let peak = 6.0 * k * dipole.speed.abs();
        for p in ring_points(&dipole, &[0.0, 1e-6, 0.1, 0.4, 0.7, 0.95, 0.999_999]) {
            let co_moving = dipole.stream_function(p) - dipole.speed * across(&dipole, p);
            let omega = dipole.vorticity(p);
            assert!(
                (omega - k * k * co_moving).abs() < 1e-14 * peak,
                "at {p:?}: {omega} vs {}",
                k * k * co_moving
            );
        }
    }
}

/// Max over core points of `|(u - c) . grad omega|` (centred differences,
/// step `1e-5 R`) relative to `U^2 k^2`, for the candidate translation
/// velocity `c`.
fn max_euler_residual(dipole: &LambChaplygin, c: [f64; 2]) -> f64 {
    let hr = 1e-5 * dipole.radius;
    let scale = (dipole.speed * dipole.wavenumber()).powi(2);
    ring_points(dipole, &[0.1, 0.35, 0.6, 0.85])
        .into_iter()
        .map(|[x, y]| {
            let omega_x =
                (dipole.vorticity([x + hr, y]) - dipole.vorticity([x - hr, y])) / (2.0 * hr);
            let omega_y =
                (dipole.vorticity([x, y + hr]) - dipole.vorticity([x, y - hr])) / (2.0 * hr);
            let [u, v] = dipole.velocity([x, y]);
            ((u - c[0]) * omega_x + (v - c[1]) * omega_y).abs() / scale
        })
        .fold(0.0, f64::max)
}

#[test]
fn vorticity_is_steady_in_the_frame_translating_with_u_e_alpha() {
    // Euler: omega_t + u . grad omega = 0 with omega(x, t) = omega(x - c t)
    // holds iff (u - c) . grad omega = 0. It does for c = U e_alpha and
    // fails for a 10% faster, a reversed or a rotated translation velocity.
    for dipole in dipoles() {
        let [cx, cy] = dipole.translation_velocity();
        assert!(max_euler_residual(&dipole, [cx, cy]) < 1e-8);
        assert!(max_euler_residual(&dipole, [1.1 * cx, 1.1 * cy]) > 1e-2);
        assert!(max_euler_residual(&dipole, [-cx, -cy]) > 1e-2);
        assert!(max_euler_residual(&dipole, [-cy, cx]) > 1e-2);
    }
}

#[test]
fn total_circulation_vanishes_by_area_quadrature() {
    // Midpoint rule on a square that contains the core but is not centred
    // on it (so no symmetry cancels the sum exactly); omega is continuous
    // with a kink at r = R, so the error is O(h^2).
    let dipole = LambChaplygin::paper();
    let [cx, cy] = dipole.center;
    let (x0, y0, side, n) = (cx - 0.62, cy - 0.77, 1.43, 1400);
    let h = side / f64::from(n);
    let (mut total, mut positive) = (0.0, 0.0);
    for j in 0..n {
        for i in 0..n {
            let p = [x0 + (f64::from(i) + 0.5) * h, y0 + (f64::from(j) + 0.5) * h];
            let omega = dipole.vorticity(p);
            total += omega * h * h;
            positive += omega.max(0.0) * h * h;
        }
    }
    assert!(positive > 0.1, "{positive}");
    assert!(total.abs() < 1e-7 * positive, "{total:e} vs {positive}");
}

#[test]
fn total_circulation_vanishes_on_an_enclosing_circle() {
    // Stokes: the circulation around any curve enclosing the core is the
    // total vorticity, zero. An off-centre circle avoids symmetric
    // cancellation; the periodic trapezoid rule converges exponentially.
    for dipole in dipoles() {
        let r = 2.0 * dipole.radius;
        let centre = [
            dipole.center[0] + 0.2 * dipole.radius,
            dipole.center[1] - 0.1 * dipole.radius,
        ];
        let nodes = 256;
        let circulation: f64 = (0..nodes)
            .map(|j| {
                let theta = TAU * f64::from(j) / f64::from(nodes);
                let p = [centre[0] + r * theta.cos(), centre[1] + r * theta.sin()];
                let [u, v] = dipole.velocity(p);
                (-u * theta.sin() + v * theta.cos()) * r * TAU / f64::from(nodes)
            })
            .sum();
        assert!(
            circulation.abs() < 1e-14 * dipole.speed.abs() * r,
            "{circulation:e}"
        );
    }
}

/// Composite Simpson rule on `[0, b]` with `n` (even) intervals.
fn simpson(b: f64, n: u32, f: impl Fn(f64) -> f64) -> f64 {
    let h = b / f64::from(n);
    let inner: f64 = (1..n)
        .map(|i| f(f64::from(i) * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (f(0.0) + inner + f(b)) * h / 3.0
}

#[test]
fn linear_impulse_is_two_pi_r_squared_u_along_travel() {
    // int (y, -x) omega dA in polar coordinates about the centre: Simpson
    // in r on [0, R], where omega is smooth, and the trapezoid rule in
    // theta, exact here (the integrand is a trigonometric polynomial of
    // degree 2).
    for dipole in dipoles() {
        let angles = 16;
        let impulse = |component: usize| {
            simpson(dipole.radius, 2000, |r| {
                (0..angles)
                    .map(|j| {
                        let theta = TAU * f64::from(j) / f64::from(angles);
                        let p = at(&dipole, r, theta);
                        let arm = if component == 0 { p[1] } else { -p[0] };
                        arm * dipole.vorticity(p) * r
                    })
                    .sum::<f64>()
                    * TAU
                    / f64::from(angles)
            })
        };
        let expected = 2.0 * PI * dipole.radius.powi(2) * dipole.speed;
        let [px, py] = [impulse(0), impulse(1)];
        let tolerance = 1e-10 * expected.abs();
        assert!(
            (px - expected * dipole.alpha.cos()).abs() < tolerance,
            "{px}"
        );
        assert!(
            (py - expected * dipole.alpha.sin()).abs() < tolerance,
            "{py}"
        );
    }
}

#[test]
fn sample_vorticity_is_row_major() {
    let dipole = LambChaplygin::paper();
    let xs = [1.2, 1.4, 1.6, 1.8, 2.0];
    let ys = [1.3, 1.5, 1.7];
    let field = dipole.sample_vorticity(&xs, &ys);
    assert_eq!(field.len(), 15);
    for (iy, &y) in ys.iter().enumerate() {
        for (ix, &x) in xs.iter().enumerate() {
            assert_eq!(field[iy * xs.len() + ix], dipole.vorticity([x, y]));
        }
    }
    assert!(dipole.sample_vorticity(&[], &ys).is_empty());
}

#[test]
fn new_rejects_bad_parameters() {
    for radius in [0.0, -0.5, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                LambChaplygin::new([0.0, 0.0], radius, 1.0, 0.0),
                Err(Error::NotPositive { name: "radius", .. })
            ),
            "radius {radius}"
        );
    }
    assert!(matches!(
        LambChaplygin::new([f64::NAN, 0.0], 1.0, 1.0, 0.0),
        Err(Error::NotFinite {
            name: "center x",
            ..
        })
    ));
    assert!(matches!(
        LambChaplygin::new([0.0, f64::INFINITY], 1.0, 1.0, 0.0),
        Err(Error::NotFinite {
            name: "center y",
            ..
        })
    ));
    assert_eq!(
        LambChaplygin::new([0.0, 0.0], 1.0, f64::NEG_INFINITY, 0.0),
        Err(Error::NotFinite {
            name: "speed",
            value: f64::NEG_INFINITY
        })
    );
    assert!(matches!(
        LambChaplygin::new([0.0, 0.0], 1.0, 1.0, f64::NAN),
        Err(Error::NotFinite { name: "alpha", .. })
    ));
    assert_eq!(
        LambChaplygin::new([0.0, 0.0], -0.5, 1.0, 0.0)
            .unwrap_err()
            .to_string(),
        "radius must be positive and finite, got -0.5"
    );
    // Zero speed is a valid (motionless) dipole.
    let still = LambChaplygin::new([0.0, 0.0], 1.0, 0.0, 0.0).expect("valid dipole");
    assert_eq!(still.velocity([0.3, 0.2]), [0.0, 0.0]);
}

proptest! {
    #[test]
    fn prop_vorticity_is_antisymmetric_about_the_axis_of_travel(
        r in 0.0..1.5_f64, phi in 0.0..TAU, alpha in -PI..PI,
    ) {
        let dipole = LambChaplygin::new([0.4, -0.3], 0.8, 0.6, alpha).expect("valid dipole");
        let left = at(&dipole, r * 0.8, alpha + phi);
        let right = at(&dipole, r * 0.8, alpha - phi);
        let peak = 6.0 * dipole.wavenumber() * dipole.speed;
        prop_assert!((dipole.vorticity(left) + dipole.vorticity(right)).abs() < 1e-13 * peak);
        prop_assert!(
            (dipole.stream_function(left) + dipole.stream_function(right)).abs() < 1e-14
        );
    }

    #[test]
    fn prop_fields_scale_linearly_with_speed(
        x in -1.0..1.0_f64, y in -1.0..1.0_f64, speed in 0.1..3.0_f64,
    ) {
        let unit = LambChaplygin::new([0.1, 0.2], 0.7, 1.0, 1.0).expect("valid dipole");
        let scaled = LambChaplygin { speed, ..unit };
        let p = [x, y];
        prop_assert!((scaled.vorticity(p) - speed * unit.vorticity(p)).abs() < 1e-13 * speed * 50.0);
        let [u, v] = scaled.velocity(p);
        let [u1, v1] = unit.velocity(p);
        prop_assert!((u - speed * u1).abs() < 1e-14 * speed * 10.0);
        prop_assert!((v - speed * v1).abs() < 1e-14 * speed * 10.0);
    }
}
