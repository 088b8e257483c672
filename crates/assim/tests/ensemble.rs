//! The ensemble runner (paper 2, Section 2.1) with the 1D models and
//! filters of Section 4: bit-identical results for 1 and 2 threads, the
//! Grid-EnKF analysis against a naive dense textbook EnKF with the same
//! perturbations, parameter bounds, refusals that name the member or the
//! observation, and several ensembles forecast together, each member by
//! its own model; the same runs shared out over 1, 2 and 3 ranks (threads
//! exchanging words) are the same bits as on one process.

use std::f64::consts::TAU;
use std::sync::Arc;

use assim::distributed::{Codec, Communicator, Particles, ThreadRanks, Vectors};
use assim::{
    EnsembleRunner, Error, Filter, FiniteDifference1d, Forecast, ForecastModel, Forecasted,
    GridEnkf, Members, ModelError, ObservationNoise, OnViolation, ParameterBound, PartEnkf,
    ParticleObservations, PointObservations, RemeshEnkf, perturbations,
};
use particle_core::Domain;
use particle_core::advection_diffusion::AdvectionDiffusion1d;
use particle_core::kernels::Width;
use particle_core::remesh::RemeshGrid;

const SEED: u64 = 0x5eed_0006;
const N: usize = 8;

fn bump(x: f64, centre: f64, width: f64) -> f64 {
    let d = (x - centre + TAU / 2.0).rem_euclid(TAU) - TAU / 2.0;
    (-d * d / width).exp()
}

/// Member `i`: a bump at `2 + i/5`, `v_i = 0.8 + i/20`, `D_i = 0.03 + i/200`.
fn parameters() -> Vec<Vec<f64>> {
    (0..N)
        .map(|i| vec![0.8 + i as f64 / 20.0, 0.03 + i as f64 / 200.0])
        .collect()
}

fn grid_members(model: &FiniteDifference1d) -> Members<Vec<f64>> {
    let states = (0..N)
        .map(|i| model.sample(|x| bump(x, 2.0 + i as f64 / 5.0, 0.5)))
        .collect();
    Members::new(states, parameters()).unwrap()
}

fn runner(k: usize) -> EnsembleRunner {
    EnsembleRunner::new(SEED, ObservationNoise::diagonal(&vec![0.05; k]).unwrap())
}

fn data(points: &PointObservations, t: f64) -> Vec<f64> {
    points
        .points()
        .iter()
        .map(|&x| bump(x, 2.5 + t, 0.5))
        .collect()
}

