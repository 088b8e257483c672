//! The Eulerian forecast model of the Grid-EnKF (paper 2, Section 4.1.2):
//! eq. (13), `u_t + v u_x = D u_xx`, on a uniform periodic grid of `n`
//! nodes `x_m = m h`, `h = L / n`, with the nodal values as the state.
//!
//! # Scheme
//!
//! Method of lines: second-order central differences in space,
//!
//! ```text
//! du_m/dt = -v (u_{m+1} - u_{m-1}) / (2 h) + D (u_{m+1} - 2 u_m + u_{m-1}) / h^2,
//! ```
//!
//! integrated by the classical fourth-order Runge–Kutta method with
//! `dt = horizon / ceil(horizon / dt_max)`,
//! `dt_max = courant / (|v| / h + 4 D / h^2)`. The eigenvalues of the
//! semi-discrete operator, `-4 D/h^2 sin^2(k h/2) + i v sin(k h)/h`, then lie
//! in the disc of radius `courant` about the origin, inside RK4's stability
//! region (which contains the left half of the disc of radius 2.5) for
//! `courant <= 2.5`; the default is 1. The scheme is second order in space
//! and fourth order in time, so at `dt ∝ h` the error is `O(h^2)`, the
//! order that `tests/finite_difference.rs` measures against the exact
//! heat-kernel solution. The mass `h sum_m u_m` is conserved to rounding.
//!
//! Parameters: `[v, D]`, the layout of the augmented state
//! ([`crate::ensemble`]); `D >= 0` is required (a negative `D` is the
//! backward heat equation, which no grid resolves).

use crate::ensemble::{ForecastModel, ModelError};

/// Default Courant number of [`FiniteDifference1d`].
pub const DEFAULT_COURANT: f64 = 1.0;

/// Largest Courant number accepted: RK4 is stable on the half disc of
/// radius 2.5 in the left half-plane.
pub const MAX_COURANT: f64 = 2.5;

/// Central differences + RK4 for eq. (13) on `n` periodic nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FiniteDifference1d {
    nodes: usize,
    period: f64,
    courant: f64,
}

impl FiniteDifference1d {
    /// `nodes` nodes on `[0, period)`, Courant number [`DEFAULT_COURANT`].
    ///
    /// # Errors
    /// [`ModelError::Invalid`] for fewer than 3 nodes or a period that is
    /// not positive and finite.
    pub fn new(nodes: usize, period: f64) -> Result<Self, ModelError> {
        if nodes < 3 {
            return Err(ModelError::Invalid {
                name: "number of grid nodes (at least 3)",
                value: nodes as f64,
            });
        }
        if !(period.is_finite() && period > 0.0) {
            return Err(ModelError::Invalid {
                name: "period",
                value: period,
            });
        }
        Ok(Self {
            nodes,
            period,
            courant: DEFAULT_COURANT,
        })
    }

    /// The same model with another Courant number in `(0, MAX_COURANT]`.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] outside that range.
    pub fn with_courant(mut self, courant: f64) -> Result<Self, ModelError> {
        if !(courant > 0.0 && courant <= MAX_COURANT) {
            return Err(ModelError::Invalid {
                name: "courant number",
                value: courant,
            });
        }
        self.courant = courant;
        Ok(self)
    }

    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Node spacing `h = L / n`.
    pub fn spacing(&self) -> f64 {
        self.period / self.nodes as f64
    }

    /// Node positions `x_m = m h`.
    pub fn node_positions(&self) -> Vec<f64> {
        let h = self.spacing();
        (0..self.nodes).map(|m| m as f64 * h).collect()
    }

    /// Nodal values of a function.
    pub fn sample(&self, f: impl Fn(f64) -> f64) -> Vec<f64> {
        self.node_positions().into_iter().map(f).collect()
    }

