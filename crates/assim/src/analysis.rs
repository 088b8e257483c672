//! The stochastic EnKF analysis in member space, paper 2 (Duvillard,
//! Giraldi & Le Maître), Section 2.1.2, eq. (1)–(2).
//!
//! # The equations
//!
//! The Kalman filter corrects a forecast of mean `z^f` and covariance `P` with
//! data `y` of noise covariance `R` through an observation matrix `H`,
//! eq. (1):
//!
//! ```text
//! z^a = z^f + K (y - H z^f),      K = P H^T (H P H^T + R)^{-1}.
//! ```
//!
//! The stochastic EnKF estimates `P H^T` and `H P H^T` from `N` forecast
//! members `z_i^f` and their predicted observations `H_i = H(z_i^f)`
//! (`H` may be nonlinear), normalised by `1/(N-1)`, and corrects every member
//! with its own perturbed data `y + eps_i`, `eps_i ~ N(0, R)`. Written in
//! member space, eq. (2):
//!
//! ```text
//! z_i^a = z_i^f + sum_j F_ji z_j^f,
//! F_ji  = 1/(N-1) (H_j - ybar)^T (C_H + R)^{-1} (y + eps_i - H_i),
//! ybar  = (1/N) sum_j H_j,
//! C_H   = 1/(N-1) sum_j (H_j - ybar)(H_j - ybar)^T        (K × K).
//! ```
//!
//! `F` (`N × N`) depends on the predicted observations, the data, the
//! perturbations and `R` only, never on the states: [`coefficients`] builds
//! it without any state covariance, and [`Coefficients::apply_to`] applies it
//! to states of any length (nodal values, particle strengths at common
//! points, parameter vectors, or all of them stacked).
//!
//! Since `sum_j (H_j - ybar) = 0`, every column of `F` sums to zero:
//! `sum_j F_ji = 0` for each `i`. The increment of member `i` is a
//! combination of the deviations `z_j^f - zbar^f`, so a quantity that is the
//! same in all members is not changed by the analysis.
//!
//! # Two ways to compute `F`
//!
//! Write `A` for the `K × N` matrix of centred predictions (column `j` is
//! `H_j - ybar`) and `D` for the `K × N` matrix of innovations (column `i` is
//! `y + eps_i - H_i`), so that `C_H = A A^T / (N-1)` and
//! `F = A^T (C_H + R)^{-1} D / (N-1)`.
//!
//! * [`Form::ObservationSpace`]: factor the `K × K` matrix `C_H + R`
//!   (Cholesky), solve for `X = (C_H + R)^{-1} D` and form `F = A^T X / (N-1)`.
//!   Cost `O(K^3 + N K^2 + N^2 K)`.
//! * [`Form::EnsembleSpace`]: with `R = L L^T` (for a diagonal `R`,
//!   `L = diag(sqrt(r_k))`), whiten `A~ = L^{-1} A` and `D~ = L^{-1} D`. The
//!   Woodbury identity
//!   `(C_H + R)^{-1} = R^{-1} - R^{-1} A ((N-1) I + A^T R^{-1} A)^{-1} A^T R^{-1}`
//!   gives `A^T (C_H + R)^{-1} = (N-1) M^{-1} A^T R^{-1}` with the `N × N`
//!   matrix `M = (N-1) I + A~^T A~`, hence `F = M^{-1} A~^T D~`. Only `M`,
//!   whose eigenvalues are at least `N-1`, is factored. Cost
//!   `O(N^3 + N^2 K)` (plus `O(K^2 N)` to whiten with a dense `R`, whose
//!   factor is computed once, in [`ObservationNoise::dense`]).
//!
//! [`coefficients`] uses [`Form::for_sizes`]: the observation-space form
//! when `K <= N` (the 1D scenario, `K = 6`, `N = 25`), the ensemble-space
//! form when `K > N` (the 2D scenario, `K = 288`, `N = 32`), so the factored
//! matrix is never larger than `N × N` or `K × K`, whichever is smaller.
//! [`coefficients_with`] chooses explicitly. The two agree to rounding.
//!
//! # Storage of `F`
//!
//! [`Coefficients`] stores `F_ji` at `j * N + i`: row `j` (the forecast
//! member that contributes), column `i` (the member that is corrected).
//! [`Coefficients::get`]`(j, i)` is `F_ji`, with the indices in the order of
//! the paper.
//!
//! # Perturbations
//!
//! [`perturbations`] draws `eps_i ~ N(0, R)` for every member from the
//! stream [`member_stream`]`(seed, i, Stream::Perturbation(analysis))`:
//! `K` standard normals (ziggurat method of `rand_distr::StandardNormal`)
//! multiplied by `L`. They are not re-centred. Member `i`'s perturbation
//! depends on (seed, `i`, analysis index) only.
//!
//! # Determinism
//!
//! Everything runs on one thread, with sums in member and component order,
//! so results are bit-identical from run to run. The statistics `ybar` and
//! `C_H` are those of [`kinetic_enkf::Ensemble`], the single implementation
//! of the workspace.
//!
//! # Example
//!
//! Two members with a scalar state observed directly (`H(z) = z`),
//! `z_1 = 0`, `z_2 = 2`, data `y = 1.5`, `R = 2`, perturbations `0.5` and
//! `-0.5`. Then `ybar = 1`, the centred predictions are `-1` and `1`,
//! `C_H = 2`, `C_H + R = 4`, the innovations are `2` and `-1`, and
//! `F_j1 = (-1, 1) * 2 / 4`, `F_j2 = (-1, 1) * (-1) / 4`. The analysis is
//! `z_1^a = 0 + 0.5 * 2 = 1` and `z_2^a = 2 - 0.25 * 2 = 1.5`: the Kalman
//! update with gain `C_H / (C_H + R) = 1/2` applied to each member's own
//! perturbed data, `0 + (2 - 0) / 2` and `2 + (1 - 2) / 2`.
//!
//! ```
//! use assim::analysis::{ObservationNoise, coefficients};
//!
//! let forecast = [vec![0.0], vec![2.0]];
//! let predicted = forecast.clone(); // H(z) = z
//! let noise = ObservationNoise::diagonal(&[2.0])?;
//! let f = coefficients(&predicted, &[1.5], &[[0.5], [-0.5]], &noise)?;
//!
//! assert_eq!((f.get(0, 0), f.get(1, 0)), (-0.5, 0.5));
//! assert_eq!((f.get(0, 1), f.get(1, 1)), (0.25, -0.25));
//! assert_eq!(f.apply_to(&forecast)?, vec![vec![1.0], vec![1.5]]);
//! # Ok::<(), assim::Error>(())
//! ```

