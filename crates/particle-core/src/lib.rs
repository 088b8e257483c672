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
//! # Status
//!
//! What exists now is the [`kernels`] module: the Gaussian `zeta_eps` (1D,
//! 2D, and its periodic wrap in 1D), the PSE kernel `eta_eps = 4 zeta_eps`,
//! Monaghan's `M4'` and the linear hat (1D and tensorised 2D), validated
//! widths ([`kernels::Width`], [`kernels::Period`]) and cut-off radii for a
//! tolerance ([`kernels::Kernel`]). Still to come: particle sets, field
//! reconstruction eq. (3) with compact cut-off and cell lists, strength
//! construction (eq. (4), Beale's iteration, least squares eq. (5) and
//! ridge), remeshing eq. (6)–(9) with thresholding, PSE diffusion, and
//! periodic and odd-image wall boundaries.
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

pub mod advection_diffusion;
pub mod cell_list;
pub mod domain;
pub mod error;
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
