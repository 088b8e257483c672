//! What a run reads back is checked before it is used. Every file of a
//! checkpoint is listed in the checkpoint's [`Manifest`] with its size and
//! checksum; every single-file record (the manifest itself, the name of
//! the newest checkpoint, a stored run, a sweep's finished value) carries
//! the checksum of its own contents ([`write_checked_json`]). A byte
//! changed anywhere (a bad disk block, a partial copy, a sync tool) is an
//! [`Error::Checkpoint`] naming the file, the checksum recorded and the one
//! found, never numbers silently different.
//!
//! The checksum is XXH3-64 (`xxhash-rust`), tens of GB/s: a paper-scale
//! checkpoint of `fig18` (about 80 MB) costs milliseconds
//! (docs/performance.md). It detects damage, not tampering.

use std::fs;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::error::io;
use crate::storage::{Storage, replace};

/// The checksum of `bytes`: XXH3-64 as sixteen hexadecimal digits.
pub(crate) fn checksum(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// A checked record is `{"xxh3":"<16 digits>","value":VALUE}`, the
/// checksum that of the text of `VALUE` as written.
const HEAD: &str = "{\"xxh3\":\"";
const MIDDLE: &str = "\",\"value\":";

/// Write `value` as a checked record to `path`, under a temporary name
/// renamed into place ([`replace`]): a run killed at any moment leaves the
/// old file or the new one, whole.
///
/// # Errors
/// [`Error::Io`] naming the file that cannot be written.
pub(crate) fn write_checked_json<T: Serialize>(
    storage: &dyn Storage,
    path: &Path,
    value: &T,
) -> Result<(), Error> {
    let text = serde_json::to_string(value).expect("records of numbers and names serialise");
    let record = format!("{HEAD}{}{MIDDLE}{text}}}", checksum(text.as_bytes()));
    replace(storage, path, record.as_bytes())
}

/// The value of the checked record at `path`.
///
/// # Errors
/// [`Error::Io`] if it cannot be read; [`Error::Checkpoint`] naming it if
/// it is not a checked record, its checksum does not match its contents,
/// or its contents are not a `T`.
pub(crate) fn read_checked_json<T: DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = fs::read(path).map_err(|e| io(path, e))?;
    let damaged = |reason: String| Error::Checkpoint {
        path: path.to_path_buf(),
        reason: format!("damaged: {reason}"),
    };
    let text = std::str::from_utf8(&text).map_err(|e| damaged(e.to_string()))?;
    let (recorded, value) = text
        .strip_prefix(HEAD)
        .and_then(|rest| rest.split_at_checked(16))
        .and_then(|(sum, rest)| Some((sum, rest.strip_prefix(MIDDLE)?.strip_suffix('}')?)))
        .ok_or_else(|| {
            damaged(
                "not a checksummed record (or one written by an older version; start a new run)"
                    .into(),
            )
        })?;
    let found = checksum(value.as_bytes());
    if found != recorded {
        return Err(damaged(format!(
            "its checksum is {found}, the one recorded {recorded}"
        )));
    }
    serde_json::from_str(value).map_err(|e| damaged(e.to_string()))
}

/// The files of a checkpoint directory with their sizes and checksums,
/// kept in its `manifest.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Manifest {
    files: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    file: String,
    bytes: u64,
    xxh3: String,
}

impl Manifest {
    /// The name of the manifest in its directory.
    pub(crate) const FILE: &'static str = "manifest.json";

    /// Write `bytes` to `dir/file` and list it.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file that cannot be written.
    pub(crate) fn put(
        &mut self,
        storage: &dyn Storage,
        dir: &Path,
        file: &str,
        bytes: &[u8],
    ) -> Result<(), Error> {
        let path = dir.join(file);
        storage.write(&path, bytes).map_err(|e| io(&path, e))?;
        self.files.push(Entry {
            file: file.to_string(),
            bytes: bytes.len() as u64,
            xxh3: checksum(bytes),
        });
        Ok(())
    }

