//! Particle strength exchange (PSE): diffusion of the strengths carried by
//! any particle distribution, in the conservative symmetric form of SPEC,
//!
//! ```text
//! dU_p/dt = nu eps^-2 sum_q (V_p U_q - V_q U_p) eta_eps(x_q - x_p),
//! ```
//!
//! with `eta = 4 zeta` (second moments `2 delta_ij`), so that the right-hand
//! side approximates `V_p nu Laplacian u(x_p)` to `O(eps^2)`.
//!
//! * **Conservation.** The pairwise [`exchange`] is antisymmetric in `p, q`
//!   and `eta` is even, so in free space and on periodic axes the rates sum
//!   to zero and the total strength is conserved to rounding. Wall axes add
//!   the odd images (strength `-U_q`): the wall is the Dirichlet condition
//!   `u = 0` and strength leaves through it, as it should.
//! * **Stability.** In terms of the densities `w_p = U_p / V_p` the explicit
//!   Euler step is `w_p' = (1 - dt S_p) w_p + dt nu eps^-2 sum_q V_q eta_pq w_q`
//!   with `S_p = nu eps^-2 sum_{q != p} V_q eta_pq` (an odd image of `p`
//!   itself counted twice). For `dt S_p <= 1` every new density is a
//!   combination of old ones with weights of total modulus at most one, so
//!   `max |w|` cannot grow. [`PseOperator::step`] refuses a larger `dt` with
//!   [`Error::PseUnstable`]; on a uniform lattice `max S_p ~ 4 nu / eps^2`
//!   (`D = 1, 2`), i.e. `dt <= eps^2 / (4 nu)`.
//!
//! Neighbours come from a cell list with the cut-off of a stated tolerance,
//! as for the reconstruction. Every pair is evaluated once and credited to
//! both particles; rates are accumulated per chunk of particles, in the cell
//! list's fixed order, and the chunks added in order, so the result is the
//! same for every thread count.

use rayon::prelude::*;

use crate::domain::Domain;
use crate::kernels::{Width, gaussian_r2};
use crate::particles::{check_finite, check_len, check_volumes};
use crate::reconstruct::Reconstruction;
use crate::{Error, ParticleSet, Result};

/// The parallel rate computation splits the particles into at most this
/// many chunks of at least [`MIN_CHUNK`] particles, each with its own
/// accumulators of every particle's rate (pairs reach across chunks).
const MAX_CHUNKS: usize = 8;
/// Smallest chunk of the parallel rate computation.
const MIN_CHUNK: usize = 1024;

/// The exchange of particle `p` with `q` across the kernel value
/// `eta = eta_eps(x_q - x_p)`: `(V_p U_q - V_q U_p) eta`. Antisymmetric:
/// `exchange(p, q) = -exchange(q, p)` exactly (the two products are the
/// same numbers subtracted in the other order).
pub fn exchange(volume_p: f64, strength_p: f64, volume_q: f64, strength_q: f64, eta: f64) -> f64 {
    (volume_p * strength_q - volume_q * strength_p) * eta
}

/// The PSE operator of one particle configuration: the Gaussian cell list of
/// its positions (the one of [`Reconstruction`], since `eta = 4 zeta`) and
/// its volumes, ready to diffuse any strengths they carry.
#[derive(Debug, Clone)]
pub struct PseOperator<const D: usize> {
    neighbours: Reconstruction<D>,
    volumes: Vec<f64>,
}

impl<const D: usize> PseOperator<D> {
    /// Prepare positions (one array per axis) and volumes, with the PSE kernel
    /// of width `eps` cut off where its tail holds less than `tolerance` of
    /// its mass.
    ///
    /// # Errors
    /// [`Error::InvalidTolerance`]; [`Error::EmptyParticleSet`],
    /// [`Error::LengthMismatch`], [`Error::NonFiniteParticle`] or
    /// [`Error::NonPositiveVolume`] for bad particles.
    pub fn new(
        domain: Domain<D>,
        positions: &[Vec<f64>; D],
        volumes: &[f64],
        eps: Width,
        tolerance: f64,
    ) -> Result<Self> {
        let neighbours = Reconstruction::new(domain, positions, eps, tolerance)?;
        check_volumes(volumes, neighbours.len())?;
        Ok(PseOperator {
            neighbours,
            volumes: volumes.to_vec(),
        })
    }

