//! The 2D assimilation experiment of paper 2, Section 5, as an engine the
//! figures share: a truth and several ensembles of Vortex-In-Cell members
//! (free-running, Remesh-EnKF, Part-EnKF) advanced together window by
//! window, with the ensemble L2 error `e_omega` of every ensemble before
//! and after every analysis ([`Row`]).
//!
//! `cargo xtask reproduce fig18` runs it once with all three ensembles
//! (and checkpoints it); `fig19`–`fig21`, `fig23` and `fig24` run it for
//! every value of a swept parameter. The truth is simulated at a finer
//! `d_p` than the members (the scenario file says which). `e_omega = 1/N sum_i int (omega_i -
//! omega_gt)^2` is a midpoint rule on the quadrature cells, each field being
//! the `M4'` interpolant of its particles' projection.

mod checkpoint;
mod members;
mod run_store;
mod scenario;
pub mod sweep;

pub use checkpoint::{Checkpoints, Record, Records};
pub use members::{Flows, VicFilter, VicMember, whole_steps};
pub use run_store::RunStore;
pub use scenario::*;

use std::sync::{Arc, Mutex, PoisonError};

use assim::distributed::{Blocks, Communicator, Vectors, all_gather_members};
use assim::{EnsembleRunner, Forecast, Members, ObservationNoise, OnViolation, ParameterBound};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use validation::dipole_box::{DipoleBox, DipolePrior, noisy_observations};
use validation::norms::{CellGrid2d, EnsembleL2Error, ensemble_l2_error};
use vic_solver::{FlowState, Vic};

use crate::{Error, Warning};

/// Cut-off of the Gaussian in Part-EnKF's field evaluations (eq. 12).
pub const PART_TOLERANCE: f64 = 1e-6;

/// The experiment's parameters.
#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    /// The truth's dipole, viscosity and discretisation.
    pub truth: DipoleBox,
    /// The members' discretisation (their dipole and viscosity are drawn
    /// from [`Setup::prior`]).
    pub member: DipoleBox,
    /// The prior of the members' dipoles and viscosities.
    pub prior: DipolePrior,
    /// Ensemble size `N`.
    pub n_members: usize,
    /// Number of analyses (windows).
    pub analyses: usize,
    /// Length of an assimilation window.
    pub window: f64,
    /// Where the truth's velocity is observed (both components).
    pub points: Vec<[f64; 2]>,
    /// Standard deviation of the observation noise.
    pub sigma_obs: f64,
    /// Cells per side of the midpoint rule of `e_omega`.
    pub quadrature_cells: usize,
    /// Measurements of `e_omega` per window: at its end (before the
    /// analysis), and `outputs_per_window - 1` more at equal intervals
    /// within it ([`Stage::Between`]). Left out of the [`fingerprint`]
    /// when 1, so that runs without intermediate outputs keep theirs.
    #[serde(skip_serializing_if = "is_one")]
    pub outputs_per_window: usize,
    /// How the filters analyse. Left out of the [`fingerprint`] when it
    /// is the paper's, so that the paper's runs keep theirs.
    #[serde(skip_serializing_if = "Analysis::is_paper")]
    pub analysis: Analysis,
    /// Whether the members' viscosities are calibrated (parameter
    /// augmentation: each member carries `[nu_i]`, analysed with the same
    /// coefficients as its flow). Left out of the [`fingerprint`] when
    /// false, so that the paper's runs keep theirs.
    #[serde(skip_serializing_if = "is_false")]
    pub calibrate_viscosity: bool,
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Setup {
    /// The parameters of a (checked) scenario.
    pub fn new(experiment: &DipoleScenario) -> Self {
        let a = &experiment.assimilation;
        Setup {
            truth: experiment.truth_box(),
            member: experiment.member_box(),
            prior: experiment.prior(),
            n_members: a.n_members,
            analyses: a.analyses,
            window: a.window,
            points: experiment.observation_points(),
            sigma_obs: a.sigma_obs,
            quadrature_cells: a.quadrature_cells,
            outputs_per_window: experiment.outputs_per_window(),
            analysis: experiment.analysis,
            calibrate_viscosity: a.calibrate_viscosity,
        }
    }

    /// Refuse `outputs_per_window` unless the window splits into that many
    /// legs of whole steps of both discretisations (`steps_to` would
    /// round a leg silently).
    fn check_legs(&self) -> Result<(), Error> {
        let legs = self.outputs_per_window;
        let refuse = |why: String| Err(crate::scenario::bad("outputs_per_window", legs, &why));
        if legs == 0 {
            return refuse("must be at least 1 (the end of the window)".into());
        }
        let leg = self.window / legs as f64;
        for (name, dt) in [("truth", self.truth.dt), ("member", self.member.dt)] {
            if whole_steps(leg, dt).is_err() {
                return refuse(format!(
                    "a leg of {leg} (window {} / {legs}) is not a whole number of {name} steps of {dt}",
                    self.window
                ));
            }
        }
        Ok(())
    }

    /// Refuse a calibrated viscosity with local analyses, which analyse
    /// no parameters (a setup changed in code; scenario files are checked
    /// when read).
    fn check_calibration(&self) -> Result<(), Error> {
        if self.calibrate_viscosity && self.analysis.localisation.is_some() {
            return Err(crate::scenario::bad(
                "calibrate_viscosity",
                true,
                "cannot be combined with local analyses (analysis.localisation): they \
                 update no parameters",
            ));
        }
        Ok(())
    }

    /// Solver steps of one window: the truth's, and every member's of
    /// `ensembles` ensembles.
    pub fn steps_per_window(&self, ensembles: usize) -> u64 {
        let members = (ensembles * self.n_members) as u64;
        self.truth.steps_to(self.window) + members * self.member.steps_to(self.window)
    }
}

