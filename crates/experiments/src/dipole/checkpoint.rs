//! Checkpoints of a 2D assimilation run: after every analysis window, the
//! state of every flow (the truth and each member of each ensemble) and
//! everything measured so far, so that a resumed run continues with the
//! same numbers.
//!
//! Layout of a checkpoint directory (`fig18` of `cargo xtask reproduce`
//! uses `OUT/fig18/checkpoint/`, a sweep `OUT/fig19/checkpoint/run-KK/`):
//!
//! * `latest.json` names the newest complete checkpoint directory;
//! * `after-KKK/` holds the state after `KKK` windows: `state.json` (the
//!   scenario's fingerprint, the clocks of the flows, the rows of the CSV),
//!   `truth.npy` and one `FILTER-MMM.npy` per member (particles as rows
//!   `x, y, strength, volume`), `observations.npy` (one row per window),
//!   `truth_fields.npy` (the truth's vorticity on the quadrature cells at
//!   `t = 0` and after every window), and `manifest.json`, the size and
//!   checksum of every other file ([`crate::integrity`]). The members'
//!   parameter vectors (calibrated viscosities) are in `state.json`, only
//!   when some member carries one: the checkpoints of uncalibrated runs
//!   are as before, and those written before parameters existed load with
//!   none.
//!
//! A directory is written under a temporary name and renamed when complete,
//! then `latest.json` is replaced by a rename, and an old directory is
//! renamed aside before it is removed ([`crate::storage::discard`]): a run
//! killed at any moment leaves the previous checkpoint usable. The two
//! newest complete checkpoints are kept. Every write goes through the
//! [`Storage`] given ([`Checkpoints::in_dir_with`]; the disk by default). Every file is checked against the manifest (and
//! `latest.json` and the manifest against their own checksums) before it
//! is used: a damaged one is refused by name, and once its checkpoint is
//! deleted, a resume continues from the one before. Floats are stored
//! exactly (`.npy` bits, and JSON numbers that round-trip).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use particle_core::ParticleSet;
use serde::{Deserialize, Serialize};
use vic_solver::FlowState;

use super::{Filter, Row, RunState};
use crate::error::io;
use crate::integrity::{Manifest, read_checked_json, write_checked_json};
use crate::storage::{Disk, Storage, discard, remove_dir};
use crate::{Error, npy};

/// The checkpoints of one output directory.
pub struct Checkpoints {
    dir: PathBuf,
    storage: Arc<dyn Storage>,
}

/// `state.json`.
#[derive(Serialize, Deserialize)]
struct State {
    fingerprint: String,
    completed: usize,
    truth: Clock,
    /// The ensembles' filters.
    filters: Vec<Filter>,
    /// Per ensemble, per member.
    members: Vec<Vec<Clock>>,
    /// Per ensemble, per member: the parameter vectors (`[nu_i]` when the
    /// viscosity is calibrated). Absent when every one is empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    parameters: Vec<Vec<Vec<f64>>>,
    rows: Vec<Row>,
    /// Absent from checkpoints written before revisions were recorded.
    #[serde(default)]
    revisions: Vec<String>,
}

/// The time of a flow (`time` accumulates `dt`, so it is stored, not
/// recomputed from `steps`).
#[derive(Serialize, Deserialize)]
struct Clock {
    time: f64,
    steps: u64,
}

impl Clock {
    fn of(state: &FlowState) -> Self {
        Clock {
            time: state.time,
            steps: state.steps,
        }
    }
}

/// `latest.json`.
#[derive(Serialize, Deserialize)]
struct Latest {
    directory: String,
}

impl Checkpoints {
    /// Remove every checkpoint (a fresh run, or a finished one whose
    /// results are kept).
    ///
    /// # Errors
    /// [`Error::Io`] naming the directory if it cannot be removed.
    pub fn clear(&self) -> Result<(), Error> {
        discard(&*self.storage, &self.dir)
    }

