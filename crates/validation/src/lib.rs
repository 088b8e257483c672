//! Analytic references and error norms for ensemble Kalman particle methods.
//!
//! This crate holds what the other crates are checked against, from paper 2
//! (Duvillard, Giraldi, Le Maître, "Ensemble data assimilation for particle
//! methods") and, for [`elliptic`], paper 1's literature example:
//!
//! * [`heat_kernel`]: the `2 pi`-periodic heat kernel `K(x, t)` of
//!   Section 4.1 (image sum truncated to a stated tolerance, with its Fourier
//!   series as an independent representation) and the exact solution
//!   `u(x, t) = K(x - v t - x0, D t + sigma0^2 / 2)` of the periodic
//!   advection–diffusion problem, eq. (13);
//! * [`bessel`]: `J0`, `J1` and the first zero `j_{1,1}` of `J1`;
//! * [`lamb_chaplygin`]: vorticity, stream function and velocity of the
//!   Lamb–Chaplygin dipole of Section 5.1.2;
//! * [`dipole_box`]: the 2D flow of Section 5.1 (the dipole in the
//!   stress-free box, truth and member discretisations) on `vic-solver`,
//!   the prior of its members and the noisy observations of its velocity;
//! * [`spectral_box`]: an independent pseudo-spectral solver of the same
//!   box (double sine series, 2/3 dealiasing, integrating-factor RK4; no
//!   code shared with the particle solvers), and [`diffusion_accuracy`]:
//!   the member's Vortex-In-Cell flow with PSE and with grid diffusion
//!   against it (relative L2 vorticity error and energy at report times);
//! * [`elliptic`] (paper 1's "example from the literature", our
//!   reconstruction): Schillings & Stuart's linear elliptic inverse problem
//!   `-p'' + p = u` on `(0, 1)` by P1 finite elements observed at points,
//!   its prior `N(0, (-d^2/dx^2)^{-1})` by modes, the truth and the noise;
//! * [`norms`]: the rRMSE of states and parameters (Section 4.1.2) and the
//!   ensemble L2 error `e_omega` (Section 5.1.4), by quadrature on uniform
//!   grids.
//!
//! The papers' twin experiments (scenario files, runs) are in the
//! `experiments` crate, which is checked against this one.
//!
//! Layer 4 of the workspace: it may depend on every lower crate
//! (`kinetic-enkf`, `particle-core`, `vic-solver`, `assim`); it uses
//! `vic-solver` for the 2D flow. Otherwise it evaluates closed-form
//! solutions and integrates sampled fields.
//!
//! Every fallible entry point returns [`Result`] with a typed [`Error`];
//! nothing here prints or panics on user input.
//!
//! # Example
//!
//! ```
//! use std::f64::consts::TAU;
//! use validation::heat_kernel::{AdvectionDiffusion, periodic_heat_kernel};
//! use validation::norms::{PeriodicGrid1d, rrmse_state};
//!
//! fn main() -> Result<(), validation::Error> {
//!     // The periodic heat kernel integrates to one over a period.
//!     let grid = PeriodicGrid1d::new(256, TAU)?;
//!     let mut mass = 0.0;
//!     for x in grid.points() {
//!         mass += periodic_heat_kernel(x, 0.3)? * grid.spacing();
//!     }
//!     assert!((mass - 1.0).abs() < 1e-14);
//!
//!     // The paper's ground truth at t = 1 against a one-member "ensemble"
//!     // advected with a slower velocity.
//!     let truth_model = AdvectionDiffusion::paper();
//!     let member_model = AdvectionDiffusion { velocity: 0.9, ..truth_model };
//!     let sample = |model: AdvectionDiffusion| -> Result<Vec<f64>, validation::Error> {
//!         grid.points().into_iter().map(|x| model.exact(x, 1.0)).collect()
//!     };
//!     let error = rrmse_state(&grid, &[sample(member_model)?], &sample(truth_model)?)?;
//!     assert!(error > 0.0 && error < 1.0);
//!     Ok(())
//! }
//! ```

pub mod bessel;
pub mod diffusion_accuracy;
pub mod dipole_box;
pub mod elliptic;
pub mod error;
pub mod heat_kernel;
pub mod lamb_chaplygin;
pub mod norms;
pub mod spectral_box;

pub use error::{Error, Result};
