//! Computational geometry: the square domain and its uniform grid.

use crate::{Error, Result};

/// Relative tolerance on `length / spacing` being a whole number.
const TILE_TOLERANCE: f64 = 1e-9;

/// What happens at the edges of the square.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// `L`-periodic in both directions.
    Periodic,
    /// Stress-free walls on `[0, L]²`: `ψ = 0` and `ω = 0` on the walls,
    /// realised by odd images on the `2L`-periodic square.
    StressFreeWalls,
}

/// The square `[0, L]²` with its boundary condition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Domain {
    length: f64,
    boundary: Boundary,
}

impl Domain {
    /// A square of side `length`.
    ///
    /// # Errors
    /// [`Error::NotPositive`] if `length` is not positive and finite.
    pub fn new(length: f64, boundary: Boundary) -> Result<Self> {
        positive("domain length", length)?;
        Ok(Domain { length, boundary })
    }

    /// Side length `L`.
    pub fn length(&self) -> f64 {
        self.length
    }

    /// Boundary condition.
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }

    /// Period of the images: `L` for a periodic square, `2L` with walls.
    pub fn period(&self) -> f64 {
        match self.boundary {
            Boundary::Periodic => self.length,
            Boundary::StressFreeWalls => 2.0 * self.length,
        }
    }
}

/// The uniform grid of the domain, `cells` per side, nodes at `i l`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    domain: Domain,
    cells: usize,
}

impl Grid {
    /// The grid of spacing `l = 2 d_p` (paper 2, Section 2.2.2: remeshing
    /// grid twice the particle spacing).
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a non-positive or non-finite `d_p`;
    /// [`Error::GridDoesNotTile`] if `L / (2 d_p)` is not a whole number.
    pub fn for_particle_spacing(domain: Domain, particle_spacing: f64) -> Result<Self> {
        positive("particle spacing d_p", particle_spacing)?;
        let spacing = 2.0 * particle_spacing;
        let cells = domain.length / spacing;
        let whole = cells.round();
        if whole < 1.0 || (cells - whole).abs() > TILE_TOLERANCE * cells {
            return Err(Error::GridDoesNotTile {
                spacing,
                length: domain.length,
                cells,
            });
        }
        Ok(Grid {
            domain,
            cells: whole as usize,
        })
    }

    /// The domain this grid covers.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// Cells per side.
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// Grid spacing `l = L / cells`.
    pub fn spacing(&self) -> f64 {
        self.domain.length / self.cells as f64
    }

    /// The particle spacing `d_p = l / 2` that fits this grid.
    pub fn particle_spacing(&self) -> f64 {
        self.spacing() / 2.0
    }
}

fn positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::NotPositive { name, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn paper_discretisations_tile_the_box() {
        // Paper 2, Table 3 and Fig. 24: d_p = π/256 with a 128² grid; the
        // other sizes 0.0327 ≈ π/96, 0.0245 ≈ π/128, 0.0123 ≈ π/256 are
        // rounded values of spacings that tile [0, π].
        let box_ = Domain::new(PI, Boundary::StressFreeWalls).unwrap();
        for (n, cells) in [(256.0, 128), (128.0, 64), (96.0, 48), (512.0, 256)] {
            let g = Grid::for_particle_spacing(box_, PI / n).unwrap();
            assert_eq!(g.cells(), cells);
            assert!((g.particle_spacing() - PI / n).abs() < 1e-15);
        }
        assert_eq!(box_.period(), 2.0 * PI);
        let periodic = Domain::new(2.0 * PI, Boundary::Periodic).unwrap();
        assert_eq!(periodic.period(), 2.0 * PI);
    }

    #[test]
    fn inconsistent_spacing_is_refused_with_the_numbers() {
        let box_ = Domain::new(PI, Boundary::StressFreeWalls).unwrap();
        let err = Grid::for_particle_spacing(box_, 0.0327).unwrap_err();
        assert!(matches!(err, Error::GridDoesNotTile { .. }));
        assert!(err.to_string().contains("0.0654"), "{err}");
        // Spacing larger than the box: not even one cell.
        assert!(Grid::for_particle_spacing(box_, 2.0).is_err());
    }

    #[test]
    fn non_positive_inputs_are_named() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = Domain::new(bad, Boundary::Periodic).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("domain length must be positive")
            );
        }
        let box_ = Domain::new(PI, Boundary::Periodic).unwrap();
        let err = Grid::for_particle_spacing(box_, -0.1).unwrap_err();
        assert_eq!(
            err,
            Error::NotPositive {
                name: "particle spacing d_p",
                value: -0.1
            }
        );
    }
}
