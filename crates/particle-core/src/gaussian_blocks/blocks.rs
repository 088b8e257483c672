//! The particles and their boundary images sorted into padded
//! structure-of-arrays *lines*: what the Gaussian sums stream through.
//!
//! Across the axes `1..D` space is cut into lines of width a fraction
//! ([`LINES_PER_CUTOFF`]) of the cut-off radius; along axis 0 every line
//! is cut into short bins ([`BINS_PER_CUTOFF`] per cut-off). Entries are
//! sorted by line, and within a line by bin, with a stable counting sort
//! (so within a bin they keep particle order, and the sums are
//! reproducible); every line is followed by `SINGLE_LANES - 1` empty
//! entries (far away, no volume, no strength, so that their kernel values
//! are masked and they exchange nothing), so that lanes of
//! [`SINGLE_LANES`] slots from any slot of a line stay within the line and
//! its padding.
//!
//! The entries within the cut-off of a point then lie in a few lines
//! around the point's own ([`Blocks::reach`]), and in each of them within a
//! half-width of the point along axis 0 that the line's distance fixes:
//! one contiguous run of bins per line, cut close to the disc (ball) of the
//! cut-off. Lines keep the number of runs small; bins keep the runs short.
//! Coordinates are stored in units of `eps / sqrt(log2 e)`, so that a
//! squared distance `d2` gives the Gaussian as `2^-d2`; the lines and bins
//! are laid out in the same units, from the stored coordinates, so that a
//! stored entry and a query agree on its bin. For the single-precision
//! pair sums they are also stored as 32-bit fixed-point integers
//! ([`Blocks::fixed`]), with the volumes in `f32`.
//! All buffers are kept between rebuilds: re-sorting a moved particle set
//! allocates nothing once the buffers have grown.

use crate::Result;
use crate::cell_list::{Entry, check_positions, images_and_own_into};
use crate::domain::Domain;
use crate::particles::extent;

use super::exp::SINGLE_LANES;

/// Lines per cut-off radius across each axis `1..D`.
pub(crate) const LINES_PER_CUTOFF: usize = 3;
/// Bins per cut-off radius along axis 0.
pub(crate) const BINS_PER_CUTOFF: usize = 12;
/// Source index of an empty (padding) slot.
pub(crate) const EMPTY: usize = usize::MAX;
/// Scaled coordinate of an empty slot: its squared distance to any entry
/// (about `1e200`) is finite and far beyond every cut-off.
const FAR: f64 = 1e100;
/// Relative margin on the reach of lines and runs, far above the rounding
/// of the bucketing and far below any change of the runs' content.
const MARGIN: f64 = 1e-9;
/// Empty slots after each line: a block of the widest lanes from any slot
/// of a line stays within the line and its padding.
const PADDING: usize = SINGLE_LANES - 1;
/// Fixed-point coordinates lie in `[0, 2^30]`: differences of two never
/// wrap, nor those with the padding's `i32::MAX`.
const FIXED_RANGE: f64 = (1u64 << 30) as f64;
/// The fixed-point differences within the cut-off stay below `2^24`, where
/// their conversion to `f32` is exact.
const FIXED_EXACT: f64 = (1u64 << 24) as f64;

/// A line at `offset` from a point's own line (entry 0 is zero) that can
/// hold entries within the cut-off of the point, and the half-width along
/// axis 0 (scaled units) outside which its entries are beyond the cut-off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reach<const D: usize> {
    pub offset: [i64; D],
    pub half_width: f64,
}

