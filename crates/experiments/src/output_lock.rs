//! One writer per output directory: a run holds an exclusive lock on its
//! directory's `.lock` file for as long as it writes there, so that a
//! second run into the same directory is refused at once instead of
//! removing or overwriting the first one's checkpoints. The lock is the
//! operating system's (`flock` on Unix, `LockFileEx` on Windows), released
//! when the holder exits or dies: a run killed by `kill -9` leaves no stale
//! lock behind. Reading finished results needs no lock.

use std::fs::{self, File, TryLockError};
use std::path::Path;

use crate::Error;
use crate::error::io;

/// An output directory held by this run until the value is dropped.
#[derive(Debug)]
pub struct OutputLock {
    /// Held open: closing it releases the lock.
    _file: File,
}

impl OutputLock {
    /// The name of the lock file in the directory.
    pub const FILE: &'static str = ".lock";

    /// Create `dir` if needed and hold it.
    ///
    /// # Errors
    /// [`Error::Busy`] if another run (in this process or another) holds
    /// it; [`Error::Io`] if the directory or its lock file cannot be
    /// created or locked.
    ///
    /// # Example
    ///
    /// ```
    /// use experiments::OutputLock;
    ///
    /// let dir = std::env::temp_dir().join(format!("lock-doc-{}", std::process::id()));
    /// let held = OutputLock::acquire(&dir)?;
    /// assert!(matches!(OutputLock::acquire(&dir), Err(experiments::Error::Busy { .. })));
    /// drop(held);
    /// OutputLock::acquire(&dir)?;
    /// # Ok::<(), experiments::Error>(())
    /// ```
    pub fn acquire(dir: &Path) -> Result<Self, Error> {
        fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let path = dir.join(Self::FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(OutputLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::Busy {
                dir: dir.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(io(&path, e)),
        }
    }
}