use kinetic_enkf::{Cholesky, Ensemble};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};
use crate::rng::{Stream, member_stream};

/// The observation-noise covariance `R` (`K × K`), validated.
#[derive(Clone, Debug)]
pub struct ObservationNoise {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// Independent noise: the variances `r_k > 0`.
    Diagonal(Vec<f64>),
    /// A dense symmetric positive definite `R` (row-major) and its Cholesky
    /// factor.
    Dense { matrix: Vec<f64>, factor: Cholesky },
}

impl ObservationNoise {
    /// Independent observation errors: `R = diag(variances)`. Both scenarios
    /// of paper 2 use this form (`R = 0.05 I` in 1D, `sigma_obs^2 I` in 2D).
    ///
    /// # Errors
    ///
    /// * [`Error::NoObservations`] if `variances` is empty;
    /// * [`Error::NoiseVariance`] naming the first variance that is not
    ///   positive and finite.
    pub fn diagonal(variances: &[f64]) -> Result<Self> {
        if variances.is_empty() {
            return Err(Error::NoObservations);
        }
        if let Some((component, &value)) = variances
            .iter()
            .enumerate()
            .find(|(_, r)| !(r.is_finite() && **r > 0.0))
        {
            return Err(Error::NoiseVariance { component, value });
        }
        Ok(Self {
            repr: Repr::Diagonal(variances.to_vec()),
        })
    }

    /// A general symmetric positive definite `R`, `k × k`, row-major. It is
    /// factored once here (Cholesky), for the ensemble-space form of the
    /// analysis and for sampling.
    ///
    /// # Errors
    ///
    /// [`Error::NoiseCovariance`] with the reason reported by
    /// [`kinetic_enkf::Cholesky::new`]: `k = 0`, a length other than `k * k`,
    /// a non-finite entry, an asymmetric pair of entries, or a matrix that is
    /// not positive definite (naming the pivot).
    pub fn dense(k: usize, matrix: &[f64]) -> Result<Self> {
        let factor = Cholesky::new(k, matrix).map_err(|cause| Error::NoiseCovariance { cause })?;
        Ok(Self {
            repr: Repr::Dense {
                matrix: matrix.to_vec(),
                factor,
            },
        })
    }

