//! The ensemble runner: one assimilation cycle of paper 2, Section 2.1,
//! for any forecast model and any filter.
//!
//! * [`ForecastModel`] — a user's model, one per member: advances a state
//!   in place by a horizon with the member's parameters. Implemented here for the Grid-EnKF's finite-difference solver
//!   ([`crate::FiniteDifference1d`], state = nodal values) and for the
//!   particle model [`particle_core::advection_diffusion::AdvectionDiffusion1d`]
//!   (state = particle set); both read `parameters = [v, D]`.
//! * [`Filter`] — how a state is observed (`H(z_i^f)`) and how the
//!   coefficients `F` of eq. (2) update the states of all members (Grid-,
//!   Remesh-, Part-EnKF, extend-and-pad in [`crate::filters`]).
//! * [`EnsembleRunner`] — forecasts [`Members`] in parallel (rayon, one
//!   task per member, each with its own model; several ensembles at once
//!   with [`EnsembleRunner::forecast_together`]), and analyses them: predicted observations, the
//!   perturbations `eps_i ~ N(0, R)` of analysis `k` from
//!   [`crate::rng::member_stream`]`(seed, i, Stream::Perturbation(k))`
//!   ([`crate::perturbations`]), `F` ([`crate::coefficients`]), then the
//!   filter's update of the states and `Coefficients::apply_to` of the
//!   parameter vectors: **parameter augmentation** (`v`, `D` are rows of
//!   the analysed state; since `F` is the same for all rows, analysing them
//!   apart is the same as stacking them under the state).
//!
//! After the analysis, a parameter may leave its physical range (a
//! negative `D`). [`ParameterBound`] states the rule per parameter:
//! [`OnViolation::Clamp`] sets it to the bound and reports it in
//! [`AnalysisReport::clamped`]; [`OnViolation::Refuse`] returns
//! [`Error::NonPhysicalParameter`] naming the member.
//!
//! Determinism: every member's forecast depends on its own inputs only,
//! results are collected in member order, and the only random draws are
//! the perturbations, derived from (seed, member, analysis). So a run gives
//! the same bits for any number of threads.
//!
//! # Example: a user's own model and filter
//!
//! A scalar state decaying at a rate that is calibrated, observed
//! directly:
//!
//! ```
//! use assim::{
//!     Coefficients, EnsembleRunner, Filter, ForecastModel, Members, ModelError,
//!     ObservationNoise,
//! };
//!
//! struct Decay;
//! impl ForecastModel for Decay {
//!     type State = f64;
//!     fn forecast(&mut self, u: &mut f64, rate: &[f64], t: f64) -> Result<(), ModelError> {
//!         *u *= (-rate[0] * t).exp();
//!         Ok(())
//!     }
//! }
//!
//! struct Direct;
//! impl Filter<f64> for Direct {
//!     fn predict(&self, u: &f64) -> Result<Vec<f64>, ModelError> {
//!         Ok(vec![*u])
//!     }
//!     fn update(&self, forecast: &[f64], f: &Coefficients) -> assim::Result<Vec<f64>> {
//!         let rows: Vec<[f64; 1]> = forecast.iter().map(|u| [*u]).collect();
//!         Ok(f.apply_to(&rows)?.into_iter().map(|v| v[0]).collect())
//!     }
//! }
//!
//! let runner = EnsembleRunner::new(42, ObservationNoise::diagonal(&[0.01])?);
//! let mut members = Members::new(vec![1.0, 1.2, 0.8, 1.1], vec![vec![0.5], vec![1.0], vec![1.5], vec![0.7]])?;
//! runner.forecast(&mut [Decay, Decay, Decay, Decay], &mut members, 1.0)?;
//! let report = runner.analyse(&Direct, &mut members, &[0.4], 0)?;
//! assert_eq!(report.coefficients.n_members(), 4);
//! # Ok::<(), assim::Error>(())
//! ```

use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use particle_core::ParticleSet;
use particle_core::advection_diffusion::AdvectionDiffusion1d;
use rayon::prelude::*;

