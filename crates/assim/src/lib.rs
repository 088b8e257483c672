//! # assim — ensemble Kalman filters for Lagrangian particle simulations
//!
//! The filters of paper 2 (Duvillard, Giraldi & Le Maître, Sections 2.1 and
//! 3): the stochastic EnKF analysis written in member space, eq. (2), whose
//! `N × N` coefficient matrix `F` is built from predicted observations, data
//! and perturbations only; and its three particle-aware uses:
//!
//! * **Grid-EnKF** — the analysis of nodal values of a grid solver (baseline);
//! * **Remesh-EnKF** (Section 3.2) — project every member to the grid of
//!   spacing `l = 2 d_p` (eq. 6), analyse nodal values, interpolate to fresh
//!   particles (eqs. 7–9), threshold by `ε_cut`;
//! * **Part-EnKF** (Section 3.3) — evaluate the analysed field, eq. (12), at
//!   each member's own particles and rebuild strengths by eq. (4) or by
//!   regression; extend-and-pad, eqs. (10)–(11), as a baseline.
//!
//! Model parameters (`v`, `D`) can be appended to the analysed state.
//! Members are forecast in parallel, each with its own random stream derived
//! from the scenario seed and the member index, so results do not depend on
//! the number of threads.
//!
//! **Layer 3**: uses `vic-solver`, `particle-core` and `kinetic-enkf` (whose
//! ensemble statistics are the single implementation shared with this
//! crate); knows nothing about the papers' scenarios or figures.
//!
//! ## Map: modules and the paper's equations
//!
//! * [`analysis`] — the member-space analysis of eq. (2): [`coefficients`]
//!   builds the `N × N` matrix `F` ([`Coefficients`], `F_ji` at
//!   [`Coefficients::get`]`(j, i)`) from predicted observations, data,
//!   perturbations and the noise covariance [`ObservationNoise`] (diagonal
//!   or dense), by a Cholesky factorisation of `C_H + R` when `K <= N` or of
//!   an `N × N` matrix (Woodbury) when `K > N`; [`Coefficients::apply_to`]
//!   applies it to states of any length; [`perturbations`] draws
//!   `eps_i ~ N(0, R)`. The `K × K` and `N × N` solves are
//!   [`kinetic_enkf::kalman`]'s.
//! * [`schemes`] — other analyses in the same member-space form, so that
//!   every filter below can use them: a [`Scheme`] is a [`Method`]
//!   (paper 2's stochastic EnKF, with or without centred perturbations,
//!   the DEnKF of Sakov & Oke 2008, the ETKF with or without a
//!   mean-preserving random rotation) and an [`Inflation`] (prior or
//!   posterior multiplicative, RTPP), all as transforms `T = I + F`;
//!   [`relax_to_prior_spread`] for states on a common support. The
//!   [`EnsembleRunner`] takes one with [`EnsembleRunner::with_scheme`].
//! * [`localisation`] — one member-space analysis per location with a
//!   [`GaspariCohn`] taper on `R^{-1}` (the LETKF with the ETKF):
//!   [`LocalCoefficients`], the [`LocalFilter`] trait and
//!   [`EnsembleRunner::analyse_local`]; for particle members
//!   [`remesh_update_local`] (a transform per grid node, Remesh-LETKF) and
//!   [`part_update_local`] (per particle of each member, Part-LETKF), which
//!   the 1D [`RemeshEnkf`] and [`PartEnkf`] use as [`LocalFilter`]s, and
//!   [`part_update_nodal`] (Part-LETKF with the grid nodes' transforms).
//! * [`models`] — Lorenz-63 and Lorenz-96 (RK4) as [`ForecastModel`]s and
//!   [`models::ObservedComponents`], the standard test-beds of data
//!   assimilation.
//! * [`rng`] — [`rng::member_stream`]`(seed, member, purpose)`, the one
//!   derivation of every random stream (prior, observation noise,
//!   perturbations) from the scenario seed; it lives in `kinetic-enkf`
//!   (layer 0) so that the ensemble Kalman inversion of paper 1 draws the
//!   same way, and is re-exported here.
//! * [`particle_filters`] — the Remesh-EnKF ([`remesh_update`]: project,
//!   analyse nodal values, interpolate to fresh thresholded particles) and
//!   Part-EnKF ([`part_update`]: eq. (12) at each member's own particles,
//!   strengths by eq. (4)) updates of members that are particle sets, in
//!   any dimension.
//! * [`ensemble`] — the interface a user calls with their own model: a
//!   [`ForecastModel`] per member (advances a state in place by a
//!   horizon), a [`Filter`] (`H` and the update of all states by `F`),
//!   [`Members`] (states and parameter vectors) and the [`EnsembleRunner`],
//!   which forecasts members in parallel (several ensembles at once if
//!   asked) and analyses them with perturbations
//!   from `rng::member_stream(seed, member, Perturbation(k))`; parameters
//!   (`v`, `D`) are analysed with the state (augmentation) and checked by
//!   [`ParameterBound`]s (clamp and report, or refuse).
//! * [`distributed`] — the same runs shared out over processes, with the
//!   same bits: a [`distributed::Communicator`] (one process by default;
//!   MPI with the `mpi` feature), members in contiguous
//!   [`distributed::Blocks`], states sent as words by a
//!   [`distributed::Codec`];
//!   [`EnsembleRunner::forecast_distributed`] and
//!   [`EnsembleRunner::analyse_distributed`].
//! * [`finite_difference`] — [`FiniteDifference1d`], the Grid-EnKF's
//!   forecast model: central differences + RK4 for eq. (13), second order.
//! * [`observation`] — [`PointObservations`] of a periodic 1D field, on
//!   nodal values (linear interpolation) or particles (eq. (3)).
//! * [`filters`] — [`GridEnkf`], [`RemeshEnkf`], [`PartEnkf`],
//!   [`ExtendAndPad`]: the 1D filters of Section 4 as [`Filter`]s.
//! * [`extend_pad`] — [`extend_and_pad`], eq. (10)–(11), with its
//!   `N`-fold particle growth per analysis.
//!
//! The papers' experiments built on these (the 1D advection of Section 4,
//! the 2D dipole of Section 5, scenario files, checkpoints, sweeps) are the
//! `experiments` crate's; the figures are drawn by the workspace's `xtask`.
//!
//! ## Example
//!
//! The analysis of two members with a scalar state observed directly; the
//! numbers are worked out in the docs of [`analysis`].
//!
//! ```
//! use assim::{ObservationNoise, coefficients, perturbations};
//!
//! let forecast = [vec![0.0], vec![2.0]];
//! let noise = ObservationNoise::diagonal(&[2.0])?;
//! let f = coefficients(&forecast, &[1.5], &[[0.5], [-0.5]], &noise)?;
//! assert_eq!(f.apply_to(&forecast)?, vec![vec![1.0], vec![1.5]]);
//!
//! // In a run, the perturbations come from the scenario seed:
//! let eps = perturbations(42, 0, 2, &noise);
//! let f = coefficients(&forecast, &[1.5], &eps, &noise)?;
//! assert_eq!(f.n_members(), 2);
//! # Ok::<(), assim::Error>(())
//! ```

pub mod analysis;
pub mod distributed;
pub mod ensemble;
mod error;
pub mod extend_pad;
pub mod filters;
pub mod finite_difference;
pub mod localisation;
pub mod models;
pub mod observation;
pub mod particle_filters;
pub mod schemes;
pub use kinetic_enkf::rng;

pub use analysis::{
    Coefficients, Form, ObservationNoise, coefficients, coefficients_with, perturbations,
};
pub use ensemble::{
    AnalysisReport, Clamped, EnsembleRunner, Filter, Forecast, ForecastModel, Forecasted,
    LocalFilter, Members, ModelError, OnViolation, ParameterBound, SolverError,
};
pub use error::{Error, Result};
pub use extend_pad::extend_and_pad;
pub use filters::{ExtendAndPad, GridEnkf, PartEnkf, ParticleObservations, RemeshEnkf};
pub use finite_difference::FiniteDifference1d;
pub use localisation::{GaspariCohn, LocalCoefficients, tapered_stochastic_update};
pub use observation::PointObservations;
pub use particle_filters::{
    part_update, part_update_local, part_update_members, part_update_nodal, remesh_update,
    remesh_update_local, remesh_update_members,
};
pub use schemes::{Inflation, Method, Scheme, relax_to_prior_spread};

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
