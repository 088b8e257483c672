//! The analysis schemes against the textbook formulas in state space, on
//! small random linear-Gaussian problems: dense matrices, a Gauss–Jordan
//! inverse and a Denman–Beavers square root (no eigen-decomposition), so
//! that nothing here shares code with `assim::schemes`.

// The textbook formulas read best with explicit matrix indices.
#![allow(clippy::needless_range_loop)]

use assim::models::ObservedComponents;
use assim::{
    Coefficients, EnsembleRunner, Error, GaspariCohn, Inflation, Members, Method, ObservationNoise,
    Scheme, coefficients, perturbations, relax_to_prior_spread, tapered_stochastic_update,
};
use proptest::prelude::*;

/// A dense row-major matrix.
#[derive(Clone, Debug)]
struct Mat {
    rows: usize,
    cols: usize,
    v: Vec<f64>,
}

impl Mat {
    fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            v: vec![0.0; rows * cols],
        }
    }
    fn identity(n: usize) -> Self {
        let mut m = Self::zeros(n, n);
        for i in 0..n {
            m.v[i * n + i] = 1.0;
        }
        m
    }
    fn at(&self, r: usize, c: usize) -> f64 {
        self.v[r * self.cols + c]
    }
    fn set(&mut self, r: usize, c: usize, x: f64) {
        self.v[r * self.cols + c] = x;
    }
    fn mul(&self, o: &Mat) -> Mat {
        assert_eq!(self.cols, o.rows);
        let mut p = Mat::zeros(self.rows, o.cols);
        for r in 0..self.rows {
            for c in 0..o.cols {
                let s = (0..self.cols).map(|e| self.at(r, e) * o.at(e, c)).sum();
                p.set(r, c, s);
            }
        }
        p
    }
    fn t(&self) -> Mat {
        let mut p = Mat::zeros(self.cols, self.rows);
        for r in 0..self.rows {
            for c in 0..self.cols {
                p.set(c, r, self.at(r, c));
            }
        }
        p
    }
    fn add(&self, o: &Mat, s: f64) -> Mat {
        let v = self.v.iter().zip(&o.v).map(|(a, b)| a + s * b).collect();
        Mat { v, ..*self }
    }
    fn scale(&self, s: f64) -> Mat {
        let v = self.v.iter().map(|a| s * a).collect();
        Mat { v, ..*self }
    }
    /// Gauss–Jordan with partial pivoting.
    fn inv(&self) -> Mat {
        let n = self.rows;
        let mut a = self.clone();
        let mut b = Mat::identity(n);
        for c in 0..n {
            let p = (c..n)
                .max_by(|&i, &j| a.at(i, c).abs().total_cmp(&a.at(j, c).abs()))
                .unwrap();
            for k in 0..n {
                a.v.swap(c * n + k, p * n + k);
                b.v.swap(c * n + k, p * n + k);
            }
            let d = a.at(c, c);
            for k in 0..n {
                a.set(c, k, a.at(c, k) / d);
                b.set(c, k, b.at(c, k) / d);
            }
            for r in (0..n).filter(|&r| r != c) {
                let f = a.at(r, c);
                for k in 0..n {
                    a.set(r, k, a.at(r, k) - f * a.at(c, k));
                    b.set(r, k, b.at(r, k) - f * b.at(c, k));
                }
            }
        }
        b
    }
    /// The square root of a symmetric positive definite matrix by the
    /// Denman–Beavers iteration.
    fn sqrt_spd(&self) -> Mat {
        let (mut y, mut z) = (self.clone(), Mat::identity(self.rows));
        for _ in 0..100 {
            let (yi, zi) = (y.inv(), z.inv());
            y = y.add(&zi, 1.0).scale(0.5);
            z = z.add(&yi, 1.0).scale(0.5);
        }
        y
    }
    fn max_diff(&self, o: &Mat) -> f64 {
        self.v
            .iter()
            .zip(&o.v)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    }
}

