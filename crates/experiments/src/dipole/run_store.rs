//! Finished 2D assimilation runs shared between reproductions, one file per
//! filter: `OUT/dipole-runs/FILTER-HASH.json`.
//!
//! The rows of one filter depend only on the setup, the seed and the
//! filter: every ensemble starts from the same prior draws, the truth, the
//! observations and the perturbations come from the seed alone, and the
//! ensembles never meet (`tests/fig18_runs.rs` checks that a sweep reusing
//! `fig18`'s runs equals one computed from scratch). The paper's own
//! parameters are `fig18`'s setup and a value of every sweep, so `fig18`
//! stores its finished runs and each sweep reuses whatever is stored before
//! it runs a value: at the paper's parameters that spares an hour per sweep.
//!
//! A stored run is reused only if its fingerprint (setup, seed, filter)
//! matches and it was computed by the code running now (one revision, the
//! store's); a store that accepts any revision (a resumed run, as for a
//! checkpoint) reuses the runs of other revisions too, which they name.

use std::path::PathBuf;
use std::sync::Arc;

use super::checkpoint::Record;
use super::{Filter, RunState, Setup, fingerprint, rows_of};
use crate::error::io;
use crate::integrity::{read_checked_json, write_checked_json};
use crate::storage::{Disk, Storage};
use crate::{Error, hash::fnv1a};

/// The store of an output directory.
pub struct RunStore {
    dir: PathBuf,
    /// The revision of the code running.
    revision: String,
    /// Reuse runs of other revisions too (`--resume`).
    any_revision: bool,
    storage: Arc<dyn Storage>,
}

impl RunStore {
    /// The store in `dir` for the code at `revision` (a name that changes
    /// with the code, such as a version control revision; `"unknown"` is
    /// never reused), reusing the runs of other revisions too if
    /// `any_revision`.
    pub fn new(dir: PathBuf, revision: &str, any_revision: bool) -> Self {
        Self::new_with(dir, revision, any_revision, Disk::shared())
    }

    /// [`RunStore::new`], written through `storage`.
    pub fn new_with(
        dir: PathBuf,
        revision: &str,
        any_revision: bool,
        storage: Arc<dyn Storage>,
    ) -> Self {
        RunStore {
            dir,
            revision: revision.to_string(),
            any_revision,
            storage,
        }
    }

    /// The stored run of `filter` for `setup` and `seed`, if there is one
    /// this code may reuse.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Checkpoint`] for a file that exists but
    /// cannot be read.
    pub fn find(&self, setup: &Setup, seed: u64, filter: Filter) -> Result<Option<Record>, Error> {
        let key = fingerprint(setup, seed, &[filter]);
        let path = self.path(filter, &key);
        if !path.is_file() {
            return Ok(None);
        }
        let run: Record = read_checked_json(&path)?;
        let reusable = run.fingerprint == key
            && (self.any_revision || reusable_revisions(&run.revisions, &self.revision));
        Ok(reusable.then_some(run))
    }

    /// Keep the rows of every filter of the finished run `state`, one
    /// file each.
    ///
    /// # Errors
    /// [`Error::Io`] if a file cannot be written.
    pub fn save(&self, setup: &Setup, seed: u64, state: &RunState) -> Result<(), Error> {
        self.storage
            .create_dir_all(&self.dir)
            .map_err(|e| io(&self.dir, e))?;
        for &(filter, _) in &state.ensembles {
            let key = fingerprint(setup, seed, &[filter]);
            let path = self.path(filter, &key);
            let run = Record {
                rows: rows_of(&state.rows, filter),
                revisions: state.revisions.clone(),
                fingerprint: key,
            };
            write_checked_json(&*self.storage, &path, &run)?;
        }
        Ok(())
    }

    /// The file of `filter`'s run for `fingerprint`.
    pub(crate) fn path(&self, filter: Filter, fingerprint: &str) -> PathBuf {
        let hash = fnv1a(fingerprint.as_bytes());
        self.dir.join(format!("{}-{hash:016x}.json", filter.name()))
    }
}

/// Whether a run computed by `revisions` is what the code at `current`
/// computes: one revision, the same, and a known one.
fn reusable_revisions(revisions: &[String], current: &str) -> bool {
    matches!(revisions, [only] if only == current && only != "unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_runs_of_the_running_code_are_reused() {
        let r = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(reusable_revisions(&r(&["abc"]), "abc"));
        assert!(reusable_revisions(
            &r(&["abc+changes.12"]),
            "abc+changes.12"
        ));
        assert!(!reusable_revisions(
            &r(&["abc+changes.12"]),
            "abc+changes.13"
        ));
        assert!(!reusable_revisions(&r(&["abc"]), "abd"));
        assert!(
            !reusable_revisions(&r(&["abd", "abc"]), "abc"),
            "resumed across revisions"
        );
        assert!(!reusable_revisions(&r(&[]), "abc"));
        assert!(!reusable_revisions(&r(&["unknown"]), "unknown"));
    }
}
