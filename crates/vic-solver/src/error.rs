//! The error type of `vic-solver`.

/// Why a solver input was refused or a run stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A length, step or parameter that must be positive and finite is not.
    #[error("{name} must be positive and finite, got {value}")]
    NotPositive {
        /// Which parameter.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A parameter that must be zero or positive (and finite) is not.
    #[error("{name} must be finite and non-negative, got {value}")]
    Negative {
        /// Which parameter.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A particle-level operation refused its input (grid tiling, particles
    /// outside the box, empty sets, non-finite values, ...).
    #[error(transparent)]
    Particles(#[from] particle_core::Error),
    /// A time step broke the CFL condition `max|u| dt / l <= limit`.
    #[error(
        "step {step}: CFL number max|u| dt / l = {cfl} exceeds the limit {limit} \
         (max|u| = {max_speed}); reduce dt"
    )]
    Cfl {
        /// The step that was refused (counted from 0 at the start of the run).
        step: u64,
        /// Its CFL number.
        cfl: f64,
        /// The configured limit.
        limit: f64,
        /// The largest grid speed.
        max_speed: f64,
    },
    /// The flow produced a NaN or infinite value.
    #[error("step {step}: {what} of particle {particle} is not finite ({value})")]
    NonFinite {
        /// The step at which it appeared.
        step: u64,
        /// `"x"`, `"y"` or `"circulation"`.
        what: &'static str,
        /// Particle index.
        particle: usize,
        /// The value.
        value: f64,
    },
    /// A particle was carried through a wall.
    #[error("step {step}: particle {particle} left the box [0, {length}]^2 at ({x}, {y})")]
    LeftDomain {
        /// The step at which it happened.
        step: u64,
        /// Particle index.
        particle: usize,
        /// Its position.
        x: f64,
        /// Its position.
        y: f64,
        /// Side of the box.
        length: f64,
    },
    /// Grid diffusion asked for with `nu dt / l^2 > 1/4`.
    #[error(
        "grid diffusion is unstable: nu dt / l^2 = {number} exceeds 1/4 (nu = {viscosity}, \
         dt = {dt}); reduce dt or use PSE"
    )]
    GridDiffusionUnstable {
        /// `nu dt / l^2`.
        number: f64,
        /// The viscosity.
        viscosity: f64,
        /// The step.
        dt: f64,
    },
    /// A point where the velocity was asked for lies outside the box.
    #[error("point {index} at ({x}, {y}) lies outside the box [0, {length}]^2")]
    PointOutside {
        /// Point index.
        index: usize,
        /// Its position.
        x: f64,
        /// Its position.
        y: f64,
        /// Side of the box.
        length: f64,
    },
    /// A particle-level operation failed during a time step.
    #[error("step {step}: {source}")]
    AtStep {
        /// The step.
        step: u64,
        /// What failed.
        source: particle_core::Error,
    },
}

/// Result with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// `Ok` if `value` is positive and finite, else [`Error::NotPositive`].
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::NotPositive { name, value })
    }
}

/// `Ok` if `value` is finite and non-negative, else [`Error::Negative`].
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::Negative { name, value })
    }
}
