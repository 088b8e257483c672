//! The member-space analysis of paper 2 (Duvillard, Giraldi & Le Maître),
//! Section 2.1.2, eq. (1)–(2).
//!
//! The truths are written here, independently of the crate: a dense
//! textbook EnKF update (sample covariances `P H^T` and `H P H^T`, a gain
//! `P H^T (H P H^T + R)^{-1}` inverted by Gauss–Jordan elimination, each
//! member corrected with its own perturbed data), and the exact Kalman
//! filter posterior of eq. (1) for a linear-Gaussian problem. The properties
//! are `sum_j F_ji = 0`, the agreement of the observation-space and
//! ensemble-space forms, and the independence of `F` from the state
//! (parameter augmentation).

use assim::Error;
use assim::analysis::{
    Coefficients, Form, ObservationNoise, coefficients, coefficients_with, perturbations,
};
use assim::rng::{Stream, member_stream};
use proptest::prelude::*;
use rand_distr::{Distribution, StandardNormal, Uniform};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Scenario seed of the deterministic tests.
const SEED: u64 = 0x00e4_4f20_2401;

// ---------------------------------------------------------------------------
// Test data and the independent reference.
// ---------------------------------------------------------------------------

/// `rows` vectors of length `len`, component `c` uniform in
/// `[offset * c - 1, offset * c + 1)`.
fn uniform_members(
    rng: &mut Xoshiro256PlusPlus,
    rows: usize,
    len: usize,
    offset: f64,
) -> Vec<Vec<f64>> {
    let u = Uniform::new(-1.0, 1.0).unwrap();
    (0..rows)
        .map(|_| {
            (0..len)
                .map(|c| offset * c as f64 + u.sample(rng))
                .collect()
        })
        .collect()
}

/// A random `k × k` SPD matrix `B B^T / k + I / 2`, row-major.
fn random_spd(rng: &mut Xoshiro256PlusPlus, k: usize) -> Vec<f64> {
    let b = uniform_members(rng, k, k, 0.0);
    let mut r = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            r[i * k + j] = (0..k).map(|l| b[i][l] * b[j][l]).sum::<f64>() / k as f64;
        }
        r[i * k + i] += 0.5;
    }
    r
}

/// Variances uniform in `[0.2, 2)`.
fn random_variances(rng: &mut Xoshiro256PlusPlus, k: usize) -> Vec<f64> {
    let u = Uniform::new(0.2, 2.0).unwrap();
    (0..k).map(|_| u.sample(rng)).collect()
}

/// The dense row-major matrix of a diagonal.
fn diag_matrix(v: &[f64]) -> Vec<f64> {
    let k = v.len();
    let mut m = vec![0.0; k * k];
    for (i, x) in v.iter().enumerate() {
        m[i * k + i] = *x;
    }
    m
}

