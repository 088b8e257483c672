//! Where a run's files go: every file a run writes, renames or removes
//! (checkpoints, their manifests, `latest.json`, the run store, a sweep's
//! records, and in `xtask` the CSV, SVG and `summary.json`) goes through
//! one [`Storage`], the disk ([`Disk`]) unless a caller passes another.
//! Tests pass one that fails the k-th operation (a full disk, a short
//! write, a failed rename) to check that a run stopped at any write leaves
//! every complete file intact and resumes to the same numbers. Reads go to
//! the file system directly: they are checked by checksum
//! (`crate::integrity`), whatever wrote the files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Error;
use crate::error::io;

/// The writes of a run. Each method is the [`std::fs`] function of the
/// same name; an implementation may fail any of them, and the run then
/// stops with an [`Error::Io`] naming the file.
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Create or replace the file `path` with `bytes` ([`fs::write`]).
    ///
    /// # Errors
    /// As [`fs::write`].
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;

    /// Rename `from` to `to`, replacing `to` if it is a file
    /// ([`fs::rename`]).
    ///
    /// # Errors
    /// As [`fs::rename`].
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;

    /// Create `path` and its missing parents ([`fs::create_dir_all`]).
    ///
    /// # Errors
    /// As [`fs::create_dir_all`].
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;

    /// Remove the directory `path` and everything in it
    /// ([`fs::remove_dir_all`]).
    ///
    /// # Errors
    /// As [`fs::remove_dir_all`].
    fn remove_dir_all(&self, path: &Path) -> io::Result<()>;
}

/// The file system, as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl Disk {
    /// The disk as a shared [`Storage`], what every constructor of this
    /// crate uses unless given another.
    pub fn shared() -> Arc<dyn Storage> {
        Arc::new(Disk)
    }
}

impl Storage for Disk {
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        fs::write(path, bytes)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::create_dir_all(path)
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::remove_dir_all(path)
    }
}

/// Nowhere: every write, rename, creation and removal succeeds and leaves
/// the disk as it is. What the ranks other than 0 of a distributed run
/// write through, so that rank 0 alone writes a run's files while every
/// rank runs the same code.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl Storage for Discard {
    fn write(&self, _path: &Path, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }

    fn rename(&self, _from: &Path, _to: &Path) -> io::Result<()> {
        Ok(())
    }

    fn create_dir_all(&self, _path: &Path) -> io::Result<()> {
        Ok(())
    }

    fn remove_dir_all(&self, _path: &Path) -> io::Result<()> {
        Ok(())
    }
}

/// Where [`replace`] stages the new contents of `path`: `NAME.partial`
/// beside it.
pub fn staged(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Write `bytes` to `path` under a temporary name ([`staged`]) renamed
/// into place: a run stopped at any moment leaves the old file or the new
/// one, whole (and perhaps a stale `.partial`, replaced by the next write).
///
/// # Errors
/// [`Error::Io`] naming the staged file if it cannot be written, or `path`
/// if it cannot be renamed into place.
pub fn replace(storage: &dyn Storage, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let staged = staged(path);
    storage.write(&staged, bytes).map_err(|e| io(&staged, e))?;
    storage.rename(&staged, path).map_err(|e| io(path, e))
}

/// Remove `dir` and everything in it, if it exists.
///
/// # Errors
/// [`Error::Io`] naming `dir` if it exists and cannot be removed.
pub fn remove_dir(storage: &dyn Storage, dir: &Path) -> Result<(), Error> {
    match storage.remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io(dir, e)),
        _ => Ok(()),
    }
}

/// Remove the directory `dir` as a whole, if it exists: renamed aside
/// (`NAME.removed`) before it is removed, so that a removal stopped half
/// way (a crash, a failing disk) leaves no partial directory under its
/// name, which a later run would take for a complete one.
///
/// # Errors
/// [`Error::Io`] naming `dir` or its aside name if it exists and cannot
/// be renamed or removed.
pub fn discard(storage: &dyn Storage, dir: &Path) -> Result<(), Error> {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".removed");
    let aside = dir.with_file_name(name);
    remove_dir(storage, &aside)?;
    match storage.rename(dir, &aside) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        renamed => renamed.map_err(|e| io(dir, e))?,
    }
    remove_dir(storage, &aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_is_staged_beside_it() {
        assert_eq!(
            staged(Path::new("out/fig18/latest.json")),
            Path::new("out/fig18/latest.json.partial")
        );
        assert_eq!(
            staged(Path::new("fig18.csv")),
            Path::new("fig18.csv.partial")
        );
        let dir = std::env::temp_dir().join(format!("storage-{}", std::process::id()));
        Disk.create_dir_all(&dir).unwrap();
        let path = dir.join("a.txt");
        replace(&Disk, &path, b"one").unwrap();
        replace(&Disk, &path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(!staged(&path).exists());
        discard(&Disk, &dir).unwrap();
        discard(&Disk, &dir).unwrap();
        assert!(!dir.exists());
        assert!(
            !dir.with_file_name(format!("storage-{}.removed", std::process::id()))
                .exists()
        );
    }

    #[test]
    fn discarded_writes_leave_the_disk_as_it_is() {
        let dir = std::env::temp_dir().join(format!("discard-{}", std::process::id()));
        Discard.create_dir_all(&dir).unwrap();
        replace(&Discard, &dir.join("a.txt"), b"one").unwrap();
        assert!(!dir.exists());
        Disk.create_dir_all(&dir).unwrap();
        discard(&Discard, &dir).unwrap();
        assert!(dir.is_dir());
        discard(&Disk, &dir).unwrap();
    }
}