/// A linear-Gaussian analysis problem: members as columns of `z`
/// (`nx × N`), `H` (`K × nx`), data, a dense SPD `R`.
#[derive(Clone, Debug)]
struct Problem {
    z: Mat,
    h: Mat,
    y: Vec<f64>,
    r: Mat,
    dense: bool,
}

impl Problem {
    fn n(&self) -> usize {
        self.z.cols
    }
    fn members(&self) -> Vec<Vec<f64>> {
        let zt = self.z.t();
        zt.v.chunks(zt.cols).map(<[f64]>::to_vec).collect()
    }
    fn predicted(&self) -> Vec<Vec<f64>> {
        let p = self.h.mul(&self.z).t();
        p.v.chunks(p.cols).map(<[f64]>::to_vec).collect()
    }
    fn noise(&self) -> ObservationNoise {
        let k = self.r.rows;
        if self.dense {
            ObservationNoise::dense(k, &self.r.v).unwrap()
        } else {
            ObservationNoise::diagonal(&(0..k).map(|i| self.r.at(i, i)).collect::<Vec<_>>())
                .unwrap()
        }
    }
    fn mean(&self) -> Vec<f64> {
        (0..self.z.rows)
            .map(|r| (0..self.n()).map(|c| self.z.at(r, c)).sum::<f64>() / self.n() as f64)
            .collect()
    }
    fn anomalies(&self) -> Mat {
        let m = self.mean();
        let mut x = self.z.clone();
        for r in 0..x.rows {
            for c in 0..x.cols {
                x.set(r, c, x.at(r, c) - m[r]);
            }
        }
        x
    }
    fn covariance(&self) -> Mat {
        let x = self.anomalies();
        x.mul(&x.t()).scale(1.0 / (self.n() - 1) as f64)
    }
    /// The Kalman gain `P H^T (H P H^T + R)^{-1}`.
    fn gain(&self) -> Mat {
        let p = self.covariance();
        let s = self.h.mul(&p).mul(&self.h.t()).add(&self.r, 1.0);
        p.mul(&self.h.t()).mul(&s.inv())
    }
    fn kalman_mean(&self) -> Vec<f64> {
        let m = self.mean();
        let hm: Vec<f64> = (0..self.h.rows)
            .map(|r| (0..self.h.cols).map(|c| self.h.at(r, c) * m[c]).sum())
            .collect();
        let k = self.gain();
        (0..m.len())
            .map(|r| {
                m[r] + (0..self.y.len())
                    .map(|c| k.at(r, c) * (self.y[c] - hm[c]))
                    .sum::<f64>()
            })
            .collect()
    }
    fn kalman_covariance(&self) -> Mat {
        let kh = self.gain().mul(&self.h);
        Mat::identity(kh.rows)
            .add(&kh, -1.0)
            .mul(&self.covariance())
    }
    /// The textbook ETKF (Hunt et al. 2007), members as columns.
    fn etkf(&self) -> Mat {
        let n = self.n();
        let n1 = (n - 1) as f64;
        let x = self.anomalies();
        let yx = self.h.mul(&x);
        let rinv = self.r.inv();
        let pa = Mat::identity(n)
            .scale(n1)
            .add(&yx.t().mul(&rinv).mul(&yx), 1.0)
            .inv();
        let m = self.mean();
        let innov: Vec<f64> = (0..self.y.len())
            .map(|r| self.y[r] - (0..m.len()).map(|c| self.h.at(r, c) * m[c]).sum::<f64>())
            .collect();
        let d = Mat {
            rows: innov.len(),
            cols: 1,
            v: innov,
        };
        let wbar = pa.mul(&yx.t()).mul(&rinv).mul(&d);
        let w = pa.scale(n1).sqrt_spd();
        let mut za = Mat::zeros(m.len(), n);
        for i in 0..n {
            for r in 0..m.len() {
                let s: f64 = (0..n).map(|j| x.at(r, j) * (wbar.v[j] + w.at(j, i))).sum();
                za.set(r, i, m[r] + s);
            }
        }
        za
    }
    /// `z_i + K (y + eps_i - H z_i)`.
    fn perturbed(&self, eps: &[Vec<f64>]) -> Mat {
        let k = self.gain();
        let hz = self.h.mul(&self.z);
        let mut za = self.z.clone();
        for i in 0..self.n() {
            for r in 0..za.rows {
                let s: f64 = (0..self.y.len())
                    .map(|c| k.at(r, c) * (self.y[c] + eps[i][c] - hz.at(c, i)))
                    .sum();
                za.set(r, i, self.z.at(r, i) + s);
            }
        }
        za
    }
    /// The analysis by `scheme`, members as columns.
    fn analyse(&self, scheme: Scheme, seed: u64) -> (Coefficients, Mat) {
        let f = scheme
            .coefficients(&self.predicted(), &self.y, &self.noise(), seed, 3)
            .unwrap();
        let za = f.apply_to(&self.members()).unwrap();
        let mut m = Mat::zeros(self.z.rows, self.n());
        for (i, z) in za.iter().enumerate() {
            for (r, x) in z.iter().enumerate() {
                m.set(r, i, *x);
            }
        }
        (f, m)
    }
}

