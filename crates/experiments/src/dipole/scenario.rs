//! The 2D assimilation experiment of paper 2, Section 5, as data: a TOML
//! scenario file (`scenarios/dipole2d.toml` holds the paper's values) that
//! users edit instead of recompiling. Unknown keys are refused, and every
//! value is checked with an error that names it.
//!
//! Normal distributions are `(mean, variance)` (SPEC, "Conventions");
//! angles are given over `pi`; the box is `[0, pi]^2`.

use std::f64::consts::PI;

use assim::{GaspariCohn, Inflation, Method, Scheme};
use serde::{Deserialize, Serialize};

use validation::dipole_box::{DipoleBox, DipolePrior, observation_points};
use validation::lamb_chaplygin::LambChaplygin;

use crate::Result;
use crate::scenario::{self, Normal, Normal2, Uniform, bad};

/// The paper's experiment (`scenarios/dipole2d.toml`).
pub const PAPER: &str = include_str!("../../../../scenarios/dipole2d.toml");
/// A coarse version for smoke runs (`scenarios/dipole2d-quick.toml`).
pub const QUICK: &str = include_str!("../../../../scenarios/dipole2d-quick.toml");

/// The whole experiment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DipoleScenario {
    /// The truth's dipole and viscosity.
    pub flow: FlowSpec,
    /// The truth's discretisation.
    pub truth: Discretisation,
    /// The members' discretisation.
    pub members: Discretisation,
    /// The ensemble's prior.
    pub prior: PriorSpec,
    /// Ensemble size, analyses, observations, error quadrature.
    pub assimilation: AssimilationSpec,
    /// How the filters analyse (the table `[analysis]`, [`AnalysisSpec`];
    /// absent: the paper's stochastic EnKF).
    #[serde(default)]
    pub analysis: Analysis,
}

/// The truth's initial dipole.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// Centre.
    pub center: [f64; 2],
    /// Radius `R`.
    pub radius: f64,
    /// Speed `U`.
    pub speed: f64,
    /// Direction of travel over `pi`.
    pub alpha_over_pi: f64,
    /// Viscosity `nu`.
    pub viscosity: f64,
}

/// A Vortex-In-Cell discretisation of the box.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discretisation {
    /// Particles per side: `d_p = pi / n` (`n` even: the grid has `n / 2`
    /// cells).
    pub particles_per_side: usize,
    /// Time step.
    pub dt: f64,
    /// PSE width over `d_p`.
    pub eps_over_dp: f64,
    /// Remeshing threshold `eps_omega`.
    pub eps_omega: f64,
    /// Steps between remeshings.
    pub remesh_every: u64,
}

/// The prior of Table 2.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorSpec {
    /// Radius.
    pub radius: Normal,
    /// Direction of travel over `pi`.
    pub alpha_over_pi: Uniform,
    /// Centre.
    pub center: Normal2,
    /// Speed.
    pub speed: Uniform,
    /// Viscosity.
    pub viscosity: Normal,
}

/// Ensemble, analyses and observations.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssimilationSpec {
    /// Ensemble size `N >= 2`.
    pub n_members: usize,
    /// Number of analyses.
    pub analyses: usize,
    /// Time between analyses.
    pub window: f64,
    /// Time between measurements of `e_omega` within a window (besides
    /// those just before and after each analysis): a divisor of the
    /// window in whole steps of the truth and the members. Absent: only
    /// at the analyses.
    #[serde(default)]
    pub output_interval: Option<f64>,
    /// Observation points on an `n x n` grid of cell centres...
    #[serde(default)]
    pub observation_side: Option<usize>,
    /// ... or listed explicitly (inside the box).
    #[serde(default)]
    pub observation_points: Option<Vec<[f64; 2]>>,
    /// Standard deviation of the noise of each velocity component.
    pub sigma_obs: f64,
    /// Cells per side of the quadrature grid of `e_omega`.
    pub quadrature_cells: usize,
    /// Calibrate the members' viscosity by parameter augmentation (paper
    /// 2, Section 5.2.1): each member carries its prior draw `[nu_i]`,
    /// which every analysis updates with the coefficients `F` of the flow
    /// (clamped to `nu >= 0`). Absent or false: each member keeps its
    /// prior draw. Not with local analyses
    /// (`analysis.localisation_half_width`), which analyse no parameters.
    #[serde(default)]
    pub calibrate_viscosity: bool,
}

