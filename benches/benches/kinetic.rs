//! Benchmarks of paper 1's kinetic solvers (`kinetic-enkf`):
//!
//! * `kinetic::mean_field::step` — one fourth-order Runge–Kutta step of the
//!   interacting-particle solver of the mean-field equation (13)
//!   (`mean_field::InteractingParticles::step`: four stages, each with the
//!   forward map at every particle, the cross-covariance `C_uG`, one solve
//!   with `Gamma^{-1}` and the velocities) at `J = 1e4, 1e5, 1e6` particles
//!   in `d = 1` (`K = 1`) and `d = 16` (`K = 16`), linear `G`. The cost of a
//!   step is `O(J d K + K^2 d)`; the bench steps the same particles again
//!   and again with a small `h`, which leaves the cost unchanged;
//! * `kinetic::moments::solve` — the moment ODEs eq. (14)–(15) in
//!   `d = 255` (`LinearMoments::solve` from `t = 0` to `t = 1`, adaptive
//!   Dormand–Prince, default tolerances), started from the sample moments
//!   of `J = 1e3` and of `J = 1e4` particles: the solve sees only `(m, C)`,
//!   so its cost does not depend on `J`.
//!
//! Run with `cargo bench -p benches --bench kinetic` (and with
//! `RAYON_NUM_THREADS=1` for per-core figures).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kinetic_enkf::mean_field::InteractingParticles;
use kinetic_enkf::moments::{LinearMoments, MomentState};
use kinetic_enkf::ode::Tolerances;
use kinetic_enkf::{Ensemble, InverseProblem};

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
const PARTICLES: [usize; 3] = [10_000, 100_000, 1_000_000];
/// The Runge–Kutta step of the particle bench.
const STEP: f64 = 1e-3;

/// A deterministic stream of uniform numbers in `[-1, 1)` (LCG; the
/// distribution of the particles does not change the cost of a step).
fn uniforms(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        2.0 * ((state >> 11) as f64 / (1u64 << 53) as f64) - 1.0
    }
}

/// `J` particles uniform in `[-1, 1)^d`.
fn particles(d: usize, j: usize) -> Ensemble {
    let mut next = uniforms(SEED);
    Ensemble::new(d, (0..j * d).map(|_| next()).collect()).expect("finite particles")
}

/// The linear problem with `G = I + 0.1 S` (`d × d`, `S` with entries in
/// `[-1, 1)`), `y = (1, …, 1)` and `Gamma^{-1} = 0.5 I`.
fn problem(d: usize) -> InverseProblem {
    let mut next = uniforms(SEED ^ d as u64);
    let g: Vec<f64> = (0..d * d)
        .map(|i| if i / d == i % d { 1.0 } else { 0.0 } + 0.1 * next())
        .collect();
    let noise: Vec<f64> = (0..d * d)
        .map(|i| if i / d == i % d { 0.5 } else { 0.0 })
        .collect();
    InverseProblem::linear(&g, d, &vec![1.0; d], &noise).expect("well-posed problem")
}

fn particle_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("kinetic::mean_field::step");
    for d in [1usize, 16] {
        let problem = problem(d);
        for j in PARTICLES {
            let u0 = particles(d, j);
            let mut p = InteractingParticles::new(&problem, &u0).expect("valid particles");
            group.throughput(Throughput::Elements(j as u64));
            group.sample_size(if j >= 1_000_000 { 10 } else { 20 });
            group.bench_function(BenchmarkId::new(format!("d={d}/J"), j), |b| {
                b.iter(|| p.step(black_box(STEP)).expect("finite step"))
            });
        }
    }
    group.finish();
}

fn moment_solve(c: &mut Criterion) {
    const D: usize = 255;
    let mut group = c.benchmark_group("kinetic::moments::solve");
    group.sample_size(10);
    let moments = LinearMoments::new(&problem(D)).expect("linear problem");
    for j in [1_000usize, 10_000] {
        let initial = MomentState::from_ensemble(&particles(D, j));
        group.bench_with_input(
            BenchmarkId::new(format!("d={D}/moments_of_J"), j),
            &initial,
            |b, initial| {
                b.iter(|| {
                    moments
                        .solve(black_box(initial), &[1.0], &Tolerances::default())
                        .expect("moment solve")
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, particle_step, moment_solve);
criterion_main!(benches);