    /// Write the manifest into `dir` (after every file it lists).
    ///
    /// # Errors
    /// As [`write_checked_json`].
    pub(crate) fn save(&self, storage: &dyn Storage, dir: &Path) -> Result<(), Error> {
        write_checked_json(storage, &dir.join(Self::FILE), self)
    }

    /// The manifest of `dir`.
    ///
    /// # Errors
    /// As [`read_checked_json`].
    pub(crate) fn load(dir: &Path) -> Result<Self, Error> {
        read_checked_json(&dir.join(Self::FILE))
    }

    /// The bytes of `dir/file`, if they are those the manifest lists.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; [`Error::Checkpoint`]
    /// naming it if it is not listed, or its size or checksum differ from
    /// the listed ones.
    pub(crate) fn read(&self, dir: &Path, file: &str) -> Result<Vec<u8>, Error> {
        let path = dir.join(file);
        let damaged = |reason: String| Error::Checkpoint {
            path: path.clone(),
            reason,
        };
        let entry = self
            .files
            .iter()
            .find(|e| e.file == file)
            .ok_or_else(|| damaged(format!("not listed in {}", Self::FILE)))?;
        let bytes = fs::read(&path).map_err(|e| io(&path, e))?;
        if bytes.len() as u64 != entry.bytes {
            return Err(damaged(format!(
                "damaged: {} bytes, {} listed in {}",
                bytes.len(),
                entry.bytes,
                Self::FILE
            )));
        }
        let found = checksum(&bytes);
        if found != entry.xxh3 {
            return Err(damaged(format!(
                "damaged: its checksum is {found}, {} listed in {}",
                entry.xxh3,
                Self::FILE
            )));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Disk;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("integrity-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_checksum_is_xxh3_of_the_published_test_vector() {
        // XXH3-64 of the empty input, from the reference implementation.
        assert_eq!(checksum(b""), "2d06800538d394c2");
    }

    #[test]
    fn every_byte_flipped_in_a_checked_record_is_refused_naming_it() {
        let dir = scratch("record");
        let path = dir.join("record.json");
        let value = vec![(1.5_f64, "a".to_string()), (-2.25e-300, "b".to_string())];
        write_checked_json(&Disk, &path, &value).unwrap();
        let back: Vec<(f64, String)> = read_checked_json(&path).unwrap();
        assert_eq!(back, value);
        let bytes = fs::read(&path).unwrap();
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x04;
            fs::write(&path, &flipped).unwrap();
            let err = read_checked_json::<Vec<(f64, String)>>(&path).unwrap_err();
            assert!(
                matches!(&err, Error::Checkpoint { path: p, .. } if *p == path),
                "byte {at}: {err}"
            );
        }
    }

    #[test]
    fn a_listed_file_is_read_back_only_as_it_was_written() {
        let dir = scratch("manifest");
        let mut manifest = Manifest::default();
        let data: Vec<u8> = (0..=255).collect();
        manifest.put(&Disk, &dir, "data.bin", &data).unwrap();
        manifest.save(&Disk, &dir).unwrap();
        let manifest = Manifest::load(&dir).unwrap();
        assert_eq!(manifest.read(&dir, "data.bin").unwrap(), data);

        let path = dir.join("data.bin");
        let mut flipped = data.clone();
        flipped[100] ^= 1;
        fs::write(&path, &flipped).unwrap();
        let err = manifest.read(&dir, "data.bin").unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
        fs::write(&path, &data[..255]).unwrap();
        let err = manifest.read(&dir, "data.bin").unwrap_err();
        assert!(err.to_string().contains("255 bytes, 256 listed"), "{err}");
        let err = manifest.read(&dir, "other.bin").unwrap_err();
        assert!(err.to_string().contains("not listed"), "{err}");
    }
}
