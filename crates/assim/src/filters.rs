//! The 1D filters of paper 2, Section 4, behind the [`Filter`] interface of
//! the ensemble runner: each pairs the point observations of
//! [`crate::observation`] with one update of the states.
//!
//! | filter | state | `H` | update |
//! |---|---|---|---|
//! | [`GridEnkf`] | nodal values | linear interpolation | eq. (2) on the nodal values |
//! | [`RemeshEnkf`] | particle set | eq. (3) | project, eq. (2), interpolate, threshold (Section 3.2) |
//! | [`PartEnkf`] | particle set | eq. (3) | eq. (12) at own particles, eq. (4) (Section 3.3) |
//! | [`ExtendAndPad`] | particle set | eq. (3) | eq. (10)–(11) on the union of particle sets |

use std::ops::Range;

use particle_core::kernels::Width;
use particle_core::remesh::RemeshGrid;
use particle_core::{Domain, ParticleSet};

use crate::analysis::Coefficients;
use crate::ensemble::{Filter, LocalFilter, ModelError};
use crate::error::Result;
use crate::extend_pad::extend_and_pad;
use crate::localisation::{LocalCoefficients, shared};
use crate::observation::PointObservations;
use crate::particle_filters::{
    part_update, part_update_local, part_update_members, remesh_update, remesh_update_local,
    remesh_update_members,
};

/// Grid-EnKF: the EnKF on the nodal values of a grid solver.
#[derive(Debug, Clone, PartialEq)]
pub struct GridEnkf {
    /// Where the field is observed.
    pub observations: PointObservations,
}

impl Filter<Vec<f64>> for GridEnkf {
    fn predict(&self, state: &Vec<f64>) -> std::result::Result<Vec<f64>, ModelError> {
        self.observations.of_nodal(state)
    }

    fn update(&self, forecast: &[Vec<f64>], coefficients: &Coefficients) -> Result<Vec<Vec<f64>>> {
        coefficients.apply_to(forecast)
    }

    fn update_members(
        &self,
        forecast: &[Vec<f64>],
        coefficients: &Coefficients,
        members: Range<usize>,
    ) -> Result<Vec<Vec<f64>>> {
        coefficients.apply_to_members(forecast, members)
    }
}

/// How a particle state is observed: eq. (3) at the points.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticleObservations {
    /// Where the field is observed.
    pub points: PointObservations,
    /// The periodic domain.
    pub domain: Domain<1>,
    /// The smoothing length `eps` of eq. (3).
    pub eps: Width,
    /// Cut-off of the Gaussian, relative to its peak.
    pub tolerance: f64,
}

impl ParticleObservations {
    /// The distance from `x` to observation point `observation` in the
    /// domain (around it if periodic).
    fn distance(&self, x: f64, observation: usize) -> f64 {
        let point = self.points.points()[observation];
        self.domain.displacement(&[x], &[point])[0].abs()
    }

    fn predict(&self, state: &ParticleSet<1>) -> std::result::Result<Vec<f64>, ModelError> {
        self.points
            .of_particles(state, self.domain, self.eps, self.tolerance)
    }
}

/// Remesh-EnKF (Section 3.2) on the grid `l = 2 d_p`, threshold `eps_cut`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemeshEnkf {
    /// The observation operator.
    pub observations: ParticleObservations,
    /// The projection grid.
    pub grid: RemeshGrid<1>,
    /// New particles with `|u^a(x_p)| <= eps_cut` are not created.
    pub eps_cut: f64,
}

impl Filter<ParticleSet<1>> for RemeshEnkf {
    fn predict(&self, state: &ParticleSet<1>) -> std::result::Result<Vec<f64>, ModelError> {
        self.observations.predict(state)
    }

    fn update(
        &self,
        forecast: &[ParticleSet<1>],
        coefficients: &Coefficients,
    ) -> Result<Vec<ParticleSet<1>>> {
        remesh_update(forecast, &self.grid, coefficients, self.eps_cut)
    }

