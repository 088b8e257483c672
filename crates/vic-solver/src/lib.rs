//! # vic-solver — 2D Vortex-In-Cell with stress-free walls
//!
//! The forecast model of the 2D experiments of paper 2 (Duvillard, Giraldi &
//! Le Maître, Section 5.1.1): vorticity carried by particles, the stream
//! function from an FFT Poisson solve of `Δψ = −ω` on a grid, velocity
//! `u = ∂ψ/∂y`, `v = −∂ψ/∂x`, third-order Runge–Kutta advection, viscous
//! splitting with PSE, and remeshing with the threshold `|Γ_p| < ε_ω V_p`.
//! Stress-free walls on `[0, L]²` (`ψ = 0`, `ω = 0` on the walls) are the odd
//! reflection of `ω` across both walls, so the box is solved on the
//! `2L`-periodic square with odd images (SPEC, "Conventions").
//!
//! **Layer 2**: uses `particle-core` (kernels, remeshing, PSE) and below;
//! knows nothing about ensembles or data assimilation.
//!
//! ## Map
//!
//! * [`Domain`], [`Grid`] — the square (periodic or with stress-free walls)
//!   and its uniform grid of spacing `l = 2 d_p`, which is both the
//!   remeshing grid and the Poisson grid.
//! * [`Vic`] with [`VicConfig`] — the solver: one [`Vic::step`] is three
//!   RK3 stages of particle-to-grid (`M4'`), FFT Poisson with spectral
//!   velocity, and grid-to-particle (`M4'`), then one PSE step, then
//!   remeshing when due. [`Vic::velocity_at`] gives the velocity at any
//!   points (the observation operator of the assimilation),
//!   [`Vic::vorticity`] the nodal vorticity, [`Vic::diagnostics`] the
//!   circulation, impulse, energy and enstrophy.
//! * [`FlowState`] — particles, time, step count.
//!
//! * [`PoissonSolver`], [`VelocityField`] — the FFT solve of `Δψ = −ω` from
//!   nodal vorticity and the spectral velocity `u = ∂ψ/∂y`, `v = −∂ψ/∂x`
//!   on the grid, with its `M4'` interpolant. The velocity is
//!   differentiated spectrally, not by finite differences: the derivative
//!   of the trigonometric interpolant is exact for every resolved mode and
//!   costs no more than the inverse transform the Poisson solve needs
//!   anyway (one inverse FFT of `û + i v̂` gives both components).
//!
//! ## Example
//!
//! ```
//! use std::f64::consts::PI;
//! use vic_solver::{Boundary, Domain, FlowState, Grid, Vic, VicConfig};
//!
//! // A Gaussian vortex in the stress-free box [0, π]², d_p = π/64 (32² grid).
//! let domain = Domain::new(PI, Boundary::StressFreeWalls)?;
//! let grid = Grid::for_particle_spacing(domain, PI / 64.0)?;
//! let config = VicConfig::new(1e-3, 0.01, 2.0 * PI / 64.0).with_remeshing(5, 1e-6);
//! let mut vic = Vic::new(grid, config)?;
//! let vortex = |x: [f64; 2]| {
//!     let r2 = (x[0] - PI / 2.0).powi(2) + (x[1] - PI / 2.0).powi(2);
//!     (-r2 / 0.1).exp()
//! };
//! let particles = vic.particles_from_vorticity(vortex, 1e-6)?;
//! let mut state = FlowState::new(particles, 0.0);
//! let before = vic.diagnostics(&state)?;
//! vic.advance(&mut state, 10, |_| {})?;
//! let after = vic.diagnostics(&state)?;
//! assert_eq!(state.steps, 10);
//! // Viscosity dissipates energy; circulation is kept to well within 1e-4.
//! assert!(after.energy < before.energy);
//! assert!((after.circulation / before.circulation - 1.0).abs() < 1e-4);
//! // The swirl at r = 0.3 is the Lamb–Oseen value Γ/(2πr)(1 − e^{−r²/σ²}),
//! // Γ = πσ², σ² = 0.1 (+ a little spreading and the wall images).
//! let speeds = vic.velocity_at(&state.particles, &[[PI / 2.0 + 0.3, PI / 2.0], [0.0, 1.0]])?;
//! let lamb_oseen = 0.1 / (2.0 * 0.3) * (1.0 - (-0.9f64).exp());
//! assert!((speeds[0][1] / lamb_oseen - 1.0).abs() < 0.01);
//! // A point on a wall sees no wall-normal velocity.
//! assert!(speeds[1][0].abs() < 1e-12);
//! # Ok::<(), vic_solver::Error>(())
//! ```

mod box_poisson;
mod error;
mod grid;
mod poisson;
mod solver;

pub use error::{Error, Result};
pub use grid::{Boundary, Domain, Grid};
pub use poisson::{PoissonSolver, VelocityField};
pub use solver::{Diagnostics, Diffusion, FlowState, Vic, VicConfig};

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Uniform numbers in `[0, 1)` from a 64-bit linear congruential generator
/// (Knuth's MMIX constants): reproducible test data without a dependency.
#[cfg(test)]
pub(crate) fn test_uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}
