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
}

/// `Result` with the error type of `kinetic-enkf`.
pub type Result<T> = std::result::Result<T, Error>;
