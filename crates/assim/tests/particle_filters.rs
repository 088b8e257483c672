//! Remesh-EnKF and Part-EnKF updates of particle members against
//! independent computations: moments of the remeshed analysis, a naive
//! all-pairs evaluation of eq. (12), and the forecast when `F = 0`.

use assim::{ObservationNoise, coefficients, part_update, remesh_update};
use particle_core::kernels::{Width, gaussian_1d};
use particle_core::remesh::{RemeshGrid, remesh};
use particle_core::{Domain, ParticleSet};

/// Member `i`: a bump of height `1 + i/4` at `3 + i/5` on its own jittered
/// particles in the periodic `[0, 8)` (its tails at the seam are below
/// `1e-12`).
fn members(n: usize) -> Vec<ParticleSet<1>> {
    (0..n)
        .map(|i| {
            let count = 120 + 7 * i;
            let dp = 8.0 / count as f64;
            let xs: Vec<f64> = (0..count)
                .map(|p| {
                    ((p as f64 + 0.5 + 0.3 * ((p * (i + 3)) as f64).sin()) * dp).rem_euclid(8.0)
                })
                .collect();
            let us = xs
                .iter()
                .map(|x| {
                    (1.0 + i as f64 / 4.0) * (-(x - 3.0 - i as f64 / 5.0).powi(2) / 0.3).exp() * dp
                })
                .collect();
            ParticleSet::new([xs], us, vec![dp; count]).unwrap()
        })
        .collect()
}

/// `F` from made-up predicted observations of the members.
fn gain(n: usize) -> assim::Coefficients {
    let predicted: Vec<Vec<f64>> = (0..n)
        .map(|i| vec![i as f64, (i as f64).sin(), 0.5 * (i * i) as f64])
        .collect();
    let noise = ObservationNoise::diagonal(&[0.3, 0.2, 0.5]).unwrap();
    let eps: Vec<Vec<f64>> = (0..n).map(|i| vec![0.1 * i as f64, -0.05, 0.02]).collect();
    coefficients(&predicted, &[2.0, 0.3, 1.0], &eps, &noise).unwrap()
}

#[test]
fn remesh_update_moves_moments_as_the_analysis_says() {
    // Projection and interpolation conserve moments 0 to 2 (nothing is
    // thresholded away that carries strength, the domain is periodic), so
    // each analysed member's moment is the analysis of the moments:
    // m_i^a = m_i^f + sum_j F_ji m_j^f.
    let n = 5;
    let (members, f) = (members(n), gain(n));
    let grid = RemeshGrid::new(Domain::periodic(8.0).unwrap(), 0.05).unwrap();
    let analysed = remesh_update(&members, &grid, &f, 0.0).unwrap();
    for power in 0..=1 {
        let moments: Vec<f64> = members.iter().map(|m| m.moment([power])).collect();
        for (i, a) in analysed.iter().enumerate() {
            let want = moments[i] + (0..n).map(|j| f.get(j, i) * moments[j]).sum::<f64>();
            assert!(
                (a.moment([power]) - want).abs() < 1e-10,
                "member {i}, moment {power}"
            );
        }
    }
    // Every member is on the common lattice of fresh particles.
    for a in &analysed {
        for &x in a.coords(0) {
            let k = x / 0.05 - 0.5;
            assert!((k - k.round()).abs() < 1e-9);
        }
    }
}

#[test]
fn identical_predictions_give_the_forecast_back() {
    // Equal predicted observations make C_H = 0, hence F = 0: Remesh-EnKF is
    // then a plain remeshing and Part-EnKF a re-evaluation of each
    // member's own field at its particles.
    let n = 3;
    let members = members(n);
    let noise = ObservationNoise::diagonal(&[0.3]).unwrap();
    let f = coefficients(&vec![vec![1.0]; n], &[2.0], &vec![vec![0.1]; n], &noise).unwrap();
    let grid = RemeshGrid::new(Domain::periodic(8.0).unwrap(), 0.05).unwrap();
    let analysed = remesh_update(&members, &grid, &f, 1e-8).unwrap();
    for (a, m) in analysed.iter().zip(&members) {
        assert_eq!(a, &remesh(m, &grid, 1e-8).unwrap());
    }
}

