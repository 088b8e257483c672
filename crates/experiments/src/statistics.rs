//! Statistics of an experiment's results: quantiles, the convergence order
//! the paper fits, and its bootstrap interval over members and seeds.
//!
//! The paper (Section 5.2) fits an order `p` of `e_omega ~ x^-p` by least
//! squares of `ln e_omega` against `ln x` over every value `x` of a sweep,
//! where `e_omega` is the ensemble's mean member error. [`fitted_order`] is
//! that fit. [`order_with_interval`] adds how far the fit can be trusted: a
//! bootstrap that redraws the members (and, given several seeds, the
//! seeds), keeping each member's errors at all values together, since
//! member `i` starts from the same prior draw at every value of a sweep.
//!
//! ```
//! use experiments::statistics::{fitted_order, order_with_interval};
//!
//! // Two seeds, three values, four members: e = c_i x^-0.7 with a
//! // member factor c_i.
//! let xs = [1.0, 2.0, 4.0];
//! let seed = |s: f64| -> Vec<Vec<f64>> {
//!     xs.iter()
//!         .map(|x: &f64| (1..=4).map(|i| (s + i as f64) * x.powf(-0.7)).collect())
//!         .collect()
//! };
//! let errors = [seed(0.0), seed(1.0)];
//! let estimate = order_with_interval(&xs, &errors, 1, 200, 0.9).unwrap();
//! assert!((estimate.order - 0.7).abs() < 1e-12);
//! // Every redraw follows the same power law, so the interval is a point.
//! assert!((estimate.interval[0] - 0.7).abs() < 1e-12);
//! assert!((estimate.interval[1] - 0.7).abs() < 1e-12);
//! # assert!((fitted_order(&xs, &[1.0, 2f64.powf(-0.7), 4f64.powf(-0.7)]).unwrap() - 0.7).abs() < 1e-12);
//! ```

use assim::rng::{Stream, member_stream};
use rand_xoshiro::rand_core::Rng;
use serde::Serialize;

/// The `p`-quantile of sorted samples, interpolated linearly between order
/// statistics (Hyndman & Fan's type 7, numpy's default).
///
/// # Panics
/// If `sorted` is empty.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The order `p` of `e ~ x^-p`: minus the least-squares slope of `ln e`
/// against `ln x` over all values, as the paper fits its orders (`None`
/// for fewer than two distinct abscissas or a non-positive value).
pub fn fitted_order(xs: &[f64], errors: &[f64]) -> Option<f64> {
    if xs.len() != errors.len()
        || xs
            .iter()
            .chain(errors)
            .any(|&v| !(v > 0.0 && v.is_finite()))
    {
        return None;
    }
    let (lx, ly): (Vec<f64>, Vec<f64>) =
        xs.iter().zip(errors).map(|(x, e)| (x.ln(), e.ln())).unzip();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mx, my) = (mean(&lx), mean(&ly));
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = lx.iter().map(|x| (x - mx) * (x - mx)).sum();
    (sxx > 0.0).then(|| -sxy / sxx)
}

/// A fitted order and its bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderEstimate {
    /// The order fitted to the mean error over every member of every seed.
    pub order: f64,
    /// The `level` interval of the redrawn fits: their `(1 - level) / 2`
    /// and `(1 + level) / 2` quantiles.
    pub interval: [f64; 2],
    /// The coverage of `interval`, e.g. 0.9.
    pub level: f64,
    /// How many redraws the interval comes from.
    pub draws: usize,
    /// How many seeds the errors come from.
    pub seeds: usize,
    /// Members per seed.
    pub members: usize,
}