/// The inverse of a row-major `n × n` matrix by Gauss–Jordan elimination
/// with partial pivoting.
#[expect(
    clippy::needless_range_loop,
    reason = "the textbook algorithm, indexed as it is printed"
)]
fn naive_inverse(n: usize, m: &[f64]) -> Vec<Vec<f64>> {
    let mut a: Vec<Vec<f64>> = (0..n)
        .map(|r| {
            let mut row = m[r * n..(r + 1) * n].to_vec();
            row.extend((0..n).map(|c| if c == r { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    for k in 0..n {
        let p = (k..n)
            .max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs()))
            .unwrap();
        a.swap(k, p);
        let pivot = a[k][k];
        for x in &mut a[k] {
            *x /= pivot;
        }
        for i in 0..n {
            if i != k {
                let factor = a[i][k];
                for j in 0..2 * n {
                    a[i][j] -= factor * a[k][j];
                }
            }
        }
    }
    a.into_iter().map(|row| row[n..].to_vec()).collect()
}

fn mean(members: &[Vec<f64>]) -> Vec<f64> {
    let n = members.len() as f64;
    (0..members[0].len())
        .map(|c| members.iter().map(|m| m[c]).sum::<f64>() / n)
        .collect()
}

/// `1/(N-1) sum_i (u_i - u-bar)(v_i - v-bar)^T` as nested vectors.
fn sample_cross_covariance(u: &[Vec<f64>], v: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (mu, mv) = (mean(u), mean(v));
    let n1 = (u.len() - 1) as f64;
    (0..mu.len())
        .map(|a| {
            (0..mv.len())
                .map(|b| {
                    u.iter()
                        .zip(v)
                        .map(|(x, y)| (x[a] - mu[a]) * (y[b] - mv[b]))
                        .sum::<f64>()
                        / n1
                })
                .collect()
        })
        .collect()
}

/// The textbook stochastic EnKF: `K = P H^T (H P H^T + R)^{-1}` from sample
/// covariances, `z_i^a = z_i + K (y + eps_i - H_i)`.
fn dense_enkf(
    states: &[Vec<f64>],
    predicted: &[Vec<f64>],
    y: &[f64],
    eps: &[Vec<f64>],
    r: &[f64],
) -> Vec<Vec<f64>> {
    let k = y.len();
    let pht = sample_cross_covariance(states, predicted);
    let hpht = sample_cross_covariance(predicted, predicted);
    let s: Vec<f64> = (0..k * k).map(|i| hpht[i / k][i % k] + r[i]).collect();
    let s_inv = naive_inverse(k, &s);
    let gain: Vec<Vec<f64>> = pht
        .iter()
        .map(|row| {
            (0..k)
                .map(|c| (0..k).map(|l| row[l] * s_inv[l][c]).sum())
                .collect()
        })
        .collect();
    states
        .iter()
        .zip(predicted)
        .zip(eps)
        .map(|((z, h), e)| {
            let innovation: Vec<f64> = (0..k).map(|c| y[c] + e[c] - h[c]).collect();
            z.iter()
                .zip(&gain)
                .map(|(x, g)| x + g.iter().zip(&innovation).map(|(a, b)| a * b).sum::<f64>())
                .collect()
        })
        .collect()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0_f64, |m, x| m.max(x.abs()))
}

/// A random analysis problem: `n` members, `k` observations, predictions
/// `H_i` with O(1) spread about offsets up to `0.5 k`, data, perturbations.
struct Problem {
    predicted: Vec<Vec<f64>>,
    y: Vec<f64>,
    eps: Vec<Vec<f64>>,
}

fn problem(seed: u64, n: usize, k: usize, noise: &ObservationNoise) -> Problem {
    let mut rng = member_stream(seed, 0, Stream::Prior);
    Problem {
        predicted: uniform_members(&mut rng, n, k, 0.5),
        y: uniform_members(&mut rng, 1, k, 0.5).remove(0),
        eps: perturbations(seed, 0, n, noise),
    }
}

/// Either a diagonal or a dense `R`, with its dense matrix.
fn noise(seed: u64, k: usize, dense: bool) -> (ObservationNoise, Vec<f64>) {
    let mut rng = member_stream(seed, 1, Stream::Prior);
    if dense {
        let r = random_spd(&mut rng, k);
        (ObservationNoise::dense(k, &r).unwrap(), r)
    } else {
        let v = random_variances(&mut rng, k);
        (ObservationNoise::diagonal(&v).unwrap(), diag_matrix(&v))
    }
}

fn f_of(p: &Problem, noise: &ObservationNoise, form: Form) -> Coefficients {
    coefficients_with(&p.predicted, &p.y, &p.eps, noise, form).unwrap()
}

// ---------------------------------------------------------------------------
// Against the dense textbook EnKF.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `z_i + sum_j F_ji z_j` equals the dense EnKF update, for nonlinear
    /// (here: arbitrary) predictions, both forms and both kinds of `R`.
    #[test]
    fn matches_the_dense_textbook_enkf(
        n in 2usize..30,
        k in 1usize..12,
        d in 1usize..6,
        dense in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let (noise, r) = noise(seed, k, dense);
        let p = problem(seed, n, k, &noise);
        let states = uniform_members(&mut member_stream(seed, 2, Stream::Prior), n, d, 1.0);
        let reference = dense_enkf(&states, &p.predicted, &p.y, &p.eps, &r);
        let scale = 1.0 + max_abs(&reference.concat());
        for form in [Form::ObservationSpace, Form::EnsembleSpace] {
            let analysis = f_of(&p, &noise, form).apply_to(&states).unwrap();
            for (a, b) in analysis.concat().iter().zip(reference.concat()) {
                prop_assert!((a - b).abs() <= 1e-10 * scale, "{form:?}: {a} vs {b}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Property (a): column sums vanish, equal members are left unchanged.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `sum_j F_ji = 0` for every column `i`: the sum runs over the
    /// contributing member `j`, whose only appearance in `F_ji` is the
    /// centred prediction `H_j - ybar`, and `sum_j (H_j - ybar) = 0`. The
    /// innovation of member `i` is a common factor of the column.
    #[test]
    fn columns_of_f_sum_to_zero(
        n in 2usize..40,
        k in 1usize..60,
        dense in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let (noise, _) = noise(seed, k, dense);
        let p = problem(seed, n, k, &noise);
        let f = coefficients(&p.predicted, &p.y, &p.eps, &noise).unwrap();
        for i in 0..n {
            let sum: f64 = (0..n).map(|j| f.get(j, i)).sum();
            let size: f64 = (0..n).map(|j| f.get(j, i).abs()).sum();
            prop_assert!(sum.abs() <= 1e-12 * size, "column {i}: sum {sum:e}, size {size:e}");
        }
    }

    /// Hence a state that is the same in every member (a conserved total, a
    /// parameter all members agree on) is not changed by the analysis.
    #[test]
    fn equal_members_are_left_unchanged(
        n in 2usize..40,
        k in 1usize..60,
        len in 0usize..8,
        seed in any::<u64>(),
    ) {
        let (noise, _) = noise(seed, k, false);
        let p = problem(seed, n, k, &noise);
        let f = coefficients(&p.predicted, &p.y, &p.eps, &noise).unwrap();
        let c = uniform_members(&mut member_stream(seed, 3, Stream::Prior), 1, len, 10.0).remove(0);
        let size = max_abs(f.as_slice()) * n as f64;
        for z in f.apply_to(&vec![c.clone(); n]).unwrap() {
            for (a, b) in z.iter().zip(&c) {
                prop_assert!((a - b).abs() <= 1e-12 * (1.0 + size) * b.abs().max(1.0));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Property (c): the two forms agree.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Observation space (factor `C_H + R`, `K × K`) and ensemble space
    /// (Woodbury, factor `(N-1) I + A^T R^{-1} A`, `N × N`) give the same `F`
    /// to 1e-10 relative, for `K` below and above `N`.
    #[test]
    fn observation_and_ensemble_space_forms_agree(
        n in 2usize..40,
        k in 1usize..80,
        dense in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let (noise, _) = noise(seed, k, dense);
        let p = problem(seed, n, k, &noise);
        let obs = f_of(&p, &noise, Form::ObservationSpace);
        let ens = f_of(&p, &noise, Form::EnsembleSpace);
        prop_assert_eq!(obs.form(), Form::ObservationSpace);
        prop_assert_eq!(ens.form(), Form::EnsembleSpace);
        let scale = max_abs(obs.as_slice());
        for (a, b) in obs.as_slice().iter().zip(ens.as_slice()) {
            prop_assert!((a - b).abs() <= 1e-10 * scale, "{a} vs {b}, scale {scale:e}");
        }
    }
}

#[test]
fn the_form_follows_the_smaller_matrix() {
    assert_eq!(Form::for_sizes(25, 6), Form::ObservationSpace);
    assert_eq!(Form::for_sizes(25, 25), Form::ObservationSpace);
    assert_eq!(Form::for_sizes(32, 288), Form::EnsembleSpace);
    for (n, k, form) in [(5, 3, Form::ObservationSpace), (3, 5, Form::EnsembleSpace)] {
        let (noise, _) = noise(SEED, k, false);
        let p = problem(SEED, n, k, &noise);
        let f = coefficients(&p.predicted, &p.y, &p.eps, &noise).unwrap();
        assert_eq!(f.form(), form);
        assert_eq!(f.n_members(), n);
    }
}

// ---------------------------------------------------------------------------
// Property (d): F knows nothing about the states.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Appending parameters `theta_i` to the states `x_i` (which the
    /// observations see through `H(x) = B x`, independent of `theta`) gives
    /// the same analysis of `x`, bit for bit, because `F` is computed from the
    /// predictions alone and applied component by component; and the
    /// analysed parameters are the dense EnKF update of `theta` through its
    /// sample cross-covariance with the predictions.
    #[test]
    fn appending_parameters_changes_nothing_else(
        n in 2usize..30,
        k in 1usize..8,
        d in 1usize..6,
        q in 1usize..4,
        seed in any::<u64>(),
    ) {
        let (noise, r) = noise(seed, k, false);
        let mut rng = member_stream(seed, 4, Stream::Prior);
        let b = uniform_members(&mut rng, k, d, 0.0);
        let x = uniform_members(&mut rng, n, d, 1.0);
        let theta = uniform_members(&mut rng, n, q, 2.0);
        let predicted: Vec<Vec<f64>> = x
            .iter()
            .map(|xi| b.iter().map(|row| row.iter().zip(xi).map(|(u, v)| u * v).sum()).collect())
            .collect();
        let y = uniform_members(&mut rng, 1, k, 0.0).remove(0);
        let eps = perturbations(seed, 7, n, &noise);
        let f = coefficients(&predicted, &y, &eps, &noise).unwrap();

        let augmented: Vec<Vec<f64>> = x.iter().zip(&theta).map(|(a, t)| [a.as_slice(), t].concat()).collect();
        let plain = f.apply_to(&x).unwrap();
        let full = f.apply_to(&augmented).unwrap();
        let params_only = f.apply_to(&theta).unwrap();
        for i in 0..n {
            prop_assert_eq!(&full[i][..d], plain[i].as_slice());
            prop_assert_eq!(&full[i][d..], params_only[i].as_slice());
        }
        let reference = dense_enkf(&theta, &predicted, &y, &eps, &r);
        for (a, b) in params_only.concat().iter().zip(reference.concat()) {
            prop_assert!((a - b).abs() <= 1e-10 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }
}

// ---------------------------------------------------------------------------
// Property (b): large ensembles approach the Kalman filter, eq. (1).
// ---------------------------------------------------------------------------

/// Prior mean and covariance (the TRUE prior, from which the members are
/// drawn) of the linear-Gaussian test: `d = 3`, `K = 2`.
const PRIOR_MEAN: [f64; 3] = [1.0, -0.5, 0.3];
const PRIOR_COV: [f64; 9] = [1.0, 0.3, -0.2, 0.3, 0.8, 0.1, -0.2, 0.1, 0.6];
const H: [[f64; 3]; 2] = [[1.0, 0.0, 0.5], [0.0, 1.0, -1.0]];
const R_DIAG: [f64; 2] = [0.3, 0.2];
const DATA: [f64; 2] = [1.8, -0.9];

fn mat_mul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    a.iter()
        .map(|row| {
            (0..b[0].len())
                .map(|c| row.iter().zip(b).map(|(x, brow)| x * brow[c]).sum())
                .collect()
        })
        .collect()
}

fn transpose(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    (0..a[0].len())
        .map(|c| a.iter().map(|row| row[c]).collect())
        .collect()
}

/// The Kalman filter posterior of eq. (1) with the true prior:
/// `K = P H^T (H P H^T + R)^{-1}`, `m_a = m + K (y - H m)`,
/// `P_a = (I - K H) P`.
fn kalman_posterior() -> (Vec<f64>, Vec<Vec<f64>>) {
    let p: Vec<Vec<f64>> = PRIOR_COV.chunks(3).map(<[f64]>::to_vec).collect();
    let h: Vec<Vec<f64>> = H.iter().map(|r| r.to_vec()).collect();
    let pht = mat_mul(&p, &transpose(&h));
    let mut s = mat_mul(&h, &pht);
    for (i, r) in R_DIAG.iter().enumerate() {
        s[i][i] += r;
    }
    let gain = mat_mul(&pht, &naive_inverse(2, &s.concat()));
    let innovation: Vec<f64> = (0..2)
        .map(|r| DATA[r] - (0..3).map(|c| H[r][c] * PRIOR_MEAN[c]).sum::<f64>())
        .collect();
    let m_a = (0..3)
        .map(|a| PRIOR_MEAN[a] + (0..2).map(|r| gain[a][r] * innovation[r]).sum::<f64>())
        .collect();
    let kh = mat_mul(&gain, &h);
    let i_kh: Vec<Vec<f64>> = (0..3)
        .map(|a| {
            (0..3)
                .map(|b| f64::from(u8::from(a == b)) - kh[a][b])
                .collect()
        })
        .collect();
    (m_a, mat_mul(&i_kh, &p))
}

/// The lower Cholesky factor of `PRIOR_COV`, computed here by the textbook
/// recurrence, to draw the members `m + L xi`.
fn prior_factor() -> [[f64; 3]; 3] {
    let a = |r: usize, c: usize| PRIOR_COV[r * 3 + c];
    let mut l = [[0.0; 3]; 3];
    for r in 0..3 {
        for c in 0..=r {
            let s: f64 = (0..c).map(|t| l[r][t] * l[c][t]).sum();
            l[r][c] = if r == c {
                (a(r, r) - s).sqrt()
            } else {
                (a(r, c) - s) / l[c][c]
            };
        }
    }
    l
}

/// The largest errors of the analysis ensemble's mean and covariance,
/// each divided by its Monte Carlo standard error (see the test below).
fn kalman_errors(seed: u64, n: usize) -> (f64, f64) {
    let l = prior_factor();
    let states: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut rng = member_stream(seed, i, Stream::Prior);
            let xi: Vec<f64> = (0..3).map(|_| StandardNormal.sample(&mut rng)).collect();
            (0..3)
                .map(|r| PRIOR_MEAN[r] + (0..=r).map(|c| l[r][c] * xi[c]).sum::<f64>())
                .collect()
        })
        .collect();
    let predicted: Vec<Vec<f64>> = states
        .iter()
        .map(|z| {
            H.iter()
                .map(|row| row.iter().zip(z).map(|(a, b)| a * b).sum())
                .collect()
        })
        .collect();
    let noise = ObservationNoise::diagonal(&R_DIAG).unwrap();
    let eps = perturbations(seed, 0, n, &noise);
    let f = coefficients(&predicted, &DATA, &eps, &noise).unwrap();
    let analysis = f.apply_to(&states).unwrap();

    let (m_a, p_a) = kalman_posterior();
    let mean_a = mean(&analysis);
    let cov_a = sample_cross_covariance(&analysis, &analysis);
    let root_n = (n as f64).sqrt();
    let p = |a: usize, b: usize| PRIOR_COV[a * 3 + b];
    let mut mean_err = 0.0_f64;
    let mut cov_err = 0.0_f64;
    for a in 0..3 {
        mean_err = mean_err.max((mean_a[a] - m_a[a]).abs() / (p(a, a).sqrt() / root_n));
        for b in 0..3 {
            let se = ((p(a, a) * p(b, b) + p(a, b) * p(a, b)) / n as f64).sqrt();
            cov_err = cov_err.max((cov_a[a][b] - p_a[a][b]).abs() / se);
        }
    }
    (mean_err, cov_err)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    /// Linear `H`, Gaussian prior (the members are drawn from the TRUE prior
    /// `N(m, P)`, and the reference is the Kalman filter with that true
    /// prior, eq. (1)), `N` in 3000..=5000: the analysis ensemble's mean and
    /// covariance (normalised by `1/(N-1)`) approach `m_a` and `P_a`.
    ///
    /// Tolerance. The errors are Monte Carlo errors of order `1/sqrt(N)`:
    /// the sample mean and covariance of the prior, the sample mean and
    /// covariance of the perturbations, and the error of the sample gain
    /// times the innovation. Each error is measured in units of the standard
    /// error of the corresponding *prior* statistic, `sqrt(P_aa / N)` for a
    /// mean and `sqrt((P_aa P_bb + P_ab^2) / N)` for a covariance entry (the
    /// standard error of a Gaussian sample covariance), so the bound `c` is
    /// independent of `N`. Over 200 seeds (N = 2000..5000) the largest error
    /// seen was 2.4 units for the mean and 2.3 for the covariance (average of
    /// the per-run maxima: 0.9 and 0.75); we allow 4.5. The test still
    /// bites: without perturbations the analysis covariance misses
    /// `K R K^T`, which measured 5.7–6.1 units at N = 3000 (7.3 expected at
    /// N = 5000) and fails it.
    #[test]
    fn large_ensembles_approach_the_kalman_filter(n in 3000usize..=5000, seed in any::<u64>()) {
        let (mean_err, cov_err) = kalman_errors(seed, n);
        prop_assert!(mean_err <= 4.5, "mean error {mean_err:.2} standard errors");
        prop_assert!(cov_err <= 4.5, "covariance error {cov_err:.2} standard errors");
    }
}

// ---------------------------------------------------------------------------
// Bad input.
// ---------------------------------------------------------------------------

fn two_members() -> (Problem, ObservationNoise) {
    let p = Problem {
        predicted: vec![vec![0.0, 1.0], vec![2.0, 3.0]],
        y: vec![1.0, 2.0],
        eps: vec![vec![0.1, -0.1], vec![0.2, 0.0]],
    };
    (p, ObservationNoise::diagonal(&[1.0, 0.5]).unwrap())
}

#[test]
fn refuses_fewer_than_two_members() {
    let noise = ObservationNoise::diagonal(&[1.0]).unwrap();
    let none: [Vec<f64>; 0] = [];
    assert_eq!(
        coefficients(&none, &[1.0], &none, &noise).unwrap_err(),
        Error::TooFewMembers { found: 0 }
    );
    assert_eq!(
        coefficients(&[[1.0]], &[1.0], &[[0.0]], &noise).unwrap_err(),
        Error::TooFewMembers { found: 1 }
    );
}

#[test]
fn refuses_mismatched_sizes() {
    let (
        Problem {
            predicted: h,
            y,
            eps,
        },
        noise,
    ) = two_members();
    let ragged = vec![vec![0.0, 1.0], vec![2.0]];
    assert_eq!(
        coefficients(&ragged, &y, &eps, &noise).unwrap_err(),
        Error::MemberLength {
            what: "predicted observations",
            member: 1,
            len: 1,
            expected: 2
        }
    );
    assert_eq!(
        coefficients(&h, &[1.0], &eps, &noise).unwrap_err(),
        Error::LengthMismatch {
            what: "data y",
            expected: 2,
            found: 1
        }
    );
    assert_eq!(
        coefficients(&h, &y, &eps[..1], &noise).unwrap_err(),
        Error::MemberCount {
            what: "perturbations",
            expected: 2,
            found: 1
        }
    );
    let short = vec![vec![0.1, -0.1], vec![0.2]];
    assert_eq!(
        coefficients(&h, &y, &short, &noise).unwrap_err(),
        Error::MemberLength {
            what: "perturbations",
            member: 1,
            len: 1,
            expected: 2
        }
    );
    let noise3 = ObservationNoise::diagonal(&[1.0, 1.0, 1.0]).unwrap();
    assert_eq!(
        coefficients(&h, &y, &eps, &noise3).unwrap_err(),
        Error::LengthMismatch {
            what: "observation-noise covariance R (order)",
            expected: 2,
            found: 3
        }
    );
    let empty = vec![vec![], vec![]];
    assert_eq!(
        coefficients(&empty, &[], &empty, &noise).unwrap_err(),
        Error::NoObservations
    );
    let f = coefficients(&h, &y, &eps, &noise).unwrap();
    assert_eq!(
        f.apply_to(&[vec![1.0]]).unwrap_err(),
        Error::MemberCount {
            what: "forecast states",
            expected: 2,
            found: 1
        }
    );
    assert_eq!(
        f.apply_to(&[vec![1.0, 2.0], vec![1.0]]).unwrap_err(),
        Error::MemberLength {
            what: "forecast states",
            member: 1,
            len: 1,
            expected: 2
        }
    );
}

#[test]
fn refuses_non_finite_values() {
    let (
        Problem {
            predicted: h,
            y,
            eps,
        },
        noise,
    ) = two_members();
    let mut bad = h.clone();
    bad[1][0] = f64::NAN;
    let err = coefficients(&bad, &y, &eps, &noise).unwrap_err();
    assert!(
        matches!(err, Error::NonFiniteMember { what: "predicted observations", member: 1, component: 0, value } if value.is_nan()),
        "{err:?}"
    );
    assert_eq!(
        coefficients(&h, &[1.0, f64::INFINITY], &eps, &noise).unwrap_err(),
        Error::NonFiniteComponent {
            what: "data y",
            component: 1,
            value: f64::INFINITY
        }
    );
    let mut bad = eps.clone();
    bad[0][1] = f64::NEG_INFINITY;
    assert_eq!(
        coefficients(&h, &y, &bad, &noise).unwrap_err(),
        Error::NonFiniteMember {
            what: "perturbations",
            member: 0,
            component: 1,
            value: f64::NEG_INFINITY
        }
    );
    let f = coefficients(&h, &y, &eps, &noise).unwrap();
    assert_eq!(
        f.apply_to(&[vec![1.0], vec![f64::INFINITY]]).unwrap_err(),
        Error::NonFiniteMember {
            what: "forecast states",
            member: 1,
            component: 0,
            value: f64::INFINITY
        }
    );
}

#[test]
fn refuses_bad_noise() {
    assert_eq!(
        ObservationNoise::diagonal(&[]).unwrap_err(),
        Error::NoObservations
    );
    for value in [0.0, -1.0, f64::INFINITY] {
        assert_eq!(
            ObservationNoise::diagonal(&[1.0, value]).unwrap_err(),
            Error::NoiseVariance {
                component: 1,
                value
            }
        );
    }
    let err = ObservationNoise::diagonal(&[f64::NAN]).unwrap_err();
    assert!(matches!(err, Error::NoiseVariance { component: 0, value } if value.is_nan()));
    // Indefinite (eigenvalues 3 and -1), asymmetric, wrong length.
    assert_eq!(
        ObservationNoise::dense(2, &[1.0, 2.0, 2.0, 1.0]).unwrap_err(),
        Error::NoiseCovariance {
            cause: kinetic_enkf::Error::NotPositiveDefinite { order: 2, pivot: 1 }
        }
    );
    assert!(matches!(
        ObservationNoise::dense(2, &[1.0, 0.5, 0.0, 1.0]).unwrap_err(),
        Error::NoiseCovariance {
            cause: kinetic_enkf::Error::NotSymmetric { row: 1, col: 0, .. }
        }
    ));
    assert!(matches!(
        ObservationNoise::dense(2, &[1.0, 0.0, 1.0]).unwrap_err(),
        Error::NoiseCovariance {
            cause: kinetic_enkf::Error::MatrixLength { len: 3, .. }
        }
    ));
    let err = ObservationNoise::dense(2, &[1.0, 2.0, 2.0, 1.0]).unwrap_err();
    assert!(err.to_string().contains("not positive definite"), "{err}");
}

#[test]
fn refuses_noise_negligible_against_the_spread() {
    // Spread 1e12 against a noise variance 1e-300: C_H + R is C_H to working
    // precision, singular when the predictions are collinear (K = 2, N = 3,
    // rank 1).
    let h = vec![vec![0.0, 0.0], vec![1e12, 2e12], vec![2e12, 4e12]];
    let y = vec![0.0, 0.0];
    let eps = vec![vec![0.0, 0.0]; 3];
    let noise = ObservationNoise::diagonal(&[1e-300, 1e-300]).unwrap();
    let err = coefficients_with(&h, &y, &eps, &noise, Form::ObservationSpace).unwrap_err();
    assert!(
        matches!(
            err,
            Error::AnalysisMatrix {
                matrix: "C_H + R",
                ..
            }
        ),
        "{err:?}"
    );
}