#[test]
fn grid_enkf_matches_a_dense_textbook_enkf() {
    let model = FiniteDifference1d::new(40, TAU).unwrap();
    let points = PointObservations::evenly_spaced(6, TAU).unwrap();
    let filter = GridEnkf {
        observations: points.clone(),
    };
    let mut members = grid_members(&model);
    let forecast = members.clone();
    let y = data(&points, 0.0);
    runner(6).analyse(&filter, &mut members, &y, 3).unwrap();

    // Textbook: z_i^a = z_i + P H^T (H P H^T + R)^{-1} (y + eps_i - H z_i)
    // with the augmented z = (nodal values, v, D), P the sample covariance
    // (1/(N-1)), H the linear-interpolation matrix.
    let z: Vec<Vec<f64>> = (0..N)
        .map(|i| {
            let mut v = forecast.states[i].clone();
            v.extend(&forecast.parameters[i]);
            v
        })
        .collect();
    let hz: Vec<Vec<f64>> = forecast
        .states
        .iter()
        .map(|s| points.of_nodal(s).unwrap())
        .collect();
    let (dim, k) = (z[0].len(), 6);
    let mean = |v: &[Vec<f64>], c: usize| v.iter().map(|m| m[c]).sum::<f64>() / N as f64;
    let cov = |a: &[Vec<f64>], b: &[Vec<f64>], p: usize, q: usize| {
        let (ma, mb) = (mean(a, p), mean(b, q));
        a.iter()
            .zip(b)
            .map(|(x, y)| (x[p] - ma) * (y[q] - mb))
            .sum::<f64>()
            / (N - 1) as f64
    };
    // S = H P H^T + R, solved by Gauss-Jordan.
    let mut s: Vec<Vec<f64>> = (0..k)
        .map(|p| (0..k).map(|q| cov(&hz, &hz, p, q)).collect())
        .collect();
    for (p, row) in s.iter_mut().enumerate() {
        row[p] += 0.05;
    }
    let inv = invert(s);
    let eps = perturbations(SEED, 3, N, &ObservationNoise::diagonal(&[0.05; 6]).unwrap());
    for i in 0..N {
        let innovation: Vec<f64> = (0..k).map(|q| y[q] + eps[i][q] - hz[i][q]).collect();
        let w: Vec<f64> = (0..k)
            .map(|p| (0..k).map(|q| inv[p][q] * innovation[q]).sum())
            .collect();
        let analysed: Vec<f64> = (0..dim)
            .map(|c| z[i][c] + (0..k).map(|p| cov(&z, &hz, c, p) * w[p]).sum::<f64>())
            .collect();
        let ours: Vec<f64> = members.states[i]
            .iter()
            .chain(&members.parameters[i])
            .copied()
            .collect();
        for (c, (a, b)) in analysed.iter().zip(&ours).enumerate() {
            assert!(
                (a - b).abs() < 1e-11,
                "member {i}, component {c}: {a} vs {b}"
            );
        }
    }
}

