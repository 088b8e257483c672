//! Cell lists: all particles (and their boundary images) within a cut-off
//! radius of a point, in `O(1)` per particle for quasi-uniform sets, so
//! reconstruction and PSE cost `O(N)` instead of the all-pairs `O(N²)`.
//!
//! The list is built once per particle configuration. Boundaries enter as
//! *ghost entries*: every image of a particle (periodic copies, odd
//! reflections across walls, see [`crate::domain`]) that lies within the
//! cut-off of the bounded domain is stored with its source index and sign, so
//! a query is a plain free-space search. Entries are bucketed by a counting
//! sort, in particle order within each cell, so every query visits its
//! neighbours in a fixed order and sums are reproducible bit for bit.

use crate::domain::Domain;
use crate::{Error, Result};

/// One stored particle or image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<const D: usize> {
    /// Position of the particle or of its image.
    pub position: [f64; D],
    /// Index of the particle in the set the list was built from.
    pub source: usize,
    /// `+1` for the particle and periodic images, `-1` for odd (wall) images.
    pub sign: f64,
}

/// Particles and their images bucketed on a uniform grid of cells whose side
/// is at least the cut-off radius.
#[derive(Debug, Clone)]
pub struct CellList<const D: usize> {
    domain: Domain<D>,
    cutoff: f64,
    cell_size: f64,
    origin: [f64; D],
    dims: [usize; D],
    /// `cell_start[c]..cell_start[c + 1]` indexes `entries` of cell `c`.
    cell_start: Vec<usize>,
    entries: Vec<Entry<D>>,
    /// The particles themselves, wrapped into the domain, in input order.
    particles: Vec<[f64; D]>,
}