    /// The directory of the checkpoint after `completed` windows.
    pub(crate) fn directory(&self, completed: usize) -> PathBuf {
        self.dir.join(checkpoint_name(completed))
    }

    /// Whether a checkpoint is there to resume from.
    pub fn exist(&self) -> bool {
        self.dir.join("latest.json").is_file()
    }

    /// The checkpoints in `dir` (created when the first is saved).
    pub fn in_dir(dir: PathBuf) -> Self {
        Self::in_dir_with(dir, Disk::shared())
    }

    /// The checkpoints in `dir`, written through `storage`.
    pub fn in_dir_with(dir: PathBuf, storage: Arc<dyn Storage>) -> Self {
        Checkpoints { dir, storage }
    }

    /// Save `run` as the newest checkpoint, keeping the one before it and
    /// dropping the older ones.
    ///
    /// # Errors
    /// [`Error::Io`] if a file cannot be written.
    pub fn save(&self, run: &RunState, fingerprint: &str) -> Result<(), Error> {
        let storage = &*self.storage;
        let name = checkpoint_name(run.completed);
        let done = self.dir.join(&name);
        let partial = self.dir.join(format!("{name}.partial"));
        remove_dir(storage, &partial)?;
        storage
            .create_dir_all(&partial)
            .map_err(|e| io(&partial, e))?;

        let mut manifest = Manifest::default();
        let mut put = |file: &str, bytes: &[u8]| manifest.put(storage, &partial, file, bytes);
        put("truth.npy", &particles_npy(&run.truth.particles))?;
        for (filter, members) in &run.ensembles {
            for (m, state) in members.iter().enumerate() {
                put(&member_file(*filter, m), &particles_npy(&state.particles))?;
            }
        }
        put("observations.npy", &rows_npy(&run.observations))?;
        put("truth_fields.npy", &rows_npy(&run.truth_fields))?;
        let state = State {
            fingerprint: fingerprint.to_string(),
            completed: run.completed,
            truth: Clock::of(&run.truth),
            filters: run.ensembles.iter().map(|(f, _)| *f).collect(),
            members: run
                .ensembles
                .iter()
                .map(|(_, m)| m.iter().map(Clock::of).collect())
                .collect(),
            parameters: if run.parameters.iter().flatten().all(Vec::is_empty) {
                Vec::new()
            } else {
                run.parameters.clone()
            },
            rows: run.rows.clone(),
            revisions: run.revisions.clone(),
        };
        let text = serde_json::to_string(&state).expect("checkpoint state serialises");
        put("state.json", text.as_bytes())?;
        manifest.save(storage, &partial)?;

        discard(storage, &done)?;
        storage.rename(&partial, &done).map_err(|e| io(&done, e))?;
        write_checked_json(
            storage,
            &self.dir.join("latest.json"),
            &Latest { directory: name },
        )?;
        let complete = self.complete()?;
        for old in complete.iter().rev().skip(KEPT) {
            discard(storage, &self.dir.join(old))?;
        }
        Ok(())
    }

    /// The newest checkpoint, if it was written for `fingerprint`: the one
    /// `latest.json` names, or the newest complete one left if that was
    /// deleted (as a damaged checkpoint's error advises).
    ///
    /// # Errors
    /// [`Error::Checkpoint`] if there is none, or it was written for
    /// another fingerprint, or a file of it is damaged (naming the file,
    /// with the checksum recorded and the one found); [`Error::Io`] if a
    /// file cannot be read.
    pub fn load(&self, fingerprint: &str) -> Result<RunState, Error> {
        let (dir, previous) = self.newest()?;
        self.load_from(&dir, fingerprint)
            .map_err(|e| advise(e, &dir, previous.as_deref()))
    }