    fn update_members(
        &self,
        forecast: &[ParticleSet<1>],
        coefficients: &Coefficients,
        members: Range<usize>,
    ) -> Result<Vec<ParticleSet<1>>> {
        remesh_update_members(forecast, &self.grid, coefficients, self.eps_cut, members)
    }
}

/// Remesh-LETKF (with [`crate::Method::Etkf`]): one local analysis per node
/// of the projection grid.
impl LocalFilter<ParticleSet<1>> for RemeshEnkf {
    fn shared_locations(&self) -> bool {
        true
    }

    fn n_locations(&self, _state: &ParticleSet<1>) -> usize {
        self.grid.node_count()
    }

    fn distance(&self, _state: &ParticleSet<1>, node: usize, observation: usize) -> f64 {
        self.observations
            .distance(self.grid.node_position(node)[0], observation)
    }

    fn update_local(
        &self,
        forecast: &[ParticleSet<1>],
        coefficients: &[LocalCoefficients],
    ) -> Result<Vec<ParticleSet<1>>> {
        remesh_update_local(forecast, &self.grid, shared(coefficients)?, self.eps_cut)
    }
}

/// Part-EnKF (Section 3.3): strengths by eq. (4) at each member's particles.
#[derive(Debug, Clone, PartialEq)]
pub struct PartEnkf {
    /// The observation operator; its `eps` and `tolerance` also serve
    /// eq. (12).
    pub observations: ParticleObservations,
}

impl Filter<ParticleSet<1>> for PartEnkf {
    fn predict(&self, state: &ParticleSet<1>) -> std::result::Result<Vec<f64>, ModelError> {
        self.observations.predict(state)
    }

    fn update(
        &self,
        forecast: &[ParticleSet<1>],
        coefficients: &Coefficients,
    ) -> Result<Vec<ParticleSet<1>>> {
        let o = &self.observations;
        part_update(forecast, o.domain, o.eps, o.tolerance, coefficients)
    }

    fn update_members(
        &self,
        forecast: &[ParticleSet<1>],
        coefficients: &Coefficients,
        members: Range<usize>,
    ) -> Result<Vec<ParticleSet<1>>> {
        let o = &self.observations;
        part_update_members(
            forecast,
            o.domain,
            o.eps,
            o.tolerance,
            coefficients,
            members,
        )
    }
}

/// Part-LETKF (with [`crate::Method::Etkf`]): one local analysis per
/// particle of each member.
impl LocalFilter<ParticleSet<1>> for PartEnkf {
    fn shared_locations(&self) -> bool {
        false
    }

    fn n_locations(&self, state: &ParticleSet<1>) -> usize {
        state.len()
    }

    fn distance(&self, state: &ParticleSet<1>, particle: usize, observation: usize) -> f64 {
        self.observations
            .distance(state.position(particle)[0], observation)
    }

    fn update_local(
        &self,
        forecast: &[ParticleSet<1>],
        coefficients: &[LocalCoefficients],
    ) -> Result<Vec<ParticleSet<1>>> {
        let o = &self.observations;
        part_update_local(forecast, o.domain, o.eps, o.tolerance, coefficients)
    }
}

/// Extend-and-pad (eq. (10)–(11)): the baseline whose particle count grows
/// `N`-fold per analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendAndPad {
    /// The observation operator.
    pub observations: ParticleObservations,
}

impl Filter<ParticleSet<1>> for ExtendAndPad {
    fn predict(&self, state: &ParticleSet<1>) -> std::result::Result<Vec<f64>, ModelError> {
        self.observations.predict(state)
    }

    fn update(
        &self,
        forecast: &[ParticleSet<1>],
        coefficients: &Coefficients,
    ) -> Result<Vec<ParticleSet<1>>> {
        extend_and_pad(forecast, coefficients)
    }
}
