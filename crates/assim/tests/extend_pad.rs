//! Extend-and-pad, paper 2 eq. (10)–(11), against a naive all-pairs
//! evaluation of eq. (12): the analysed member's field is
//! `u_i^f + sum_j F_ji u_j^f` everywhere, and it carries all
//! `sum_j |P_j|` particles (the `N`-fold growth of Section 3.1).

use assim::{ObservationNoise, coefficients, extend_and_pad};
use particle_core::ParticleSet;
use particle_core::kernels::{Width, gaussian_1d};

/// Member `i`: `20 + 3 i` particles on `[i/7, i/7 + 4)` (free space).
fn members(n: usize) -> Vec<ParticleSet<1>> {
    (0..n)
        .map(|i| {
            let count = 20 + 3 * i;
            let dp = 4.0 / count as f64;
            let xs: Vec<f64> = (0..count)
                .map(|p| i as f64 / 7.0 + (p as f64 + 0.5) * dp)
                .collect();
            let us = xs
                .iter()
                .map(|x| (1.0 + 0.2 * i as f64) * (-(x - 2.0).powi(2)).exp() * dp)
                .collect();
            ParticleSet::new([xs], us, vec![dp; count]).unwrap()
        })
        .collect()
}

fn field(set: &ParticleSet<1>, x: f64, eps: Width) -> f64 {
    set.coords(0)
        .iter()
        .zip(set.strengths())
        .map(|(xp, u)| u * gaussian_1d(x - xp, eps))
        .sum()
}

#[test]
fn the_analysed_field_is_eq_12_on_the_union_of_particles() {
    let n = 5;
    let forecast = members(n);
    let predicted: Vec<Vec<f64>> = forecast
        .iter()
        .map(|m| vec![m.total_strength(), m.moment([1])])
        .collect();
    let noise = ObservationNoise::diagonal(&[0.1, 0.2]).unwrap();
    let eps: Vec<Vec<f64>> = (0..n).map(|i| vec![0.01 * i as f64, -0.02]).collect();
    let f = coefficients(&predicted, &[1.5, 3.0], &eps, &noise).unwrap();
    let analysed = extend_and_pad(&forecast, &f).unwrap();

    let union: usize = forecast.iter().map(ParticleSet::len).sum();
    assert!(analysed.iter().all(|m| m.len() == union));

    let width = Width::new(0.3).unwrap();
    for (i, member) in analysed.iter().enumerate() {
        for x in [0.3, 1.7, 2.0, 2.9, 4.1] {
            let expected = field(&forecast[i], x, width)
                + (0..n)
                    .map(|j| f.get(j, i) * field(&forecast[j], x, width))
                    .sum::<f64>();
            let ours = field(member, x, width);
            assert!((ours - expected).abs() < 1e-12, "member {i}, x = {x}");
        }
    }

    // A second analysis multiplies the count by N again.
    let again = extend_and_pad(&analysed, &f).unwrap();
    assert!(again.iter().all(|m| m.len() == n * union));
}

#[test]
fn a_wrong_member_count_is_refused() {
    let forecast = members(3);
    let predicted = vec![vec![0.0], vec![1.0]];
    let noise = ObservationNoise::diagonal(&[1.0]).unwrap();
    let f = coefficients(&predicted, &[0.5], &[[0.0], [0.0]], &noise).unwrap();
    assert!(matches!(
        extend_and_pad(&forecast, &f),
        Err(assim::Error::MemberCount {
            expected: 2,
            found: 3,
            ..
        })
    ));
}
