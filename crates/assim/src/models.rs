//! The standard test-beds of data assimilation, as [`ForecastModel`]s on
//! state vectors: Lorenz-63 and Lorenz-96, integrated by the classical
//! fourth-order Runge–Kutta scheme with a fixed step, and
//! [`ObservedComponents`], the filter that observes some components of a
//! state vector directly.
//!
//! * [`Lorenz63`] (Lorenz 1963): `x' = σ (y - x)`, `y' = x (ρ - z) - y`,
//!   `z' = x y - β z`; the standard `σ = 10`, `ρ = 28`, `β = 8/3`.
//! * [`Lorenz96`] (Lorenz 1996): `x_i' = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F`
//!   on a ring of `n ≥ 4` variables; the standard `n = 40`, `F = 8`. The
//!   forcing may be calibrated: `parameters = [F]` overrides the model's.
//!
//! A forecast horizon must be a whole number of steps `dt` (to a relative
//! `1e-9`); the model refuses any other. A forecast allocates nothing: the
//! Runge–Kutta stages live in the model.
//!
//! # Example: the sensitivity to initial conditions
//!
//! ```
//! use assim::ForecastModel;
//! use assim::models::Lorenz63;
//!
//! let mut model = Lorenz63::standard(0.01)?;
//! let (mut a, mut b) = (vec![1.0, 1.0, 20.0], vec![1.0 + 1e-9, 1.0, 20.0]);
//! model.forecast(&mut a, &[], 20.0)?;
//! model.forecast(&mut b, &[], 20.0)?;
//! // A 1e-9 difference has grown by many orders of magnitude.
//! assert!((a[0] - b[0]).abs() > 1e-3);
//! # Ok::<(), assim::ModelError>(())
//! ```

use crate::analysis::Coefficients;
use crate::ensemble::{Filter, ForecastModel, LocalFilter, ModelError};
use crate::error::{Error, Result};
use crate::localisation::{LocalCoefficients, shared};

/// The Lorenz-63 system, RK4 with step `dt`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lorenz63 {
    sigma: f64,
    rho: f64,
    beta: f64,
    rk4: Rk4,
}

impl Lorenz63 {
    /// The system with parameters `σ, ρ, β` and step `dt`.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] for a non-finite parameter or a step that is
    /// not positive and finite.
    pub fn new(sigma: f64, rho: f64, beta: f64, dt: f64) -> std::result::Result<Self, ModelError> {
        for (name, value) in [("sigma", sigma), ("rho", rho), ("beta", beta)] {
            if !value.is_finite() {
                return Err(ModelError::Invalid { name, value });
            }
        }
        Ok(Self {
            sigma,
            rho,
            beta,
            rk4: Rk4::new(3, dt)?,
        })
    }

    /// The standard parameters `σ = 10`, `ρ = 28`, `β = 8/3`.
    ///
    /// # Errors
    /// As [`Lorenz63::new`], for the step.
    pub fn standard(dt: f64) -> std::result::Result<Self, ModelError> {
        Self::new(10.0, 28.0, 8.0 / 3.0, dt)
    }

    /// The time step.
    pub fn dt(&self) -> f64 {
        self.rk4.dt
    }

    /// The right-hand side at `x`, into `dx`.
    pub fn tendency(&self, x: &[f64], dx: &mut [f64]) {
        lorenz63(self.sigma, self.rho, self.beta, x, dx);
    }
}

fn lorenz63(sigma: f64, rho: f64, beta: f64, x: &[f64], dx: &mut [f64]) {
    dx[0] = sigma * (x[1] - x[0]);
    dx[1] = x[0] * (rho - x[2]) - x[1];
    dx[2] = x[0] * x[1] - beta * x[2];
}

impl ForecastModel for Lorenz63 {
    type State = Vec<f64>;

    /// `parameters` must be empty.
    fn forecast(
        &mut self,
        state: &mut Vec<f64>,
        parameters: &[f64],
        horizon: f64,
    ) -> std::result::Result<(), ModelError> {
        if !parameters.is_empty() {
            return Err(ModelError::ParameterCount {
                expected: 0,
                found: parameters.len(),
            });
        }
        let (sigma, rho, beta) = (self.sigma, self.rho, self.beta);
        self.rk4.advance(state, horizon, |x, dx| {
            lorenz63(sigma, rho, beta, x, dx);
        })
    }
}