fn columns(m: &Mat) -> Problem {
    // Helper to reuse mean/covariance on an analysed ensemble.
    Problem {
        z: m.clone(),
        h: Mat::identity(m.rows),
        y: vec![0.0; m.rows],
        r: Mat::identity(m.rows),
        dense: false,
    }
}

fn problem() -> impl Strategy<Value = Problem> {
    (2usize..8, 1usize..5, 1usize..5, any::<bool>()).prop_flat_map(|(n, nx, k, dense)| {
        (
            prop::collection::vec(-3.0..3.0f64, nx * n),
            prop::collection::vec(-1.5..1.5f64, k * nx),
            prop::collection::vec(-3.0..3.0f64, k),
            prop::collection::vec(-1.0..1.0f64, k * k),
            prop::collection::vec(0.2..2.0f64, k),
        )
            .prop_map(move |(z, h, y, b, diag)| {
                // R = diag + B B^T / K when dense, else diag.
                let b = Mat {
                    rows: k,
                    cols: k,
                    v: b,
                };
                let mut r = if dense {
                    b.mul(&b.t()).scale(1.0 / k as f64)
                } else {
                    Mat::zeros(k, k)
                };
                for i in 0..k {
                    r.set(i, i, r.at(i, i) + diag[i]);
                }
                Problem {
                    z: Mat {
                        rows: nx,
                        cols: n,
                        v: z,
                    },
                    h: Mat {
                        rows: k,
                        cols: nx,
                        v: h,
                    },
                    y,
                    r,
                    dense,
                }
            })
    })
}

const TOL: f64 = 1e-10;