/// The order of `e ~ x^-p` fitted to the mean member error at each value,
/// with a bootstrap interval.
///
/// `errors[s][v][i]` is member `i`'s error at value `xs[v]` in seed `s`;
/// every seed must have every value and the same number of members. Each
/// of `draws` redraws picks seeds with replacement (when there are
/// several), then within each picked seed members with replacement, the
/// same members at every value; the fit to the redrawn means is one sample
/// of the order. Redraw `k` takes its choices from
/// `member_stream(resample_seed, 0, Stream::Resample(k))`, so the interval
/// is reproducible.
///
/// `None` if the shapes disagree, there are no members, `level` is not in
/// `(0, 1)`, `draws` is 0, or the order of the full means cannot be fitted
/// (see [`fitted_order`]). Redraws whose fit fails (a redrawn mean of 0)
/// are left out of the interval.
pub fn order_with_interval(
    xs: &[f64],
    errors: &[Vec<Vec<f64>>],
    resample_seed: u64,
    draws: usize,
    level: f64,
) -> Option<OrderEstimate> {
    let members = errors.first()?.first()?.len();
    let shapes_agree = errors
        .iter()
        .all(|seed| seed.len() == xs.len() && seed.iter().all(|value| value.len() == members));
    if !shapes_agree || members == 0 || draws == 0 || !(level > 0.0 && level < 1.0) {
        return None;
    }
    let means = |picks: &[(usize, Vec<usize>)]| -> Vec<f64> {
        let count: usize = picks.iter().map(|(_, m)| m.len()).sum();
        (0..xs.len())
            .map(|v| {
                let sum: f64 = picks
                    .iter()
                    .flat_map(|(s, ms)| ms.iter().map(move |&i| errors[*s][v][i]))
                    .sum();
                sum / count as f64
            })
            .collect()
    };
    let all: Vec<(usize, Vec<usize>)> = (0..errors.len())
        .map(|s| (s, (0..members).collect()))
        .collect();
    let order = fitted_order(xs, &means(&all))?;
    let mut samples: Vec<f64> = (0..draws)
        .filter_map(|k| {
            let mut rng = member_stream(resample_seed, 0, Stream::Resample(k));
            let mut pick = |n: usize| (rng.next_u64() % n as u64) as usize;
            let seeds: Vec<usize> = if errors.len() == 1 {
                vec![0]
            } else {
                (0..errors.len()).map(|_| pick(errors.len())).collect()
            };
            let picks: Vec<(usize, Vec<usize>)> = seeds
                .into_iter()
                .map(|s| (s, (0..members).map(|_| pick(members)).collect()))
                .collect();
            fitted_order(xs, &means(&picks))
        })
        .collect();
    if samples.is_empty() {
        return None;
    }
    samples.sort_by(f64::total_cmp);
    Some(OrderEstimate {
        order,
        interval: [
            quantile(&samples, (1.0 - level) / 2.0),
            quantile(&samples, (1.0 + level) / 2.0),
        ],
        level,
        draws: samples.len(),
        seeds: errors.len(),
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_of_a_power_law_is_its_exponent() {
        let xs = [1.0, 2.0, 4.0, 8.0];
        let errors: Vec<f64> = xs.iter().map(|x: &f64| 3.0 * x.powf(-0.75)).collect();
        assert!((fitted_order(&xs, &errors).unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(fitted_order(&[2.0, 2.0], &[1.0, 0.5]), None);
        assert_eq!(fitted_order(&[1.0, 2.0], &[1.0, 0.0]), None);
        assert_eq!(fitted_order(&[1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let sorted = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(quantile(&sorted, 0.0), 1.0);
        assert_eq!(quantile(&sorted, 1.0), 8.0);
        assert_eq!(quantile(&sorted, 0.5), 3.0);
        assert_eq!(quantile(&sorted, 0.25), 1.75);
    }

    /// Errors `x^-p exp(sigma z)` with independent standard normal `z`:
    /// the 90 % interval must hold the true order in about 90 % of
    /// independent experiments (here 200; the count is binomial with sd
    /// about 4.2, so 160 to 195 leaves over four sd either side).
    #[test]
    fn the_interval_covers_the_true_order_about_as_often_as_it_says() {
        use rand_distr::{Distribution, StandardNormal};
        let (p, sigma) = (0.75, 0.6);
        let xs = [25.0, 100.0, 400.0, 1600.0, 6400.0];
        let experiments = 200;
        let covered = (0..experiments)
            .filter(|&e| {
                let seeds: Vec<Vec<Vec<f64>>> = (0..2)
                    .map(|s| {
                        let mut rng = member_stream(e, s, Stream::Observation(0));
                        xs.iter()
                            .map(|x: &f64| {
                                (0..16)
                                    .map(|_| {
                                        let z: f64 = StandardNormal.sample(&mut rng);
                                        x.powf(-p) * (sigma * z).exp()
                                    })
                                    .collect()
                            })
                            .collect()
                    })
                    .collect();
                let estimate = order_with_interval(&xs, &seeds, e + 1000, 400, 0.9).unwrap();
                assert!(estimate.interval[0] <= estimate.order);
                assert!(estimate.order <= estimate.interval[1]);
                estimate.interval[0] <= p && p <= estimate.interval[1]
            })
            .count();
        assert!(
            (160..=195).contains(&covered),
            "covered {covered} of {experiments}"
        );
    }

    #[test]
    fn bad_shapes_give_no_estimate() {
        let xs = [1.0, 2.0];
        let ok = vec![vec![vec![1.0, 2.0], vec![0.5, 1.0]]];
        assert!(order_with_interval(&xs, &ok, 0, 10, 0.9).is_some());
        let ragged = vec![vec![vec![1.0, 2.0], vec![0.5]]];
        assert_eq!(order_with_interval(&xs, &ragged, 0, 10, 0.9), None);
        assert_eq!(order_with_interval(&xs, &ok, 0, 0, 0.9), None);
        assert_eq!(order_with_interval(&xs, &ok, 0, 10, 1.0), None);
        assert_eq!(order_with_interval(&xs, &[], 0, 10, 0.9), None);
    }
}
