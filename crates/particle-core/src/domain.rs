//! The domain a particle set lives in, axis by axis: free space, periodic,
//! or an interval `[0, L]` bounded by stress-free walls.
//!
//! Boundaries are handled by **images** (SPEC, "Conventions"): a periodic
//! axis of length `L` repeats every particle at `x + k L`; a wall axis
//! `[0, L]` reflects it oddly, at `-x` and `2L - x` with the opposite sign
//! (and, repeating, with period `2L`). A field built from the images vanishes
//! on the walls, which is exactly `ω = 0` (and, for the stream function,
//! `ψ = 0`) of a stress-free wall.

use crate::{Error, Result};

/// Boundary behaviour of one axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Axis {
    /// Unbounded: no images.
    Free,
    /// Periodic with this period; coordinates are kept in `[0, L)`.
    Periodic {
        /// The period `L`.
        length: f64,
    },
    /// The interval `[0, L]` between two stress-free walls (odd images).
    Walls {
        /// The interval length `L`.
        length: f64,
    },
}

impl Axis {
    /// Length of a bounded axis, `None` for a free one.
    pub fn length(self) -> Option<f64> {
        match self {
            Axis::Free => None,
            Axis::Periodic { length } | Axis::Walls { length } => Some(length),
        }
    }

    /// Whether every image of `x` but `x` itself lies beyond `reach` of
    /// the axis: free axes, and points farther than `reach` from both ends
    /// (then `images` keeps only `x`).
    #[inline]
    pub(crate) fn has_no_image_within(self, x: f64, reach: f64) -> bool {
        match self {
            Axis::Free => true,
            Axis::Periodic { length } | Axis::Walls { length } => x > reach && x < length - reach,
        }
    }

    /// The images of a coordinate `x` that lie within `reach` of the bounded
    /// interval `[0, L]` (including `x` itself), each with its sign.
    ///
    /// For a free axis only `(x, +1)`. For a periodic axis `x + k L`; for a
    /// wall axis `x + 2 k L` with sign `+1` and `-x + 2 k L` with sign `-1`.
    pub(crate) fn images(self, x: f64, reach: f64, out: &mut Vec<(f64, f64)>) {
        out.clear();
        let keep = |y: f64, l: f64| y >= -reach && y <= l + reach;
        if self.has_no_image_within(x, reach) {
            out.push((x, 1.0));
            return;
        }
        match self {
            Axis::Free => out.push((x, 1.0)),
            Axis::Periodic { length } => {
                let k_max = (reach / length).ceil() as i64 + 1;
                for k in -k_max..=k_max {
                    let y = x + k as f64 * length;
                    if k == 0 || keep(y, length) {
                        out.push((y, 1.0));
                    }
                }
            }
            Axis::Walls { length } => {
                let period = 2.0 * length;
                let k_max = (reach / period).ceil() as i64 + 1;
                for k in -k_max..=k_max {
                    let shift = k as f64 * period;
                    let direct = x + shift;
                    if k == 0 || keep(direct, length) {
                        out.push((direct, 1.0));
                    }
                    let mirrored = -x + shift;
                    if keep(mirrored, length) {
                        out.push((mirrored, -1.0));
                    }
                }
            }
        }
    }
}

/// The number of cells of side `spacing` in a length, if it is a whole
/// number (to `1e-9` relative) of at least one.
pub(crate) fn whole_cells(length: f64, spacing: f64) -> Option<usize> {
    let cells = (length / spacing).round();
    (cells >= 1.0 && (cells * spacing - length).abs() <= 1e-9 * length).then_some(cells as usize)
}

/// A `D`-dimensional domain: one [`Axis`] per dimension.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Domain<const D: usize> {
    axes: [Axis; D],
}

impl<const D: usize> Domain<D> {
    /// A domain from its axes.
    ///
    /// # Errors
    /// [`Error::NotPositive`] if a bounded axis has a non-positive or
    /// non-finite length.
    pub fn new(axes: [Axis; D]) -> Result<Self> {
        for axis in axes {
            if let Some(length) = axis.length()
                && !(length.is_finite() && length > 0.0)
            {
                return Err(Error::NotPositive {
                    name: "axis length",
                    value: length,
                });
            }
        }
        Ok(Domain { axes })
    }

    /// Unbounded in every direction.
    pub fn free() -> Self {
        Domain {
            axes: [Axis::Free; D],
        }
    }

    /// `[0, L)^D`, periodic in every direction.
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a bad `length`.
    pub fn periodic(length: f64) -> Result<Self> {
        Self::new([Axis::Periodic { length }; D])
    }

    /// `[0, L]^D` with stress-free walls on every side.
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a bad `length`.
    pub fn walls(length: f64) -> Result<Self> {
        Self::new([Axis::Walls { length }; D])
    }

    /// The axes.
    pub fn axes(&self) -> &[Axis; D] {
        &self.axes
    }

