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
//! members' discretisation, [`DipolePrior`] the ensemble's prior (Table 2)
//! and [`observation_points`] the `12 x 12` grid where both velocity
//! components are observed (Section 5.1.3).

use std::f64::consts::PI;

use kinetic_enkf::rng::{Stream, member_stream};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::Rng;
use vic_solver::{Boundary, Domain, FlowState, Grid, Vic, VicConfig};

use crate::error::Result;
use crate::lamb_chaplygin::LambChaplygin;

/// A dipole in the stress-free box and the discretisation that simulates it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DipoleBox {
    /// The initial dipole.
    pub dipole: LambChaplygin,
    /// Kinematic viscosity `nu`.
    pub viscosity: f64,
    /// Particle spacing `d_p` (grid spacing `2 d_p`).
    pub particle_spacing: f64,
    /// PSE width over particle spacing, `eps / d_p`.
    pub eps_over_dp: f64,
    /// Time step.
    pub dt: f64,
    /// Remeshing threshold `eps_omega` (also applied to the initial
    /// particles).
    pub eps_omega: f64,
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
            eps_over_dp: 2.0,
            dt: 0.005,
            eps_omega: 1e-4,
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

    /// A coarse version of the flow for smoke runs (`--quick`):
    /// `d_p = pi / 128` (a 64^2 grid), `dt = 0.02`, remeshing every 25 steps
    /// (twice per unit of time, as the paper's).
    pub fn quick() -> Self {
        DipoleBox {
            particle_spacing: PI / 128.0,
            dt: 0.02,
            remesh_every: 25,
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
            self.eps_over_dp * self.particle_spacing,
        )
        .with_remeshing(self.remesh_every, self.eps_omega);
        let vic = Vic::new(grid, config)?;
        let dipole = self.dipole;
        let particles = vic.particles_from_vorticity(|x| dipole.vorticity(x), self.eps_omega)?;
        Ok((vic, FlowState::new(particles, 0.0)))
    }

    /// The number of steps from time 0 to `time` (rounded).
    pub fn steps_to(&self, time: f64) -> u64 {
        (time / self.dt).round() as u64
    }
}

/// The prior of the 2D ensemble, paper 2 Table 2 (`N(mean, variance)`,
/// `U(low, high)`; SPEC, "Conventions").
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DipolePrior {
    /// Radius `R ~ N(mean, sd^2)`: `(mean, sd)`.
    pub radius: (f64, f64),
    /// Orientation `alpha ~ U(low, high)`.
    pub alpha: (f64, f64),
    /// Centre `~ N(mean, sd^2 I)`: `(mean, sd)`.
    pub center: ([f64; 2], f64),
    /// Speed `U ~ U(low, high)`.
    pub speed: (f64, f64),
    /// Viscosity `nu ~ N(mean, sd^2)`, redrawn while not positive.
    pub viscosity: (f64, f64),
}

impl DipolePrior {
    /// Table 2: `R ~ N(0.5, 0.05^2)`, `alpha ~ U(pi/2, pi)`,
    /// centre `~ N((pi/2, pi/2), 0.1^2 I)`, `U ~ U(0.25, 0.5)`,
    /// `nu ~ N(0.0015, 0.0005^2)`.
    pub fn paper() -> Self {
        DipolePrior {
            radius: (0.5, 0.05),
            alpha: (PI / 2.0, PI),
            center: ([PI / 2.0, PI / 2.0], 0.1),
            speed: (0.25, 0.5),
            viscosity: (0.0015, 0.0005),
        }
    }

    /// Member `member`'s draw under the scenario seed, on the
    /// discretisation of `base` (whose dipole and viscosity are replaced).
    ///
    /// The draws come from `member_stream(seed, member, Stream::Prior)` in
    /// the order radius, alpha, centre x, centre y, speed, viscosity;
    /// normals by `rand_distr`'s `StandardNormal`, uniforms as
    /// `(next_u64 >> 11) 2^-53`. A non-positive radius or viscosity (3 and
    /// 10 standard deviations below the mean) is drawn again from the same
    /// stream, so a member's draw depends on `(seed, member)` only.
    pub fn sample(&self, seed: u64, member: usize, base: &DipoleBox) -> DipoleBox {
        let mut rng = member_stream(seed, member, Stream::Prior);
        let radius = positive_normal(&mut rng, self.radius);
        let alpha = uniform(&mut rng, self.alpha);
        let center = [
            self.center.0[0] + self.center.1 * normal(&mut rng),
            self.center.0[1] + self.center.1 * normal(&mut rng),
        ];
        let speed = uniform(&mut rng, self.speed);
        let viscosity = positive_normal(&mut rng, self.viscosity);
        DipoleBox {
            dipole: LambChaplygin {
                center,
                radius,
                speed,
                alpha,
            },
            viscosity,
            ..*base
        }
    }
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    StandardNormal.sample(rng)
}

fn positive_normal(rng: &mut Xoshiro256PlusPlus, (mean, sd): (f64, f64)) -> f64 {
    loop {
        let x = mean + sd * normal(rng);
        if x > 0.0 {
            return x;
        }
    }
}

fn uniform(rng: &mut Xoshiro256PlusPlus, (low, high): (f64, f64)) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    low + (high - low) * unit
}

/// The random-stream index of the synthetic observations' noise (members
/// use `0..N`, so this never meets a member's streams).
pub const OBSERVATION_STREAM: usize = usize::MAX;

/// Synthetic data of analysis `analysis` (0-based): the true velocities,
/// flattened `[u_0, v_0, u_1, v_1, ...]`, plus independent `N(0, sigma^2)`
/// noise drawn from `member_stream(seed, OBSERVATION_STREAM,
/// Stream::Observation(analysis))` in that order.
pub fn noisy_observations(
    velocity: &[[f64; 2]],
    sigma: f64,
    seed: u64,
    analysis: usize,
) -> Vec<f64> {
    let mut rng = member_stream(seed, OBSERVATION_STREAM, Stream::Observation(analysis));
    velocity
        .iter()
        .flatten()
        .map(|v| v + sigma * normal(&mut rng))
        .collect()
}

/// The `n x n` observation points at the cell centres
/// `((i + 1/2) L / n, (j + 1/2) L / n)` of the box, x fastest (paper 2,
/// Section 5.1.3: `N_obs = 12^2`).
pub fn observation_points(n: usize) -> Vec<[f64; 2]> {
    let h = DipoleBox::LENGTH / n as f64;
    (0..n * n)
        .map(|k| [(k % n) as f64 * h + h / 2.0, (k / n) as f64 * h + h / 2.0])
        .collect()
}
