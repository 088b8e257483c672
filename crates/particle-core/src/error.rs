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
}

/// `Result` with the error type of `particle-core`.
pub type Result<T> = std::result::Result<T, Error>;
