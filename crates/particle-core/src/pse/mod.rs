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
//! # How it is computed
//!
//! Neighbours are those within the cut-off of a stated tolerance, as for
//! the reconstruction. Writing `g_pq = exp(-|x_p - x_q|^2 / eps^2)`, the
//! rate is `eta_eps(0) (V_p a_p - U_p b_p)` with `a_p = sum_q U_q g_pq` and
//! `b_p = sum_q V_q g_pq` (which is also the stiffness `S_p` up to
//! `nu eps^-2 eta_eps(0)`), so a pair costs one Gaussian and four fused
//! multiply-adds. The particles and their images are sorted into padded
//! lines (the crate's private `gaussian_blocks`, shared with the
//! reconstruction); every pair is evaluated once, in lanes without a
//! cut-off branch (the Gaussians beyond the cut-off are masked), with a
//! vectorised `2^x`, on AVX2 when the processor has it, and the same bits
//! without. The precision follows the tolerance:
//!
//! * **from [`SINGLE_PRECISION_TOLERANCE`] (`1e-6`, the VIC solver's and
//!   Part-EnKF's) up**, eight lanes of `f32`: coordinates as 32-bit fixed
//!   point (their differences exact; a resolution of `5e-7` kernel widths
//!   at the paper's dipole), strengths, volumes and sums in `f32`, `2^x`
//!   of degree 6. Each Gaussian is then within about `5e-7` of the
//!   kernel's peak (the fixed point's rounding, random from pair to pair)
//!   and each sum within a few `f32` roundings of its terms' moduli: at
//!   most what the cut-off leaves out. A pair's Gaussian is one number
//!   for both particles, so the exchange stays antisymmetric; the total
//!   strength is conserved to the rounding of the `f32` sums (about
//!   `1e-7` of the strengths' moduli per step) instead of `f64`'s. The
//!   rates `V_p a_p - U_p b_p` are formed in `f64`.
//! * **below it**, four lanes of `f64`, `2^x` by the lowest polynomial
//!   whose error is a thousandth of what the cut-off leaves out: 2.3e-10
//!   relative for tolerances of `2.5e-7` and coarser, 1.1e-12 down to
//!   `1e-9`, within 3 ulp of the library's below.
//!
//! The target
//! lines are split into chunks fixed by the number of slots, each summing
//! into its own accumulators, added in chunk order: the result is the same
//! for every thread count. A [`PseOperator`] keeps all its buffers:
//! [`PseOperator::set_particles`] re-sorts a moved set without allocating.

use std::ops::Range;

use rayon::prelude::*;

use crate::domain::Domain;
use crate::kernels::{Kernel, Width, gaussian_r2};
use crate::particles::{check_finite, check_len, check_volumes};
use crate::{Error, ParticleSet, Result};

use crate::gaussian_blocks::blocks::{Blocks, EMPTY};
use crate::gaussian_blocks::{exp, pairs};

/// The pair sums are split into at most this many chunks of target lines,
const MAX_CHUNKS: usize = 8;
/// of at least this many slots each.
const MIN_CHUNK_SLOTS: usize = 4096;

/// The exchange of particle `p` with `q` across the kernel value
/// `eta = eta_eps(x_q - x_p)`: `(V_p U_q - V_q U_p) eta`. Antisymmetric:
/// `exchange(p, q) = -exchange(q, p)` exactly (the two products are the
/// same numbers subtracted in the other order).
pub fn exchange(volume_p: f64, strength_p: f64, volume_q: f64, strength_q: f64, eta: f64) -> f64 {
    (volume_p * strength_q - volume_q * strength_p) * eta
}

/// The PSE operator of one particle configuration: its positions and their
/// images sorted into cell blocks for the Gaussian `eta = 4 zeta` cut off
/// at a tolerance, and its volumes, ready to diffuse any strengths they
/// carry. All work space is kept, so one operator can follow a moving set
/// ([`PseOperator::set_particles`]) without allocating.
#[derive(Debug, Clone)]
pub struct PseOperator<const D: usize> {
    domain: Domain<D>,
    eps: Width,
    /// Cut-off radius `eps sqrt(ln 1/tol)`.
    cutoff: f64,
    blocks: Blocks<D>,
    volumes: Vec<f64>,
    /// The pair sums' strengths and chunks, in the precision the tolerance
    /// allows.
    sums: PairSums,
    /// Per slot: the sums `a`, `b`.
    a: Vec<f64>,
    b: Vec<f64>,
    /// Per particle: `V_p a_p - U_p b_p` times `eta_eps(0)`.
    rate: Vec<f64>,
}

