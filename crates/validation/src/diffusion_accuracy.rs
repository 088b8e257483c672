//! How accurate are the Vortex-In-Cell diffusion options? One member of the
//! 2D scenario (paper 2, Section 5.1; [`DipoleBox::paper_member`]: the
//! truth's dipole and viscosity at the members' `d_p = pi/256`) is run once
//! with each [`Diffusion`] and compared with the pseudo-spectral solution of
//! the same flow ([`crate::spectral_box`], which shares no code with the
//! particle solvers).
//!
//! At every report time the member's vorticity is its `M4'` projection on
//! its own grid (eq. 6: nodes `i l`, `l = 2 d_p`, walls included), and the
//! reference is the sine series evaluated at the same nodes:
//!
//! ```text
//! relative L2 error = sqrt( sum_nodes (omega_vic - omega_ref)^2 / sum_nodes omega_ref^2 ),
//! energy ratio      = E_vic / E_ref,
//! ```
//!
//! with `E_vic` the grid energy of `vic_solver::Diagnostics` and `E_ref` the
//! series' exact `1/2 int |u|^2`. A second spectral run with more modes
//! (the `check`) measures how far the reference itself is from converged,
//! on the same nodes.
//!
//! The member runs on the caller's rayon pool (its results do not depend
//! on it; the wall times do), the spectral runs on the calling thread.

use std::time::Instant;

use vic_solver::{Diffusion, VicConfig};

use crate::dipole_box::DipoleBox;
use crate::error::{Error, Result};
use crate::spectral_box::SpectralBox;

/// What to compare: the flow and its VIC discretisation, the diffusion
/// options, the spectral reference and the report times.
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracySetup {
    /// The flow and the member's discretisation (its `dt`, `d_p`, PSE width,
    /// remeshing).
    pub scenario: DipoleBox,
    /// The diffusion options to run, in order.
    pub diffusions: Vec<Diffusion>,
    /// Retained sine modes per direction of the reference.
    pub reference_modes: usize,
    /// Retained modes of the convergence check of the reference (more than
    /// `reference_modes`), if any.
    pub check_modes: Option<usize>,
    /// Time step of the spectral runs.
    pub spectral_dt: f64,
    /// Report times, increasing, each a whole number of both time steps.
    pub times: Vec<f64>,
}

impl AccuracySetup {
    /// The paper's member ([`DipoleBox::paper_member`], 2 000 steps to
    /// `t = 10`), PSE and grid diffusion, a `256^2`-mode reference checked
    /// against `512^2` modes, both at `dt = 0.005`, reports every 0.25.
    pub fn paper() -> Self {
        AccuracySetup {
            scenario: DipoleBox::paper_member(),
            diffusions: vec![Diffusion::Pse, Diffusion::Grid],
            reference_modes: 256,
            check_modes: Some(512),
            spectral_dt: 0.005,
            times: (1..=40).map(|i| f64::from(i) / 4.0).collect(),
        }
    }

    /// A smoke run in seconds: [`DipoleBox::quick`] (`d_p = pi/128`,
    /// `dt = 0.02`) to `t = 1`, references with `64^2` and `128^2` modes,
    /// reports every 0.1.
    pub fn quick() -> Self {
        AccuracySetup {
            scenario: DipoleBox::quick(),
            diffusions: vec![Diffusion::Pse, Diffusion::Grid],
            reference_modes: 64,
            check_modes: Some(128),
            spectral_dt: 0.02,
            times: (1..=10).map(|i| f64::from(i) / 10.0).collect(),
        }
    }

    /// Steps of all runs together (for progress bars): the spectral
    /// reference and check, then every member.
    pub fn total_steps(&self) -> u64 {
        let end = self.times.last().copied().unwrap_or(0.0);
        let spectral = (end / self.spectral_dt).round() as u64;
        let spectral_runs = 1 + u64::from(self.check_modes.is_some());
        spectral_runs * spectral + self.diffusions.len() as u64 * self.scenario.steps_to(end)
    }

