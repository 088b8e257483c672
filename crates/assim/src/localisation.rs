//! Localisation by local analyses (Hunt, Kostelich & Szunyogh 2007; Sakov &
//! Bertino 2011): one member-space analysis per *location* (a state
//! component, a node of a grid, a particle), each seeing only the
//! observations near it, with their noise variances divided by a taper.
//!
//! With the [Gaspari–Cohn](GaspariCohn) taper `ρ` of half-width `c` and the
//! distance `d_lk` from location `l` to observation `k`, the local analysis
//! at `l` is the scheme's analysis (any [`Scheme`]: with the ETKF it is the
//! LETKF) of the observations with `ρ(d_lk) > 0` (those nearer than `2c`),
//! their noise variances `r_k / ρ(d_lk)`. The stochastic methods use one
//! draw of the perturbations for all locations, scaled to the local
//! variance (`eps_ik / sqrt(ρ(d_lk))`), and the rotated ETKF one rotation,
//! so that neighbouring locations are analysed alike. A location without
//! observations keeps its forecast (then the scheme's inflation).
//! [`LocalCoefficients`] holds the `F` of every location; a state component
//! is analysed by the `F` of the location it belongs to.
//!
//! The taper is applied to `R^{-1}`, so the noise must be diagonal.
//!
//! # Example: Lorenz-96-like ring, observation `k` at component `k`
//!
//! ```
//! use assim::localisation::GaspariCohn;
//! use assim::{Method, ObservationNoise, Scheme};
//!
//! let n = 8; // variables on a ring, all observed
//! let members: Vec<Vec<f64>> = (0..5)
//!     .map(|i| (0..n).map(|c| ((i * 7 + c * 3) % 5) as f64).collect())
//!     .collect();
//! let noise = ObservationNoise::diagonal(&vec![1.0; n])?;
//! let ring = |l: usize, k: usize| {
//!     let d = l.abs_diff(k);
//!     d.min(n - d) as f64
//! };
//! let taper = GaspariCohn::new(1.5)?;
//! let local = Scheme::new(Method::Etkf).local_coefficients(
//!     &members, &vec![1.0; n], &noise, &taper, n, ring, 0, 0,
//! )?;
//! let analysis = local.apply_to(&members, |component| component)?;
//! assert_eq!(analysis.len(), 5);
//! # Ok::<(), assim::Error>(())
//! ```

use rayon::prelude::*;

use crate::analysis::{Coefficients, ObservationNoise, checked_predictions};
use crate::error::{Error, Result};
use crate::schemes::{Draws, Scheme};

/// The taper of Gaspari & Cohn (1999, eq. 4.10), a compactly supported
/// fifth-order piecewise rational approximation of a Gaussian: 1 at
/// distance 0, zero from `2c` on. With `x = d / c`,
///
/// ```text
/// 1 - 5/3 x^2 + 5/8 x^3 + 1/2 x^4 - 1/4 x^5                       x <= 1
/// 4 - 5 x + 5/3 x^2 + 5/8 x^3 - 1/2 x^4 + 1/12 x^5 - 2/(3 x)      1 < x <= 2
/// 0                                                                x > 2
/// ```
///
/// DAPPER's `loc_rad = r` with its `'GC'` taper is the half-width
/// `c = 1.82 r` (DAPPER 1.7, `tools/localization.py`; Sakov's code used
/// `1.7386 r`, where the taper equals `exp(-1/2)` as a Gaussian of standard
/// deviation `r` does at `r`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaspariCohn {
    half_width: f64,
}

impl GaspariCohn {
    /// The taper of half-width `c` (support `2c`).
    ///
    /// # Errors
    /// [`Error::Setting`] if `c` is not positive and finite.
    pub fn new(half_width: f64) -> Result<Self> {
        if !(half_width.is_finite() && half_width > 0.0) {
            return Err(Error::Setting {
                name: "Gaspari-Cohn half-width",
                value: half_width,
                allowed: "positive and finite",
            });
        }
        Ok(Self { half_width })
    }