fn invert(mut a: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut inv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for c in 0..n {
        let pivot = (c..n)
            .max_by(|&p, &q| a[p][c].abs().total_cmp(&a[q][c].abs()))
            .unwrap();
        a.swap(c, pivot);
        inv.swap(c, pivot);
        let d = a[c][c];
        for j in 0..n {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for r in 0..n {
            if r != c {
                let f = a[r][c];
                for j in 0..n {
                    a[r][j] -= f * a[c][j];
                    inv[r][j] -= f * inv[c][j];
                }
            }
        }
    }
    inv
}

/// One forecast of `horizon` and analysis `k` of `y`, on one process or
/// shared out over the runner's ranks.
#[allow(clippy::too_many_arguments)]
fn cycle<M: ForecastModel, F: Filter<M::State>>(
    run: &EnsembleRunner,
    shared: bool,
    codec: &impl Codec<M::State>,
    models: &mut [M],
    members: &mut Members<M::State>,
    filter: &F,
    y: &[f64],
    k: usize,
) {
    if shared {
        let mut job = [Forecast { models, members }];
        run.forecast_distributed(codec, &mut job, 0.4, &mut |_| {})
            .unwrap();
        run.analyse_distributed(codec, filter, members, y, k)
            .unwrap();
    } else {
        run.forecast(models, members, 0.4).unwrap();
        run.analyse(filter, members, y, k).unwrap();
    }
}

/// Three cycles of forecast + analysis with the grid model and with the
/// particle model under Remesh- and Part-EnKF, on one process
/// (`ranks = None`) or shared out over `ranks`.
fn cycles_on(
    ranks: Option<Arc<dyn Communicator>>,
) -> (
    Members<Vec<f64>>,
    Vec<Members<particle_core::ParticleSet<1>>>,
) {
    let points = PointObservations::evenly_spaced(6, TAU).unwrap();
    let bound = ParameterBound {
        index: 1,
        name: "diffusion coefficient D",
        min: 0.0,
        on_violation: OnViolation::Clamp,
    };
    let run = runner(6).with_bound(bound).unwrap();
    let shared = ranks.is_some();
    let run = match ranks {
        Some(ranks) => run.with_ranks(ranks),
        None => run,
    };
    let fd = FiniteDifference1d::new(50, TAU).unwrap();
    let mut grid = grid_members(&fd);
    let dp = TAU / 50.0;
    let eps = Width::new(1.3 * dp).unwrap();
    let pm = AdvectionDiffusion1d::new(TAU, eps, 0.05).unwrap();
    let particles: Vec<_> = (0..N)
        .map(|i| {
            pm.initial_particles(dp, 0.0, |x| bump(x, 2.0 + i as f64 / 5.0, 0.5))
                .unwrap()
        })
        .collect();
    let observations = ParticleObservations {
        points: points.clone(),
        domain: Domain::periodic(TAU).unwrap(),
        eps,
        tolerance: 1e-12,
    };
    let remesh = RemeshEnkf {
        observations: observations.clone(),
        grid: RemeshGrid::new(Domain::periodic(TAU).unwrap(), dp).unwrap(),
        eps_cut: 1e-8,
    };
    let part = PartEnkf { observations };
    let mut remeshed = Members::new(particles.clone(), parameters()).unwrap();
    let mut parted = Members::new(particles, parameters()).unwrap();
    let filter = GridEnkf {
        observations: points.clone(),
    };
    for k in 0..3 {
        let t = 0.4 * (k + 1) as f64;
        let y = data(&points, t);
        let models = &mut vec![pm.clone(); N];
        cycle(
            &run,
            shared,
            &Vectors,
            &mut [fd; N],
            &mut grid,
            &filter,
            &y,
            k,
        );
        cycle(
            &run,
            shared,
            &Particles,
            models,
            &mut remeshed,
            &remesh,
            &y,
            k,
        );
        cycle(&run, shared, &Particles, models, &mut parted, &part, &y, k);
    }
    (grid, vec![remeshed, parted])
}

fn cycles() -> (
    Members<Vec<f64>>,
    Vec<Members<particle_core::ParticleSet<1>>>,
) {
    cycles_on(None)
}

#[test]
fn runs_shared_out_over_one_two_and_three_ranks_are_the_same_bits() {
    let one = cycles();
    for size in 1..=3 {
        let runs: Vec<_> = std::thread::scope(|scope| {
            let ranks: Vec<_> = ThreadRanks::group(size)
                .into_iter()
                .map(|rank| scope.spawn(move || cycles_on(Some(Arc::new(rank)))))
                .collect();
            ranks.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for (rank, run) in runs.iter().enumerate() {
            assert!(run == &one, "rank {rank} of {size}");
        }
    }
}

#[test]
fn more_ranks_than_members_is_refused_on_every_rank() {
    // Rank 0 of N + 1: refused before any gather, so no other rank is needed.
    let mut group = ThreadRanks::group(N + 1);
    let ranks: Arc<dyn Communicator> = Arc::new(group.swap_remove(0));
    let run = runner(1).with_ranks(ranks);
    let fd = FiniteDifference1d::new(50, TAU).unwrap();
    let (models, members) = (&mut [fd; N], &mut grid_members(&fd));
    let err = run
        .forecast_distributed(
            &Vectors,
            &mut [Forecast { models, members }],
            0.4,
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::MoreRanksThanMembers {
            ranks: N + 1,
            members: N
        }
    );
}

#[test]
fn runs_are_bit_identical_for_one_and_two_threads() {
    let in_pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(cycles)
    };
    let (one, two) = (in_pool(1), in_pool(2));
    assert_eq!(one, two);
    // And the filters did move the members (not a vacuous equality).
    let start = parameters();
    assert_ne!(one.0.parameters, start);
    assert_ne!(one.1[0].parameters, start);
}

#[test]
fn a_negative_diffusion_is_clamped_or_refused_by_the_stated_rule() {
    let model = FiniteDifference1d::new(40, TAU).unwrap();
    let points = PointObservations::evenly_spaced(6, TAU).unwrap();
    let filter = GridEnkf {
        observations: points.clone(),
    };
    let y = data(&points, 0.0);
    // A bound above every member's D: all are below it after the analysis
    // unless the analysis moved them by more than 1, which it cannot here.
    let bound = |on_violation| ParameterBound {
        index: 1,
        name: "diffusion coefficient D",
        min: 1.0,
        on_violation,
    };
    let mut members = grid_members(&model);
    let report = runner(6)
        .with_bound(bound(OnViolation::Clamp))
        .unwrap()
        .analyse(&filter, &mut members, &y, 0)
        .unwrap();
    assert_eq!(report.clamped.len(), N);
    assert!(members.parameters.iter().all(|p| p[1] == 1.0));

    let mut members = grid_members(&model);
    let before = members.clone();
    let err = runner(6)
        .with_bound(bound(OnViolation::Refuse))
        .unwrap()
        .analyse(&filter, &mut members, &y, 0)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::NonPhysicalParameter {
            member: 0,
            name: "diffusion coefficient D",
            ..
        }
    ));
    assert_eq!(members, before, "a refused analysis leaves the members");
}