impl<const D: usize> CellList<D> {
    /// Bucket the particles at `positions` (one array per axis) and their
    /// images within `cutoff` of the domain.
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a non-positive or non-finite cut-off;
    /// [`Error::EmptyParticleSet`] without positions;
    /// [`Error::LengthMismatch`] if the coordinate arrays differ in length;
    /// [`Error::NonFiniteParticle`] for a NaN or infinite coordinate.
    pub fn new(domain: Domain<D>, positions: &[Vec<f64>; D], cutoff: f64) -> Result<Self> {
        if !(cutoff.is_finite() && cutoff > 0.0) {
            return Err(Error::NotPositive {
                name: "cut-off radius",
                value: cutoff,
            });
        }
        let n = check_positions(positions)?;

        let entries = images_of(&domain, positions, cutoff);
        let mut lo = [f64::INFINITY; D];
        let mut hi = [f64::NEG_INFINITY; D];
        for e in &entries {
            for axis in 0..D {
                lo[axis] = lo[axis].min(e.position[axis]);
                hi[axis] = hi[axis].max(e.position[axis]);
            }
        }
        // Cells of side `cutoff`, enlarged if sparse data would need far more
        // cells than entries (memory stays O(N)).
        let mut cell_size = cutoff;
        let cell_budget = 4 * entries.len() + 64;
        let dims = loop {
            let dims: [usize; D] =
                std::array::from_fn(|a| ((hi[a] - lo[a]) / cell_size).floor() as usize + 1);
            let total = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
            match total {
                Some(t) if t <= cell_budget => break dims,
                _ => cell_size *= 2.0,
            }
        };

        let mut list = CellList {
            domain,
            cutoff,
            cell_size,
            origin: lo,
            dims,
            cell_start: Vec::new(),
            entries: Vec::new(),
            particles: (0..n)
                .map(|p| domain.wrap(std::array::from_fn(|a| positions[a][p])))
                .collect(),
        };
        // Counting sort by cell, stable in entry order: within a cell the
        // entries stay in source order (for_each_neighbor_from relies on it).
        let ncells: usize = dims.iter().product();
        let cells: Vec<usize> = entries.iter().map(|e| list.cell_of(&e.position)).collect();
        let mut start = vec![0usize; ncells + 1];
        for &c in &cells {
            start[c + 1] += 1;
        }
        for c in 0..ncells {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut sorted = vec![entries[0]; entries.len()];
        for (e, &c) in entries.iter().zip(&cells) {
            sorted[fill[c]] = *e;
            fill[c] += 1;
        }
        list.cell_start = start;
        list.entries = sorted;
        Ok(list)
    }

    /// The cut-off radius the list was built for.
    pub fn cutoff(&self) -> f64 {
        self.cutoff
    }

    /// The domain whose images are stored.
    pub fn domain(&self) -> &Domain<D> {
        &self.domain
    }

    /// Number of particles the list was built from.
    #[expect(
        clippy::len_without_is_empty,
        reason = "never empty: construction refuses empty sets"
    )]
    pub fn len(&self) -> usize {
        self.particles.len()
    }

    /// Position of particle `p`, wrapped into the domain.
    ///
    /// # Panics
    /// If `p >= len()`.
    pub fn particle(&self, p: usize) -> [f64; D] {
        self.particles[p]
    }

    /// Number of stored entries (particles plus images).
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// Call `f(entry, x - entry.position, |x - entry.position|²)` for every
    /// particle or image within the cut-off of `x`, in a fixed order.
    ///
    /// Periodic coordinates of `x` are wrapped into the domain first. Images
    /// are stored only within the cut-off of the bounded domain, so for wall
    /// axes `x` should lie in `[0, L]`.
    pub fn for_each_neighbor(&self, x: [f64; D], f: impl FnMut(&Entry<D>, [f64; D], f64)) {
        self.for_each_neighbor_from(x, 0, f);
    }

    /// [`CellList::for_each_neighbor`] restricted to entries whose source
    /// particle is `first_source` or later: what a loop over pairs visits
    /// once, from their lower index. Entries are stored in source order
    /// within every cell, so the others are skipped by a binary search per
    /// cell, before any distance is computed.
    pub fn for_each_neighbor_from(
        &self,
        x: [f64; D],
        first_source: usize,
        mut f: impl FnMut(&Entry<D>, [f64; D], f64),
    ) {
        let x = self.domain.wrap(x);
        let r2 = self.cutoff * self.cutoff;
        // Range of cells to visit per axis (cell side >= cut-off: one ring).
        let mut lo = [0usize; D];
        let mut hi = [0usize; D];
        for axis in 0..D {
            let c = ((x[axis] - self.origin[axis]) / self.cell_size).floor();
            let last = (self.dims[axis] - 1) as f64;
            if c + 1.0 < 0.0 || c - 1.0 > last || c.is_nan() {
                return;
            }
            lo[axis] = (c - 1.0).max(0.0) as usize;
            hi[axis] = (c + 1.0).min(last) as usize;
        }
        let mut idx = lo;
        loop {
            let cell = self.flat(&idx);
            let in_cell = &self.entries[self.cell_start[cell]..self.cell_start[cell + 1]];
            let skip = in_cell.partition_point(|e| e.source < first_source);
            for e in &in_cell[skip..] {
                let d: [f64; D] = std::array::from_fn(|a| x[a] - e.position[a]);
                let d2: f64 = d.iter().map(|v| v * v).sum();
                if d2 <= r2 {
                    f(e, d, d2);
                }
            }
            // Odometer over the visited block, axis 0 fastest.
            let mut axis = 0;
            loop {
                if axis == D {
                    return;
                }
                if idx[axis] < hi[axis] {
                    idx[axis] += 1;
                    break;
                }
                idx[axis] = lo[axis];
                axis += 1;
            }
        }
    }

    fn cell_of(&self, p: &[f64; D]) -> usize {
        let idx: [usize; D] = std::array::from_fn(|a| {
            let c = ((p[a] - self.origin[a]) / self.cell_size).floor() as usize;
            c.min(self.dims[a] - 1)
        });
        self.flat(&idx)
    }

    fn flat(&self, idx: &[usize; D]) -> usize {
        let mut flat = 0;
        for axis in (0..D).rev() {
            flat = flat * self.dims[axis] + idx[axis];
        }
        flat
    }
}

