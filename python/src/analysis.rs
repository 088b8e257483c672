//! `assim`'s member-space analysis on numpy arrays (paper 2, eq. (2)).
//!
//! An ensemble is an `(N, m)` array, one member per row. The analysis is
//! `z_i^a = z_i^f + sum_j F_ji z_j^f` with the `N × N` coefficients `F`
//! computed from the predicted observations `H(z_i^f)` (`(N, K)`), the
//! data `y` (`(K,)`), and the noise covariance `R`, given as its variances
//! (`(K,)`, diagonal) or as a full matrix (`(K, K)`). The numbers are
//! those of the Rust crate, bit for bit.

use assim::localisation::GaspariCohn as RustGaspariCohn;
use assim::models::{Lorenz63 as RustLorenz63, Lorenz96 as RustLorenz96};
use assim::{
    Coefficients as RustCoefficients, ForecastModel, Form, Inflation,
    LocalCoefficients as RustLocalCoefficients, Method, ObservationNoise, Scheme as RustScheme,
};
use numpy::{PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::arrays::{Matrix, from_rows, matrix, values, vector};
use crate::errors;

pub fn register(parent: &Bound<'_, PyModule>) -> PyResult<()> {
    crate::submodule(
        parent,
        "analysis",
        "The member-space analysis of paper 2, eq. (2), every scheme, localisation and \
         Lorenz-63/96, on (N, m) float64 arrays.",
        |m| {
            m.add_class::<Coefficients>()?;
            m.add_class::<LocalCoefficients>()?;
            m.add_class::<Scheme>()?;
            m.add_class::<GaspariCohn>()?;
            m.add_class::<Lorenz63>()?;
            m.add_class::<Lorenz96>()?;
            m.add_function(wrap_pyfunction!(coefficients, m)?)?;
            m.add_function(wrap_pyfunction!(perturbations, m)?)?;
            m.add_function(wrap_pyfunction!(methods, m)?)?;
            m.add_function(wrap_pyfunction!(tapered_stochastic_update, m)?)?;
            m.add_function(wrap_pyfunction!(relax_to_prior_spread, m)?)?;
            Ok(())
        },
    )
}

/// The noise covariance `R` from a 1D array of variances or a 2D matrix.
fn noise(r: &Bound<'_, PyAny>) -> PyResult<ObservationNoise> {
    if let Ok(variances) = r.extract::<PyReadonlyArray1<f64>>() {
        return ObservationNoise::diagonal(&values(&variances)).map_err(errors::assim);
    }
    if let Ok(dense) = r.extract::<PyReadonlyArray2<f64>>() {
        let dense = Matrix::of(&dense);
        if dense.rows != dense.cols {
            return Err(PyValueError::new_err(format!(
                "the noise covariance R has shape ({}, {}), expected a square matrix",
                dense.rows, dense.cols
            )));
        }
        return ObservationNoise::dense(dense.rows, &dense.values).map_err(errors::assim);
    }
    Err(PyValueError::new_err(
        "the noise covariance R must be a float64 array: its variances (K,) or the matrix (K, K)",
    ))
}

fn form_name(form: Form) -> &'static str {
    match form {
        Form::ObservationSpace => "observation_space",
        Form::EnsembleSpace => "ensemble_space",
    }
}

/// The coefficients `F` (N × N) of one analysis: `F[j, i]` is the weight
/// of forecast member `j` in the increment of member `i`, so the analysis
/// of an `(N, m)` ensemble `Z` is `Z + F.T @ Z` (`apply`).
#[pyclass(module = "ensemble_kalman_particles.analysis", frozen)]
pub struct Coefficients(RustCoefficients);

