//! The standard data-assimilation benchmarks: twin experiments on
//! Lorenz-63 and Lorenz-96 with the analysis schemes of
//! [`assim::schemes`], scored as the literature scores them.
//!
//! A [`Twin`] is a system, a chronology (step `dt`, an observation every
//! `steps_per_observation` steps), an observation network (all variables,
//! noise variance `r`), an initial distribution and a number of cycles, of
//! which the first `burn_in` are left out of the scores. The two published
//! set-ups are [`Twin::sakov2012`] (Lorenz-63 as in Sakov, Oliver &
//! Bertino 2012: `dt = 0.01`, every 25 steps, `R = 2 I`) and
//! [`Twin::sakov2008`] (Lorenz-96 as in Sakov & Oke 2008: 40 variables,
//! `F = 8`, `dt = 0.05`, every step, `R = I`); their initial distributions
//! are those of DAPPER's `Lorenz63/sakov2012.py` and `Lorenz96/sakov2008.py`
//! (`N(x0, 2 I)` and `N(e_1, 0.001 I)`).
//!
//! [`run`] draws the truth's initial state from
//! `member_stream(seed, TRUTH_STREAM, Prior)` and member `i`'s from
//! `member_stream(seed, i, Prior)`, the noise of observation `k` from
//! `member_stream(seed, OBSERVATION_STREAM, Observation(k))`, forecasts the
//! members with [`assim::EnsembleRunner`] and analyses them by the given
//! [`Scheme`], globally or localised ([`Localisation`]: local analyses, or
//! covariance tapering for the stochastic EnKF; a Gaspari–Cohn taper over
//! the distance between variables, around the ring for Lorenz-96), then
//! relaxes to the prior spread if asked. After every
//! analysis it records
//!
//! * the **RMSE** `sqrt(1/n sum_c (zbar^a_c - x_c)^2)` of the analysis mean
//!   against the truth, and
//! * the **spread** `sqrt(1/n sum_c var_c)` of the analysis ensemble
//!   (variances normalised by `N - 1`),
//!
//! and [`Scores`] averages both over the cycles after the burn-in (DAPPER's
//! `rmse.a` and `rmv.a`) with a 90 % interval by batch means: the cycles
//! are cut into 20 consecutive batches, whose means are treated as
//! independent (`mean ± t_{0.95, 19} s / sqrt(20)`). It also counts the
//! batches whose mean RMSE exceeds the observation error
//! (`diverged_batches`): a filter run near its stability limit (little
//! inflation, few members) can lose the truth after thousands of good
//! cycles, and those cycles then dominate its average.
//!
//! ```
//! use assim::{Inflation, Method, Scheme};
//! use experiments::benchmarks::{Filtering, Twin, run};
//!
//! let twin = Twin::sakov2012().with_cycles(600, 100)?;
//! let scheme = Scheme::new(Method::Etkf).with_inflation(Inflation::Posterior(1.02))?;
//! let filtering = Filtering { scheme, rtps: None, n_members: 10, localisation: None };
//! let scores = run(&twin, &filtering, 3)?;
//! // Far below the observation error sqrt(2) and the climatology (about 8).
//! assert!(scores.rmse.mean < 1.0);
//! # Ok::<(), experiments::Error>(())
//! ```

use assim::models::{Lorenz63, Lorenz96, ObservedComponents};
use assim::rng::{Stream, member_stream};
use assim::{
    EnsembleRunner, GaspariCohn, Inflation, Members, Method, ObservationNoise, Scheme,
    relax_to_prior_spread,
};
use rand_distr::{Distribution, StandardNormal};
use validation::dipole_box::OBSERVATION_STREAM;

use crate::error::{Error, Result};

/// The member index of the truth's random stream.
pub const TRUTH_STREAM: usize = usize::MAX - 1;

/// The number of batches of the batch-means interval.
pub const BATCHES: usize = 20;

/// `t_{0.95}` of Student's law with `BATCHES - 1 = 19` degrees of freedom:
/// the two-sided 90 % interval.
const T_95_19: f64 = 1.729_132_811_521_367;