/// Which ensemble is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// No analysis: the prior ensemble run forward.
    FreeRun,
    /// Remesh-EnKF (eq. 11): the analysed field remeshed to fresh particles.
    RemeshEnkf,
    /// Part-EnKF (eq. 12): new strengths on each member's own particles.
    PartEnkf,
}

/// The three ensembles, in the order they are advanced in every window.
pub const FILTERS: [Filter; 3] = [Filter::FreeRun, Filter::RemeshEnkf, Filter::PartEnkf];

impl Filter {
    /// The ensemble's name in files (`free_run`, `remesh_enkf`,
    /// `part_enkf`).
    pub fn name(self) -> &'static str {
        match self {
            Filter::FreeRun => "free_run",
            Filter::RemeshEnkf => "remesh_enkf",
            Filter::PartEnkf => "part_enkf",
        }
    }
}

/// When an error is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// At `t = 0`, before any window.
    Prior,
    /// Within a window, at one of its intermediate output times
    /// ([`Setup::outputs_per_window`]).
    Between,
    /// At the end of a window, before its analysis.
    Forecast,
    /// Just after an analysis.
    Analysis,
}

impl Stage {
    /// The stage's name in files (`prior`, `between`, `forecast`,
    /// `analysis`).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Prior => "prior",
            Stage::Between => "between",
            Stage::Forecast => "forecast",
            Stage::Analysis => "analysis",
        }
    }
}

/// One line of `fig18.csv`: the error of one ensemble at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The ensemble.
    pub filter: Filter,
    /// Analyses done before the row's time (0 for the prior and within
    /// the first window; `k + 1` for the forecast and analysis rows at the
    /// end of window `k`).
    pub analysis: usize,
    /// The flows' time.
    pub time: f64,
    /// Before or after the analysis.
    pub stage: Stage,
    /// `e_omega`, the mean of `per_member`.
    pub e_omega: f64,
    /// `int (omega_i - omega_gt)^2` of each member.
    pub per_member: Vec<f64>,
    /// The mean number of particles of the members.
    pub mean_particles: f64,
    /// The mean and spread of the members' viscosities: their analysed
    /// values when they are calibrated ([`Setup::calibrate_viscosity`]),
    /// else their (constant) prior draws. `None` only in rows stored
    /// before it was recorded (a resumed run fills them in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viscosity: Option<Spread>,
}

impl Row {
    fn new(
        filter: Filter,
        analysis: usize,
        time: f64,
        stage: Stage,
        error: EnsembleL2Error,
        flows: &[FlowState],
        viscosity: Spread,
    ) -> Self {
        let particles = flows.iter().map(|s| s.particles.len() as f64).sum::<f64>();
        Row {
            filter,
            analysis,
            time,
            stage,
            e_omega: error.mean,
            per_member: error.per_member,
            mean_particles: particles / flows.len() as f64,
            viscosity: Some(viscosity),
        }
    }
}

/// The mean and standard deviation of one number over the members (the
/// ensemble's spread: normalised by `N - 1`, as the covariances of the
/// analysis, eq. (2)), summed in member order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// `(1/N) sum_i x_i`.
    pub mean: f64,
    /// `sqrt(1/(N-1) sum_i (x_i - mean)^2)` (0 for one member).
    pub sd: f64,
}

