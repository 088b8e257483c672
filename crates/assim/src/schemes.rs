//! Analysis schemes beyond paper 2's stochastic EnKF, and inflation, all in
//! member space: each produces the same kind of [`Coefficients`] `F` as
//! eq. (2), so every filter of this crate (Grid-, Remesh-, Part-EnKF, a
//! user's own [`Filter`](crate::Filter)) can use any of them.
//!
//! # The member-space form of a scheme
//!
//! Write `Z` for the forecast members as columns, `zbar` their mean,
//! `X = Z Π` their anomalies (`Π = I - 1 1^T / N`), `A` the `K × N`
//! centred predictions (column `j` is `H_j - ybar`) and `d = y - ybar`.
//! An analysis whose members are affine combinations of the forecast
//! members, `z_i^a = sum_j T_ji z_j^f` with every column of `T` summing to
//! one, is the increment `F = T - I` of eq. (2), whose columns sum to zero.
//! With `G = A^T (A A^T + (N-1) R)^{-1}` (`N × K`, so that the Kalman gain
//! is `K = X G`):
//!
//! * [`Method::Stochastic`] — paper 2's eq. (2), `F = G D` with
//!   `D_i = y + eps_i - H_i`, `eps_i ~ N(0, R)` drawn per member
//!   ([`crate::perturbations`]).
//! * [`Method::CentredStochastic`] — the same with the perturbations
//!   re-centred, `eps_i - mean(eps)`, so that the analysis mean is exactly
//!   the Kalman mean.
//! * [`Method::Denkf`] — the deterministic EnKF of Sakov & Oke (2008): the
//!   mean by the Kalman gain, the anomalies by half of it,
//!   `X^a = X - K A / 2`. In member space `F = G (d 1^T - A / 2)`: eq. (2)
//!   with the "perturbations" `eps_i = (H_i - ybar) / 2`.
//! * [`Method::Etkf`] — the ensemble transform Kalman filter with the
//!   symmetric square root (Hunt, Kostelich & Szunyogh 2007; Sakov & Oke
//!   2008b). With `A~ = L^{-1} A`, `d~ = L^{-1} d` (`R = L L^T`) and
//!   `M = (N-1) I + A~^T A~ = V Λ V^T`: `wbar = M^{-1} A~^T d~`,
//!   `W = sqrt(N-1) V Λ^{-1/2} V^T` and `T = wbar 1^T + W`. The analysis
//!   mean is the Kalman mean and, for a linear `H`, the analysis
//!   covariance is the Kalman one, `(I - K H) P`. `W 1 = 1` (since
//!   `A 1 = 0`), so the transform preserves the mean.
//! * [`Method::EtkfRotated`] — the ETKF with `W` followed by a random
//!   orthogonal `U` with `U 1 = 1` (mean-preserving): the same mean and
//!   covariance, with the anomalies spun in the `N - 1` directions
//!   orthogonal to `1`. `U = Q_0 diag(1, Q) Q_0`, where `Q_0` is the
//!   Householder reflection exchanging `e_1` and `1 / sqrt(N)` and `Q` the
//!   orthogonal factor (Gram–Schmidt, positive diagonal of `R`, hence
//!   Haar-distributed) of an `(N-1) × (N-1)` standard Gaussian matrix whose
//!   column `c` member `c` draws from
//!   [`crate::rng::member_stream`]`(seed, c, Stream::Rotation(k))`.
//!
//! # Inflation
//!
//! [`Inflation`] acts on the transform too (`T_λ = 1 1^T / N + λ Π` scales
//! anomalies by `λ`):
//!
//! * [`Inflation::Prior`]`(λ)` — the forecast anomalies (and the centred
//!   predictions) times `λ` before the analysis: `T = T_λ T_scheme`.
//! * [`Inflation::Posterior`]`(λ)` — the analysis anomalies times `λ`:
//!   `T = T_scheme T_λ` (DAPPER's `infl`).
//! * [`Inflation::Rtpp`]`(α)` — relaxation to prior perturbations (Zhang
//!   et al. 2004): `X^a <- (1 - α) X^a + α X^f`, i.e.
//!   `T = T_scheme (1 1^T / N + (1 - α) Π) + α Π`.
//!
//! Relaxation to prior *spread* (Whitaker & Hamill 2012) scales each state
//! component by its own ratio of spreads, so it is not a member-space
//! transform; [`relax_to_prior_spread`] applies it to states on a common
//! support (vectors, nodal values).
//!
//! # Example
//!
//! The ETKF on two members of a scalar state observed directly, `R = 2`,
//! `y = 1.5`: the forecast mean 1 and variance 2 become the Kalman mean
//! `1 + 2 / 4 * 0.5 = 1.25` and variance `2 * 2 / 4 = 1`.
//!
//! ```
//! use assim::{Method, ObservationNoise, Scheme};
//!
//! let forecast = [vec![0.0], vec![2.0]];
//! let noise = ObservationNoise::diagonal(&[2.0])?;
//! let scheme = Scheme::new(Method::Etkf);
//! let f = scheme.coefficients(&forecast, &[1.5], &noise, 42, 0)?;
//! let analysis = f.apply_to(&forecast)?;
//! let (a, b) = (analysis[0][0], analysis[1][0]);
//! assert!(((a + b) / 2.0 - 1.25).abs() < 1e-14);
//! assert!(((a - b).powi(2) / 2.0 - 1.0).abs() < 1e-14);
//! # Ok::<(), assim::Error>(())
//! ```