#[pymethods]
impl Coefficients {
    /// `F` as an `(N, N)` array, `F[j, i]` at row `j`, column `i`.
    #[getter]
    fn matrix<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let n = self.0.n_members();
        matrix(py, self.0.as_slice().to_vec(), n, n)
    }

    /// The number of members `N`.
    #[getter]
    fn n_members(&self) -> usize {
        self.0.n_members()
    }

    /// How `F` was computed: `"observation_space"` (a `K × K` solve,
    /// `K <= N`) or `"ensemble_space"` (an `N × N` Woodbury solve).
    #[getter]
    fn form(&self) -> &'static str {
        form_name(self.0.form())
    }

    /// The analysis `z_i + sum_j F_ji z_j` of the forecast ensemble
    /// `forecast` (`(N, m)`, any `m`), summed over `j` in member order.
    fn apply<'py>(
        &self,
        py: Python<'py>,
        forecast: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let z = Matrix::of(&forecast);
        let analysis = self.0.apply_to(&z.row_slices()).map_err(errors::assim)?;
        from_rows(py, analysis, z.cols)
    }

    fn __repr__(&self) -> String {
        format!(
            "Coefficients(n_members={}, form='{}')",
            self.0.n_members(),
            form_name(self.0.form())
        )
    }
}

/// Paper 2's eq. (2): the coefficients from the predicted observations
/// `predicted` (`(N, K)`, row `i` is `H(z_i)`), the data `data` (`(K,)`),
/// the perturbations `eps_i ~ N(0, R)` (`(N, K)`) and the noise `noise`
/// (variances `(K,)` or matrix `(K, K)`). `form` forces
/// `"observation_space"` or `"ensemble_space"`; by default the first when
/// `K <= N`.
#[pyfunction]
#[pyo3(signature = (predicted, data, perturbations, noise, form = None))]
fn coefficients(
    py: Python<'_>,
    predicted: PyReadonlyArray2<'_, f64>,
    data: PyReadonlyArray1<'_, f64>,
    perturbations: PyReadonlyArray2<'_, f64>,
    noise: &Bound<'_, PyAny>,
    form: Option<&str>,
) -> PyResult<Coefficients> {
    let r = self::noise(noise)?;
    let (h, y, eps) = (
        Matrix::of(&predicted),
        values(&data),
        Matrix::of(&perturbations),
    );
    let (h, eps) = (h.row_slices(), eps.row_slices());
    let f = py.detach(|| match form {
        None => Ok(assim::coefficients(&h, &y, &eps, &r)),
        Some("observation_space") => Ok(assim::coefficients_with(
            &h,
            &y,
            &eps,
            &r,
            Form::ObservationSpace,
        )),
        Some("ensemble_space") => Ok(assim::coefficients_with(
            &h,
            &y,
            &eps,
            &r,
            Form::EnsembleSpace,
        )),
        Some(other) => Err(PyValueError::new_err(format!(
            "form = '{other}': expected 'observation_space' or 'ensemble_space'"
        ))),
    })?;
    Ok(Coefficients(f.map_err(errors::assim)?))
}

/// The perturbations `eps_i ~ N(0, R)`, `i < n_members`, of analysis
/// number `analysis` under `seed` (`(N, K)`): member `i` draws from the
/// stream `member_stream(seed, i, Perturbation(analysis))`, so a row
/// depends on `(seed, i, analysis)` only.
#[pyfunction]
fn perturbations<'py>(
    py: Python<'py>,
    seed: u64,
    analysis: usize,
    n_members: usize,
    noise: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let r = self::noise(noise)?;
    let eps = assim::perturbations(seed, analysis, n_members, &r);
    from_rows(py, eps, r.dim())
}

/// The names of the analysis methods `Scheme` accepts.
#[pyfunction]
fn methods() -> Vec<&'static str> {
    Method::ALL.iter().map(|m| m.name()).collect()
}

/// An analysis scheme: a method (`"stochastic"`, paper 2's eq. (2);
/// `"centred-stochastic"`; `"denkf"`; `"etkf"`; `"etkf-rotated"`) and an
/// optional inflation `(kind, value)` with kind `"prior"` or `"posterior"`
/// (a factor `> 0`) or `"rtpp"` (a weight in `[0, 1]`).
#[pyclass(module = "ensemble_kalman_particles.analysis", frozen)]
pub struct Scheme(RustScheme);