use crate::analysis::{Coefficients, ObservationNoise};
use crate::distributed::{Blocks, Codec, Communicator, SingleProcess, Vectors, all_gather_members};
use crate::error::{Error, Result};
use crate::finite_difference::velocity_diffusion;
use crate::localisation::{GaspariCohn, LocalCoefficients};
use crate::schemes::Scheme;

/// Why a member's forecast or observation failed (wrapped with the member
/// index in [`Error::Forecast`] and [`Error::Observation`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A particle operation failed.
    #[error(transparent)]
    Particle(#[from] particle_core::Error),
    /// A parameter vector of the wrong length.
    #[error("the model needs {expected} parameters, got {found}")]
    ParameterCount {
        /// Number the model reads.
        expected: usize,
        /// Number given.
        found: usize,
    },
    /// A state of the wrong size.
    #[error("the state has length {found}, the model needs {expected}")]
    StateLength {
        /// Length the model needs.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// A parameter or horizon outside the model's physical range.
    #[error("{name} is outside its physical range: {value}")]
    NonPhysical {
        /// Which value.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A model setting refused at construction.
    #[error("{name} is invalid: {value}")]
    Invalid {
        /// Which setting.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The state blew up: a non-finite value at this node or particle.
    #[error("the state is not finite at node {node}: {value}")]
    NonFinite {
        /// Index of the first non-finite value.
        node: usize,
        /// The value there.
        value: f64,
    },
    /// The model's own solver refused its input or stopped (a blown-up
    /// flow, naming its step): that solver's error.
    #[error(transparent)]
    Solver(SolverError),
    /// An observation operator refused the state.
    #[error("observation {observation}: {reason}")]
    Observation {
        /// Index of the observation.
        observation: usize,
        /// Why.
        reason: &'static str,
    },
}

/// The error of a model's own solver, kept whole (its message, and its
/// source chain) inside [`ModelError::Solver`]. Equal when the messages
/// are.
#[derive(Debug, Clone)]
pub struct SolverError(Arc<dyn std::error::Error + Send + Sync>);

impl SolverError {
    /// Wrap a solver's error.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        SolverError(Arc::new(error))
    }

    /// The solver's error (downcast it to read its fields).
    pub fn get(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl std::fmt::Display for SolverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SolverError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for SolverError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

/// A forecast model a user can plug into [`EnsembleRunner::forecast`]:
/// one per member, so that a model may keep its own settings (a member's
/// viscosity) and scratch (grids, FFT plans) from one forecast to the
/// next. Members are forecast in parallel, each by its own model.
pub trait ForecastModel: Send {
    /// One member's state.
    type State: Send + Sync;

    /// Advance `state` by `horizon` with this member's `parameters`.
    ///
    /// # Errors
    /// Whatever the model refuses; the runner names the member. The state
    /// may then be partly advanced.
    fn forecast(
        &mut self,
        state: &mut Self::State,
        parameters: &[f64],
        horizon: f64,
    ) -> std::result::Result<(), ModelError>;

    /// The relative cost of forecasting `state` (for instance its number
    /// of particles): the runner starts the costliest members first, so
    /// that no long forecast starts last. Only the order of the work
    /// depends on it, never the results. All members cost the same unless
    /// a model says otherwise.
    fn cost(&self, _state: &Self::State) -> usize {
        1
    }
}

impl ForecastModel for AdvectionDiffusion1d {
    type State = ParticleSet<1>;

    /// `parameters = [v, D]`; the particles are checked finite afterwards.
    fn forecast(
        &mut self,
        state: &mut ParticleSet<1>,
        parameters: &[f64],
        horizon: f64,
    ) -> std::result::Result<(), ModelError> {
        let [velocity, diffusion] = velocity_diffusion(parameters)?;
        let next = AdvectionDiffusion1d::forecast(self, state, velocity, diffusion, horizon)?;
        next.check_finite()?;
        *state = next;
        Ok(())
    }

    fn cost(&self, state: &ParticleSet<1>) -> usize {
        state.len()
    }
}

/// One ensemble to forecast with [`EnsembleRunner::forecast_together`]:
/// its members and a model for each.
pub struct Forecast<'a, M: ForecastModel> {
    /// One model per member.
    pub models: &'a mut [M],
    /// The members.
    pub members: &'a mut Members<M::State>,
}

/// A member whose forecast is done ([`EnsembleRunner::forecast_together`]'s
/// progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forecasted {
    /// Index of the ensemble in the call.
    pub ensemble: usize,
    /// Index of the member in its ensemble.
    pub member: usize,
}

/// How a filter observes a state and updates all members with `F`.
pub trait Filter<S>: Sync {
    /// The predicted observations `H(z)` of one state.
    ///
    /// # Errors
    /// Whatever the observation operator refuses; the runner names the member.
    fn predict(&self, state: &S) -> std::result::Result<Vec<f64>, ModelError>;

    /// The analysed states `z_i^a` from the forecasts and `F` (eq. (2) or
    /// the filter's particle version of it).
    ///
    /// # Errors
    /// Errors naming the member whose update failed.
    fn update(&self, forecast: &[S], coefficients: &Coefficients) -> Result<Vec<S>>;

    /// The analysed states of `members` only (a rank's block in a
    /// distributed run, [`EnsembleRunner::analyse_distributed`]), the same
    /// bits as those members' states from [`Filter::update`]. By default
    /// the update of all members, cut to the block: a filter overrides it
    /// to compute only the block.
    ///
    /// # Errors
    /// As [`Filter::update`].
    fn update_members(
        &self,
        forecast: &[S],
        coefficients: &Coefficients,
        members: Range<usize>,
    ) -> Result<Vec<S>> {
        let mut all = self.update(forecast, coefficients)?;
        Ok(all.drain(members).collect())
    }
}

/// A filter whose states can be analysed locally
/// ([`crate::localisation`]): the locations of a state and their distances
/// to the observations. Locations are either shared by all members (the
/// components of a vector, the nodes of a grid: one set of local analyses
/// serves every member) or each member's own (its particles: member `i`'s
/// locations are analysed apart, and only their column `i` is used).
pub trait LocalFilter<S>: Filter<S> {
    /// Whether every member has the same locations.
    fn shared_locations(&self) -> bool;

    /// The number of locations of `state`.
    fn n_locations(&self, state: &S) -> usize;

    /// The distance from location `location` of `state` to observation
    /// `observation`.
    fn distance(&self, state: &S, location: usize, observation: usize) -> f64;

    /// The analysed states from the forecasts and the local coefficients:
    /// one [`LocalCoefficients`] if the locations are shared, else one per
    /// member over its own locations.
    ///
    /// # Errors
    /// Errors naming the member whose update failed.
    fn update_local(&self, forecast: &[S], coefficients: &[LocalCoefficients]) -> Result<Vec<S>>;
}

/// The ensemble: one state and one parameter vector per member
/// (`parameters[i]` may be empty when nothing is calibrated).
#[derive(Debug, Clone, PartialEq)]
pub struct Members<S> {
    /// States `z_i`.
    pub states: Vec<S>,
    /// Parameters `theta_i` (e.g. `[v_i, D_i]`), analysed with the states.
    pub parameters: Vec<Vec<f64>>,
}

impl<S> Members<S> {
    /// Members from states and parameter vectors of equal count and equal
    /// parameter length.
    ///
    /// # Errors
    /// [`Error::TooFewMembers`] for fewer than 2 members;
    /// [`Error::MemberCount`] if the counts differ; [`Error::MemberLength`]
    /// naming a member whose parameter vector is longer or shorter than
    /// member 0's; [`Error::NonFiniteMember`] for a non-finite parameter.
    pub fn new(states: Vec<S>, parameters: Vec<Vec<f64>>) -> Result<Self> {
        if states.len() < 2 {
            return Err(Error::TooFewMembers {
                found: states.len(),
            });
        }
        if parameters.len() != states.len() {
            return Err(Error::MemberCount {
                what: "parameter vectors",
                expected: states.len(),
                found: parameters.len(),
            });
        }
        let expected = parameters[0].len();
        for (member, theta) in parameters.iter().enumerate() {
            if theta.len() != expected {
                return Err(Error::MemberLength {
                    what: "parameter vectors",
                    member,
                    len: theta.len(),
                    expected,
                });
            }
            if let Some((component, &value)) =
                theta.iter().enumerate().find(|(_, v)| !v.is_finite())
            {
                return Err(Error::NonFiniteMember {
                    what: "parameter vectors",
                    member,
                    component,
                    value,
                });
            }
        }
        Ok(Self { states, parameters })
    }

    /// Number of members `N`.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Always false: construction refuses fewer than 2 members.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

/// What to do when an analysed parameter is below its bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OnViolation {
    /// Set it to the bound and report it.
    Clamp,
    /// Refuse the analysis with [`Error::NonPhysicalParameter`].
    Refuse,
}

/// A lower bound on one parameter after the analysis (e.g. `D >= 0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterBound {
    /// Index in the parameter vector.
    pub index: usize,
    /// Name for errors and reports.
    pub name: &'static str,
    /// The smallest admissible value.
    pub min: f64,
    /// The rule below `min`.
    pub on_violation: OnViolation,
}

/// An analysed parameter that was clamped to its bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clamped {
    /// Member index.
    pub member: usize,
    /// Parameter index.
    pub index: usize,
    /// The analysed value before clamping.
    pub value: f64,
}

