//! Field reconstruction eq. (3) and the strength constructions of paper 2,
//! Section 2.2.1, against independent truths: an all-pairs image sum
//! written out naively, the Poisson-summation value of a Gaussian lattice
//! sum, exact strengths recovered from their own field, and a dense ridge
//! solve by hand-written Gaussian elimination of the normal equations.

mod common;

use common::{axes_of, naive_images, width};
use std::f64::consts::PI;

use particle_core::kernels::{Width, gaussian_1d};
use particle_core::strengths::{self, BealeOptions, DENSE_LIMIT};
use particle_core::{Axis, Domain, Error, ParticleSet, Reconstruction};
use proptest::prelude::*;

/// All pairs, all images, no cut-off; the 2D Gaussian as a product of 1D ones.
fn naive_2d(axes: [Axis; 2], set: &ParticleSet<2>, eps: Width, x: [f64; 2]) -> f64 {
    let mut sum = 0.0;
    for p in 0..set.len() {
        let xp = set.position(p);
        for (y0, s0) in naive_images(axes[0], xp[0]) {
            for (y1, s1) in naive_images(axes[1], xp[1]) {
                sum += s0
                    * s1
                    * set.strengths()[p]
                    * gaussian_1d(x[0] - y0, eps)
                    * gaussian_1d(x[1] - y1, eps);
            }
        }
    }
    sum
}

prop_compose! {
    fn particles_2d()(n in 1usize..40)
        (xs in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, -1.0..1.0f64), n))
        -> ParticleSet<2>
    {
        let x0 = xs.iter().map(|t| t.0).collect();
        let x1 = xs.iter().map(|t| t.1).collect();
        let u = xs.iter().map(|t| t.2).collect();
        ParticleSet::new([x0, x1], u, vec![0.01; xs.len()]).unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The cell-list sum equals the all-pairs image sum within the stated
    /// truncation bound, for every boundary type.
    #[test]
    fn cell_list_equals_all_pairs_within_the_bound(
        set in particles_2d(),
        kind in 0u8..4,
        eps in 0.02..0.09f64,
        tol_exp in 3i32..13,
        points in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64), 1..10),
    ) {
        let axes = axes_of(kind);
        let domain = Domain::new(axes).unwrap();
        let tol = 10f64.powi(-tol_exp);
        let rec = Reconstruction::for_particles(domain, &set, width(eps), tol).unwrap();
        let points: Vec<[f64; 2]> = points.iter().map(|p| [p.0, p.1]).collect();
        let got = rec.values_at(set.strengths(), &points).unwrap();
        let bound = rec.error_bound(set.strengths());
        for (x, g) in points.iter().zip(&got) {
            let exact = naive_2d(axes, &set, width(eps), *x);
            prop_assert!((g - exact).abs() <= bound + 1e-13 * exact.abs().max(1.0),
                "{axes:?} at {x:?}: {g} vs {exact}, bound {bound}");
        }
    }
}