/// Tolerances from which the pair sums are single precision (module
/// docs): their rounding (each Gaussian within about `5e-7` of the peak,
/// each sum within a few `f32` roundings) is then at most what the cut-off
/// leaves out.
pub const SINGLE_PRECISION_TOLERANCE: f64 = 1e-6;

#[derive(Debug, Clone)]
enum PairSums {
    Double(Buffers<f64>),
    Single(Buffers<f32>),
}

/// Per slot the signed strength in the sums' precision, and per chunk its
/// sums.
#[derive(Debug, Clone, Default)]
struct Buffers<V> {
    strength: Vec<V>,
    chunks: Vec<Chunk<V>>,
}

/// A chunk's target lines, first slot, and sums.
#[derive(Debug, Clone, Default)]
struct Chunk<V> {
    lines: Range<usize>,
    base: usize,
    a: Vec<V>,
    b: Vec<V>,
}

impl<V: Copy + Default + Into<f64> + Send + Sync> Buffers<V> {
    /// The chunks of `plan` (target lines, first slot, slots reached).
    fn plan(&mut self, plan: impl ExactSizeIterator<Item = (Range<usize>, usize, usize)>) {
        self.chunks.resize_with(plan.len(), Chunk::default);
        for (chunk, (lines, base, len)) in self.chunks.iter_mut().zip(plan) {
            chunk.lines = lines;
            chunk.base = base;
            chunk.a.clear();
            chunk.a.resize(len, V::default());
            chunk.b.clear();
            chunk.b.resize(len, V::default());
        }
    }

    /// Every slot's signed strength (0 for padding and without
    /// `strengths`) by `convert`, then the chunks' pair sums by `kernel`
    /// (in parallel) added into `a` and `b` in chunk order: the same bits
    /// for every thread count.
    fn sum_into<const D: usize>(
        &mut self,
        blocks: &Blocks<D>,
        strengths: Option<&[f64]>,
        convert: fn(f64) -> V,
        kernel: impl Fn(&[V], Range<usize>, usize, &mut [V], &mut [V]) + Sync,
        (a, b): (&mut [f64], &mut [f64]),
    ) {
        self.strength.clear();
        self.strength.extend(
            (0..blocks.slots()).map(|s| match (blocks.source[s], strengths) {
                (EMPTY, _) | (_, None) => V::default(),
                (q, Some(u)) => convert(blocks.sign[s] * u[q]),
            }),
        );
        let strength = &self.strength;
        self.chunks.par_iter_mut().for_each(|chunk| {
            chunk.a.fill(V::default());
            chunk.b.fill(V::default());
            let lines = chunk.lines.clone();
            kernel(strength, lines, chunk.base, &mut chunk.a, &mut chunk.b);
        });
        for chunk in &self.chunks {
            let range = chunk.base..chunk.base + chunk.a.len();
            for (total, &x) in a[range.clone()].iter_mut().zip(&chunk.a) {
                *total += x.into();
            }
            for (total, &x) in b[range].iter_mut().zip(&chunk.b) {
                *total += x.into();
            }
        }
    }
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
        let cutoff = Kernel::Gaussian.radius(tolerance)? * eps.get();
        let mut op = PseOperator {
            domain,
            eps,
            cutoff,
            blocks: Blocks::default(),
            volumes: Vec::new(),
            sums: if tolerance >= SINGLE_PRECISION_TOLERANCE {
                PairSums::Single(Buffers::default())
            } else {
                PairSums::Double(Buffers::default())
            },
            a: Vec::new(),
            b: Vec::new(),
            rate: Vec::new(),
        };
        op.set_positions(positions, volumes)?;
        Ok(op)
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

    /// Follow the particles to new positions and volumes (any number of
    /// particles), reusing the work space.
    ///
    /// # Errors
    /// As [`PseOperator::new`] for bad particles; the operator is then
    /// unusable until a successful call.
    pub fn set_positions(&mut self, positions: &[Vec<f64>; D], volumes: &[f64]) -> Result<()> {
        // Refuse bad volumes before sorting (the sort reads them).
        check_volumes(volumes, positions[0].len())?;
        self.blocks.rebuild(
            &self.domain,
            positions,
            volumes,
            self.cutoff,
            self.eps.get(),
        )?;
        self.volumes.clear();
        self.volumes.extend_from_slice(volumes);
        self.plan_chunks();
        Ok(())
    }