/// What one analysis did besides updating the members.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisReport {
    /// The coefficients `F` of eq. (2).
    pub coefficients: Coefficients,
    /// Parameters clamped to their bounds, in member order.
    pub clamped: Vec<Clamped>,
}

/// Forecasts and analyses an ensemble; every random draw comes from the
/// scenario `seed`. On one process by default; over the ranks of a
/// [`Communicator`] ([`EnsembleRunner::with_ranks`]) in
/// [`EnsembleRunner::forecast_distributed`] and
/// [`EnsembleRunner::analyse_distributed`], with the same bits.
#[derive(Debug, Clone)]
pub struct EnsembleRunner {
    seed: u64,
    noise: ObservationNoise,
    scheme: Scheme,
    bounds: Vec<ParameterBound>,
    ranks: Arc<dyn Communicator>,
}

impl EnsembleRunner {
    /// A runner for data with noise covariance `noise`, drawing the
    /// perturbations from `seed`, analysing by paper 2's stochastic EnKF
    /// (`Scheme::default()`); no parameter bounds.
    pub fn new(seed: u64, noise: ObservationNoise) -> Self {
        Self {
            seed,
            noise,
            scheme: Scheme::default(),
            bounds: Vec::new(),
            ranks: Arc::new(SingleProcess),
        }
    }

