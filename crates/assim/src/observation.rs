//! Point observations of a 1D periodic field (paper 2, Section 4.1.1: the
//! truth observed at 6 evenly spaced positions): the operator `H` of
//! eq. (1)–(2) for the two kinds of 1D states.
//!
//! * Nodal values on `n` uniform periodic nodes `x_m = m L / n`:
//!   piecewise-linear interpolation between the two nodes around the point
//!   (exact for the nodes themselves).
//! * Particle sets: the reconstruction eq. (3),
//!   `u(x) = sum_p U_p zeta_eps(x - x_p)` with the periodic Gaussian, cut
//!   off at `tolerance` of its peak ([`particle_core::Reconstruction`]).
//!
//! Both are linear in the state, so the EnKF's `H` is the matrix the
//! paper's Kalman filter would use.

use particle_core::kernels::Width;
use particle_core::{Domain, ParticleSet, Reconstruction};

use crate::ensemble::ModelError;
use crate::error::{Error, Result};

/// Observation points in the periodic domain `[0, length)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PointObservations {
    points: Vec<f64>,
    length: f64,
}

impl PointObservations {
    /// Observations at `points`, each in `[0, length)`.
    ///
    /// # Errors
    /// [`Error::NoObservations`] for no points; [`Error::NotFinite`] for a
    /// bad length; [`Error::ObservationOutsideDomain`] naming the first
    /// point outside `[0, length)` (or not finite).
    pub fn new(points: Vec<f64>, length: f64) -> Result<Self> {
        if !(length.is_finite() && length > 0.0) {
            return Err(Error::NotFinite {
                name: "domain length (positive)",
                value: length,
            });
        }
        if points.is_empty() {
            return Err(Error::NoObservations);
        }
        if let Some((observation, &position)) = points
            .iter()
            .enumerate()
            .find(|(_, x)| !(**x >= 0.0 && **x < length))
        {
            return Err(Error::ObservationOutsideDomain {
                observation,
                position,
                length,
            });
        }
        Ok(Self { points, length })
    }

    /// `count` evenly spaced points `x_k = k L / count`.
    ///
    /// # Errors
    /// As [`PointObservations::new`] (`count = 0` gives no observations).
    pub fn evenly_spaced(count: usize, length: f64) -> Result<Self> {
        let points = (0..count)
            .map(|k| k as f64 * length / count as f64)
            .collect();
        Self::new(points, length)
    }

    /// The points.
    pub fn points(&self) -> &[f64] {
        &self.points
    }

    /// Number of observations `K`.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Always false: construction refuses no points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Linear interpolation of the nodal values `u` (node `m` at
    /// `m L / u.len()`) at the points.
    ///
    /// # Errors
    /// [`ModelError::StateLength`] for fewer than 2 nodes.
    pub fn of_nodal(&self, u: &[f64]) -> std::result::Result<Vec<f64>, ModelError> {
        let n = u.len();
        if n < 2 {
            return Err(ModelError::StateLength {
                expected: 2,
                found: n,
            });
        }
        let h = self.length / n as f64;
        Ok(self
            .points
            .iter()
            .map(|&x| {
                let s = x / h;
                let left = (s.floor() as usize).min(n - 1);
                let w = s - left as f64;
                (1.0 - w) * u[left] + w * u[(left + 1) % n]
            })
            .collect())
    }

    /// The reconstruction eq. (3) of `particles` at the points, with the
    /// Gaussian of width `eps` on `domain`, cut off at `tolerance`.
    ///
    /// # Errors
    /// [`ModelError::Particle`] if the reconstruction is refused (bad
    /// tolerance, non-finite particles).
    pub fn of_particles(
        &self,
        particles: &ParticleSet<1>,
        domain: Domain<1>,
        eps: Width,
        tolerance: f64,
    ) -> std::result::Result<Vec<f64>, ModelError> {
        let field = Reconstruction::for_particles(domain, particles, eps, tolerance)?;
        let points: Vec<[f64; 1]> = self.points.iter().map(|&x| [x]).collect();
        Ok(field.values_at(particles.strengths(), &points)?)
    }
}