/// Thousands of particles over many cells in a walled box and points
/// anywhere in it (on the walls, in the corners, far from every particle):
/// the block sums equal the all-pairs image sum within the bound.
#[test]
fn many_particles_in_a_walled_box_equal_all_pairs_within_the_bound() {
    let mut rnd = common::uniform(3);
    let n = 2500;
    // Particles in the lower-left part only, so that some points are far
    // from all of them.
    let xs: Vec<f64> = (0..n).map(|_| 0.7 * rnd()).collect();
    let ys: Vec<f64> = (0..n).map(|_| 0.7 * rnd()).collect();
    let set = ParticleSet::new(
        [xs, ys],
        (0..n).map(|_| rnd() - 0.4).collect(),
        vec![1e-4; n],
    )
    .unwrap();
    let axes = [Axis::Walls { length: 1.0 }; 2];
    let (eps, tol) = (width(0.01), 1e-10);
    let rec = Reconstruction::for_particles(Domain::new(axes).unwrap(), &set, eps, tol).unwrap();
    let mut points: Vec<[f64; 2]> = (0..150).map(|_| [rnd(), rnd()]).collect();
    points.extend([
        [0.0, 0.0],
        [1.0, 1.0],
        [0.0, 0.5],
        [0.3, 0.0],
        [0.7, 0.7],
        [0.71, 0.3],
    ]);
    let got = rec.values_at(set.strengths(), &points).unwrap();
    let bound = rec.error_bound(set.strengths());
    for (x, g) in points.iter().zip(&got) {
        let exact = naive_2d(axes, &set, eps, *x);
        assert!(
            (g - exact).abs() <= bound + 1e-13 * exact.abs().max(1.0),
            "at {x:?}: {g} vs {exact}, bound {bound}"
        );
    }
    // At the particles themselves, too.
    let at = rec.values_at_particles(set.strengths()).unwrap();
    for p in (0..n).step_by(101) {
        let exact = naive_2d(axes, &set, eps, set.position(p));
        assert!((at[p] - exact).abs() <= bound + 1e-13 * exact.abs().max(1.0));
    }
}

/// Poisson summation: `sum_p d zeta_eps(x - p d) = 1 + 2 sum_k exp(-(pi k eps / d)^2)
/// cos(2 pi k x / d)`, so a lattice of unit density reconstructs 1 up to
/// `2 exp(-(pi eps / d)^2)`, in 1D on a periodic domain.
#[test]
fn a_constant_field_is_reconstructed_to_the_poisson_summation_error() {
    let d = 2.0 * PI / 100.0;
    let eps = 1.3 * d;
    let set = ParticleSet::<1>::lattice([0.0], [100], d, -1.0, |_| 1.0).unwrap();
    let domain = Domain::periodic(2.0 * PI).unwrap();
    let rec = Reconstruction::for_particles(domain, &set, width(eps), 1e-14).unwrap();
    let points: Vec<[f64; 1]> = (0..997).map(|i| [i as f64 * 2.0 * PI / 997.0]).collect();
    let u = rec.values_at(set.strengths(), &points).unwrap();
    let a = (PI * eps / d).powi(2);
    for (x, v) in points.iter().zip(&u) {
        // Leading alias term, lattice offset d/2.
        let alias = 2.0 * (-a).exp() * (2.0 * PI * (x[0] - d / 2.0) / d).cos();
        assert!((v - 1.0 - alias).abs() < 1e-12, "at {x:?}: {v}");
    }
}

#[test]
fn reconstruction_rejects_bad_input() {
    let set = ParticleSet::<2>::new([vec![0.5], vec![0.5]], vec![1.0], vec![0.1]).unwrap();
    let walls = Domain::<2>::walls(1.0).unwrap();
    let rec = Reconstruction::for_particles(walls, &set, width(0.1), 1e-10).unwrap();
    assert_eq!(
        rec.value_at(&[1.0, 2.0], [0.5, 0.5]).unwrap_err(),
        Error::LengthMismatch {
            what: "strengths",
            expected: 1,
            found: 2
        }
    );
    assert!(matches!(
        rec.value_at(&[1.0], [0.5, f64::NAN]),
        Err(Error::NonFinitePoint { axis: 1, .. })
    ));
    assert!(matches!(
        rec.values_at(&[1.0], &[[0.5, 0.5], [1.5, 0.5]]),
        Err(Error::PointOutsideDomain {
            index: 1,
            axis: 0,
            ..
        })
    ));
    assert_eq!(
        Reconstruction::for_particles(walls, &set, width(0.1), 1.0).unwrap_err(),
        Error::InvalidTolerance { value: 1.0 }
    );
}