    /// The half-width `c`.
    pub fn half_width(&self) -> f64 {
        self.half_width
    }

    /// The weight at distance `d >= 0`.
    pub fn weight(&self, distance: f64) -> f64 {
        let x = distance.abs() / self.half_width;
        if x <= 1.0 {
            1.0 + x * x * (-5.0 / 3.0 + x * (5.0 / 8.0 + x * (0.5 - 0.25 * x)))
        } else if x <= 2.0 {
            4.0 - 5.0 * x + x * x * (5.0 / 3.0 + x * (5.0 / 8.0 + x * (-0.5 + x / 12.0)))
                - 2.0 / (3.0 * x)
        } else {
            0.0
        }
    }
}

/// One member-space analysis per location; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalCoefficients {
    locations: Vec<Coefficients>,
}

impl LocalCoefficients {
    /// Local coefficients from the coefficients of every location.
    ///
    /// # Errors
    /// [`Error::MemberCount`] naming the first location whose `N` differs
    /// from location 0's.
    pub fn new(locations: Vec<Coefficients>) -> Result<Self> {
        let n = locations.first().map_or(0, Coefficients::n_members);
        if let Some(f) = locations.iter().find(|f| f.n_members() != n) {
            return Err(Error::MemberCount {
                what: "local coefficients (one location differs)",
                expected: n,
                found: f.n_members(),
            });
        }
        Ok(Self { locations })
    }

    /// The number of locations.
    pub fn len(&self) -> usize {
        self.locations.len()
    }

    /// The number of members `N` (0 without locations).
    pub fn n_members(&self) -> usize {
        self.locations.first().map_or(0, Coefficients::n_members)
    }

    /// Whether there are no locations.
    pub fn is_empty(&self) -> bool {
        self.locations.is_empty()
    }

    /// The coefficients `F` of location `location`, if it exists.
    pub fn get(&self, location: usize) -> Option<&Coefficients> {
        self.locations.get(location)
    }

    /// The analysis of states on a common support whose component `c`
    /// belongs to location `location_of(c)`:
    /// `z^a_ic = z^f_ic + sum_j F^(l)_ji z^f_jc` with `l = location_of(c)`.
    ///
    /// # Errors
    /// * [`Error::MemberCount`] if there are not `N` states;
    /// * [`Error::MemberLength`] naming a state whose length differs from
    ///   state 0's;
    /// * [`Error::LengthMismatch`] if a component's location does not exist.
    pub fn apply_to<S: AsRef<[f64]>>(
        &self,
        forecast: &[S],
        location_of: impl Fn(usize) -> usize,
    ) -> Result<Vec<Vec<f64>>> {
        let n = self.locations.first().map_or(0, Coefficients::n_members);
        if forecast.len() != n {
            return Err(Error::MemberCount {
                what: "forecast states (local analysis)",
                expected: n,
                found: forecast.len(),
            });
        }
        let len = forecast[0].as_ref().len();
        for (member, z) in forecast.iter().enumerate() {
            if z.as_ref().len() != len {
                return Err(Error::MemberLength {
                    what: "forecast states (local analysis)",
                    member,
                    len: z.as_ref().len(),
                    expected: len,
                });
            }
        }
        let mut analysis: Vec<Vec<f64>> = forecast.iter().map(|z| z.as_ref().to_vec()).collect();
        for c in 0..len {
            let l = location_of(c);
            let f = self.locations.get(l).ok_or(Error::LengthMismatch {
                what: "local analysis: the location of a state component",
                expected: self.locations.len(),
                found: l,
            })?;
            for (i, z_i) in analysis.iter_mut().enumerate() {
                let increment: f64 = forecast
                    .iter()
                    .enumerate()
                    .map(|(j, z_j)| f.get(j, i) * z_j.as_ref()[c])
                    .sum();
                z_i[c] += increment;
            }
        }
        Ok(analysis)
    }
}

/// The one set of local coefficients of locations shared by all members.
pub(crate) fn shared(coefficients: &[LocalCoefficients]) -> Result<&LocalCoefficients> {
    match coefficients {
        [one] => Ok(one),
        _ => Err(Error::MemberCount {
            what: "local coefficients of shared locations (one set expected)",
            expected: 1,
            found: coefficients.len(),
        }),
    }
}