/// The number of particles of non-empty, equally long, finite coordinate
/// arrays.
pub(crate) fn check_positions<const D: usize>(positions: &[Vec<f64>; D]) -> Result<usize> {
    let n = positions.first().map_or(0, Vec::len);
    if n == 0 {
        return Err(Error::EmptyParticleSet);
    }
    for coords in positions {
        if coords.len() != n {
            return Err(Error::LengthMismatch {
                what: "positions",
                expected: n,
                found: coords.len(),
            });
        }
        if let Some(index) = coords.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFiniteParticle {
                what: "position",
                index,
                value: coords[index],
            });
        }
    }
    Ok(n)
}

/// Every particle and each of its images within `reach` of the bounded
/// domain, in particle order.
fn images_of<const D: usize>(
    domain: &Domain<D>,
    positions: &[Vec<f64>; D],
    reach: f64,
) -> Vec<Entry<D>> {
    let mut entries = Vec::with_capacity(positions[0].len());
    images_into(domain, positions, reach, &mut entries);
    entries
}

/// [`images_of`] into a reused buffer (cleared first).
pub(crate) fn images_into<const D: usize>(
    domain: &Domain<D>,
    positions: &[Vec<f64>; D],
    reach: f64,
    entries: &mut Vec<Entry<D>>,
) {
    let mut own = Vec::new();
    let mut per_axis = std::array::from_fn(|_| Vec::with_capacity(4));
    images_and_own_into(domain, positions, reach, entries, &mut own, &mut per_axis);
}