    /// The same runner sharing its distributed forecasts and analyses out
    /// over the ranks of `ranks` ([`crate::distributed`]).
    pub fn with_ranks(self, ranks: Arc<dyn Communicator>) -> Self {
        Self { ranks, ..self }
    }

    /// The ranks this runner shares its work with ([`SingleProcess`]
    /// unless given).
    pub fn ranks(&self) -> &dyn Communicator {
        &*self.ranks
    }

    /// The same runner analysing by `scheme` (a method of
    /// [`crate::schemes`] and its inflation).
    pub fn with_scheme(self, scheme: Scheme) -> Self {
        Self { scheme, ..self }
    }

    /// The analysis scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The same runner with one more parameter bound.
    ///
    /// # Errors
    /// [`Error::NotFinite`] for a NaN or infinite bound.
    pub fn with_bound(mut self, bound: ParameterBound) -> Result<Self> {
        if !bound.min.is_finite() {
            return Err(Error::NotFinite {
                name: bound.name,
                value: bound.min,
            });
        }
        self.bounds.push(bound);
        Ok(self)
    }

    /// The scenario seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The observation noise `R`.
    pub fn noise(&self) -> &ObservationNoise {
        &self.noise
    }

    /// Advance every member by `horizon` with its own model and
    /// parameters, in parallel (rayon): [`EnsembleRunner::forecast_together`]
    /// for one ensemble.
    ///
    /// # Errors
    /// As [`EnsembleRunner::forecast_together`].
    pub fn forecast<M: ForecastModel>(
        &self,
        models: &mut [M],
        members: &mut Members<M::State>,
        horizon: f64,
    ) -> Result<()> {
        self.forecast_together(&mut [Forecast { models, members }], horizon, &mut |_| {})
    }

