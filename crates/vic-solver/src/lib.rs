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
//! ## Status
//!
//! Today the crate holds the computational geometry every later part is
//! built on: [`Domain`] (a square, periodic or with stress-free walls) and
//! [`Grid`] (the uniform remeshing/Poisson grid, spacing `l = 2 d_p`), with
//! the consistency checks between particle spacing, grid and domain. The
//! Poisson solver, velocity, time stepping and diagnostics are still to come
//! (project issue #5).
//!
//! ## Example
//!
//! ```
//! use std::f64::consts::PI;
//! use vic_solver::{Boundary, Domain, Grid};
//!
//! // SPEC's 2D scenario: the box [0, π]², d_p = π/256, hence a 128² grid.
//! let domain = Domain::new(PI, Boundary::StressFreeWalls)?;
//! let grid = Grid::for_particle_spacing(domain, PI / 256.0)?;
//! assert_eq!(grid.cells(), 128);
//! assert!((grid.spacing() - PI / 128.0).abs() < 1e-15);
//! // A spacing that does not tile the box is refused.
//! assert!(Grid::for_particle_spacing(domain, 0.03).is_err());
//! # Ok::<(), vic_solver::Error>(())
//! ```

mod error;
mod grid;

pub use error::{Error, Result};
pub use grid::{Boundary, Domain, Grid};