    /// Prepare the positions and volumes of a particle set.
    ///
    /// # Errors
    /// As [`PseOperator::new`].
    pub fn for_particles(
        domain: Domain<D>,
        particles: &ParticleSet<D>,
        eps: Width,
        tolerance: f64,
    ) -> Result<Self> {
        Self::new(
            domain,
            particles.positions(),
            particles.volumes(),
            eps,
            tolerance,
        )
    }

    /// Number of particles.
    #[expect(
        clippy::len_without_is_empty,
        reason = "never empty: construction refuses empty sets"
    )]
    pub fn len(&self) -> usize {
        self.volumes.len()
    }

    /// The largest stable explicit step for `viscosity`, `1 / max_p S_p`
    /// (infinite for `viscosity = 0`). Costs one pass over the neighbours.
    ///
    /// # Errors
    /// [`Error::Negative`] for a negative or non-finite viscosity.
    pub fn stability_bound(&self, viscosity: f64) -> Result<f64> {
        check_viscosity(viscosity)?;
        let zeros = vec![0.0; self.len()];
        let (_, max_s) = self.rates_and_stiffness(&zeros);
        Ok(bound(viscosity, max_s, self.neighbours.eps()))
    }

    /// The rates `dU_p/dt` for the given strengths.
    ///
    /// # Errors
    /// [`Error::Negative`] for a bad viscosity; [`Error::LengthMismatch`] or
    /// [`Error::NonFiniteParticle`] for bad strengths.
    pub fn rates(&self, strengths: &[f64], viscosity: f64) -> Result<Vec<f64>> {
        check_viscosity(viscosity)?;
        self.check_strengths(strengths)?;
        let (mut rates, _) = self.rates_and_stiffness(strengths);
        let scale = viscosity / (self.neighbours.eps().get().powi(2));
        for r in &mut rates {
            *r *= scale;
        }
        Ok(rates)
    }

    /// One explicit Euler step `U += dt dU/dt`, in place. `viscosity = 0` is
    /// a no-op (after the checks).
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a bad `dt`; [`Error::Negative`] for a bad
    /// viscosity; [`Error::LengthMismatch`] or [`Error::NonFiniteParticle`]
    /// for bad strengths; [`Error::PseUnstable`] if `dt` exceeds
    /// [`PseOperator::stability_bound`]. The strengths are unchanged on error.
    pub fn step(&self, strengths: &mut [f64], viscosity: f64, dt: f64) -> Result<()> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(Error::NotPositive {
                name: "time step dt",
                value: dt,
            });
        }
        check_viscosity(viscosity)?;
        self.check_strengths(strengths)?;
        if viscosity == 0.0 {
            return Ok(());
        }
        let (rates, max_s) = self.rates_and_stiffness(strengths);
        let limit = bound(viscosity, max_s, self.neighbours.eps());
        if dt > limit {
            return Err(Error::PseUnstable { dt, bound: limit });
        }
        let scale = dt * viscosity / (self.neighbours.eps().get().powi(2));
        for (u, r) in strengths.iter_mut().zip(&rates) {
            *u += scale * r;
        }
        Ok(())
    }

    /// `sum_q (V_p U_q - V_q U_p) eta_pq` per particle (without
    /// `nu eps^-2`), and `max_p sum_q V_q eta_pq` over the non-self
    /// neighbours, an odd self-image counted twice.
    ///
    /// Each pair is evaluated once, from its lower index: particle `p`
    /// meeting (an image of) `q > p` at distance `d` adds the exchange to
    /// both, because `q` meets the mirror image of `p` at the same `d`
    /// with the same sign. With `sign = +1` the two contributions are
    /// exact negatives ([`exchange`] is antisymmetric); with an odd wall
    /// image (`sign = -1`) they are the two Dirichlet terms. Self-images
    /// (`q = p`) contribute to `p` alone. The particles are split into
    /// chunks fixed by their number, each accumulating on its own arrays,
    /// added in chunk order: the result does not depend on the threads.
    fn rates_and_stiffness(&self, strengths: &[f64]) -> (Vec<f64>, f64) {
        // eta_eps(d) = eta_eps(0) exp(-|d|^2 / eps^2): sum the exponentials,
        // apply the constant once at the end.
        let eps = self.neighbours.eps();
        let eta0 = 4.0 * gaussian_r2::<D>(0.0, eps);
        let inv_eps2 = 1.0 / (eps.get() * eps.get());
        let list = self.neighbours.cell_list();
        let volumes = &self.volumes;
        let n = self.len();
        let chunks = n.div_ceil(MIN_CHUNK).clamp(1, MAX_CHUNKS);
        let chunk_len = n.div_ceil(chunks);
        let partial: Vec<(Vec<f64>, Vec<f64>)> = (0..chunks)
            .into_par_iter()
            .map(|c| {
                let mut rate = vec![0.0; n];
                let mut stiffness = vec![0.0; n];
                for p in (c * chunk_len).min(n)..((c + 1) * chunk_len).min(n) {
                    let (vp, up) = (volumes[p], strengths[p]);
                    list.for_each_neighbor_from(list.particle(p), p, |e, _, d2| {
                        let q = e.source;
                        let g = (-d2 * inv_eps2).exp();
                        if q == p {
                            rate[p] += exchange(vp, up, vp, e.sign * up, g);
                            // The particle itself and its periodic images
                            // carry w_p: they do not enter S_p.
                            if e.sign < 0.0 {
                                stiffness[p] += 2.0 * vp * g;
                            }
                        } else {
                            let (vq, uq) = (volumes[q], strengths[q]);
                            rate[p] += exchange(vp, up, vq, e.sign * uq, g);
                            rate[q] += exchange(vq, uq, vp, e.sign * up, g);
                            stiffness[p] += vq * g;
                            stiffness[q] += vp * g;
                        }
                    });
                }
                (rate, stiffness)
            })
            .collect();
        let mut rates = vec![0.0; n];
        let mut total_stiffness = vec![0.0; n];
        for (rate, stiffness) in &partial {
            for (r, x) in rates.iter_mut().zip(rate) {
                *r += x;
            }
            for (s, x) in total_stiffness.iter_mut().zip(stiffness) {
                *s += x;
            }
        }
        for r in &mut rates {
            *r *= eta0;
        }
        let max_s = eta0 * total_stiffness.iter().fold(0.0_f64, |m, s| m.max(*s));
        (rates, max_s)
    }

    fn check_strengths(&self, strengths: &[f64]) -> Result<()> {
        check_len("strengths", self.len(), strengths.len())?;
        check_finite("strength", strengths)
    }
}