    /// The filters of the newest checkpoint (a sweep resumes a value's
    /// run for them, whatever the run store gained meanwhile).
    ///
    /// # Errors
    /// As [`Checkpoints::load`], but for the fingerprint.
    pub fn filters(&self) -> Result<Vec<Filter>, Error> {
        let (dir, previous) = self.newest()?;
        let state = read_state(&dir).map_err(|e| advise(e, &dir, previous.as_deref()))?;
        Ok(state.0.filters)
    }

    /// The directory of the newest checkpoint, and the name of the one
    /// before it, if kept.
    fn newest(&self) -> Result<(PathBuf, Option<String>), Error> {
        let latest_path = self.dir.join("latest.json");
        if !latest_path.is_file() {
            return Err(Error::Checkpoint {
                path: latest_path,
                reason: "no checkpoint to resume from (a finished run removes its checkpoint; \
                         start a new run instead)"
                    .into(),
            });
        }
        let latest: Latest = read_checked_json(&latest_path)?;
        let complete = self.complete()?;
        let name = if complete.contains(&latest.directory) {
            latest.directory
        } else {
            complete.last().cloned().ok_or_else(|| Error::Checkpoint {
                path: self.dir.join(&latest.directory),
                reason: "missing, and no other complete checkpoint is left; start a new run".into(),
            })?
        };
        let previous = complete.iter().rev().find(|&c| *c < name).cloned();
        Ok((self.dir.join(&name), previous))
    }

