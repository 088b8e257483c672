//! The Vortex-In-Cell time step: particle-to-grid, FFT Poisson, spectral
//! velocity, grid-to-particle, third-order Runge–Kutta advection, PSE
//! diffusion (viscous splitting) and periodic remeshing.
//!
//! One step of size `dt` from `(x_p, Gamma_p)`:
//!
//! 1. **Advection** with the circulations frozen, by Williamson's
//!    low-storage third-order Runge–Kutta scheme
//!    (`q <- a_s q + dt u(x)`, `x <- x + b_s q`, `a = (0, -5/9, -153/128)`,
//!    `b = (1/3, 15/16, 8/15)`). Every stage recomputes the velocity from
//!    the particles' current positions: `M4'` projection onto the grid
//!    (eq. 6), the spectral Poisson solve and velocity (`crate::spectral`),
//!    and `M4'` interpolation back to the particles.
//! 2. **Diffusion** of the circulations by one explicit PSE step over `dt`
//!    at the new positions (`particle_core::pse`, paper 2 eq. (15)), with
//!    the odd wall images.
//! 3. **Remeshing** every `remesh_every` steps onto fresh particles at 1/4
//!    and 3/4 of each cell, dropping `|Gamma_p| < eps_omega V_p`
//!    (`particle_core::remesh`).
//!
//! Before the first stage the CFL number `max|u| dt / l` is checked against
//! the configured limit; after every stage each particle must be finite
//! and inside the box (periodic positions are wrapped). A failing step
//! returns an error naming the step and particle and leaves the state at the
//! last complete stage, never NaNs in silence.

use particle_core::ParticleSet;
use particle_core::kernels::Width;
use particle_core::pse::PseOperator;
use particle_core::remesh::{GridValues, Projector, remesh};

use crate::error::{Error, Result, non_negative, positive};
use crate::grid::{Boundary, Grid};
use crate::poisson::{PoissonSolver, VelocityField};

/// Williamson's low-storage RK3 coefficients `(a_s, b_s)`.
const RK3: [(f64, f64); 3] = [
    (0.0, 1.0 / 3.0),
    (-5.0 / 9.0, 15.0 / 16.0),
    (-153.0 / 128.0, 8.0 / 15.0),
];

/// How the viscous step of the splitting is discretised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Diffusion {
    /// Particle Strength Exchange on the particles (paper 2, eq. (15)):
    /// the paper's scheme, cost proportional to particles times
    /// neighbours.
    #[default]
    Pse,
    /// On the grid: the projected nodal vorticity gets one explicit step of
    /// the 5-point Laplacian, `dw_i = nu dt Laplacian_h(w)_i` (wall nodes
    /// held at 0, their odd images), and each particle receives
    /// `V_p dw(x_p)` by `M4'` interpolation (the vortex-in-cell diffusion
    /// of Cottet & Koumoutsakos). Second order like PSE, about twenty
    /// times cheaper at the paper's resolution; stable for
    /// `nu dt / l^2 <= 1/4`; circulation is kept to the interpolation
    /// error (exactly on a periodic square only in the grid sum). Validated
    /// against PSE and the Lamb–Oseen vortex in `validation`.
    Grid,
}

/// Parameters of the time stepping. Fields are public; [`Vic::new`] checks
/// them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VicConfig {
    /// Kinematic viscosity `nu >= 0` (0: inviscid, no PSE step).
    pub viscosity: f64,
    /// Time step `dt > 0`.
    pub dt: f64,
    /// Width `eps > 0` of the PSE kernel (paper 2, Table 3: `eps = 2 d_p`).
    pub eps: f64,
    /// The PSE kernel is cut off where it falls below this fraction of its
    /// peak, radius `eps sqrt(ln 1/tol)` (`0 < tol < 1`).
    pub pse_tolerance: f64,
    /// Remesh after every `remesh_every` steps; 0 never remeshes.
    pub remesh_every: u64,
    /// The remeshing threshold `eps_omega >= 0`: fresh particles with
    /// `|Gamma_p| <= eps_omega V_p` are dropped.
    pub eps_omega: f64,
    /// Largest accepted CFL number `max|u| dt / l` (`> 0`).
    pub cfl_limit: f64,
    /// PSE (default) or grid diffusion.
    pub diffusion: Diffusion,
}