impl Spread {
    /// The mean and spread of `values` (`NaN` for none).
    pub fn of(values: &[f64]) -> Self {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let squares: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        Spread {
            mean,
            sd: (squares / (n - 1.0).max(1.0)).sqrt(),
        }
    }
}

/// How far a run has got: what the progress callbacks of
/// [`Experiment::advance_window`], [`run_checkpointed`] and the sweeps are
/// given each time more solver steps are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Solver steps done since the run began (the truth's and every
    /// member's; a resumed run counts the windows of its checkpoint as
    /// done).
    pub steps: u64,
    /// Solver steps of the whole run.
    pub total_steps: u64,
}

/// A run's step count and its caller's callback, told of every addition
/// one call at a time (members finish on any thread).
struct Reporter<'a> {
    inner: Mutex<(Progress, &'a mut (dyn FnMut(Progress) + Send))>,
}

impl<'a> Reporter<'a> {
    fn new(start: Progress, on_progress: &'a mut (dyn FnMut(Progress) + Send)) -> Self {
        Reporter {
            inner: Mutex::new((start, on_progress)),
        }
    }

    /// `steps` more done.
    fn add(&self, steps: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.0.steps += steps;
        let now = inner.0;
        (inner.1)(now);
    }
}

/// Everything a run has computed after `completed` analysis windows: what
/// a checkpoint holds, and all that a figure is made of.
#[derive(Debug, Clone)]
pub struct RunState {
    /// Windows completed.
    pub completed: usize,
    /// The truth's flow.
    pub truth: FlowState,
    /// The noisy data of every completed window.
    pub observations: Vec<Vec<f64>>,
    /// The truth's vorticity on the quadrature cells at `t = 0` and after
    /// every completed window.
    pub truth_fields: Vec<Vec<f64>>,
    /// Each ensemble's filter and members.
    pub ensembles: Vec<(Filter, Vec<FlowState>)>,
    /// Each ensemble's members' parameter vectors, in the order of
    /// `ensembles`: `[nu_i]` when the viscosity is calibrated
    /// ([`Setup::calibrate_viscosity`]), else empty (each member's
    /// viscosity is then its prior draw, kept in its solver).
    pub parameters: Vec<Vec<Vec<f64>>>,
    /// Every error measured, in time order.
    pub rows: Vec<Row>,
    /// The git revisions of the code that computed the windows, in order
    /// (more than one when a run was resumed after a change).
    pub revisions: Vec<String>,
}

/// The solvers of a run: the truth's and one per member and ensemble, so
/// that the truth and every member of every ensemble advance through a
/// window at once (solvers hold no state between steps: the first row also
/// serves the analyses and errors of every ensemble).
pub struct Experiment {
    /// The experiment's parameters.
    pub setup: Setup,
    seed: u64,
    quadrature: Quadrature,
    truth_vic: Vic,
    /// Each ensemble's members' solvers.
    members: Vec<Vec<VicMember>>,
    /// Each ensemble's filter (`None` for the free run).
    filters: Vec<Option<VicFilter>>,
    runner: EnsembleRunner,
    /// The members' prior draws of the viscosity (every ensemble's).
    prior_viscosities: Vec<f64>,
    /// What the windows advanced since the last
    /// [`Experiment::take_warnings`] have to tell (clamped viscosities).
    warnings: Vec<Warning>,
}

impl Experiment {
    /// The same experiment with its members' forecasts, analyses and errors
    /// shared out over `ranks` ([`assim::distributed`]): every rank runs
    /// the truth (redundantly: one flow beside `3 N` members, and no
    /// broadcast of it) and holds every member, and computes its block of
    /// each ensemble; the results are the same bits on any number of ranks.
    pub fn with_ranks(self, ranks: Arc<dyn Communicator>) -> Self {
        Experiment {
            runner: self.runner.with_ranks(ranks),
            ..self
        }
    }

