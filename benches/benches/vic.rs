//! Benchmarks of the Vortex-In-Cell solver on the paper's 2D scenario
//! (paper 2, Section 5.1): the dipole of Section 5.1.2 in the stress-free
//! box `[0, pi]^2` after 0.5 time units of flow (so the particles are no
//! longer on their lattice), at the members' discretisation
//! `d_p = pi / 256` (128^2 grid) and at the truth's `d_p = pi / 512`.
//!
//! * `vic::step` — one full time step: three RK3 stages of P2M, FFT Poisson
//!   with spectral velocity and M2P, then one PSE step (`pse`, the paper's
//!   scheme) or one grid-diffusion step (`grid_diffusion`); no remeshing
//!   falls in the measured steps;
//! * `vic::phase` — each phase alone on the same particles: P2M projection,
//!   the FFT Poisson solve, M2P interpolation of both velocity components
//!   (`m2p`: the batch `VelocityField::sample_into` that `Vic` uses;
//!   `m2p_pointwise`: one `VelocityField::at` call per particle),
//!   one PSE step (`pse`: including its sorting into lines; `pse_sums`:
//!   the sums alone, on a kept operator), one remeshing.
//!
//! Run with `cargo bench -p benches --bench vic` (and with
//! `RAYON_NUM_THREADS=1` for per-core figures).

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use particle_core::kernels::Width;
use particle_core::pse::PseOperator;
use particle_core::remesh::{Projector, remesh};
use validation::dipole_box::DipoleBox;
use vic_solver::{Diffusion, FlowState, PoissonSolver, VelocityField, Vic};

/// The scenario at `d_p = pi / n`, flowed to `t = 0.5`.
fn flowed(n: f64) -> (Vic, FlowState, DipoleBox) {
    let scenario = DipoleBox {
        particle_spacing: PI / n,
        // No remeshing inside the measured steps.
        remesh_every: 1_000_000,
        ..DipoleBox::paper_member()
    };
    let (mut vic, mut state) = scenario.start().expect("paper scenario");
    vic.advance(&mut state, scenario.steps_to(0.5), |_| {})
        .expect("stable flow");
    (vic, state, scenario)
}

fn step(c: &mut Criterion) {
    let mut group = c.benchmark_group("vic::step");
    group.sample_size(10);
    for n in [256.0, 512.0] {
        let (vic, state, _) = flowed(n);
        group.throughput(Throughput::Elements(state.particles.len() as u64));
        for (name, diffusion) in [("pse", Diffusion::Pse), ("grid_diffusion", Diffusion::Grid)] {
            let config = vic.config().with_diffusion(diffusion);
            let mut stepper = Vic::new(vic.grid().clone(), config).expect("valid config");
            group.bench_with_input(BenchmarkId::new(format!("{name} dp=pi/"), n), &n, |b, _| {
                b.iter_batched(
                    || state.clone(),
                    |mut s| stepper.step(black_box(&mut s)).expect("step"),
                    criterion::BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

fn phases(c: &mut Criterion) {
    let mut group = c.benchmark_group("vic::phase");
    group.sample_size(20);
    for n in [256.0, 512.0] {
        let (vic, state, scenario) = flowed(n);
        let particles = &state.particles;
        let grid = vic.grid().clone();
        let mut projector = Projector::new(grid.remesh_grid().clone());
        let mut omega = vec![0.0; grid.remesh_grid().node_count()];
        group.throughput(Throughput::Elements(particles.len() as u64));
        group.bench_function(BenchmarkId::new("p2m dp=pi/", n), |b| {
            b.iter(|| {
                projector
                    .project_into(black_box(particles), &mut omega)
                    .unwrap()
            })
        });
        let mut poisson = PoissonSolver::new(&grid);
        let mut flow = VelocityField::zeros(&grid).unwrap();
        group.bench_function(BenchmarkId::new("fft_poisson dp=pi/", n), |b| {
            b.iter(|| poisson.solve(black_box(&omega), &mut flow).unwrap())
        });
        let mut velocity = vec![[0.0; 2]; particles.len()];
        group.bench_function(BenchmarkId::new("m2p dp=pi/", n), |b| {
            b.iter(|| {
                flow.sample_into(
                    black_box(particles.coords(0)),
                    particles.coords(1),
                    &mut velocity,
                )
                .unwrap()
            })
        });
        group.bench_function(BenchmarkId::new("m2p_pointwise dp=pi/", n), |b| {
            b.iter(|| {
                (0..particles.len())
                    .map(|p| flow.at(particles.position(p)).unwrap()[0])
                    .sum::<f64>()
            })
        });
        let eps = Width::new(2.0 * scenario.particle_spacing).unwrap();
        let domain = grid.domain().particle_domain();
        let tolerance = vic.config().pse_tolerance;
        group.bench_function(BenchmarkId::new("pse dp=pi/", n), |b| {
            b.iter_batched(
                || particles.strengths().to_vec(),
                |mut g| {
                    PseOperator::for_particles(domain, particles, eps, tolerance)
                        .unwrap()
                        .step(&mut g, scenario.viscosity, scenario.dt)
                        .unwrap()
                },
                criterion::BatchSize::LargeInput,
            )
        });
        // The pair sums alone: the operator kept, as `Vic` keeps it.
        let mut op = PseOperator::for_particles(domain, particles, eps, tolerance).unwrap();
        group.bench_function(BenchmarkId::new("pse_sums dp=pi/", n), |b| {
            b.iter_batched(
                || particles.strengths().to_vec(),
                |mut g| op.step(&mut g, scenario.viscosity, scenario.dt).unwrap(),
                criterion::BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("remesh dp=pi/", n), |b| {
            b.iter(|| remesh(black_box(particles), grid.remesh_grid(), scenario.eps_omega).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, step, phases);
criterion_main!(benches);
