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
//!   `x, y, strength, volume`), `observations.npy` (one row per window) and
//!   `truth_fields.npy` (the truth's vorticity on the quadrature cells at
//!   `t = 0` and after every window).
//!
//! A directory is written under a temporary name and renamed when complete,
//! then `latest.json` is replaced by a rename: a run killed at any moment
//! leaves the previous checkpoint usable. Floats are stored exactly
//! (`.npy` bits, and JSON numbers that round-trip).

use std::fs;
use std::path::{Path, PathBuf};

use particle_core::ParticleSet;
use serde::{Deserialize, Serialize};
use vic_solver::FlowState;

use super::{Filter, Row, RunState};
use crate::error::io;
use crate::{Error, npy};

/// The checkpoints of one output directory.
pub struct Checkpoints {
    dir: PathBuf,
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
    /// Remove every checkpoint (a fresh run, or a finished one).
    pub fn clear(&self) -> Result<(), Error> {
        remove_dir(&self.dir)
    }

    /// Whether a checkpoint is there to resume from.
    pub fn exist(&self) -> bool {
        self.dir.join("latest.json").is_file()
    }

    /// The checkpoints in `dir` (created when the first is saved).
    pub fn in_dir(dir: PathBuf) -> Self {
        Checkpoints { dir }
    }

    /// Save `run` as the newest checkpoint and drop the older ones.
    ///
    /// # Errors
    /// [`Error::Io`] if a file cannot be written.
    pub fn save(&self, run: &RunState, fingerprint: &str) -> Result<(), Error> {
        let name = format!("after-{:03}", run.completed);
        let partial = self.dir.join(format!("{name}.partial"));
        let _ = fs::remove_dir_all(&partial);
        fs::create_dir_all(&partial).map_err(|e| io(&partial, e))?;

        write_particles(&partial.join("truth.npy"), &run.truth.particles)?;
        for (filter, members) in &run.ensembles {
            for (m, state) in members.iter().enumerate() {
                let path = partial.join(format!("{}-{m:03}.npy", filter.name()));
                write_particles(&path, &state.particles)?;
            }
        }
        write_rows(&partial.join("observations.npy"), &run.observations)?;
        write_rows(&partial.join("truth_fields.npy"), &run.truth_fields)?;
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
            rows: run.rows.clone(),
            revisions: run.revisions.clone(),
        };
        write_json(&partial.join("state.json"), &state)?;