fn inflation(spec: Option<(String, f64)>) -> PyResult<Inflation> {
    Ok(match spec {
        None => Inflation::None,
        Some((kind, value)) => match kind.as_str() {
            "prior" => Inflation::Prior(value),
            "posterior" => Inflation::Posterior(value),
            "rtpp" => Inflation::Rtpp(value),
            other => {
                return Err(PyValueError::new_err(format!(
                    "inflation kind '{other}': expected 'prior', 'posterior' or 'rtpp'"
                )));
            }
        },
    })
}

#[pymethods]
impl Scheme {
    #[new]
    #[pyo3(signature = (method = "stochastic", inflation = None))]
    fn new(method: &str, inflation: Option<(String, f64)>) -> PyResult<Self> {
        let method = Method::from_name(method).ok_or_else(|| {
            PyValueError::new_err(format!(
                "method '{method}': expected one of {}",
                methods().join(", ")
            ))
        })?;
        let scheme = RustScheme::new(method)
            .with_inflation(self::inflation(inflation)?)
            .map_err(errors::assim)?;
        Ok(Self(scheme))
    }

    /// The method's name.
    #[getter]
    fn method(&self) -> &'static str {
        self.0.method().name()
    }

    /// The inflation as `(kind, value)`, or `None`.
    #[getter]
    fn inflation(&self) -> Option<(&'static str, f64)> {
        match self.0.inflation() {
            Inflation::Prior(l) => Some(("prior", l)),
            Inflation::Posterior(l) => Some(("posterior", l)),
            Inflation::Rtpp(a) => Some(("rtpp", a)),
            _ => None,
        }
    }

    /// The coefficients of analysis number `analysis` under `seed` from
    /// the predictions `(N, K)`, the data `(K,)` and the noise. The
    /// stochastic methods draw their perturbations as `perturbations`
    /// does, so `Scheme()` gives the same bits as `coefficients` with
    /// `perturbations(seed, analysis, N, noise)`.
    fn coefficients(
        &self,
        py: Python<'_>,
        predicted: PyReadonlyArray2<'_, f64>,
        data: PyReadonlyArray1<'_, f64>,
        noise: &Bound<'_, PyAny>,
        seed: u64,
        analysis: usize,
    ) -> PyResult<Coefficients> {
        let r = self::noise(noise)?;
        let (h, y) = (Matrix::of(&predicted), values(&data));
        let h = h.row_slices();
        let f = py.detach(|| self.0.coefficients(&h, &y, &r, seed, analysis));
        Ok(Coefficients(f.map_err(errors::assim)?))
    }

    /// The perturbations `(N, K)` the method draws at analysis `analysis`
    /// (centred for `"centred-stochastic"`), or `None` for a deterministic
    /// method.
    fn perturbations<'py>(
        &self,
        py: Python<'py>,
        n_members: usize,
        noise: &Bound<'py, PyAny>,
        seed: u64,
        analysis: usize,
    ) -> PyResult<Option<Bound<'py, PyArray2<f64>>>> {
        let r = self::noise(noise)?;
        self.0
            .perturbations(n_members, &r, seed, analysis)
            .map(|eps| from_rows(py, eps, r.dim()))
            .transpose()
    }

    /// One analysis per location (localisation): location `l` sees the
    /// observations `k` with `taper(distances[l, k]) > 0`, their variances
    /// divided by that weight. `distances` is `(L, K)`; `noise` must be
    /// diagonal. With `"etkf"` this is the LETKF.
    #[allow(clippy::too_many_arguments)]
    fn local_coefficients(
        &self,
        py: Python<'_>,
        predicted: PyReadonlyArray2<'_, f64>,
        data: PyReadonlyArray1<'_, f64>,
        noise: &Bound<'_, PyAny>,
        taper: &GaspariCohn,
        distances: PyReadonlyArray2<'_, f64>,
        seed: u64,
        analysis: usize,
    ) -> PyResult<LocalCoefficients> {
        let r = self::noise(noise)?;
        let (h, y, d) = (
            Matrix::of(&predicted),
            values(&data),
            Matrix::of(&distances),
        );
        d.expect("distances", d.rows, y.len())?;
        let h = h.row_slices();
        let local = py.detach(|| {
            self.0.local_coefficients(
                &h,
                &y,
                &r,
                &taper.0,
                d.rows,
                |l, k| d.values[l * d.cols + k],
                seed,
                analysis,
            )
        });
        Ok(LocalCoefficients(local.map_err(errors::assim)?))
    }

    fn __repr__(&self) -> String {
        match self.inflation() {
            None => format!("Scheme('{}')", self.method()),
            Some((kind, value)) => format!("Scheme('{}', ('{kind}', {value}))", self.method()),
        }
    }
}