#[test]
fn part_update_evaluates_eq_12_at_each_members_particles() {
    // Naive all-pairs evaluation on the free line with a tiny cut-off
    // tolerance: u_i^a(x) = sum_j (delta_ij + F_ji) sum_q U_jq zeta_eps(x - x_jq).
    let n = 4;
    let (members, f) = (members(n), gain(n));
    let eps = Width::new(0.12).unwrap();
    let analysed = part_update(&members, Domain::free(), eps, 1e-15, &f).unwrap();
    for (i, a) in analysed.iter().enumerate() {
        assert_eq!(a.coords(0), members[i].coords(0), "particles kept");
        for p in 0..a.len() {
            let x = a.position(p)[0];
            let mut u = 0.0;
            for (j, m) in members.iter().enumerate() {
                let w = f.get(j, i) + if i == j { 1.0 } else { 0.0 };
                let field: f64 = m
                    .coords(0)
                    .iter()
                    .zip(m.strengths())
                    .map(|(xq, uq)| uq * gaussian_1d(x - xq, eps))
                    .sum();
                u += w * field;
            }
            let want = u * a.volumes()[p];
            assert!(
                (a.strengths()[p] - want).abs() < 1e-12,
                "member {i}, particle {p}: {} vs {want}",
                a.strengths()[p]
            );
        }
    }
}

#[test]
fn a_wrong_member_count_is_refused() {
    let f = gain(4);
    let grid = RemeshGrid::new(Domain::periodic(8.0).unwrap(), 0.05).unwrap();
    let err = remesh_update(&members(3), &grid, &f, 0.0).unwrap_err();
    assert!(
        err.to_string().contains("expected 4 members, got 3"),
        "{err}"
    );
    let err = part_update(
        &members(5),
        Domain::free(),
        Width::new(0.1).unwrap(),
        1e-8,
        &f,
    )
    .unwrap_err();
    assert!(err.to_string().contains("got 5"), "{err}");
}

#[test]
fn updates_do_not_depend_on_the_thread_count() {
    let n = 6;
    let (members, f) = (members(n), gain(n));
    let grid = RemeshGrid::new(Domain::periodic(8.0).unwrap(), 0.05).unwrap();
    let eps = Width::new(0.12).unwrap();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                (
                    remesh_update(&members, &grid, &f, 1e-6).unwrap(),
                    part_update(&members, Domain::periodic(8.0).unwrap(), eps, 1e-10, &f).unwrap(),
                )
            })
    };
    assert_eq!(run(1), run(2));
}

/// The local updates with the same `F` at every location are the global
/// updates, bit for bit.
#[test]
fn local_updates_with_one_f_everywhere_are_the_global_updates() {
    use assim::{LocalCoefficients, part_update_local, remesh_update_local};
    let n = 4;
    let (members, f) = (members(n), gain(n));
    let domain = Domain::periodic(8.0).unwrap();
    let grid = RemeshGrid::new(domain, 0.05).unwrap();
    let everywhere = |count: usize| LocalCoefficients::new(vec![f.clone(); count]).unwrap();
    assert_eq!(
        remesh_update_local(&members, &grid, &everywhere(grid.node_count()), 1e-9).unwrap(),
        remesh_update(&members, &grid, &f, 1e-9).unwrap()
    );
    let eps = Width::new(0.2).unwrap();
    let local: Vec<LocalCoefficients> = members.iter().map(|m| everywhere(m.len())).collect();
    assert_eq!(
        part_update_local(&members, domain, eps, 1e-12, &local).unwrap(),
        part_update(&members, domain, eps, 1e-12, &f).unwrap()
    );
    // One location too few is refused, not read out of range.
    assert!(remesh_update_local(&members, &grid, &everywhere(3), 0.0).is_err());
    assert!(part_update_local(&members, domain, eps, 1e-12, &local[..3]).is_err());
}

/// Part-LETKF with the grid nodes' transforms is Part-LETKF with, at every
/// particle, the transform of the node nearest to it (found here by a
/// brute-force search round the period), bit for bit.
#[test]
fn nodal_part_update_takes_each_particles_nearest_node() {
    use assim::{LocalCoefficients, part_update_local, part_update_nodal};
    let n = 4;
    let members = members(n);
    let domain = Domain::periodic(8.0).unwrap();
    let grid = RemeshGrid::new(domain, 0.4).unwrap();
    let predicted: Vec<Vec<f64>> = (0..n)
        .map(|i| vec![i as f64, (i as f64).sin(), 0.5 * (i * i) as f64])
        .collect();
    let noise = ObservationNoise::diagonal(&[0.3, 0.2, 0.5]).unwrap();
    let eps: Vec<Vec<f64>> = (0..n).map(|i| vec![0.1 * i as f64, -0.05, 0.02]).collect();
    let per_node: Vec<assim::Coefficients> = (0..grid.node_count())
        .map(|node| {
            let data = [2.0 + 0.3 * node as f64, 0.3, 1.0 - 0.1 * node as f64];
            coefficients(&predicted, &data, &eps, &noise).unwrap()
        })
        .collect();
    let nearest = |x: f64| {
        let gap = |node: usize| {
            let d = (grid.node_position(node)[0] - x).abs();
            d.min(8.0 - d)
        };
        (0..grid.node_count())
            .min_by(|&a, &b| gap(a).total_cmp(&gap(b)))
            .unwrap()
    };
    let per_particle: Vec<LocalCoefficients> = members
        .iter()
        .map(|m| {
            let f = (0..m.len())
                .map(|p| per_node[nearest(m.position(p)[0])].clone())
                .collect();
            LocalCoefficients::new(f).unwrap()
        })
        .collect();
    let eps = Width::new(0.2).unwrap();
    let nodal = LocalCoefficients::new(per_node).unwrap();
    assert_eq!(
        part_update_nodal(&members, domain, eps, 1e-12, &grid, &nodal).unwrap(),
        part_update_local(&members, domain, eps, 1e-12, &per_particle).unwrap()
    );
    // A location per node, no fewer.
    let short = LocalCoefficients::new(vec![gain(n); 3]).unwrap();
    assert!(part_update_nodal(&members, domain, eps, 1e-12, &grid, &short).is_err());
}