        let done = self.dir.join(&name);
        let _ = fs::remove_dir_all(&done);
        fs::rename(&partial, &done).map_err(|e| io(&done, e))?;
        write_json_atomically(
            &self.dir.join("latest.json"),
            &Latest {
                directory: name.clone(),
            },
        )?;
        for entry in fs::read_dir(&self.dir).map_err(|e| io(&self.dir, e))? {
            let entry = entry.map_err(|e| io(&self.dir, e))?;
            let file = entry.file_name().to_string_lossy().into_owned();
            if file.starts_with("after-") && file != name {
                fs::remove_dir_all(entry.path()).map_err(|e| io(&entry.path(), e))?;
            }
        }
        Ok(())
    }

    /// The newest checkpoint, if it was written for `fingerprint`.
    ///
    /// # Errors
    /// [`Error::Checkpoint`] if there is none, or it was written for
    /// another fingerprint, or a file of it is damaged; [`Error::Io`] if a
    /// file cannot be read.
    pub fn load(&self, fingerprint: &str) -> Result<RunState, Error> {
        let latest_path = self.dir.join("latest.json");
        if !latest_path.is_file() {
            return Err(Error::Checkpoint {
                path: latest_path,
                reason: "no checkpoint to resume from (a finished run removes its checkpoint; \
                         start a new run instead)"
                    .into(),
            });
        }
        let latest: Latest = read_json(&latest_path)?;
        let dir = self.dir.join(&latest.directory);
        let state_path = dir.join("state.json");
        let state: State = read_json(&state_path)?;
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
        let truth = read_flow(&dir.join("truth.npy"), &state.truth)?;
        let ensembles = state
            .filters
            .iter()
            .zip(&state.members)
            .map(|(&filter, clocks)| {
                let members = clocks
                    .iter()
                    .enumerate()
                    .map(|(m, clock)| {
                        read_flow(&dir.join(format!("{}-{m:03}.npy", filter.name())), clock)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((filter, members))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let observations = read_rows(&dir.join("observations.npy"), state.completed)?;
        let truth_fields = read_rows(&dir.join("truth_fields.npy"), state.completed + 1)?;
        Ok(RunState {
            completed: state.completed,
            truth,
            observations,
            truth_fields,
            ensembles,
            rows: state.rows,
            revisions: state.revisions,
        })
    }
}

/// The runs of a parameter sweep: the rows of every finished run
/// (`runs/run-KK.json`, kept as results) and the checkpoints of the
/// unfinished one (`checkpoint/run-KK/`).
pub struct Records {
    runs: PathBuf,
    checkpoints: PathBuf,
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
        let records = Records {
            runs: dir.join("runs"),
            checkpoints: dir.join("checkpoint"),
        };
        if !resume {
            remove_dir(&records.runs)?;
            remove_dir(&records.checkpoints)?;
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
        let record: Record = read_json(&path)?;
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
        fs::create_dir_all(&self.runs).map_err(|e| io(&self.runs, e))?;
        let record = Record {
            fingerprint: fingerprint.to_string(),
            rows: rows.to_vec(),
            revisions: revisions.to_vec(),
        };
        write_json_atomically(&self.record(run), &record)
    }

    /// The checkpoints of run `run`.
    pub fn checkpoints(&self, run: usize) -> Checkpoints {
        Checkpoints::in_dir(self.checkpoints.join(format!("run-{run:02}")))
    }

    /// Remove every checkpoint (the sweep is finished).
    pub fn clear_checkpoints(&self) -> Result<(), Error> {
        remove_dir(&self.checkpoints)
    }

    fn record(&self, run: usize) -> PathBuf {
        self.runs.join(format!("run-{run:02}.json"))
    }
}

/// Remove `dir` and everything in it, if it exists.
fn remove_dir(dir: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(dir, e)),
        _ => Ok(()),
    }
}

fn bad(path: &Path, reason: String) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        reason,
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let text = serde_json::to_string(value).expect("checkpoint state serialises");
    fs::write(path, text).map_err(|e| io(path, e))
}

/// Write `value` under a temporary name and rename it to `path`: a run
/// killed at any moment leaves either the old file or the new one.
pub(super) fn write_json_atomically<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let staged = path.with_extension("json.partial");
    write_json(&staged, value)?;
    fs::rename(&staged, path).map_err(|e| io(path, e))
}

pub(super) fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, Error> {
    let text = fs::read_to_string(path).map_err(|e| io(path, e))?;
    serde_json::from_str(&text).map_err(|e| bad(path, e.to_string()))
}

/// Particles as an `n x 4` array: `x, y, strength, volume` per row.
fn write_particles(path: &Path, particles: &ParticleSet<2>) -> Result<(), Error> {
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
    npy::write_f64(path, &[particles.len(), 4], &values)
}

fn read_flow(path: &Path, clock: &Clock) -> Result<FlowState, Error> {
    let (shape, values) = npy::read_f64(path)?;
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
fn write_rows(path: &Path, rows: &[Vec<f64>]) -> Result<(), Error> {
    let width = rows.first().map_or(0, Vec::len);
    let values: Vec<f64> = rows.concat();
    npy::write_f64(path, &[rows.len(), width], &values)
}

fn read_rows(path: &Path, expected: usize) -> Result<Vec<Vec<f64>>, Error> {
    let (shape, values) = npy::read_f64(path)?;
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