    /// The checkpoint in `dir`, checked file by file.
    fn load_from(&self, dir: &Path, fingerprint: &str) -> Result<RunState, Error> {
        let (state, manifest) = read_state(dir)?;
        let state_path = dir.join("state.json");
        if state.fingerprint != fingerprint {
            return Err(Error::Checkpoint {
                path: state_path,
                reason: format!(
                    "written by another scenario or seed ({}); start a new run instead",
                    state.fingerprint
                ),
            });
        }
        if state.members.len() != state.filters.len() {
            let reason = format!(
                "{} ensembles of members for {} filters",
                state.members.len(),
                state.filters.len()
            );
            return Err(bad(&state_path, reason));
        }
        let array = |file: &str| {
            let bytes = manifest.read(dir, file)?;
            npy::decode_f64(&bytes).map_err(|reason| bad(&dir.join(file), reason))
        };
        let flow = |file: &str, clock: &Clock| flow_of(&dir.join(file), array(file)?, clock);
        let truth = flow("truth.npy", &state.truth)?;
        let ensembles = state
            .filters
            .iter()
            .zip(&state.members)
            .map(|(&filter, clocks)| {
                let members = clocks
                    .iter()
                    .enumerate()
                    .map(|(m, clock)| flow(&member_file(filter, m), clock))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((filter, members))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let parameters = if state.parameters.is_empty() {
            state
                .members
                .iter()
                .map(|m| vec![Vec::new(); m.len()])
                .collect()
        } else {
            let shape = |p: &Vec<Vec<Vec<f64>>>| p.iter().map(Vec::len).collect::<Vec<_>>();
            let members: Vec<usize> = state.members.iter().map(Vec::len).collect();
            if shape(&state.parameters) != members {
                let reason = format!(
                    "parameter vectors of {:?} members per ensemble for {members:?}",
                    shape(&state.parameters)
                );
                return Err(bad(&state_path, reason));
            }
            state.parameters
        };
        let rows = |file: &str, expected| rows_of(&dir.join(file), array(file)?, expected);
        let observations = rows("observations.npy", state.completed)?;
        let truth_fields = rows("truth_fields.npy", state.completed + 1)?;
        Ok(RunState {
            completed: state.completed,
            truth,
            observations,
            truth_fields,
            ensembles,
            parameters,
            rows: state.rows,
            revisions: state.revisions,
        })
    }

    /// The complete checkpoint directories (`after-KKK`), oldest first.
    fn complete(&self) -> Result<Vec<String>, Error> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|e| io(&self.dir, e))? {
            let entry = entry.map_err(|e| io(&self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let windows = name.strip_prefix("after-").filter(|k| k.len() == 3);
            if windows.is_some_and(|k| k.bytes().all(|b| b.is_ascii_digit())) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }
}

/// The `state.json` of the checkpoint in `dir`, checked against its
/// manifest, and the manifest.
fn read_state(dir: &Path) -> Result<(State, Manifest), Error> {
    let manifest = Manifest::load(dir)?;
    let bytes = manifest.read(dir, "state.json")?;
    let state =
        serde_json::from_slice(&bytes).map_err(|e| bad(&dir.join("state.json"), e.to_string()))?;
    Ok((state, manifest))
}

/// `e`, with what to do if it is a damaged file of the checkpoint `dir`:
/// delete it and resume from `previous`, if one is kept.
fn advise(e: Error, dir: &Path, previous: Option<&str>) -> Error {
    match e {
        Error::Checkpoint { path, reason } if reason.starts_with("damaged") => {
            let advice = match previous {
                Some(p) => format!(
                    "delete {} and resume: the run continues from {p}, which is kept",
                    dir.display()
                ),
                None => "no earlier checkpoint is kept; start a new run".into(),
            };
            Error::Checkpoint {
                path,
                reason: format!("{reason}; {advice}"),
            }
        }
        other => other,
    }
}

/// Complete checkpoints kept: the newest and the one before, to resume
/// from if the newest is damaged.
const KEPT: usize = 2;

/// The directory of the checkpoint after `completed` windows.
fn checkpoint_name(completed: usize) -> String {
    format!("after-{completed:03}")
}

/// The file of member `m` of an ensemble.
fn member_file(filter: Filter, m: usize) -> String {
    format!("{}-{m:03}.npy", filter.name())
}

/// The runs of a parameter sweep: the rows of every finished run
/// (`runs/run-KK.json`, kept as results) and the checkpoints of the
/// unfinished one (`checkpoint/run-KK/`).
pub struct Records {
    runs: PathBuf,
    checkpoints: PathBuf,
    storage: Arc<dyn Storage>,
}

/// A finished run: of a sweep's value (`runs/run-KK.json`), or of one
/// filter in the [run store](super::RunStore).
#[derive(Serialize, Deserialize)]
pub struct Record {
    /// What the run was computed for ([`fingerprint`](super::fingerprint)).
    pub fingerprint: String,
    /// Every row of the run.
    pub rows: Vec<Row>,
    /// The revisions of the code that computed it.
    pub revisions: Vec<String>,
}

impl Records {
    /// The records in `dir` (`runs/` and `checkpoint/`). Unless `resume`
    /// an earlier sweep's are removed; with it there must be some.
    ///
    /// # Errors
    /// [`Error::Io`] if old records cannot be removed;
    /// [`Error::Checkpoint`] if `resume` finds nothing to resume.
    pub fn in_dir(dir: &Path, resume: bool) -> Result<Self, Error> {
        Self::in_dir_with(dir, resume, Disk::shared())
    }

    /// [`Records::in_dir`], written through `storage`.
    ///
    /// # Errors
    /// As [`Records::in_dir`].
    pub fn in_dir_with(dir: &Path, resume: bool, storage: Arc<dyn Storage>) -> Result<Self, Error> {
        let records = Records {
            runs: dir.join("runs"),
            checkpoints: dir.join("checkpoint"),
            storage,
        };
        if !resume {
            discard(&*records.storage, &records.runs)?;
            discard(&*records.storage, &records.checkpoints)?;
        } else if !records.runs.is_dir() && !records.checkpoints.is_dir() {
            return Err(Error::Checkpoint {
                path: records.checkpoints,
                reason: "no finished run and no checkpoint to resume from; start a new sweep \
                         instead"
                    .into(),
            });
        }
        Ok(records)
    }

    /// Run `run`, if it finished for `fingerprint`.
    pub fn finished(&self, run: usize, fingerprint: &str) -> Result<Option<Record>, Error> {
        let path = self.record(run);
        if !path.is_file() {
            return Ok(None);
        }
        let record: Record = read_checked_json(&path)?;
        if record.fingerprint != fingerprint {
            return Err(bad(
                &path,
                format!(
                    "written by another scenario or seed ({}); start a new sweep instead",
                    record.fingerprint
                ),
            ));
        }
        Ok(Some(record))
    }

    /// Keep the rows of the finished run `run` and the revisions that
    /// computed them (written under a temporary name and renamed).
    pub fn save(
        &self,
        run: usize,
        fingerprint: &str,
        rows: &[Row],
        revisions: &[String],
    ) -> Result<(), Error> {
        self.storage
            .create_dir_all(&self.runs)
            .map_err(|e| io(&self.runs, e))?;
        let record = Record {
            fingerprint: fingerprint.to_string(),
            rows: rows.to_vec(),
            revisions: revisions.to_vec(),
        };
        write_checked_json(&*self.storage, &self.record(run), &record)
    }

    /// The checkpoints of run `run`.
    pub fn checkpoints(&self, run: usize) -> Checkpoints {
        let dir = self.checkpoints.join(format!("run-{run:02}"));
        Checkpoints::in_dir_with(dir, Arc::clone(&self.storage))
    }

    /// Remove every checkpoint (the sweep is finished).
    ///
    /// # Errors
    /// [`Error::Io`] naming the directory if it cannot be removed.
    pub fn clear_checkpoints(&self) -> Result<(), Error> {
        discard(&*self.storage, &self.checkpoints)
    }

    /// The record of run `run` (`runs/run-KK.json`).
    pub(crate) fn record(&self, run: usize) -> PathBuf {
        self.runs.join(format!("run-{run:02}.json"))
    }
}

fn bad(path: &Path, reason: String) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        reason,
    }
}

/// Particles as an `n x 4` array: `x, y, strength, volume` per row.
fn particles_npy(particles: &ParticleSet<2>) -> Vec<u8> {
    let [xs, ys] = particles.positions();
    let mut values = Vec::with_capacity(4 * particles.len());
    for p in 0..particles.len() {
        values.extend([
            xs[p],
            ys[p],
            particles.strengths()[p],
            particles.volumes()[p],
        ]);
    }
    npy::encode_f64(&[particles.len(), 4], &values)
}

/// The flow of `path`'s array (`particles_npy`) at `clock`.
fn flow_of(
    path: &Path,
    (shape, values): (Vec<usize>, Vec<f64>),
    clock: &Clock,
) -> Result<FlowState, Error> {
    if shape.len() != 2 || shape[1] != 4 {
        return Err(bad(
            path,
            format!("shape {shape:?}, expected (particles, 4)"),
        ));
    }
    let column = |c: usize| {
        values
            .iter()
            .skip(c)
            .step_by(4)
            .copied()
            .collect::<Vec<_>>()
    };
    let particles = ParticleSet::new([column(0), column(1)], column(2), column(3))
        .map_err(|e| bad(path, e.to_string()))?;
    let mut state = FlowState::new(particles, clock.time);
    state.steps = clock.steps;
    Ok(state)
}

/// Equal-length rows as a 2D array.
fn rows_npy(rows: &[Vec<f64>]) -> Vec<u8> {
    let width = rows.first().map_or(0, Vec::len);
    npy::encode_f64(&[rows.len(), width], &rows.concat())
}

/// The rows of `path`'s array (`rows_npy`), which must be `expected`.
fn rows_of(
    path: &Path,
    (shape, values): (Vec<usize>, Vec<f64>),
    expected: usize,
) -> Result<Vec<Vec<f64>>, Error> {
    if shape.len() != 2 || shape[0] != expected {
        return Err(bad(
            path,
            format!("shape {shape:?}, expected {expected} rows"),
        ));
    }
    if shape[1] == 0 {
        return Ok(vec![Vec::new(); expected]);
    }
    Ok(values.chunks_exact(shape[1]).map(<[f64]>::to_vec).collect())
}
