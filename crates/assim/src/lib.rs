//! # assim — ensemble Kalman filters for Lagrangian particle simulations
//!
//! The filters of paper 2 (Duvillard, Giraldi & Le Maître, Sections 2.1 and
//! 3): the stochastic EnKF analysis written in member space, eq. (2), whose
//! `N × N` coefficient matrix `F` is built from predicted observations, data
//! and perturbations only; and its three particle-aware uses:
//!
//! * **Grid-EnKF** — the analysis of nodal values of a grid solver (baseline);
//! * **Remesh-EnKF** (Section 3.2) — project every member to the grid of
//!   spacing `l = 2 d_p` (eq. 6), analyse nodal values, interpolate to fresh
//!   particles (eqs. 7–9), threshold by `ε_cut`;
//! * **Part-EnKF** (Section 3.3) — evaluate the analysed field, eq. (12), at
//!   each member's own particles and rebuild strengths by eq. (4) or by
//!   regression; extend-and-pad, eqs. (10)–(11), as a baseline.
//!
//! Model parameters (`v`, `D`) can be appended to the analysed state.
//! Members are forecast in parallel, each with its own random stream derived
//! from the scenario seed and the member index, so results do not depend on
//! the number of threads.
//!
//! **Layer 3**: uses `vic-solver`, `particle-core` and `kinetic-enkf` (whose
//! ensemble statistics are the single implementation shared with this
//! crate); knows nothing about the papers' scenarios or figures.
//!
//! ## Status
//!
//! Only the error type exists today. The gain matrix, the filters, the
//! ensemble runner and the 1D experiments land with project issue #6, the 2D
//! experiments with issue #7. Nothing here pretends otherwise.

mod error;

pub use error::{Error, Result};