/// One PSE step on a particle set, building the operator for its current
/// positions.
///
/// # Errors
/// As [`PseOperator::for_particles`] and [`PseOperator::step`].
///
/// # Example
///
/// Two particles exchange strength and keep its total:
///
/// ```
/// use particle_core::kernels::Width;
/// use particle_core::{pse::diffuse, Domain, ParticleSet};
///
/// let mut set = ParticleSet::<1>::new([vec![0.0, 0.1]], vec![1.0, 0.0], vec![0.1, 0.1])?;
/// diffuse(Domain::free(), &mut set, Width::new(0.1)?, 1e-12, 0.01, 0.01)?;
/// let u = set.strengths();
/// assert!(u[0] < 1.0 && u[1] > 0.0 && (u[0] + u[1] - 1.0).abs() < 1e-15);
/// # Ok::<(), particle_core::Error>(())
/// ```
pub fn diffuse<const D: usize>(
    domain: Domain<D>,
    particles: &mut ParticleSet<D>,
    eps: Width,
    tolerance: f64,
    viscosity: f64,
    dt: f64,
) -> Result<()> {
    let op = PseOperator::for_particles(domain, particles, eps, tolerance)?;
    op.step(particles.strengths_mut(), viscosity, dt)
}

fn bound(viscosity: f64, max_stiffness: f64, eps: Width) -> f64 {
    let s = viscosity * max_stiffness / (eps.get() * eps.get());
    if s > 0.0 { 1.0 / s } else { f64::INFINITY }
}

fn check_viscosity(viscosity: f64) -> Result<()> {
    if viscosity.is_finite() && viscosity >= 0.0 {
        Ok(())
    } else {
        Err(Error::Negative {
            name: "viscosity",
            value: viscosity,
        })
    }
}
