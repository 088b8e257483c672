//! Remeshing, paper 2 eq. (6)–(9): conservation of the moments 0, 1, 2 by
//! the `M4'` projection and by the whole remeshing (free space and periodic,
//! for arbitrary particle sets), the odd symmetry of the wall grid, the
//! threshold, thread-count independence, and refused input.

use particle_core::remesh::{GridValues, RemeshGrid, project, remesh};
use particle_core::{Domain, Error, ParticleSet};
use proptest::prelude::*;

/// `sum_p U_p prod_a c(x_a)^{m_a}` with `c` the centring map of a periodic
/// axis of length `period` (identity when `None`).
fn moment<const D: usize>(
    xs: impl Iterator<Item = ([f64; D], f64)>,
    powers: [i32; D],
    period: Option<f64>,
) -> (f64, f64) {
    let centre = |x: f64| period.map_or(x, |l| x - l * (x / l).round());
    let mut sum = 0.0;
    let mut abs = 0.0;
    for (x, u) in xs {
        let mut w = u;
        for a in 0..D {
            w *= centre(x[a]).powi(powers[a]);
        }
        sum += w;
        abs += w.abs();
    }
    (sum, abs)
}

fn particle_moments<const D: usize>(
    set: &ParticleSet<D>,
    powers: [i32; D],
    period: Option<f64>,
) -> (f64, f64) {
    moment(
        (0..set.len()).map(|p| (set.position(p), set.strengths()[p])),
        powers,
        period,
    )
}

fn node_moments<const D: usize>(
    nodes: &GridValues<D>,
    powers: [i32; D],
    period: Option<f64>,
) -> (f64, f64) {
    let v = nodes.grid().spacing().powi(D as i32);
    moment(
        nodes
            .values()
            .iter()
            .enumerate()
            .map(|(i, u)| (nodes.grid().node_position(i), u * v)),
        powers,
        period,
    )
}

const POWERS_2D: [[i32; 2]; 6] = [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]];

fn check_2d(set: &ParticleSet<2>, grid: &RemeshGrid<2>, period: Option<f64>) {
    let nodes = project(set, grid).unwrap();
    let fresh = nodes.interpolate(0.0).unwrap();
    for powers in POWERS_2D {
        let (m, scale) = particle_moments(set, powers, period);
        let (g, _) = node_moments(&nodes, powers, period);
        let (r, _) = particle_moments(&fresh, powers, period);
        let tol = 1e-12 * scale.max(1e-300);
        assert!((g - m).abs() <= tol, "projection {powers:?}: {g} vs {m}");
        assert!((r - m).abs() <= tol, "remesh {powers:?}: {r} vs {m}");
    }
}

