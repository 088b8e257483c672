//! The error of every fallible function of this crate.

use std::path::PathBuf;

/// Why an experiment could not run, resume or keep its results.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file or directory failed.
    #[error("cannot read or write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A checkpoint, a stored run or a NumPy file cannot be used.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Another run is writing into the output directory
    /// ([`crate::OutputLock`]).
    #[error(
        "another run is writing into {dir} (it holds {dir}/.lock); wait for it to end or choose \
         another output directory"
    )]
    Busy {
        /// The directory.
        dir: PathBuf,
    },
    /// A scenario was refused (unknown key, wrong type, bad value).
    #[error(
        "scenario{}: {key}{}: {message}",
        file.as_ref().map(|f| format!(" {}", f.display())).unwrap_or_default(),
        value.as_ref().map(|v| format!(" = {v}")).unwrap_or_default()
    )]
    Scenario {
        /// The file, when the scenario was read from one.
        file: Option<PathBuf>,
        /// The key path (`members.dt`; `.` for the whole file).
        key: String,
        /// The value refused, when it was read.
        value: Option<String>,
        /// What was wrong.
        message: String,
    },
    /// A reference, flow or norm refused its input.
    #[error(transparent)]
    Validation(#[from] validation::Error),
    /// The Vortex-In-Cell solver refused its input or stopped.
    #[error("vortex-in-cell: {0}")]
    Vic(#[from] vic_solver::Error),
    /// A particle operation refused its input.
    #[error("particles: {0}")]
    Particles(#[from] particle_core::Error),
    /// An analysis refused its input.
    #[error("assimilation: {0}")]
    Assim(#[from] assim::Error),
}

/// What a caller should tell its user although the run goes on (this
/// crate prints nothing: the long runs hand their warnings to a callback,
/// [`crate::dipole::Split::on_warning`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Warning {
    /// A checkpoint, a stored run or a sweep's record computed by another
    /// revision of the code is continued or reused: the results mix the
    /// revisions, which the run records with them.
    OtherRevision {
        /// The checkpoint directory or the record.
        path: PathBuf,
        /// The revisions that computed it, in order.
        recorded: Vec<String>,
        /// The revision of the code running.
        running: String,
    },
    /// An analysis took calibrated parameters of some members below their
    /// bound (a viscosity below 0): they were set to the bound, and the
    /// run goes on.
    ParameterClamped {
        /// The ensemble (`remesh_enkf`).
        ensemble: &'static str,
        /// The analysis, counted from 1.
        analysis: usize,
        /// The parameter (`viscosity nu`).
        parameter: &'static str,
        /// The bound the members were set to.
        bound: f64,
        /// Each clamped member and its analysed value, in member order.
        members: Vec<(usize, f64)>,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::OtherRevision {
                path,
                recorded,
                running,
            } => write!(
                f,
                "{} was computed by the code at {}, not by the code running ({running}): its \
                 results go on under another revision, and both are recorded",
                path.display(),
                recorded.join(", then ")
            ),
            Warning::ParameterClamped {
                ensemble,
                analysis,
                parameter,
                bound,
                members,
            } => {
                let values: Vec<String> = members
                    .iter()
                    .map(|(member, value)| format!("member {member}: {value}"))
                    .collect();
                write!(
                    f,
                    "analysis {analysis} of {ensemble} took the {parameter} of {} member(s) \
                     below {bound} ({}); set to {bound}",
                    members.len(),
                    values.join(", ")
                )
            }
        }
    }
}

/// The result of this crate's fallible functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// [`Error::Io`] for `path`.
pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
