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
    /// An evaluation point (not a particle) is NaN or infinite.
    #[error("evaluation point {index} is not finite on axis {axis}: {value}")]
    NonFinitePoint {
        /// Point index.
        index: usize,
        /// Axis of the offending coordinate.
        axis: usize,
        /// The coordinate.
        value: f64,
    },
    /// An evaluation point lies outside a wall-bounded axis.
    #[error(
        "evaluation point {index} lies outside the domain on axis {axis}: coordinate {value} not in [0, {length}]"
    )]
    PointOutsideDomain {
        /// Point index.
        index: usize,
        /// Axis.
        axis: usize,
        /// The coordinate.
        value: f64,
        /// Axis length.
        length: f64,
    },
    /// A parameter that must be finite is not.
    #[error("{name} must be finite, got {value}")]
    NotFinite {
        /// Which quantity.
        name: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A value that must be finite and non-negative is not (viscosity,
    /// threshold, ridge parameter).
    #[error("{name} must be finite and non-negative, got {value}")]
    Negative {
        /// Which quantity.
        name: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A field value handed in for strength construction is NaN or infinite.
    #[error("field value at particle {index} is not finite: {value}")]
    NonFiniteValue {
        /// Particle index.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// Beale's iteration did not reach its tolerance.
    #[error(
        "Beale's iteration did not converge: relative residual {residual:e} after {iterations} iterations (tolerance {tolerance:e})"
    )]
    BealeNotConverged {
        /// Iterations performed.
        iterations: usize,
        /// Relative max-norm residual `max |u - Phi U| / max |u|` reached.
        residual: f64,
        /// The requested tolerance.
        tolerance: f64,
    },
    /// A dense strength solve was asked for more particles than it allows.
    #[error("dense least squares is limited to {limit} particles (O(N^3) work), got {n}")]
    TooManyForDense {
        /// Particles given.
        n: usize,
        /// The limit, [`crate::strengths::DENSE_LIMIT`].
        limit: usize,
    },
    /// The unregularised least-squares system is numerically singular.
    #[error(
        "kernel matrix is numerically singular (smallest/largest |R_kk| = {ratio:e}); use a ridge parameter"
    )]
    SingularKernelMatrix {
        /// Ratio of the smallest to the largest diagonal entry of `R` in `Phi = QR`.
        ratio: f64,
    },
    /// A bounded axis length is not an integer number of grid spacings.
    #[error(
        "axis {axis} of length {length} is not a whole number of grid spacings l = 2 d_p = {spacing}"
    )]
    GridDoesNotTile {
        /// Axis.
        axis: usize,
        /// Axis length.
        length: f64,
        /// Grid spacing `l`.
        spacing: f64,
    },
    /// A remeshing grid was asked for a free axis without a node range.
    #[error(
        "axis {axis} is free: its grid nodes must come from the particles (RemeshGrid::covering)"
    )]
    FreeAxisNeedsRange {
        /// The free axis.
        axis: usize,
    },
    /// A particle's remeshing stencil leaves the node range of a free axis.
    #[error(
        "particle {index} at {value} on axis {axis} reaches beyond the grid nodes {first}..={last}"
    )]
    OutsideGrid {
        /// Particle index.
        index: usize,
        /// Axis.
        axis: usize,
        /// The coordinate.
        value: f64,
        /// First node index of the axis.
        first: i64,
        /// Last node index of the axis.
        last: i64,
    },
    /// Grid values whose count does not match the grid.
    #[error("grid has {expected} nodes, got {found} values")]
    GridSizeMismatch {
        /// Nodes of the grid.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// An explicit PSE step above its stability bound.
    #[error(
        "PSE step dt = {dt} exceeds the stability bound {bound} (max_p dt nu eps^-2 sum_q V_q eta_pq must be <= 1)"
    )]
    PseUnstable {
        /// The requested step.
        dt: f64,
        /// The largest stable step for this particle set.
        bound: f64,
    },
}

/// `Result` with the error type of `particle-core`.
pub type Result<T> = std::result::Result<T, Error>;