    /// The solvers, and the progress of a run that has not started: the
    /// truth and every ensemble at `t = 0` (all ensembles from the same
    /// prior draws), with the prior rows.
    ///
    /// # Errors
    /// [`Error::Scenario`] naming `outputs_per_window` if the window does
    /// not split into that many legs of whole steps of the truth and the
    /// members (a setup changed in code; scenario files are checked when
    /// read); the solvers' and the norm's refusals.
    pub fn start(setup: Setup, seed: u64, filters: &[Filter]) -> Result<(Self, RunState), Error> {
        setup.check_legs()?;
        setup.check_calibration()?;
        let quadrature = Quadrature::new(setup.quadrature_cells)?;
        let (mut truth_vic, truth) = setup.truth.start()?;
        let draws: Vec<DipoleBox> = (0..setup.n_members)
            .map(|i| setup.prior.sample(seed, i, &setup.member))
            .collect();
        let (vics, prior): (Vec<Vic>, Vec<FlowState>) = draws
            .iter()
            .map(DipoleBox::start)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .unzip();
        let member = |vic| VicMember { vic };
        let mut rows = vec![vics.into_iter().map(member).collect::<Vec<_>>()];
        for _ in 1..filters.len() {
            rows.push(
                draws
                    .iter()
                    .map(|draw| Ok(member(draw.start()?.0)))
                    .collect::<Result<Vec<_>, Error>>()?,
            );
        }
        let prior_viscosities: Vec<f64> = draws.iter().map(|d| d.viscosity).collect();
        // Calibrated: each member's parameter vector is its prior draw,
        // which the analyses update and its solver takes before every
        // forecast; else none (the solver keeps its draw).
        let parameters: Vec<Vec<f64>> = prior_viscosities
            .iter()
            .map(|&nu| {
                if setup.calibrate_viscosity {
                    vec![nu]
                } else {
                    Vec::new()
                }
            })
            .collect();
        let truth_field = field_on(&mut truth_vic, &truth, &quadrature)?;
        let analyses = filters
            .iter()
            .map(|&f| VicFilter::of(f, &setup.points, &rows[0][0].vic, setup.member.eps_omega))
            .collect::<Result<_, _>>()?;
        let variances = vec![setup.sigma_obs * setup.sigma_obs; 2 * setup.points.len()];
        let mut runner = EnsembleRunner::new(seed, ObservationNoise::diagonal(&variances)?)
            .with_scheme(setup.analysis.scheme);
        if setup.calibrate_viscosity {
            runner = runner.with_bound(VISCOSITY_BOUND)?;
        }
        let mut experiment = Experiment {
            setup,
            seed,
            quadrature,
            truth_vic,
            members: rows,
            filters: analyses,
            runner,
            prior_viscosities,
            warnings: Vec::new(),
        };
        let error = experiment.ensemble_error(&prior, &truth_field)?;
        let viscosity = experiment.viscosity_spread(&parameters);
        let rows = filters
            .iter()
            .map(|&f| Row::new(f, 0, 0.0, Stage::Prior, error.clone(), &prior, viscosity))
            .collect();
        let progress = RunState {
            completed: 0,
            truth,
            observations: Vec::new(),
            truth_fields: vec![truth_field],
            ensembles: filters.iter().map(|&f| (f, prior.clone())).collect(),
            parameters: vec![parameters; filters.len()],
            rows,
            revisions: Vec::new(),
        };
        Ok((experiment, progress))
    }

    /// The mean and spread of the viscosities of members whose parameter
    /// vectors are `parameters`: member `i`'s is its parameter if it
    /// carries one (calibrated), else its prior draw.
    fn viscosity_spread(&self, parameters: &[Vec<f64>]) -> Spread {
        let viscosities: Vec<f64> = parameters
            .iter()
            .zip(&self.prior_viscosities)
            .map(|(theta, &prior)| theta.first().copied().unwrap_or(prior))
            .collect();
        Spread::of(&viscosities)
    }

    /// What the windows advanced since the last call have to tell the
    /// user although the run went on (members whose analysed viscosity
    /// was clamped to 0: [`Warning::ParameterClamped`]), in order.
    /// [`run_checkpointed`] hands them to [`Split::on_warning`] after
    /// every window.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// Check that a checkpoint's members carry the parameters this
    /// experiment's do (`[nu_i]` when calibrated, none otherwise), and
    /// give rows stored before the viscosity was recorded the prior
    /// draws' spread (what it was: such a run did not calibrate).
    fn adopt(&self, progress: &mut RunState, path: &std::path::Path) -> Result<(), Error> {
        let expected = usize::from(self.setup.calibrate_viscosity);
        let refuse = |reason: String| Error::Checkpoint {
            path: path.to_path_buf(),
            reason,
        };
        if progress.parameters.len() != progress.ensembles.len() {
            return Err(refuse(format!(
                "parameters of {} ensembles for {}",
                progress.parameters.len(),
                progress.ensembles.len()
            )));
        }
        for ((filter, flows), parameters) in progress.ensembles.iter().zip(&progress.parameters) {
            let fits = parameters.len() == flows.len()
                && parameters.iter().all(|theta| theta.len() == expected);
            if !fits {
                return Err(refuse(format!(
                    "its {} members do not carry {expected} parameter(s) each, as \
                     assimilation.calibrate_viscosity = {} needs; start a new run",
                    filter.name(),
                    self.setup.calibrate_viscosity
                )));
            }
        }
        let missing = progress.rows.iter().any(|r| r.viscosity.is_none());
        if missing {
            if self.setup.calibrate_viscosity {
                return Err(refuse(
                    "rows without the members' viscosity in a calibrated run; start a new run"
                        .into(),
                ));
            }
            let prior = Spread::of(&self.prior_viscosities);
            for row in progress.rows.iter_mut().filter(|r| r.viscosity.is_none()) {
                row.viscosity = Some(prior);
            }
        }
        Ok(())
    }

