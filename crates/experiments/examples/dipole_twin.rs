//! The 2D twin experiment of paper 2 at the quick size, from the library:
//! the scenario's truth and members, a prior and an observation network of
//! our own, all three ensembles, and the error table.
//!
//! `cargo run --release -p experiments --example dipole_twin`

// An example prints its table.
#![allow(clippy::print_stdout)]

use std::f64::consts::PI;

use experiments::dipole::DipoleScenario;
use experiments::dipole::{Experiment, FILTERS, Setup};

fn main() -> Result<(), experiments::Error> {
    let mut setup = Setup::new(&DipoleScenario::quick()?);
    setup.n_members = 8;
    setup.analyses = 4;
    // Our prior: a wider spread of centres and a known viscosity range.
    setup.prior.center = ([PI / 2.0, PI / 2.0], 0.2);
    setup.prior.viscosity = (0.002, 0.0005);
    // Our network: a 4 x 4 lattice over the middle of the box.
    setup.points = (0..16)
        .map(|k| [0.9 + 0.45 * (k % 4) as f64, 0.9 + 0.45 * (k / 4) as f64])
        .collect();

    let (mut experiment, mut state) = Experiment::start(setup, 2024, &FILTERS)?;
    while state.completed < experiment.setup.analyses {
        experiment.advance_window(&mut state, &mut |_progress| {})?;
    }
    println!(
        "{:<12} {:>8} {:>6} {:>10} {:>12}",
        "ensemble", "stage", "t", "e_omega", "particles"
    );
    for row in &state.rows {
        let (filter, stage) = (row.filter.name(), row.stage.name());
        println!(
            "{filter:<12} {stage:>8} {:>6.2} {:>10.3e} {:>12.0}",
            row.time, row.e_omega, row.mean_particles
        );
    }
    Ok(())
}
