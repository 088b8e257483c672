//! The scalar moment system, paper 1 eq. (16)–(17), against independent
//! truths: central finite differences of the right-hand side for the
//! Jacobian, a classical RK4 integration (written here) for the closed-form
//! solution, the Riccati equation on the nullcline `m = y/G`, and the
//! eigenvalues of matrices with known spectra.

use kinetic_enkf::scalar_moments::{Classification, classify, eigenvalues_2x2};
use kinetic_enkf::{Error, ScalarMoments};
use proptest::prelude::*;

fn rk4(sys: &ScalarMoments, mut x: [f64; 2], t: f64, steps: usize) -> [f64; 2] {
    let h = t / steps as f64;
    let f = |x: [f64; 2]| sys.rhs(x[0], x[1]);
    let add = |a: [f64; 2], b: [f64; 2], s: f64| [a[0] + s * b[0], a[1] + s * b[1]];
    for _ in 0..steps {
        let k1 = f(x);
        let k2 = f(add(x, k1, h / 2.0));
        let k3 = f(add(x, k2, h / 2.0));
        let k4 = f(add(x, k3, h));
        for i in 0..2 {
            x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    x
}

proptest! {
    #[test]
    fn jacobian_matches_finite_differences(
        y in -3.0..3.0f64, g in 0.2..2.0f64, m in -2.0..2.0f64, e in -1.0..5.0f64,
    ) {
        let sys = ScalarMoments::new(y, g).unwrap();
        let j = sys.jacobian(m, e);
        let h = 1e-5;
        for (col, (dm, de)) in [(h, 0.0), (0.0, h)].into_iter().enumerate() {
            let p = sys.rhs(m + dm, e + de);
            let q = sys.rhs(m - dm, e - de);
            for row in 0..2 {
                let fd = (p[row] - q[row]) / (2.0 * h);
                let scale = 1.0 + j[row][col].abs();
                prop_assert!((fd - j[row][col]).abs() < 1e-7 * scale * 100.0,
                    "J[{row}][{col}] = {} vs {fd}", j[row][col]);
            }
        }
    }

    /// Every point of the parabola is a fixed point with a nilpotent
    /// Jacobian (trace and determinant zero).
    #[test]
    fn the_parabola_is_made_of_non_hyperbolic_fixed_points(
        y in -3.0..3.0f64, g in 0.2..2.0f64, k in -3.0..3.0f64,
    ) {
        let sys = ScalarMoments::new(y, g).unwrap();
        prop_assert!(sys.is_fixed_point(k, k * k, 1e-14));
        let j = sys.jacobian(k, k * k);
        let scale = 1.0 + j.iter().flatten().fold(0.0_f64, |a, x| a.max(x.abs()));
        prop_assert!((j[0][0] + j[1][1]).abs() < 1e-12 * scale * scale);
        prop_assert!((j[0][0] * j[1][1] - j[0][1] * j[1][0]).abs() < 1e-12 * scale * scale);
        prop_assert_eq!(classify(j, 1e-6 * scale), Classification::NonHyperbolic);
    }
}

/// The closed form against RK4 from admissible and inadmissible starts
/// (the latter before its blow-up).
#[test]
fn closed_form_matches_rk4() {
    let sys = ScalarMoments::new(2.0, 1.0).unwrap();
    for (m0, e0, t) in [
        (0.5, 1.5, 3.0),
        (2.5, 7.0, 10.0),
        (-1.0, 4.0, 2.0),
        (2.0, 3.9, 0.5),
        (1.0, 0.8, 1.0),
    ] {
        if let Some(tb) = sys.blow_up_time(m0, e0) {
            assert!(t < tb);
        }
        let exact = sys.exact(m0, e0, t).unwrap();
        let numeric = rk4(&sys, [m0, e0], t, 20_000);
        for i in 0..2 {
            assert!(
                (exact[i] - numeric[i]).abs() < 1e-9 * (1.0 + exact[i].abs()),
                "start ({m0}, {e0}), t = {t}: {exact:?} vs {numeric:?}"
            );
        }
    }
}

/// On `m = y/G` the equation for `E` is the Riccati equation
/// `dE/dt = -2 G^2 E^2 + 4 y^2 E - 2 y^4 / G^2` with solution
/// `E = y^2/G^2 + 1 / (2 G^2 (C + t))`, `C = 1 / (2 G^2 (E0 - y^2/G^2))`.
#[test]
fn the_nullcline_solution_is_the_corrected_riccati_one() {
    let (y, g) = (2.0, 1.5);
    let sys = ScalarMoments::new(y, g).unwrap();
    let m = y / g;
    for e in [0.5, 2.0, 4.0] {
        let riccati = -2.0 * g * g * e * e + 4.0 * y * y * e - 2.0 * y.powi(4) / (g * g);
        assert!((sys.rhs(m, e)[1] - riccati).abs() < 1e-12 * (1.0 + riccati.abs()));
        assert_eq!(sys.rhs(m, e)[0], 0.0);
    }
    let e0 = 3.0;
    let c = 1.0 / (2.0 * g * g * (e0 - m * m));
    for t in [0.0, 0.3, 2.0] {
        let [mt, et] = sys.exact(m, e0, t).unwrap();
        assert!((mt - m).abs() < 1e-15);
        let want = m * m + 1.0 / (2.0 * g * g * (c + t));
        assert!((et - want).abs() < 1e-12, "{et} vs {want}");
    }
}

#[test]
fn blow_up_is_reported_with_its_time() {
    let sys = ScalarMoments::new(2.0, 1.0).unwrap();
    // V0 = 3.0 - 4.0 = -1: t* = 1 / 2.
    assert_eq!(sys.blow_up_time(2.0, 3.0), Some(0.5));
    assert_eq!(
        sys.exact(2.0, 3.0, 0.5).unwrap_err(),
        Error::BlowUp { time: 0.5 }
    );
    assert!(sys.exact(2.0, 3.0, 0.49).is_ok());
    assert_eq!(sys.blow_up_time(2.0, 5.0), None);
    assert!(ScalarMoments::new(1.0, 0.0).is_err());
    assert!(ScalarMoments::new(f64::NAN, 1.0).is_err());
    assert!(sys.exact(0.0, 1.0, -1.0).is_err());
}

#[test]
fn eigenvalues_and_classification_of_known_matrices() {
    assert_eq!(
        eigenvalues_2x2([[-1.0, 0.0], [0.0, -3.0]]),
        [(-3.0, 0.0), (-1.0, 0.0)]
    );
    assert_eq!(
        classify([[-1.0, 0.0], [0.0, -3.0]], 1e-12),
        Classification::StableNode
    );
    assert_eq!(
        classify([[1.0, 0.0], [0.0, 3.0]], 1e-12),
        Classification::UnstableNode
    );
    assert_eq!(
        classify([[1.0, 0.0], [0.0, -3.0]], 1e-12),
        Classification::Saddle
    );
    // Rotation-dilation: eigenvalues a ± i b.
    let [(re, im), _] = eigenvalues_2x2([[-0.5, -2.0], [2.0, -0.5]]);
    assert_eq!((re, im.abs()), (-0.5, 2.0));
    assert_eq!(
        classify([[-0.5, -2.0], [2.0, -0.5]], 1e-12),
        Classification::StableFocus
    );
    assert_eq!(
        classify([[0.5, -2.0], [2.0, 0.5]], 1e-12),
        Classification::UnstableFocus
    );
    assert_eq!(
        classify([[0.0, -2.0], [2.0, 0.0]], 1e-12),
        Classification::Centre
    );
    assert_eq!(
        classify([[0.0, 1.0], [0.0, 0.0]], 1e-12),
        Classification::NonHyperbolic
    );
}