    /// Window `k = progress.completed`: the truth and every ensemble's
    /// forecast at once (all members of all ensembles in parallel beside
    /// the truth), in [`Setup::outputs_per_window`] legs with each
    /// ensemble's error after every leg but the last ([`Stage::Between`]);
    /// then each ensemble's errors and (for the filters) its analysis, in
    /// ensemble order. Every ensemble starts from the same prior, so the
    /// first window's forecast is computed once and copied before the
    /// first analysis (an ensemble's rows do not depend on which ensembles
    /// run beside it). A forecast in legs is the same bits as in one go.
    /// `on_progress` is told how far the whole run is (all
    /// `setup.analyses` windows) each time more steps are done.
    pub fn advance_window(
        &mut self,
        progress: &mut RunState,
        on_progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), Error> {
        let k = progress.completed;
        let reporter = Reporter::new(self.progress_of(progress), on_progress);
        let on_steps = |n| reporter.add(n);
        let (window, members) = (self.setup.window, self.setup.n_members as u64);
        let legs = self.setup.outputs_per_window;
        // Every ensemble starts from the same prior: its first forecast is
        // computed once and copied before any analysis changes it.
        let shared_first = k == 0 && progress.ensembles.len() > 1;
        let forecasting = if shared_first {
            1
        } else {
            progress.ensembles.len()
        };
        let mut ensembles: Vec<Members<FlowState>> = progress.ensembles[..forecasting]
            .iter_mut()
            .zip(&progress.parameters)
            .map(|((_, flows), parameters)| Members {
                states: std::mem::take(flows),
                parameters: parameters.clone(),
            })
            .collect();
        let filters: Vec<Filter> = progress.ensembles.iter().map(|&(f, _)| f).collect();
        let mut forecast = Ok(());
        for leg in 1..=legs {
            let truth = &mut progress.truth;
            forecast = self.forecast_leg(truth, &mut ensembles, window / legs as f64, &on_steps);
            if forecast.is_ok() && leg < legs {
                let time = (k as f64 + leg as f64 / legs as f64) * window;
                forecast = self
                    .between_rows(truth, &filters, &ensembles, k, time)
                    .map(|rows| progress.rows.extend(rows));
            }
            if forecast.is_err() {
                break;
            }
        }
        for ((_, flows), members) in progress.ensembles.iter_mut().zip(ensembles) {
            *flows = members.states;
        }
        forecast?;
        if shared_first {
            let (first, rest) = progress.ensembles.split_at_mut(1);
            for (_, flows) in rest {
                flows.clone_from(&first[0].1);
                on_steps(self.setup.member.steps_to(window) * members);
            }
            let (first, rest) = progress.parameters.split_at_mut(1);
            for parameters in rest {
                parameters.clone_from(&first[0]);
            }
        }
        let setup = &self.setup;
        let time = (k + 1) as f64 * setup.window;
        let velocity = self
            .truth_vic
            .velocity_at(&progress.truth.particles, &setup.points)?;
        progress
            .observations
            .push(noisy_observations(&velocity, setup.sigma_obs, self.seed, k));
        let truth_field = field_on(&mut self.truth_vic, &progress.truth, &self.quadrature)?;

        for e in 0..progress.ensembles.len() {
            let filter = progress.ensembles[e].0;
            let error = self.ensemble_error(&progress.ensembles[e].1, &truth_field)?;
            let flows = &mut progress.ensembles[e].1;
            let parameters = &mut progress.parameters[e];
            let viscosity = self.viscosity_spread(parameters);
            progress.rows.push(Row::new(
                filter,
                k + 1,
                time,
                Stage::Forecast,
                error,
                flows,
                viscosity,
            ));
            if let Some(analysis) = &self.filters[e] {
                // The parameters (calibrated viscosities) are analysed
                // with the flows, by the same coefficients.
                let mut members = Members {
                    states: std::mem::take(flows),
                    parameters: std::mem::take(parameters),
                };
                let data = &progress.observations[k];
                // Local analyses are not shared out over ranks: every rank
                // holds every member and computes them whole. They
                // analyse no parameters (a calibrated setup is refused).
                let analysed = match &self.setup.analysis.localisation {
                    None => self
                        .runner
                        .analyse_distributed(&Flows, analysis, &mut members, data, k)
                        .map(|report| report.clamped),
                    Some(taper) => self
                        .runner
                        .analyse_local(analysis, &mut members, data, k, taper)
                        .map(|_| Vec::new()),
                };
                *flows = members.states;
                *parameters = members.parameters;
                let clamped = analysed?;
                if !clamped.is_empty() {
                    self.warnings.push(Warning::ParameterClamped {
                        ensemble: filter.name(),
                        analysis: k + 1,
                        parameter: VISCOSITY_BOUND.name,
                        bound: VISCOSITY_BOUND.min,
                        members: clamped.iter().map(|c| (c.member, c.value)).collect(),
                    });
                }
                let error = self.ensemble_error(flows, &truth_field)?;
                let viscosity = self.viscosity_spread(parameters);
                progress.rows.push(Row::new(
                    filter,
                    k + 1,
                    time,
                    Stage::Analysis,
                    error,
                    flows,
                    viscosity,
                ));
            }
        }
        progress.truth_fields.push(truth_field);
        progress.completed = k + 1;
        Ok(())
    }

