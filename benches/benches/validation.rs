//! Benchmarks of the analytic references that reproductions and error norms
//! evaluate on fine grids: the periodic heat kernel (paper 2, Section 4.1) and
//! the Lamb–Chaplygin vorticity (Section 5.1.2) on SPEC's 128² grid.

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use validation::heat_kernel::periodic_heat_kernel;
use validation::lamb_chaplygin::LambChaplygin;
use validation::norms::CellGrid2d;

fn heat_kernel(c: &mut Criterion) {
    let mut group = c.benchmark_group("validation::heat_kernel");
    let xs: Vec<f64> = (0..1000).map(|i| i as f64 * 2.0 * PI / 1000.0).collect();
    group.throughput(Throughput::Elements(xs.len() as u64));
    // Small t needs one image, large t many: the two ends of the image sum.
    for t in [0.25, 5.0, 50.0] {
        group.bench_with_input(BenchmarkId::new("t", t), &t, |b, &t| {
            b.iter(|| {
                xs.iter()
                    .map(|&x| periodic_heat_kernel(black_box(x), t).unwrap())
                    .sum::<f64>()
            })
        });
    }
    group.finish();
}

fn lamb_chaplygin(c: &mut Criterion) {
    let mut group = c.benchmark_group("validation::lamb_chaplygin");
    let dipole = LambChaplygin::paper();
    let grid = CellGrid2d::new([0.0, 0.0], [PI, PI], [128, 128]).unwrap();
    let (xs, ys) = (grid.xs(), grid.ys());
    group.throughput(Throughput::Elements((xs.len() * ys.len()) as u64));
    group.bench_function("vorticity_grid_128", |b| {
        b.iter(|| dipole.sample_vorticity(black_box(&xs), black_box(&ys)))
    });
    group.bench_function("velocity_grid_128", |b| {
        b.iter(|| {
            grid.sample(|p| {
                let [u, v] = dipole.velocity(p);
                u + v
            })
        })
    });
    group.finish();
}

criterion_group!(benches, heat_kernel, lamb_chaplygin);
criterion_main!(benches);
