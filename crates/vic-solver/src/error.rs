//! The error type of `vic-solver`.

/// Why a solver input was refused or a run stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A length, spacing or step that must be positive and finite is not.
    #[error("{name} must be positive and finite, got {value}")]
    NotPositive {
        /// Which parameter.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The particle spacing does not give a whole number of grid cells.
    #[error(
        "grid spacing 2 d_p = {spacing} does not tile the domain of length {length} \
         ({cells} cells); choose d_p = length / (2 n)"
    )]
    GridDoesNotTile {
        /// Requested grid spacing `2 d_p`.
        spacing: f64,
        /// Domain side length.
        length: f64,
        /// `length / spacing`, not an integer.
        cells: f64,
    },
}

/// Result with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