/// The dynamical system of a twin experiment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum System {
    /// Lorenz-63 with `σ = 10`, `ρ = 28`, `β = 8/3`.
    Lorenz63,
    /// Lorenz-96 with `n` variables and forcing `F`.
    Lorenz96 {
        /// The number of variables.
        n: usize,
        /// The forcing `F`.
        forcing: f64,
    },
}

impl System {
    /// The number of state variables.
    pub fn len(&self) -> usize {
        match self {
            System::Lorenz63 => 3,
            System::Lorenz96 { n, .. } => *n,
        }
    }

    /// Whether the state is empty (never, for a valid system).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A short name: `lorenz63`, `lorenz96`.
    pub fn name(&self) -> &'static str {
        match self {
            System::Lorenz63 => "lorenz63",
            System::Lorenz96 { .. } => "lorenz96",
        }
    }
}

/// A twin experiment's set-up; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Twin {
    /// The system.
    pub system: System,
    /// The Runge–Kutta step.
    pub dt: f64,
    /// Steps between two observations.
    pub steps_per_observation: usize,
    /// The noise variance of every observation (`R = r I`).
    pub observation_variance: f64,
    /// The mean of the initial distribution (truth and members).
    pub initial_mean: Vec<f64>,
    /// The variance of the initial distribution (`C = c I`).
    pub initial_variance: f64,
    /// Analysis cycles in all.
    pub cycles: usize,
    /// The first cycles, left out of the scores.
    pub burn_in: usize,
}

impl Twin {
    /// Lorenz-63 as in Sakov, Oliver & Bertino (2012): `dt = 0.01`, all
    /// three variables observed every 25 steps with `R = 2 I`, initial
    /// distribution `N((1.509, -1.531, 25.46), 2 I)`; 10 000 cycles of
    /// which 400 are burn-in.
    pub fn sakov2012() -> Self {
        Self {
            system: System::Lorenz63,
            dt: 0.01,
            steps_per_observation: 25,
            observation_variance: 2.0,
            initial_mean: vec![1.509, -1.531, 25.46],
            initial_variance: 2.0,
            cycles: 10_000,
            burn_in: 400,
        }
    }

    /// Lorenz-96 as in Sakov & Oke (2008): 40 variables, `F = 8`,
    /// `dt = 0.05`, all variables observed every step with `R = I`,
    /// initial distribution `N(e_1, 0.001 I)`; 10 000 cycles of which
    /// 1 000 are burn-in.
    pub fn sakov2008() -> Self {
        let mut initial_mean = vec![0.0; 40];
        initial_mean[0] = 1.0;
        Self {
            system: System::Lorenz96 {
                n: 40,
                forcing: 8.0,
            },
            dt: 0.05,
            steps_per_observation: 1,
            observation_variance: 1.0,
            initial_mean,
            initial_variance: 0.001,
            cycles: 10_000,
            burn_in: 1_000,
        }
    }

    /// The same set-up with `cycles` cycles of which `burn_in` are burn-in.
    ///
    /// # Errors
    /// As [`Twin::validate`].
    pub fn with_cycles(self, cycles: usize, burn_in: usize) -> Result<Self> {
        let twin = Self {
            cycles,
            burn_in,
            ..self
        };
        twin.validate()?;
        Ok(twin)
    }

    /// The time between two observations.
    pub fn window(&self) -> f64 {
        self.dt * self.steps_per_observation as f64
    }