    /// The variances `r_k` of a diagonal `R`; `None` for a dense one.
    pub fn variances(&self) -> Option<&[f64]> {
        match &self.repr {
            Repr::Diagonal(variances) => Some(variances),
            Repr::Dense { .. } => None,
        }
    }

    /// The number of observations `K`.
    pub fn dim(&self) -> usize {
        match &self.repr {
            Repr::Diagonal(variances) => variances.len(),
            Repr::Dense { factor, .. } => factor.order(),
        }
    }

    /// One draw of `eps ~ N(0, R)`: `K` standard normals `xi` (ziggurat
    /// method), returned as `L xi` with `R = L L^T`.
    pub fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
        let xi: Vec<f64> = (0..self.dim())
            .map(|_| StandardNormal.sample(rng))
            .collect();
        match &self.repr {
            Repr::Diagonal(variances) => xi
                .iter()
                .zip(variances)
                .map(|(x, r)| r.sqrt() * x)
                .collect(),
            Repr::Dense { factor, .. } => factor
                .mul_lower(&xi)
                .expect("xi has K finite entries by construction"),
        }
    }

    /// Adds `R` to the row-major `K × K` matrix `c`.
    pub(crate) fn add_to(&self, c: &mut [f64]) {
        match &self.repr {
            Repr::Diagonal(variances) => {
                let k = variances.len();
                for (r, v) in variances.iter().enumerate() {
                    c[r * k + r] += v;
                }
            }
            Repr::Dense { matrix, .. } => {
                for (x, v) in c.iter_mut().zip(matrix) {
                    *x += v;
                }
            }
        }
    }

    /// `L^{-1} B` for the row-major `K × m` matrix `B`.
    pub(crate) fn whiten(&self, b: &[f64], m: usize) -> Result<Vec<f64>> {
        match &self.repr {
            Repr::Diagonal(variances) => Ok(b
                .chunks_exact(m)
                .zip(variances)
                .flat_map(|(row, r)| {
                    let s = r.sqrt();
                    row.iter().map(move |x| x / s)
                })
                .collect()),
            Repr::Dense { factor, .. } => {
                factor
                    .solve_lower(b, m)
                    .map_err(|cause| Error::AnalysisMatrix {
                        matrix: "L^{-1} [A D] (whitening by R = L L^T)",
                        cause,
                    })
            }
        }
    }
}

/// How [`coefficients_with`] computes `F`; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Factor the `K × K` matrix `C_H + R`.
    ObservationSpace,
    /// Factor the `N × N` matrix `(N-1) I + A^T R^{-1} A` (Woodbury).
    EnsembleSpace,
}

impl Form {
    /// The form [`coefficients`] uses for `n_members` members and
    /// `n_observations` observations: [`ObservationSpace`](Self::ObservationSpace)
    /// when `n_observations <= n_members`, else
    /// [`EnsembleSpace`](Self::EnsembleSpace).
    pub fn for_sizes(n_members: usize, n_observations: usize) -> Self {
        if n_observations <= n_members {
            Self::ObservationSpace
        } else {
            Self::EnsembleSpace
        }
    }
}

/// The member-space coefficients `F` (`N × N`) of paper 2, eq. (2).
///
/// `F_ji`, the weight of forecast member `j` in the increment of member `i`,
/// is [`get`](Self::get)`(j, i)` and is stored at `j * N + i` of
/// [`as_slice`](Self::as_slice).
#[derive(Clone, Debug, PartialEq)]
pub struct Coefficients {
    n: usize,
    form: Form,
    f: Vec<f64>,
}

impl Coefficients {
    /// `F` from a transform `T = I + F` computed elsewhere in the crate
    /// (`t` row-major, `N × N`, `T_ji` at `j * N + i`).
    pub(crate) fn from_transform(n: usize, form: Form, mut t: Vec<f64>) -> Self {
        for i in 0..n {
            t[i * n + i] -= 1.0;
        }
        Self { n, form, f: t }
    }

    /// The transform `T = I + F`, row-major: the analysis is
    /// `z_i^a = sum_j T_ji z_j^f`.
    pub(crate) fn transform(&self) -> Vec<f64> {
        let mut t = self.f.clone();
        for i in 0..self.n {
            t[i * self.n + i] += 1.0;
        }
        t
    }

