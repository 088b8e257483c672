//! Rust errors as Python exceptions, with the message of the error's
//! `Display` unchanged. The class says what kind of failure it is:
//!
//! * `ValueError` — bad input: a shape, a value, a scenario key (the
//!   message names the key), an unknown figure id;
//! * `OSError` — a file or directory that cannot be read or written, a
//!   checkpoint that cannot be used, an output directory held by another
//!   run;
//! * `RuntimeError` — a computation that blew up on valid input: a CFL
//!   violation, a particle through a wall, a non-finite state, an analysis
//!   matrix that is not positive definite to working precision, an
//!   integrator out of steps;
//! * `KeyboardInterrupt` — Ctrl-C ([`crate::interrupt`]).

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};

/// The Python exception class of a failure.
#[derive(Clone, Copy)]
enum Kind {
    Value,
    Os,
    Runtime,
}

fn raise(kind: Kind, message: String) -> PyErr {
    match kind {
        Kind::Value => PyValueError::new_err(message),
        Kind::Os => PyOSError::new_err(message),
        Kind::Runtime => PyRuntimeError::new_err(message),
    }
}

fn vic_kind(e: &vic_solver::Error) -> Kind {
    use vic_solver::Error as E;
    match e {
        E::Cfl { .. }
        | E::NonFinite { .. }
        | E::LeftDomain { .. }
        | E::GridDiffusionUnstable { .. }
        | E::AtStep { .. } => Kind::Runtime,
        _ => Kind::Value,
    }
}

fn kinetic_kind(e: &kinetic_enkf::Error) -> Kind {
    use kinetic_enkf::Error as E;
    match e {
        E::NonFinite { .. }
        | E::BlowUp { .. }
        | E::MaxStepsExceeded { .. }
        | E::StepSizeTooSmall { .. }
        | E::EigenNotConverged { .. } => Kind::Runtime,
        _ => Kind::Value,
    }
}

fn assim_kind(e: &assim::Error) -> Kind {
    use assim::Error as E;
    match e {
        E::Member { .. } | E::Forecast { .. } | E::AnalysisMatrix { .. } => Kind::Runtime,
        _ => Kind::Value,
    }
}

fn experiments_kind(e: &experiments::Error) -> Kind {
    use experiments::Error as E;
    match e {
        E::Io { .. } | E::Checkpoint { .. } | E::Busy { .. } => Kind::Os,
        E::Vic(e) => vic_kind(e),
        E::Assim(e) => assim_kind(e),
        _ => Kind::Value,
    }
}

fn xtask_kind(e: &xtask::reproduce::Error) -> Kind {
    use xtask::reproduce::Error as E;
    match e {
        E::Io { .. } | E::MissingOutput { .. } => Kind::Os,
        E::Experiment(e) => experiments_kind(e),
        E::Vic(e) => vic_kind(e),
        E::Assim(e) => assim_kind(e),
        E::Kinetic(e) => kinetic_kind(e),
        E::Plot { .. } | E::ThreadPool(_) => Kind::Runtime,
        _ => Kind::Value,
    }
}

/// An `assim` error as a Python exception.
pub fn assim(e: assim::Error) -> PyErr {
    raise(assim_kind(&e), e.to_string())
}

/// A `vic-solver` error as a Python exception.
pub fn vic(e: vic_solver::Error) -> PyErr {
    raise(vic_kind(&e), e.to_string())
}

/// A `kinetic-enkf` error as a Python exception.
pub fn kinetic(e: kinetic_enkf::Error) -> PyErr {
    raise(kinetic_kind(&e), e.to_string())
}

/// A `validation` error (bad parameters of a reference) as `ValueError`.
pub fn validation(e: validation::Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A `particle-core` error (bad particles) as `ValueError`.
pub fn particles(e: particle_core::Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// An `experiments` error as a Python exception.
pub fn experiments(e: experiments::Error) -> PyErr {
    raise(experiments_kind(&e), e.to_string())
}

/// An `xtask` reproduction error as a Python exception.
pub fn xtask(e: xtask::reproduce::Error) -> PyErr {
    raise(xtask_kind(&e), e.to_string())
}