    /// Checks every setting; an error names it.
    ///
    /// # Errors
    /// [`Error::Scenario`] naming the setting: a system of fewer than 4
    /// Lorenz-96 variables or a non-finite forcing, a step that is not
    /// positive and finite, no steps between observations, a variance that
    /// is not positive and finite, an initial mean of the wrong length or
    /// with a non-finite entry, or fewer than [`BATCHES`] cycles after the
    /// burn-in.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, value: String, message: &str| {
            Err(Error::Scenario {
                file: None,
                key: key.into(),
                value: Some(value),
                message: message.into(),
            })
        };
        if let System::Lorenz96 { n, forcing } = self.system {
            if n < 4 {
                return bad(
                    "system.n",
                    n.to_string(),
                    "Lorenz-96 needs at least 4 variables",
                );
            }
            if !forcing.is_finite() {
                return bad("system.forcing", forcing.to_string(), "must be finite");
            }
        }
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return bad("dt", self.dt.to_string(), "must be positive and finite");
        }
        if self.steps_per_observation == 0 {
            return bad("steps_per_observation", "0".into(), "must be at least 1");
        }
        for (key, v) in [
            ("observation_variance", self.observation_variance),
            ("initial_variance", self.initial_variance),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(key, v.to_string(), "must be positive and finite");
            }
        }
        if self.initial_mean.len() != self.system.len() {
            return bad(
                "initial_mean",
                format!("{} values", self.initial_mean.len()),
                &format!("must have one value per variable ({})", self.system.len()),
            );
        }
        if let Some(v) = self.initial_mean.iter().find(|v| !v.is_finite()) {
            return bad("initial_mean", v.to_string(), "must be finite");
        }
        if self.cycles < self.burn_in + BATCHES {
            return bad(
                "cycles",
                self.cycles.to_string(),
                &format!(
                    "must leave at least {BATCHES} cycles after the burn-in of {}",
                    self.burn_in
                ),
            );
        }
        Ok(())
    }

    /// A model of the system (one per member).
    fn model(&self) -> Result<Model> {
        let refused = |e: assim::ModelError| Error::Scenario {
            file: None,
            key: "system".into(),
            value: None,
            message: e.to_string(),
        };
        Ok(match self.system {
            System::Lorenz63 => Model::L63(Lorenz63::standard(self.dt).map_err(refused)?),
            System::Lorenz96 { n, forcing } => {
                Model::L96(Lorenz96::new(n, forcing, self.dt).map_err(refused)?)
            }
        })
    }

    /// A draw of the initial distribution from `member`'s prior stream.
    fn initial(&self, seed: u64, member: usize) -> Vec<f64> {
        let mut rng = member_stream(seed, member, Stream::Prior);
        let s = self.initial_variance.sqrt();
        self.initial_mean
            .iter()
            .map(|m| {
                let xi: f64 = StandardNormal.sample(&mut rng);
                m + s * xi
            })
            .collect()
    }
}

/// Either system's model, as one [`assim::ForecastModel`].
#[derive(Debug, Clone)]
enum Model {
    L63(Lorenz63),
    L96(Lorenz96),
}

impl assim::ForecastModel for Model {
    type State = Vec<f64>;

    fn forecast(
        &mut self,
        state: &mut Vec<f64>,
        parameters: &[f64],
        horizon: f64,
    ) -> std::result::Result<(), assim::ModelError> {
        match self {
            Model::L63(m) => m.forecast(state, parameters, horizon),
            Model::L96(m) => m.forecast(state, parameters, horizon),
        }
    }
}

/// How the ensemble is filtered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Filtering {
    /// The analysis scheme (method and inflation).
    pub scheme: Scheme,
    /// Relaxation to prior spread after the analysis, with this weight.
    pub rtps: Option<f64>,
    /// The ensemble size `N`.
    pub n_members: usize,
    /// Localisation, the distance between variables counted in sites
    /// (around the ring for Lorenz-96); a global analysis if `None`.
    pub localisation: Option<Localisation>,
}

/// How the analysis is localised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Localisation {
    /// Local analyses with this taper on `R^{-1}` (the LETKF with the
    /// ETKF; any scheme).
    LocalAnalysis(GaspariCohn),
    /// The stochastic EnKF with the taper's Schur product on the
    /// covariances ([`assim::tapered_stochastic_update`]); a stochastic
    /// method only, with posterior inflation or none.
    CovarianceTapering(GaspariCohn),
}

/// A time average and its 90 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The average over the scored cycles.
    pub mean: f64,
    /// The lower end of the 90 % interval.
    pub lower: f64,
    /// The upper end.
    pub upper: f64,
}

