//! The 2D scenario of paper 2, Section 5.1: a Lamb–Chaplygin dipole in the
//! box `[0, pi]^2` with stress-free walls, simulated by Vortex-In-Cell.
//!
//! [`DipoleBox::paper_truth`] is the ground truth (Section 5.1.2 and
//! Table 3): centre `(pi/2, pi/2)`, `alpha = 7 pi / 8`, `R = 0.5`,
//! `U = 0.25`, `nu = 0.0015`, `dt = 0.005`, `eps = 2 d_p`,
//! `eps_omega = 1e-4`, two remeshings per unit of time (the paper's
//! `N_remesh = 2` per assimilation window `Delta t_a = 1`), at a finer
//! particle spacing than the members' `d_p = pi / 256`: the truth uses
//! `d_p = pi / 512` (a `256^2` grid). [`DipoleBox::paper_member`] is the
//! members' discretisation.

use std::f64::consts::PI;

use vic_solver::{Boundary, Domain, FlowState, Grid, Vic, VicConfig};

use crate::error::Result;
use crate::lamb_chaplygin::LambChaplygin;

/// A dipole in the stress-free box and the discretisation that simulates it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DipoleBox {
    /// The initial dipole.
    pub dipole: LambChaplygin,
    /// Kinematic viscosity `nu`.
    pub viscosity: f64,
    /// Particle spacing `d_p` (grid spacing `2 d_p`).
    pub particle_spacing: f64,
    /// PSE width over particle spacing, `eps / d_p`.
    pub smoothing_ratio: f64,
    /// Time step.
    pub dt: f64,
    /// Remeshing threshold `eps_omega` (also applied to the initial
    /// particles).
    pub threshold: f64,
    /// Remesh every this many steps.
    pub remesh_every: u64,
}

impl DipoleBox {
    /// Side of the box, `pi`.
    pub const LENGTH: f64 = PI;

    /// The paper's ground truth at `d_p = pi / 512`.
    pub fn paper_truth() -> Self {
        DipoleBox {
            dipole: LambChaplygin::paper(),
            viscosity: 0.0015,
            particle_spacing: PI / 512.0,
            smoothing_ratio: 2.0,
            dt: 0.005,
            threshold: 1e-4,
            remesh_every: 100,
        }
    }

    /// The same flow at the members' spacing `d_p = pi / 256` (Table 3).
    pub fn paper_member() -> Self {
        DipoleBox {
            particle_spacing: PI / 256.0,
            ..Self::paper_truth()
        }
    }

    /// The solver and the initial state (`Gamma_p = omega(x_p) d_p^2` on the
    /// particle lattice, `|omega| > eps_omega` kept, time 0).
    ///
    /// # Errors
    /// [`crate::Error::Vic`] if the discretisation is inconsistent (a
    /// spacing that does not tile the box, a bad step or viscosity).
    pub fn start(&self) -> Result<(Vic, FlowState)> {
        let domain = Domain::new(Self::LENGTH, Boundary::StressFreeWalls)?;
        let grid = Grid::for_particle_spacing(domain, self.particle_spacing)?;
        let config = VicConfig::new(
            self.viscosity,
            self.dt,
            self.smoothing_ratio * self.particle_spacing,
        )
        .with_remeshing(self.remesh_every, self.threshold);
        let vic = Vic::new(grid, config)?;
        let dipole = self.dipole;
        let particles = vic.particles_from_vorticity(|x| dipole.vorticity(x), self.threshold)?;
        Ok((vic, FlowState::new(particles, 0.0)))
    }

    /// The number of steps from time 0 to `time` (rounded).
    pub fn steps_to(&self, time: f64) -> u64 {
        (time / self.dt).round() as u64
    }
}