/// The table `[analysis]` as written: every key optional, the paper's
/// analysis (the stochastic EnKF, global, without inflation) when all are
/// absent. Each value is checked as it is read (the error names its key);
/// the whole is an [`Analysis`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// The method, by [`Method::name`]: `stochastic` (the paper's),
    /// `centred-stochastic`, `denkf`, `etkf`, `etkf-rotated`.
    #[serde(default)]
    pub method: Option<MethodName>,
    /// Multiplicative inflation of the forecast anomalies, `lambda > 0`.
    #[serde(default)]
    pub prior_inflation: Option<Positive>,
    /// Multiplicative inflation of the analysis anomalies, `lambda > 0`.
    #[serde(default)]
    pub posterior_inflation: Option<Positive>,
    /// Relaxation to prior perturbations, weight in `[0, 1]`.
    #[serde(default)]
    pub rtpp: Option<UnitWeight>,
    /// Local analyses, one per node of the members' remeshing grid, with
    /// the Gaspari–Cohn taper of this half-width (observations farther
    /// than twice it are not seen). Absent: one global analysis.
    #[serde(default)]
    pub localisation_half_width: Option<Positive>,
}

/// A method's name in a scenario file, checked as it is read.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct MethodName(pub Method);

impl TryFrom<String> for MethodName {
    type Error = String;

    fn try_from(name: String) -> std::result::Result<Self, String> {
        Method::from_name(&name).map(MethodName).ok_or_else(|| {
            let names: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
            format!("{name:?} is not one of {}", names.join(", "))
        })
    }
}

/// A positive, finite number in a scenario file, checked as it is read.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct Positive(pub f64);

impl TryFrom<f64> for Positive {
    type Error = String;

    fn try_from(value: f64) -> std::result::Result<Self, String> {
        if value.is_finite() && value > 0.0 {
            Ok(Positive(value))
        } else {
            Err(format!("{value} must be positive and finite"))
        }
    }
}

/// A weight in `[0, 1]` in a scenario file, checked as it is read.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct UnitWeight(pub f64);

impl TryFrom<f64> for UnitWeight {
    type Error = String;

    fn try_from(value: f64) -> std::result::Result<Self, String> {
        if (0.0..=1.0).contains(&value) {
            Ok(UnitWeight(value))
        } else {
            Err(format!("{value} must lie in [0, 1]"))
        }
    }
}

/// The analysis of the experiment's filters: a scheme (method and
/// inflation) and, for local analyses, their taper. The default is the
/// paper's (and is left out of the [`super::fingerprint`], so that the
/// paper's runs keep theirs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(try_from = "AnalysisSpec")]
pub struct Analysis {
    /// Method and inflation.
    pub scheme: Scheme,
    /// The taper of local analyses at the remeshing grid's nodes; `None`
    /// for one global analysis.
    pub localisation: Option<GaspariCohn>,
}

impl Analysis {
    /// The paper's: the stochastic EnKF, global, without inflation.
    pub fn is_paper(&self) -> bool {
        *self == Analysis::default()
    }

    /// A short label for files and legends: the method's name, then the
    /// inflation and the half-width if any (`etkf`, `etkf, c = 0.5`).
    pub fn label(&self) -> String {
        let mut label = self.scheme.method().name().to_string();
        if let Some((kind, value)) = self.scheme.inflation().kind_and_value() {
            label += &format!(", {kind} {value}");
        }
        if let Some(taper) = self.localisation {
            label += &format!(", c = {}", taper.half_width());
        }
        label
    }
}

/// The analysis as it enters the fingerprint: method, inflation and
/// half-width, numbers exactly.
impl Serialize for Analysis {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Fields {
            method: &'static str,
            inflation: Option<(&'static str, f64)>,
            localisation_half_width: Option<f64>,
        }
        Fields {
            method: self.scheme.method().name(),
            inflation: self.scheme.inflation().kind_and_value(),
            localisation_half_width: self.localisation.map(|t| t.half_width()),
        }
        .serialize(serializer)
    }
}

impl TryFrom<AnalysisSpec> for Analysis {
    type Error = String;

