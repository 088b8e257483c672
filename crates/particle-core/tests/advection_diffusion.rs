//! The 1D periodic advection–diffusion model: pure advection is an exact
//! translation, the segment splitting equals an independent step-by-step
//! loop (advect, rebuild, diffuse), total strength is conserved with and
//! without remeshing, thresholding at initialisation, refused input. Its
//! accuracy against the heat kernel is tested in `validation`.

use std::f64::consts::PI;

use particle_core::advection_diffusion::AdvectionDiffusion1d;
use particle_core::kernels::Width;
use particle_core::pse::diffuse;
use particle_core::{Domain, Error, ParticleSet};

const L: f64 = 2.0 * PI;

fn bump(x: f64) -> f64 {
    (-(x - 1.0).powi(2) / 0.3).exp()
}

fn model(n: usize, dt: f64) -> (AdvectionDiffusion1d, ParticleSet<1>) {
    let dp = L / n as f64;
    let m = AdvectionDiffusion1d::new(L, Width::new(1.3 * dp).unwrap(), dt).unwrap();
    let set = m.initial_particles(dp, 0.0, bump).unwrap();
    (m, set)
}

#[test]
fn without_diffusion_the_model_translates_exactly() {
    let (m, set) = model(100, 0.01);
    let out = m.forecast(&set, 1.7, 0.0, 3.0).unwrap();
    assert_eq!(out.strengths(), set.strengths());
    for (a, b) in set.coords(0).iter().zip(out.coords(0)) {
        let moved = (a + 1.7 * 3.0).rem_euclid(L);
        assert!((moved - b).abs() < 1e-12, "{a} -> {b}");
    }
}

/// The model diffuses on the configuration at the start of a segment and
/// translates at its end; a loop that advects and diffuses in turn, with a
/// fresh cell list every step, must agree to rounding.
#[test]
fn segment_splitting_equals_step_by_step_splitting() {
    let (m, set) = model(100, 0.02);
    let (v, d, horizon) = (0.9, 0.05, 1.0);
    let out = m.forecast(&set, v, d, horizon).unwrap();

    let steps = (horizon / m.dt()).ceil() as usize;
    let dt = horizon / steps as f64;
    let domain = Domain::periodic(L).unwrap();
    let mut reference = set.clone();
    for _ in 0..steps {
        let moved: Vec<f64> = reference
            .coords(0)
            .iter()
            .map(|x| (x + v * dt).rem_euclid(L))
            .collect();
        reference.set_positions([moved]).unwrap();
        diffuse(domain, &mut reference, m.eps(), 1e-12, d, dt).unwrap();
    }
    let scale = set.strengths().iter().fold(0.0_f64, |a, u| a.max(u.abs()));
    for p in 0..set.len() {
        assert!((out.strengths()[p] - reference.strengths()[p]).abs() < 1e-12 * scale);
        assert!((out.coords(0)[p] - reference.coords(0)[p]).abs() < 1e-9);
    }
}

#[test]
fn total_strength_is_conserved_with_and_without_remeshing() {
    let (m, set) = model(100, 0.02);
    let total = set.total_strength();
    let plain = m.forecast(&set, 1.0, 0.05, 2.0).unwrap();
    assert!((plain.total_strength() - total).abs() < 1e-12 * total);
    let remeshing = m.clone().with_remeshing(L / 100.0, 7, 0.0).unwrap();
    let remeshed = remeshing.forecast(&set, 1.0, 0.05, 1.4).unwrap();
    assert!((remeshed.total_strength() - total).abs() < 1e-12 * total);
    // 70 steps, a remeshing after the last: the particles sit on the fresh
    // lattice (k + 1/2) d_p.
    let dp = L / 100.0;
    for x in remeshed.coords(0) {
        let k = x / dp - 0.5;
        assert!((k - k.round()).abs() < 1e-9);
    }
}

#[test]
fn eps_cut_restricts_the_initial_support() {
    let dp = L / 100.0;
    let m = AdvectionDiffusion1d::new(L, Width::new(1.3 * dp).unwrap(), 0.01).unwrap();
    let all = m.initial_particles(dp, 0.0, bump).unwrap();
    let cut = m.initial_particles(dp, 1e-3, bump).unwrap();
    assert_eq!(all.len(), 100);
    // |x - 1| < sqrt(0.3 ln 1000) = 1.4396 on [0, 2 pi): x < 2.4396, i.e.
    // (i + 1/2) d_p < 2.4396 for i = 0..=38.
    assert_eq!(cut.len(), 39);
}

#[test]
fn bad_input_is_refused() {
    let eps = Width::new(0.1).unwrap();
    assert!(matches!(
        AdvectionDiffusion1d::new(L, eps, 0.0),
        Err(Error::NotPositive { .. })
    ));
    assert!(matches!(
        AdvectionDiffusion1d::new(-1.0, eps, 0.1),
        Err(Error::NotPositive { .. })
    ));
    let (m, set) = model(100, 0.02);
    assert!(matches!(
        m.forecast(&set, f64::NAN, 0.05, 1.0),
        Err(Error::NotFinite { .. })
    ));
    assert!(matches!(
        m.forecast(&set, 1.0, -0.05, 1.0),
        Err(Error::Negative { .. })
    ));
    assert!(matches!(
        m.forecast(&set, 1.0, 0.05, -1.0),
        Err(Error::Negative { .. })
    ));
    // dt far above the PSE bound eps^2 / (2.26 D) = 0.0029 for D = 1.
    assert!(matches!(
        m.forecast(&set, 1.0, 1.0, 1.0),
        Err(Error::PseUnstable { .. })
    ));
    assert_eq!(m.forecast(&set, 1.0, 0.05, 0.0).unwrap(), set);
    assert!(matches!(
        m.clone().with_remeshing(L / 100.0, 0, 0.0),
        Err(Error::NotPositive { .. })
    ));
    assert!(matches!(
        m.clone().with_remeshing(0.3, 1, 0.0),
        Err(Error::GridDoesNotTile { .. })
    ));
    assert!(matches!(
        m.initial_particles(0.3, 0.0, bump),
        Err(Error::GridDoesNotTile { .. })
    ));
    assert!(matches!(
        m.initial_particles(L / 100.0, -1.0, bump),
        Err(Error::Negative { .. })
    ));
    assert!(matches!(
        m.clone().with_tolerance(0.0),
        Err(Error::InvalidTolerance { .. })
    ));
}
