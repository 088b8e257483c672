//! Particle methods for ensemble data assimilation: the building blocks of a
//! Lagrangian particle discretisation of a field, from paper 2 (Duvillard,
//! Giraldi, Le Maître, *Ensemble data assimilation for particle methods*),
//! Section 2.2.
//!
//! A field is carried by particles `{x_p, U_p, V_p}` (position, strength,
//! volume) and reconstructed as `u(x) = sum_p U_p phi_eps(x - x_p)`, eq. (3);
//! strengths are built from a field by eq. (4), Beale's iteration or the
//! least-squares problem eq. (5); remeshing projects onto a grid of spacing
//! `l = 2 d_p` and interpolates back to regular particles, eq. (6)–(9), with
//! the `M4'` kernel; diffusion uses particle strength exchange (PSE).
//!
//! Layer 1 of the workspace: it depends on no other crate of the workspace
//! and knows nothing about ensembles or assimilation.
//!
//! # Map of the crate
//!
//! | module | paper 2 | what |
//! |---|---|---|
//! | [`kernels`] | §2.2, §2.2.2 | Gaussian `zeta_eps` (1D, 2D, any `D` from `|x|^2`, periodic wrap), PSE kernel `eta = 4 zeta`, `M4'`, hat; validated widths; cut-off radii |
//! | [`domain`] | SPEC conventions | free, periodic and stress-free-wall axes; images (odd across walls) |
//! | [`particles`] | §2.2.1 | [`ParticleSet`]: positions, strengths, volumes as a struct of arrays; lattice with eq. (4) and `eps_cut` |
//! | [`cell_list`] | — | neighbours within a cut-off in `O(N)`, images stored as signed ghosts |
//! | [`reconstruct`] | eq. (3) | [`Reconstruction`]: the field at any points, with a stated truncation bound |
//! | [`strengths`] | eq. (4), Beale, eq. (5) | direct, Beale's iteration (converged or an error), least squares and ridge with faer |
//! | [`remesh`] | eq. (6)–(9) | projection to the grid `l = 2 d_p` and interpolation to fresh particles, thresholding |
//! | [`pse`] | §2.2, SPEC | conservative PSE with an enforced stability bound; pair sums in `f32` from a cut-off tolerance of `1e-6` up, `f64` below |
//! | [`advection_diffusion`] | §4.1 | the 1D periodic advection–diffusion particle model (forecast model of the 1D experiments) |
//!
//! Everything that loops over particles or points runs in parallel with
//! rayon in a way that does not depend on the number of threads: gathers
//! sum each output in a fixed order, and the one scatter (projection) uses
//! a split fixed by the particle count.
//!
//! # Example
//!
//! `M4'` is a partition of unity and the Gaussian has unit mass:
//!
//! ```
//! use particle_core::kernels::{gaussian_1d, m4prime, Kernel, Width};
//!
//! let x = 0.3;
//! let sum: f64 = (-2..=3).map(|j| m4prime(x - f64::from(j))).sum();
//! assert!((sum - 1.0).abs() < 1e-15);
//!
//! let eps = Width::new(0.2)?;
//! let r = Kernel::Gaussian.radius(1e-12)? * eps.get();
//! let h = 1e-3;
//! let mass: f64 = (-2000..=2000).map(|i| gaussian_1d(f64::from(i) * h, eps) * h).sum();
//! assert!(r < 2.0 && (mass - 1.0).abs() < 1e-12);
//!
//! assert!(Width::new(-1.0).is_err());
//! # Ok::<(), particle_core::Error>(())
//! ```

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod advection_diffusion;
pub mod cell_list;
pub mod domain;
pub mod error;
mod gaussian_blocks;
pub mod kernels;
pub mod particles;
pub mod pse;
pub mod reconstruct;
pub mod remesh;
pub mod strengths;

pub use cell_list::CellList;
pub use domain::{Axis, Domain};
pub use error::{Error, Result};
pub use particles::ParticleSet;
pub use reconstruct::Reconstruction;

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