use kinetic_enkf::Ensemble;
use kinetic_enkf::kalman::symmetric_eigen;
use rand_distr::{Distribution, StandardNormal};

use crate::analysis::{
    Coefficients, Form, ObservationNoise, checked_predictions, coefficients_inner, perturbations,
    prediction_error,
};
use crate::error::{Error, Result};
use crate::rng::{Stream, member_stream};

/// The analysis method; see the module docs for each one's formula.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// Paper 2's stochastic EnKF, eq. (2), perturbations as drawn.
    #[default]
    Stochastic,
    /// The stochastic EnKF with perturbations re-centred to mean zero.
    CentredStochastic,
    /// The deterministic EnKF of Sakov & Oke (2008).
    Denkf,
    /// The ETKF, symmetric square root.
    Etkf,
    /// The ETKF followed by a mean-preserving random rotation.
    EtkfRotated,
}

impl Method {
    /// Every method, in the order of the module docs.
    pub const ALL: [Method; 5] = [
        Method::Stochastic,
        Method::CentredStochastic,
        Method::Denkf,
        Method::Etkf,
        Method::EtkfRotated,
    ];

    /// A short name: `stochastic`, `centred-stochastic`, `denkf`, `etkf`,
    /// `etkf-rotated`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Stochastic => "stochastic",
            Method::CentredStochastic => "centred-stochastic",
            Method::Denkf => "denkf",
            Method::Etkf => "etkf",
            Method::EtkfRotated => "etkf-rotated",
        }
    }

    /// The method named `name` (as [`name`](Self::name) gives it).
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Inflation of the ensemble's anomalies at each analysis; see the module
/// docs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum Inflation {
    /// None.
    #[default]
    None,
    /// The forecast anomalies times `λ > 0` before the analysis.
    Prior(f64),
    /// The analysis anomalies times `λ > 0`.
    Posterior(f64),
    /// Relaxation to prior perturbations with weight `α` in `[0, 1]`.
    Rtpp(f64),
}

impl Inflation {
    /// Its kind and factor (or weight): `("prior", λ)`, `("posterior",
    /// λ)`, `("rtpp", α)`; `None` without inflation.
    pub fn kind_and_value(self) -> Option<(&'static str, f64)> {
        match self {
            Inflation::None => None,
            Inflation::Prior(l) => Some(("prior", l)),
            Inflation::Posterior(l) => Some(("posterior", l)),
            Inflation::Rtpp(a) => Some(("rtpp", a)),
        }
    }

    fn check(self) -> Result<()> {
        let bad = |name, value, allowed| {
            Err(Error::Setting {
                name,
                value,
                allowed,
            })
        };
        match self {
            Inflation::None => Ok(()),
            Inflation::Prior(l) if !(l.is_finite() && l > 0.0) => {
                bad("prior inflation", l, "positive and finite")
            }
            Inflation::Posterior(l) if !(l.is_finite() && l > 0.0) => {
                bad("posterior inflation", l, "positive and finite")
            }
            Inflation::Rtpp(a) if !(0.0..=1.0).contains(&a) => bad("RTPP weight", a, "in [0, 1]"),
            _ => Ok(()),
        }
    }
}

