//! Field reconstruction, paper 2 eq. (3): `u(x) = sum_p U_p zeta_eps(x - x_p)`
//! with the Gaussian `zeta_eps`, at arbitrary points, through a cell list.
//!
//! # Cut-off and the error it makes
//!
//! Particles (and their images) farther than `r = eps sqrt(ln(1/tol))` from
//! the evaluation point are left out ([`crate::kernels::Kernel::radius`]).
//! Each left-out particle or image contributes at most
//! `|U_p| zeta_eps(0) exp(-r^2/eps^2) = tol zeta_eps(0) |U_p|`. In free space
//! a particle has one copy, so the truncation error is at most
//! `tol zeta_eps(0) sum_p |U_p|`. On a bounded axis of length `L >= 2 r`
//! every particle has at most three images per axis within `r + L` of the
//! point, and the farther ones are smaller again by `exp(-2 r L / eps^2) <=
//! tol^4`; hence [`Reconstruction::error_bound`] is
//! `3^D tol zeta_eps(0) sum_p |U_p|` (a bound, generous by design).
//!
//! Work is `O(number of neighbours)` per point; points are evaluated in
//! parallel with rayon, each one summing its neighbours in the fixed order
//! of the cell list, so the values are the same for every thread count.

use rayon::prelude::*;

use crate::cell_list::CellList;
use crate::domain::{Axis, Domain};
use crate::gaussian_blocks::blocks::{Blocks, EMPTY};
use crate::gaussian_blocks::points;
use crate::kernels::{Kernel, Width, gaussian_r2};
use crate::particles::check_len;
use crate::{Error, ParticleSet, Result};

/// A particle configuration prepared for evaluating eq. (3): the cell list
/// of the positions for the Gaussian of width `eps` cut off at a tolerance.
///
/// Building it costs `O(N)`; it can then evaluate any strengths carried by
/// the same positions (Beale's iteration does so repeatedly).
#[derive(Debug, Clone)]
pub struct Reconstruction<const D: usize> {
    list: CellList<D>,
    /// The same particles and images in padded blocks along lines, for
    /// the vectorised sums.
    blocks: Blocks<D>,
    eps: Width,
    tolerance: f64,
    len: usize,
}

impl<const D: usize> Reconstruction<D> {
    /// Prepare positions (one array per axis) in `domain` for reconstruction
    /// with width `eps`, leaving out contributions below `tolerance` (see
    /// the module docs for the resulting error bound).
    ///
    /// # Errors
    /// [`Error::InvalidTolerance`] for `tolerance` outside `(0, 1)`;
    /// [`Error::EmptyParticleSet`], [`Error::LengthMismatch`] or
    /// [`Error::NonFiniteParticle`] for bad positions.
    pub fn new(
        domain: Domain<D>,
        positions: &[Vec<f64>; D],
        eps: Width,
        tolerance: f64,
    ) -> Result<Self> {
        let cutoff = Kernel::Gaussian.radius(tolerance)? * eps.get();
        let list = CellList::new(domain, positions, cutoff)?;
        let mut blocks = Blocks::default();
        // Volumes do not enter the reconstruction.
        let ones = vec![1.0; positions[0].len()];
        blocks.rebuild(&domain, positions, &ones, cutoff, eps.get())?;
        Ok(Reconstruction {
            list,
            blocks,
            eps,
            tolerance,
            len: positions[0].len(),
        })
    }

    /// Prepare the positions of a particle set.
    ///
    /// # Errors
    /// As [`Reconstruction::new`].
    pub fn for_particles(
        domain: Domain<D>,
        particles: &ParticleSet<D>,
        eps: Width,
        tolerance: f64,
    ) -> Result<Self> {
        Self::new(domain, particles.positions(), eps, tolerance)
    }