    /// The nodal values `u` advanced by `horizon` with velocity `v` and
    /// diffusion `D`.
    ///
    /// # Errors
    /// [`ModelError::StateLength`] if `u` has not [`Self::nodes`] values;
    /// [`ModelError::NonPhysical`] for a non-finite `v`, a negative or
    /// non-finite `D` or horizon; [`ModelError::NonFinite`] naming the first
    /// node that is not finite at the end (a blown-up state).
    pub fn advance(
        &self,
        u: &[f64],
        velocity: f64,
        diffusion: f64,
        horizon: f64,
    ) -> Result<Vec<f64>, ModelError> {
        if u.len() != self.nodes {
            return Err(ModelError::StateLength {
                expected: self.nodes,
                found: u.len(),
            });
        }
        if !velocity.is_finite() {
            return Err(ModelError::NonPhysical {
                name: "velocity v",
                value: velocity,
            });
        }
        for (name, value) in [("diffusion coefficient D", diffusion), ("horizon", horizon)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(ModelError::NonPhysical { name, value });
            }
        }
        let mut state = u.to_vec();
        let h = self.spacing();
        let rate = velocity.abs() / h + 4.0 * diffusion / (h * h);
        if horizon > 0.0 && rate > 0.0 {
            let steps = (horizon * rate / self.courant).ceil().max(1.0) as usize;
            let dt = horizon / steps as f64;
            let mut work = Rk4Work::new(self.nodes);
            for _ in 0..steps {
                work.step(&mut state, velocity, diffusion, h, dt);
            }
        }
        match state.iter().position(|v| !v.is_finite()) {
            Some(node) => Err(ModelError::NonFinite {
                node,
                value: state[node],
            }),
            None => Ok(state),
        }
    }
}

impl ForecastModel for FiniteDifference1d {
    type State = Vec<f64>;

    /// `parameters = [v, D]`.
    fn forecast(
        &mut self,
        state: &mut Vec<f64>,
        parameters: &[f64],
        horizon: f64,
    ) -> Result<(), ModelError> {
        let [velocity, diffusion] = velocity_diffusion(parameters)?;
        *state = self.advance(state, velocity, diffusion, horizon)?;
        Ok(())
    }
}

/// `[v, D]` from a parameter vector of length 2.
///
/// # Errors
/// [`ModelError::ParameterCount`] for another length.
pub fn velocity_diffusion(parameters: &[f64]) -> Result<[f64; 2], ModelError> {
    <[f64; 2]>::try_from(parameters).map_err(|_| ModelError::ParameterCount {
        expected: 2,
        found: parameters.len(),
    })
}

/// The four stage registers of RK4, allocated once per forecast.
struct Rk4Work {
    k: [Vec<f64>; 4],
    stage: Vec<f64>,
}

impl Rk4Work {
    fn new(n: usize) -> Self {
        Self {
            k: std::array::from_fn(|_| vec![0.0; n]),
            stage: vec![0.0; n],
        }
    }

    fn step(&mut self, u: &mut [f64], v: f64, d: f64, h: f64, dt: f64) {
        let [k1, k2, k3, k4] = &mut self.k;
        rhs(u, v, d, h, k1);
        axpy_into(&mut self.stage, u, 0.5 * dt, k1);
        rhs(&self.stage, v, d, h, k2);
        axpy_into(&mut self.stage, u, 0.5 * dt, k2);
        rhs(&self.stage, v, d, h, k3);
        axpy_into(&mut self.stage, u, dt, k3);
        rhs(&self.stage, v, d, h, k4);
        for m in 0..u.len() {
            u[m] += dt / 6.0 * (k1[m] + 2.0 * k2[m] + 2.0 * k3[m] + k4[m]);
        }
    }
}

/// `out = u + a k`.
fn axpy_into(out: &mut [f64], u: &[f64], a: f64, k: &[f64]) {
    for ((o, u), k) in out.iter_mut().zip(u).zip(k) {
        *o = u + a * k;
    }
}

/// The central-difference right-hand side with periodic wrap.
fn rhs(u: &[f64], v: f64, d: f64, h: f64, out: &mut [f64]) {
    let n = u.len();
    let adv = v / (2.0 * h);
    let dif = d / (h * h);
    for m in 0..n {
        let left = u[(m + n - 1) % n];
        let right = u[(m + 1) % n];
        out[m] = -adv * (right - left) + dif * (right - 2.0 * u[m] + left);
    }
}
