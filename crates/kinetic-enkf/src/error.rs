//! The error type of `kinetic-enkf`.

/// Everything that can go wrong in `kinetic-enkf` because of its input.
///
/// Messages are lowercase, without a trailing period, and name the offending
/// value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An ensemble with no members (`J = 0`).
    #[error("an ensemble needs at least one member, got 0")]
    EmptyEnsemble,
    /// Members of dimension 0.
    #[error("the member dimension must be positive, got 0")]
    ZeroDimension,
    /// Member-major data whose length is not a multiple of the dimension.
    #[error("data length {len} is not a multiple of the member dimension {dim}")]
    LengthNotMultiple {
        /// Length of the data.
        len: usize,
        /// Member dimension.
        dim: usize,
    },
    /// A member whose length differs from that of member 0.
    #[error("member {member} has length {len}, but member 0 has length {expected}")]
    MemberLength {
        /// Index of the offending member.
        member: usize,
        /// Its length.
        len: usize,
        /// The length of member 0.
        expected: usize,
    },
    /// An entry that is infinite or NaN.
    #[error("member {member}, component {component} is not finite: {value}")]
    NonFinite {
        /// Index of the member.
        member: usize,
        /// Index of the component within the member.
        component: usize,
        /// The value found there.
        value: f64,
    },
    /// Two ensembles that must be paired member by member (`u^j` with
    /// `G(u^j)`) have different numbers of members.
    #[error("ensembles of different sizes cannot be paired: {left} and {right} members")]
    SizeMismatch {
        /// Members of the first ensemble.
        left: usize,
        /// Members of the second ensemble.
        right: usize,
    },
    /// A model parameter outside its admissible range.
    #[error("invalid {name}: {value}")]
    InvalidParameter {
        /// Which parameter, with its requirement.
        name: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A solution asked for at or past the time at which it blows up.
    #[error("the solution blows up at t = {time}")]
    BlowUp {
        /// The blow-up time.
        time: f64,
    },
    /// A matrix of order 0 given to a factorisation.
    #[error("a matrix of order 0 cannot be factored")]
    EmptyMatrix,
    /// A dense row-major matrix (or vector) whose length is not
    /// `rows × cols`.
    #[error("the {what} must hold {rows} × {cols} entries, got {len}")]
    MatrixLength {
        /// Which input: `"matrix"`, `"right-hand side"` or `"vector"`.
        what: &'static str,
        /// Required number of rows.
        rows: usize,
        /// Required number of columns.
        cols: usize,
        /// Length given.
        len: usize,
    },
    /// A matrix entry that is infinite or NaN.
    #[error("the {what} has a non-finite entry at ({row}, {col}): {value}")]
    NonFiniteEntry {
        /// Which input: `"matrix"`, `"right-hand side"` or `"vector"`.
        what: &'static str,
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
        /// The value found there.
        value: f64,
    },
    /// A matrix that must be symmetric and is not, to the relative tolerance
    /// [`SYMMETRY_TOLERANCE`](crate::kalman::SYMMETRY_TOLERANCE).
    #[error(
        "the matrix is not symmetric: entry ({row}, {col}) is {lower} but entry ({col}, {row}) is {upper}"
    )]
    NotSymmetric {
        /// Row of the entry in the lower triangle (`row > col`).
        row: usize,
        /// Column of the entry in the lower triangle.
        col: usize,
        /// The entry `(row, col)`.
        lower: f64,
        /// The entry `(col, row)`.
        upper: f64,
    },
    /// A symmetric matrix that is not positive definite to working
    /// precision: its Cholesky factorisation met a pivot that is negative,
    /// zero, or not larger than `order` times the machine epsilon relative to
    /// its diagonal entry.
    #[error(
        "the {order} × {order} matrix is not positive definite: Cholesky pivot {pivot} is not positive to working precision"
    )]
    NotPositiveDefinite {
        /// Order `n` of the matrix.
        order: usize,
        /// Index (0-based) of the first failing pivot.
        pivot: usize,
    },
}

/// `Result` with the error type of `kinetic-enkf`.
pub type Result<T> = std::result::Result<T, Error>;
