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
        let (g, node_scale) = node_moments(&nodes, powers, period);
        let (r, fresh_scale) = particle_moments(&fresh, powers, period);
        // Each sum rounds relative to the sum of its absolute terms: a
        // moment the particles carry exactly (a particle at the centring
        // origin) is spread over nodes whose terms cancel to rounding.
        let tol = 1e-12 * scale.max(node_scale).max(fresh_scale).max(1e-300);
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

/// The naive twin of projection and interpolation in 2D: a scalar loop over
/// the 16 nodes `i = floor(x / l) - 1 ..= floor(x / l) + 2` per axis, the
/// textbook `M4'` formula (`kernels::m4prime`) and explicit images
/// (periodic: `i mod n`; walls: the odd reflections `-i` and `2n - i`, wall
/// nodes carrying nothing).
mod naive {
    use particle_core::kernels::m4prime;

    /// Storage slot and sign of node `i` on an axis of `cells` cells.
    pub fn image(i: i64, cells: usize, walls: bool) -> Option<(usize, f64)> {
        let c = cells as i64;
        if !walls {
            return Some((i.rem_euclid(c) as usize, 1.0));
        }
        let m = i.rem_euclid(2 * c);
        if m == 0 || m == c {
            None
        } else if m < c {
            Some((m as usize, 1.0))
        } else {
            Some(((2 * c - m) as usize, -1.0))
        }
    }

    /// `(slot_x, slot_y, weight)` of the 16 nodes of `x`.
    pub fn stencil(x: [f64; 2], l: f64, cells: usize, walls: bool) -> Vec<(usize, usize, f64)> {
        let mut nodes = Vec::new();
        let (bx, by) = ((x[0] / l).floor() as i64, (x[1] / l).floor() as i64);
        for j in by - 1..=by + 2 {
            for i in bx - 1..=bx + 2 {
                let w = m4prime(x[0] / l - i as f64) * m4prime(x[1] / l - j as f64);
                if let (Some((si, a)), Some((sj, b))) =
                    (image(i, cells, walls), image(j, cells, walls))
                {
                    nodes.push((si, sj, w * a * b));
                }
            }
        }
        nodes
    }

    /// Eq. (6) node by node.
    pub fn project(xs: &[[f64; 2]], us: &[f64], l: f64, cells: usize, walls: bool) -> Vec<f64> {
        let n = if walls { cells + 1 } else { cells };
        let mut values = vec![0.0; n * n];
        for (x, u) in xs.iter().zip(us) {
            for (i, j, w) in stencil(*x, l, cells, walls) {
                values[i + n * j] += w * u / (l * l);
            }
        }
        values
    }

    /// Eq. (7) at one point.
    pub fn sample(values: &[f64], x: [f64; 2], l: f64, cells: usize, walls: bool) -> f64 {
        let n = if walls { cells + 1 } else { cells };
        stencil(x, l, cells, walls)
            .into_iter()
            .map(|(i, j, w)| w * values[i + n * j])
            .sum()
    }
}

/// The largest `f64` below a non-negative `v` (`0` for `0`): `next_down`
/// within the MSRV.
fn below(v: f64) -> f64 {
    if v > 0.0 {
        f64::from_bits(v.to_bits() - 1)
    } else {
        0.0
    }
}

prop_compose! {
    /// Points of the unit square, some of them put on or next to a wall or
    /// a cell edge (`0`, `1`, `k l`, `k l` minus an ulp).
    fn square_points(cells: usize)(
        raw in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, 0usize..12, -1.0..1.0f64), 1..120)
    ) -> Vec<([f64; 2], f64)> {
        let l = 0.5 / cells as f64;
        raw.into_iter().map(|(x, y, special, u)| {
            let snap = |v: f64| match special {
                0 => 0.0,
                1 => 1.0,
                2 => (v / l).floor() * l,
                3 => below((v / l).floor() * l),
                4 => l.min(1.0),
                5 => f64::from_bits((1.0 - l).to_bits() + 1),
                _ => v,
            };
            let p = if special % 2 == 0 { [snap(x), y] } else { [x, snap(y)] };
            (p, u)
        }).collect()
    }
}

