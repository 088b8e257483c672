//! The error type of `particle-core`.

/// Everything that can go wrong in `particle-core` because of its input.
///
/// Messages are lowercase, without a trailing period, and name the offending
/// value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A kernel width (smoothing length `eps`, or a grid spacing) was zero,
    /// negative, infinite or NaN.
    #[error("kernel width must be positive and finite, got {value}")]
    InvalidWidth {
        /// The rejected width.
        value: f64,
    },
    /// A domain period was zero, negative, infinite or NaN.
    #[error("period must be positive and finite, got {value}")]
    InvalidPeriod {
        /// The rejected period.
        value: f64,
    },
    /// A truncation tolerance was outside the open interval `(0, 1)`.
    #[error("tolerance must lie in the open interval (0, 1), got {value}")]
    InvalidTolerance {
        /// The rejected tolerance.
        value: f64,
    },
    /// A length or spacing that must be positive and finite is not.
    #[error("{name} must be positive and finite, got {value}")]
    NotPositive {
        /// Which quantity.
        name: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A particle set with no particles where at least one is needed.
    #[error("the particle set is empty")]
    EmptyParticleSet,
    /// Arrays that must have one entry per particle differ in length.
    #[error("{what} has {found} entries, expected one per particle ({expected})")]
    LengthMismatch {
        /// Which array.
        what: &'static str,
        /// Number of particles.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// A particle position, strength or volume is NaN or infinite.
    #[error("{what} of particle {index} is not finite: {value}")]
    NonFiniteParticle {
        /// `position`, `strength` or `volume`.
        what: &'static str,
        /// Particle index.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A particle volume is zero or negative.
    #[error("volume of particle {index} must be positive, got {value}")]
    NonPositiveVolume {
        /// Particle index.
        index: usize,
        /// The offending volume.
        value: f64,
    },
    /// A particle lies outside a bounded axis of the domain.
    #[error(
        "particle {index} lies outside the domain on axis {axis}: coordinate {value} not in [0, {length}]"
    )]
    OutsideDomain {
        /// Particle index.
        index: usize,
        /// Axis (0 = x, 1 = y, ...).
        axis: usize,
        /// The coordinate.
        value: f64,
        /// Axis length.
        length: f64,
    },
}

/// `Result` with the error type of `particle-core`.
pub type Result<T> = std::result::Result<T, Error>;