    /// Number of particles.
    #[expect(
        clippy::len_without_is_empty,
        reason = "never empty: construction refuses empty sets"
    )]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The smoothing length `eps`.
    pub fn eps(&self) -> Width {
        self.eps
    }

    /// The truncation tolerance.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// The cut-off distance `eps sqrt(ln(1/tol))`.
    pub fn cutoff(&self) -> f64 {
        self.list.cutoff()
    }

    /// The cell list (for operators that need the neighbours themselves).
    pub fn cell_list(&self) -> &CellList<D> {
        &self.list
    }

    /// Upper bound of the pointwise truncation error for these strengths,
    /// `3^D tol zeta_eps(0) sum_p |U_p|` on bounded axes of length at least
    /// twice the cut-off, `tol zeta_eps(0) sum_p |U_p|` in free space.
    pub fn error_bound(&self, strengths: &[f64]) -> f64 {
        let bounded = self
            .list
            .domain()
            .axes()
            .iter()
            .filter(|a| !matches!(a, Axis::Free))
            .count();
        let images = 3f64.powi(bounded as i32);
        let total: f64 = strengths.iter().map(|u| u.abs()).sum();
        images * self.tolerance * gaussian_r2::<D>(0.0, self.eps) * total
    }

    /// `u(x) = sum_p U_p zeta_eps(x - x_p)` at one point.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] if `strengths` does not have one entry per
    /// particle; [`Error::NonFinitePoint`] or [`Error::PointOutsideDomain`]
    /// for a bad point.
    pub fn value_at(&self, strengths: &[f64], x: [f64; D]) -> Result<f64> {
        self.check_strengths(strengths)?;
        self.check_point(0, &x)?;
        Ok(self.value_unchecked(strengths, x))
    }

    /// `u` at many points, evaluated in parallel; the result is independent
    /// of the number of threads.
    ///
    /// # Errors
    /// As [`Reconstruction::value_at`], naming the first bad point.
    pub fn values_at(&self, strengths: &[f64], points: &[[f64; D]]) -> Result<Vec<f64>> {
        self.check_strengths(strengths)?;
        for (i, x) in points.iter().enumerate() {
            self.check_point(i, x)?;
        }
        Ok(self.sums_at(strengths, points))
    }

    /// `u` at the particles themselves, `(Phi U)_p`: the product with the
    /// kernel matrix of eq. (5).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] for a wrong number of strengths.
    pub fn values_at_particles(&self, strengths: &[f64]) -> Result<Vec<f64>> {
        self.check_strengths(strengths)?;
        Ok(self.at_particles_unchecked(strengths))
    }

    /// `(Phi U)_p` without checks, for trusted callers with correct lengths.
    pub(crate) fn at_particles_unchecked(&self, strengths: &[f64]) -> Vec<f64> {
        let points: Vec<[f64; D]> = (0..self.len).map(|p| self.list.particle(p)).collect();
        self.sums_at(strengths, &points)
    }

    fn value_unchecked(&self, strengths: &[f64], x: [f64; D]) -> f64 {
        self.sums_at(strengths, &[x])[0]
    }

    /// The Gaussian sums over the blocks, in fixed chunks of points in
    /// parallel: `zeta_eps(d) = zeta_eps(0) 2^(-|d|^2 log2(e) / eps^2)`,
    /// the constant applied once per point.
    fn sums_at(&self, strengths: &[f64], points: &[[f64; D]]) -> Vec<f64> {
        const POINTS_PER_TASK: usize = 256;
        let blocks = &self.blocks;
        let signed: Vec<f64> = (0..blocks.slots())
            .map(|s| match blocks.source[s] {
                EMPTY => 0.0,
                q => blocks.sign[s] * strengths[q],
            })
            .collect();
        let domain = *self.list.domain();
        let wrapped: Vec<[f64; D]> = points.iter().map(|&x| domain.wrap(x)).collect();
        let cutoff2 = (self.cutoff() / self.eps.get()).powi(2) * std::f64::consts::LOG2_E;
        let zeta0 = gaussian_r2::<D>(0.0, self.eps);
        let mut out = vec![0.0; points.len()];
        out.par_chunks_mut(POINTS_PER_TASK)
            .zip(wrapped.par_chunks(POINTS_PER_TASK))
            .for_each(|(out, points)| {
                points::sums_at(blocks, &signed, cutoff2, points, out);
                for u in out {
                    *u *= zeta0;
                }
            });
        out
    }

    fn check_strengths(&self, strengths: &[f64]) -> Result<()> {
        check_len("strengths", self.len, strengths.len())
    }

    fn check_point(&self, index: usize, x: &[f64; D]) -> Result<()> {
        for (axis, (&value, kind)) in x.iter().zip(self.list.domain().axes()).enumerate() {
            if !value.is_finite() {
                return Err(Error::NonFinitePoint { index, axis, value });
            }
            if let Axis::Walls { length } = *kind
                && !(0.0..=length).contains(&value)
            {
                return Err(Error::PointOutsideDomain {
                    index,
                    axis,
                    value,
                    length,
                });
            }
        }
        Ok(())
    }
}

/// Reconstruct the field of `particles` at `points`, eq. (3), in one call.
///
/// # Errors
/// As [`Reconstruction::new`] and [`Reconstruction::values_at`].
///
/// # Example
///
/// A single particle of strength 1 at the origin gives the Gaussian itself:
///
/// ```
/// use particle_core::kernels::{gaussian_1d, Width};
/// use particle_core::{reconstruct::reconstruct, Domain, ParticleSet};
///
/// let set = ParticleSet::<1>::new([vec![0.0]], vec![1.0], vec![0.1])?;
/// let eps = Width::new(0.3)?;
/// let u = reconstruct(Domain::free(), &set, eps, 1e-12, &[[0.2]])?;
/// assert!((u[0] - gaussian_1d(0.2, eps)).abs() < 1e-15);
/// # Ok::<(), particle_core::Error>(())
/// ```
pub fn reconstruct<const D: usize>(
    domain: Domain<D>,
    particles: &ParticleSet<D>,
    eps: Width,
    tolerance: f64,
    points: &[[f64; D]],
) -> Result<Vec<f64>> {
    Reconstruction::for_particles(domain, particles, eps, tolerance)?
        .values_at(particles.strengths(), points)
}