    /// The analysis the (checked) keys describe; refused if more than one
    /// inflation is given.
    fn try_from(spec: AnalysisSpec) -> std::result::Result<Analysis, String> {
        let method = spec.method.map_or(Method::Stochastic, |m| m.0);
        let inflations = [
            (
                "prior_inflation",
                spec.prior_inflation.map(|l| Inflation::Prior(l.0)),
            ),
            (
                "posterior_inflation",
                spec.posterior_inflation.map(|l| Inflation::Posterior(l.0)),
            ),
            ("rtpp", spec.rtpp.map(|a| Inflation::Rtpp(a.0))),
        ];
        let given: Vec<(&str, Inflation)> = inflations
            .into_iter()
            .filter_map(|(key, i)| i.map(|i| (key, i)))
            .collect();
        let scheme = match given.as_slice() {
            [] => Scheme::new(method),
            [(_, inflation)] => Scheme::new(method)
                .with_inflation(*inflation)
                .map_err(|e| e.to_string())?,
            [(first, _), (second, _), ..] => {
                return Err(format!(
                    "give at most one inflation ({first} and {second} are both given)"
                ));
            }
        };
        let localisation = spec
            .localisation_half_width
            .map(|c| GaspariCohn::new(c.0).map_err(|e| e.to_string()))
            .transpose()?;
        Ok(Analysis {
            scheme,
            localisation,
        })
    }
}

/// The most measurements of `e_omega` per window a scenario may ask for
/// (`assimilation.output_interval`): each costs a field per member.
pub const MAX_OUTPUTS_PER_WINDOW: usize = 1000;

impl DipoleScenario {
    /// Parse and check a scenario.
    ///
    /// # Errors
    /// [`crate::Error::Scenario`] naming an unknown key, a missing one, a value of
    /// the wrong type (with its line), or a value out of range.
    pub fn from_toml(text: &str) -> Result<Self> {
        let experiment: DipoleScenario = scenario::parse(text)?;
        experiment.validate()?;
        Ok(experiment)
    }