prop_compose! {
    fn cluster(half_width: f64)(n in 1usize..80)
        (xs in prop::collection::vec(
            (-half_width..half_width, -half_width..half_width, -1.0..1.0f64, 0.5..2.0f64), n))
        -> Vec<(f64, f64, f64, f64)>
    {
        xs
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Free space: arbitrary positions, strengths and volumes.
    #[test]
    fn free_space_moments_are_conserved(xs in cluster(3.0), dp in 0.05..0.5f64) {
        let set = ParticleSet::<2>::new(
            [xs.iter().map(|t| t.0).collect(), xs.iter().map(|t| t.1).collect()],
            xs.iter().map(|t| t.2).collect(),
            xs.iter().map(|t| t.3 * dp * dp).collect(),
        ).unwrap();
        let grid = RemeshGrid::covering(Domain::free(), dp, &set).unwrap();
        check_2d(&set, &grid, None);
    }

    /// Periodic: a cluster straddling the corner of the period, wrapped into
    /// `[0, 1)^2`, its moments taken in coordinates centred on the corner
    /// (the fresh particles reach `0.2 + 4 l < 1/2` from it, so centring is
    /// unambiguous).
    #[test]
    fn periodic_moments_are_conserved(xs in cluster(0.2), cells in 16usize..40) {
        let wrap = |x: f64| x.rem_euclid(1.0);
        let dp = 0.5 / cells as f64;
        let set = ParticleSet::<2>::new(
            [xs.iter().map(|t| wrap(t.0)).collect(), xs.iter().map(|t| wrap(t.1)).collect()],
            xs.iter().map(|t| t.2).collect(),
            vec![dp * dp; xs.len()],
        ).unwrap();
        let grid = RemeshGrid::new(Domain::periodic(1.0).unwrap(), dp).unwrap();
        check_2d(&set, &grid, Some(1.0));
    }

    /// 1D as well (the 1D experiments remesh on a periodic line).
    #[test]
    fn periodic_1d_moments_are_conserved(
        xs in prop::collection::vec((-1.0..1.0f64, -1.0..1.0f64), 1..60),
    ) {
        let period = 2.0 * std::f64::consts::PI;
        let dp = period / 100.0;
        let set = ParticleSet::<1>::new(
            [xs.iter().map(|t| t.0.rem_euclid(period)).collect()],
            xs.iter().map(|t| t.1).collect(),
            vec![dp; xs.len()],
        ).unwrap();
        let grid = RemeshGrid::new(Domain::periodic(period).unwrap(), dp).unwrap();
        let fresh = remesh(&set, &grid, 0.0).unwrap();
        for m in 0..3 {
            let (a, scale) = particle_moments(&set, [m], Some(period));
            let (b, _) = particle_moments(&fresh, [m], Some(period));
            prop_assert!((a - b).abs() <= 1e-12 * scale, "moment {m}: {a} vs {b}");
        }
    }
}

/// Fresh particles sit at 1/4 and 3/4 of each cell with volume `d_p^D`, and
/// a particle already on that lattice with a smooth neighbourhood is
/// reproduced: remeshing a lattice sampled from a quadratic reproduces the
/// quadratic exactly away from the edges of its support.
#[test]
fn a_quadratic_on_the_fresh_lattice_is_a_fixed_point() {
    let dp = 0.1;
    let q = |x: f64| 1.0 + 0.5 * x - 0.25 * x * x;
    let set = ParticleSet::<1>::lattice([-3.0], [60], dp, -1.0, |x| q(x[0])).unwrap();
    let grid = RemeshGrid::covering(Domain::free(), dp, &set).unwrap();
    let fresh = remesh(&set, &grid, 0.0).unwrap();
    assert!(fresh.volumes().iter().all(|&v| v == dp));
    for p in 0..fresh.len() {
        let x = fresh.coords(0)[p];
        let cell = x / (2.0 * dp);
        let offset = cell - cell.floor();
        assert!((offset - 0.25).abs() < 1e-9 || (offset - 0.75).abs() < 1e-9);
        if (-2.1..2.1).contains(&x) {
            let u = fresh.strengths()[p] / dp;
            assert!((u - q(x)).abs() < 1e-12, "at {x}: {u} vs {}", q(x));
        }
    }
}

/// The wall grid holds the odd image of the field: `u^g(-x) = -u^g(x)` and
/// `u^g(2L - x) = -u^g(x)`, and it vanishes on the walls.
#[test]
fn wall_grid_field_is_odd_across_the_walls() {
    let set = ParticleSet::<2>::new(
        [vec![0.05, 0.5, 0.97], vec![0.3, 0.02, 0.99]],
        vec![1.0, -2.0, 0.5],
        vec![1e-3; 3],
    )
    .unwrap();
    let grid = RemeshGrid::new(Domain::walls(1.0).unwrap(), 1.0 / 64.0).unwrap();
    let nodes = project(&set, &grid).unwrap();
    for &(x, y) in &[(0.013, 0.3), (0.48, 0.01), (0.52, 0.03), (0.985, 0.97)] {
        let u = nodes.field_at([x, y]).unwrap();
        assert!(u.abs() > 1e-3, "test point ({x}, {y}) should see the field");
        assert!((nodes.field_at([-x, y]).unwrap() + u).abs() < 1e-12);
        assert!((nodes.field_at([x, -y]).unwrap() + u).abs() < 1e-12);
        assert!((nodes.field_at([2.0 - x, y]).unwrap() + u).abs() < 1e-12);
        assert_eq!(nodes.field_at([0.0, y]).unwrap(), 0.0);
        assert_eq!(nodes.field_at([x, 1.0]).unwrap(), 0.0);
    }
    // Far from the walls, the wall grid and the periodic grid agree.
    let inner = ParticleSet::<2>::new([vec![0.5], vec![0.4]], vec![1.0], vec![1e-3]).unwrap();
    let periodic = RemeshGrid::new(Domain::periodic(1.0).unwrap(), 1.0 / 64.0).unwrap();
    let a = project(&inner, &grid).unwrap();
    let b = project(&inner, &periodic).unwrap();
    assert!((a.total() - b.total()).abs() < 1e-12 && (a.total() - 1.0).abs() < 1e-12);
}

#[test]
fn threshold_keeps_only_strong_particles() {
    let set = ParticleSet::<1>::lattice([0.0], [64], 1.0 / 64.0, -1.0, |x| {
        (-50.0 * (x[0] - 0.5).powi(2)).exp()
    })
    .unwrap();
    let grid = RemeshGrid::new(Domain::periodic(1.0).unwrap(), 1.0 / 64.0).unwrap();
    let all = remesh(&set, &grid, 0.0).unwrap();
    let cut = remesh(&set, &grid, 1e-3).unwrap();
    assert_eq!(all.len(), 64);
    assert!(cut.len() < all.len());
    for (u, v) in cut.strengths().iter().zip(cut.volumes()) {
        assert!(u.abs() > 1e-3 * v);
    }
    let dropped = all
        .strengths()
        .iter()
        .zip(all.volumes())
        .filter(|(u, v)| u.abs() <= 1e-3 * *v)
        .count();
    assert_eq!(cut.len() + dropped, all.len());
    assert_eq!(
        remesh(&set, &grid, 10.0).unwrap_err(),
        Error::EmptyParticleSet
    );
}

#[test]
fn projection_is_the_same_for_any_thread_count() {
    let n = 50_000;
    let xs: Vec<f64> = (0..n).map(|i| (i as f64 * 0.754_877_666).fract()).collect();
    let ys: Vec<f64> = (0..n).map(|i| (i as f64 * 0.569_840_290).fract()).collect();
    let us: Vec<f64> = (0..n).map(|i| ((i % 17) as f64 - 8.0) / 8.0).collect();
    let set = ParticleSet::<2>::new([xs, ys], us, vec![1e-4; n]).unwrap();
    let grid = RemeshGrid::new(Domain::periodic(1.0).unwrap(), 1.0 / 128.0).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| remesh(&set, &grid, 0.0).unwrap())
    };
    let one = run(1);
    let two = run(2);
    let bits = |s: &ParticleSet<2>| {
        s.strengths()
            .iter()
            .map(|u| u.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&one), bits(&two));
}