    /// The number of members `N`.
    pub fn n_members(&self) -> usize {
        self.n
    }

    /// The form by which `F` was computed.
    pub fn form(&self) -> Form {
        self.form
    }

    /// `F_ji`: the weight of forecast member `j` in the increment of
    /// member `i`.
    ///
    /// # Panics
    ///
    /// If `j` or `i` is not less than [`n_members`](Self::n_members).
    pub fn get(&self, j: usize, i: usize) -> f64 {
        assert!(
            j < self.n && i < self.n,
            "index ({j}, {i}) out of range for {} members",
            self.n
        );
        self.f[j * self.n + i]
    }

    /// All of `F`, row-major with row `j` and column `i`: `F_ji` is at
    /// `j * N + i`.
    pub fn as_slice(&self) -> &[f64] {
        &self.f
    }

    /// The analysis `z_i^a = z_i^f + sum_j F_ji z_j^f` of the forecast states
    /// `forecast[i] = z_i^f`, eq. (2). States may have any length, the same
    /// for all members.
    ///
    /// The increment `sum_j F_ji z_j^f` is accumulated over `j` in member
    /// order, then added to `z_i^f`.
    ///
    /// # Errors
    ///
    /// * [`Error::MemberCount`] if there are not `N` states;
    /// * [`Error::MemberLength`] naming the first state whose length differs
    ///   from that of state 0;
    /// * [`Error::NonFiniteMember`] naming the first infinite or NaN entry.
    pub fn apply_to<S: AsRef<[f64]>>(&self, forecast: &[S]) -> Result<Vec<Vec<f64>>> {
        self.apply_to_members(forecast, 0..forecast.len())
    }

    /// [`Coefficients::apply_to`] for the analysed states of `members`
    /// only (a rank's block): each the same bits as in the whole analysis.
    ///
    /// # Errors
    /// As [`Coefficients::apply_to`]; [`Error::MemberCount`] if `members`
    /// reaches beyond the `N` states.
    pub fn apply_to_members<S: AsRef<[f64]>>(
        &self,
        forecast: &[S],
        members: std::ops::Range<usize>,
    ) -> Result<Vec<Vec<f64>>> {
        let forecast: Vec<&[f64]> = forecast.iter().map(AsRef::as_ref).collect();
        let n = self.n;
        let len = forecast.first().map_or(0, |z| z.len());
        check_members("forecast states", &forecast, n, len)?;
        check_block(&members, n)?;
        let mut analysis = Vec::with_capacity(members.len());
        let mut increment = vec![0.0; len];
        for i in members {
            increment.fill(0.0);
            for (j, z_j) in forecast.iter().enumerate() {
                let w = self.f[j * n + i];
                for (d, x) in increment.iter_mut().zip(*z_j) {
                    *d += w * x;
                }
            }
            analysis.push(
                forecast[i]
                    .iter()
                    .zip(&increment)
                    .map(|(z, d)| z + d)
                    .collect(),
            );
        }
        Ok(analysis)
    }
}

/// Refuse a block of members that reaches beyond the `n` members.
pub(crate) fn check_block(block: &std::ops::Range<usize>, n: usize) -> Result<()> {
    if block.end > n {
        return Err(Error::MemberCount {
            what: "members to analyse (the end of the block)",
            expected: n,
            found: block.end,
        });
    }
    Ok(())
}

/// The coefficients `F` of eq. (2) from the predicted observations
/// `predicted[i] = H(z_i^f)` (`N` members of length `K`), the data `y`
/// (length `K`), the perturbations `perturbations[i] = eps_i` (`N` × `K`) and
/// the noise covariance `R`, by the form [`Form::for_sizes`] selects.
///
/// # Errors
///
/// * [`Error::TooFewMembers`] if `N < 2`;
/// * [`Error::NoObservations`] if the predictions have length 0;
/// * [`Error::MemberLength`] naming the first prediction or perturbation
///   whose length is not `K` (the length of prediction 0);
/// * [`Error::MemberCount`] if there are not `N` perturbations;
/// * [`Error::NonFiniteMember`] naming the first infinite or NaN prediction
///   or perturbation component;
/// * [`Error::LengthMismatch`] if `y` or `R` is not of size `K`;
/// * [`Error::NonFiniteComponent`] naming the first infinite or NaN datum;
/// * [`Error::AnalysisMatrix`] if the factored matrix is not positive
///   definite to working precision (or overflows).
pub fn coefficients<P: AsRef<[f64]>, E: AsRef<[f64]>>(
    predicted: &[P],
    data: &[f64],
    perturbations: &[E],
    noise: &ObservationNoise,
) -> Result<Coefficients> {
    let predicted: Vec<&[f64]> = predicted.iter().map(AsRef::as_ref).collect();
    let perturbations: Vec<&[f64]> = perturbations.iter().map(AsRef::as_ref).collect();
    coefficients_inner(&predicted, data, &perturbations, noise, None)
}