    /// The rows at `time` within window `k` of the ensembles `filters`,
    /// whose members are `ensembles` (one for all in a shared first
    /// window).
    fn between_rows(
        &mut self,
        truth: &FlowState,
        filters: &[Filter],
        ensembles: &[Members<FlowState>],
        k: usize,
        time: f64,
    ) -> Result<Vec<Row>, Error> {
        let truth_field = field_on(&mut self.truth_vic, truth, &self.quadrature)?;
        let errors = ensembles
            .iter()
            .map(|members| self.ensemble_error(&members.states, &truth_field))
            .collect::<Result<Vec<_>, _>>()?;
        // In a shared first window every ensemble is the first one.
        let last = ensembles.len() - 1;
        Ok(filters
            .iter()
            .enumerate()
            .map(|(e, &filter)| {
                let (error, members) = (errors[e.min(last)].clone(), &ensembles[e.min(last)]);
                let viscosity = self.viscosity_spread(&members.parameters);
                Row::new(
                    filter,
                    k,
                    time,
                    Stage::Between,
                    error,
                    &members.states,
                    viscosity,
                )
            })
            .collect())
    }

    /// The truth and the members of `ensembles` advanced by `horizon` (a
    /// whole number of both discretisations' steps), all at once.
    fn forecast_leg(
        &mut self,
        truth: &mut FlowState,
        ensembles: &mut [Members<FlowState>],
        horizon: f64,
        on_steps: &(dyn Fn(u64) + Sync),
    ) -> Result<(), Error> {
        let member_steps = self.setup.member.steps_to(horizon);
        let truth_steps = self.setup.truth.steps_to(horizon);
        let (truth_vic, models, runner) = (&mut self.truth_vic, &mut self.members, &self.runner);
        let (truth, forecast) = rayon::join(
            || truth_vic.advance(truth, truth_steps, |_| on_steps(1)),
            || {
                let mut jobs: Vec<Forecast<'_, VicMember>> = models
                    .iter_mut()
                    .zip(ensembles.iter_mut())
                    .map(|(models, members)| Forecast { models, members })
                    .collect();
                let done = &mut |_| on_steps(member_steps);
                runner.forecast_distributed(&Flows, &mut jobs, horizon, done)
            },
        );
        truth?;
        Ok(forecast?)
    }

    /// How far a run with `progress`'s ensembles is at its start of
    /// window `progress.completed`.
    pub fn progress_of(&self, progress: &RunState) -> Progress {
        let per_window = self.setup.steps_per_window(progress.ensembles.len());
        Progress {
            steps: per_window * progress.completed as u64,
            total_steps: per_window * self.setup.analyses as u64,
        }
    }

