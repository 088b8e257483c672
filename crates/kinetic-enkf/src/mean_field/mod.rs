//! The mean-field (kinetic) limit of the EnKF flow, paper 1 (Herty &
//! Visconti), eq. (9)–(13), and three solvers of it that check one another.
//!
//! For `J -> infinity` the empirical measure eq. (11) of the ensemble under
//! eq. (8) becomes a density `f(t, u)` on `R^d` with moments `m(t)`, `E(t)`
//! (eq. (10)) and covariance `C(t) = E - m ⊗ m` (eq. (12)), transported by
//! the velocity `-C(t) grad Phi(u)`:
//!
//! ```text
//! d_t f - div_u( C(t) grad Phi(u, y) f ) = 0.                        (13)
//! ```
//!
//! # Solvers
//!
//! * [`InteractingParticles`] (any `G`): `J` particles moved by the
//!   velocity with `C(t)` replaced by the particles' own statistics, by the
//!   classical fourth-order Runge–Kutta method with a fixed step. The
//!   velocity is written derivative-free as in eq. (5),
//!   `C_uG Gamma (y - G(u))` with `C_uG` the cross-covariance of `u` and
//!   `G(u)`, which is `-C grad Phi(u)` for linear `G` (eq. (7)). Parallel
//!   over particles (rayon), `O(J)` per step, bit-identical for any number
//!   of threads (fixed chunks of particles, partial sums added in chunk
//!   order).
//! * [`AffineFlow`] (linear `G`): the exact solution. The velocity
//!   `-C(t)(H u - b)` is affine in `u`, so `f(t)` is `f0` pushed forward by
//!   an affine map `u0 -> m(t) + A(t)(u0 - m0)`, whose coefficients solve
//!   ODEs (derived in [`affine`]).
//! * [`Grid1d`] (`d = 1`, any `G`): a conservative finite-volume scheme
//!   (MUSCL with MC-limited slopes, SSP Runge–Kutta 2, zero-flux walls) whose
//!   `C(t)` comes from the grid's own moments, with a domain that follows
//!   the concentrating density; mass is conserved to rounding and cell
//!   averages stay non-negative ([`grid`]).
//! * [`Grid2d`] (`d = 2`, any `G`): the same scheme unsplit on `N × N`
//!   cells, in flux form, with a box whose axes follow the marginals
//!   (affine re-grids, a tensor-product conservative remap; [`grid2d`]).
//!
//! All three reduce, for linear `G`, to the moment ODEs eq. (14)–(15) of
//! [`moments`](crate::moments): the tests check each against them and
//! against the others.

pub mod affine;
pub(crate) mod finite_volume;
pub mod grid;
pub mod grid2d;
pub mod particles;
pub(crate) mod statistics;

pub use affine::{AffineFlow, AffineMap, AffineSolution};
pub use grid::{Grid1d, GridParams};
pub use grid2d::Grid2d;
pub use particles::InteractingParticles;
