//! Random streams (`assim::rng`) and the perturbations `eps_i ~ N(0, R)` of
//! paper 2, eq. (2) (`assim::analysis::perturbations`).
//!
//! The stream derivation is checked against an implementation of the
//! documented recipe written here; the perturbations against their
//! distribution (sample mean and covariance with tolerances from the
//! standard errors of Gaussian sample moments).

use assim::analysis::{ObservationNoise, perturbations};
use assim::rng::{Stream, member_stream, stream_seed};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use std::collections::HashSet;

/// Scenario seed of these tests.
const SEED: u64 = 0x7e57_5eed_0001;

/// The documented derivation, written from the module docs of `assim::rng`.
fn documented_seed(seed: u64, member: u64, tag: u64, index: u64) -> u64 {
    let mut h: u64 = 0;
    for word in [seed, member, tag, index] {
        let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15) ^ word;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h = z ^ (z >> 31);
    }
    h
}

fn first_words(mut rng: Xoshiro256PlusPlus, count: usize) -> Vec<u64> {
    (0..count).map(|_| rng.next_u64()).collect()
}

const PURPOSES: [Stream; 6] = [
    Stream::Prior,
    Stream::Observation(0),
    Stream::Observation(1),
    Stream::Perturbation(0),
    Stream::Perturbation(1),
    Stream::Perturbation(29),
];

#[test]
fn the_derivation_is_the_documented_one() {
    for member in [0, 1, 24, 1 << 40] {
        for (purpose, tag, index) in [
            (Stream::Prior, 1, 0),
            (Stream::Observation(3), 2, 3),
            (Stream::Perturbation(7), 3, 7),
        ] {
            let h = documented_seed(SEED, member as u64, tag, index);
            assert_eq!(stream_seed(SEED, member, purpose), h);
            assert_eq!(
                first_words(member_stream(SEED, member, purpose), 4),
                first_words(Xoshiro256PlusPlus::seed_from_u64(h), 4)
            );
        }
    }
}

#[test]
fn streams_for_different_seeds_members_and_purposes_differ() {
    let mut seen = HashSet::new();
    let mut count = 0;
    for seed in [SEED, SEED + 1, 0] {
        for member in 0..16 {
            for purpose in PURPOSES {
                assert!(seen.insert(first_words(member_stream(seed, member, purpose), 2)));
                count += 1;
            }
        }
    }
    assert_eq!(seen.len(), count);
}

#[test]
fn the_same_inputs_give_identical_draws() {
    for purpose in PURPOSES {
        assert_eq!(
            first_words(member_stream(SEED, 5, purpose), 100),
            first_words(member_stream(SEED, 5, purpose), 100)
        );
    }
}

#[test]
fn perturbations_depend_on_seed_member_and_analysis_only() {
    let noise = ObservationNoise::diagonal(&[0.05; 6]).unwrap();
    let ten = perturbations(SEED, 3, 10, &noise);
    // Not on the ensemble size.
    assert_eq!(perturbations(SEED, 3, 5, &noise), ten[..5].to_vec());
    // Not on the order of the members: each is its own stream's draw.
    for i in (0..10).rev() {
        let mut rng = member_stream(SEED, i, Stream::Perturbation(3));
        assert_eq!(noise.sample(&mut rng), ten[i]);
    }
    // But on the analysis index and the seed.
    assert_ne!(perturbations(SEED, 4, 10, &noise), ten);
    assert_ne!(perturbations(SEED + 1, 3, 10, &noise), ten);
}

/// Sample mean and covariance (`1/(n-1)`) of `n` draws of dimension `k`.
fn moments(draws: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let (n, k) = (draws.len(), draws[0].len());
    let mean: Vec<f64> = (0..k)
        .map(|a| draws.iter().map(|e| e[a]).sum::<f64>() / n as f64)
        .collect();
    let mut cov = vec![0.0; k * k];
    for e in draws {
        for a in 0..k {
            for b in 0..k {
                cov[a * k + b] += (e[a] - mean[a]) * (e[b] - mean[b]) / (n - 1) as f64;
            }
        }
    }
    (mean, cov)
}

/// Checks sample moments of `n` draws against `N(0, r)`.
///
/// For Gaussian draws, the sample mean of component `a` has standard error
/// `sqrt(r_aa / n)` and the sample covariance entry `(a, b)` has standard
/// error `sqrt((r_aa r_bb + r_ab^2) / n)`. We allow 5 standard errors: a
/// correct sampler exceeds that with probability below 1e-6 per entry
/// (nearly normal errors at this `n`), while a wrong factor (`L^T` instead of
/// `L`, standard deviations used as variances) misses by many more.
fn assert_moments(draws: &[Vec<f64>], r: &[f64]) {
    let (n, k) = (draws.len() as f64, draws[0].len());
    let (mean, cov) = moments(draws);
    for a in 0..k {
        let se = (r[a * k + a] / n).sqrt();
        assert!(
            mean[a].abs() <= 5.0 * se,
            "mean {a}: {} vs 0, se {se:e}",
            mean[a]
        );
        for b in 0..k {
            let se = ((r[a * k + a] * r[b * k + b] + r[a * k + b].powi(2)) / n).sqrt();
            let err = (cov[a * k + b] - r[a * k + b]).abs();
            assert!(
                err <= 5.0 * se,
                "covariance ({a}, {b}): {} vs {}, se {se:e}",
                cov[a * k + b],
                r[a * k + b]
            );
        }
    }
}

#[test]
fn dense_perturbations_have_covariance_r() {
    // Strong correlations, so that L L^T and L^T L differ by far more than
    // the tolerance.
    let r = [
        2.0, 1.2, -0.6, //
        1.2, 1.0, -0.1, //
        -0.6, -0.1, 0.5,
    ];
    let noise = ObservationNoise::dense(3, &r).unwrap();
    let draws = perturbations(SEED, 0, 40_000, &noise);
    assert_moments(&draws, &r);
}

#[test]
fn diagonal_perturbations_have_the_variances() {
    let variances = [0.05, 2.0, 0.5];
    let mut r = [0.0; 9];
    for (a, v) in variances.iter().enumerate() {
        r[a * 3 + a] = *v;
    }
    let noise = ObservationNoise::diagonal(&variances).unwrap();
    let draws = perturbations(SEED, 1, 40_000, &noise);
    assert_moments(&draws, &r);
}