/// Part-LETKF through the runner: member `i`'s particle `p` is analysed
/// with the ETKF of the observations near `x_p` (tapered), computed here
/// one particle at a time with the global scheme on the restricted data,
/// and the fields of all members at `x_p` by a naive all-pairs sum.
#[test]
fn part_letkf_analyses_each_particle_with_the_observations_near_it() {
    use assim::filters::{PartEnkf, ParticleObservations, RemeshEnkf};
    use assim::{EnsembleRunner, Filter, GaspariCohn, Members, Method, PointObservations, Scheme};
    let n = 4;
    let forecast = members(n);
    let domain = Domain::periodic(8.0).unwrap();
    let eps = Width::new(0.2).unwrap();
    let points = PointObservations::new(vec![0.5, 2.0, 3.1, 4.4, 6.0, 7.2], 8.0).unwrap();
    let observations = ParticleObservations {
        points: points.clone(),
        domain,
        eps,
        tolerance: 1e-12,
    };
    let part = PartEnkf {
        observations: observations.clone(),
    };
    let variances = [0.02; 6];
    let noise = ObservationNoise::diagonal(&variances).unwrap();
    let scheme = Scheme::new(Method::Etkf);
    let runner = EnsembleRunner::new(5, noise).with_scheme(scheme);
    let data = [0.0, 0.1, 0.9, 0.4, 0.0, 0.0];
    let taper = GaspariCohn::new(1.0).unwrap();
    let mut analysed = Members::new(forecast.clone(), vec![Vec::new(); n]).unwrap();
    runner
        .analyse_local(&part, &mut analysed, &data, 0, &taper)
        .unwrap();

    let predicted: Vec<Vec<f64>> = forecast.iter().map(|m| part.predict(m).unwrap()).collect();
    let field = |j: usize, x: f64| -> f64 {
        let m = &forecast[j];
        (0..m.len())
            .map(|q| {
                let d = domain.displacement(&[m.position(q)[0]], &[x])[0];
                m.strengths()[q] * gaussian_1d(d, eps)
            })
            .sum()
    };
    for (i, member) in forecast.iter().enumerate() {
        for p in (0..member.len()).step_by(17) {
            let x = member.position(p)[0];
            let near: Vec<(usize, f64)> = points
                .points()
                .iter()
                .enumerate()
                .map(|(k, &y)| (k, taper.weight(domain.displacement(&[x], &[y])[0].abs())))
                .filter(|&(_, w)| w > 0.0)
                .collect();
            let want = if near.is_empty() {
                field(i, x)
            } else {
                let local: Vec<Vec<f64>> = predicted
                    .iter()
                    .map(|h| near.iter().map(|&(k, _)| h[k]).collect())
                    .collect();
                let local_noise = ObservationNoise::diagonal(
                    &near
                        .iter()
                        .map(|&(k, w)| variances[k] / w)
                        .collect::<Vec<_>>(),
                )
                .unwrap();
                let local_data: Vec<f64> = near.iter().map(|&(k, _)| data[k]).collect();
                let f = scheme
                    .coefficients(&local, &local_data, &local_noise, 5, 0)
                    .unwrap();
                (0..n)
                    .map(|j| (f.get(j, i) + f64::from(u8::from(i == j))) * field(j, x))
                    .sum()
            };
            let got = analysed.states[i].strengths()[p] / member.volumes()[p];
            assert!(
                (got - want).abs() < 1e-9,
                "member {i} particle {p}: {got} vs {want}"
            );
        }
    }

    // Remesh-LETKF runs through the same runner on the grid's nodes.
    let remesh = RemeshEnkf {
        observations,
        grid: RemeshGrid::new(domain, 0.05).unwrap(),
        eps_cut: 1e-9,
    };
    let mut remeshed = Members::new(forecast, vec![Vec::new(); n]).unwrap();
    let local = runner
        .analyse_local(&remesh, &mut remeshed, &data, 0, &taper)
        .unwrap();
    assert_eq!(local.len(), 1);
    assert_eq!(local[0].len(), remesh.grid.node_count());
}
