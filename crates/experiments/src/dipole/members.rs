//! Vortex-In-Cell members on `assim`'s ensemble runner: a member's solver
//! as a [`ForecastModel`] ([`VicMember`]) and Remesh-EnKF and Part-EnKF on
//! flows as a [`Filter`] ([`VicFilter`]).
//!
//! A member's viscosity lives in its own solver (drawn from the prior).
//! Uncalibrated, its parameter vector is empty and the solver keeps its
//! draw; with `assimilation.calibrate_viscosity` the vector is `[nu_i]`,
//! analysed with the flow by the same coefficients (parameter
//! augmentation, paper 2, Section 5.2.1), and the solver takes it before
//! every forecast ([`Vic::set_viscosity`]). The filters observe the
//! velocity at fixed points (both components, point after point), each
//! member's through a solver of the members' discretisation.

use std::sync::Mutex;

use std::ops::Range;

use assim::distributed::{Codec, Particles, malformed};
use assim::{Coefficients, Filter as AssimFilter, ForecastModel, ModelError, SolverError};
use particle_core::kernels::Width;
use vic_solver::{FlowState, Grid, Vic, VicConfig};

use super::{Filter, PART_TOLERANCE};

/// One member's Vortex-In-Cell solver as a forecast model: it advances
/// the member's flow by whole time steps of its own configuration.
#[derive(Debug)]
pub struct VicMember {
    /// The member's solver (its viscosity, time step and work arrays).
    pub vic: Vic,
}

impl ForecastModel for VicMember {
    type State = FlowState;

    /// `horizon / dt` steps. `parameters` is empty (the viscosity is the
    /// solver's) or `[nu]`, a calibrated viscosity the solver takes for
    /// these steps and the following.
    ///
    /// # Errors
    /// [`ModelError::ParameterCount`] for more than one parameter;
    /// [`ModelError::NonPhysical`] for a negative or non-finite `nu`;
    /// [`ModelError::Invalid`] for a horizon that is not a whole number of
    /// time steps; [`ModelError::Solver`] with the solver's error (a
    /// blown-up flow names its step; grid diffusion unstable with `nu`).
    /// Nothing is stepped and the solver's viscosity is kept if the
    /// parameters or the horizon are refused.
    fn forecast(
        &mut self,
        state: &mut FlowState,
        parameters: &[f64],
        horizon: f64,
    ) -> Result<(), ModelError> {
        if parameters.len() > 1 {
            return Err(ModelError::ParameterCount {
                expected: 1,
                found: parameters.len(),
            });
        }
        let steps = whole_steps(horizon, self.vic.config().dt)?;
        if let [viscosity] = *parameters {
            self.vic.set_viscosity(viscosity).map_err(|e| match e {
                vic_solver::Error::Negative { name, value } => {
                    ModelError::NonPhysical { name, value }
                }
                other => ModelError::Solver(SolverError::new(other)),
            })?;
        }
        self.vic
            .advance(state, steps, |_| {})
            .map_err(|e| ModelError::Solver(SolverError::new(e)))
    }

    /// The member's particles: what a step costs.
    fn cost(&self, state: &FlowState) -> usize {
        state.particles.len()
    }
}

/// The number of steps of length `dt` in `horizon`.
///
/// # Errors
/// [`ModelError::Invalid`] if `horizon` is not a whole number of steps (to
/// a relative `1e-9`) or not finite and positive.
pub fn whole_steps(horizon: f64, dt: f64) -> Result<u64, ModelError> {
    let steps = (horizon / dt).round();
    if !(horizon.is_finite() && horizon > 0.0) || (steps * dt - horizon).abs() > 1e-9 * horizon {
        return Err(ModelError::Invalid {
            name: "forecast horizon (a whole number of time steps)",
            value: horizon,
        });
    }
    Ok(steps as u64)
}

/// Remesh-EnKF (eq. 11) or Part-EnKF (eq. 12) on Vortex-In-Cell flows,
/// observing the velocity at `points`.
#[derive(Debug)]
pub struct VicFilter {
    /// Remesh-EnKF's threshold `eps_omega` on the analysed particles, or
    /// `None` for Part-EnKF.
    remesh_eps_omega: Option<f64>,
    points: Vec<[f64; 2]>,
    grid: Grid,
    config: VicConfig,
    /// Part-EnKF's kernel width: the members' smoothing width.
    width: Width,
    /// Solvers of the members' discretisation for the observations, taken
    /// by one prediction at a time (they keep no state between calls).
    solvers: Mutex<Vec<Vic>>,
}

