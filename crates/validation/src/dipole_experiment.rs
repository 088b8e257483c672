//! The 2D assimilation experiment of paper 2, Section 5, as data: a TOML
//! scenario file (`scenarios/dipole2d.toml` holds the paper's values) that
//! users edit instead of recompiling. Unknown keys are refused, and every
//! value is checked with an error that names it.
//!
//! Normal distributions are `(mean, variance)` (SPEC, "Conventions");
//! angles are given over `pi`; the box is `[0, pi]^2`.

use std::f64::consts::PI;

use serde::Deserialize;

use crate::dipole_box::{DipoleBox, DipolePrior, observation_points};
use crate::error::{Error, Result};
use crate::lamb_chaplygin::LambChaplygin;

/// The paper's experiment (`scenarios/dipole2d.toml`).
pub const PAPER: &str = include_str!("../../../scenarios/dipole2d.toml");
/// A coarse version for smoke runs (`scenarios/dipole2d-quick.toml`).
pub const QUICK: &str = include_str!("../../../scenarios/dipole2d-quick.toml");

/// The whole experiment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DipoleExperiment {
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
    pub pse_width_over_dp: f64,
    /// Remeshing threshold `eps_omega`.
    pub eps_omega: f64,
    /// Steps between remeshings.
    pub remesh_every: u64,
}

/// `N(mean, variance)`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normal {
    /// Mean.
    pub mean: f64,
    /// Variance.
    pub variance: f64,
}

/// `N(mean, variance I)` in the plane.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normal2 {
    /// Mean.
    pub mean: [f64; 2],
    /// Variance of each coordinate.
    pub variance: f64,
}

/// `U(low, high)`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uniform {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
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
    pub members: usize,
    /// Number of analyses.
    pub analyses: usize,
    /// Time between analyses.
    pub window: f64,
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
}

impl DipoleExperiment {
    /// Parse and check a scenario.
    ///
    /// # Errors
    /// [`Error::Scenario`] naming an unknown key, a missing one, a value of
    /// the wrong type (with its line), or a value out of range.
    pub fn from_toml(text: &str) -> Result<Self> {
        let experiment: DipoleExperiment = toml::from_str(text).map_err(|e| Error::Scenario {
            message: e.to_string(),
        })?;
        experiment.validate()?;
        Ok(experiment)
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

    /// Check every value, as [`DipoleExperiment::from_toml`] does: for a
    /// scenario changed in code (a parameter sweep).
    ///
    /// # Errors
    /// [`Error::Scenario`] naming the first value out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, value: String, why: &str| {
            Err(Error::Scenario {
                message: format!("{key} = {value}: {why}"),
            })
        };
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
        for (name, d) in [("truth", &self.truth), ("members", &self.members)] {
            if d.particles_per_side < 2 || d.particles_per_side % 2 != 0 {
                return bad(
                    &format!("{name}.particles_per_side"),
                    d.particles_per_side.to_string(),
                    "must be even and at least 2 (the grid has half as many cells)",
                );
            }
            positive(&format!("{name}.dt"), d.dt)?;
            positive(&format!("{name}.pse_width_over_dp"), d.pse_width_over_dp)?;
            non_negative(&format!("{name}.eps_omega"), d.eps_omega)?;
        }
        let p = &self.prior;
        non_negative("prior.radius.variance", p.radius.variance)?;
        positive("prior.radius.mean", p.radius.mean)?;
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
        if a.members < 2 {
            return bad(
                "assimilation.members",
                a.members.to_string(),
                "the EnKF needs at least 2",
            );
        }
        positive("assimilation.window", a.window)?;
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
        }
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
        smoothing_ratio: d.pse_width_over_dp,
        dt: d.dt,
        threshold: d.eps_omega,
        remesh_every: d.remesh_every,
    }
}

fn inside(key: &str, p: [f64; 2]) -> Result<()> {
    let ok = |x: f64| (0.0..=DipoleBox::LENGTH).contains(&x);
    if ok(p[0]) && ok(p[1]) {
        Ok(())
    } else {
        Err(Error::Scenario {
            message: format!(
                "{key} = [{}, {}]: lies outside the box [0, pi]^2",
                p[0], p[1]
            ),
        })
    }
}