#[test]
fn bad_input_names_the_member_or_observation() {
    assert_eq!(
        PointObservations::new(vec![0.0, 1.0, 7.0], TAU).unwrap_err(),
        Error::ObservationOutsideDomain {
            observation: 2,
            position: 7.0,
            length: TAU
        }
    );
    assert!(matches!(
        PointObservations::new(vec![-0.1], TAU),
        Err(Error::ObservationOutsideDomain { observation: 0, .. })
    ));
    assert_eq!(
        Members::new(vec![vec![1.0]], vec![vec![]]).unwrap_err(),
        Error::TooFewMembers { found: 1 }
    );
    assert!(matches!(
        Members::new(
            vec![vec![1.0]; 3],
            vec![vec![1.0, 0.1], vec![1.0], vec![1.0, 0.1]]
        ),
        Err(Error::MemberLength { member: 1, .. })
    ));
    assert!(matches!(
        ObservationNoise::diagonal(&[0.05, 0.0]),
        Err(Error::NoiseVariance { component: 1, .. })
    ));

    let model = FiniteDifference1d::new(40, TAU).unwrap();
    let mut members = grid_members(&model);
    // Member 5 blows up.
    members.states[5][7] = f64::MAX;
    members.states[5][8] = -f64::MAX;
    let err = runner(6)
        .forecast(&mut [model; N], &mut members, 1.0)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Forecast {
                ensemble: 0,
                member: 5,
                source: ModelError::NonFinite { .. }
            }
        ),
        "{err}"
    );
    // Member 2 with a negative D is refused by the model.
    let mut members = grid_members(&model);
    members.parameters[2][1] = -0.01;
    assert!(matches!(
        runner(6).forecast(&mut [model; N], &mut members, 1.0),
        Err(Error::Forecast {
            ensemble: 0,
            member: 2,
            source: ModelError::NonPhysical { .. }
        })
    ));
    // Data of the wrong length.
    let points = PointObservations::evenly_spaced(6, TAU).unwrap();
    let filter = GridEnkf {
        observations: points,
    };
    let mut members = grid_members(&model);
    assert!(matches!(
        runner(6).analyse(&filter, &mut members, &[0.0; 5], 0),
        Err(Error::LengthMismatch { .. })
    ));
    // A member whose state is too short to observe.
    let mut members = grid_members(&model);
    members.states[4] = vec![1.0];
    assert!(matches!(
        runner(6).analyse(&filter, &mut members, &[0.0; 6], 0),
        Err(Error::Observation { member: 4, .. })
    ));
}

#[test]
fn nodal_observations_interpolate_linearly() {
    let points = PointObservations::new(vec![0.0, 0.25, 2.9], 4.0).unwrap();
    // Nodes at 0, 0.5, ..., 3.5.
    let u: Vec<f64> = (0..8).map(|m| (m * m) as f64).collect();
    let h = points.of_nodal(&u).unwrap();
    assert_eq!(h[0], 0.0);
    assert!((h[1] - 0.5).abs() < 1e-15);
    // 2.9 lies between nodes 5 (2.5) and 6 (3.0), weight 0.8 on node 6.
    assert!((h[2] - (0.2 * 25.0 + 0.8 * 36.0)).abs() < 1e-12);
}