/// As [`coefficients`], by the given form.
///
/// # Errors
///
/// As for [`coefficients`].
pub fn coefficients_with<P: AsRef<[f64]>, E: AsRef<[f64]>>(
    predicted: &[P],
    data: &[f64],
    perturbations: &[E],
    noise: &ObservationNoise,
    form: Form,
) -> Result<Coefficients> {
    let predicted: Vec<&[f64]> = predicted.iter().map(AsRef::as_ref).collect();
    let perturbations: Vec<&[f64]> = perturbations.iter().map(AsRef::as_ref).collect();
    coefficients_inner(&predicted, data, &perturbations, noise, Some(form))
}

/// The perturbations `eps_i ~ N(0, R)`, `i = 0..n_members`, of analysis
/// `analysis` (0-based) under the scenario seed `seed`: member `i` draws
/// [`ObservationNoise::sample`] from
/// [`member_stream`]`(seed, i, Stream::Perturbation(analysis))`.
///
/// Member `i`'s perturbation depends on `(seed, i, analysis)` only, not on
/// `n_members` or on the order in which members are processed.
pub fn perturbations(
    seed: u64,
    analysis: usize,
    n_members: usize,
    noise: &ObservationNoise,
) -> Vec<Vec<f64>> {
    (0..n_members)
        .map(|i| noise.sample(&mut member_stream(seed, i, Stream::Perturbation(analysis))))
        .collect()
}

pub(crate) fn coefficients_inner(
    predicted: &[&[f64]],
    data: &[f64],
    perturbations: &[&[f64]],
    noise: &ObservationNoise,
    form: Option<Form>,
) -> Result<Coefficients> {
    let ensemble = checked_predictions(predicted, data, noise)?;
    let (n, k) = (ensemble.len(), ensemble.dim());
    check_members("perturbations", perturbations, n, k)?;

    // Centred predictions A and innovations D, both K × N, row-major: row r
    // is observation r, column j is member j.
    let mean = ensemble.mean();
    let mut a = vec![0.0; k * n];
    let mut d = vec![0.0; k * n];
    for (j, (h, eps)) in ensemble.members().zip(perturbations).enumerate() {
        for r in 0..k {
            a[r * n + j] = h[r] - mean[r];
            d[r * n + j] = data[r] + eps[r] - h[r];
        }
    }

    let form = form.unwrap_or(Form::for_sizes(n, k));
    let f = match form {
        Form::ObservationSpace => observation_space(&ensemble, &a, &d, noise)?,
        Form::EnsembleSpace => ensemble_space(n, &a, &d, noise)?,
    };
    Ok(Coefficients { n, form, f })
}

/// The predictions as an ensemble of at least two members, checked against
/// the data and the noise: the checks every analysis scheme makes.
pub(crate) fn checked_predictions(
    predicted: &[&[f64]],
    data: &[f64],
    noise: &ObservationNoise,
) -> Result<Ensemble> {
    let ensemble = Ensemble::from_members(predicted).map_err(prediction_error)?;
    let (n, k) = (ensemble.len(), ensemble.dim());
    if n < 2 {
        return Err(Error::TooFewMembers { found: n });
    }
    if data.len() != k {
        return Err(Error::LengthMismatch {
            what: "data y",
            expected: k,
            found: data.len(),
        });
    }
    if let Some((component, &value)) = data.iter().enumerate().find(|(_, y)| !y.is_finite()) {
        return Err(Error::NonFiniteComponent {
            what: "data y",
            component,
            value,
        });
    }
    if noise.dim() != k {
        return Err(Error::LengthMismatch {
            what: "observation-noise covariance R (order)",
            expected: k,
            found: noise.dim(),
        });
    }
    Ok(ensemble)
}

