//! The batch grid-to-particle step `VelocityField::sample_into` against
//! the point-by-point `VelocityField::at`: the same bits, for any number of
//! threads, and the same typed errors (paper 2, Section 2.2.2, eq. (7)).

use std::f64::consts::PI;

use vic_solver::{Boundary, Domain, Error, Grid, VelocityField, Vic, VicConfig};

/// Seed-free quasi-random points: the additive recurrence of the plastic
/// number, scaled to `[0, L]^2`.
fn points(n: usize, length: f64) -> (Vec<f64>, Vec<f64>) {
    let (a, b) = (0.754_877_666_246_692_7, 0.569_840_290_998_053_3);
    (0..n)
        .map(|i| {
            (
                (i as f64 * a).fract() * length,
                (i as f64 * b).fract() * length,
            )
        })
        .unzip()
}

#[test]
fn sample_into_is_at_point_by_point_for_any_thread_count() {
    for boundary in [Boundary::Periodic, Boundary::StressFreeWalls] {
        let domain = Domain::new(PI, boundary).unwrap();
        let grid = Grid::for_particle_spacing(domain, PI / 64.0).unwrap();
        let mut vic = Vic::new(grid, VicConfig::new(0.0, 0.01, PI / 32.0)).unwrap();
        let vortex = |x: [f64; 2]| (-((x[0] - 1.3).powi(2) + (x[1] - 1.9).powi(2)) / 0.2).exp();
        let particles = vic.particles_from_vorticity(vortex, 1e-6).unwrap();
        let field = vic.velocity_field(&particles).unwrap().clone();
        // Points on and next to the walls as well as inside.
        let (mut xs, mut ys) = points(5000, PI);
        let below_pi = f64::from_bits(PI.to_bits() - 1);
        xs[..4].copy_from_slice(&[0.0, PI, 1e-300, below_pi]);
        ys[4..8].copy_from_slice(&[0.0, PI, 1e-300, below_pi]);
        let run = |threads: usize| {
            let mut out = vec![[f64::NAN; 2]; xs.len()];
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| field.sample_into(&xs, &ys, &mut out).unwrap());
            out
        };
        let one = run(1);
        assert_eq!(one, run(2));
        for (p, v) in one.iter().enumerate() {
            let at = field.at([xs[p], ys[p]]).unwrap();
            assert_eq!(v.map(f64::to_bits), at.map(f64::to_bits), "point {p}");
        }
    }
}

#[test]
fn sample_into_refuses_bad_input() {
    let domain = Domain::new(1.0, Boundary::StressFreeWalls).unwrap();
    let grid = Grid::for_particle_spacing(domain, 1.0 / 16.0).unwrap();
    let field = VelocityField::zeros(&grid).unwrap();
    let mut out = vec![[0.0; 2]; 3000];
    let (xs, mut ys) = points(3000, 1.0);
    ys[2500] = f64::NAN;
    ys[2900] = f64::INFINITY;
    assert!(matches!(
        field.sample_into(&xs, &ys, &mut out),
        Err(Error::Particles(particle_core::Error::NonFinitePoint {
            index: 2500,
            axis: 1,
            ..
        }))
    ));
    // With walls, a point outside the box is refused by name (its field
    // is not stored beyond one node past the walls).
    let (mut xs_out, ys_in) = points(3000, 1.0);
    xs_out[100] = 1.5;
    xs_out[200] = -0.5;
    assert!(matches!(
        field.sample_into(&xs_out, &ys_in, &mut out),
        Err(Error::PointOutside { index: 100, .. })
    ));
    assert!(matches!(
        field.at([0.5, -0.01]),
        Err(Error::PointOutside { index: 0, .. })
    ));
    assert!(field.at([1.0, 0.0]).is_ok(), "the walls are in the box");
    assert!(matches!(
        field.sample_into(&xs[1..], &ys, &mut out),
        Err(Error::Particles(particle_core::Error::LengthMismatch {
            expected: 3000,
            found: 2999,
            ..
        }))
    ));
}
