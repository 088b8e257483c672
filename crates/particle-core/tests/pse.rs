//! PSE diffusion: conservation of the total strength for arbitrary particle
//! sets, antisymmetry of the exchange, agreement with an all-pairs image sum,
//! the closed-form PSE symbol on a lattice (`4 eps^-2 (exp(-k^2 eps^2 / 4) - 1)`
//! for `cos(k x)`), the stability bound, walls as sinks, thread-count
//! independence, and refused input.

mod common;

use common::{axes_of, naive_images, width};
use std::f64::consts::PI;

use particle_core::kernels::{Width, gaussian_1d};
use particle_core::pse::{PseOperator, SINGLE_PRECISION_TOLERANCE, diffuse, exchange};
use particle_core::{Axis, Domain, Error, ParticleSet};
use proptest::prelude::*;

/// All pairs and images, no cut-off: the rates, the scale
/// `sum_q |exchange|` of each, and the moduli of its products
/// `sum_q (V_p |U_q| + V_q |U_p|) eta` (what the sums `a_p`, `b_p` round
/// against).
fn naive_rates(axes: [Axis; 2], set: &ParticleSet<2>, eps: Width, nu: f64) -> [Vec<f64>; 3] {
    let (u, v) = (set.strengths(), set.volumes());
    let mut rates = vec![0.0; set.len()];
    let mut scale = vec![0.0; set.len()];
    let mut products = vec![0.0; set.len()];
    for p in 0..set.len() {
        let xp = set.position(p);
        for q in 0..set.len() {
            let xq = set.position(q);
            for (y0, s0) in naive_images(axes[0], xq[0]) {
                for (y1, s1) in naive_images(axes[1], xq[1]) {
                    let eta = 4.0 * gaussian_1d(xp[0] - y0, eps) * gaussian_1d(xp[1] - y1, eps);
                    let e = exchange(v[p], u[p], v[q], s0 * s1 * u[q], eta);
                    rates[p] += e;
                    scale[p] += e.abs();
                    products[p] += (v[p] * u[q].abs() + v[q] * u[p].abs()) * eta;
                }
            }
        }
        let f = nu / (eps.get() * eps.get());
        rates[p] *= f;
        scale[p] *= f;
        products[p] *= f;
    }
    [rates, scale, products]
}

