//! Every figure of both papers, by SPEC id, with its state.

use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;

/// Which source paper a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// Herty & Visconti, kinetic methods for inverse problems (paper 1).
    Kinetic,
    /// Duvillard, Giraldi & Le Maître, ensemble data assimilation for particle methods (paper 2).
    Particle,
    /// The standard data-assimilation benchmarks (Lorenz-63, Lorenz-96), not
    /// from either paper.
    Benchmarks,
}

impl Paper {
    /// Short name used in listings and summaries.
    pub fn name(self) -> &'static str {
        match self {
            Paper::Kinetic => "paper 1 (kinetic)",
            Paper::Particle => "paper 2 (particle)",
            Paper::Benchmarks => "DA benchmarks (Lorenz-63, Lorenz-96)",
        }
    }
}

/// A reproduction entry point: computes, writes `ID.csv` and `ID.svg`, returns the summary body.
pub type Runner = fn(&Context) -> Result<Outcome, Error>;

/// Whether a figure can be reproduced yet.
#[derive(Clone, Copy)]
pub enum Status {
    /// Implemented by this runner.
    Implemented(Runner),
    /// Not implemented yet; the issue that delivers it.
    Planned {
        /// Issue number in the project tracker.
        issue: u32,
    },
}

/// One reproducible figure.
#[derive(Clone, Copy)]
pub struct Figure {
    /// SPEC id, e.g. `fig3` or `kinetic-fig1`.
    pub id: &'static str,
    /// Source paper.
    pub paper: Paper,
    /// What the figure shows (from the paper's caption).
    pub title: &'static str,
    /// Implemented or planned.
    pub status: Status,
}

const fn implemented(id: &'static str, paper: Paper, title: &'static str, run: Runner) -> Figure {
    Figure {
        id,
        paper,
        title,
        status: Status::Implemented(run),
    }
}

use Paper::{Benchmarks, Kinetic, Particle};

/// All figures, in the papers' order (paper 2 first, as SPEC lists them).
pub const FIGURES: &[Figure] = &[
    implemented(
        "fig1",
        Particle,
        "Remesh-EnKF illustration: projection, analysis, interpolation",
        super::fig1::run,
    ),
    implemented(
        "fig2",
        Particle,
        "Part-EnKF illustration on three particles",
        super::fig2::run,
    ),
    implemented(
        "fig3",
        Particle,
        "Exact solution of the 1D advection-diffusion problem at t = 0, pi/v, 2pi/v",
        super::fig3::run,
    ),
    implemented(
        "fig4",
        Particle,
        "Initial parameter samples and initial ensemble (1D)",
        super::fig4::run,
    ),
    implemented(
        "fig5",
        Particle,
        "Remesh-EnKF analyses over assimilation steps (1D)",
        super::fig5::run,
    ),
    implemented(
        "fig6",
        Particle,
        "Calibration of v and D over assimilation steps (Remesh-EnKF)",
        super::fig6::run,
    ),
    implemented(
        "fig7",
        Particle,
        "State rRMSE against assimilation step (1D)",
        super::fig7::run,
    ),
    implemented(
        "fig8",
        Particle,
        "Velocity rRMSE against assimilation step (1D)",
        super::fig8::run,
    ),
    implemented(
        "fig9",
        Particle,
        "Diffusion rRMSE against assimilation step (1D)",
        super::fig9::run,
    ),
    implemented(
        "fig10",
        Particle,
        "Part-EnKF state rRMSE for several eps_cut",
        super::fig10::run,
    ),
    implemented(
        "fig11",
        Particle,
        "Normalised state discrepancy against particles per member",
        super::fig11::run,
    ),
    implemented(
        "fig12",
        Particle,
        "Final Part-EnKF ensembles for eps_cut = 0 and 1e-11",
        super::fig12::run,
    ),
    implemented(
        "fig13",
        Particle,
        "Lamb-Chaplygin dipole vorticity on a normalised space",
        super::fig13::run,
    ),
    implemented(
        "fig14",
        Particle,
        "Ground truth vorticity at t = 1, 5, 10 (2D box)",
        super::fig14::run,
    ),
    implemented(
        "fig15",
        Particle,
        "Particle support for eps_omega = 0.1, 0.01, 1e-6",
        super::fig15::run,
    ),
    implemented(
        "fig16",
        Particle,
        "Six samples of the initial 2D ensemble",
        super::fig16::run,
    ),
    implemented(
        "fig17",
        Particle,
        "Observed and reference velocity fields",
        super::fig17::run,
    ),
    implemented(
        "fig18",
        Particle,
        "L2 vorticity error through assimilation steps (2D)",
        super::fig18::run,
    ),
    implemented(
        "fig19",
        Particle,
        "Vorticity error against observation precision",
        super::fig19_24::fig19,
    ),
    implemented(
        "fig20",
        Particle,
        "Vorticity error against N_assim",
        super::fig19_24::fig20,
    ),
    implemented(
        "fig21",
        Particle,
        "Vorticity error against N_obs",
        super::fig19_24::fig21,
    ),
    implemented(
        "fig22",
        Particle,
        "One member's analysis with an unadapted forecast support",
        super::fig22::run,
    ),
    implemented(
        "fig23",
        Particle,
        "Vorticity error against the threshold eps_omega",
        super::fig19_24::fig23,
    ),
    implemented(
        "fig24",
        Particle,
        "Vorticity error against the particle size d_p",
        super::fig19_24::fig24,
    ),
    implemented(
        "diffusion-accuracy",
        Particle,
        "VIC diffusion (PSE, grid) against a pseudo-spectral reference (not a paper figure)",
        super::diffusion_accuracy::run,
    ),
    implemented(
        "dipole-schemes",
        Particle,
        "2D dipole with ETKF and LETKF beside the paper's EnKF, N = 8, 16, 32 (not a paper figure)",
        super::dipole_schemes::run,
    ),
    implemented(
        "da-benchmarks",
        Benchmarks,
        "Analysis schemes on Lorenz-63 and Lorenz-96 against DAPPER's documented scores",
        super::da_benchmarks::run,
    ),
    implemented(
        "kinetic-fig1",
        Kinetic,
        "Phase plane of the moment system (16)",
        super::kinetic_phase::fig1,
    ),
    implemented(
        "kinetic-fig2",
        Kinetic,
        "Phase plane of the stabilised moment system",
        super::kinetic_phase::fig2,
    ),
    implemented(
        "kinetic-elliptic",
        Kinetic,
        "EnKF, kinetic and Fokker-Planck solutions of the linear elliptic example",
        super::kinetic_elliptic::run,
    ),
];

/// The figure with this id, if any.
pub fn find(id: &str) -> Option<&'static Figure> {
    FIGURES.iter().find(|f| f.id == id)
}