    fn validate(&self) -> Result<()> {
        if self.times.is_empty() {
            return Err(Error::EmptyGrid {
                what: "report times",
            });
        }
        let mut previous = 0.0;
        for &t in &self.times {
            if !(t.is_finite() && t > previous) {
                return Err(Error::TooSmall {
                    name: "report time (increasing, positive)",
                    value: t,
                    minimum: previous,
                });
            }
            let steps = t / self.scenario.dt;
            if (steps - steps.round()).abs() > 1e-9 * steps.max(1.0) {
                return Err(Error::NotWholeSteps {
                    duration: t,
                    dt: self.scenario.dt,
                });
            }
            previous = t;
        }
        match self.check_modes {
            Some(check) if check <= self.reference_modes => Err(Error::TooSmall {
                name: "check modes (more than the reference's)",
                value: check as f64,
                minimum: self.reference_modes as f64 + 1.0,
            }),
            _ => Ok(()),
        }
    }
}

/// The spectral reference at one report time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferenceRow {
    /// Time.
    pub time: f64,
    /// Energy `1/2 int |u|^2` of the reference.
    pub energy: f64,
    /// Enstrophy `1/2 int omega^2` of the reference.
    pub enstrophy: f64,
    /// Relative L2 difference of the reference from the check run on the
    /// member's nodes, if a check was run.
    pub check_difference: Option<f64>,
    /// Energy of the check run, if any.
    pub check_energy: Option<f64>,
    /// Enstrophy of the check run, if any.
    pub check_enstrophy: Option<f64>,
}

/// One member against the reference at one report time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccuracyRow {
    /// The diffusion option.
    pub diffusion: Diffusion,
    /// Time.
    pub time: f64,
    /// Relative L2 vorticity error on the member's grid nodes.
    pub relative_l2_error: f64,
    /// The member's grid energy.
    pub energy: f64,
    /// `E_vic / E_ref`.
    pub energy_ratio: f64,
    /// The member's nodal enstrophy over the reference's.
    pub enstrophy_ratio: f64,
    /// Particles of the member.
    pub particles: usize,
}

/// Wall time of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunTime {
    /// The diffusion option, or `None` for a spectral run.
    pub diffusion: Option<Diffusion>,
    /// Retained modes, for a spectral run.
    pub modes: Option<usize>,
    /// Steps taken.
    pub steps: u64,
    /// Seconds, including the comparisons at the report times.
    pub wall_time_s: f64,
}

/// The result of [`compare`].
#[derive(Debug, Clone, PartialEq)]
pub struct DiffusionAccuracy {
    /// The reference at every report time.
    pub reference: Vec<ReferenceRow>,
    /// Every member at every report time, diffusion options in the setup's
    /// order, times increasing.
    pub rows: Vec<AccuracyRow>,
    /// Wall times: the reference, the check (if any), then each member.
    pub timings: Vec<RunTime>,
}

impl DiffusionAccuracy {
    /// The row of `diffusion` closest to `time`, if any.
    pub fn row(&self, diffusion: Diffusion, time: f64) -> Option<&AccuracyRow> {
        self.rows
            .iter()
            .filter(|r| r.diffusion == diffusion)
            .min_by(|a, b| (a.time - time).abs().total_cmp(&(b.time - time).abs()))
    }

    /// The reference row closest to `time`, if any.
    pub fn reference_at(&self, time: f64) -> Option<&ReferenceRow> {
        self.reference
            .iter()
            .min_by(|a, b| (a.time - time).abs().total_cmp(&(b.time - time).abs()))
    }
}

/// Relative L2 difference `|a - b| / |b|` over matching samples.
fn relative_l2(a: &[f64], reference: &[f64]) -> Result<f64> {
    let diff: f64 = a.iter().zip(reference).map(|(x, y)| (x - y).powi(2)).sum();
    let norm: f64 = reference.iter().map(|y| y * y).sum();
    if norm == 0.0 {
        return Err(Error::ZeroNorm {
            what: "spectral reference vorticity",
        });
    }
    Ok((diff / norm).sqrt())
}

/// A spectral run of the setup's flow, its nodal vorticity, energy and
/// enstrophy at every report time.
struct SpectralRecord {
    fields: Vec<Vec<f64>>,
    energies: Vec<f64>,
    enstrophies: Vec<f64>,
    timing: RunTime,
}