fn naive_check(points: &[([f64; 2], f64)], cells: usize, walls: bool) {
    let dp = 0.5 / cells as f64;
    let l = 2.0 * dp;
    // Periodic boxes hold [0, 1): a point at 1 is the point at 0.
    let xs: Vec<[f64; 2]> = points
        .iter()
        .map(|(x, _)| {
            if walls {
                *x
            } else {
                x.map(|v| if v < 1.0 { v } else { 0.0 })
            }
        })
        .collect();
    let us: Vec<f64> = points.iter().map(|p| p.1).collect();
    let domain = if walls {
        Domain::walls(1.0).unwrap()
    } else {
        Domain::periodic(1.0).unwrap()
    };
    let grid = RemeshGrid::new(domain, dp).unwrap();
    let set = ParticleSet::<2>::new(
        [
            xs.iter().map(|x| x[0]).collect(),
            xs.iter().map(|x| x[1]).collect(),
        ],
        us.clone(),
        vec![dp * dp; xs.len()],
    )
    .unwrap();
    let fast = project(&set, &grid).unwrap();
    let slow = naive::project(&xs, &us, l, cells, walls);
    let scale: f64 = us.iter().map(|u| u.abs()).sum::<f64>() / (l * l);
    for (a, b) in fast.values().iter().zip(&slow) {
        assert!((a - b).abs() <= 1e-14 * scale, "P2M: {a} vs naive {b}");
    }
    // M2P at the particles and at points beyond the box (images).
    let values = fast.values();
    let twice: Vec<f64> = values.iter().map(|v| 2.0 * v - 1.0).collect();
    let probes: Vec<[f64; 2]> = xs
        .iter()
        .flat_map(|x| [*x, [x[0] - 1.0, 2.0 - x[1]], [3.0 * x[0] - 1.0, x[1]]])
        .collect();
    let (px, py): (Vec<f64>, Vec<f64>) = probes.iter().map(|p| (p[0], p[1])).unzip();
    let mut out = vec![[0.0; 2]; probes.len()];
    grid.sample_many([values, &twice], [&px, &py], &mut out)
        .unwrap();
    let vscale = values.iter().map(|v| v.abs()).fold(1.0, f64::max);
    for (p, o) in probes.iter().zip(&out) {
        assert_eq!(*o, grid.sample([values, &twice], *p).unwrap());
        let a = naive::sample(values, *p, l, cells, walls);
        let b = naive::sample(&twice, *p, l, cells, walls);
        // The stencil position `x / l` is rounded to a few ulps of itself:
        // far from the origin (probes periods away) that dominates.
        let cells_away = p.iter().map(|x| (x / l).abs()).fold(1.0, f64::max);
        let tol = (1e-14 + 8.0 * f64::EPSILON * cells_away) * vscale;
        assert!(
            (o[0] - a).abs() <= tol,
            "M2P at {p:?}: {} vs naive {a}",
            o[0]
        );
        assert!(
            (o[1] - b).abs() <= 2.0 * tol,
            "M2P at {p:?}: {} vs naive {b}",
            o[1]
        );
    }
    if !walls {
        // Identity: P2M conserves the total circulation on a periodic box.
        let total: f64 = us.iter().sum();
        assert!((fast.total() - total).abs() <= 1e-13 * scale * l * l);
    }
}

