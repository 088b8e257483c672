//! Why grid diffusion loses energy under the paper's threshold: the same
//! comparison as `cargo xtask reproduce diffusion-accuracy` (PSE and
//! `vic_solver::Diffusion::Grid` on `DipoleBox::paper_member()`, against
//! `validation::spectral_box` at `256^2` modes), with the remeshing
//! threshold `eps_omega` and the remeshing period as arguments. With the
//! paper's `1e-4` every 100 steps, the grid's increments at nodes outside
//! the particle support are lost (PSE only exchanges strength between
//! particles); with threshold 0 every step the support grows with the
//! diffused vorticity, and if the grid stencil itself were the culprit the
//! grid run would still lag PSE.
//!
//! `cargo run --release -p validation --example diffusion_support -- THRESHOLD REMESH_EVERY END`
//! (default `1e-4 100 1`; prints the error and energy ratio every 0.25).
#![allow(clippy::print_stdout)]

use validation::diffusion_accuracy::{AccuracySetup, compare};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let threshold: f64 = arg(0, "1e-4").parse()?;
    let remesh_every: u64 = arg(1, "100").parse()?;
    let end: f64 = arg(2, "1").parse()?;
    let mut setup = AccuracySetup::paper();
    setup.scenario.eps_omega = threshold;
    setup.scenario.remesh_every = remesh_every;
    setup.check_modes = None;
    setup.times.retain(|&t| t <= end);
    let result = compare(&setup, || {})?;
    println!("threshold {threshold:e}, remeshing every {remesh_every} steps");
    println!("diffusion  time  rel. L2 error  E/E_ref - 1  particles");
    for &diffusion in &setup.diffusions {
        for &time in &setup.times {
            if let Some(row) = result.row(diffusion, time) {
                println!(
                    "{:<9}  {:>4}  {:>13.3e}  {:>+10.2}%  {:>9}",
                    format!("{diffusion:?}"),
                    time,
                    row.relative_l2_error,
                    100.0 * (row.energy_ratio - 1.0),
                    row.particles
                );
            }
        }
    }
    Ok(())
}