impl Interval {
    /// The batch-means interval of `series` (see the module docs).
    ///
    /// # Panics
    /// Never for the series [`run`] makes (at least [`BATCHES`] values).
    fn batch_means(series: &[f64]) -> Self {
        let n = series.len();
        let mean = series.iter().sum::<f64>() / n as f64;
        let means: Vec<f64> = (0..BATCHES)
            .map(|b| batch(series, b).iter().sum::<f64>() / batch(series, b).len() as f64)
            .collect();
        let m = means.iter().sum::<f64>() / BATCHES as f64;
        let var = means.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (BATCHES - 1) as f64;
        let half = T_95_19 * (var / BATCHES as f64).sqrt();
        Self {
            mean,
            lower: mean - half,
            upper: mean + half,
        }
    }
}

/// The scores of one twin experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// The analysis RMSE, averaged over the scored cycles.
    pub rmse: Interval,
    /// The analysis spread, averaged over the scored cycles.
    pub spread: Interval,
    /// The RMSE after every analysis, burn-in included.
    pub rmse_series: Vec<f64>,
    /// The spread after every analysis, burn-in included.
    pub spread_series: Vec<f64>,
    /// Batches (of the [`BATCHES`] of the interval) whose mean RMSE exceeds
    /// the observation error `sqrt(r)`: the filter had lost the truth there
    /// (diverged), and those batches dominate the average.
    pub diverged_batches: usize,
}

/// Runs the twin experiment; see the module docs.
///
/// # Errors
/// * the refusals of [`Twin::validate`];
/// * [`Error::Scenario`] for an RTPS weight outside `[0, 1]` (key
///   `rtps`) or fewer than 2 members (key `n_members`);
/// * [`Error::Assim`] if an analysis fails or a member blows up (naming
///   the member).
pub fn run(twin: &Twin, filtering: &Filtering, seed: u64) -> Result<Scores> {
    twin.validate()?;
    let n = filtering.n_members;
    if n < 2 {
        return Err(Error::Scenario {
            file: None,
            key: "n_members".into(),
            value: Some(n.to_string()),
            message: "an ensemble needs at least 2 members".into(),
        });
    }
    if let Some(Localisation::CovarianceTapering(_)) = filtering.localisation {
        let scheme = &filtering.scheme;
        let refused = |message: &str| {
            Err(Error::Scenario {
                file: None,
                key: "localisation".into(),
                value: Some("covariance tapering".into()),
                message: message.into(),
            })
        };
        if !matches!(
            scheme.method(),
            Method::Stochastic | Method::CentredStochastic
        ) {
            return refused("covariance tapering needs a stochastic method");
        }
        if !matches!(
            scheme.inflation(),
            Inflation::None | Inflation::Posterior(_)
        ) {
            return refused("covariance tapering takes posterior inflation or none");
        }
    }
    if let Some(alpha) = filtering.rtps.filter(|a| !(0.0..=1.0).contains(a)) {
        return Err(Error::Scenario {
            file: None,
            key: "rtps".into(),
            value: Some(alpha.to_string()),
            message: "the RTPS weight must be in [0, 1]".into(),
        });
    }
    let dim = twin.system.len();
    let r = twin.observation_variance;
    let noise = ObservationNoise::diagonal(&vec![r; dim])?;
    let runner = EnsembleRunner::new(seed, noise).with_scheme(filtering.scheme);
    let observe = match twin.system {
        System::Lorenz63 => ObservedComponents::all(dim)?,
        System::Lorenz96 { n, .. } => ObservedComponents::all(dim)?.on_ring(n),
    };
    let mut truth_model = twin.model()?;
    let mut models = vec![truth_model.clone(); n];
    let mut truth = twin.initial(seed, TRUTH_STREAM);
    let states = (0..n).map(|i| twin.initial(seed, i)).collect();
    let mut members = Members::new(states, vec![Vec::new(); n])?;
    let window = twin.window();
    let mut rmse_series = Vec::with_capacity(twin.cycles);
    let mut spread_series = Vec::with_capacity(twin.cycles);
    for k in 0..twin.cycles {
        assim::ForecastModel::forecast(&mut truth_model, &mut truth, &[], window).map_err(
            |source| Error::Scenario {
                file: None,
                key: "system".into(),
                value: None,
                message: format!("the truth's forecast of cycle {k} failed: {source}"),
            },
        )?;
        runner.forecast(&mut models, &mut members, window)?;
        let mut rng = member_stream(seed, OBSERVATION_STREAM, Stream::Observation(k));
        let data: Vec<f64> = truth
            .iter()
            .map(|x| {
                let xi: f64 = StandardNormal.sample(&mut rng);
                x + r.sqrt() * xi
            })
            .collect();
        let forecast = filtering.rtps.map(|_| members.states.clone());
        match &filtering.localisation {
            Some(Localisation::LocalAnalysis(taper)) => {
                runner.analyse_local(&observe, &mut members, &data, k, taper)?;
            }
            Some(Localisation::CovarianceTapering(taper)) => {
                members.states = tapered(
                    twin,
                    filtering,
                    &observe,
                    &members.states,
                    &data,
                    taper,
                    seed,
                    k,
                )?;
            }
            None => {
                runner.analyse(&observe, &mut members, &data, k)?;
            }
        }
        if let (Some(alpha), Some(forecast)) = (filtering.rtps, forecast) {
            relax_to_prior_spread(&forecast, &mut members.states, alpha)?;
        }
        let (rmse, spread) = rmse_and_spread(&members.states, &truth);
        rmse_series.push(rmse);
        spread_series.push(spread);
    }
    let scored = &rmse_series[twin.burn_in..];
    let diverged_batches = (0..BATCHES)
        .filter(|&b| {
            batch(scored, b).iter().sum::<f64>() / batch(scored, b).len() as f64 > r.sqrt()
        })
        .count();
    Ok(Scores {
        diverged_batches,
        rmse: Interval::batch_means(scored),
        spread: Interval::batch_means(&spread_series[twin.burn_in..]),
        rmse_series,
        spread_series,
    })
}