/// Enough particles for several chunks of the parallel projection, each
/// clearing and adding only the band of rows it reaches when the particles
/// are in row order (as remeshing leaves them), the whole grid otherwise.
#[test]
fn projection_in_chunks_matches_the_naive_twin() {
    let n = 20_000;
    let in_rows: Vec<([f64; 2], f64)> = (0..n)
        .map(|i| {
            let y = (i as f64 + 0.5) / n as f64;
            let x = (i as f64 * 0.754_877_666).fract();
            ([x, y], ((i % 13) as f64 - 6.0) / 6.0)
        })
        .collect();
    // The same particles in an order that spreads every chunk over the box.
    let mut shuffled = in_rows.clone();
    shuffled.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
    for walls in [true, false] {
        naive_check(&in_rows, 20, walls);
        naive_check(&shuffled, 20, walls);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// P2M and M2P against the naive twin in a periodic box.
    #[test]
    fn projection_and_sampling_match_the_naive_twin_periodic(
        points in square_points(16), cells in 3usize..24,
    ) {
        // `square_points` snapped to cells of 16; the snaps still land on
        // or near walls and edges for other sizes.
        naive_check(&points, cells, false);
    }

    /// The same in the stress-free box, wall images included.
    #[test]
    fn projection_and_sampling_match_the_naive_twin_walls(
        points in square_points(16), cells in 3usize..24,
    ) {
        naive_check(&points, cells, true);
    }
}

#[test]
fn sample_many_refuses_bad_input() {
    let grid = RemeshGrid::new(Domain::<2>::periodic(1.0).unwrap(), 0.125).unwrap();
    let f = vec![0.0; grid.node_count()];
    let mut out = [[0.0]; 3];
    assert_eq!(
        grid.sample_many(
            [&f],
            [&[0.1, 0.2, f64::NAN], &[0.0, f64::INFINITY, 0.5]],
            &mut out
        ),
        Err(Error::NonFinitePoint {
            index: 1,
            axis: 1,
            value: f64::INFINITY
        })
    );
    assert!(matches!(
        grid.sample_many([&f], [&[0.1, 0.2], &[0.0, 0.1, 0.2]], &mut out),
        Err(Error::LengthMismatch {
            found: 2,
            expected: 3,
            ..
        })
    ));
    assert!(matches!(
        grid.sample_many([&f[1..]], [&[0.1; 3], &[0.1; 3]], &mut out),
        Err(Error::GridSizeMismatch { .. })
    ));
}

/// Two fields in 2D go through the pair path: a bad point inside a pair
/// is named, and the points before it are written as by `sample`.
#[test]
fn sample_many_stops_at_the_first_bad_point_of_a_pair() {
    let grid = RemeshGrid::new(Domain::<2>::walls(1.0).unwrap(), 0.0625).unwrap();
    let u: Vec<f64> = (0..grid.node_count()).map(|i| (i as f64).sin()).collect();
    let v: Vec<f64> = u.iter().map(|x| 1.0 - x).collect();
    let xs = [0.31, 0.52, 0.47, 0.5, 0.6];
    let ys = [0.44, 0.45, 0.9, f64::NAN, 0.3];
    let mut out = [[7.0; 2]; 5];
    assert!(matches!(
        grid.sample_many([&u, &v], [&xs, &ys], &mut out),
        Err(Error::NonFinitePoint {
            index: 3,
            axis: 1,
            value
        }) if value.is_nan()
    ));
    for p in 0..3 {
        assert_eq!(out[p], grid.sample([&u, &v], [xs[p], ys[p]]).unwrap());
    }
}

/// The nearest node by brute force: the node of least distance, a periodic
/// axis measured round the period.
fn nearest_node_naive(grid: &RemeshGrid<2>, x: [f64; 2], period: Option<f64>) -> usize {
    let gap = |a: f64, b: f64| {
        let d = (a - b).abs();
        period.map_or(d, |l| d.min(l - d))
    };
    (0..grid.node_count())
        .min_by(|&i, &j| {
            let d = |n: usize| {
                let p = grid.node_position(n);
                gap(p[0], x[0]).hypot(gap(p[1], x[1]))
            };
            d(i).total_cmp(&d(j))
        })
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `nearest_node` against the brute-force search over all nodes, in a
    /// box with walls and on a periodic square (points off the half-way
    /// lines between nodes, where both are nearest).
    #[test]
    fn nearest_node_matches_the_brute_force_search(
        x in 0.0..1.0f64, y in 0.0..1.0f64, cells in 4usize..20, walls in any::<bool>(),
    ) {
        let l = 1.0 / cells as f64;
        let off_middle = |v: f64| ((v / l).fract() - 0.5).abs() > 1e-9;
        prop_assume!(off_middle(x) && off_middle(y));
        let (domain, period) = if walls {
            (Domain::walls(1.0).unwrap(), None)
        } else {
            (Domain::periodic(1.0).unwrap(), Some(1.0))
        };
        let grid = RemeshGrid::new(domain, l / 2.0).unwrap();
        prop_assert_eq!(grid.nearest_node([x, y]).unwrap(), nearest_node_naive(&grid, [x, y], period));
    }
}

#[test]
fn nearest_node_refuses_a_non_finite_point() {
    let grid = RemeshGrid::new(Domain::walls(1.0).unwrap(), 1.0 / 32.0).unwrap();
    assert!(matches!(
        grid.nearest_node([0.5, f64::NAN]),
        Err(Error::NonFinitePoint { axis: 1, .. })
    ));
    let free = ParticleSet::<1>::new([vec![0.3, 2.0]], vec![1.0; 2], vec![0.1; 2]).unwrap();
    let grid = RemeshGrid::covering(Domain::free(), 0.05, &free).unwrap();
    // Beyond the free range: its last node.
    assert_eq!(grid.nearest_node([50.0]).unwrap(), grid.node_count() - 1);
    assert_eq!(grid.node_position(grid.nearest_node([1.0]).unwrap()), [1.0]);
}