impl VicConfig {
    /// Default PSE cut-off: the kernel below `1e-6` of its peak is dropped
    /// (radius `3.72 eps`); the rates then carry a relative error of about
    /// `1e-5`, far below the splitting error of one step, at 3/4 of the
    /// cost of a `1e-8` cut-off.
    pub const DEFAULT_PSE_TOLERANCE: f64 = 1e-6;
    /// Default CFL limit: a particle moves at most one grid cell per step.
    pub const DEFAULT_CFL_LIMIT: f64 = 1.0;

    /// Viscosity `nu`, step `dt` and PSE width `eps`, with the default
    /// cut-off and CFL limit and no remeshing.
    pub fn new(viscosity: f64, dt: f64, eps: f64) -> Self {
        VicConfig {
            viscosity,
            dt,
            eps,
            pse_tolerance: Self::DEFAULT_PSE_TOLERANCE,
            remesh_every: 0,
            eps_omega: 0.0,
            cfl_limit: Self::DEFAULT_CFL_LIMIT,
            diffusion: Diffusion::Pse,
        }
    }

    /// The same with the given diffusion scheme.
    pub fn with_diffusion(mut self, diffusion: Diffusion) -> Self {
        self.diffusion = diffusion;
        self
    }

    /// The same with remeshing every `every` steps at threshold
    /// `eps_omega`.
    pub fn with_remeshing(mut self, every: u64, eps_omega: f64) -> Self {
        self.remesh_every = every;
        self.eps_omega = eps_omega;
        self
    }

    fn validate(&self) -> Result<()> {
        non_negative("viscosity nu", self.viscosity)?;
        positive("time step dt", self.dt)?;
        positive("PSE width eps", self.eps)?;
        positive("CFL limit", self.cfl_limit)?;
        non_negative("remeshing threshold eps_omega", self.eps_omega)?;
        if !(self.pse_tolerance > 0.0 && self.pse_tolerance < 1.0) {
            return Err(Error::NotPositive {
                name: "PSE tolerance (in (0, 1))",
                value: self.pse_tolerance,
            });
        }
        Ok(())
    }
}

/// The state of one flow: its particles, the time and the steps taken.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowState {
    /// Vortex particles `{x_p, Gamma_p, V_p}`.
    pub particles: ParticleSet<2>,
    /// Current time.
    pub time: f64,
    /// Steps taken since the state was made.
    pub steps: u64,
}

impl FlowState {
    /// Particles at time `time`, no step taken yet.
    pub fn new(particles: ParticleSet<2>, time: f64) -> Self {
        FlowState {
            particles,
            time,
            steps: 0,
        }
    }
}

/// Integral quantities of a flow at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diagnostics {
    /// Time.
    pub time: f64,
    /// Total circulation `sum_p Gamma_p`.
    pub circulation: f64,
    /// Linear impulse `sum_p Gamma_p (y_p, -x_p)`.
    pub impulse: [f64; 2],
    /// Kinetic energy `1/2 int |u|^2` over the square, from the grid
    /// velocity.
    pub energy: f64,
    /// Enstrophy `1/2 int omega^2` over the square, from the projected
    /// nodal vorticity.
    pub enstrophy: f64,
    /// Number of particles.
    pub particles: usize,
}

/// A Vortex-In-Cell solver on one grid: FFT plans and work arrays, built
/// once and reused by every step (each ensemble member owns one).
#[derive(Debug)]
pub struct Vic {
    grid: Grid,
    config: VicConfig,
    eps: Width,
    poisson: PoissonSolver,
    flow: VelocityField,
    projector: Projector<2>,
    /// The PSE operator, re-sorted for the particles of every step (its
    /// buffers kept); made at the first PSE step.
    pse: Option<PseOperator<2>>,
    omega: Vec<f64>,
    /// The grid diffusion's nodal increment and its values at the particles.
    increment: Vec<f64>,
    gathered: Vec<f64>,
    velocity: Vec<[f64; 2]>,
    register: Vec<[f64; 2]>,
}

