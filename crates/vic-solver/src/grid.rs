//! Computational geometry: the square domain and its uniform grid.

use particle_core::remesh::RemeshGrid;

use crate::error::{Result, positive};

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
    particle_domain: particle_core::Domain<2>,
}

impl Domain {
    /// A square of side `length`.
    ///
    /// # Errors
    /// [`crate::Error::NotPositive`] if `length` is not positive and finite.
    pub fn new(length: f64, boundary: Boundary) -> Result<Self> {
        positive("domain length", length)?;
        let particle_domain = match boundary {
            Boundary::Periodic => particle_core::Domain::periodic(length)?,
            Boundary::StressFreeWalls => particle_core::Domain::walls(length)?,
        };
        Ok(Domain {
            length,
            boundary,
            particle_domain,
        })
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

    /// The same square as a `particle-core` domain (periodic or wall axes),
    /// for remeshing and PSE.
    pub fn particle_domain(&self) -> particle_core::Domain<2> {
        self.particle_domain
    }
}

/// The uniform grid of the domain, spacing `l = 2 d_p`, nodes at `i l`: the
/// remeshing grid of `particle-core` and the Poisson grid of the solver.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    domain: Domain,
    remesh: RemeshGrid<2>,
    cells: usize,
}

impl Grid {
    /// The grid of spacing `l = 2 d_p` (paper 2, Section 2.2.2: remeshing
    /// grid twice the particle spacing).
    ///
    /// # Errors
    /// [`crate::Error::Particles`] wrapping `NotPositive` for a bad `d_p`
    /// or `GridDoesNotTile` if `L / (2 d_p)` is not a whole number.
    pub fn for_particle_spacing(domain: Domain, particle_spacing: f64) -> Result<Self> {
        let remesh = RemeshGrid::new(domain.particle_domain(), particle_spacing)?;
        let cells = (domain.length / remesh.spacing()).round() as usize;
        Ok(Grid {
            domain,
            remesh,
            cells,
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
        self.remesh.spacing()
    }

    /// The particle spacing `d_p = l / 2` that fits this grid.
    pub fn particle_spacing(&self) -> f64 {
        self.remesh.particle_spacing()
    }

    /// The grid as `particle-core` sees it: `cells + 1` nodes per side with
    /// walls (the wall nodes hold 0), `cells` when periodic; x fastest.
    pub fn remesh_grid(&self) -> &RemeshGrid<2> {
        &self.remesh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
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
            assert_eq!(g.remesh_grid().dims(), [cells + 1, cells + 1]);
            assert!((g.particle_spacing() - PI / n).abs() < 1e-15);
        }
        assert_eq!(box_.period(), 2.0 * PI);
        let periodic = Domain::new(2.0 * PI, Boundary::Periodic).unwrap();
        assert_eq!(periodic.period(), 2.0 * PI);
        let g = Grid::for_particle_spacing(periodic, PI / 64.0).unwrap();
        assert_eq!(g.remesh_grid().dims(), [64, 64]);
    }

    #[test]
    fn inconsistent_spacing_is_refused_with_the_numbers() {
        let box_ = Domain::new(PI, Boundary::StressFreeWalls).unwrap();
        let err = Grid::for_particle_spacing(box_, 0.0327).unwrap_err();
        assert!(matches!(
            err,
            Error::Particles(particle_core::Error::GridDoesNotTile { .. })
        ));
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
        assert!(err.to_string().contains("-0.1"), "{err}");
    }
}
