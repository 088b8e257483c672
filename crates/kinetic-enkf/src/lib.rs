//! The ensemble Kalman filter as a solver of inverse problems and its kinetic
//! description, after paper 1 (Herty & Visconti, *Kinetic methods for
//! inverse problems*).
//!
//! The inverse problem is `y = G(u) + eta` with a forward map
//! `G: R^d -> R^K` and noise of covariance `Gamma^{-1}`. An ensemble
//! `U = {u^j}` of `J` controls is updated by eq. (3),
//! `u^{j,n+1} = u^{j,n} + C(U^n) (D(U^n) + Gamma^{-1} / dt)^{-1} (y^{j,n+1} - G(u^{j,n}))`,
//! with the ensemble covariances `C(U)` and `D(U)` of eq. (4). This crate
//! holds the single implementation of those statistics for the workspace;
//! the assimilation crate reuses it.
//!
//! Layer 0 of the workspace: it depends on no other crate of the workspace.
//!
//! # Map: modules and the paper's equations
//!
//! * [`ensemble`]: the [`Ensemble`] type (validated, member-major storage)
//!   with its mean, covariance and cross-covariance, which give `C(U)` and
//!   `D(U)` of eq. (4);
//! * [`kalman`]: the symmetric-positive-definite solve behind every Kalman
//!   gain ([`Cholesky`], [`spd_solve`]: faer's Cholesky run sequentially,
//!   with typed refusals of asymmetric, singular and indefinite matrices),
//!   shared with the assimilation crate's analysis of paper 2, eq. (2);
//! * [`problem`]: the [`InverseProblem`] `y = G(u) + eta` with `G` a matrix
//!   or any closure (checked at every evaluation, members evaluated in
//!   parallel), the noise covariance `Gamma^{-1}`, the misfit `Phi` of
//!   eq. (2) and its gradient eq. (7);
//! * [`iteration`]: the EnKF iteration eq. (3)–(4) ([`EnkfIteration`]) for
//!   `Sigma = 0` and `Sigma = Gamma^{-1}` ([`Sigma`]), perturbations drawn
//!   from per-member streams of [`rng`];
//! * [`ode`]: an adaptive Dormand–Prince 5(4) integrator with error control;
//! * [`continuous`]: the continuous-time limit eq. (5)–(6) (adaptive ODE for
//!   `Sigma = 0`, Euler–Maruyama for `Sigma = Gamma^{-1}`), the gradient
//!   flow eq. (7)–(8) and the spread matrix `R` of Lemma 2.1;
//! * [`moments`]: the moment ODEs eq. (14)–(15) for any `d` and linear `G`;
//! * [`scalar_moments`]: the scalar moment system eq. (16) with its
//!   Jacobian eq. (17), fixed points, eigenvalues and classification, and a
//!   closed-form solution (two misprints of the paper corrected, see there);
//! * [`mean_field`]: solvers of the mean-field equation (13) that check
//!   one another: interacting particles (RK4, parallel over particles,
//!   bit-identical for any thread count, tested up to `J = 1e6`), the exact
//!   affine push-forward for linear `G` ([`mean_field::AffineFlow`]), and a
//!   conservative, positive finite-volume solvers in `d = 1` and `d = 2`
//!   with a domain that follows the concentrating density
//!   ([`mean_field::Grid1d`], [`mean_field::Grid2d`]);
//! * the phase plane of eq. (16) ([`ScalarMoments::vector_field`],
//!   [`ScalarMoments::nullclines`], [`scalar_moments::phase_field`]);
//! * [`stabilised`]: Section 4, eq. (18)–(22): noise choices
//!   ([`stabilised::Noise`]), the Nanbu binary-interaction scheme with
//!   Remark 4.1 enforced, Euler–Maruyama for the Fokker–Planck
//!   equation (22), its moment equations with their equilibrium and its
//!   eigenvalues for any `d` ([`stabilised::NoisyMoments::equilibrium`]),
//!   the scalar stable node and the growth of the covariance along `ker G`
//!   ([`stabilised::kernel_growth`]).
//!
//! The paper's figures are drawn by the workspace's `xtask`
//! (`cargo xtask reproduce kinetic-fig1`, `kinetic-fig2`,
//! `kinetic-elliptic`); the particle step and the moment solve are timed by
//! `cargo bench -p benches --bench kinetic`.
//!
//! # Example
//!
//! Two members and the linear map `G(u) = u_0 + u_1`. For `J = 2` the
//! covariance is `(1/4)(a - b)(a - b)^T`; for linear `G(u) = A u`,
//! `C(U) = Cov(U) A^T` and `D(U) = A Cov(U) A^T`.
//!
//! ```
//! use kinetic_enkf::Ensemble;
//!
//! let u = Ensemble::from_members(&[[1.0, 2.0], [3.0, 6.0]])?;
//! let g = Ensemble::from_members(&[[3.0], [9.0]])?;
//!
//! assert_eq!(u.mean(), vec![2.0, 4.0]);
//! assert_eq!(u.covariance(), vec![1.0, 2.0, 2.0, 4.0]);
//! assert_eq!(u.cross_covariance(&g)?, vec![3.0, 6.0]); // C(U), d × K = 2 × 1
//! assert_eq!(g.covariance(), vec![9.0]); // D(U), K × K = 1 × 1
//! # Ok::<(), kinetic_enkf::Error>(())
//! ```
//!
//! Ensemble Kalman inversion of `G = [1 1]`, `y = 2`: 200 iterations of
//! eq. (3) with `dt = 0.5` and no perturbations reduce the misfit of the
//! ensemble mean (it decays like `1/t`, see [`scalar_moments`]).
//!
//! ```
//! use kinetic_enkf::{EnkfIteration, Ensemble, InverseProblem, Sigma};
//!
//! let problem = InverseProblem::linear(&[1.0, 1.0], 2, &[2.0], &[0.01])?;
//! let u0 = Ensemble::from_members(&[[0.0, 0.0], [1.0, -1.0], [0.5, 1.0]])?;
//! let phi0 = problem.misfit(&u0.mean())?;
//! let u = EnkfIteration::new(0.5, Sigma::Zero, 7)?.run(&problem, u0, 200)?;
//! assert!(problem.misfit(&u.mean())? < 1e-3 * phi0);
//! # Ok::<(), kinetic_enkf::Error>(())
//! ```

pub mod continuous;
pub mod ensemble;
pub mod error;
pub mod iteration;
pub mod kalman;
pub mod mean_field;
pub mod moments;
pub mod ode;
pub mod problem;
pub mod rng;
pub mod scalar_moments;
pub mod stabilised;

pub use ensemble::Ensemble;
pub use error::{Error, Evaluation, Result};
pub use iteration::{EnkfIteration, Sigma};
pub use kalman::{Cholesky, spd_solve};
pub use problem::InverseProblem;
pub use scalar_moments::ScalarMoments;
