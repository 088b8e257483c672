//! The twin experiments of ensemble Kalman filters on particle members,
//! as a library: what `cargo xtask reproduce` runs for the figures of
//! Duvillard, Giraldi & Le Maître (paper 2, Section 5), open to another
//! prior, another observation network, another ensemble size.
//!
//! # The 2D dipole twin experiment
//!
//! A truth (a Lamb–Chaplygin dipole in the stress-free box `[0, pi]^2`,
//! simulated by Vortex-In-Cell at a fine `d_p`) is observed every window
//! through its velocity at fixed points, with Gaussian noise. Ensembles of
//! coarser VIC members, drawn from a prior on the dipole's radius, centre,
//! orientation, speed and viscosity, are advanced beside it: a free run
//! (no analysis), Remesh-EnKF (eq. 11: the analysed field on a grid,
//! remeshed to fresh particles) and Part-EnKF (eq. 12: new strengths on
//! each member's own particles). After every window the ensemble L2 error
//! `e_omega = 1/N sum_i int (omega_i - omega_gt)^2` is measured before and
//! after the analysis ([`dipole::Row`]), and, if the scenario asks
//! (`assimilation.output_interval`, [`dipole::Setup::outputs_per_window`]),
//! at equal intervals within every window ([`dipole::Stage::Between`]), to
//! see how the error grows between analyses. The progress callback is told
//! the run's steps done and its total ([`dipole::Progress`]). With
//! `assimilation.calibrate_viscosity` ([`dipole::Setup::calibrate_viscosity`])
//! each member's viscosity is a parameter the analyses update with its
//! flow (paper 2, Section 5.2.1); every row gives the members' mean and
//! spread of it ([`dipole::Row::viscosity`]).
//!
//! ```no_run
//! use experiments::dipole::{Experiment, FILTERS, Setup};
//! use experiments::dipole::DipoleScenario;
//!
//! # fn main() -> Result<(), experiments::Error> {
//! let mut setup = Setup::new(&DipoleScenario::quick()?);
//! // Observe on a 3 x 3 lattice instead of the scenario's points.
//! setup.points = (1..=3)
//!     .flat_map(|j| (1..=3).map(move |i| [i as f64 * 0.8, j as f64 * 0.8]))
//!     .collect();
//! let (mut experiment, mut state) = Experiment::start(setup, 7, &FILTERS)?;
//! while state.completed < experiment.setup.analyses {
//!     experiment.advance_window(&mut state, &mut |p| eprint!("\r{}/{} steps", p.steps, p.total_steps))?;
//! }
//! for row in &state.rows {
//!     println!("{:?} {:?} t = {}: {:.3e}", row.filter, row.stage, row.time, row.e_omega);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Both experiments run on `assim`'s [`assim::EnsembleRunner`]: each
//! member is forecast by its own [`assim::ForecastModel`] and analysed by
//! an [`assim::Filter`]. In 2D the model is a member's solver,
//! [`dipole::VicMember`] (its own viscosity and work arrays), and the
//! filters are [`dipole::VicFilter`] (Remesh-EnKF or Part-EnKF on flows,
//! observing the velocity at points), so a loop of one's own (another
//! schedule, another error, a filter of one's own beside ours) takes the
//! same pieces:
//!
//! ```no_run
//! use assim::{EnsembleRunner, Members, ObservationNoise};
//! use experiments::dipole::{DipoleScenario, Setup, VicFilter, VicMember};
//!
//! # fn main() -> Result<(), experiments::Error> {
//! let setup = Setup::new(&DipoleScenario::quick()?);
//! let (mut models, states): (Vec<VicMember>, Vec<_>) = (0..setup.n_members)
//!     .map(|i| {
//!         let (vic, flow) = setup.prior.sample(7, i, &setup.member).start()?;
//!         Ok((VicMember { vic }, flow))
//!     })
//!     .collect::<Result<Vec<_>, experiments::Error>>()?
//!     .into_iter()
//!     .unzip();
//! let mut members = Members::new(states, vec![Vec::new(); setup.n_members])?;
//! let vic = &models[0].vic;
//! let filter = VicFilter::part_enkf(setup.points.clone(), vic.grid().clone(), *vic.config())?;
//! let noise = ObservationNoise::diagonal(&vec![setup.sigma_obs.powi(2); 2 * setup.points.len()])?;
//! let runner = EnsembleRunner::new(7, noise);
//! runner.forecast(&mut models, &mut members, setup.window)?;
//! let data = vec![0.0; 2 * setup.points.len()]; // the truth's noisy velocities
//! runner.analyse(&filter, &mut members, &data, 0)?;
//! # Ok(())
//! # }
//! ```
//!
//! The scenario is a TOML file ([`dipole::DipoleScenario`]; the paper's is
//! `scenarios/dipole2d.toml`), checked key by key: every refusal names the
//! file, the key path and the value.
//!
//! # The 1D advection–diffusion experiment
//!
//! [`advection::run`] runs paper 2's Section 4 (scenario
//! [`advection::Advection1dScenario`], `scenarios/advection1d.toml`): one
//! filter (Grid-, Remesh- or Part-EnKF) or the free run on particle
//! members with uncertain velocity and diffusion, with the rRMSE of the
//! state and of both parameters after every analysis.
//!
//! Long runs save a checkpoint after every window and resume from it with
//! the same numbers ([`dipole::run_checkpointed`], [`dipole::Checkpoints`]);
//! finished runs are kept in a [`dipole::RunStore`] keyed by everything
//! that determines them, so that sweeps reuse them. Results are
//! bit-identical for any number of threads: every random draw comes from
//! `member_stream(seed, member, purpose)`.
//!
//! Particle sets and 2D arrays are written as NumPy `.npy` files
//! ([`npy`]), which `numpy.load` reads as they are.
//!
//! Every file a run writes, renames or removes goes through a
//! [`storage::Storage`]: the disk ([`storage::Disk`]) unless a caller
//! passes another to `Checkpoints::in_dir_with`, `Records::in_dir_with` or
//! `RunStore::new_with` (the fault-injection tests pass one that fails the
//! k-th write). A resume of results computed by another code revision
//! goes on, and hands the caller a [`Warning`].
//!
//! Layer: above `validation` (the scenarios and norms) and `assim` (the
//! filters); below `xtask`, which adds the command line, figures and
//! plots. This crate prints nothing and exits nowhere: progress goes to a
//! callback and every failure is an [`Error`] naming the file or member.

pub mod advection;
pub mod benchmarks;
pub mod dipole;
mod error;
pub mod hash;
mod integrity;
pub mod npy;
mod output_lock;
pub mod scenario;
pub mod statistics;
pub mod storage;

pub use error::{Error, Result, Warning};
pub use output_lock::OutputLock;

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