    /// [`PseOperator::set_positions`] from a particle set.
    ///
    /// # Errors
    /// As [`PseOperator::set_positions`].
    pub fn set_particles(&mut self, particles: &ParticleSet<D>) -> Result<()> {
        self.set_positions(particles.positions(), particles.volumes())
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
    pub fn stability_bound(&mut self, viscosity: f64) -> Result<f64> {
        check_viscosity(viscosity)?;
        let max_s = self.rates_and_stiffness(None);
        Ok(bound(viscosity, max_s, self.eps))
    }

    /// The rates `dU_p/dt` for the given strengths.
    ///
    /// # Errors
    /// [`Error::Negative`] for a bad viscosity; [`Error::LengthMismatch`] or
    /// [`Error::NonFiniteParticle`] for bad strengths.
    pub fn rates(&mut self, strengths: &[f64], viscosity: f64) -> Result<Vec<f64>> {
        check_viscosity(viscosity)?;
        self.check_strengths(strengths)?;
        self.rates_and_stiffness(Some(strengths));
        let scale = viscosity / (self.eps.get().powi(2));
        Ok(self.rate.iter().map(|r| r * scale).collect())
    }

    /// One explicit Euler step `U += dt dU/dt`, in place. `viscosity = 0` is
    /// a no-op (after the checks).
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a bad `dt`; [`Error::Negative`] for a bad
    /// viscosity; [`Error::LengthMismatch`] or [`Error::NonFiniteParticle`]
    /// for bad strengths; [`Error::PseUnstable`] if `dt` exceeds
    /// [`PseOperator::stability_bound`]. The strengths are unchanged on error.
    pub fn step(&mut self, strengths: &mut [f64], viscosity: f64, dt: f64) -> Result<()> {
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
        let max_s = self.rates_and_stiffness(Some(strengths));
        let limit = bound(viscosity, max_s, self.eps);
        if dt > limit {
            return Err(Error::PseUnstable { dt, bound: limit });
        }
        let scale = dt * viscosity / (self.eps.get().powi(2));
        for (u, r) in strengths.iter_mut().zip(&self.rate) {
            *u += scale * r;
        }
        Ok(())
    }

    /// Split the target lines into chunks of about equal slot counts, fixed
    /// by the blocks alone (never by the thread count).
    fn plan_chunks(&mut self) {
        let blocks = &self.blocks;
        let (slots, lines) = (blocks.slots(), blocks.lines());
        let count = slots.div_ceil(MIN_CHUNK_SLOTS).clamp(1, MAX_CHUNKS);
        // A target line reaches slots up to those of the last forward line.
        let reach = blocks.forward_lines();
        let mut first_line = 0;
        let plan = (0..count).map(|k| {
            let last_line = if k + 1 == count {
                lines
            } else {
                let target = slots * (k + 1) / count;
                let (mut lo, mut hi) = (first_line, lines);
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    if blocks.line_start(mid) < target {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                lo
            }
            .max(first_line);
            let base = blocks.line_start(first_line);
            let top = blocks.line_start((last_line + reach).min(lines));
            let chunk = (first_line..last_line, base, top - base);
            first_line = last_line;
            chunk
        });
        match &mut self.sums {
            PairSums::Double(buffers) => buffers.plan(plan),
            PairSums::Single(buffers) => buffers.plan(plan),
        }
    }

    /// Fill `self.rate` with `eta_eps(0) (V_p a_p - U_p b_p)` for the given
    /// strengths (none: zeros) and return `max_p S_p` without
    /// `nu eps^-2`: `eta_eps(0) b_p`, an odd self-image counted twice and an
    /// even one not at all.
    fn rates_and_stiffness(&mut self, strengths: Option<&[f64]>) -> f64 {
        let eta0 = 4.0 * gaussian_r2::<D>(0.0, self.eps);
        // Squared distances are in units of eps^2 / log2(e) (`blocks`).
        let cutoff2 = (self.cutoff / self.eps.get()).powi(2) * std::f64::consts::LOG2_E;
        let blocks = &self.blocks;
        let slots = blocks.slots();
        self.a.clear();
        self.a.resize(slots, 0.0);
        self.b.clear();
        self.b.resize(slots, 0.0);
        let sums = (&mut self.a[..], &mut self.b[..]);
        match &mut self.sums {
            PairSums::Double(buffers) => {
                let kernel = |strength: &[f64], lines, base, a: &mut [f64], b: &mut [f64]| {
                    pairs::accumulate(blocks, strength, cutoff2, lines, base, a, b);
                };
                buffers.sum_into(blocks, strengths, |u| u, kernel, sums);
            }
            PairSums::Single(buffers) => {
                let kernel = |strength: &[f32], lines, base, a: &mut [f32], b: &mut [f32]| {
                    pairs::accumulate(blocks, strength, cutoff2, lines, base, a, b);
                };
                buffers.sum_into(blocks, strengths, |u| u as f32, kernel, sums);
            }
        }
        self.rate.clear();
        self.rate
            .extend(blocks.home.iter().enumerate().map(|(p, &h)| {
                let u = strengths.map_or(0.0, |u| u[p]);
                eta0 * (self.volumes[p] * self.a[h] - u * self.b[h])
            }));
        // b_p counted each self-image once: an odd one (the Dirichlet wall
        // term `2 V_p eta w_p`) belongs twice, an even one (the particle's
        // own periodic copy, which carries `w_p`) not at all.
        for &s in &blocks.images {
            let h = blocks.home[blocks.source[s]];
            let d2: f64 = (0..D)
                .map(|axis| (blocks.coords[axis][s] - blocks.coords[axis][h]).powi(2))
                .sum();
            if d2 <= cutoff2 {
                // The double pair sums' own polynomial, so that this cancels
                // their term (the single ones' to their rounding: the
                // stiffness only bounds the step).
                let g = exp::pow2_neg_for(cutoff2, d2);
                self.b[h] -= blocks.sign[s] * blocks.volume[h] * g;
            }
        }
        eta0 * blocks.home.iter().fold(0.0_f64, |m, &h| m.max(self.b[h]))
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
    let mut op = PseOperator::for_particles(domain, particles, eps, tolerance)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 pair sums (when this processor has AVX2) and the portable
    /// ones are the same bits, in both precisions.
    #[test]
    fn vector_and_portable_pair_sums_are_the_same_bits() {
        let mut rnd = crate::test_uniform(5u64);
        let n = 2000;
        let positions = [(); 2].map(|_| (0..n).map(|_| rnd()).collect::<Vec<_>>());
        let strengths: Vec<f64> = (0..n).map(|_| rnd() - 0.5).collect();
        let volumes: Vec<f64> = (0..n).map(|_| 1e-3 * (0.5 + rnd())).collect();
        let domain = Domain::<2>::walls(1.0).unwrap();
        let eps = Width::new(0.02).unwrap();
        // Single precision, and one tolerance per polynomial of the double
        // `2^x` (degrees 7, 8 and 10).
        for tolerance in [1e-3, 1e-6, 3e-7, 1e-8, 1e-12] {
            let op = PseOperator::new(domain, &positions, &volumes, eps, tolerance).unwrap();
            let blocks = &op.blocks;
            let cutoff2 = (op.cutoff / eps.get()).powi(2) * std::f64::consts::LOG2_E;
            let strength: Vec<f64> = (0..blocks.slots())
                .map(|s| match blocks.source[s] {
                    EMPTY => 0.0,
                    q => blocks.sign[s] * strengths[q],
                })
                .collect();
            if tolerance >= SINGLE_PRECISION_TOLERANCE {
                let strength: Vec<f32> = strength.iter().map(|&u| u as f32).collect();
                let kernels = [pairs::accumulate, pairs::accumulate_portable];
                same_bits(blocks, &strength, cutoff2, kernels);
            } else {
                let kernels = [pairs::accumulate, pairs::accumulate_portable];
                same_bits(blocks, &strength, cutoff2, kernels);
            }
        }
    }

    /// `pairs::accumulate` or a twin, in precision `V`.
    type Kernel<V> = fn(&Blocks<2>, &[V], f64, Range<usize>, usize, &mut [V], &mut [V]);

    /// The pair sums of the AVX2 and the portable `kernels` are the same
    /// bits, and not all zero.
    fn same_bits<V: Copy + Default + Into<f64>>(
        blocks: &Blocks<2>,
        strength: &[V],
        cutoff2: f64,
        kernels: [Kernel<V>; 2],
    ) {
        let [vector, portable] = kernels.map(|kernel| {
            let slots = blocks.slots();
            let (mut a, mut b) = (vec![V::default(); slots], vec![V::default(); slots]);
            kernel(
                blocks,
                strength,
                cutoff2,
                0..blocks.lines(),
                0,
                &mut a,
                &mut b,
            );
            // Exact in f64, so equal bits there are equal bits here.
            let bits = |x: Vec<V>| {
                x.into_iter()
                    .map(|x| x.into().to_bits())
                    .collect::<Vec<_>>()
            };
            (bits(a), bits(b))
        });
        assert!(vector.0.iter().any(|&x| x != 0));
        assert_eq!(vector, portable);
    }
}
