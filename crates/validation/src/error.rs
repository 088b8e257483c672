//! The crate's error type.

/// Everything that can go wrong when a reference solution or an error norm
/// is asked for with invalid input.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A scalar input is NaN or infinite.
    #[error("{name} must be finite, got {value}")]
    NotFinite {
        /// Name of the offending input.
        name: &'static str,
        /// The value received.
        value: f64,
    },
    /// A scalar input that must be strictly positive is not.
    #[error("{name} must be positive and finite, got {value}")]
    NotPositive {
        /// Name of the offending input.
        name: &'static str,
        /// The value received.
        value: f64,
    },
    /// A scalar input that must be non-negative is negative.
    #[error("{name} must be non-negative, got {value}")]
    Negative {
        /// Name of the offending input.
        name: &'static str,
        /// The value received.
        value: f64,
    },
    /// A scalar input is below the smallest value a representation supports.
    #[error("{name} must be at least {minimum}, got {value}")]
    TooSmall {
        /// Name of the offending input.
        name: &'static str,
        /// The value received.
        value: f64,
        /// The smallest accepted value.
        minimum: f64,
    },
    /// A scalar input is above the largest value supported.
    #[error("{name} must be at most {maximum}, got {value}")]
    TooLarge {
        /// Name of the offending input.
        name: &'static str,
        /// The value received.
        value: f64,
        /// The largest accepted value.
        maximum: f64,
    },
    /// A scalar input lies outside the open interval it must lie in.
    #[error("{name} must lie in ({lower}, {upper}), got {value}")]
    OutsideInterval {
        /// Name of the offending input.
        name: &'static str,
        /// The value received.
        value: f64,
        /// Lower end (excluded).
        lower: f64,
        /// Upper end (excluded).
        upper: f64,
    },
    /// A particle operation refused.
    #[error("particles: {0}")]
    Particle(#[from] particle_core::Error),
    /// The Vortex-In-Cell solver refused a scenario or stopped.
    #[error("vortex-in-cell: {0}")]
    Vic(#[from] vic_solver::Error),
    /// An ensemble with no members was given.
    #[error("ensemble must have at least one member, got 0")]
    EmptyEnsemble,
    /// A grid with no nodes or no cells along some direction was requested.
    #[error("number of {what} must be at least 1, got 0")]
    EmptyGrid {
        /// What was counted: `"nodes"`, `"cells along x"`, `"cells along y"`.
        what: &'static str,
    },
    /// A grid whose total number of cells does not fit in `usize`.
    #[error("grid of {nx} x {ny} cells has more cells than usize can count")]
    GridTooLarge {
        /// Cells along x.
        nx: usize,
        /// Cells along y.
        ny: usize,
    },
    /// A slice does not have the length its grid requires.
    #[error("{what} must have {expected} values, got {found}")]
    LengthMismatch {
        /// Which slice has the wrong length.
        what: &'static str,
        /// The length the grid requires.
        expected: usize,
        /// The length received.
        found: usize,
    },
    /// An ensemble member does not have the length its grid requires.
    #[error("ensemble member {member} must have {expected} values, got {found}")]
    MemberLengthMismatch {
        /// Index of the offending member.
        member: usize,
        /// The length the grid requires.
        expected: usize,
        /// The length received.
        found: usize,
    },
    /// A sampled field holds a NaN or infinite value.
    #[error("{what} must be finite, got {value} at index {index}")]
    NonFiniteSample {
        /// Which slice holds the value.
        what: &'static str,
        /// Position of the value in the slice.
        index: usize,
        /// The value received.
        value: f64,
    },
    /// An ensemble member holds a NaN or infinite value.
    #[error("ensemble member {member} must be finite, got {value} at index {index}")]
    NonFiniteMember {
        /// Index of the offending member.
        member: usize,
        /// Position of the value in the member.
        index: usize,
        /// The value received.
        value: f64,
    },
    /// A duration is not a whole number of time steps.
    #[error("duration {duration} is not a whole number of steps dt = {dt}")]
    NotWholeSteps {
        /// The duration asked for.
        duration: f64,
        /// The time step.
        dt: f64,
    },
    /// A time-stepped reference solution stopped being finite (a step
    /// beyond the scheme's stability limit).
    #[error("solution is no longer finite at time {time} (time step too large?)")]
    SolutionNotFinite {
        /// Time of the first non-finite step.
        time: f64,
    },
    /// A point lies outside the box `[0, L]^2` (or is not finite).
    #[error("point {index} at ({x}, {y}) lies outside the box [0, {length}]^2")]
    PointOutsideBox {
        /// Position of the point in its slice.
        index: usize,
        /// Its x coordinate.
        x: f64,
        /// Its y coordinate.
        y: f64,
        /// Side of the box.
        length: f64,
    },
    /// A relative error was asked for with respect to a reference of zero
    /// norm.
    #[error("{what} has zero norm, so a relative error is undefined")]
    ZeroNorm {
        /// Which reference has zero norm.
        what: &'static str,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// `Ok(value)` if `value` is finite, else [`Error::NotFinite`].
pub(crate) fn finite(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::NotFinite { name, value })
    }
}

/// `Ok(value)` if `value` is finite and strictly positive, else
/// [`Error::NotPositive`].
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::NotPositive { name, value })
    }
}