/// 1D lattice of `n` particles on the `2 pi`-periodic line, the values of a
/// smooth field there, and its reconstruction with `eps = eps_over_dp d_p`.
fn periodic_lattice(
    n: usize,
    eps_over_dp: f64,
    tolerance: f64,
    field: impl Fn(f64) -> f64,
) -> (ParticleSet<1>, Vec<f64>, Reconstruction<1>) {
    let d = 2.0 * PI / n as f64;
    let set = ParticleSet::<1>::lattice([0.0], [n], d, -1.0, |x| field(x[0])).unwrap();
    let values = set.coords(0).iter().map(|&x| field(x)).collect();
    let domain = Domain::periodic(2.0 * PI).unwrap();
    let rec =
        Reconstruction::for_particles(domain, &set, width(eps_over_dp * d), tolerance).unwrap();
    (set, values, rec)
}

#[test]
fn direct_strengths_are_eq_4() {
    let u = strengths::direct(&[2.0, 3.0], &[0.5, 0.1]).unwrap();
    assert_eq!(u, vec![1.0, 0.30000000000000004]);
    assert!(matches!(
        strengths::direct(&[f64::NAN], &[1.0]),
        Err(Error::NonFiniteValue { index: 0, .. })
    ));
    assert!(matches!(
        strengths::direct(&[1.0], &[1.0, 1.0]),
        Err(Error::LengthMismatch { .. })
    ));
}

/// Beale's iteration makes the reconstruction interpolate the field at the
/// particles, which eq. (4) does not (it mollifies: `u * zeta_eps` loses
/// `eps^2 / 4` of "time" of the heat equation, a visible error for a
/// narrow bump).
#[test]
fn beale_interpolates_at_the_particles() {
    let field = |x: f64| (-((x - PI) / 0.4).powi(2)).exp();
    let (set, values, rec) = periodic_lattice(100, 1.3, 1e-14, field);
    let direct_err = max_abs_diff(&rec.values_at_particles(set.strengths()).unwrap(), &values);
    let options = BealeOptions::default();
    let sol = strengths::beale(&rec, &values, set.volumes(), options).unwrap();
    let fitted = rec.values_at_particles(&sol.strengths).unwrap();
    let err = max_abs_diff(&fitted, &values);
    assert!(err <= options.tolerance * 1.0 + 1e-15, "{err}");
    assert!(sol.residual <= options.tolerance && sol.iterations > 0);
    assert!(
        direct_err > 1e-3,
        "eq. (4) should not interpolate: {direct_err}"
    );
    // The total strength, int u, is kept by the correction to within the
    // smoothing error of the bump.
    let total: f64 = sol.strengths.iter().sum();
    assert!((total - 0.4 * PI.sqrt()).abs() < 1e-6, "{total}");
}

#[test]
fn beale_reports_non_convergence() {
    let (set, values, rec) = periodic_lattice(50, 2.0, 1e-12, |x| x.sin() + (7.0 * x).cos());
    let err = strengths::beale(
        &rec,
        &values,
        set.volumes(),
        BealeOptions {
            tolerance: 1e-12,
            max_iterations: 3,
        },
    )
    .unwrap_err();
    match err {
        Error::BealeNotConverged {
            iterations,
            residual,
            ..
        } => assert!(iterations == 3 && residual > 1e-12),
        other => panic!("unexpected {other}"),
    }
    // A zero field needs no iteration.
    let zeros = vec![0.0; 50];
    let sol = strengths::beale(&rec, &zeros, set.volumes(), BealeOptions::default()).unwrap();
    assert_eq!((sol.iterations, sol.residual), (0, 0.0));
}

/// Strengths are recovered from the exact field they produce.
#[test]
fn least_squares_recovers_known_strengths() {
    let n = 60;
    let d = 1.0 / n as f64;
    let truth: Vec<f64> = (0..n).map(|i| ((i * 37 % 11) as f64 - 5.0) / 5.0).collect();
    let positions: Vec<f64> = (0..n)
        .map(|i| (i as f64 + 0.5 + 0.3 * ((i * 7 % 5) as f64 / 5.0 - 0.5)) * d)
        .collect();
    let set = ParticleSet::<1>::new([positions], truth.clone(), vec![d; n]).unwrap();
    let rec = Reconstruction::for_particles(Domain::free(), &set, width(0.8 * d), 1e-15).unwrap();
    let values = rec.values_at_particles(&truth).unwrap();
    let u = strengths::least_squares(&rec, &values, 0.0).unwrap();
    let err = max_abs_diff(&u, &truth);
    assert!(err < 1e-9, "{err}");
}

