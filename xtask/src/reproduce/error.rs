//! The error of the reproduction harness and of every figure.

use std::path::PathBuf;

/// Why a reproduction could not run or finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The id is not one of SPEC's reproductions.
    #[error("unknown figure id `{id}` (run `cargo xtask reproduce --list` for the ids)")]
    UnknownId {
        /// The id as typed.
        id: String,
    },
    /// The id exists but its reproduction is not implemented yet.
    #[error(
        "figure `{id}` is not implemented yet (planned in issue #{issue}); nothing was written; \
         implemented now: {available}"
    )]
    NotImplemented {
        /// The id as typed.
        id: String,
        /// Issue that delivers it.
        issue: u32,
        /// The ids that can be reproduced today, comma-separated.
        available: String,
    },
    /// Reading or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Drawing a figure failed.
    #[error("cannot draw {path}: {message}")]
    Plot {
        /// The figure file.
        path: PathBuf,
        /// What the plotting backend said.
        message: String,
    },
    /// A runner did not write a file the output contract requires.
    #[error("reproduction `{id}` did not write {path}")]
    MissingOutput {
        /// The figure id.
        id: String,
        /// The missing file.
        path: PathBuf,
    },
    /// An analytic reference rejected its input.
    #[error(transparent)]
    Validation(#[from] validation::Error),
    /// The Vortex-In-Cell solver refused its input or stopped.
    #[error("vortex-in-cell: {0}")]
    Vic(#[from] vic_solver::Error),
    /// A particle operation refused its input.
    #[error("particles: {0}")]
    Particles(#[from] particle_core::Error),
    /// A kinetic-EnKF computation refused its input.
    #[error("kinetic EnKF: {0}")]
    Kinetic(#[from] kinetic_enkf::Error),
    /// An analysis refused its input.
    #[error("assimilation: {0}")]
    Assim(#[from] assim::Error),
    /// Options that do not go together.
    #[error("{0}")]
    Usage(String),
    /// A rayon thread pool could not be built.
    #[error("cannot build a thread pool: {0}")]
    ThreadPool(String),
    /// An experiment could not run, resume or keep its results.
    #[error(transparent)]
    Experiment(#[from] experiments::Error),
}
