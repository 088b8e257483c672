//! The particles and their boundary images sorted by cell into padded
//! structure-of-arrays blocks: what the PSE pair sums stream through.
//!
//! Cells have the side of the cut-off radius (enlarged, as in
//! [`crate::cell_list`], if sparse data would need far more cells than
//! entries). Entries are sorted by cell, and within a cell by [`STRIPS`]
//! strips across the last axis, with a stable counting sort (so within a
//! strip they keep particle order, and the sums are reproducible); every
//! cell is padded to whole lanes of [`LANES`] slots with empty entries: far
//! away, no volume, no strength, so that their kernel values are masked and
//! they exchange nothing. The strips let a target skip the part of the next
//! row of cells that lies beyond the cut-off along the last axis.
//! Coordinates are stored in units of `eps / sqrt(log2 e)`, so that a
//! squared distance `d2` gives the Gaussian as `2^-d2`.
//! All buffers are kept between rebuilds: re-sorting a moved particle set
//! allocates nothing once the buffers have grown.

use crate::Result;
use crate::cell_list::{Entry, check_positions, images_into};
use crate::domain::Domain;

use super::exp::LANES;

/// Strips per cell across the last axis.
pub(crate) const STRIPS: usize = 8;
/// Source index of an empty (padding) slot.
pub(crate) const EMPTY: usize = usize::MAX;
/// Scaled coordinate of an empty slot: its squared distance to any entry
/// (about `1e200`) is finite and far beyond every cut-off.
const FAR: f64 = 1e100;

/// Entries sorted by cell, padded per cell to whole lanes.
#[derive(Debug, Clone)]
pub(crate) struct Blocks<const D: usize> {
    /// Cells per axis.
    pub dims: [usize; D],
    /// Lower corner of cell 0 and the side of a cell (domain units).
    pub origin: [f64; D],
    pub cell_size: f64,
    /// Coordinates are stored multiplied by this: `sqrt(log2 e) / eps`.
    pub unit: f64,
    /// `cell_start[c]..cell_start[c + 1]` are the slots of cell `c`
    /// (flat index, axis 0 fastest); every start is a multiple of [`LANES`].
    pub cell_start: Vec<usize>,
    /// `strip_bounds[c * (STRIPS + 1) + t]` is the first slot of strip `t`
    /// of cell `c`; the entry for `t = STRIPS` is the end of the cell's
    /// entries (before its padding).
    pub strip_bounds: Vec<usize>,
    /// Slot coordinates in units of `eps / sqrt(log2 e)`, one array per
    /// axis.
    pub coords: [Vec<f64>; D],
    /// Slot volumes (0 for empty slots).
    pub volume: Vec<f64>,
    /// Source particle of a slot ([`EMPTY`] for padding).
    pub source: Vec<usize>,
    /// `+1` for a particle or an even image, `-1` for an odd (wall) image,
    /// 0 for padding.
    pub sign: Vec<f64>,
    /// The slot of each particle itself (not of an image).
    pub home: Vec<usize>,
    /// The slots of images (not of particles themselves), in slot order.
    pub images: Vec<usize>,
    entries: Vec<Entry<D>>,
    key_of_entry: Vec<usize>,
    fill: Vec<usize>,
}

impl<const D: usize> Default for Blocks<D> {
    fn default() -> Self {
        Blocks {
            dims: [0; D],
            origin: [0.0; D],
            cell_size: 1.0,
            unit: 1.0,
            cell_start: Vec::new(),
            strip_bounds: Vec::new(),
            coords: std::array::from_fn(|_| Vec::new()),
            volume: Vec::new(),
            source: Vec::new(),
            sign: Vec::new(),
            home: Vec::new(),
            images: Vec::new(),
            entries: Vec::new(),
            key_of_entry: Vec::new(),
            fill: Vec::new(),
        }
    }
}

impl<const D: usize> Blocks<D> {
    /// Sort `positions` (one array per axis) and their images within
    /// `cutoff` of the domain into cells of side at least `cutoff`, with
    /// coordinates in units of `width / sqrt(log2 e)`.
    ///
    /// # Errors
    /// [`crate::Error::EmptyParticleSet`], [`crate::Error::LengthMismatch`]
    /// or [`crate::Error::NonFiniteParticle`] for bad positions.
    pub fn rebuild(
        &mut self,
        domain: &Domain<D>,
        positions: &[Vec<f64>; D],
        volumes: &[f64],
        cutoff: f64,
        width: f64,
    ) -> Result<()> {
        debug_assert!(D >= 1);
        let n = check_positions(positions)?;
        images_into(domain, positions, cutoff, &mut self.entries);
        let mut lo = [f64::INFINITY; D];
        let mut hi = [f64::NEG_INFINITY; D];
        for e in &self.entries {
            for axis in 0..D {
                lo[axis] = lo[axis].min(e.position[axis]);
                hi[axis] = hi[axis].max(e.position[axis]);
            }
        }
        // A hair above the cut-off, so that no rounding in the bucketing
        // can put two entries within the cut-off farther apart than one
        // cell (or one cell plus a strip, for the strips' reach).
        let mut cell_size = cutoff * (1.0 + 1e-12);
        let cell_budget = 4 * self.entries.len() + 64;
        let dims = loop {
            let dims: [usize; D] =
                std::array::from_fn(|a| ((hi[a] - lo[a]) / cell_size).floor() as usize + 1);
            match dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) {
                Some(t) if t <= cell_budget => break dims,
                _ => cell_size *= 2.0,
            }
        };
        self.dims = dims;
        self.origin = lo;
        self.cell_size = cell_size;
        let cells: usize = dims.iter().product();

