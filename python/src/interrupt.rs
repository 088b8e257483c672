//! Long calls: the GIL released, Ctrl-C honoured.
//!
//! [`interruptible`] runs the work on a thread of its own while the
//! calling (main) thread waits with the GIL released and calls
//! `Python::check_signals` every few milliseconds: signals reach Python
//! only on the main thread, which Rust's worker threads are not. A pending
//! `KeyboardInterrupt` sets the work's [`Stop`]; the work looks at it where
//! stopping leaves everything whole (between solver steps, iterations,
//! analysis windows: after a checkpoint is saved), and the call raises the
//! `KeyboardInterrupt`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;

/// How often the waiting thread looks for signals.
const POLL: Duration = Duration::from_millis(10);

/// A request to stop, set when Ctrl-C is pressed.
#[derive(Default)]
pub struct Stop(AtomicBool);

impl Stop {
    /// Whether the work should stop now.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(KeyboardInterrupt)` if a stop was requested: the work's own
    /// way out (the call raises the exception Python delivered instead).
    pub fn check(&self) -> PyResult<()> {
        if self.requested() {
            Err(Self::interrupted())
        } else {
            Ok(())
        }
    }

    /// The work's error when it stopped on request.
    pub fn interrupted() -> PyErr {
        PyKeyboardInterrupt::new_err("interrupted")
    }

    /// Ask the work to stop (Ctrl-C, or a callback of the work that raised).
    pub fn request(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `work` on a scoped thread with the GIL released; on Ctrl-C, sets
/// its [`Stop`], waits for it to return, and raises `KeyboardInterrupt`.
/// The work may call back into Python (`Python::attach`): the waiting
/// thread holds the GIL only while it checks for signals.
///
/// # Errors
/// `KeyboardInterrupt` after Ctrl-C; the work's own error; `RuntimeError`
/// if the work panicked (a bug: no panic is expected, and none crosses
/// into Python).
pub fn interruptible<T: Send>(
    py: Python<'_>,
    work: impl FnOnce(&Stop) -> PyResult<T> + Send,
) -> PyResult<T> {
    let stop = Stop::default();
    let mut interrupt = None;
    let outcome = std::thread::scope(|scope| {
        let handle = scope.spawn(|| work(&stop));
        while !handle.is_finished() {
            py.detach(|| std::thread::sleep(POLL));
            if interrupt.is_none()
                && let Err(e) = py.check_signals()
            {
                stop.request();
                interrupt = Some(e);
            }
        }
        handle.join()
    });
    match (interrupt, outcome) {
        (Some(e), _) => Err(e),
        (None, Ok(result)) => result,
        (None, Err(_)) => Err(PyRuntimeError::new_err(
            "internal error: the computation panicked (please report it)",
        )),
    }
}