/// Batch `b` of the [`BATCHES`] consecutive batches of `series`.
fn batch(series: &[f64], b: usize) -> &[f64] {
    let n = series.len();
    &series[b * n / BATCHES..(b + 1) * n / BATCHES]
}

/// The stochastic EnKF with covariance tapering of analysis `k`, then the
/// scheme's posterior inflation.
#[allow(clippy::too_many_arguments)]
fn tapered(
    twin: &Twin,
    filtering: &Filtering,
    observe: &ObservedComponents,
    states: &[Vec<f64>],
    data: &[f64],
    taper: &GaspariCohn,
    seed: u64,
    k: usize,
) -> Result<Vec<Vec<f64>>> {
    use assim::LocalFilter;
    let n = states.len();
    let noise = ObservationNoise::diagonal(&vec![twin.observation_variance; data.len()])?;
    let eps = filtering
        .scheme
        .perturbations(n, &noise, seed, k)
        .unwrap_or_default();
    let predicted = states
        .iter()
        .enumerate()
        .map(|(member, z)| {
            observe
                .observe(z)
                .map_err(|source| assim::Error::Observation { member, source })
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let to_observation = |c: usize, r: usize| observe.distance(&states[0], c, r);
    let between = |r: usize, m: usize| observe.distance(&states[0], observe.indices()[r], m);
    let mut analysis = assim::tapered_stochastic_update(
        states,
        &predicted,
        data,
        &noise,
        &eps,
        taper,
        to_observation,
        between,
    )?;
    if let Inflation::Posterior(l) = filtering.scheme.inflation() {
        let len = analysis[0].len();
        for c in 0..len {
            let mean = analysis.iter().map(|z| z[c]).sum::<f64>() / n as f64;
            for z in &mut analysis {
                z[c] = mean + l * (z[c] - mean);
            }
        }
    }
    Ok(analysis)
}

/// The RMSE of the ensemble mean against `truth` and the ensemble's
/// spread, both root-mean over the variables.
fn rmse_and_spread(states: &[Vec<f64>], truth: &[f64]) -> (f64, f64) {
    let n = states.len() as f64;
    let dim = truth.len() as f64;
    let (mut se, mut var) = (0.0, 0.0);
    for (c, x) in truth.iter().enumerate() {
        let mean = states.iter().map(|s| s[c]).sum::<f64>() / n;
        se += (mean - x) * (mean - x);
        var += states
            .iter()
            .map(|s| (s[c] - mean) * (s[c] - mean))
            .sum::<f64>()
            / (n - 1.0);
    }
    ((se / dim).sqrt(), (var / dim).sqrt())
}
