//! The swept parameters of paper 2, Figs. 19–21, 23 and 24 ([`super::sweep`]).
//!
//! The paper does not list the values it swept; ours are stated here and in
//! each `summary.json`. The paper's own parameters (`sigma_obs = 0.05`,
//! `N_assim = 10`, `N_obs = 12^2`, `eps_omega = 1e-4`, `d_p = pi/256`) are
//! among them.

use std::f64::consts::PI;

use experiments::dipole::DipoleScenario;

use super::sweep::{self, Order, Sweep};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;

/// Fig. 19: observation precision `1 / sigma_obs^2`; the paper's orders are
/// 0.75 (Remesh-EnKF) and 0.68 (Part-EnKF).
pub fn fig19(ctx: &Context) -> Result<Outcome, Error> {
    sweep::run(
        ctx,
        &Sweep {
            name: "sigma_obs",
            axis: "observation precision 1/σ_obs²",
            values: &[0.2, 0.1, 0.05, 0.025, 0.0125],
            quick_values: &[0.2, 0.05],
            label: |s| format!("{:.0}", 1.0 / (s * s)),
            apply: |e, s| e.assimilation.sigma_obs = s,
            order: Some(Order {
                abscissa: |s| 1.0 / (s * s),
                paper: [0.75, 0.68],
            }),
        },
    )
}

/// Fig. 20: the number of analyses over the same time span; the paper's
/// orders are 1.8 (Remesh-EnKF) and 1.4 (Part-EnKF).
pub fn fig20(ctx: &Context) -> Result<Outcome, Error> {
    sweep::run(
        ctx,
        &Sweep {
            name: "analyses",
            axis: "number of analyses N_assim over the same time span",
            values: &[2.0, 5.0, 10.0, 20.0],
            quick_values: &[1.0, 5.0],
            label: |n| format!("{n:.0}"),
            apply: |e, n| {
                let span = e.assimilation.analyses as f64 * e.assimilation.window;
                e.assimilation.analyses = n as usize;
                e.assimilation.window = span / n;
            },
            order: Some(Order {
                abscissa: |n| n,
                paper: [1.8, 1.4],
            }),
        },
    )
}

/// Fig. 21: the number of observation points `N_obs = n^2`.
pub fn fig21(ctx: &Context) -> Result<Outcome, Error> {
    sweep::run(
        ctx,
        &Sweep {
            name: "observation_side",
            axis: "number of observation points N_obs",
            values: &[4.0, 8.0, 12.0, 16.0, 20.0],
            quick_values: &[4.0, 12.0],
            label: |n| format!("{:.0}", n * n),
            apply: |e, n| {
                e.assimilation.observation_side = Some(n as usize);
                e.assimilation.observation_points = None;
            },
            order: None,
        },
    )
}

/// Fig. 23: the members' threshold `eps_omega` (high, medium and low
/// cut-off of the paper), beside the paper's default `1e-4`.
pub fn fig23(ctx: &Context) -> Result<Outcome, Error> {
    sweep::run(
        ctx,
        &Sweep {
            name: "eps_omega",
            axis: "members' threshold ε_ω",
            values: &[0.1, 0.01, 1e-4, 1e-6],
            quick_values: &[0.1, 1e-6],
            label: |v| format!("{v:e}"),
            apply: |e, v| e.members.eps_omega = v,
            order: None,
        },
    )
}

/// Fig. 24: the members' particle size `d_p = pi / n` (the paper's 0.0327,
/// 0.0245 and 0.0123 are `pi/96`, `pi/128` and `pi/256`).
pub fn fig24(ctx: &Context) -> Result<Outcome, Error> {
    sweep::run(
        ctx,
        &Sweep {
            name: "particles_per_side",
            axis: "members' particle size d_p",
            values: &[96.0, 128.0, 256.0],
            quick_values: &[32.0, 64.0],
            label: |n| format!("{:.4}", PI / n),
            apply: |e: &mut DipoleScenario, n| e.members.particles_per_side = n as usize,
            order: None,
        },
    )
}