    /// Read and check the scenario file `path`.
    ///
    /// # Errors
    /// [`crate::Error::Scenario`] naming the file, the key and the value.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        scenario::read(path, Self::from_toml)
    }

    /// The paper's experiment.
    ///
    /// # Errors
    /// Never for the shipped file (a test parses it).
    pub fn paper() -> Result<Self> {
        Self::from_toml(PAPER)
    }

    /// The coarse smoke-test experiment.
    ///
    /// # Errors
    /// Never for the shipped file (a test parses it).
    pub fn quick() -> Result<Self> {
        Self::from_toml(QUICK)
    }

    /// Check every value, as [`DipoleScenario::from_toml`] does: for a
    /// scenario changed in code (a parameter sweep).
    ///
    /// # Errors
    /// [`crate::Error::Scenario`] naming the first value out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, value: String, why: &str| Err(bad(key, value, why));
        let positive = |key: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                bad(key, v.to_string(), "must be positive and finite")
            }
        };
        let non_negative = |key: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                bad(key, v.to_string(), "must be finite and non-negative")
            }
        };
        let f = &self.flow;
        positive("flow.radius", f.radius)?;
        non_negative("flow.viscosity", f.viscosity)?;
        for (key, v) in [
            ("flow.speed", f.speed),
            ("flow.alpha_over_pi", f.alpha_over_pi),
        ] {
            if !v.is_finite() {
                return bad(key, v.to_string(), "must be finite");
            }
        }
        inside("flow.center", f.center)?;
        let wall = f
            .center
            .iter()
            .fold(f64::INFINITY, |m, &c| m.min(c).min(DipoleBox::LENGTH - c));
        if f.radius >= wall {
            return bad(
                "flow.radius",
                f.radius.to_string(),
                &format!("the dipole reaches the walls (its centre is {wall} from the nearest)"),
            );
        }
        let window = self.assimilation.window;
        positive("assimilation.window", window)?;
        let interval = self.assimilation.output_interval;
        if let Some(interval) = interval {
            positive("assimilation.output_interval", interval)?;
            let outputs = window / interval;
            if !(outputs.round() >= 1.0 && (outputs - outputs.round()).abs() <= 1e-9 * outputs) {
                return bad(
                    "assimilation.output_interval",
                    interval.to_string(),
                    &format!(
                        "does not divide assimilation.window = {window} ({outputs} intervals)"
                    ),
                );
            }
            if outputs.round() > MAX_OUTPUTS_PER_WINDOW as f64 {
                return bad(
                    "assimilation.output_interval",
                    interval.to_string(),
                    &format!(
                        "gives {outputs} measurements per window; at most {MAX_OUTPUTS_PER_WINDOW} are kept"
                    ),
                );
            }
        }
        for (name, d) in [("truth", &self.truth), ("members", &self.members)] {
            if d.particles_per_side < 2 || d.particles_per_side % 2 != 0 {
                return bad(
                    &format!("{name}.particles_per_side"),
                    d.particles_per_side.to_string(),
                    "must be even and at least 2 (the grid has half as many cells)",
                );
            }
            positive(&format!("{name}.dt"), d.dt)?;
            let steps = self.assimilation.window / d.dt;
            if !(steps.round() >= 1.0 && (steps - steps.round()).abs() <= 1e-9 * steps) {
                return bad(
                    &format!("{name}.dt"),
                    d.dt.to_string(),
                    &format!(
                        "does not divide assimilation.window = {} into whole steps ({steps} steps)",
                        self.assimilation.window
                    ),
                );
            }
            if let Some(interval) = interval {
                let steps = interval / d.dt;
                if (steps - steps.round()).abs() > 1e-9 * steps {
                    return bad(
                        "assimilation.output_interval",
                        interval.to_string(),
                        &format!(
                            "is not a whole number of {name}.dt = {} ({steps} steps)",
                            d.dt
                        ),
                    );
                }
            }
            positive(&format!("{name}.eps_over_dp"), d.eps_over_dp)?;
            non_negative(&format!("{name}.eps_omega"), d.eps_omega)?;
        }
        let p = &self.prior;
        non_negative("prior.radius.variance", p.radius.variance)?;
        positive("prior.radius.mean", p.radius.mean)?;
        if p.radius.mean >= DipoleBox::LENGTH / 2.0 {
            return bad(
                "prior.radius.mean",
                p.radius.mean.to_string(),
                "a dipole this large does not fit in the box [0, pi]^2",
            );
        }
        non_negative("prior.center.variance", p.center.variance)?;
        non_negative("prior.viscosity.variance", p.viscosity.variance)?;
        positive("prior.viscosity.mean", p.viscosity.mean)?;
        for (key, u) in [
            ("prior.alpha_over_pi", p.alpha_over_pi),
            ("prior.speed", p.speed),
        ] {
            if !(u.low.is_finite() && u.high.is_finite() && u.low <= u.high) {
                return bad(
                    key,
                    format!("{{ low = {}, high = {} }}", u.low, u.high),
                    "needs finite low <= high",
                );
            }
        }
        let a = &self.assimilation;
        if a.n_members < 2 {
            return bad(
                "assimilation.n_members",
                a.n_members.to_string(),
                "the EnKF needs at least 2",
            );
        }
        if a.analyses == 0 {
            return bad(
                "assimilation.analyses",
                "0".into(),
                "must be at least 1 (a run without analyses measures nothing)",
            );
        }
        positive("assimilation.sigma_obs", a.sigma_obs)?;
        if a.quadrature_cells == 0 {
            return bad(
                "assimilation.quadrature_cells",
                "0".into(),
                "must be at least 1",
            );
        }
        match (&a.observation_side, &a.observation_points) {
            (Some(0), None) => bad(
                "assimilation.observation_side",
                "0".into(),
                "must be at least 1",
            ),
            (Some(_), None) => Ok(()),
            (None, Some(points)) if !points.is_empty() => {
                for (k, p) in points.iter().enumerate() {
                    inside(&format!("assimilation.observation_points[{k}]"), *p)?;
                }
                Ok(())
            }
            _ => bad(
                "assimilation",
                "observation_side / observation_points".into(),
                "give exactly one of them, non-empty",
            ),
        }?;
        if a.calibrate_viscosity && self.analysis.localisation.is_some() {
            return bad(
                "assimilation.calibrate_viscosity",
                "true".into(),
                "cannot be combined with analysis.localisation_half_width: local analyses \
                 update no parameters (remove one of the two keys)",
            );
        }
        self.check_memory(available_memory())
    }

    /// Refuse a scenario whose run cannot fit in `available` bytes, naming
    /// the key that drives the largest part of the need.
    fn check_memory(&self, available: f64) -> Result<()> {
        let needs = self.memory_needs();
        let total: f64 = needs.iter().map(|(_, _, bytes)| bytes).sum();
        if total <= available {
            return Ok(());
        }
        let (key, value, _) = needs
            .iter()
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .expect("four parts");
        Err(bad(
            key,
            value,
            &format!(
                "the run would need about {:.3e} bytes, more than the {:.3e} of this machine",
                total, available
            ),
        ))
    }

    /// A lower bound of the memory a run needs, in bytes, by the key that
    /// drives each part: the members of up to three ensembles and the truth
    /// (particles over the whole box at worst, and their grids), the
    /// analysis (`N x K` matrices of `K` observed values), the error
    /// quadrature (a field per member).
    fn memory_needs(&self) -> [(&'static str, String, f64); 4] {
        /// Particle data, PSE blocks and images per particle.
        const PER_PARTICLE: f64 = 128.0;
        /// Vorticity, velocity (on the periodic continuation), transform
        /// and stencil arrays per grid node.
        const PER_NODE: f64 = 400.0;
        let a = &self.assimilation;
        let flow = |d: &Discretisation| {
            let n = d.particles_per_side as f64;
            n * n * PER_PARTICLE + (n / 2.0 + 1.0).powi(2) * PER_NODE
        };
        let members = a.n_members as f64;
        let observed = 2.0
            * match (&a.observation_points, a.observation_side) {
                (Some(points), _) => points.len() as f64,
                (None, Some(side)) => (side as f64).powi(2),
                (None, None) => 0.0,
            };
        let cells = (a.quadrature_cells as f64).powi(2);
        // The members' part is named by its larger factor against the
        // paper's 32 members of 256^2 particles.
        let per_side = self.members.particles_per_side as f64;
        let (member_key, member_value) = if members / 32.0 >= (per_side / 256.0).powi(2) {
            ("assimilation.n_members", a.n_members.to_string())
        } else {
            (
                "members.particles_per_side",
                self.members.particles_per_side.to_string(),
            )
        };
        [
            (
                member_key,
                member_value,
                3.0 * members * flow(&self.members),
            ),
            (
                "truth.particles_per_side",
                self.truth.particles_per_side.to_string(),
                flow(&self.truth),
            ),
            (
                if a.observation_points.is_some() {
                    "assimilation.observation_points"
                } else {
                    "assimilation.observation_side"
                },
                a.observation_side.map_or_else(
                    || format!("{} points", observed / 2.0),
                    |side| side.to_string(),
                ),
                4.0 * 8.0 * observed * (members + 1.0),
            ),
            (
                "assimilation.quadrature_cells",
                a.quadrature_cells.to_string(),
                8.0 * cells * (members + 2.0),
            ),
        ]
    }

    /// The truth's flow and discretisation.
    pub fn truth_box(&self) -> DipoleBox {
        let f = &self.flow;
        discretised(
            &self.truth,
            LambChaplygin {
                center: f.center,
                radius: f.radius,
                speed: f.speed,
                alpha: f.alpha_over_pi * PI,
            },
            f.viscosity,
        )
    }

    /// The members' discretisation (dipole and viscosity come from the
    /// prior).
    pub fn member_box(&self) -> DipoleBox {
        discretised(&self.members, LambChaplygin::paper(), self.flow.viscosity)
    }

    /// The prior as a sampler.
    pub fn prior(&self) -> DipolePrior {
        let p = &self.prior;
        DipolePrior {
            radius: (p.radius.mean, p.radius.variance.sqrt()),
            alpha: (p.alpha_over_pi.low * PI, p.alpha_over_pi.high * PI),
            center: (p.center.mean, p.center.variance.sqrt()),
            speed: (p.speed.low, p.speed.high),
            viscosity: (p.viscosity.mean, p.viscosity.variance.sqrt()),
        }
    }

    /// Measurements of `e_omega` per window (`window / output_interval`,
    /// 1 without intermediate outputs).
    pub fn outputs_per_window(&self) -> usize {
        let a = &self.assimilation;
        a.output_interval
            .map_or(1, |interval| (a.window / interval).round() as usize)
    }

    /// The observation points.
    pub fn observation_points(&self) -> Vec<[f64; 2]> {
        match (
            &self.assimilation.observation_points,
            self.assimilation.observation_side,
        ) {
            (Some(points), _) => points.clone(),
            (None, Some(side)) => observation_points(side),
            (None, None) => Vec::new(),
        }
    }
}

fn discretised(d: &Discretisation, dipole: LambChaplygin, viscosity: f64) -> DipoleBox {
    DipoleBox {
        dipole,
        viscosity,
        particle_spacing: DipoleBox::LENGTH / d.particles_per_side as f64,
        eps_over_dp: d.eps_over_dp,
        dt: d.dt,
        eps_omega: d.eps_omega,
        remesh_every: d.remesh_every,
    }
}

fn inside(key: &str, p: [f64; 2]) -> Result<()> {
    let ok = |x: f64| (0.0..=DipoleBox::LENGTH).contains(&x);
    if ok(p[0]) && ok(p[1]) {
        Ok(())
    } else {
        Err(bad(
            key,
            format!("[{}, {}]", p[0], p[1]),
            "lies outside the box [0, pi]^2",
        ))
    }
}

/// The machine's memory in bytes (`MemTotal` of `/proc/meminfo`), or 1 TiB
/// where that cannot be read.
fn available_memory() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024.0)
        })
        .unwrap_or(1024.0_f64.powi(4))
}