impl VicFilter {
    /// Remesh-EnKF for members solved on `grid` with `config`, observed at
    /// `points`, keeping the analysed particles above `eps_omega`.
    ///
    /// # Errors
    /// [`crate::Error::Vic`] or [`crate::Error::Particles`] if the
    /// configuration is refused.
    pub fn remesh_enkf(
        points: Vec<[f64; 2]>,
        grid: Grid,
        config: VicConfig,
        eps_omega: f64,
    ) -> crate::Result<Self> {
        Self::new(Some(eps_omega), points, grid, config)
    }

    /// Part-EnKF for members solved on `grid` with `config` (whose
    /// smoothing width is the kernel's), observed at `points`.
    ///
    /// # Errors
    /// As [`VicFilter::remesh_enkf`].
    pub fn part_enkf(points: Vec<[f64; 2]>, grid: Grid, config: VicConfig) -> crate::Result<Self> {
        Self::new(None, points, grid, config)
    }

    fn new(
        remesh_eps_omega: Option<f64>,
        points: Vec<[f64; 2]>,
        grid: Grid,
        config: VicConfig,
    ) -> crate::Result<Self> {
        // The first solver checks the configuration.
        let first = Vic::new(grid.clone(), config)?;
        Ok(VicFilter {
            remesh_eps_omega,
            points,
            grid,
            config,
            width: Width::new(config.eps)?,
            solvers: Mutex::new(vec![first]),
        })
    }

    /// The filter of an ensemble of the experiment (`None` for the free
    /// run).
    pub(crate) fn of(
        filter: Filter,
        points: &[[f64; 2]],
        vic: &Vic,
        eps_omega: f64,
    ) -> crate::Result<Option<Self>> {
        let (grid, config) = (vic.grid().clone(), *vic.config());
        Ok(match filter {
            Filter::FreeRun => None,
            Filter::RemeshEnkf => {
                Some(Self::remesh_enkf(points.to_vec(), grid, config, eps_omega)?)
            }
            Filter::PartEnkf => Some(Self::part_enkf(points.to_vec(), grid, config)?),
        })
    }

    fn solver(&self) -> Result<Vic, ModelError> {
        let spare = self.solvers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match spare {
            Some(vic) => Ok(vic),
            None => Vic::new(self.grid.clone(), self.config)
                .map_err(|e| ModelError::Solver(SolverError::new(e))),
        }
    }
}

impl AssimFilter<FlowState> for VicFilter {
    /// The velocity at the points, `[u, v]` point after point.
    fn predict(&self, state: &FlowState) -> Result<Vec<f64>, ModelError> {
        let mut vic = self.solver()?;
        let velocity = vic.velocity_at(&state.particles, &self.points);
        self.solvers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(vic);
        let velocity = velocity.map_err(|e| ModelError::Solver(SolverError::new(e)))?;
        Ok(velocity.into_iter().flatten().collect())
    }

    fn update(
        &self,
        forecast: &[FlowState],
        coefficients: &Coefficients,
    ) -> assim::Result<Vec<FlowState>> {
        self.update_members(forecast, coefficients, 0..forecast.len())
    }

    fn update_members(
        &self,
        forecast: &[FlowState],
        coefficients: &Coefficients,
        members: Range<usize>,
    ) -> assim::Result<Vec<FlowState>> {
        let particles: Vec<_> = forecast.iter().map(|s| s.particles.clone()).collect();
        let analysed = match self.remesh_eps_omega {
            Some(eps_omega) => assim::remesh_update_members(
                &particles,
                self.grid.remesh_grid(),
                coefficients,
                eps_omega,
                members.clone(),
            )?,
            None => assim::part_update_members(
                &particles,
                self.grid.domain().particle_domain(),
                self.width,
                PART_TOLERANCE,
                coefficients,
                members.clone(),
            )?,
        };
        Ok(with_particles(&forecast[members], analysed))
    }
}

/// Remesh-LETKF and Part-LETKF with the runner's scheme, both with one
/// local analysis per node of the remeshing grid (a `128^2` grid at the
/// paper's `d_p`): Remesh-LETKF analyses each node's values with its own
/// transform, Part-LETKF each member's particle with the transform of the
/// node nearest to it ([`assim::part_update_nodal`]; one analysis per
/// particle of every member would need `N^2` coefficients per particle,
/// 10 GB at `N = 32`). The distance from a node to observation `k` (the
/// velocity component `k % 2` at point `k / 2`) is the Euclidean one in
/// the box.
impl assim::LocalFilter<FlowState> for VicFilter {
    fn shared_locations(&self) -> bool {
        true
    }