/// The Lorenz-96 system on a ring of `n ≥ 4` variables, RK4 with step `dt`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lorenz96 {
    forcing: f64,
    rk4: Rk4,
}

impl Lorenz96 {
    /// `n` variables, forcing `F`, step `dt`.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] for `n < 4`, a non-finite forcing or a step
    /// that is not positive and finite.
    pub fn new(n: usize, forcing: f64, dt: f64) -> std::result::Result<Self, ModelError> {
        if n < 4 {
            return Err(ModelError::Invalid {
                name: "number of Lorenz-96 variables (at least 4)",
                value: n as f64,
            });
        }
        if !forcing.is_finite() {
            return Err(ModelError::Invalid {
                name: "forcing",
                value: forcing,
            });
        }
        Ok(Self {
            forcing,
            rk4: Rk4::new(n, dt)?,
        })
    }

    /// The number of variables.
    pub fn len(&self) -> usize {
        self.rk4.k1.len()
    }

    /// Always false (at least 4 variables).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The time step.
    pub fn dt(&self) -> f64 {
        self.rk4.dt
    }

    /// The right-hand side at `x` with forcing `forcing`, into `dx`.
    pub fn tendency(x: &[f64], forcing: f64, dx: &mut [f64]) {
        lorenz96(x, forcing, dx);
    }
}

fn lorenz96(x: &[f64], forcing: f64, dx: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        let (next, prev, prev2) = (x[(i + 1) % n], x[(i + n - 1) % n], x[(i + n - 2) % n]);
        dx[i] = (next - prev2) * prev - x[i] + forcing;
    }
}

impl ForecastModel for Lorenz96 {
    type State = Vec<f64>;

    /// `parameters` is empty (the model's forcing) or `[F]`.
    fn forecast(
        &mut self,
        state: &mut Vec<f64>,
        parameters: &[f64],
        horizon: f64,
    ) -> std::result::Result<(), ModelError> {
        let forcing = match parameters {
            [] => self.forcing,
            [f] if f.is_finite() => *f,
            [f] => {
                return Err(ModelError::NonPhysical {
                    name: "forcing",
                    value: *f,
                });
            }
            _ => {
                return Err(ModelError::ParameterCount {
                    expected: 1,
                    found: parameters.len(),
                });
            }
        };
        self.rk4
            .advance(state, horizon, |x, dx| lorenz96(x, forcing, dx))
    }
}

/// The classical Runge–Kutta scheme with its stages kept between calls.
#[derive(Debug, Clone, PartialEq)]
struct Rk4 {
    dt: f64,
    k1: Vec<f64>,
    k2: Vec<f64>,
    k3: Vec<f64>,
    k4: Vec<f64>,
    stage: Vec<f64>,
}

impl Rk4 {
    fn new(n: usize, dt: f64) -> std::result::Result<Self, ModelError> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(ModelError::Invalid {
                name: "time step dt",
                value: dt,
            });
        }
        let z = vec![0.0; n];
        Ok(Self {
            dt,
            k1: z.clone(),
            k2: z.clone(),
            k3: z.clone(),
            k4: z.clone(),
            stage: z,
        })
    }

    /// `horizon / dt` steps of `x' = f(x)`; the state is checked finite
    /// after each step.
    fn advance(
        &mut self,
        x: &mut [f64],
        horizon: f64,
        f: impl Fn(&[f64], &mut [f64]),
    ) -> std::result::Result<(), ModelError> {
        if x.len() != self.k1.len() {
            return Err(ModelError::StateLength {
                expected: self.k1.len(),
                found: x.len(),
            });
        }
        let steps = (horizon / self.dt).round();
        if !(horizon.is_finite() && horizon >= 0.0)
            || (steps * self.dt - horizon).abs() > 1e-9 * horizon.max(self.dt)
        {
            return Err(ModelError::NonPhysical {
                name: "forecast horizon (a whole number of time steps)",
                value: horizon,
            });
        }
        let h = self.dt;
        for _ in 0..steps as u64 {
            f(x, &mut self.k1);
            axpy(&mut self.stage, x, 0.5 * h, &self.k1);
            f(&self.stage, &mut self.k2);
            axpy(&mut self.stage, x, 0.5 * h, &self.k2);
            f(&self.stage, &mut self.k3);
            axpy(&mut self.stage, x, h, &self.k3);
            f(&self.stage, &mut self.k4);
            for (i, xi) in x.iter_mut().enumerate() {
                *xi += h / 6.0 * (self.k1[i] + 2.0 * (self.k2[i] + self.k3[i]) + self.k4[i]);
            }
            if let Some((node, &value)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(ModelError::NonFinite { node, value });
            }
        }
        Ok(())
    }
}