/// The coefficients of every location of a localised analysis.
#[pyclass(module = "ensemble_kalman_particles.analysis", frozen)]
pub struct LocalCoefficients(RustLocalCoefficients);

#[pymethods]
impl LocalCoefficients {
    fn __len__(&self) -> usize {
        self.0.len()
    }

    /// The coefficients of location `location`.
    fn get(&self, location: usize) -> PyResult<Coefficients> {
        self.0
            .get(location)
            .map(|f| Coefficients(f.clone()))
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "location {location} out of range for {} locations",
                    self.0.len()
                ))
            })
    }

    /// The analysis of `forecast` (`(N, m)`) whose component `c` belongs
    /// to location `location_of[c]` (`(m,)`, integers).
    fn apply<'py>(
        &self,
        py: Python<'py>,
        forecast: PyReadonlyArray2<'py, f64>,
        location_of: Vec<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let z = Matrix::of(&forecast);
        if location_of.len() != z.cols {
            return Err(PyValueError::new_err(format!(
                "location_of has {} entries, expected one per state component ({})",
                location_of.len(),
                z.cols
            )));
        }
        let analysis = self
            .0
            .apply_to(&z.row_slices(), |c| location_of[c])
            .map_err(errors::assim)?;
        from_rows(py, analysis, z.cols)
    }
}

/// The Gaspari–Cohn taper of half-width `c` (support `2c`); calling it on
/// an array of distances gives the weights.
#[pyclass(module = "ensemble_kalman_particles.analysis", frozen)]
pub struct GaspariCohn(RustGaspariCohn);

#[pymethods]
impl GaspariCohn {
    #[new]
    fn new(half_width: f64) -> PyResult<Self> {
        Ok(Self(
            RustGaspariCohn::new(half_width).map_err(errors::assim)?,
        ))
    }

    /// The half-width `c`.
    #[getter]
    fn half_width(&self) -> f64 {
        self.0.half_width()
    }

    /// The weights at `distances` (`(n,)`).
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        distances: PyReadonlyArray1<'py, f64>,
    ) -> Bound<'py, PyArray1<f64>> {
        vector(
            py,
            values(&distances)
                .iter()
                .map(|&d| self.0.weight(d))
                .collect(),
        )
    }
}

/// The stochastic EnKF with covariance tapering (Houtekamer & Mitchell
/// 2001): `forecast` `(N, m)`, `predicted` `(N, K)`, `data` `(K,)`, a
/// diagonal or dense `noise`, `perturbations` `(N, K)`, a `taper`, and
/// the distances state-to-observation `(m, K)` and
/// observation-to-observation `(K, K)`. Returns the analysis `(N, m)`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn tapered_stochastic_update<'py>(
    py: Python<'py>,
    forecast: PyReadonlyArray2<'py, f64>,
    predicted: PyReadonlyArray2<'py, f64>,
    data: PyReadonlyArray1<'py, f64>,
    noise: &Bound<'py, PyAny>,
    perturbations: PyReadonlyArray2<'py, f64>,
    taper: &GaspariCohn,
    state_to_observation: PyReadonlyArray2<'py, f64>,
    observation_to_observation: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let r = self::noise(noise)?;
    let (z, h, y, eps) = (
        Matrix::of(&forecast),
        Matrix::of(&predicted),
        values(&data),
        Matrix::of(&perturbations),
    );
    let (xy, yy) = (
        Matrix::of(&state_to_observation),
        Matrix::of(&observation_to_observation),
    );
    xy.expect("state_to_observation", z.cols, y.len())?;
    yy.expect("observation_to_observation", y.len(), y.len())?;
    let (states, h, eps) = (z.row_slices(), h.row_slices(), eps.row_slices());
    let analysis = py
        .detach(|| {
            assim::tapered_stochastic_update(
                &states,
                &h,
                &y,
                &r,
                &eps,
                &taper.0,
                |c, k| xy.values[c * xy.cols + k],
                |k, l| yy.values[k * yy.cols + l],
            )
        })
        .map_err(errors::assim)?;
    from_rows(py, analysis, z.cols)
}