/// An analysis scheme: a [`Method`] and an [`Inflation`].
/// `Scheme::default()` is paper 2's stochastic EnKF without inflation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scheme {
    method: Method,
    inflation: Inflation,
}

impl Scheme {
    /// The method without inflation.
    pub fn new(method: Method) -> Self {
        Self {
            method,
            inflation: Inflation::None,
        }
    }

    /// The same scheme with `inflation`.
    ///
    /// # Errors
    /// [`Error::Setting`] for a factor that is not positive and finite, or
    /// an RTPP weight outside `[0, 1]`.
    pub fn with_inflation(self, inflation: Inflation) -> Result<Self> {
        inflation.check()?;
        Ok(Self { inflation, ..self })
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The inflation.
    pub fn inflation(&self) -> Inflation {
        self.inflation
    }

    /// The coefficients `F` of analysis number `analysis` (0-based) under
    /// the scenario seed `seed`, from the predicted observations
    /// `predicted[i] = H(z_i^f)`, the data `y` and the noise `R`. The
    /// stochastic methods draw their perturbations as
    /// [`crate::perturbations`]`(seed, analysis, N, R)` does, so
    /// `Scheme::default()` gives the same bits as
    /// [`crate::coefficients`] with those perturbations.
    ///
    /// # Errors
    /// As [`crate::coefficients`]: too few members, no observations,
    /// mismatched lengths, non-finite predictions or data, an analysis
    /// matrix that is not positive definite (or, for the ETKF, whose
    /// eigen-decomposition fails).
    pub fn coefficients<P: AsRef<[f64]>>(
        &self,
        predicted: &[P],
        data: &[f64],
        noise: &ObservationNoise,
        seed: u64,
        analysis: usize,
    ) -> Result<Coefficients> {
        let predicted: Vec<&[f64]> = predicted.iter().map(AsRef::as_ref).collect();
        let n = predicted.len();
        if n < 2 {
            return Err(Error::TooFewMembers { found: n });
        }
        let draws = self.draws(n, noise, seed, analysis);
        self.coefficients_given(&predicted, data, noise, &draws)
    }

    /// The perturbations `eps_i` the scheme's stochastic method draws at
    /// analysis `analysis` for `n` members (centred for
    /// [`Method::CentredStochastic`]); `None` for a deterministic method.
    /// For analyses outside member space that share the scheme's draws
    /// ([`crate::localisation::tapered_stochastic_update`]).
    pub fn perturbations(
        &self,
        n: usize,
        noise: &ObservationNoise,
        seed: u64,
        analysis: usize,
    ) -> Option<Vec<Vec<f64>>> {
        match self.draws(n, noise, seed, analysis) {
            Draws::Perturbations(eps) => Some(eps),
            Draws::None | Draws::Rotation(_) => None,
        }
    }

    /// What the method draws at analysis `analysis`: the perturbations
    /// `eps_i ~ N(0, R)` (centred for [`Method::CentredStochastic`]) or the
    /// rotation.
    pub(crate) fn draws(
        &self,
        n: usize,
        noise: &ObservationNoise,
        seed: u64,
        analysis: usize,
    ) -> Draws {
        match self.method {
            Method::Stochastic => Draws::Perturbations(perturbations(seed, analysis, n, noise)),
            Method::CentredStochastic => {
                let mut eps = perturbations(seed, analysis, n, noise);
                centre(&mut eps);
                Draws::Perturbations(eps)
            }
            Method::EtkfRotated => Draws::Rotation(mean_preserving_rotation(n, seed, analysis)),
            Method::Denkf | Method::Etkf => Draws::None,
        }
    }

    /// The coefficients of a location without observations: no analysis,
    /// then the scheme's inflation.
    pub(crate) fn unobserved(&self, n: usize) -> Result<Coefficients> {
        let mut t = vec![0.0; n * n];
        for i in 0..n {
            t[i * n + i] = 1.0;
        }
        let f = Coefficients::from_transform(n, Form::EnsembleSpace, t);
        Ok(inflate(f, self.inflation))
    }

    /// The coefficients from the predictions and the draws of
    /// [`draws`](Self::draws) (perturbations of the same `K` observations).
    pub(crate) fn coefficients_given(
        &self,
        predicted: &[&[f64]],
        data: &[f64],
        noise: &ObservationNoise,
        draws: &Draws,
    ) -> Result<Coefficients> {
        let ensemble = Ensemble::from_members(predicted).map_err(prediction_error)?;
        // Prior inflation: the predictions' anomalies times λ (exact for a
        // linear H, the usual approximation otherwise).
        let inflated: Vec<Vec<f64>>;
        let predicted: Vec<&[f64]> = match self.inflation {
            Inflation::Prior(l) if l != 1.0 => {
                let mean = ensemble.mean();
                inflated = predicted
                    .iter()
                    .map(|h| h.iter().zip(&mean).map(|(h, m)| m + l * (h - m)).collect())
                    .collect();
                inflated.iter().map(Vec::as_slice).collect()
            }
            _ => predicted.to_vec(),
        };
        let f = match (self.method, draws) {
            (Method::Stochastic | Method::CentredStochastic, Draws::Perturbations(eps)) => {
                coefficients_inner(&predicted, data, &slices(eps), noise, None)?
            }
            (Method::Denkf, _) => {
                let ensemble = Ensemble::from_members(&predicted).map_err(prediction_error)?;
                let mean = ensemble.mean();
                let half: Vec<Vec<f64>> = predicted
                    .iter()
                    .map(|h| h.iter().zip(&mean).map(|(h, m)| 0.5 * (h - m)).collect())
                    .collect();
                coefficients_inner(&predicted, data, &slices(&half), noise, None)?
            }
            (_, Draws::Rotation(u)) => etkf(&predicted, data, noise, Some(u))?,
            _ => etkf(&predicted, data, noise, None)?,
        };
        Ok(inflate(f, self.inflation))
    }
}

/// The random draws of one analysis (see [`Scheme::draws`]).
#[derive(Debug, Clone)]
pub(crate) enum Draws {
    /// Nothing (DEnKF, ETKF).
    None,
    /// `eps_i`, one vector of `K` per member.
    Perturbations(Vec<Vec<f64>>),
    /// The ETKF's rotation `U`, `N × N` row-major.
    Rotation(Vec<f64>),
}

fn slices(v: &[Vec<f64>]) -> Vec<&[f64]> {
    v.iter().map(Vec::as_slice).collect()
}

/// Subtracts the mean over members (summed in member order).
fn centre(members: &mut [Vec<f64>]) {
    let n = members.len() as f64;
    let len = members.first().map_or(0, Vec::len);
    for c in 0..len {
        let mean = members.iter().map(|m| m[c]).sum::<f64>() / n;
        for m in members.iter_mut() {
            m[c] -= mean;
        }
    }
}

/// The ETKF's transform `T = wbar 1^T + W (U)` as coefficients `F = T - I`.
fn etkf(
    predicted: &[&[f64]],
    data: &[f64],
    noise: &ObservationNoise,
    rotation: Option<&[f64]>,
) -> Result<Coefficients> {
    let ensemble = checked_predictions(predicted, data, noise)?;
    let (n, k) = (ensemble.len(), ensemble.dim());
    let mean = ensemble.mean();
    let mut a = vec![0.0; k * n];
    for (j, h) in ensemble.members().enumerate() {
        for r in 0..k {
            a[r * n + j] = h[r] - mean[r];
        }
    }
    let innovation: Vec<f64> = data.iter().zip(mean).map(|(y, m)| y - m).collect();
    let a = noise.whiten(&a, n)?;
    let d = noise.whiten(&innovation, 1)?;
    // M = (N-1) I + A~^T A~ (exactly symmetric) and b = A~^T d~.
    let n1 = (n - 1) as f64;
    let mut m = vec![0.0; n * n];
    let mut b = vec![0.0; n];
    for (a_r, d_r) in a.chunks_exact(n).zip(&d) {
        for (j, &a_rj) in a_r.iter().enumerate() {
            for (mjl, a_rl) in m[j * n + j..(j + 1) * n].iter_mut().zip(&a_r[j..]) {
                *mjl += a_rj * a_rl;
            }
            b[j] += a_rj * d_r;
        }
    }
    for j in 0..n {
        m[j * n + j] += n1;
        for l in 0..j {
            m[j * n + l] = m[l * n + j];
        }
    }
    let (values, v) = symmetric_eigen(n, &m).map_err(|cause| Error::AnalysisMatrix {
        matrix: "(N-1) I + A^T R^{-1} A (eigen-decomposition)",
        cause,
    })?;
    // wbar = V Λ^{-1} V^T b, W = sqrt(N-1) V Λ^{-1/2} V^T.
    let vt_b: Vec<f64> = (0..n)
        .map(|c| (0..n).map(|r| v[r * n + c] * b[r]).sum::<f64>() / values[c])
        .collect();
    let wbar: Vec<f64> = (0..n)
        .map(|r| (0..n).map(|c| v[r * n + c] * vt_b[c]).sum())
        .collect();
    let scale: Vec<f64> = values.iter().map(|l| (n1 / l).sqrt()).collect();
    let mut w = vec![0.0; n * n];
    for r in 0..n {
        for c in 0..n {
            w[r * n + c] = (0..n).map(|e| v[r * n + e] * scale[e] * v[c * n + e]).sum();
        }
    }
    if let Some(u) = rotation {
        w = matmul(n, &w, u);
    }
    for (row, wbar_j) in w.chunks_exact_mut(n).zip(&wbar) {
        for t in row {
            *t += wbar_j;
        }
    }
    Ok(Coefficients::from_transform(n, Form::EnsembleSpace, w))
}

/// The `N × N` product `x y`, row-major.
fn matmul(n: usize, x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut p = vec![0.0; n * n];
    for r in 0..n {
        for e in 0..n {
            let x_re = x[r * n + e];
            for (p_rc, y_ec) in p[r * n..(r + 1) * n].iter_mut().zip(&y[e * n..(e + 1) * n]) {
                *p_rc += x_re * y_ec;
            }
        }
    }
    p
}

/// A random orthogonal `U` with `U 1 = 1`: `Q_0 diag(1, Q) Q_0` (see the
/// module docs).
fn mean_preserving_rotation(n: usize, seed: u64, analysis: usize) -> Vec<f64> {
    let m = n - 1;
    // Column c of the Gaussian matrix from member c's stream.
    let mut q: Vec<Vec<f64>> = (0..m)
        .map(|c| {
            let mut rng = member_stream(seed, c, Stream::Rotation(analysis));
            (0..m).map(|_| StandardNormal.sample(&mut rng)).collect()
        })
        .collect();
    // Modified Gram–Schmidt: the Q of a QR factorisation with a positive
    // diagonal of R.
    for c in 0..m {
        for p in 0..c {
            let (done, rest) = q.split_at_mut(c);
            let dot: f64 = done[p].iter().zip(&rest[0]).map(|(x, y)| x * y).sum();
            for (x, y) in rest[0].iter_mut().zip(&done[p]) {
                *x -= dot * y;
            }
        }
        let norm = q[c].iter().map(|x| x * x).sum::<f64>().sqrt();
        for x in &mut q[c] {
            *x /= norm;
        }
    }
    let mut block = vec![0.0; n * n];
    block[0] = 1.0;
    for (c, col) in q.iter().enumerate() {
        for (r, x) in col.iter().enumerate() {
            block[(r + 1) * n + c + 1] = *x;
        }
    }
    // Householder Q_0 = I - 2 v v^T / (v^T v), v = e_1 - 1 / sqrt(N).
    let u = 1.0 / (n as f64).sqrt();
    let mut v = vec![-u; n];
    v[0] += 1.0;
    let vv: f64 = v.iter().map(|x| x * x).sum();
    let mut q0 = vec![0.0; n * n];
    for r in 0..n {
        for c in 0..n {
            q0[r * n + c] = f64::from(u8::from(r == c)) - 2.0 * v[r] * v[c] / vv;
        }
    }
    matmul(n, &matmul(n, &q0, &block), &q0)
}

/// Applies the inflation to the transform of `f`.
fn inflate(f: Coefficients, inflation: Inflation) -> Coefficients {
    let n = f.n_members();
    // T_λ = 1 1^T / N + λ Π.
    let scaled_anomalies = |l: f64| {
        let mut t = vec![(1.0 - l) / n as f64; n * n];
        for i in 0..n {
            t[i * n + i] += l;
        }
        t
    };
    let form = f.form();
    match inflation {
        Inflation::None => f,
        Inflation::Prior(1.0) => f,
        Inflation::Posterior(1.0) => f,
        Inflation::Rtpp(0.0) => f,
        Inflation::Prior(l) => {
            let t = matmul(n, &scaled_anomalies(l), &f.transform());
            Coefficients::from_transform(n, form, t)
        }
        Inflation::Posterior(l) => {
            let t = matmul(n, &f.transform(), &scaled_anomalies(l));
            Coefficients::from_transform(n, form, t)
        }
        Inflation::Rtpp(a) => {
            let mut t = matmul(n, &f.transform(), &scaled_anomalies(1.0 - a));
            // + α Π
            for (idx, x) in t.iter_mut().enumerate() {
                let delta = f64::from(u8::from(idx / n == idx % n));
                *x += a * (delta - 1.0 / n as f64);
            }
            Coefficients::from_transform(n, form, t)
        }
    }
}

/// Relaxation to prior spread (Whitaker & Hamill 2012) of analysed states
/// on a common support: each component `c` of every analysed member's
/// anomaly is multiplied by `1 + α (σ^f_c - σ^a_c) / σ^a_c`, where `σ^f_c`
/// and `σ^a_c` are the forecast and analysis standard deviations of that
/// component (normalised by `N - 1`), so that the analysis spread becomes
/// `α σ^f_c + (1 - α) σ^a_c`. A component without analysis spread is left
/// as it is.
///
/// # Errors
/// * [`Error::Setting`] if `alpha` is not in `[0, 1]`;
/// * [`Error::MemberCount`] if the ensembles differ in size, or have fewer
///   than 2 members ([`Error::TooFewMembers`]);
/// * [`Error::MemberLength`] naming a member whose length differs from
///   forecast member 0's.
pub fn relax_to_prior_spread<S: AsRef<[f64]>>(
    forecast: &[S],
    analysis: &mut [Vec<f64>],
    alpha: f64,
) -> Result<()> {
    if !(0.0..=1.0).contains(&alpha) {
        return Err(Error::Setting {
            name: "RTPS weight",
            value: alpha,
            allowed: "in [0, 1]",
        });
    }
    let n = forecast.len();
    if n < 2 {
        return Err(Error::TooFewMembers { found: n });
    }
    if analysis.len() != n {
        return Err(Error::MemberCount {
            what: "analysed states (RTPS)",
            expected: n,
            found: analysis.len(),
        });
    }
    let len = forecast[0].as_ref().len();
    let lengths = forecast
        .iter()
        .map(|z| (z.as_ref().len(), "forecast states (RTPS)"))
        .chain(analysis.iter().map(|z| (z.len(), "analysed states (RTPS)")));
    for (member, (found, what)) in lengths.enumerate() {
        if found != len {
            return Err(Error::MemberLength {
                what,
                member: member % n,
                len: found,
                expected: len,
            });
        }
    }
    let n1 = (n - 1) as f64;
    let spread = |values: &mut dyn Iterator<Item = f64>| {
        let v: Vec<f64> = values.collect();
        let mean = v.iter().sum::<f64>() / n as f64;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n1;
        (mean, var.sqrt())
    };
    for c in 0..len {
        let (_, sigma_f) = spread(&mut forecast.iter().map(|z| z.as_ref()[c]));
        let (mean_a, sigma_a) = spread(&mut analysis.iter().map(|z| z[c]));
        if sigma_a > 0.0 {
            let factor = 1.0 + alpha * (sigma_f - sigma_a) / sigma_a;
            for z in analysis.iter_mut() {
                z[c] = mean_a + factor * (z[c] - mean_a);
            }
        }
    }
    Ok(())
}