        // Counting sort by cell and strip, each cell rounded up to whole
        // lanes.
        let strip_height = cell_size / STRIPS as f64;
        let last = D - 1;
        self.key_of_entry.clear();
        self.key_of_entry.extend(self.entries.iter().map(|e| {
            let mut flat = 0;
            let mut offset_in_cell = 0.0;
            for axis in (0..D).rev() {
                // Non-negative: truncation is the floor (and needs no call
                // to the library's `floor` on targets without SSE4.1).
                let c = (((e.position[axis] - lo[axis]) / cell_size) as usize).min(dims[axis] - 1);
                if axis == last {
                    offset_in_cell = e.position[axis] - lo[axis] - c as f64 * cell_size;
                }
                flat = flat * dims[axis] + c;
            }
            // `as` saturates a rounding-negative offset to strip 0.
            let strip = ((offset_in_cell / strip_height) as usize).min(STRIPS - 1);
            flat * STRIPS + strip
        }));
        self.fill.clear();
        self.fill.resize(cells * STRIPS, 0);
        for &key in &self.key_of_entry {
            self.fill[key] += 1;
        }
        self.cell_start.clear();
        self.cell_start.resize(cells + 1, 0);
        self.strip_bounds.clear();
        self.strip_bounds.resize(cells * (STRIPS + 1), 0);
        for c in 0..cells {
            let mut at = self.cell_start[c];
            for t in 0..STRIPS {
                self.strip_bounds[c * (STRIPS + 1) + t] = at;
                let count = self.fill[c * STRIPS + t];
                // From here on `fill` is the next free slot of the strip.
                self.fill[c * STRIPS + t] = at;
                at += count;
            }
            self.strip_bounds[c * (STRIPS + 1) + STRIPS] = at;
            let used = at - self.cell_start[c];
            self.cell_start[c + 1] = self.cell_start[c] + used.div_ceil(LANES) * LANES;
        }
        let slots = self.cell_start[cells];
        for axis in 0..D {
            self.coords[axis].clear();
            self.coords[axis].resize(slots, FAR);
        }
        self.volume.clear();
        self.volume.resize(slots, 0.0);
        self.source.clear();
        self.source.resize(slots, EMPTY);
        self.sign.clear();
        self.sign.resize(slots, 0.0);
        self.home.clear();
        self.home.resize(n, EMPTY);
        self.images.clear();
        let unit = std::f64::consts::LOG2_E.sqrt() / width;
        self.unit = unit;
        for (e, &key) in self.entries.iter().zip(&self.key_of_entry) {
            let slot = self.fill[key];
            self.fill[key] += 1;
            for axis in 0..D {
                self.coords[axis][slot] = e.position[axis] * unit;
            }
            self.volume[slot] = volumes[e.source];
            self.source[slot] = e.source;
            self.sign[slot] = e.sign;
            // The particle itself is the entry at its own (wrapped)
            // position with sign +1; images sit at other positions or carry
            // the odd sign.
            if self.home[e.source] == EMPTY && e.sign > 0.0 {
                let x = domain.wrap(std::array::from_fn(|a| positions[a][e.source]));
                if x == e.position {
                    self.home[e.source] = slot;
                }
            }
        }
        self.images.extend(
            (0..slots).filter(|&s| self.source[s] != EMPTY && self.home[self.source[s]] != s),
        );
        Ok(())
    }

    /// Number of slots, padding included.
    pub fn slots(&self) -> usize {
        self.volume.len()
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.cell_start.len() - 1
    }

    /// The cell index of flat cell `c`.
    pub fn unflatten(&self, mut c: usize) -> [usize; D] {
        std::array::from_fn(|axis| {
            let i = c % self.dims[axis];
            c /= self.dims[axis];
            i
        })
    }

    /// The flat index of cell `idx`.
    pub fn flatten(&self, idx: [usize; D]) -> usize {
        let mut flat = 0;
        for axis in (0..D).rev() {
            flat = flat * self.dims[axis] + idx[axis];
        }
        flat
    }
}