impl Scheme {
    /// The local analyses of `n_locations` locations (module docs): for
    /// each location `l` the scheme's coefficients from the observations
    /// `k` with `taper.weight(distance(l, k)) > 0`, their noise variances
    /// divided by that weight. Locations are analysed in parallel; each
    /// depends on its own inputs only, so the result is the same for any
    /// number of threads.
    ///
    /// # Errors
    /// * the errors of [`Scheme::coefficients`] (sizes, non-finite values);
    /// * [`Error::DenseNoiseLocalised`] for a dense `R`;
    /// * [`Error::NotFinite`] for a distance that is not finite and
    ///   non-negative.
    #[allow(clippy::too_many_arguments)]
    pub fn local_coefficients<P: AsRef<[f64]> + Sync>(
        &self,
        predicted: &[P],
        data: &[f64],
        noise: &ObservationNoise,
        taper: &GaspariCohn,
        n_locations: usize,
        distance: impl Fn(usize, usize) -> f64 + Sync,
        seed: u64,
        analysis: usize,
    ) -> Result<LocalCoefficients> {
        let slices: Vec<&[f64]> = predicted.iter().map(AsRef::as_ref).collect();
        let ensemble = checked_predictions(&slices, data, noise)?;
        let variances = noise.variances().ok_or(Error::DenseNoiseLocalised)?;
        let n = ensemble.len();
        let draws = self.draws(n, noise, seed, analysis);
        let locations = (0..n_locations)
            .into_par_iter()
            .map(|l| {
                let mut near = Vec::new();
                for k in 0..data.len() {
                    let d = distance(l, k);
                    if !(d.is_finite() && d >= 0.0) {
                        return Err(Error::NotFinite {
                            name: "distance from a location to an observation",
                            value: d,
                        });
                    }
                    let w = taper.weight(d);
                    if w > 0.0 {
                        near.push((k, w));
                    }
                }
                let local_predicted: Vec<Vec<f64>> = slices
                    .iter()
                    .map(|h| near.iter().map(|&(k, _)| h[k]).collect())
                    .collect();
                let local_data: Vec<f64> = near.iter().map(|&(k, _)| data[k]).collect();
                if near.is_empty() {
                    return self.unobserved(n);
                }
                let local_noise = ObservationNoise::diagonal(
                    &near
                        .iter()
                        .map(|&(k, w)| variances[k] / w)
                        .collect::<Vec<_>>(),
                )?;
                let local_draws = match &draws {
                    Draws::Perturbations(eps) => Draws::Perturbations(
                        eps.iter()
                            .map(|e| near.iter().map(|&(k, w)| e[k] / w.sqrt()).collect())
                            .collect(),
                    ),
                    other => other.clone(),
                };
                let local_slices: Vec<&[f64]> = local_predicted.iter().map(Vec::as_slice).collect();
                self.coefficients_given(&local_slices, &local_data, &local_noise, &local_draws)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(LocalCoefficients { locations })
    }
}

/// The stochastic EnKF with covariance tapering (Houtekamer & Mitchell
/// 2001), the other classical localisation: the Schur product of the taper
/// with the ensemble's covariances, in state space,
///
/// ```text
/// z_i^a = z_i^f + (ρ_xy ∘ P H^T) (ρ_yy ∘ H P H^T + R)^{-1} (y + eps_i - H_i),
/// P H^T = X A^T / (N-1),   H P H^T = A A^T / (N-1),
/// ```
///
/// with `X` the anomalies of the states, `A` the centred predictions,
/// `ρ_xy[c, k] = taper(state_to_observation(c, k))` and
/// `ρ_yy[k, m] = taper(observation_to_observation(k, m))`. Unlike a local
/// analysis this is not a member-space transform (the gain differs per
/// state component), so it acts on states on a common support (vectors,
/// nodal values); `P` is never formed (cost `O(n K N + K^3)`).
///
/// # Errors
/// * the errors of [`crate::coefficients`] for the predictions, data,
///   noise and perturbations;
/// * [`Error::MemberCount`] / [`Error::MemberLength`] for states that are
///   not `N` vectors of one length, [`Error::NonFiniteMember`] naming a
///   non-finite state entry;
/// * [`Error::NotFinite`] for a distance that is not finite and
///   non-negative;
/// * [`Error::AnalysisMatrix`] if `ρ_yy ∘ H P H^T + R` is not positive
///   definite.
#[allow(clippy::too_many_arguments)]
pub fn tapered_stochastic_update<S: AsRef<[f64]>, P: AsRef<[f64]>, E: AsRef<[f64]>>(
    forecast: &[S],
    predicted: &[P],
    data: &[f64],
    noise: &ObservationNoise,
    perturbations: &[E],
    taper: &GaspariCohn,
    state_to_observation: impl Fn(usize, usize) -> f64,
    observation_to_observation: impl Fn(usize, usize) -> f64,
) -> Result<Vec<Vec<f64>>> {
    let slices: Vec<&[f64]> = predicted.iter().map(AsRef::as_ref).collect();
    let ensemble = checked_predictions(&slices, data, noise)?;
    let (n, k) = (ensemble.len(), ensemble.dim());
    let states: Vec<&[f64]> = forecast.iter().map(AsRef::as_ref).collect();
    let eps: Vec<&[f64]> = perturbations.iter().map(AsRef::as_ref).collect();
    crate::analysis::check_members("perturbations", &eps, n, k)?;
    let len = states.first().map_or(0, |z| z.len());
    crate::analysis::check_members("forecast states", &states, n, len)?;
    let weight = |d: f64| {
        if d.is_finite() && d >= 0.0 {
            Ok(taper.weight(d))
        } else {
            Err(Error::NotFinite {
                name: "distance (covariance tapering)",
                value: d,
            })
        }
    };
    let n1 = (n - 1) as f64;
    let mean = ensemble.mean();
    // A (K × N) and the innovations D (K × N), row-major.
    let mut a = vec![0.0; k * n];
    let mut d = vec![0.0; k * n];
    for (j, (h, e)) in slices.iter().zip(&eps).enumerate() {
        for r in 0..k {
            a[r * n + j] = h[r] - mean[r];
            d[r * n + j] = data[r] + e[r] - h[r];
        }
    }
    // S = ρ_yy ∘ A A^T / (N-1) + R.
    let mut s = vec![0.0; k * k];
    for r in 0..k {
        for m in 0..k {
            let c: f64 = (0..n).map(|j| a[r * n + j] * a[m * n + j]).sum::<f64>() / n1;
            s[r * k + m] = weight(observation_to_observation(r, m))? * c;
        }
    }
    noise.add_to(&mut s);
    let w = kinetic_enkf::Cholesky::new(k, &s)
        .and_then(|chol| chol.solve(&d, n))
        .map_err(|cause| Error::AnalysisMatrix {
            matrix: "ρ_yy ∘ H P H^T + R (covariance tapering)",
            cause,
        })?;
    // z_i^a[c] = z_i^f[c] + sum_r (ρ_xy[c, r] (X A^T)[c, r] / (N-1)) W[r, i].
    let mut analysis: Vec<Vec<f64>> = states.iter().map(|z| z.to_vec()).collect();
    let mut gain_row = vec![0.0; k];
    for c in 0..len {
        let state_mean = states.iter().map(|z| z[c]).sum::<f64>() / n as f64;
        for (r, g) in gain_row.iter_mut().enumerate() {
            let xa: f64 = (0..n)
                .map(|j| (states[j][c] - state_mean) * a[r * n + j])
                .sum::<f64>()
                / n1;
            *g = weight(state_to_observation(c, r))? * xa;
        }
        for (i, z_i) in analysis.iter_mut().enumerate() {
            z_i[c] += (0..k).map(|r| gain_row[r] * w[r * n + i]).sum::<f64>();
        }
    }
    Ok(analysis)
}