/// `out = x + a k`.
fn axpy(out: &mut [f64], x: &[f64], a: f64, k: &[f64]) {
    for ((o, x), k) in out.iter_mut().zip(x).zip(k) {
        *o = x + a * k;
    }
}

/// Direct observation of some components of a state vector (`H` picks
/// them); the update is eq. (2) on the whole vector.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedComponents {
    indices: Vec<usize>,
    ring: Option<usize>,
}

impl ObservedComponents {
    /// Observes the components `indices`, in that order.
    ///
    /// # Errors
    /// [`Error::NoObservations`] if `indices` is empty.
    pub fn new(indices: Vec<usize>) -> Result<Self> {
        if indices.is_empty() {
            return Err(Error::NoObservations);
        }
        Ok(Self {
            indices,
            ring: None,
        })
    }

    /// The same observations of states whose components lie on a ring of
    /// `len` sites (Lorenz-96): for a local analysis
    /// ([`crate::localisation`]), component `c` is at site `c` and the
    /// distance wraps around. Without a ring, the distance from component
    /// `c` to component `d` is `|c - d|`.
    pub fn on_ring(self, len: usize) -> Self {
        Self {
            ring: Some(len),
            ..self
        }
    }

    /// Observes all `n` components.
    ///
    /// # Errors
    /// [`Error::NoObservations`] if `n` is 0.
    pub fn all(n: usize) -> Result<Self> {
        Self::new((0..n).collect())
    }

    /// The observed components.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// `H z`.
    ///
    /// # Errors
    /// [`ModelError::Observation`] naming the first observation whose
    /// component is beyond the state.
    pub fn observe(&self, state: &[f64]) -> std::result::Result<Vec<f64>, ModelError> {
        self.indices
            .iter()
            .enumerate()
            .map(|(observation, &i)| {
                state.get(i).copied().ok_or(ModelError::Observation {
                    observation,
                    reason: "its component is beyond the state",
                })
            })
            .collect()
    }
}

impl LocalFilter<Vec<f64>> for ObservedComponents {
    /// Every component is a location, the same in every member.
    fn shared_locations(&self) -> bool {
        true
    }

    fn n_locations(&self, state: &Vec<f64>) -> usize {
        state.len()
    }

    fn distance(&self, _state: &Vec<f64>, location: usize, observation: usize) -> f64 {
        let d = location.abs_diff(self.indices[observation]);
        match self.ring {
            Some(len) => d.min(len.saturating_sub(d)) as f64,
            None => d as f64,
        }
    }

    fn update_local(
        &self,
        forecast: &[Vec<f64>],
        coefficients: &[LocalCoefficients],
    ) -> Result<Vec<Vec<f64>>> {
        shared(coefficients)?.apply_to(forecast, |c| c)
    }
}

impl Filter<Vec<f64>> for ObservedComponents {
    fn predict(&self, state: &Vec<f64>) -> std::result::Result<Vec<f64>, ModelError> {
        self.observe(state)
    }

    fn update(&self, forecast: &[Vec<f64>], coefficients: &Coefficients) -> Result<Vec<Vec<f64>>> {
        coefficients.apply_to(forecast)
    }
}