/// Relaxation to prior spread (Whitaker & Hamill 2012) with weight
/// `alpha` in `[0, 1]`: the analysis `(N, m)` with each component's
/// spread moved towards the forecast's.
#[pyfunction]
fn relax_to_prior_spread<'py>(
    py: Python<'py>,
    forecast: PyReadonlyArray2<'py, f64>,
    analysis: PyReadonlyArray2<'py, f64>,
    alpha: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (z, a) = (Matrix::of(&forecast), Matrix::of(&analysis));
    let mut relaxed: Vec<Vec<f64>> = a.row_slices().iter().map(|r| r.to_vec()).collect();
    assim::relax_to_prior_spread(&z.row_slices(), &mut relaxed, alpha).map_err(errors::assim)?;
    from_rows(py, relaxed, a.cols)
}

/// Forecasts every row of `states` (`(N, n)`) by `horizon` with a copy of
/// `model` each, in parallel; a row depends on that row only.
fn forecast_rows<'py, M: ForecastModel<State = Vec<f64>> + Clone + Sync>(
    py: Python<'py>,
    model: &M,
    states: PyReadonlyArray2<'py, f64>,
    horizon: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let z = Matrix::of(&states);
    let mut rows: Vec<Vec<f64>> = z.row_slices().iter().map(|r| r.to_vec()).collect();
    py.detach(|| {
        rows.par_iter_mut()
            .enumerate()
            .try_for_each(|(member, row)| {
                model
                    .clone()
                    .forecast(row, &[], horizon)
                    .map_err(|source| assim::Error::Forecast {
                        ensemble: 0,
                        member,
                        source,
                    })
            })
    })
    .map_err(errors::assim)?;
    from_rows(py, rows, z.cols)
}

/// Lorenz (1963), integrated by RK4 with step `dt`; `standard` has
/// `sigma = 10, rho = 28, beta = 8/3`.
#[pyclass(module = "ensemble_kalman_particles.analysis", frozen)]
pub struct Lorenz63(RustLorenz63);

#[pymethods]
impl Lorenz63 {
    #[new]
    #[pyo3(signature = (dt, sigma = 10.0, rho = 28.0, beta = 8.0 / 3.0))]
    fn new(dt: f64, sigma: f64, rho: f64, beta: f64) -> PyResult<Self> {
        let model = RustLorenz63::new(sigma, rho, beta, dt)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self(model))
    }

    /// Every row of `states` (`(N, 3)`) advanced by `horizon`, a whole
    /// number of steps `dt`.
    fn forecast<'py>(
        &self,
        py: Python<'py>,
        states: PyReadonlyArray2<'py, f64>,
        horizon: f64,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        forecast_rows(py, &self.0, states, horizon)
    }
}

/// Lorenz (1996) on a ring of `n` variables with forcing `forcing`,
/// integrated by RK4 with step `dt`.
#[pyclass(module = "ensemble_kalman_particles.analysis", frozen)]
pub struct Lorenz96(RustLorenz96);

#[pymethods]
impl Lorenz96 {
    #[new]
    #[pyo3(signature = (n = 40, forcing = 8.0, dt = 0.05))]
    fn new(n: usize, forcing: f64, dt: f64) -> PyResult<Self> {
        let model =
            RustLorenz96::new(n, forcing, dt).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self(model))
    }

    /// The number of variables.
    #[getter]
    fn n(&self) -> usize {
        self.0.len()
    }

    /// Every row of `states` (`(N, n)`) advanced by `horizon`, a whole
    /// number of steps `dt`.
    fn forecast<'py>(
        &self,
        py: Python<'py>,
        states: PyReadonlyArray2<'py, f64>,
        horizon: f64,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        forecast_rows(py, &self.0, states, horizon)
    }
}
