//! Is the pseudo-spectral reference of the stress-free box converged? The
//! paper's flow (`validation::dipole_box::DipoleBox::paper_truth`'s dipole
//! and viscosity) run by `validation::spectral_box` at several numbers of
//! retained modes and time steps; at `t = 1, 5, 10` it prints each run's
//! energy, enstrophy and wall time, and the relative L2 difference of its
//! vorticity from the last (finest) run on the members' `129^2` grid nodes.
//!
//! `cargo run --release -p validation --example spectral_convergence -- 128:0.005 256:0.005 256:0.0025 512:0.005`
//! (each argument `MODES:DT`; the default is `128:0.005 256:0.005 512:0.005`).
#![allow(clippy::print_stdout)]

use std::time::Instant;

use validation::dipole_box::DipoleBox;
use validation::spectral_box::SpectralBox;

/// Nodes of the members' grid (`d_p = pi/256`, cells `l = 2 d_p`).
const CELLS: usize = 128;

fn relative_l2(a: &[f64], reference: &[f64]) -> f64 {
    let diff: f64 = a.iter().zip(reference).map(|(x, y)| (x - y).powi(2)).sum();
    let norm: f64 = reference.iter().map(|y| y * y).sum();
    (diff / norm).sqrt()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runs: Vec<(usize, f64)> = Vec::new();
    for arg in std::env::args().skip(1) {
        let (modes, dt) = arg.split_once(':').ok_or("arguments are MODES:DT")?;
        runs.push((modes.parse()?, dt.parse()?));
    }
    if runs.is_empty() {
        runs = vec![(128, 0.005), (256, 0.005), (512, 0.005)];
    }
    let scenario = DipoleBox::paper_truth();
    let dipole = scenario.dipole;
    let times = [1.0, 5.0, 10.0];
    // fields[run][time], energies, enstrophies, wall times.
    let mut results = Vec::new();
    for &(modes, dt) in &runs {
        let start = Instant::now();
        let mut flow =
            SpectralBox::from_vorticity(DipoleBox::LENGTH, modes, scenario.viscosity, dt, |x| {
                dipole.vorticity(x)
            })?;
        println!(
            "modes {modes}, dt {dt}: transform grid {}, E(0) = {:.10e}, Z(0) = {:.10e}",
            flow.transform_grid(),
            flow.energy(),
            flow.enstrophy()
        );
        let mut per_time = Vec::new();
        for &t in &times {
            flow.advance(t - flow.time())?;
            let elapsed = start.elapsed().as_secs_f64();
            println!(
                "  t = {t:>4}: E = {:.10e}, Z = {:.10e}, wall {elapsed:.1} s",
                flow.energy(),
                flow.enstrophy()
            );
            per_time.push((flow.vorticity_on_nodes(CELLS)?, flow.energy()));
        }
        results.push(per_time);
    }
    let Some(finest) = results.last() else {
        return Ok(());
    };
    println!("relative L2 difference from the last run on the 129^2 nodes, and energy ratio:");
    for (run, per_time) in runs.iter().zip(&results) {
        for ((t, (field, energy)), (reference, e_ref)) in times.iter().zip(per_time).zip(finest) {
            println!(
                "  modes {}, dt {}: t = {t:>4}: {:.3e}, E/E_ref - 1 = {:+.3e}",
                run.0,
                run.1,
                relative_l2(field, reference),
                energy / e_ref - 1.0
            );
        }
    }
    Ok(())
}
