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
    /// An ensemble with fewer than the two members that an ensemble Kalman
    /// method needs (with one member the covariances `C(U)`, `D(U)` vanish).
    #[error("the ensemble Kalman methods need at least 2 members, got {members}")]
    TooFewMembers {
        /// Number of members given.
        members: usize,
    },
    /// An ensemble or a control whose dimension is not that of the inverse
    /// problem.
    #[error(
        "the {what} has dimension {dim}, but the inverse problem has controls of dimension {expected}"
    )]
    DimensionMismatch {
        /// Which input: `"ensemble"`, `"control"`, `"initial mean"`, ….
        what: &'static str,
        /// Its dimension.
        dim: usize,
        /// The dimension `d` of the problem's controls.
        expected: usize,
    },
    /// A forward map that returned a vector of the wrong length.
    #[error("the forward map returned {len} values at {at}, expected K = {expected}")]
    ForwardLength {
        /// Where the map was evaluated.
        at: Evaluation,
        /// Length returned.
        len: usize,
        /// The number `K` of observations.
        expected: usize,
    },
    /// A batched forward map ([`crate::InverseProblem::batched`]) that
    /// returned the wrong number of values for an ensemble.
    #[error(
        "the forward map returned {len} values for {members} members, expected J K = {expected}"
    )]
    BatchLength {
        /// The number `J` of members evaluated.
        members: usize,
        /// Values returned.
        len: usize,
        /// `J K`.
        expected: usize,
    },
    /// A forward map that returned an infinite or NaN value.
    #[error("the forward map returned a non-finite value at {at}, component {component}: {value}")]
    ForwardNonFinite {
        /// Where the map was evaluated.
        at: Evaluation,
        /// Index of the offending component of `G(u)`.
        component: usize,
        /// The value returned there.
        value: f64,
    },
    /// An operation that exists only for a linear forward map `G(u) = G u`
    /// asked of a problem whose forward map is a closure.
    #[error("{what} needs a linear forward map, but the problem's forward map is a closure")]
    NotLinear {
        /// The operation asked for.
        what: &'static str,
    },
    /// An adaptive integration that used up its step budget.
    #[error("the ODE integrator reached its limit of {max_steps} steps at t = {time}")]
    MaxStepsExceeded {
        /// The limit (accepted plus rejected steps).
        max_steps: usize,
        /// The time reached.
        time: f64,
    },
    /// An adaptive integration whose step size fell below the resolution of
    /// the time variable (the solution blows up or is too stiff for an
    /// explicit scheme).
    #[error("the ODE integrator's step size {step} at t = {time} is below the resolution of t")]
    StepSizeTooSmall {
        /// The time reached.
        time: f64,
        /// The rejected step size.
        step: f64,
    },
    /// An interaction strength `eps` for which the binary interaction
    /// eq. (19) loses its probabilistic meaning (Remark 4.1):
    /// `eps rho(C G^T Gamma G) > 1` at the current covariance `C`.
    #[error(
        "eps = {eps} violates Remark 4.1 at step {step}: eps * rho(C G^T Gamma G) = {product} > 1"
    )]
    InteractionTooStrong {
        /// The interaction strength.
        eps: f64,
        /// `eps` times the spectral radius of `C G^T Gamma G`.
        product: f64,
        /// The step (0-based) at which it happened.
        step: usize,
    },
    /// A symmetric eigenvalue decomposition that did not converge.
    #[error(
        "the symmetric eigenvalue decomposition of a {order} × {order} matrix did not converge"
    )]
    EigenNotConverged {
        /// Order of the matrix.
        order: usize,
    },
}

/// Where a forward map was evaluated, for its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluation {
    /// A single control given by the caller.
    Point,
    /// Member `j` (0-based) of an ensemble.
    Member(usize),
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Point => f.write_str("the given control"),
            Self::Member(j) => write!(f, "member {j}"),
        }
    }
}

/// `Result` with the error type of `kinetic-enkf`.
pub type Result<T> = std::result::Result<T, Error>;