    fn n_locations(&self, _state: &FlowState) -> usize {
        self.grid.remesh_grid().node_count()
    }

    fn distance(&self, _state: &FlowState, location: usize, observation: usize) -> f64 {
        let x = self.grid.remesh_grid().node_position(location);
        let d = self
            .grid
            .domain()
            .particle_domain()
            .displacement(&x, &self.points[observation / 2]);
        d[0].hypot(d[1])
    }

    fn update_local(
        &self,
        forecast: &[FlowState],
        coefficients: &[assim::LocalCoefficients],
    ) -> assim::Result<Vec<FlowState>> {
        let [local] = coefficients else {
            return Err(assim::Error::MemberCount {
                what: "local coefficients of the grid's nodes (one set expected)",
                expected: 1,
                found: coefficients.len(),
            });
        };
        let particles: Vec<_> = forecast.iter().map(|s| s.particles.clone()).collect();
        let grid = self.grid.remesh_grid();
        let analysed = match self.remesh_eps_omega {
            Some(eps_omega) => assim::remesh_update_local(&particles, grid, local, eps_omega)?,
            None => assim::part_update_nodal(
                &particles,
                self.grid.domain().particle_domain(),
                self.width,
                PART_TOLERANCE,
                grid,
                local,
            )?,
        };
        Ok(with_particles(forecast, analysed))
    }
}

/// The forecast states with analysed particles.
/// A flow as the words of its particles ([`Particles`]), then its time and
/// step count (the count's bits), for the ranks of a distributed run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flows;

impl Codec<FlowState> for Flows {
    fn encode(&self, flow: &FlowState, words: &mut Vec<f64>) {
        Particles.encode(&flow.particles, words);
        words.extend([flow.time, f64::from_bits(flow.steps)]);
    }

    fn decode(&self, words: &[f64]) -> assim::Result<FlowState> {
        let [particles @ .., time, steps] = words else {
            return Err(malformed(format!("{} words are not a flow", words.len())));
        };
        Ok(FlowState {
            particles: Particles.decode(particles)?,
            time: *time,
            steps: steps.to_bits(),
        })
    }
}