/// [`images_into`], also writing `own[p]`, the index in `entries` of
/// particle `p` itself (its wrapped position, sign `+1`, no shift on any
/// axis: the first entry of `p` with that position and sign), with
/// `per_axis` as scratch; nothing is allocated once the buffers have grown.
pub(crate) fn images_and_own_into<const D: usize>(
    domain: &Domain<D>,
    positions: &[Vec<f64>; D],
    reach: f64,
    entries: &mut Vec<Entry<D>>,
    own: &mut Vec<usize>,
    per_axis: &mut [Vec<(f64, f64)>; D],
) {
    let n = positions[0].len();
    entries.clear();
    own.clear();
    #[expect(
        clippy::needless_range_loop,
        reason = "p indexes one coordinate array per axis"
    )]
    for p in 0..n {
        let x = domain.wrap(std::array::from_fn(|a| positions[a][p]));
        if domain
            .axes()
            .iter()
            .zip(x)
            .all(|(axis, xi)| axis.has_no_image_within(xi, reach))
        {
            own.push(entries.len());
            entries.push(Entry {
                position: x,
                source: p,
                sign: 1.0,
            });
            continue;
        }
        for (images, (axis, xi)) in per_axis.iter_mut().zip(domain.axes().iter().zip(x)) {
            axis.images(xi, reach, images);
        }
        // The particle itself: on every axis the first image at its own
        // coordinate with sign +1 (the unshifted one; `Axis::images` lists
        // shifts in increasing order, and no other shift of a coordinate
        // within the domain lands on it), at its place in the product
        // below (axis 0 fastest).
        let mut at = entries.len();
        let mut stride = 1;
        for (images, xi) in per_axis.iter().zip(x) {
            let k = images
                .iter()
                .position(|&(y, s)| y == xi && s > 0.0)
                .unwrap_or(0);
            at += k * stride;
            stride *= images.len();
        }
        own.push(at);
        // Cartesian product of the per-axis images.
        let mut idx = [0usize; D];
        'product: loop {
            let mut position = [0.0; D];
            let mut sign = 1.0;
            for axis in 0..D {
                let (y, s) = per_axis[axis][idx[axis]];
                position[axis] = y;
                sign *= s;
            }
            entries.push(Entry {
                position,
                source: p,
                sign,
            });
            for axis in 0..D {
                if idx[axis] + 1 < per_axis[axis].len() {
                    idx[axis] += 1;
                    continue 'product;
                }
                idx[axis] = 0;
            }
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Axis;

    /// Naive reference: every image of every particle, filtered by distance.
    fn brute<const D: usize>(
        domain: &Domain<D>,
        positions: &[Vec<f64>; D],
        x: [f64; D],
        cutoff: f64,
    ) -> Vec<(usize, f64, [u64; D])> {
        let x = domain.wrap(x);
        let mut out: Vec<(usize, f64, [u64; D])> = images_of(domain, positions, 10.0 * cutoff)
            .into_iter()
            .filter(|e| {
                (0..D).map(|a| (x[a] - e.position[a]).powi(2)).sum::<f64>() <= cutoff * cutoff
            })
            .map(|e| (e.source, e.sign, e.position.map(f64::to_bits)))
            .collect();
        out.sort_by(|a, b| a.partial_cmp(b).unwrap());
        out
    }

    fn lcg(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn matches_brute_force_for_every_boundary() {
        let mut s = 42u64;
        for axes in [
            [Axis::Free, Axis::Free],
            [
                Axis::Periodic { length: 1.0 },
                Axis::Periodic { length: 1.0 },
            ],
            [Axis::Walls { length: 1.0 }, Axis::Walls { length: 1.0 }],
            [Axis::Periodic { length: 1.0 }, Axis::Walls { length: 1.0 }],
        ] {
            let domain = Domain::new(axes).unwrap();
            let positions: [Vec<f64>; 2] =
                std::array::from_fn(|_| (0..300).map(|_| lcg(&mut s) * 0.999).collect());
            for cutoff in [0.05, 0.2, 0.7] {
                let list = CellList::new(domain, &positions, cutoff).unwrap();
                for _ in 0..50 {
                    let x = [lcg(&mut s), lcg(&mut s)];
                    let mut got = Vec::new();
                    list.for_each_neighbor(x, |e, _, _| {
                        got.push((e.source, e.sign, e.position.map(f64::to_bits)))
                    });
                    got.sort_by(|a, b| a.partial_cmp(b).unwrap());
                    let want = brute(&domain, &positions, x, cutoff);
                    assert_eq!(got, want, "{axes:?} cutoff {cutoff}");
                    // The restricted walk yields exactly the later sources.
                    let first = (lcg(&mut s) * 300.0) as usize;
                    let mut later = Vec::new();
                    list.for_each_neighbor_from(x, first, |e, _, _| {
                        later.push((e.source, e.sign, e.position.map(f64::to_bits)))
                    });
                    later.sort_by(|a, b| a.partial_cmp(b).unwrap());
                    let want_later: Vec<_> = want.into_iter().filter(|e| e.0 >= first).collect();
                    assert_eq!(later, want_later, "{axes:?} cutoff {cutoff} from {first}");
                }
            }
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let d = Domain::<1>::free();
        assert!(CellList::new(d, &[vec![0.0]], 0.0).is_err());
        assert_eq!(
            CellList::new(d, &[vec![]], 1.0).unwrap_err(),
            Error::EmptyParticleSet
        );
        assert!(CellList::new(d, &[vec![f64::NAN]], 1.0).is_err());
        assert!(CellList::new(Domain::<2>::free(), &[vec![0.0], vec![]], 1.0).is_err());
    }

    #[test]
    fn sparse_far_apart_particles_do_not_explode_memory() {
        let list =
            CellList::new(Domain::<2>::free(), &[vec![0.0, 1e9], vec![0.0, 1e9]], 1e-3).unwrap();
        assert!(list.cell_start.len() <= 4 * 2 + 64 + 1);
        let mut found = 0;
        list.for_each_neighbor([1e9, 1e9], |_, _, _| found += 1);
        assert_eq!(found, 1);
    }
}