    /// `e_omega` of an ensemble against the truth's field: each rank
    /// integrates its block's members, and the per-member terms (one word
    /// each) are gathered in member order.
    fn ensemble_error(
        &mut self,
        flows: &[FlowState],
        truth_field: &[f64],
    ) -> Result<EnsembleL2Error, Error> {
        let quadrature = &self.quadrature;
        let ranks = self.runner.ranks();
        let own = Blocks::own(flows.len(), ranks)?;
        let terms = self.members[0][own.clone()]
            .par_iter_mut()
            .zip(flows[own].par_iter())
            .map(|(member, state)| field_on(&mut member.vic, state, quadrature))
            .collect::<Result<Vec<_>, Error>>()
            .and_then(|fields| Ok(ensemble_l2_error(&quadrature.cells, &fields, truth_field)?))
            .map(|error| {
                error
                    .per_member
                    .into_iter()
                    .map(|term| vec![term])
                    .collect()
            });
        // A failure here is told to the other ranks, and reported as itself.
        let (own, failure) = match terms {
            Ok(terms) => (Ok(terms), None),
            Err(e) => (
                Err(assim::Error::RankFailed { rank: ranks.rank() }),
                Some(e),
            ),
        };
        let terms = all_gather_members(ranks, &Vectors, flows.len(), own);
        if let Some(e) = failure {
            return Err(e);
        }
        let terms = terms?.into_iter().flatten().collect();
        Ok(EnsembleL2Error::of_terms(terms))
    }

    /// The vorticity of member `member`'s flow `state` on the quadrature
    /// cells (row-major, `y` slowest).
    pub fn member_field(&mut self, member: usize, state: &FlowState) -> Result<Vec<f64>, Error> {
        field_on(&mut self.members[0][member].vic, state, &self.quadrature)
    }
}

/// The bound of a calibrated viscosity: an analysis that takes a
/// member's below 0 sets it to 0 (inviscid) and says so
/// ([`Warning::ParameterClamped`]).
pub const VISCOSITY_BOUND: ParameterBound = ParameterBound {
    index: 0,
    name: "viscosity nu",
    min: 0.0,
    on_violation: OnViolation::Clamp,
};

/// The midpoint rule of `e_omega`: its cells and their centres, row-major
/// (`y` slowest).
struct Quadrature {
    cells: CellGrid2d,
    centres: [Vec<f64>; 2],
}

impl Quadrature {
    /// `side x side` cells over the box.
    fn new(side: usize) -> Result<Self, Error> {
        let cells = CellGrid2d::new(
            [0.0, 0.0],
            [DipoleBox::LENGTH, DipoleBox::LENGTH],
            [side, side],
        )?;
        let (xs, ys) = (cells.xs(), cells.ys());
        let centres = [
            ys.iter().flat_map(|_| xs.iter().copied()).collect(),
            ys.iter().flat_map(|&y| xs.iter().map(move |_| y)).collect(),
        ];
        Ok(Quadrature { cells, centres })
    }
}

/// The vorticity of a flow at the quadrature cell centres (the grid field
/// of its particles, sampled at every centre in one pass).
fn field_on(vic: &mut Vic, state: &FlowState, quadrature: &Quadrature) -> Result<Vec<f64>, Error> {
    let nodes = vic.vorticity(&state.particles)?;
    let [xs, ys] = &quadrature.centres;
    let mut values = vec![[0.0]; xs.len()];
    nodes
        .grid()
        .sample_many([nodes.values()], [xs, ys], &mut values)?;
    Ok(values.into_iter().map(|[v]| v).collect())
}

/// The rows of one ensemble, in time order.
pub fn rows_of(rows: &[Row], filter: Filter) -> Vec<Row> {
    rows.iter()
        .filter(|r| r.filter == filter)
        .cloned()
        .collect()
}

/// The errors of one ensemble at one stage, in time order.
pub fn errors(rows: &[Row], filter: Filter, stage: Stage) -> Vec<f64> {
    rows.iter()
        .filter(|r| r.filter == filter && r.stage == stage)
        .map(|r| r.e_omega)
        .collect()
}

/// Version of the [`fingerprint`]'s form: raised when what determines a
/// run's numbers is serialised differently (2: the quantities renamed to
/// one name across crates, `eps_omega`, `eps_over_dp`, `n_members`).
pub const FINGERPRINT_VERSION: u32 = 2;

/// What identifies a run's results: everything in the setup, the seed and
/// the filters, serialised as JSON (floats exactly, field by field) with
/// [`FINGERPRINT_VERSION`]. Saved results are reused only by a run with the
/// same one.
pub fn fingerprint(setup: &Setup, seed: u64, filters: &[Filter]) -> String {
    #[derive(Serialize)]
    struct Key<'a> {
        version: u32,
        setup: &'a Setup,
        seed: u64,
        filters: &'a [Filter],
    }
    serde_json::to_string(&Key {
        version: FINGERPRINT_VERSION,
        setup,
        seed,
        filters,
    })
    .expect("a setup of numbers serialises")
}