    /// Advance every member of every ensemble by `horizon`, each with its
    /// own model and parameters, all in one parallel loop (rayon, one task
    /// per member, the costliest first: see [`ForecastModel::cost`]).
    /// `done` is told of each member as its forecast ends, in the order
    /// they end (one call at a time, from whichever thread finished the
    /// member). Every member's forecast depends on its own model, state and
    /// parameters only, so the results are the same bits for any number of
    /// threads.
    ///
    /// # Errors
    /// [`Error::MemberCount`] if an ensemble has not one model per member;
    /// [`Error::Forecast`] naming the ensemble and member whose forecast
    /// failed (the lowest ensemble, then the lowest member, if several
    /// did; members may then be partly advanced).
    pub fn forecast_together<M: ForecastModel>(
        &self,
        ensembles: &mut [Forecast<'_, M>],
        horizon: f64,
        done: &mut (dyn FnMut(Forecasted) + Send),
    ) -> Result<()> {
        let all: Vec<Range<usize>> = ensembles.iter().map(|e| 0..e.members.len()).collect();
        self.forecast_members(ensembles, &all, horizon, done)
    }

    /// [`EnsembleRunner::forecast_together`] over the runner's ranks: each
    /// rank forecasts its block of every ensemble
    /// ([`crate::distributed::Blocks`]), then the blocks are gathered so
    /// that every rank holds every forecast member (sent as `codec`'s
    /// words). `done` is told of this rank's members only. The same bits as
    /// on one process.
    ///
    /// # Errors
    /// As [`EnsembleRunner::forecast_together`] on the rank whose member
    /// failed (its members are left as that says), [`Error::RankFailed`]
    /// on the others (their members are lost: the run is over);
    /// [`Error::MoreRanksThanMembers`]; [`Error::Communication`].
    pub fn forecast_distributed<M: ForecastModel>(
        &self,
        codec: &impl Codec<M::State>,
        ensembles: &mut [Forecast<'_, M>],
        horizon: f64,
        done: &mut (dyn FnMut(Forecasted) + Send),
    ) -> Result<()> {
        let ranks = &*self.ranks;
        let own = ensembles
            .iter()
            .map(|e| Blocks::own(e.members.len(), ranks))
            .collect::<Result<Vec<_>>>()?;
        let mut forecast = self.forecast_members(ensembles, &own, horizon, done);
        for (e, own) in ensembles.iter_mut().zip(own) {
            let n = e.members.len();
            // The others' states are replaced by the gather; on a failed
            // forecast the states stay as it left them.
            let own_states = forecast
                .clone()
                .map(|()| std::mem::take(&mut e.members.states).drain(own).collect());
            let gathered = all_gather_members(ranks, codec, n, own_states);
            forecast = forecast.and(gathered.map(|all| e.members.states = all));
        }
        forecast
    }

    /// The members `blocks[e]` of every ensemble `e` advanced by `horizon`.
    fn forecast_members<M: ForecastModel>(
        &self,
        ensembles: &mut [Forecast<'_, M>],
        blocks: &[Range<usize>],
        horizon: f64,
        done: &mut (dyn FnMut(Forecasted) + Send),
    ) -> Result<()> {
        for e in ensembles.iter() {
            if e.models.len() != e.members.len() {
                return Err(Error::MemberCount {
                    what: "forecast models",
                    expected: e.members.len(),
                    found: e.models.len(),
                });
            }
        }
        let mut work: Vec<_> = ensembles
            .iter_mut()
            .zip(blocks)
            .enumerate()
            .flat_map(|(ensemble, (e, block))| {
                let Members { states, parameters } = &mut *e.members;
                e.models
                    .iter_mut()
                    .zip(states.iter_mut().zip(parameters.iter()))
                    .enumerate()
                    .filter(|(member, _)| block.contains(member))
                    .map(move |(member, (model, (state, theta)))| {
                        let at = Forecasted { ensemble, member };
                        (at, model.cost(state), model, state, theta)
                    })
            })
            .collect();
        work.sort_by_key(|&(at, cost, ..)| (std::cmp::Reverse(cost), at.ensemble, at.member));
        let failed = Mutex::new(None::<(Forecasted, ModelError)>);
        let done = Mutex::new(done);
        work.into_par_iter()
            .with_max_len(1)
            .for_each(
                |(at, _, model, state, theta)| match model.forecast(state, theta, horizon) {
                    Ok(()) => (*lock(&done))(at),
                    Err(source) => {
                        let mut first = lock(&failed);
                        let key = |f: &Forecasted| (f.ensemble, f.member);
                        if first.as_ref().is_none_or(|(f, _)| key(&at) < key(f)) {
                            *first = Some((at, source));
                        }
                    }
                },
            );
        match failed.into_inner().unwrap_or_else(PoisonError::into_inner) {
            Some((at, source)) => Err(Error::Forecast {
                ensemble: at.ensemble,
                member: at.member,
                source,
            }),
            None => Ok(()),
        }
    }

    /// Analysis number `analysis` of `data` (eq. (2), or the runner's
    /// [`Scheme`]): states by the filter's update, parameters by `F`
    /// directly, then the bounds.
    ///
    /// # Errors
    /// [`Error::Observation`] naming a member whose prediction failed;
    /// the errors of [`crate::coefficients`] (mismatched sizes, non-finite data);
    /// the filter's update errors; [`Error::NonPhysicalParameter`] under
    /// [`OnViolation::Refuse`]. The members are unchanged on error.
    pub fn analyse<S, F: Filter<S>>(
        &self,
        filter: &F,
        members: &mut Members<S>,
        data: &[f64],
        analysis: usize,
    ) -> Result<AnalysisReport>
    where
        S: Send + Sync,
    {
        let all = 0..members.len();
        self.analyse_members(
            &SingleProcess,
            filter,
            members,
            data,
            analysis,
            all,
            |own| own,
        )
    }

    /// [`EnsembleRunner::analyse`] over the runner's ranks: each rank
    /// predicts its block's observations, the `N × K` predictions are
    /// gathered in member order, every rank computes the same `F`, each
    /// computes its block's analysed states ([`Filter::update_members`]),
    /// and the blocks are gathered (as `codec`'s words) so that every rank
    /// holds every analysed member; parameters are analysed on every rank.
    /// The same bits as on one process.
    ///
    /// # Errors
    /// As [`EnsembleRunner::analyse`] (the members are then unchanged) on
    /// every rank, or on the rank whose own block failed with
    /// [`Error::RankFailed`] on the others (every rank's members are then
    /// lost: the run is over); [`Error::MoreRanksThanMembers`];
    /// [`Error::Communication`].
    pub fn analyse_distributed<S, F: Filter<S>>(
        &self,
        codec: &impl Codec<S>,
        filter: &F,
        members: &mut Members<S>,
        data: &[f64],
        analysis: usize,
    ) -> Result<AnalysisReport>
    where
        S: Send + Sync,
    {
        let (ranks, n) = (&*self.ranks, members.len());
        let own = Blocks::own(n, ranks)?;
        let gather = |own| all_gather_members(ranks, codec, n, own);
        self.analyse_members(ranks, filter, members, data, analysis, own, gather)
    }

    /// The analysis with `own`'s predictions and states computed here and
    /// the others' gathered from `ranks` (`gather` for the states).
    #[allow(clippy::too_many_arguments)]
    fn analyse_members<S, F: Filter<S>>(
        &self,
        ranks: &dyn Communicator,
        filter: &F,
        members: &mut Members<S>,
        data: &[f64],
        analysis: usize,
        own: Range<usize>,
        gather: impl FnOnce(Result<Vec<S>>) -> Result<Vec<S>>,
    ) -> Result<AnalysisReport>
    where
        S: Send + Sync,
    {
        let n = members.len();
        let predicted = self.predict_members(filter, &members.states, own.clone());
        let predicted = all_gather_members(ranks, &Vectors, n, predicted)?;
        let f = self
            .scheme
            .coefficients(&predicted, data, &self.noise, self.seed, analysis)?;
        let states = gather(filter.update_members(&members.states, &f, own))?;
        let mut parameters = if members.parameters[0].is_empty() {
            members.parameters.clone()
        } else {
            f.apply_to(&members.parameters)?
        };
        let clamped = self.apply_bounds(&mut parameters)?;
        members.states = states;
        members.parameters = parameters;
        Ok(AnalysisReport {
            coefficients: f,
            clamped,
        })
    }

    /// Analysis number `analysis` of `data` by local analyses
    /// ([`crate::localisation`]): the runner's [`Scheme`] at every location
    /// of the filter's states, with the observations tapered by `taper`;
    /// returns the local coefficients (one set, or one per member: see
    /// [`LocalFilter`]). Every local analysis of one analysis number uses
    /// the same draws. Parameters are not analysed locally: the members
    /// must have none.
    ///
    /// # Errors
    /// [`Error::Observation`] naming a member whose prediction failed;
    /// [`Error::ParametersNotLocal`] if the members carry parameters; the
    /// errors of [`Scheme::local_coefficients`] and of the filter's update.
    /// The members are unchanged on error.
    pub fn analyse_local<S, F: LocalFilter<S>>(
        &self,
        filter: &F,
        members: &mut Members<S>,
        data: &[f64],
        analysis: usize,
        taper: &GaspariCohn,
    ) -> Result<Vec<LocalCoefficients>>
    where
        S: Send + Sync,
    {
        if !members.parameters[0].is_empty() {
            return Err(Error::ParametersNotLocal {
                count: members.parameters[0].len(),
            });
        }
        let predicted = self.predict(filter, &members.states)?;
        let at = |state: &S| {
            self.scheme.local_coefficients(
                &predicted,
                data,
                &self.noise,
                taper,
                filter.n_locations(state),
                |l, k| filter.distance(state, l, k),
                self.seed,
                analysis,
            )
        };
        let f = if filter.shared_locations() {
            vec![at(&members.states[0])?]
        } else {
            members.states.iter().map(at).collect::<Result<Vec<_>>>()?
        };
        members.states = filter.update_local(&members.states, &f)?;
        Ok(f)
    }

    /// Predicted observations of every member, in parallel.
    ///
    /// # Errors
    /// [`Error::Observation`] naming the lowest failing member.
    pub fn predict<S: Sync, F: Filter<S>>(
        &self,
        filter: &F,
        states: &[S],
    ) -> Result<Vec<Vec<f64>>> {
        self.predict_members(filter, states, 0..states.len())
    }

    /// Predicted observations of `members` of `states`, in parallel.
    fn predict_members<S: Sync, F: Filter<S>>(
        &self,
        filter: &F,
        states: &[S],
        members: Range<usize>,
    ) -> Result<Vec<Vec<f64>>> {
        let first = members.start;
        let predicted: Vec<std::result::Result<Vec<f64>, ModelError>> = states[members]
            .par_iter()
            .map(|s| filter.predict(s))
            .collect();
        predicted
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.map_err(|source| Error::Observation {
                    member: first + i,
                    source,
                })
            })
            .collect()
    }

    fn apply_bounds(&self, parameters: &mut [Vec<f64>]) -> Result<Vec<Clamped>> {
        let mut clamped = Vec::new();
        for (member, theta) in parameters.iter_mut().enumerate() {
            for bound in &self.bounds {
                let Some(value) = theta.get(bound.index).copied() else {
                    return Err(Error::MemberLength {
                        what: "parameter vectors (for a parameter bound)",
                        member,
                        len: theta.len(),
                        expected: bound.index + 1,
                    });
                };
                if value >= bound.min {
                    continue;
                }
                match bound.on_violation {
                    OnViolation::Clamp => {
                        theta[bound.index] = bound.min;
                        clamped.push(Clamped {
                            member,
                            index: bound.index,
                            value,
                        });
                    }
                    OnViolation::Refuse => {
                        return Err(Error::NonPhysicalParameter {
                            member,
                            name: bound.name,
                            value,
                            min: bound.min,
                        });
                    }
                }
            }
        }
        Ok(clamped)
    }
}

/// The value behind `mutex`, also after a panic elsewhere (a panicking
/// member stops the whole loop anyway; the value is still whole).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