/// Entries sorted by line and bin, padded per line to whole lanes.
#[derive(Debug, Clone)]
pub(crate) struct Blocks<const D: usize> {
    /// Bins along axis 0 (`dims[0]`) and lines along each other axis.
    pub dims: [usize; D],
    /// Lower corner of bin 0 of line 0 (scaled units).
    pub origin: [f64; D],
    /// Width of a line across the axes `1..D` (scaled units).
    pub line_width: f64,
    /// Bins and lines per scaled unit (the bucketing multiplies by these).
    per_bin: f64,
    per_line: f64,
    /// Coordinates are stored multiplied by this: `sqrt(log2 e) / eps`.
    pub unit: f64,
    /// Per line `dims[0] + 1` entries: the first slot of each bin and the
    /// end of the line's entries (where its padding begins), lines in flat
    /// order (axis 1 fastest); then the number of slots.
    pub bin_start: Vec<usize>,
    /// Every line within reach of a point's own, its own included.
    pub reach: Vec<Reach<D>>,
    /// Slot coordinates in units of `eps / sqrt(log2 e)`, one array per
    /// axis.
    pub coords: [Vec<f64>; D],
    /// Slot volumes (0 for empty slots).
    pub volume: Vec<f64>,
    /// Slot coordinates as integers: `round((x - origin) fixed_unit)` of
    /// the scaled `x`, axis by axis, in `[0, 2^30]` (`i32::MAX` for
    /// padding), so that differences within the cut-off are exact integers
    /// below `2^24`, exact again as `f32`. `fixed_unit` is the largest
    /// power of two that allows this: `2^21` for the paper's dipole (set
    /// by the cut-off), a resolution of `4e-7` kernel widths, where `f32`
    /// coordinates would resolve `1e-5` at the far wall.
    pub fixed: [Vec<i32>; D],
    /// Fixed-point units per scaled unit, a power of two.
    pub fixed_unit: f64,
    /// [`Blocks::volume`] rounded to `f32`.
    pub volume_single: Vec<f32>,
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
    /// The entry of each particle itself (`cell_list::images_and_own_into`).
    own: Vec<usize>,
    per_axis: [Vec<(f64, f64)>; D],
    scaled: Vec<[f64; D]>,
    /// The key (line and bin) of each entry, then its slot.
    key_of_entry: Vec<usize>,
    /// The entry of each slot ([`EMPTY`] for padding).
    entry_of_slot: Vec<usize>,
    fill: Vec<usize>,
}

impl<const D: usize> Default for Blocks<D> {
    fn default() -> Self {
        Blocks {
            dims: [1; D],
            origin: [0.0; D],
            line_width: 1.0,
            per_bin: 1.0,
            per_line: 1.0,
            unit: 1.0,
            bin_start: Vec::new(),
            reach: Vec::new(),
            coords: std::array::from_fn(|_| Vec::new()),
            volume: Vec::new(),
            fixed: std::array::from_fn(|_| Vec::new()),
            fixed_unit: 1.0,
            volume_single: Vec::new(),
            source: Vec::new(),
            sign: Vec::new(),
            home: Vec::new(),
            images: Vec::new(),
            entries: Vec::new(),
            own: Vec::new(),
            per_axis: std::array::from_fn(|_| Vec::new()),
            scaled: Vec::new(),
            key_of_entry: Vec::new(),
            entry_of_slot: Vec::new(),
            fill: Vec::new(),
        }
    }
}

impl<const D: usize> Blocks<D> {
    /// Sort `positions` (one array per axis) and their images within
    /// `cutoff` of the domain into lines and bins, with coordinates in
    /// units of `width / sqrt(log2 e)`.
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
        check_positions(positions)?;
        images_and_own_into(
            domain,
            positions,
            cutoff,
            &mut self.entries,
            &mut self.own,
            &mut self.per_axis,
        );
        let unit = std::f64::consts::LOG2_E.sqrt() / width;
        self.unit = unit;
        self.scaled.clear();
        self.scaled
            .extend(self.entries.iter().map(|e| e.position.map(|x| x * unit)));
        let (lo, hi) = extent(&self.scaled);
        self.origin = lo;

