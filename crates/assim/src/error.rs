//! The error type of `assim`.

/// Why an analysis or an ensemble run was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A particle operation on one member failed (its projection,
    /// reconstruction or fresh particles).
    #[error("member {member}: {source}")]
    Member {
        /// Index of the member.
        member: usize,
        /// What failed.
        source: particle_core::Error,
    },
    /// A member's forecast failed (a refused parameter, a blown-up state).
    #[error("forecast of member {member} of ensemble {ensemble}: {source}")]
    Forecast {
        /// Index of the ensemble (0 when one ensemble was forecast).
        ensemble: usize,
        /// Index of the member.
        member: usize,
        /// What the model reported.
        source: crate::ensemble::ModelError,
    },
    /// A member's predicted observations could not be computed.
    #[error("observation of member {member}: {source}")]
    Observation {
        /// Index of the member.
        member: usize,
        /// What the observation operator reported.
        source: crate::ensemble::ModelError,
    },
    /// An analysed parameter below its bound under `OnViolation::Refuse`.
    #[error("member {member}: analysed {name} = {value} is below its bound {min}")]
    NonPhysicalParameter {
        /// Index of the member.
        member: usize,
        /// Which parameter.
        name: &'static str,
        /// The analysed value.
        value: f64,
        /// The bound.
        min: f64,
    },
    /// An observation point outside the periodic domain `[0, length)`.
    #[error("observation {observation} at {position} is outside the domain [0, {length})")]
    ObservationOutsideDomain {
        /// Index of the observation.
        observation: usize,
        /// Its position.
        position: f64,
        /// Length of the domain.
        length: f64,
    },
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
    /// Fewer than two members: the stochastic EnKF normalises its
    /// covariances by `1/(N-1)`.
    #[error("the stochastic EnKF analysis needs at least 2 members, got {found}")]
    TooFewMembers {
        /// Number of members given.
        found: usize,
    },
    /// Predicted observations of length 0 (`K = 0`).
    #[error("there are no observations: the predicted observations have length 0")]
    NoObservations,
    /// A per-member input with the wrong number of members.
    #[error("{what}: expected {expected} members, got {found}")]
    MemberCount {
        /// Which input.
        what: &'static str,
        /// Number of members required.
        expected: usize,
        /// Number of members given.
        found: usize,
    },
    /// A member whose vector has the wrong length.
    #[error("{what}: member {member} has length {len}, expected {expected}")]
    MemberLength {
        /// Which input.
        what: &'static str,
        /// Index of the member.
        member: usize,
        /// Its length.
        len: usize,
        /// The required length.
        expected: usize,
    },
    /// An infinite or NaN entry of a per-member input.
    #[error("{what}: member {member}, component {component} is not finite: {value}")]
    NonFiniteMember {
        /// Which input.
        what: &'static str,
        /// Index of the member.
        member: usize,
        /// Index of the component.
        component: usize,
        /// The value found there.
        value: f64,
    },
    /// An infinite or NaN entry of a vector that belongs to no member
    /// (the data `y`).
    #[error("{what}: component {component} is not finite: {value}")]
    NonFiniteComponent {
        /// Which input.
        what: &'static str,
        /// Index of the component.
        component: usize,
        /// The value found there.
        value: f64,
    },
    /// An observation-noise variance that is not positive and finite.
    #[error("observation-noise variance {component} must be positive and finite, got {value}")]
    NoiseVariance {
        /// Index of the observation.
        component: usize,
        /// The variance given.
        value: f64,
    },
    /// A dense observation-noise covariance `R` that is malformed or not
    /// symmetric positive definite.
    #[error("the observation-noise covariance R is refused: {cause}")]
    NoiseCovariance {
        /// What the factorisation reported.
        cause: kinetic_enkf::Error,
    },
    /// Any other refusal of the ensemble statistics of `kinetic-enkf` for
    /// an input of this crate.
    #[error("{what}: {cause}")]
    Statistics {
        /// Which input.
        what: &'static str,
        /// What `kinetic-enkf` reported.
        cause: kinetic_enkf::Error,
    },
    /// A setting of an analysis scheme outside its range (an inflation
    /// factor, a relaxation weight).
    #[error("{name} must be {allowed}, got {value}")]
    Setting {
        /// Which setting.
        name: &'static str,
        /// The value given.
        value: f64,
        /// Its admissible range, in words.
        allowed: &'static str,
    },
    /// A local analysis with a dense noise covariance: the taper divides
    /// each observation's variance, which needs a diagonal `R`.
    #[error("localisation needs independent observation errors (a diagonal R); this R is dense")]
    DenseNoiseLocalised,
    /// A local analysis of members that carry parameters, which have no
    /// location.
    #[error(
        "a local analysis cannot analyse the members' {count} parameters (they have no location); use a global analysis"
    )]
    ParametersNotLocal {
        /// The number of parameters per member.
        count: usize,
    },
    /// The matrix factored by the analysis (`C_H + R`, or
    /// `(N-1) I + A^T R^{-1} A` in ensemble space) is not positive definite
    /// to working precision: the observation noise is negligible against the
    /// spread of the predictions.
    #[error("the analysis matrix {matrix} is refused: {cause}")]
    AnalysisMatrix {
        /// Which matrix.
        matrix: &'static str,
        /// What the factorisation reported.
        cause: kinetic_enkf::Error,
    },
    /// A distributed run with more ranks than members: a rank would hold
    /// no member ([`crate::distributed::Blocks`]).
    #[error("{ranks} ranks for {members} members: launch at most one rank per member")]
    MoreRanksThanMembers {
        /// Number of ranks.
        ranks: usize,
        /// Number of members.
        members: usize,
    },
    /// Another rank's own work failed; its error is in that rank's output.
    #[error("rank {rank} failed (its own error is in its output)")]
    RankFailed {
        /// The lowest rank that failed.
        rank: usize,
    },
    /// Ranks could not exchange their members, or sent words that do not
    /// decode.
    #[error("communication between ranks: {reason}")]
    Communication {
        /// What went wrong.
        reason: String,
    },
}

/// Result with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