/// Where a long run keeps its checkpoints and how far this invocation goes.
pub struct Split<'a> {
    /// Where the checkpoints are.
    pub checkpoints: &'a Checkpoints,
    /// Continue from the newest checkpoint instead of starting over.
    pub resume: bool,
    /// Stop once this many windows are complete.
    pub stop_at: usize,
    /// The revision of the code running, recorded with the results (see
    /// [`RunStore::new`]).
    pub revision: &'a str,
    /// Told when the run resumes a checkpoint of another revision
    /// ([`Warning::OtherRevision`]): the run goes on, with both revisions
    /// in [`RunState::revisions`].
    pub on_warning: &'a dyn Fn(&Warning),
    /// The ranks the run is shared out over ([`Experiment::with_ranks`]);
    /// rank 0 alone writes the checkpoints, every rank resumes from them.
    pub ranks: Arc<dyn Communicator>,
}

/// A run of `filters` window by window with a checkpoint after each one
/// (the long runs: `fig18` and every value of a sweep).
///
/// With `split.resume` the run continues from the newest checkpoint, which
/// must have been written for the same setup, seed and filters; otherwise
/// old checkpoints are removed and the run starts from the prior. It stops
/// once `split.stop_at` windows are complete (or all of them), calling
/// `after_window` with the progress after every window. The newest
/// checkpoint is kept, also that of a finished run, which a resume returns
/// at once: the caller removes it ([`Checkpoints::clear`]) once it has
/// kept the run's results, so that a failure on the way (a full disk)
/// loses nothing. `on_progress` is told how far the run is, first at its
/// start (a resumed run's checkpoint counts as done), then as steps are
/// done. A checkpoint of another revision is resumed with a warning
/// ([`Split::on_warning`]).
///
/// # Errors
/// This crate's [`Error`] (converted to `E`) for a checkpoint that cannot
/// be written or resumed, or a flow or analysis that fails; `after_window`'s
/// own errors.
pub fn run_checkpointed<E: From<Error>>(
    setup: Setup,
    seed: u64,
    filters: &[Filter],
    split: &Split,
    on_progress: &mut (dyn FnMut(Progress) + Send),
    mut after_window: impl FnMut(&RunState) -> Result<(), E>,
) -> Result<RunState, E> {
    let fingerprint = fingerprint(&setup, seed, filters);
    let checkpoints = split.checkpoints;
    // More ranks than members is refused before any work.
    Blocks::new(setup.n_members, split.ranks.size()).map_err(Error::from)?;
    let writer = split.ranks.rank() == 0;
    if !split.resume && writer {
        checkpoints.clear()?;
    }
    let (experiment, fresh) = Experiment::start(setup, seed, filters)?;
    let mut experiment = experiment.with_ranks(Arc::clone(&split.ranks));
    let mut progress = if split.resume {
        let mut progress = checkpoints.load(&fingerprint)?;
        let path = checkpoints.directory(progress.completed);
        experiment.adopt(&mut progress, &path)?;
        progress
    } else {
        fresh
    };
    if progress.revisions.last().map(String::as_str) != Some(split.revision) {
        if split.resume {
            (split.on_warning)(&Warning::OtherRevision {
                path: checkpoints.directory(progress.completed),
                recorded: progress.revisions.clone(),
                running: split.revision.to_string(),
            });
        }
        progress.revisions.push(split.revision.to_string());
    }
    let last = split.stop_at.min(experiment.setup.analyses);
    on_progress(experiment.progress_of(&progress));
    while progress.completed < last {
        experiment.advance_window(&mut progress, on_progress)?;
        for warning in experiment.take_warnings() {
            (split.on_warning)(&warning);
        }
        if writer {
            checkpoints.save(&progress, &fingerprint)?;
        }
        after_window(&progress)?;
    }
    Ok(progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_apart_setups_one_bit_apart() {
        let setup = Setup::new(&DipoleScenario::quick().unwrap());
        let key = fingerprint(&setup, 1, &FILTERS);
        assert_eq!(key, fingerprint(&setup.clone(), 1, &FILTERS));
        assert!(key.starts_with(&format!("{{\"version\":{FINGERPRINT_VERSION},")));
        let mut nudged = setup.clone();
        nudged.member.dt = f64::from_bits(nudged.member.dt.to_bits() + 1);
        assert_ne!(key, fingerprint(&nudged, 1, &FILTERS));
        let mut moved = setup.clone();
        moved.points[3][1] = f64::from_bits(moved.points[3][1].to_bits() - 1);
        assert_ne!(key, fingerprint(&moved, 1, &FILTERS));
        assert_ne!(key, fingerprint(&setup, 2, &FILTERS));
        assert_ne!(key, fingerprint(&setup, 1, &FILTERS[..2]));
    }
}