        // Lines a hair wider than their share of the cut-off, so that no
        // rounding lets an entry within the cut-off hide one line further
        // out; bins and lines widened (as in `crate::cell_list`) if sparse
        // data would need far more of them than entries.
        let cut = cutoff * unit;
        let mut line_width = cut * (1.0 + 4.0 * MARGIN) / LINES_PER_CUTOFF as f64;
        let mut bin_width = cut / BINS_PER_CUTOFF as f64;
        let budget = 4 * self.scaled.len() + 64;
        // Bins (axis 0) or lines (the others) per scaled unit.
        let per_unit = |bin_width: f64, line_width: f64| -> [f64; D] {
            std::array::from_fn(|a| {
                if a == 0 {
                    1.0 / bin_width
                } else {
                    1.0 / line_width
                }
            })
        };
        let dims = loop {
            let per = per_unit(bin_width, line_width);
            let dims: [usize; D] = std::array::from_fn(|a| ((hi[a] - lo[a]) * per[a]) as usize + 1);
            match dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) {
                Some(t) if t <= budget => break dims,
                _ if D == 1 || bin_width < line_width => bin_width *= 2.0,
                _ => {
                    bin_width *= 2.0;
                    line_width *= 2.0;
                }
            }
        };
        let per = per_unit(bin_width, line_width);
        self.dims = dims;
        self.line_width = line_width;
        self.per_bin = per[0];
        self.per_line = 1.0 / line_width;
        self.plan_reach(cut);

        // Counting sort by line and bin, each line rounded up to whole
        // lanes.
        self.key_of_entry.clear();
        self.key_of_entry.extend(self.scaled.iter().map(|x| {
            let mut flat = 0;
            for axis in (0..D).rev() {
                // Non-negative: truncation is the floor (and needs no call
                // to the library's `floor` on targets without SSE4.1).
                let c = (((x[axis] - lo[axis]) * per[axis]) as usize).min(dims[axis] - 1);
                flat = flat * dims[axis] + c;
            }
            flat
        }));
        let keys: usize = dims.iter().product();
        self.fill.clear();
        self.fill.resize(keys, 0);
        for &key in &self.key_of_entry {
            self.fill[key] += 1;
        }
        let bins = dims[0];
        let lines = keys / bins;
        self.bin_start.clear();
        self.bin_start.resize(lines * (bins + 1) + 1, 0);
        let mut at = 0;
        for line in 0..lines {
            for bin in 0..bins {
                let key = line * bins + bin;
                self.bin_start[line * (bins + 1) + bin] = at;
                let count = self.fill[key];
                // From here on `fill` is the next free slot of the bin.
                self.fill[key] = at;
                at += count;
            }
            self.bin_start[line * (bins + 1) + bins] = at;
            at += PADDING;
        }
        self.bin_start[lines * (bins + 1)] = at;
        let slots = at;
        // The slot of every entry (the key becomes the slot), then the
        // entry of every slot (padding: none), then every slot array
        // written in slot order from its entry: sequential stores and
        // nearby loads (entries are in particle order) instead of one
        // scattered store per array and entry.
        for key in &mut self.key_of_entry {
            let slot = self.fill[*key];
            self.fill[*key] += 1;
            *key = slot;
        }
        let slot_of_entry = &self.key_of_entry;
        self.entry_of_slot.clear();
        self.entry_of_slot.resize(slots, EMPTY);
        for (i, &slot) in slot_of_entry.iter().enumerate() {
            self.entry_of_slot[slot] = i;
        }
        for axis in 0..D {
            self.coords[axis].resize(slots, FAR);
            self.fixed[axis].resize(slots, i32::MAX);
        }
        self.volume.resize(slots, 0.0);
        self.volume_single.resize(slots, 0.0);
        // The largest power of two that keeps the extent below 2^30 and
        // the cut-off below 2^24 fixed-point units.
        let extent = (0..D).fold(cut, |m, a| m.max(hi[a] - lo[a]));
        let fixed_unit = (FIXED_RANGE / extent)
            .min(FIXED_EXACT / cut)
            .log2()
            .floor()
            .exp2();
        self.fixed_unit = fixed_unit;
        self.source.resize(slots, EMPTY);
        self.sign.resize(slots, 0.0);
        self.images.clear();
        for (s, &e) in self.entry_of_slot.iter().enumerate() {
            if e == EMPTY {
                for coords in &mut self.coords {
                    coords[s] = FAR;
                }
                for fixed in &mut self.fixed {
                    fixed[s] = i32::MAX;
                }
                self.volume[s] = 0.0;
                self.volume_single[s] = 0.0;
                self.source[s] = EMPTY;
                self.sign[s] = 0.0;
                continue;
            }
            let entry = &self.entries[e];
            for (axis, &x) in self.scaled[e].iter().enumerate() {
                self.coords[axis][s] = x;
                // In [0, 2^30]: no difference wraps. Non-negative, so
                // truncation after adding a half is rounding to nearest
                // (and needs no call to the library's `round` on targets
                // without SSE4.1).
                self.fixed[axis][s] = ((x - lo[axis]) * fixed_unit + 0.5) as i32;
            }
            self.volume[s] = volumes[entry.source];
            self.volume_single[s] = volumes[entry.source] as f32;
            self.source[s] = entry.source;
            self.sign[s] = entry.sign;
            if self.own[entry.source] != e {
                self.images.push(s);
            }
        }
        self.home.clear();
        self.home.extend(self.own.iter().map(|&e| slot_of_entry[e]));
        Ok(())
    }

    /// The lines within reach of a point's own for the (scaled) cut-off
    /// `cut`: those at offsets whose nearest edge lies within `cut` (with
    /// the margin), and for each the half-width along axis 0 of the disc
    /// (ball) of the cut-off at that edge.
    fn plan_reach(&mut self, cut: f64) {
        let cut = cut * (1.0 + MARGIN);
        let gap = self.line_width * (1.0 - MARGIN);
        let steps = if D == 1 { 0 } else { (cut / gap).ceil() as i64 };
        let side = (2 * steps + 1) as usize;
        self.reach.clear();
        for code in 0..side.pow(D as u32 - 1) {
            let mut offset = [0i64; D];
            let mut rest = code;
            let mut d2 = 0.0;
            for o in offset.iter_mut().skip(1) {
                *o = (rest % side) as i64 - steps;
                rest /= side;
                let d = (o.abs() - 1).max(0) as f64 * gap;
                d2 += d * d;
            }
            if d2 < cut * cut {
                self.reach.push(Reach {
                    offset,
                    half_width: (cut * cut - d2).sqrt(),
                });
            }
        }
    }

    /// Number of slots, padding included.
    pub fn slots(&self) -> usize {
        self.volume.len()
    }

    /// Number of lines.
    pub fn lines(&self) -> usize {
        self.dims[1..].iter().product()
    }

    /// The first slot of line `line` (`line == lines()`: the number of
    /// slots).
    pub fn line_start(&self, line: usize) -> usize {
        self.bin_start[line * (self.dims[0] + 1)]
    }

    /// The end of the entries of line `line` (its padding follows).
    pub fn line_end(&self, line: usize) -> usize {
        self.bin_start[line * (self.dims[0] + 1) + self.dims[0]]
    }

    /// The line index (axes `1..D`; entry 0 is 0) of the line holding
    /// scaled point `x`, possibly outside the lines on any side.
    pub fn line_index(&self, x: &[f64; D]) -> [i64; D] {
        std::array::from_fn(|axis| {
            if axis == 0 {
                0
            } else {
                // Far outside (or NaN): clamped, still no line.
                let i = ((x[axis] - self.origin[axis]) * self.per_line).floor();
                i.clamp(-1e12, 1e12) as i64
            }
        })
    }

    /// The line index of flat line `line`.
    pub fn unflatten_line(&self, mut line: usize) -> [i64; D] {
        std::array::from_fn(|axis| {
            if axis == 0 {
                return 0;
            }
            let i = line % self.dims[axis];
            line /= self.dims[axis];
            i as i64
        })
    }

    /// The flat line at `offset` from line index `idx`, if it exists.
    pub fn line_at(&self, idx: &[i64; D], offset: &[i64; D]) -> Option<usize> {
        let mut flat = 0;
        for axis in (1..D).rev() {
            let i = idx[axis] + offset[axis];
            if i < 0 || i >= self.dims[axis] as i64 {
                return None;
            }
            flat = flat * self.dims[axis] + i as usize;
        }
        Some(flat)
    }

    /// How many flat lines ahead the forward half of [`Blocks::reach`]
    /// goes, plus one: a line reaches slots up to the start of the line
    /// this far ahead.
    pub fn forward_lines(&self) -> usize {
        self.reach
            .iter()
            .map(|r| {
                // Axes from the last down: flat = (.. + o_2) dims_1 + o_1.
                (1..D)
                    .rev()
                    .fold(0i64, |flat, a| flat * self.dims[a] as i64 + r.offset[a])
            })
            .max()
            .unwrap_or(0)
            .max(0) as usize
            + 1
    }

    /// The slots of the bins of line `line` that hold every entry with
    /// scaled coordinate `from..=to` along axis 0 (and others).
    #[inline(always)]
    pub fn run(&self, line: usize, from: f64, to: f64) -> (usize, usize) {
        let first = line * (self.dims[0] + 1);
        let start = self.bin_start[first + self.bin_of(from)];
        let end = self.bin_start[first + self.bin_of(to) + 1];
        (start, end)
    }

    /// The bin along axis 0 of scaled coordinate `x`, clamped to the bins.
    #[inline(always)]
    fn bin_of(&self, x: f64) -> usize {
        // `as` saturates: a point before the first bin (or NaN) gives 0.
        (((x - self.origin[0]) * self.per_bin) as usize).min(self.dims[0] - 1)
    }
}