fn column_sums_vanish(f: &Coefficients) -> bool {
    let n = f.n_members();
    (0..n).all(|i| (0..n).map(|j| f.get(j, i)).sum::<f64>().abs() < TOL)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn etkf_is_the_textbook_etkf_with_the_kalman_mean_and_covariance(p in problem()) {
        let (f, za) = p.analyse(Scheme::new(Method::Etkf), 1);
        prop_assert!(za.max_diff(&p.etkf()) < TOL, "{}", za.max_diff(&p.etkf()));
        prop_assert!(column_sums_vanish(&f));
        let a = columns(&za);
        let mean_err = a.mean().iter().zip(p.kalman_mean()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        prop_assert!(mean_err < TOL);
        prop_assert!(a.covariance().max_diff(&p.kalman_covariance()) < TOL);
    }

    #[test]
    fn the_rotated_etkf_keeps_the_kalman_mean_and_covariance(p in problem(), seed in any::<u64>()) {
        let (f, za) = p.analyse(Scheme::new(Method::EtkfRotated), seed);
        prop_assert!(column_sums_vanish(&f));
        let a = columns(&za);
        let mean_err = a.mean().iter().zip(p.kalman_mean()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        prop_assert!(mean_err < TOL);
        prop_assert!(a.covariance().max_diff(&p.kalman_covariance()) < TOL);
    }

    #[test]
    fn denkf_is_the_kalman_mean_and_half_gain_anomalies(p in problem()) {
        let (f, za) = p.analyse(Scheme::new(Method::Denkf), 1);
        prop_assert!(column_sums_vanish(&f));
        // X^a = X - K H X / 2 around the Kalman mean.
        let x = p.anomalies();
        let xa = x.add(&p.gain().mul(&p.h).mul(&x), -0.5);
        let m = p.kalman_mean();
        let mut want = xa.clone();
        for r in 0..want.rows {
            for c in 0..want.cols {
                want.set(r, c, m[r] + xa.at(r, c));
            }
        }
        prop_assert!(za.max_diff(&want) < TOL);
    }

    #[test]
    fn the_stochastic_schemes_are_the_perturbed_observation_update(p in problem(), seed in any::<u64>()) {
        let n = p.n();
        let mut eps = perturbations(seed, 3, n, &p.noise());
        let (f, za) = p.analyse(Scheme::new(Method::Stochastic), seed);
        prop_assert!(column_sums_vanish(&f));
        prop_assert!(za.max_diff(&p.perturbed(&eps)) < TOL);
        // Paper 2's default: the same bits as `coefficients`.
        let direct = coefficients(&p.predicted(), &p.y, &eps, &p.noise()).unwrap();
        prop_assert_eq!(&f, &direct);

        for c in 0..p.y.len() {
            let mean = eps.iter().map(|e| e[c]).sum::<f64>() / n as f64;
            for e in &mut eps {
                e[c] -= mean;
            }
        }
        let (f, za) = p.analyse(Scheme::new(Method::CentredStochastic), seed);
        prop_assert!(column_sums_vanish(&f));
        prop_assert!(za.max_diff(&p.perturbed(&eps)) < TOL);
        let a = columns(&za);
        let mean_err = a.mean().iter().zip(p.kalman_mean()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        prop_assert!(mean_err < TOL);
    }

    #[test]
    fn inflation_scales_or_relaxes_the_anomalies(
        p in problem(), l in 0.5..2.0f64, alpha in 0.0..=1.0f64, m in 0usize..5,
    ) {
        let method = Method::ALL[m];
        let base = Scheme::new(method);
        let (_, za) = p.analyse(base, 7);
        let analysed = columns(&za);
        let (xa, mean_a) = (analysed.anomalies(), analysed.mean());
        let check = |inflation: Inflation, want_anomalies: &Mat| {
            let (f, got) = p.analyse(base.with_inflation(inflation).unwrap(), 7);
            let g = columns(&got);
            let mean_err = g.mean().iter().zip(&mean_a).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            column_sums_vanish(&f) && mean_err < TOL && g.anomalies().max_diff(want_anomalies) < TOL
        };
        prop_assert!(check(Inflation::Posterior(l), &xa.scale(l)));
        let rtpp = xa.scale(1.0 - alpha).add(&p.anomalies(), alpha);
        prop_assert!(check(Inflation::Rtpp(alpha), &rtpp));
        // Prior inflation is the scheme applied to explicitly inflated
        // members (for a linear H).
        let mean = p.mean();
        let mut inflated = p.clone();
        for r in 0..p.z.rows {
            for c in 0..p.n() {
                inflated.z.set(r, c, mean[r] + l * (p.z.at(r, c) - mean[r]));
            }
        }
        let (f, got) = p.analyse(base.with_inflation(Inflation::Prior(l)).unwrap(), 7);
        let (_, want) = inflated.analyse(base, 7);
        prop_assert!(column_sums_vanish(&f));
        prop_assert!(got.max_diff(&want) < 1e-9, "{}", got.max_diff(&want));
    }

    #[test]
    fn rtps_relaxes_each_spread_and_keeps_the_mean(p in problem(), alpha in 0.0..=1.0f64) {
        let (_, za) = p.analyse(Scheme::new(Method::Etkf), 1);
        let forecast = p.members();
        let mut analysed = columns(&za).members();
        relax_to_prior_spread(&forecast, &mut analysed, alpha).unwrap();
        let spread = |z: &[Vec<f64>], c: usize| {
            let n = z.len() as f64;
            let m = z.iter().map(|v| v[c]).sum::<f64>() / n;
            (m, (z.iter().map(|v| (v[c] - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
        };
        let before = columns(&za).members();
        for c in 0..p.z.rows {
            let (mf, sf) = spread(&forecast, c);
            let (ma, sa) = spread(&before, c);
            let (mr, sr) = spread(&analysed, c);
            let _ = mf;
            prop_assert!((mr - ma).abs() < TOL);
            if sa > 1e-12 {
                prop_assert!((sr - (alpha * sf + (1.0 - alpha) * sa)).abs() < TOL);
            }
        }
    }
}

#[test]
fn the_rotation_depends_on_the_seed_and_analysis_only() {
    let p = Problem {
        z: Mat {
            rows: 2,
            cols: 5,
            v: vec![0.0, 1.0, -1.0, 2.0, 0.5, 1.0, 0.0, 0.3, -0.4, 2.0],
        },
        h: Mat::identity(2),
        y: vec![0.3, 0.7],
        r: Mat::identity(2),
        dense: false,
    };
    let scheme = Scheme::new(Method::EtkfRotated);
    let (a, _) = p.analyse(scheme, 11);
    let (b, _) = p.analyse(scheme, 11);
    let (c, _) = p.analyse(scheme, 12);
    let (unrotated, _) = p.analyse(Scheme::new(Method::Etkf), 11);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, unrotated);
}

#[test]
fn bad_settings_are_refused_by_name() {
    for (inflation, name) in [
        (Inflation::Prior(0.0), "prior inflation"),
        (Inflation::Posterior(f64::NAN), "posterior inflation"),
        (Inflation::Rtpp(1.5), "RTPP weight"),
    ] {
        match Scheme::new(Method::Etkf).with_inflation(inflation) {
            Err(Error::Setting { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{inflation:?}: {other:?}"),
        }
    }
    let f = [vec![1.0], vec![2.0]];
    let mut a = vec![vec![1.0], vec![2.0]];
    assert!(matches!(
        relax_to_prior_spread(&f, &mut a, -0.1),
        Err(Error::Setting { .. })
    ));
    assert!(matches!(
        relax_to_prior_spread(&f, &mut a[..1], 0.5),
        Err(Error::MemberCount { .. })
    ));
    // Too few members and mismatched sizes as for the stochastic EnKF.
    let noise = ObservationNoise::diagonal(&[1.0]).unwrap();
    for m in Method::ALL {
        let s = Scheme::new(m);
        assert!(matches!(
            s.coefficients(&[vec![1.0]], &[0.0], &noise, 0, 0),
            Err(Error::TooFewMembers { found: 1 })
        ));
        assert!(matches!(
            s.coefficients(&[vec![1.0], vec![2.0]], &[0.0, 1.0], &noise, 0, 0),
            Err(Error::LengthMismatch { .. })
        ));
        assert!(matches!(
            s.coefficients(&[vec![1.0], vec![f64::NAN]], &[0.0], &noise, 0, 0),
            Err(Error::NonFiniteMember { member: 1, .. })
        ));
    }
}

/// Gaspari & Cohn (1999), eq. (4.10), as printed (powers of `z = d / c`).
fn gaspari_cohn_printed(d: f64, c: f64) -> f64 {
    let z = d.abs() / c;
    if z <= 1.0 {
        -0.25 * z.powi(5) + 0.5 * z.powi(4) + 5.0 / 8.0 * z.powi(3) - 5.0 / 3.0 * z.powi(2) + 1.0
    } else if z <= 2.0 {
        z.powi(5) / 12.0 - 0.5 * z.powi(4) + 5.0 / 8.0 * z.powi(3) + 5.0 / 3.0 * z.powi(2) - 5.0 * z
            + 4.0
            - 2.0 / (3.0 * z)
    } else {
        0.0
    }
}

#[test]
fn gaspari_cohn_is_the_published_taper() {
    let taper = GaspariCohn::new(1.3).unwrap();
    for i in 0..=400 {
        let d = i as f64 * 0.01;
        assert!(
            (taper.weight(d) - gaspari_cohn_printed(d, 1.3)).abs() < 1e-14,
            "{d}"
        );
    }
    assert_eq!(taper.weight(0.0), 1.0);
    assert!(taper.weight(2.6).abs() < 1e-14 && taper.weight(2.61) == 0.0);
    // Continuous at c, where both pieces give 5/24.
    assert!((taper.weight(1.3 - 1e-12) - 5.0 / 24.0).abs() < 1e-10);
    assert!((taper.weight(1.3 + 1e-12) - 5.0 / 24.0).abs() < 1e-10);
    assert!(GaspariCohn::new(0.0).is_err());
}

/// Observations at real positions along a line of state components.
fn located() -> impl Strategy<Value = (Problem, Vec<f64>, f64)> {
    problem().prop_flat_map(|p| {
        let (nx, k) = (p.z.rows, p.r.rows);
        (
            Just(p),
            prop::collection::vec(0.0..nx as f64, k),
            0.3..3.0f64,
        )
    })
}

/// The problem restricted to observations `near`, with their variances
/// divided by the weights (diagonal `R` only).
fn restricted(p: &Problem, near: &[(usize, f64)]) -> Problem {
    let m = near.len();
    let mut h = Mat::zeros(m, p.h.cols);
    let mut r = Mat::zeros(m, m);
    for (row, &(k, w)) in near.iter().enumerate() {
        for c in 0..p.h.cols {
            h.set(row, c, p.h.at(k, c));
        }
        r.set(row, row, p.r.at(k, k) / w);
    }
    Problem {
        z: p.z.clone(),
        h,
        y: near.iter().map(|&(k, _)| p.y[k]).collect(),
        r,
        dense: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every location's analysis is the textbook one with the observations
    /// near it and their variances divided by the taper.
    #[test]
    fn local_analyses_are_textbook_analyses_with_tapered_noise(
        (p, positions, c) in located(), seed in any::<u64>(), m in 0usize..4,
    ) {
        let p = Problem { dense: false, ..p };
        let method = [Method::Etkf, Method::Denkf, Method::CentredStochastic, Method::Stochastic][m];
        let taper = GaspariCohn::new(c).unwrap();
        let (n, nx) = (p.n(), p.z.rows);
        let distance = |l: usize, k: usize| (l as f64 - positions[k]).abs();
        let local = Scheme::new(method)
            .local_coefficients(&p.predicted(), &p.y, &p.noise(), &taper, nx, distance, seed, 3)
            .unwrap();
        let analysed = local.apply_to(&p.members(), |c| c).unwrap();
        let mut eps = perturbations(seed, 3, n, &p.noise());
        if method == Method::CentredStochastic {
            for c in 0..p.y.len() {
                let mean = eps.iter().map(|e| e[c]).sum::<f64>() / n as f64;
                for e in &mut eps {
                    e[c] -= mean;
                }
            }
        }
        for l in 0..nx {
            let near: Vec<(usize, f64)> = (0..p.y.len())
                .map(|k| (k, gaspari_cohn_printed(distance(l, k), c)))
                .filter(|&(_, w)| w > 0.0)
                .collect();
            let want = if near.is_empty() {
                p.z.clone()
            } else {
                let q = restricted(&p, &near);
                match method {
                    Method::Etkf => q.etkf(),
                    Method::Denkf => {
                        let x = q.anomalies();
                        let xa = x.add(&q.gain().mul(&q.h).mul(&x), -0.5);
                        let mean = q.kalman_mean();
                        let mut z = xa.clone();
                        for r in 0..z.rows {
                            for i in 0..n {
                                z.set(r, i, mean[r] + xa.at(r, i));
                            }
                        }
                        z
                    }
                    _ => {
                        let local_eps: Vec<Vec<f64>> = eps
                            .iter()
                            .map(|e| near.iter().map(|&(k, w)| e[k] / w.sqrt()).collect())
                            .collect();
                        q.perturbed(&local_eps)
                    }
                }
            };
            for i in 0..n {
                prop_assert!((analysed[i][l] - want.at(l, i)).abs() < 1e-9,
                    "{method:?} location {l} member {i}: {} vs {}", analysed[i][l], want.at(l, i));
            }
        }
    }
}

#[test]
fn local_analyses_refuse_dense_noise_bad_distances_and_parameters() {
    let members = vec![vec![0.0, 1.0], vec![1.0, 0.5], vec![2.0, -1.0]];
    let taper = GaspariCohn::new(1.0).unwrap();
    let dense = ObservationNoise::dense(2, &[1.0, 0.1, 0.1, 1.0]).unwrap();
    let scheme = Scheme::new(Method::Etkf);
    let dist = |l: usize, k: usize| l.abs_diff(k) as f64;
    assert!(matches!(
        scheme.local_coefficients(&members, &[0.0, 0.0], &dense, &taper, 2, dist, 0, 0),
        Err(Error::DenseNoiseLocalised)
    ));
    let noise = ObservationNoise::diagonal(&[1.0, 1.0]).unwrap();
    assert!(matches!(
        scheme.local_coefficients(
            &members,
            &[0.0, 0.0],
            &noise,
            &taper,
            2,
            |_, _| f64::NAN,
            0,
            0
        ),
        Err(Error::NotFinite { .. })
    ));
    let runner = EnsembleRunner::new(0, noise).with_scheme(scheme);
    let h = ObservedComponents::all(2).unwrap();
    let mut with_parameters = Members::new(members, vec![vec![1.0]; 3]).unwrap();
    assert!(matches!(
        runner.analyse_local(&h, &mut with_parameters, &[0.0, 0.0], 0, &taper),
        Err(Error::ParametersNotLocal { count: 1 })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Covariance tapering against the dense formula with `P` formed.
    #[test]
    fn covariance_tapering_is_the_schur_product_gain((p, positions, c) in located(), seed in any::<u64>()) {
        let taper = GaspariCohn::new(c).unwrap();
        let eps = perturbations(seed, 0, p.n(), &p.noise());
        let so = |s: usize, k: usize| (s as f64 - positions[k]).abs();
        let oo = |k: usize, m: usize| (positions[k] - positions[m]).abs();
        let got = tapered_stochastic_update(
            &p.members(), &p.predicted(), &p.y, &p.noise(), &eps, &taper, so, oo,
        ).unwrap();
        let cov = p.covariance();
        let mut pht = cov.mul(&p.h.t());
        for s in 0..pht.rows {
            for k in 0..pht.cols {
                pht.set(s, k, pht.at(s, k) * gaspari_cohn_printed(so(s, k), c));
            }
        }
        let mut hpht = p.h.mul(&cov).mul(&p.h.t());
        for k in 0..hpht.rows {
            for m in 0..hpht.cols {
                hpht.set(k, m, hpht.at(k, m) * gaspari_cohn_printed(oo(k, m), c));
            }
        }
        let gain = pht.mul(&hpht.add(&p.r, 1.0).inv());
        let hz = p.h.mul(&p.z);
        for i in 0..p.n() {
            for s in 0..p.z.rows {
                let want = p.z.at(s, i)
                    + (0..p.y.len())
                        .map(|k| gain.at(s, k) * (p.y[k] + eps[i][k] - hz.at(k, i)))
                        .sum::<f64>();
                prop_assert!((got[i][s] - want).abs() < 1e-9, "{} vs {want}", got[i][s]);
            }
        }
        // No tapering (every distance 0): the stochastic EnKF of eq. (2).
        let plain = tapered_stochastic_update(
            &p.members(), &p.predicted(), &p.y, &p.noise(), &eps, &taper, |_, _| 0.0, |_, _| 0.0,
        ).unwrap();
        let global = coefficients(&p.predicted(), &p.y, &eps, &p.noise()).unwrap();
        let want = global.apply_to(&p.members()).unwrap();
        for (a, b) in plain.iter().flatten().zip(want.iter().flatten()) {
            prop_assert!((a - b).abs() < 1e-10);
        }
    }
}