fn with_particles(
    forecast: &[FlowState],
    analysed: Vec<particle_core::ParticleSet<2>>,
) -> Vec<FlowState> {
    forecast
        .iter()
        .zip(analysed)
        .map(|(s, particles)| FlowState {
            particles,
            time: s.time,
            steps: s.steps,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use validation::dipole_box::DipoleBox;

    #[test]
    fn a_horizon_must_be_a_whole_number_of_steps() {
        assert_eq!(whole_steps(1.0, 0.005), Ok(200));
        assert_eq!(whole_steps(0.3, 0.1), Ok(3));
        for bad in [0.0123, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(whole_steps(bad, 0.005), Err(ModelError::Invalid { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_member_refuses_parameters_and_a_partial_step() {
        let (vic, mut state) = DipoleBox::quick().start().unwrap();
        let mut member = VicMember { vic };
        let before = state.clone();
        let nu = member.vic.config().viscosity;
        assert_eq!(
            member.forecast(&mut state, &[0.1, 0.2], 0.1),
            Err(ModelError::ParameterCount {
                expected: 1,
                found: 2
            })
        );
        assert_eq!(
            member.forecast(&mut state, &[-1e-3], 0.08),
            Err(ModelError::NonPhysical {
                name: "viscosity nu",
                value: -1e-3
            })
        );
        assert!(matches!(
            member.forecast(&mut state, &[f64::NAN], 0.08),
            Err(ModelError::NonPhysical { .. })
        ));
        assert_eq!(member.vic.config().viscosity, nu, "kept");
        let dt = member.vic.config().dt;
        assert!(matches!(
            member.forecast(&mut state, &[], 1.5 * dt),
            Err(ModelError::Invalid { .. })
        ));
        assert_eq!(state, before, "nothing was stepped");
        member.forecast(&mut state, &[], 2.0 * dt).unwrap();
        assert_eq!(state.steps, 2);
    }

    /// A member given `[nu]` steps as a member whose solver was made with
    /// `nu`, keeps `nu` for forecasts without parameters, and a member
    /// given its own viscosity steps as one given none.
    #[test]
    fn a_calibrated_member_forecasts_with_its_parameter() {
        let base = DipoleBox::quick();
        let (vic, start) = base.start().unwrap();
        let mut calibrated = VicMember { vic };
        let nu = 4.0 * base.viscosity;
        let (made, _) = DipoleBox {
            viscosity: nu,
            ..base
        }
        .start()
        .unwrap();
        let mut reference = VicMember { vic: made };
        let (mut a, mut b) = (start.clone(), start.clone());
        calibrated.forecast(&mut a, &[nu], 0.16).unwrap();
        reference.forecast(&mut b, &[], 0.16).unwrap();
        assert_eq!(a, b);
        calibrated.forecast(&mut a, &[], 0.08).unwrap();
        reference.forecast(&mut b, &[], 0.08).unwrap();
        assert_eq!(a, b, "the solver keeps the last viscosity given");

        let (vic, _) = base.start().unwrap();
        let (mut own, mut none) = (start.clone(), start);
        VicMember { vic }
            .forecast(&mut own, &[base.viscosity], 0.16)
            .unwrap();
        let (vic, _) = base.start().unwrap();
        VicMember { vic }.forecast(&mut none, &[], 0.16).unwrap();
        assert_eq!(own, none);
        assert_ne!(own, a, "the viscosity matters");
    }

    #[test]
    fn a_flow_crosses_ranks_bit_for_bit() {
        let (vic, mut state) = DipoleBox::quick().start().unwrap();
        VicMember { vic }.forecast(&mut state, &[], 0.08).unwrap();
        let mut words = Vec::new();
        Flows.encode(&state, &mut words);
        assert_eq!(words.len(), 4 * state.particles.len() + 2);
        assert_eq!(Flows.decode(&words).unwrap(), state);
        let err = Flows.decode(&words[..5]).unwrap_err();
        assert!(matches!(err, assim::Error::Communication { .. }), "{err}");
        assert!(Flows.decode(&[1.0]).is_err());
    }

    /// Remesh- and Part-LETKF on four quick dipole members: with the same
    /// `F` at every location they are the global updates bit for bit, and
    /// the runner's local analysis changes the members and stays finite.
    #[test]
    fn the_local_updates_of_the_dipole_members() {
        use assim::{
            EnsembleRunner, GaspariCohn, LocalCoefficients, LocalFilter, Members, Method,
            ObservationNoise, Scheme,
        };
        let scenario = DipoleBox::quick();
        let states: Vec<FlowState> = (0..4)
            .map(|i| {
                let mut member = scenario;
                member.dipole.radius *= 1.0 + 0.05 * i as f64;
                member.start().unwrap().1
            })
            .collect();
        let (vic, _) = scenario.start().unwrap();
        let points = vec![[1.0, 1.0], [1.6, 1.5], [2.2, 2.0]];
        for remesh in [true, false] {
            let filter = if remesh {
                VicFilter::remesh_enkf(points.clone(), vic.grid().clone(), *vic.config(), 1e-4)
            } else {
                VicFilter::part_enkf(points.clone(), vic.grid().clone(), *vic.config())
            }
            .unwrap();
            let predicted: Vec<Vec<f64>> =
                states.iter().map(|s| filter.predict(s).unwrap()).collect();
            let noise = ObservationNoise::diagonal(&[1e-4; 6]).unwrap();
            let scheme = Scheme::new(Method::Etkf);
            let f = scheme
                .coefficients(&predicted, &[0.0; 6], &noise, 1, 0)
                .unwrap();
            let same = vec![
                LocalCoefficients::new(vec![f.clone(); filter.n_locations(&states[0])]).unwrap(),
            ];
            assert_eq!(
                filter.update_local(&states, &same).unwrap(),
                filter.update(&states, &f).unwrap()
            );
            let runner = EnsembleRunner::new(1, noise).with_scheme(scheme);
            let mut members = Members::new(states.clone(), vec![Vec::new(); 4]).unwrap();
            let taper = GaspariCohn::new(0.5).unwrap();
            runner
                .analyse_local(&filter, &mut members, &[0.0; 6], 0, &taper)
                .unwrap();
            assert_ne!(members.states, states);
            assert!(
                members.states.iter().all(|s| s
                    .particles
                    .strengths()
                    .iter()
                    .all(|g| g.is_finite()))
            );
        }
    }
}