#[test]
fn bad_input_is_refused() {
    let walls = Domain::<1>::walls(1.0).unwrap();
    assert_eq!(
        RemeshGrid::new(walls, 0.3).unwrap_err(),
        Error::GridDoesNotTile {
            axis: 0,
            length: 1.0,
            spacing: 0.6
        }
    );
    assert!(matches!(
        RemeshGrid::<1>::new(Domain::free(), 0.1),
        Err(Error::FreeAxisNeedsRange { axis: 0 })
    ));
    assert!(matches!(
        RemeshGrid::new(walls, -0.1),
        Err(Error::NotPositive { .. })
    ));
    let grid = RemeshGrid::new(walls, 0.125).unwrap();
    let outside = ParticleSet::<1>::new([vec![0.5, 1.2]], vec![1.0, 1.0], vec![0.1, 0.1]).unwrap();
    assert!(matches!(
        project(&outside, &grid),
        Err(Error::OutsideDomain { index: 1, .. })
    ));
    let inside = ParticleSet::<1>::new([vec![0.5]], vec![1.0], vec![0.1]).unwrap();
    let free_grid = RemeshGrid::covering(Domain::free(), 0.125, &inside).unwrap();
    assert!(matches!(
        project(&outside, &free_grid),
        Err(Error::OutsideGrid {
            index: 1,
            axis: 0,
            ..
        })
    ));
    assert_eq!(
        GridValues::new(grid.clone(), vec![0.0; 3]).unwrap_err(),
        Error::GridSizeMismatch {
            expected: 5,
            found: 3
        }
    );
    let nodes = project(&inside, &grid).unwrap();
    assert!(matches!(
        nodes.interpolate(-1.0),
        Err(Error::Negative { .. })
    ));
    assert!(matches!(
        nodes.field_at([f64::NAN]),
        Err(Error::NonFinitePoint { .. })
    ));
}