fn spectral_run(
    setup: &AccuracySetup,
    modes: usize,
    cells: usize,
    on_step: &mut dyn FnMut(),
) -> Result<SpectralRecord> {
    let start = Instant::now();
    let dipole = setup.scenario.dipole;
    let mut flow = SpectralBox::from_vorticity(
        DipoleBox::LENGTH,
        modes,
        setup.scenario.viscosity,
        setup.spectral_dt,
        |x| dipole.vorticity(x),
    )?;
    let mut record = SpectralRecord {
        fields: Vec::new(),
        energies: Vec::new(),
        enstrophies: Vec::new(),
        timing: RunTime {
            diffusion: None,
            modes: Some(modes),
            steps: 0,
            wall_time_s: 0.0,
        },
    };
    for &t in &setup.times {
        let steps = flow.whole_steps(t - flow.time())?;
        flow.advance_steps(steps, |_| on_step())?;
        record.fields.push(flow.vorticity_on_nodes(cells)?);
        record.energies.push(flow.energy());
        record.enstrophies.push(flow.enstrophy());
    }
    record.timing.steps = flow.steps();
    record.timing.wall_time_s = start.elapsed().as_secs_f64();
    Ok(record)
}

/// Run the reference (and its check), then the member once per diffusion
/// option, and compare them at every report time. `on_step` is called
/// after every step of every run ([`AccuracySetup::total_steps`] in all).
///
/// # Errors
/// [`Error::EmptyGrid`], [`Error::TooSmall`] or [`Error::NotWholeSteps`]
/// for report times that are missing, not increasing or not whole numbers
/// of steps, or check modes not above the reference's; the spectral
/// solver's errors ([`SpectralBox::new`], [`SpectralBox::advance`]);
/// [`Error::Vic`] if a member stops (CFL, unstable grid diffusion).
pub fn compare(setup: &AccuracySetup, mut on_step: impl FnMut()) -> Result<DiffusionAccuracy> {
    setup.validate()?;
    // The member's grid: cells of l = 2 d_p.
    let (probe, _) = setup.scenario.start()?;
    let cells = probe.grid().cells();
    drop(probe);

    let reference = spectral_run(setup, setup.reference_modes, cells, &mut on_step)?;
    let check = match setup.check_modes {
        Some(modes) => Some(spectral_run(setup, modes, cells, &mut on_step)?),
        None => None,
    };
    let mut timings = vec![reference.timing];
    timings.extend(check.as_ref().map(|c| c.timing));

    let mut reference_rows = Vec::with_capacity(setup.times.len());
    for (k, &time) in setup.times.iter().enumerate() {
        let (check_difference, check_energy, check_enstrophy) = match &check {
            Some(c) => (
                Some(relative_l2(&reference.fields[k], &c.fields[k])?),
                Some(c.energies[k]),
                Some(c.enstrophies[k]),
            ),
            None => (None, None, None),
        };
        reference_rows.push(ReferenceRow {
            time,
            energy: reference.energies[k],
            enstrophy: reference.enstrophies[k],
            check_difference,
            check_energy,
            check_enstrophy,
        });
    }

    let mut rows = Vec::new();
    for &diffusion in &setup.diffusions {
        let start = Instant::now();
        let (vic, mut state) = setup.scenario.start()?;
        let config: VicConfig = (*vic.config()).with_diffusion(diffusion);
        let mut vic = vic_solver::Vic::new(vic.grid().clone(), config)?;
        for (k, &time) in setup.times.iter().enumerate() {
            let steps = setup.scenario.steps_to(time) - state.steps;
            vic.advance(&mut state, steps, |_| on_step())?;
            let nodes = vic.vorticity(&state.particles)?;
            let diagnostics = vic.diagnostics(&state)?;
            rows.push(AccuracyRow {
                diffusion,
                time,
                relative_l2_error: relative_l2(nodes.values(), &reference.fields[k])?,
                energy: diagnostics.energy,
                energy_ratio: diagnostics.energy / reference.energies[k],
                enstrophy_ratio: diagnostics.enstrophy / reference.enstrophies[k],
                particles: diagnostics.particles,
            });
        }
        timings.push(RunTime {
            diffusion: Some(diffusion),
            modes: None,
            steps: state.steps,
            wall_time_s: start.elapsed().as_secs_f64(),
        });
    }
    Ok(DiffusionAccuracy {
        reference: reference_rows,
        rows,
        timings,
    })
}
