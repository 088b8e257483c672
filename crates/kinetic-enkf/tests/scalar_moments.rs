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

#[test]
fn the_phase_plane_vanishes_at_fixed_points_and_on_the_nullclines() {
    use kinetic_enkf::scalar_moments::phase_field;
    // Figure 1: (y, G) = (2, 1) on [-1, 4] x [-1, 8].
    let s = ScalarMoments::new(2.0, 1.0).unwrap();
    let field = s.vector_field([-1.0, 4.0], [-1.0, 8.0], 11, 19).unwrap();
    assert_eq!(field.len(), 11 * 19);
    assert_eq!((field[0].m, field[0].e, field[1].m), (-1.0, -1.0, -0.5));
    for p in &field {
        assert_eq!([p.dm, p.de], s.rhs(p.m, p.e));
        if s.is_fixed_point(p.m, p.e, 1e-12) {
            assert_eq!((p.dm, p.de), (0.0, 0.0), "{p:?}");
        }
    }
    for f in s.named_fixed_points() {
        let p = field.iter().find(|p| p.m == f[0] && p.e == f[1]).unwrap();
        assert_eq!((p.dm, p.de), (0.0, 0.0));
    }
    for (y, g) in [(2.0, 1.0), (-1.0, 0.5), (0.7, -1.3)] {
        let s = ScalarMoments::new(y, g).unwrap();
        let n = s.nullclines([-3.0, 3.0], [-1.0, 9.0], 101).unwrap();
        assert!(
            n.mean_steady.len() > 50 && n.second_moment_steady.len() > 10 && n.parabola.len() > 50
        );
        let scale = |m: f64, e: f64| 1e-12 * (1.0 + m.abs() + e.abs()).powi(3);
        for &[m, e] in &n.mean_steady {
            assert!(s.rhs(m, e)[0].abs() <= scale(m, e), "dm/dt at ({m}, {e})");
        }
        for &[m, e] in &n.second_moment_steady {
            assert!(s.rhs(m, e)[1].abs() <= scale(m, e), "dE/dt at ({m}, {e})");
        }
        for &[m, e] in &n.parabola {
            let [a, b] = s.rhs(m, e);
            assert!(a.abs() <= scale(m, e) && b.abs() <= scale(m, e));
            assert!((-3.0..=3.0).contains(&m) && (-1.0..=9.0).contains(&e));
        }
    }
    // Any planar field, bad windows refused.
    let rot = phase_field(|m, e| [-e, m], [0.0, 1.0], [0.0, 1.0], 2, 2).unwrap();
    assert_eq!(
        rot[3],
        kinetic_enkf::scalar_moments::PhaseVector {
            m: 1.0,
            e: 1.0,
            dm: -1.0,
            de: 1.0
        }
    );
    assert!(matches!(
        s_err(s_field([1.0, 0.0])),
        Error::InvalidParameter { .. }
    ));
    assert!(matches!(
        s_err(
            ScalarMoments::new(2.0, 1.0)
                .unwrap()
                .vector_field([0.0, 1.0], [0.0, 1.0], 1, 5)
        ),
        Error::InvalidParameter { .. }
    ));
    assert!(matches!(
        s_err(
            ScalarMoments::new(2.0, 1.0)
                .unwrap()
                .nullclines([0.0, f64::NAN], [0.0, 1.0], 5)
                .map(|_| ())
        ),
        Error::InvalidParameter { .. }
    ));
}

fn s_field(
    m_range: [f64; 2],
) -> kinetic_enkf::Result<Vec<kinetic_enkf::scalar_moments::PhaseVector>> {
    ScalarMoments::new(2.0, 1.0)
        .unwrap()
        .vector_field(m_range, [0.0, 1.0], 3, 3)
}

fn s_err<T>(r: kinetic_enkf::Result<T>) -> Error {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}