    /// Bring a point into the fundamental domain: periodic coordinates are
    /// wrapped into `[0, L)`; free and wall coordinates are unchanged.
    pub fn wrap(&self, mut x: [f64; D]) -> [f64; D] {
        for (xi, axis) in x.iter_mut().zip(&self.axes) {
            if let Axis::Periodic { length } = *axis {
                *xi = xi.rem_euclid(length);
                // rem_euclid can round up to `length` for tiny negative inputs.
                if *xi >= length {
                    *xi = 0.0;
                }
            }
        }
        x
    }

    /// Check that a particle's coordinates lie inside the bounded axes.
    ///
    /// # Errors
    /// [`Error::OutsideDomain`] naming the particle, axis and coordinate.
    pub fn check_inside(&self, index: usize, x: &[f64; D]) -> Result<()> {
        for (axis_index, (xi, axis)) in x.iter().zip(&self.axes).enumerate() {
            if let Some(length) = axis.length() {
                let upper_ok = match axis {
                    Axis::Periodic { .. } => *xi < length,
                    _ => *xi <= length,
                };
                if !(*xi >= 0.0 && upper_ok) {
                    return Err(Error::OutsideDomain {
                        index,
                        axis: axis_index,
                        value: *xi,
                        length,
                    });
                }
            }
        }
        Ok(())
    }

    /// Shortest displacement `b - a` under the domain's periodicity (wall and
    /// free axes: the plain difference).
    pub fn displacement(&self, a: &[f64; D], b: &[f64; D]) -> [f64; D] {
        let mut d = [0.0; D];
        for i in 0..D {
            let mut di = b[i] - a[i];
            if let Axis::Periodic { length } = self.axes[i] {
                di -= length * (di / length).round();
            }
            d[i] = di;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(axis: Axis, x: f64, reach: f64) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        axis.images(x, reach, &mut out);
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    }

    #[test]
    fn periodic_images_cover_the_reach() {
        let got = images(Axis::Periodic { length: 1.0 }, 0.1, 0.25);
        assert_eq!(got, vec![(0.1, 1.0), (1.1, 1.0)]);
        // A reach beyond one period needs several images per side.
        let got = images(Axis::Periodic { length: 1.0 }, 0.5, 1.6);
        let xs: Vec<f64> = got.iter().map(|p| p.0).collect();
        assert_eq!(xs, vec![-1.5, -0.5, 0.5, 1.5, 2.5]);
    }

    #[test]
    fn wall_images_are_odd_reflections() {
        let got = images(Axis::Walls { length: 1.0 }, 0.1, 0.2);
        assert_eq!(got, vec![(-0.1, -1.0), (0.1, 1.0)]);
        let got = images(Axis::Walls { length: 1.0 }, 0.95, 0.2);
        assert_eq!(got, vec![(0.95, 1.0), (1.05, -1.0)]);
        // Far from both walls: no image.
        assert_eq!(
            images(Axis::Walls { length: 1.0 }, 0.5, 0.2),
            vec![(0.5, 1.0)]
        );
        // A signed image sum vanishes on the walls: source at 0.3 seen at 0 and 1.
        let all = images(Axis::Walls { length: 1.0 }, 0.3, 5.0);
        for wall in [0.0, 1.0] {
            let f: f64 = all
                .iter()
                .map(|(y, s)| s * (-(wall - y) * (wall - y)).exp())
                .sum();
            assert!(f.abs() < 1e-12, "field on wall {wall}: {f}");
        }
    }

    #[test]
    fn wrap_and_inside() {
        let d = Domain::<2>::periodic(2.0).unwrap();
        assert_eq!(d.wrap([-0.5, 4.5]), [1.5, 0.5]);
        assert_eq!(d.wrap([-1e-300, 0.0]), [0.0, 0.0]);
        assert!(d.check_inside(0, &[0.0, 1.9]).is_ok());
        assert!(d.check_inside(3, &[2.0, 1.0]).is_err());
        let w = Domain::<2>::walls(1.0).unwrap();
        assert!(w.check_inside(0, &[1.0, 0.0]).is_ok());
        let e = w.check_inside(7, &[0.5, -0.1]).unwrap_err();
        assert_eq!(
            e,
            Error::OutsideDomain {
                index: 7,
                axis: 1,
                value: -0.1,
                length: 1.0
            }
        );
        assert!(Domain::<1>::periodic(0.0).is_err());
        assert!(Domain::<1>::walls(f64::NAN).is_err());
    }

    #[test]
    fn displacement_is_minimum_image() {
        let d = Domain::<1>::periodic(1.0).unwrap();
        let v = d.displacement(&[0.95], &[0.05]);
        assert!((v[0] - 0.1).abs() < 1e-15);
        let f = Domain::<1>::free();
        assert_eq!(f.displacement(&[0.95], &[0.05]), [0.05 - 0.95]);
    }
}
