//! Benchmarks of the member-space analyses (`assim::schemes`):
//!
//! * `assim::schemes/{method}/N=..,K=..` — `Scheme::coefficients` (the
//!   `N × N` matrix `F` from predictions, data and `R`) for every method,
//!   at the sizes of the Lorenz-96 benchmark (`N = 40`, `K = 40`, the
//!   observation-space form for the stochastic methods) and of the 2D
//!   dipole (`N = 32`, `K = 288`, the ensemble-space form);
//! * `assim::apply/N=40,len=40` — `Coefficients::apply_to` on 40 states of
//!   length 40, the update of a Lorenz-96 cycle.
//!
//! Run with `cargo bench -p benches --bench assim`.

use std::hint::black_box;

use assim::{Method, ObservationNoise, Scheme};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A deterministic stream of uniform numbers in `[-1, 1)` (LCG; the values
/// do not change the cost).
fn uniforms(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn members(n: usize, len: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut u = uniforms(seed);
    (0..n).map(|_| (0..len).map(|_| u()).collect()).collect()
}

fn schemes(c: &mut Criterion) {
    let mut group = c.benchmark_group("assim::schemes");
    for (n, k) in [(40, 40), (32, 288)] {
        let predicted = members(n, k, 1);
        let data = members(1, k, 2).remove(0);
        let noise = ObservationNoise::diagonal(&vec![0.5; k]).expect("positive variances");
        for method in Method::ALL {
            let scheme = Scheme::new(method);
            group.bench_function(
                BenchmarkId::new(method.name(), format!("N={n},K={k}")),
                |b| {
                    b.iter(|| {
                        scheme
                            .coefficients(black_box(&predicted), &data, &noise, 7, 0)
                            .expect("a well-posed analysis")
                    })
                },
            );
        }
    }
    group.finish();
    let states = members(40, 40, 3);
    let f = Scheme::new(Method::Etkf)
        .coefficients(
            &members(40, 40, 4),
            &vec![0.0; 40],
            &ObservationNoise::diagonal(&[1.0; 40]).expect("positive"),
            0,
            0,
        )
        .expect("a well-posed analysis");
    c.bench_function("assim::apply/N=40,len=40", |b| {
        b.iter(|| {
            f.apply_to(black_box(&states))
                .expect("40 states of one length")
        })
    });
}

criterion_group!(benches, schemes);
criterion_main!(benches);