impl Vic {
    /// A solver on `grid` with `config`.
    ///
    /// # Errors
    /// [`Error::NotPositive`] or [`Error::Negative`] naming the first bad
    /// parameter of `config`.
    pub fn new(grid: Grid, config: VicConfig) -> Result<Self> {
        config.validate()?;
        let eps = Width::new(config.eps)?;
        let poisson = PoissonSolver::new(&grid);
        let flow = VelocityField::zeros(&grid)?;
        let projector = Projector::new(grid.remesh_grid().clone());
        let nodes = grid.remesh_grid().node_count();
        grid_diffusion_stable(&grid, &config, config.viscosity)?;
        Ok(Vic {
            omega: vec![0.0; nodes],
            increment: vec![0.0; nodes],
            gathered: Vec::new(),
            grid,
            config,
            eps,
            poisson,
            flow,
            projector,
            pse: None,
            velocity: Vec::new(),
            register: Vec::new(),
        })
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// The configuration.
    pub fn config(&self) -> &VicConfig {
        &self.config
    }

    /// Diffuse with viscosity `viscosity` from the next step on (a member
    /// whose viscosity is calibrated by the analyses). Nothing else depends
    /// on it: the PSE operator holds the kernel and the particles, not
    /// `nu`, and its stability bound `dt <= bound(nu)` is checked at every
    /// step; grid diffusion is checked here, as [`Vic::new`] does. A
    /// solver given its own viscosity steps the same bits as before, and
    /// one given another the same bits as a solver made with it.
    ///
    /// # Errors
    /// [`Error::Negative`] for a negative or non-finite `viscosity`;
    /// [`Error::GridDiffusionUnstable`] if grid diffusion would be
    /// unstable with it. The solver keeps its viscosity on error.
    pub fn set_viscosity(&mut self, viscosity: f64) -> Result<()> {
        non_negative("viscosity nu", viscosity)?;
        grid_diffusion_stable(&self.grid, &self.config, viscosity)?;
        self.config.viscosity = viscosity;
        Ok(())
    }

    /// Particles on the lattice `((i + 1/2) d_p, (j + 1/2) d_p)` of the
    /// square with `Gamma_p = omega(x_p) d_p^2`, keeping
    /// `|omega(x_p)| > threshold` (paper 2, Section 5.1.2).
    ///
    /// # Errors
    /// [`Error::Particles`] if `omega` returns a non-finite value or no
    /// particle survives the threshold.
    pub fn particles_from_vorticity(
        &self,
        omega: impl Fn([f64; 2]) -> f64,
        threshold: f64,
    ) -> Result<ParticleSet<2>> {
        let n = 2 * self.grid.cells();
        Ok(ParticleSet::lattice(
            [0.0; 2],
            [n, n],
            self.grid.particle_spacing(),
            threshold,
            omega,
        )?)
    }

    /// The nodal vorticity eq. (6) of `particles` on the grid.
    ///
    /// # Errors
    /// [`Error::Particles`] for particles outside the box.
    pub fn vorticity(&mut self, particles: &ParticleSet<2>) -> Result<GridValues<2>> {
        self.project(particles)?;
        Ok(GridValues::new(
            self.grid.remesh_grid().clone(),
            self.omega.clone(),
        )?)
    }

    /// The velocity induced by `particles` at arbitrary `points` of the
    /// square (the grid velocity interpolated with `M4'`).
    ///
    /// # Errors
    /// [`Error::PointOutside`] for a point outside `[0, L]^2` (periodic
    /// squares accept any finite point); [`Error::Particles`] for bad
    /// particles or a non-finite point.
    pub fn velocity_at(
        &mut self,
        particles: &ParticleSet<2>,
        points: &[[f64; 2]],
    ) -> Result<Vec<[f64; 2]>> {
        let length = self.grid.domain().length();
        if self.grid.domain().boundary() == Boundary::StressFreeWalls {
            let outside = |x: f64| !(0.0..=length).contains(&x);
            if let Some(index) = points.iter().position(|p| outside(p[0]) || outside(p[1])) {
                let [x, y] = points[index];
                return Err(Error::PointOutside {
                    index,
                    x,
                    y,
                    length,
                });
            }
        }
        self.solve(particles)?;
        points.iter().map(|&x| self.flow.at(x)).collect()
    }

    /// The velocity field of `particles` on the grid (P2M and the Poisson
    /// solve), to sample at many points with [`VelocityField::at`].
    ///
    /// # Errors
    /// [`Error::Particles`] for particles outside the box.
    pub fn velocity_field(&mut self, particles: &ParticleSet<2>) -> Result<&VelocityField> {
        self.solve(particles)?;
        Ok(&self.flow)
    }

    /// Circulation, impulse, energy, enstrophy and particle count.
    ///
    /// # Errors
    /// [`Error::Particles`] for particles outside the box.
    pub fn diagnostics(&mut self, state: &FlowState) -> Result<Diagnostics> {
        let particles = &state.particles;
        self.solve(particles)?;
        let l2 = self.grid.spacing().powi(2);
        let omega2: f64 = self.omega.iter().map(|w| w * w).sum();
        let (xs, ys) = (particles.coords(0), particles.coords(1));
        let mut impulse = [0.0; 2];
        for ((g, x), y) in particles.strengths().iter().zip(xs).zip(ys) {
            impulse[0] += g * y;
            impulse[1] -= g * x;
        }
        Ok(Diagnostics {
            time: state.time,
            circulation: particles.total_strength(),
            impulse,
            energy: self.flow.energy(),
            enstrophy: 0.5 * l2 * omega2,
            particles: particles.len(),
        })
    }

    /// Advance `state` by `steps` steps, calling `on_step` after each.
    ///
    /// # Errors
    /// As [`Vic::step`]; the state is left as after the failing step.
    pub fn advance(
        &mut self,
        state: &mut FlowState,
        steps: u64,
        mut on_step: impl FnMut(&FlowState),
    ) -> Result<()> {
        for _ in 0..steps {
            self.step(state)?;
            on_step(state);
        }
        Ok(())
    }

    /// One step of size `dt`: RK3 advection, PSE diffusion, remeshing when
    /// due (module docs).
    ///
    /// # Errors
    /// [`Error::Cfl`] if `max|u| dt / l` exceeds the limit (nothing moved);
    /// [`Error::LeftDomain`] or [`Error::NonFinite`] for a particle that
    /// left the box or became NaN; [`Error::AtStep`] if PSE is unstable for
    /// `dt` or remeshing leaves no particle.
    pub fn step(&mut self, state: &mut FlowState) -> Result<()> {
        let step = state.steps;
        let dt = self.config.dt;
        let n = state.particles.len();
        self.register.clear();
        self.register.resize(n, [0.0; 2]);
        for (stage, &(a, b)) in RK3.iter().enumerate() {
            self.solve(&state.particles).map_err(|e| at_step(step, e))?;
            if stage == 0 {
                self.check_cfl(step)?;
            }
            self.sample_at_particles(&state.particles)
                .map_err(|e| at_step(step, e))?;
            let coords = state.particles.coords_mut();
            let (xs, rest) = coords.split_at_mut(1);
            let (xs, ys) = (&mut xs[0], &mut rest[0]);
            for ((q, vel), (x, y)) in self
                .register
                .iter_mut()
                .zip(&self.velocity)
                .zip(xs.iter_mut().zip(ys.iter_mut()))
            {
                for axis in 0..2 {
                    q[axis] = a * q[axis] + dt * vel[axis];
                }
                *x += b * q[0];
                *y += b * q[1];
            }
            self.confine(step, &mut state.particles)?;
        }
        self.diffuse(step, &mut state.particles)?;
        state.steps += 1;
        state.time += dt;
        let every = self.config.remesh_every;
        if every > 0 && state.steps.is_multiple_of(every) {
            state.particles = remesh(
                &state.particles,
                self.grid.remesh_grid(),
                self.config.eps_omega,
            )
            .map_err(|source| Error::AtStep { step, source })?;
        }
        Ok(())
    }

    /// P2M and the spectral velocity on the grid.
    fn solve(&mut self, particles: &ParticleSet<2>) -> Result<()> {
        self.project(particles)?;
        self.poisson.solve(&self.omega, &mut self.flow)
    }

    fn project(&mut self, particles: &ParticleSet<2>) -> Result<()> {
        self.projector.project_into(particles, &mut self.omega)?;
        Ok(())
    }

    /// M2P: `velocity[p]` is the grid velocity at particle `p` (the
    /// buffer keeps its capacity, so no step allocates once it has grown).
    fn sample_at_particles(&mut self, particles: &ParticleSet<2>) -> Result<()> {
        self.velocity.resize(particles.len(), [0.0; 2]);
        self.flow
            .sample_into(particles.coords(0), particles.coords(1), &mut self.velocity)
    }

    fn check_cfl(&self, step: u64) -> Result<()> {
        let max_speed = self.flow.max_speed();
        let cfl = max_speed * self.config.dt / self.grid.spacing();
        if cfl > self.config.cfl_limit || !cfl.is_finite() {
            return Err(Error::Cfl {
                step,
                cfl,
                limit: self.config.cfl_limit,
                max_speed,
            });
        }
        Ok(())
    }

    /// Wrap periodic positions; refuse NaNs and particles through a wall.
    fn confine(&self, step: u64, particles: &mut ParticleSet<2>) -> Result<()> {
        let length = self.grid.domain().length();
        let walls = self.grid.domain().boundary() == Boundary::StressFreeWalls;
        let coords = particles.coords_mut();
        // Walls: one branch-free pass (NaN fails both comparisons); the
        // loop below only runs to name the first bad particle.
        if walls
            && coords.iter().all(|c| {
                c.iter()
                    .fold(true, |ok, &x| ok & (x >= 0.0) & (x <= length))
            })
        {
            return Ok(());
        }
        for p in 0..coords[0].len() {
            for (axis, what) in [(0, "x"), (1, "y")] {
                let x = coords[axis][p];
                if !x.is_finite() {
                    return Err(Error::NonFinite {
                        step,
                        what,
                        particle: p,
                        value: x,
                    });
                }
                if walls {
                    if !(0.0..=length).contains(&x) {
                        return Err(Error::LeftDomain {
                            step,
                            particle: p,
                            x: coords[0][p],
                            y: coords[1][p],
                            length,
                        });
                    }
                } else {
                    let wrapped = x.rem_euclid(length);
                    // rem_euclid may round up to `length` itself.
                    coords[axis][p] = if wrapped < length { wrapped } else { 0.0 };
                }
            }
        }
        Ok(())
    }

    fn diffuse(&mut self, step: u64, particles: &mut ParticleSet<2>) -> Result<()> {
        let nu = self.config.viscosity;
        if nu == 0.0 {
            return Ok(());
        }
        let at = |source| Error::AtStep { step, source };
        match self.config.diffusion {
            Diffusion::Pse => {
                let pse = match &mut self.pse {
                    Some(pse) => {
                        pse.set_particles(particles).map_err(at)?;
                        pse
                    }
                    empty => empty.insert(
                        PseOperator::for_particles(
                            self.grid.domain().particle_domain(),
                            particles,
                            self.eps,
                            self.config.pse_tolerance,
                        )
                        .map_err(at)?,
                    ),
                };
                pse.step(particles.strengths_mut(), nu, self.config.dt)
                    .map_err(at)?;
            }
            Diffusion::Grid => {
                self.project(particles).map_err(|e| at_step(step, e))?;
                self.laplacian_increment(nu * self.config.dt);
                let grid = self.grid.remesh_grid();
                let increment = &self.increment;
                self.gathered.clear();
                for p in 0..particles.len() {
                    let [dw] = grid
                        .sample([increment], particles.position(p))
                        .map_err(at)?;
                    self.gathered.push(particles.volumes()[p] * dw);
                }
                for (g, dg) in particles.strengths_mut().iter_mut().zip(&self.gathered) {
                    *g += dg;
                }
            }
        }
        if let Some(particle) = particles.strengths().iter().position(|g| !g.is_finite()) {
            return Err(Error::NonFinite {
                step,
                what: "circulation",
                particle,
                value: particles.strengths()[particle],
            });
        }
        Ok(())
    }

    /// `increment = factor * Laplacian_h(omega)` with the 5-point stencil
    /// over `l^2`; periodic indices wrap, wall nodes stay 0 (the odd image
    /// of a wall's neighbour is its negative, so the wall value is 0).
    fn laplacian_increment(&mut self, factor: f64) {
        let [nx, ny] = self.grid.remesh_grid().dims();
        let scale = factor / self.grid.spacing().powi(2);
        let w = &self.omega;
        let walls = self.grid.domain().boundary() == Boundary::StressFreeWalls;
        for j in 0..ny {
            for i in 0..nx {
                let at = i + nx * j;
                self.increment[at] = if walls && (i == 0 || j == 0 || i == nx - 1 || j == ny - 1) {
                    0.0
                } else {
                    let left = (i + nx - 1) % nx + nx * j;
                    let right = (i + 1) % nx + nx * j;
                    let down = i + nx * ((j + ny - 1) % ny);
                    let up = i + nx * ((j + 1) % ny);
                    scale * (w[left] + w[right] + w[down] + w[up] - 4.0 * w[at])
                };
            }
        }
    }
}

/// Refuse `viscosity` when `config` diffuses on the grid and
/// `nu dt / l^2 > 1/4` (the explicit 5-point step's stability bound).
fn grid_diffusion_stable(grid: &Grid, config: &VicConfig, viscosity: f64) -> Result<()> {
    if config.diffusion == Diffusion::Grid {
        let number = viscosity * config.dt / grid.spacing().powi(2);
        if number > 0.25 {
            return Err(Error::GridDiffusionUnstable {
                number,
                viscosity,
                dt: config.dt,
            });
        }
    }
    Ok(())
}

/// Attach the step number to a particle-level error.
fn at_step(step: u64, error: Error) -> Error {
    match error {
        Error::Particles(source) => Error::AtStep { step, source },
        other => other,
    }
}
