//! The error type of `assim`.

/// Why an analysis or an ensemble run was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An ensemble without members.
    #[error("the ensemble is empty")]
    EmptyEnsemble,
    /// Two inputs that must agree in size do not.
    #[error("{what}: expected length {expected}, got {found}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Required length.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// A value that must be finite is not.
    #[error("{name} must be finite, got {value}")]
    NotFinite {
        /// Which input.
        name: &'static str,
        /// The value given.
        value: f64,
    },
}

/// Result with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
