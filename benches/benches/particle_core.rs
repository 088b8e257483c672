//! Benchmarks of particle-core's three bulk operations in 2D at 1e4, 1e5
//! and 1e6 particles: field reconstruction (eq. 3) at as many points,
//! remeshing (eq. 6–9, projection and interpolation), and one explicit PSE
//! step. Each includes building its cell list, as a time step must.
//!
//! Particles: an `n x n` lattice of spacing `d_p = 1/n` in the periodic unit
//! square, each moved by a deterministic jitter of up to `d_p / 4` per axis;
//! `eps = 1.3 d_p`, cut-off tolerance `1e-12` (radius `5.26 eps`, about 150
//! neighbours per particle). Run with
//! `cargo bench -p benches --bench particle_core`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use particle_core::kernels::Width;
use particle_core::pse::PseOperator;
use particle_core::remesh::{RemeshGrid, remesh};
use particle_core::{Domain, ParticleSet, Reconstruction};

/// Lattice sides: 100^2 = 1e4, 316^2 ~ 1e5, 1000^2 = 1e6 (even, so that the
/// remeshing grid `l = 2 d_p` tiles the square).
const SIDES: [usize; 3] = [100, 316, 1000];
const TOLERANCE: f64 = 1e-12;

fn jittered_lattice(n: usize) -> ParticleSet<2> {
    let dp = 1.0 / n as f64;
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut jitter = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.5 * dp
    };
    let mut xs = Vec::with_capacity(n * n);
    let mut ys = Vec::with_capacity(n * n);
    let mut us = Vec::with_capacity(n * n);
    for j in 0..n {
        for i in 0..n {
            let x = ((i as f64 + 0.5) * dp + jitter()).rem_euclid(1.0);
            let y = ((j as f64 + 0.5) * dp + jitter()).rem_euclid(1.0);
            xs.push(x);
            ys.push(y);
            us.push((6.0 * x).sin() * (4.0 * y).cos() * dp * dp);
        }
    }
    ParticleSet::new([xs, ys], us, vec![dp * dp; n * n]).expect("valid lattice")
}

fn setup(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, n: usize) {
    group.throughput(Throughput::Elements((n * n) as u64));
    group.sample_size(10);
}

fn reconstruction(c: &mut Criterion) {
    let mut group = c.benchmark_group("particle_core::reconstruct");
    let domain = Domain::periodic(1.0).unwrap();
    for n in SIDES {
        let set = jittered_lattice(n);
        let eps = Width::new(1.3 / n as f64).unwrap();
        let points: Vec<[f64; 2]> = (0..n * n)
            .map(|k| [(k % n) as f64 / n as f64, (k / n) as f64 / n as f64])
            .collect();
        setup(&mut group, n);
        group.bench_with_input(BenchmarkId::new("particles", n * n), &set, |b, set| {
            b.iter(|| {
                Reconstruction::for_particles(domain, set, eps, TOLERANCE)
                    .unwrap()
                    .values_at(set.strengths(), black_box(&points))
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn remeshing(c: &mut Criterion) {
    let mut group = c.benchmark_group("particle_core::remesh");
    let domain = Domain::periodic(1.0).unwrap();
    for n in SIDES {
        let set = jittered_lattice(n);
        let grid = RemeshGrid::new(domain, 1.0 / n as f64).unwrap();
        setup(&mut group, n);
        group.bench_with_input(BenchmarkId::new("particles", n * n), &set, |b, set| {
            b.iter(|| remesh(black_box(set), &grid, 0.0).unwrap())
        });
    }
    group.finish();
}

fn pse_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("particle_core::pse_step");
    let domain = Domain::periodic(1.0).unwrap();
    let nu = 1e-3;
    for n in SIDES {
        let set = jittered_lattice(n);
        let eps = Width::new(1.3 / n as f64).unwrap();
        let dt = 0.5
            * PseOperator::for_particles(domain, &set, eps, TOLERANCE)
                .unwrap()
                .stability_bound(nu)
                .unwrap();
        setup(&mut group, n);
        group.bench_with_input(BenchmarkId::new("particles", n * n), &set, |b, set| {
            b.iter(|| {
                let mut strengths = set.strengths().to_vec();
                PseOperator::for_particles(domain, set, eps, TOLERANCE)
                    .unwrap()
                    .step(&mut strengths, nu, dt)
                    .unwrap();
                strengths
            })
        });
    }
    group.finish();
}

criterion_group!(benches, reconstruction, remeshing, pse_step);
criterion_main!(benches);