/// `F = A^T (C_H + R)^{-1} D / (N-1)` by a Cholesky factorisation of the
/// `K × K` matrix `C_H + R`.
fn observation_space(
    ensemble: &Ensemble,
    a: &[f64],
    d: &[f64],
    noise: &ObservationNoise,
) -> Result<Vec<f64>> {
    let (n, k) = (ensemble.len(), ensemble.dim());
    let n1 = (n - 1) as f64;
    // `Ensemble::covariance` is normalised by 1/N (paper 1's convention);
    // eq. (2) normalises C_H by 1/(N-1): rescale by N/(N-1).
    let rescale = n as f64 / n1;
    let mut s: Vec<f64> = ensemble.covariance().iter().map(|c| c * rescale).collect();
    noise.add_to(&mut s);
    let analysis_error = |cause| Error::AnalysisMatrix {
        matrix: "C_H + R",
        cause,
    };
    let x = Cholesky::new(k, &s)
        .and_then(|chol| chol.solve(d, n))
        .map_err(analysis_error)?;
    let mut f = vec![0.0; n * n];
    for (a_r, x_r) in a.chunks_exact(n).zip(x.chunks_exact(n)) {
        for (row, &a_rj) in f.chunks_exact_mut(n).zip(a_r) {
            for (fji, x_ri) in row.iter_mut().zip(x_r) {
                *fji += a_rj * x_ri;
            }
        }
    }
    for fji in &mut f {
        *fji /= n1;
    }
    Ok(f)
}

/// `F = ((N-1) I + A~^T A~)^{-1} A~^T D~` with `A~ = L^{-1} A`,
/// `D~ = L^{-1} D`, `R = L L^T`: only an `N × N` matrix is factored.
fn ensemble_space(n: usize, a: &[f64], d: &[f64], noise: &ObservationNoise) -> Result<Vec<f64>> {
    let a = noise.whiten(a, n)?;
    let d = noise.whiten(d, n)?;
    let mut m = vec![0.0; n * n];
    let mut b = vec![0.0; n * n];
    for (a_r, d_r) in a.chunks_exact(n).zip(d.chunks_exact(n)) {
        for (j, &a_rj) in a_r.iter().enumerate() {
            // Upper triangle of A~^T A~ only; mirrored below, so that `m` is
            // exactly symmetric.
            for (mjl, a_rl) in m[j * n + j..(j + 1) * n].iter_mut().zip(&a_r[j..]) {
                *mjl += a_rj * a_rl;
            }
            for (bji, d_ri) in b[j * n..(j + 1) * n].iter_mut().zip(d_r) {
                *bji += a_rj * d_ri;
            }
        }
    }
    let n1 = (n - 1) as f64;
    for j in 0..n {
        m[j * n + j] += n1;
        for l in 0..j {
            m[j * n + l] = m[l * n + j];
        }
    }
    Cholesky::new(n, &m)
        .and_then(|chol| chol.solve(&b, n))
        .map_err(|cause| Error::AnalysisMatrix {
            matrix: "(N-1) I + A^T R^{-1} A",
            cause,
        })
}

/// The predicted observations' errors, in the vocabulary of this crate.
pub(crate) fn prediction_error(cause: kinetic_enkf::Error) -> Error {
    const WHAT: &str = "predicted observations";
    match cause {
        kinetic_enkf::Error::EmptyEnsemble => Error::TooFewMembers { found: 0 },
        kinetic_enkf::Error::ZeroDimension => Error::NoObservations,
        kinetic_enkf::Error::MemberLength {
            member,
            len,
            expected,
        } => Error::MemberLength {
            what: WHAT,
            member,
            len,
            expected,
        },
        kinetic_enkf::Error::NonFinite {
            member,
            component,
            value,
        } => Error::NonFiniteMember {
            what: WHAT,
            member,
            component,
            value,
        },
        cause => Error::Statistics { what: WHAT, cause },
    }
}

/// Checks that `members` holds `count` vectors of length `len` with finite
/// entries.
pub(crate) fn check_members(
    what: &'static str,
    members: &[&[f64]],
    count: usize,
    len: usize,
) -> Result<()> {
    if members.len() != count {
        return Err(Error::MemberCount {
            what,
            expected: count,
            found: members.len(),
        });
    }
    for (member, z) in members.iter().enumerate() {
        if z.len() != len {
            return Err(Error::MemberLength {
                what,
                member,
                len: z.len(),
                expected: len,
            });
        }
        if let Some((component, &value)) = z.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::NonFiniteMember {
                what,
                member,
                component,
                value,
            });
        }
    }
    Ok(())
}