/// Ridge against the normal equations `(Phi^T Phi + lambda I) U = Phi^T u`
/// solved by Gaussian elimination with partial pivoting (well conditioned
/// for this lambda), `Phi` built from the naive Gaussian.
#[test]
fn ridge_matches_the_normal_equations() {
    let n = 25;
    let xs: Vec<f64> = (0..n).map(|i| (i as f64 * 0.618_034).fract()).collect();
    let values: Vec<f64> = xs.iter().map(|x| (3.0 * x).sin()).collect();
    let set = ParticleSet::<1>::new([xs.clone()], vec![0.0; n], vec![1.0 / n as f64; n]).unwrap();
    let eps = width(0.1);
    let rec = Reconstruction::for_particles(Domain::free(), &set, eps, 1e-16).unwrap();
    let lambda = 1e-3;
    let got = strengths::least_squares(&rec, &values, lambda).unwrap();

    let phi: Vec<Vec<f64>> = xs
        .iter()
        .map(|xi| xs.iter().map(|xj| gaussian_1d(xi - xj, eps)).collect())
        .collect();
    let mut a = vec![vec![0.0; n + 1]; n];
    for i in 0..n {
        for j in 0..n {
            a[i][j] = (0..n).map(|k| phi[k][i] * phi[k][j]).sum::<f64>();
        }
        a[i][i] += lambda;
        a[i][n] = (0..n).map(|k| phi[k][i] * values[k]).sum::<f64>();
    }
    let expected = gauss_solve(a);
    let scale = expected.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    assert!(max_abs_diff(&got, &expected) < 1e-8 * scale);
}

#[test]
fn least_squares_refuses_singular_and_oversized_problems() {
    let set = ParticleSet::<1>::new([vec![0.3, 0.3]], vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    let rec = Reconstruction::for_particles(Domain::free(), &set, width(0.1), 1e-12).unwrap();
    assert!(matches!(
        strengths::least_squares(&rec, &[1.0, 1.0], 0.0),
        Err(Error::SingularKernelMatrix { .. })
    ));
    // The ridge regularises the duplicate particles: equal halves.
    let u = strengths::least_squares(&rec, &[1.0, 1.0], 1e-2).unwrap();
    assert!((u[0] - u[1]).abs() < 1e-12 && u[0] > 0.0);
    assert!(matches!(
        strengths::least_squares(&rec, &[1.0, 1.0], -1.0),
        Err(Error::Negative { .. })
    ));
    let n = DENSE_LIMIT + 1;
    let big = ParticleSet::<1>::new(
        [(0..n).map(|i| i as f64).collect()],
        vec![0.0; n],
        vec![1.0; n],
    )
    .unwrap();
    let rec = Reconstruction::for_particles(Domain::free(), &big, width(0.5), 1e-6).unwrap();
    assert_eq!(
        strengths::least_squares(&rec, &vec![0.0; n], 1.0).unwrap_err(),
        Error::TooManyForDense {
            n,
            limit: DENSE_LIMIT
        }
    );
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
}

/// Gaussian elimination with partial pivoting on an augmented matrix.
fn gauss_solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for c in 0..n {
        let piv = (c..n)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap();
        a.swap(c, piv);
        let pivot_row = a[c].clone();
        for row in a.iter_mut().skip(c + 1) {
            let f = row[c] / pivot_row[c];
            for (x, p) in row.iter_mut().zip(&pivot_row).skip(c) {
                *x -= f * p;
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
        x[r] = (a[r][n] - s) / a[r][r];
    }
    x
}