/// A model that counts its own forecasts: state it keeps between calls,
/// which a shared `&self` model could not.
#[derive(Clone, Default)]
struct Counting {
    forecasts: usize,
}

impl ForecastModel for Counting {
    type State = f64;

    fn forecast(&mut self, u: &mut f64, rate: &[f64], t: f64) -> Result<(), ModelError> {
        self.forecasts += 1;
        if !u.is_finite() {
            return Err(ModelError::NonFinite { node: 0, value: *u });
        }
        *u *= (-rate[0] * t).exp() * (1.0 + self.forecasts as f64 * 1e-3);
        Ok(())
    }
}

fn scalar_members(offset: f64) -> Members<f64> {
    let states = (0..N).map(|i| offset + i as f64).collect();
    let rates = (0..N).map(|i| vec![0.1 * i as f64]).collect();
    Members::new(states, rates).unwrap()
}

#[test]
fn ensembles_forecast_together_as_they_do_apart_each_member_by_its_own_model() {
    let run = runner(1);
    // Apart, twice (the second forecast sees each model's count of 1).
    let (mut a, mut b) = (scalar_members(1.0), scalar_members(-3.0));
    let (mut models_a, mut models_b) = (vec![Counting::default(); N], vec![Counting::default(); N]);
    for _ in 0..2 {
        run.forecast(&mut models_a, &mut a, 0.5).unwrap();
        run.forecast(&mut models_b, &mut b, 0.5).unwrap();
    }
    // Together, twice, counting the members reported done.
    let (mut c, mut d) = (scalar_members(1.0), scalar_members(-3.0));
    let (mut models_c, mut models_d) = (vec![Counting::default(); N], vec![Counting::default(); N]);
    let mut done = Vec::new();
    for _ in 0..2 {
        let mut jobs = [
            Forecast {
                models: &mut models_c,
                members: &mut c,
            },
            Forecast {
                models: &mut models_d,
                members: &mut d,
            },
        ];
        run.forecast_together(&mut jobs, 0.5, &mut |at| done.push(at))
            .unwrap();
    }
    assert_eq!((a, b), (c, d));
    assert!(models_c.iter().chain(&models_d).all(|m| m.forecasts == 2));
    done.sort_by_key(|f| (f.ensemble, f.member));
    let want: Vec<Forecasted> = (0..2)
        .flat_map(|ensemble| (0..N).map(move |member| Forecasted { ensemble, member }))
        .flat_map(|f| [f, f])
        .collect();
    assert_eq!(done, want);
}

#[test]
fn a_forecast_together_names_the_ensemble_and_member_that_failed() {
    let run = runner(1);
    let (mut a, mut b) = (scalar_members(1.0), scalar_members(-3.0));
    b.states[6] = f64::NAN;
    b.states[3] = f64::INFINITY;
    let (mut models_a, mut models_b) = (vec![Counting::default(); N], vec![Counting::default(); N]);
    let mut jobs = [
        Forecast {
            models: &mut models_a,
            members: &mut a,
        },
        Forecast {
            models: &mut models_b,
            members: &mut b,
        },
    ];
    assert!(matches!(
        run.forecast_together(&mut jobs, 0.5, &mut |_| {}),
        Err(Error::Forecast {
            ensemble: 1,
            member: 3,
            source: ModelError::NonFinite { .. }
        })
    ));
    // One model short.
    assert!(matches!(
        run.forecast(&mut models_a[1..], &mut scalar_members(0.0), 0.5),
        Err(Error::MemberCount {
            what: "forecast models",
            expected: N,
            found
        }) if found == N - 1
    ));
}