prop_compose! {
    fn particles()(n in 2usize..40)
        (xs in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, -1.0..1.0f64, 0.5..2.0f64), n))
        -> ParticleSet<2>
    {
        ParticleSet::new(
            [xs.iter().map(|t| t.0).collect(), xs.iter().map(|t| t.1).collect()],
            xs.iter().map(|t| t.2).collect(),
            xs.iter().map(|t| t.3 * 1e-3).collect(),
        ).unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn exchange_is_antisymmetric(
        vp in 1e-6..1.0f64, up in -1e3..1e3f64, vq in 1e-6..1.0f64, uq in -1e3..1e3f64, eta in 0.0..1e4f64,
    ) {
        prop_assert_eq!(exchange(vp, up, vq, uq, eta), -exchange(vq, uq, vp, up, eta));
    }

    /// Free space and periodic axes: the rates sum to zero, and a step keeps
    /// the total strength, to rounding.
    #[test]
    fn total_strength_is_conserved(set in particles(), periodic in any::<bool>(), eps in 0.03..0.09f64) {
        let domain = if periodic { Domain::periodic(1.0).unwrap() } else { Domain::free() };
        let axes = *domain.axes();
        let mut op = PseOperator::for_particles(domain, &set, width(eps), 1e-13).unwrap();
        let rates = op.rates(set.strengths(), 0.1).unwrap();
        let [_, scale, _] = naive_rates(axes, &set, width(eps), 0.1);
        let total_scale: f64 = scale.iter().sum();
        let sum: f64 = rates.iter().sum();
        prop_assert!(sum.abs() <= 1e-12 * total_scale + 1e-300, "{sum} vs scale {total_scale}");

        let mut stepped = set.clone();
        let dt = op.stability_bound(0.1).unwrap().min(1.0); // infinite for isolated particles
        op.step(stepped.strengths_mut(), 0.1, dt).unwrap();
        let before = set.total_strength();
        let after = stepped.total_strength();
        prop_assert!((after - before).abs() <= 1e-12 * (dt * total_scale + before.abs()) + 1e-300);
    }

    /// The cell-list rates equal the all-pairs image sum within the cut-off
    /// error, for every boundary type.
    #[test]
    fn rates_match_all_pairs(set in particles(), kind in 0u8..4, eps in 0.03..0.09f64) {
        let axes = axes_of(kind);
        let mut op = PseOperator::for_particles(Domain::new(axes).unwrap(), &set, width(eps), 1e-14).unwrap();
        let got = op.rates(set.strengths(), 0.7).unwrap();
        let [want, scale, _] = naive_rates(axes, &set, width(eps), 0.7);
        let volumes: f64 = set.volumes().iter().sum();
        let strengths: f64 = set.strengths().iter().map(|u| u.abs()).sum();
        for p in 0..set.len() {
            // Each left-out exchange is below 1e-14 eta_eps(0) (V_p |U_q| + V_q |U_p|).
            let cut = 9.0 * 1e-14 * 4.0 / (PI * eps * eps) * 0.7 / (eps * eps)
                * (set.volumes()[p] * strengths + volumes * set.strengths()[p].abs());
            prop_assert!((got[p] - want[p]).abs() <= cut + 1e-12 * scale[p],
                "{axes:?} particle {p}: {} vs {}", got[p], want[p]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// From `SINGLE_PRECISION_TOLERANCE` on the pair sums are `f32`: the
    /// rates equal the all-pairs image sum within the cut-off error plus
    /// `1e-5` of the moduli of their products (the Gaussians' rounding, up
    /// to `5e-6` of each, and the sums' `2^-24` per term, at most 40 terms
    /// here: `2.4e-6`), and in free space and on periodic axes they sum to
    /// zero within `1e-5` of all the products.
    #[test]
    fn single_precision_rates_match_all_pairs_and_conserve_strength(
        set in particles(), kind in 0u8..4, eps in 0.03..0.09f64,
    ) {
        let tol = SINGLE_PRECISION_TOLERANCE;
        let axes = axes_of(kind);
        let mut op = PseOperator::for_particles(Domain::new(axes).unwrap(), &set, width(eps), tol).unwrap();
        let got = op.rates(set.strengths(), 0.7).unwrap();
        let [want, _, products] = naive_rates(axes, &set, width(eps), 0.7);
        let volumes: f64 = set.volumes().iter().sum();
        let strengths: f64 = set.strengths().iter().map(|u| u.abs()).sum();
        for p in 0..set.len() {
            let cut = 9.0 * tol * 4.0 / (PI * eps * eps) * 0.7 / (eps * eps)
                * (set.volumes()[p] * strengths + volumes * set.strengths()[p].abs());
            prop_assert!((got[p] - want[p]).abs() <= cut + 1e-5 * products[p],
                "{axes:?} particle {p}: {} vs {}", got[p], want[p]);
        }
        if !axes.iter().any(|a| matches!(a, Axis::Walls { .. })) {
            let sum: f64 = got.iter().sum();
            let all: f64 = products.iter().sum();
            prop_assert!(sum.abs() <= 1e-5 * all + 1e-300, "{sum} vs {all}");
        }
    }
}

/// On a periodic lattice the PSE operator applied to `cos(k x)` is
/// `4 nu eps^-2 (exp(-k^2 eps^2 / 4) - 1) cos(k x)` per unit volume (the
/// Gaussian's characteristic function), up to lattice aliasing
/// `~ exp(-(pi eps / d)^2)`, negligible for `eps = 2 d`. As `eps -> 0` this
/// is `-nu k^2 cos(k x) (1 - k^2 eps^2 / 8 + ...)`: second order.
#[test]
fn the_pse_symbol_is_the_gaussian_one() {
    let n = 128;
    let d = 2.0 * PI / n as f64;
    let eps = 2.0 * d;
    let nu = 0.05;
    for k in [1.0, 3.0, 10.0] {
        let set = ParticleSet::<1>::lattice([0.0], [n], d, -1.0, |x| (k * x[0]).cos()).unwrap();
        let mut op = PseOperator::for_particles(
            Domain::periodic(2.0 * PI).unwrap(),
            &set,
            width(eps),
            1e-15,
        )
        .unwrap();
        let rates = op.rates(set.strengths(), nu).unwrap();
        let symbol = 4.0 * nu / (eps * eps) * ((-k * k * eps * eps / 4.0).exp() - 1.0);
        for (x, r) in set.coords(0).iter().zip(&rates) {
            let want = symbol * (k * x).cos();
            assert!(
                (r / d - want).abs() < 1e-9 * symbol.abs(),
                "k {k} at {x}: {} vs {want}",
                r / d
            );
        }
    }
}

/// On a lattice `max_p S_p = nu eps^-2 sum_{q != p} d eta_eps(x_q - x_p)
/// = 4 nu eps^-2 (1 - d / (sqrt(pi) eps))` (aliasing negligible at
/// `eps = 2 d`); a step above `1 / S` is refused, a step at it keeps
/// `max |U / V|`.
#[test]
fn the_stability_bound_is_the_lattice_one_and_is_enforced() {
    let n = 64;
    let d = 1.0 / n as f64;
    let eps = 2.0 * d;
    let nu = 0.3;
    let mut uniform = common::uniform(12345);
    let mut rnd = move || uniform() - 0.5;
    let values: Vec<f64> = (0..n).map(|_| rnd()).collect();
    let mut set =
        ParticleSet::<1>::lattice([0.0], [n], d, -1.0, |x| values[(x[0] / d).floor() as usize])
            .unwrap();
    let domain = Domain::periodic(1.0).unwrap();
    let mut op = PseOperator::for_particles(domain, &set, width(eps), 1e-15).unwrap();
    let bound = op.stability_bound(nu).unwrap();
    let want = eps * eps / (4.0 * nu * (1.0 - d / (PI.sqrt() * eps)));
    assert!((bound - want).abs() < 1e-9 * want, "{bound} vs {want}");

    let before = set.strengths().to_vec();
    let err = op.step(set.strengths_mut(), nu, 1.01 * bound).unwrap_err();
    assert_eq!(
        err,
        Error::PseUnstable {
            dt: 1.01 * bound,
            bound
        }
    );
    assert_eq!(set.strengths(), &before[..], "unchanged on error");

    let max = |u: &[f64]| u.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    for _ in 0..50 {
        let m0 = max(set.strengths());
        op.step(set.strengths_mut(), nu, bound).unwrap();
        assert!(max(set.strengths()) <= m0 * (1.0 + 1e-14));
    }
    assert!(op.stability_bound(0.0).unwrap().is_infinite());
}

/// Stress-free walls are `u = 0`: positive strength diffuses out, and the
/// closer to the wall, the faster.
#[test]
fn walls_absorb() {
    let domain = Domain::<2>::walls(1.0).unwrap();
    let near = ParticleSet::<2>::lattice([0.0, 0.0], [4, 4], 0.025, -1.0, |_| 1.0).unwrap();
    let far = ParticleSet::<2>::lattice([0.45, 0.45], [4, 4], 0.025, -1.0, |_| 1.0).unwrap();
    let loss = |set: &ParticleSet<2>| {
        let mut op = PseOperator::for_particles(domain, set, width(0.05), 1e-12).unwrap();
        -op.rates(set.strengths(), 1.0).unwrap().iter().sum::<f64>()
    };
    assert!(loss(&near) > 0.0);
    assert!(loss(&far).abs() < 1e-12 * loss(&near));
}

#[test]
fn rates_are_the_same_for_any_thread_count() {
    let set = ParticleSet::<2>::lattice([0.0, 0.0], [100, 100], 0.01, -1.0, |x| {
        (7.0 * x[0]).sin() * (3.0 * x[1]).cos()
    })
    .unwrap();
    let mut op =
        PseOperator::for_particles(Domain::periodic(1.0).unwrap(), &set, width(0.013), 1e-12)
            .unwrap();
    let mut run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| op.rates(set.strengths(), 0.01).unwrap())
    };
    let bits = |r: Vec<f64>| r.into_iter().map(f64::to_bits).collect::<Vec<_>>();
    assert_eq!(bits(run(1)), bits(run(2)));
}

#[test]
fn bad_input_is_refused_and_zero_viscosity_is_a_no_op() {
    let mut set = ParticleSet::<1>::new([vec![0.0, 0.1]], vec![1.0, 0.0], vec![0.1, 0.1]).unwrap();
    let domain = Domain::<1>::free();
    let eps = width(0.1);
    assert!(matches!(
        diffuse(domain, &mut set, eps, 1e-12, -0.1, 0.01),
        Err(Error::Negative {
            name: "viscosity",
            ..
        })
    ));
    assert!(matches!(
        diffuse(domain, &mut set, eps, 1e-12, 0.1, 0.0),
        Err(Error::NotPositive {
            name: "time step dt",
            ..
        })
    ));
    assert!(matches!(
        diffuse(domain, &mut set, eps, 1e-12, 0.1, f64::NAN),
        Err(Error::NotPositive { .. })
    ));
    diffuse(domain, &mut set, eps, 1e-12, 0.0, 1e9).unwrap();
    assert_eq!(set.strengths(), &[1.0, 0.0]);
    let mut op = PseOperator::for_particles(domain, &set, eps, 1e-12).unwrap();
    assert!(matches!(
        op.rates(&[1.0], 0.1),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        op.rates(&[1.0, f64::INFINITY], 0.1),
        Err(Error::NonFiniteParticle { index: 1, .. })
    ));
    assert!(matches!(
        PseOperator::new(domain, &[vec![0.0, 0.1]], &[0.1, -0.1], eps, 1e-12),
        Err(Error::NonPositiveVolume { index: 1, .. })
    ));
    assert!(matches!(
        PseOperator::new(domain, &[vec![0.0, 0.1]], &[0.1], eps, 1e-12),
        Err(Error::LengthMismatch { .. })
    ));
}

/// Thousands of particles over many cells and chunks, in a walled box
/// (odd images, corner images, particles on the walls): the rates equal
/// the all-pairs image sum, the stability bound its naive maximum, a
/// re-used operator the fresh one bit for bit, and 1 or 2 threads the same
/// bits.
#[test]
fn many_particles_in_a_walled_box_match_all_pairs() {
    let mut rnd = common::uniform(99);
    let n = 5000;
    let mut xs: Vec<f64> = (0..n).map(|_| rnd()).collect();
    let mut ys: Vec<f64> = (0..n).map(|_| rnd()).collect();
    // Some particles exactly on the walls and in a corner.
    xs[0] = 0.0;
    ys[0] = 0.0;
    xs[1] = 1.0;
    ys[2] = 1.0;
    let strengths: Vec<f64> = (0..n).map(|_| rnd() - 0.3).collect();
    let volumes: Vec<f64> = (0..n).map(|_| (0.5 + rnd()) / n as f64).collect();
    let set = ParticleSet::new([xs, ys], strengths, volumes).unwrap();
    let domain = Domain::<2>::walls(1.0).unwrap();
    let (eps, nu, tol) = (0.01, 0.3, 1e-10);

    // Naive: every particle against every particle and its images
    // `x, -x, 2 - x` per axis (farther ones lie beyond the cut-off); the
    // stiffness counts an odd self-image twice and an even one not at all.
    let peak = 4.0 / (PI * eps * eps);
    let (u, v) = (set.strengths(), set.volumes());
    let images = |x: f64| [(x, 1.0), (-x, -1.0), (2.0 - x, -1.0)];
    let mut want = vec![0.0; n];
    let mut max_s = 0.0_f64;
    for p in 0..n {
        let xp = set.position(p);
        let mut s_p = 0.0;
        for q in 0..n {
            let xq = set.position(q);
            for (i, (y0, s0)) in images(xq[0]).into_iter().enumerate() {
                for (j, (y1, s1)) in images(xq[1]).into_iter().enumerate() {
                    let d2 = (xp[0] - y0).powi(2) + (xp[1] - y1).powi(2);
                    let eta = peak * (-d2 / (eps * eps)).exp();
                    want[p] += exchange(v[p], u[p], v[q], s0 * s1 * u[q], eta);
                    s_p += match (q == p, i == 0 && j == 0, s0 * s1 < 0.0) {
                        (true, true, _) | (true, false, false) => 0.0,
                        (true, false, true) => 2.0 * v[q] * eta,
                        (false, _, _) => v[q] * eta,
                    };
                }
            }
        }
        want[p] *= nu / (eps * eps);
        max_s = max_s.max(s_p);
    }
    let mut op = PseOperator::for_particles(domain, &set, width(eps), tol).unwrap();
    let got = op.rates(u, nu).unwrap();
    let total_u: f64 = u.iter().map(|x| x.abs()).sum();
    let total_v: f64 = v.iter().sum();
    for p in 0..n {
        // Each left-out exchange is below tol eta_eps(0) (V_p |U_q| + V_q |U_p|).
        let cut = 9.0 * tol * peak * nu / (eps * eps) * (v[p] * total_u + total_v * u[p].abs());
        assert!(
            (got[p] - want[p]).abs() <= cut + 1e-12 * want[p].abs(),
            "particle {p}: {} vs {}",
            got[p],
            want[p]
        );
    }
    let want_bound = eps * eps / (nu * max_s);
    let bound = op.stability_bound(nu).unwrap();
    assert!(
        (bound - want_bound).abs() <= 1e-6 * want_bound,
        "{bound} vs {want_bound}"
    );

    // A re-used operator after moving the particles equals a fresh one.
    let mut moved = set.clone();
    for x in moved.coords_mut().iter_mut().flatten() {
        *x = (*x * 0.9 + 0.05).clamp(0.0, 1.0);
    }
    op.set_particles(&moved).unwrap();
    let reused = op.rates(moved.strengths(), nu).unwrap();
    let fresh = PseOperator::for_particles(domain, &moved, width(eps), tol)
        .unwrap()
        .rates(moved.strengths(), nu)
        .unwrap();
    let bits = |r: &[f64]| r.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&reused), bits(&fresh));

    let mut threads = |count: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(count)
            .build()
            .unwrap()
            .install(|| op.rates(moved.strengths(), nu).unwrap())
    };
    assert_eq!(bits(&threads(1)), bits(&threads(2)));
}
