//! A sweep: the experiment rerun for every value of one parameter (the
//! paper's Figs. 19–21, 23 and 24), each value resumable and reused
//! wherever its runs already exist.
//!
//! Value `k` of a sweep is finished once its rows are recorded
//! ([`Records`]: `runs/run-KK.json`); otherwise each filter's run is taken
//! from the [`RunStore`] (a run of `fig18` or of another sweep with the
//! same setup, seed and code) and only the filters missing are computed,
//! with a checkpoint after every window (`checkpoint/run-KK/`), so an
//! interrupted sweep continues where it stopped. A value's checkpoint is
//! removed once its record is kept.

use std::sync::Arc;

use assim::distributed::SingleProcess;

use super::{
    Filter, Progress, Record, Records, Row, RunState, RunStore, Setup, Split, Stage, fingerprint,
    rows_of, run_checkpointed,
};
use crate::{Error, Warning};

/// What a sweep shares across its values.
pub struct Sweep<'a> {
    /// The values' records and checkpoints.
    pub records: &'a Records,
    /// Finished runs of single filters, reused across figures.
    pub store: &'a RunStore,
    /// The scenario seed.
    pub seed: u64,
    /// The filters compared (their rows in this order).
    pub filters: &'a [Filter],
    /// The revision of the code running ([`RunStore::new`]).
    pub revision: &'a str,
    /// Continue an interrupted value from its newest checkpoint.
    pub resume: bool,
    /// Told when a checkpoint, stored run or record of another revision
    /// is continued or reused ([`Warning::OtherRevision`]).
    pub on_warning: &'a dyn Fn(&Warning),
}

/// The rows of one finished value.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRun {
    /// Every row of every filter, filter after filter.
    pub rows: Vec<Row>,
    /// The revisions of the code that computed them, each once.
    pub revisions: Vec<String>,
    /// The filters whose runs came from the run store.
    pub reused: Vec<Filter>,
}

impl Sweep<'_> {
    /// Value `index` of the sweep, run with `setup`: its record if it is
    /// finished, else the stored runs of its filters and a run of those
    /// missing, which stops once `stop_at` windows are complete.
    /// `on_progress` is told how far a run of the missing filters is (see
    /// [`run_checkpointed`]).
    ///
    /// Returns `None` when the run stopped before its last window (or
    /// `stop_at` is 0 and a run was needed); the checkpoints then keep it.
    ///
    /// # Errors
    /// This crate's errors: a record, stored run or checkpoint that cannot
    /// be read or written, or a run that fails.
    pub fn value(
        &self,
        index: usize,
        setup: &Setup,
        stop_at: usize,
        on_progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<Option<ValueRun>, Error> {
        let key = fingerprint(setup, self.seed, self.filters);
        if let Some(record) = self.records.finished(index, &key)? {
            self.check_revisions(self.records.record(index), &record.revisions);
            // Left if the value stopped between its record and this.
            self.records.checkpoints(index).clear()?;
            return Ok(Some(ValueRun {
                rows: record.rows,
                revisions: record.revisions,
                reused: Vec::new(),
            }));
        }
        // A value's run resumes for the filters it began with, even if
        // some of them reached the store since (it stopped while saving).
        let checkpoints = self.records.checkpoints(index);
        let resumed = if self.resume && checkpoints.exist() {
            checkpoints.filters()?
        } else {
            Vec::new()
        };
        let stored: Vec<Option<Record>> = self
            .filters
            .iter()
            .map(|&f| {
                if resumed.contains(&f) {
                    Ok(None)
                } else {
                    self.store.find(setup, self.seed, f)
                }
            })
            .collect::<Result<_, _>>()?;
        for (&filter, record) in self.filters.iter().zip(&stored) {
            if let Some(record) = record {
                let path = self
                    .store
                    .path(filter, &fingerprint(setup, self.seed, &[filter]));
                self.check_revisions(path, &record.revisions);
            }
        }
        let missing: Vec<Filter> = self
            .filters
            .iter()
            .zip(&stored)
            .filter_map(|(&f, s)| s.is_none().then_some(f))
            .collect();
        let computed = if missing.is_empty() {
            None
        } else if stop_at == 0 {
            return Ok(None);
        } else {
            let split = Split {
                resume: self.resume && checkpoints.exist(),
                checkpoints: &checkpoints,
                stop_at,
                revision: self.revision,
                on_warning: self.on_warning,
                ranks: Arc::new(SingleProcess),
            };
            let state = run_checkpointed(
                setup.clone(),
                self.seed,
                &missing,
                &split,
                on_progress,
                |_| Ok::<(), Error>(()),
            )?;
            if state.completed < setup.analyses {
                return Ok(None);
            }
            self.store.save(setup, self.seed, &state)?;
            Some(state)
        };
        let run = combine(self.filters, stored, computed.as_ref());
        self.records.save(index, &key, &run.rows, &run.revisions)?;
        checkpoints.clear()?;
        Ok(Some(run))
    }

    /// Warn if what `path` holds was not computed by the code running
    /// alone (only a resumed sweep reuses such results).
    fn check_revisions(&self, path: std::path::PathBuf, revisions: &[String]) {
        if revisions != [self.revision] {
            (self.on_warning)(&Warning::OtherRevision {
                path,
                recorded: revisions.to_vec(),
                running: self.revision.to_string(),
            });
        }
    }
}

/// The rows of one value's filters in order, each either reused from the
/// store or taken from the run just computed (`computed` holds every
/// filter not stored), with the revisions of all of them, each once.
fn combine(
    filters: &[Filter],
    stored: Vec<Option<Record>>,
    computed: Option<&RunState>,
) -> ValueRun {
    let mut run = ValueRun {
        rows: Vec::new(),
        revisions: Vec::new(),
        reused: Vec::new(),
    };
    for (&filter, stored) in filters.iter().zip(stored) {
        let (rows, revisions) = match (stored, computed) {
            (Some(s), _) => {
                run.reused.push(filter);
                (s.rows, s.revisions)
            }
            (None, Some(c)) => (rows_of(&c.rows, filter), c.revisions.clone()),
            (None, None) => unreachable!("a filter not stored is computed"),
        };
        run.rows.extend(rows);
        for revision in revisions {
            if !run.revisions.contains(&revision) {
                run.revisions.push(revision);
            }
        }
    }
    run
}

/// The per-member errors of the last row of `filter` at `stage`.
pub fn last_errors(rows: &[Row], filter: Filter, stage: Stage) -> Vec<f64> {
    rows.iter()
        .rev()
        .find(|r| r.filter == filter && r.stage == stage)
        .map(|r| r.per_member.clone())
        .unwrap_or_default()
}
