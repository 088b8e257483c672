//! Is the truth of the 2D experiment converged enough for the errors we
//! report? The paper's flow (no prior: the truth's own dipole and
//! viscosity) at the truth's `d_p = pi/512` and at coarser twins `pi/256`
//! (the members') and `pi/128`, compared by `int (omega_twin - omega_truth)^2`
//! (the `e_omega` of a one-member ensemble) at every unit of time, on the
//! `256^2` quadrature cells of fig18.
//!
//! `cargo run --release -p validation --example truth_convergence`
//! (about 5 minutes on 2 cores). A twin's difference is the
//! discretisation error a perfect member carries: the floor under any
//! filter's error, and the size of the truth's own error is about a quarter
//! of the `pi/256` twin's for a second-order scheme.
#![allow(clippy::print_stdout)]

use std::f64::consts::PI;

use validation::dipole_box::DipoleBox;
use validation::norms::{CellGrid2d, ensemble_l2_error};
use vic_solver::{FlowState, Vic};

fn field(vic: &mut Vic, state: &FlowState, q: &CellGrid2d) -> Vec<f64> {
    let nodes = vic.vorticity(&state.particles).expect("vorticity");
    let mut values = Vec::new();
    for &y in &q.ys() {
        for &x in &q.xs() {
            values.push(nodes.field_at([x, y]).expect("inside the box"));
        }
    }
    values
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let q = CellGrid2d::new([0.0, 0.0], [PI, PI], [256, 256])?;
    let truth = DipoleBox::paper_truth();
    let twins = [256.0, 128.0].map(|n| DipoleBox {
        particle_spacing: PI / n,
        ..truth
    });
    let mut flows: Vec<(Vic, FlowState)> = std::iter::once(truth)
        .chain(twins)
        .map(|b| b.start())
        .collect::<Result<_, _>>()?;
    println!("t, e(pi/256 twin), e(pi/128 twin), particles truth, particles pi/256");
    for t in 1..=10 {
        for ((vic, state), b) in flows.iter_mut().zip(std::iter::once(truth).chain(twins)) {
            vic.advance(state, b.steps_to(1.0), |_| {})?;
        }
        let fields: Vec<Vec<f64>> = flows.iter_mut().map(|(v, s)| field(v, s, &q)).collect();
        let e = ensemble_l2_error(&q, &fields[1..], &fields[0])?;
        println!(
            "{t}, {:.4e}, {:.4e}, {}, {}",
            e.per_member[0],
            e.per_member[1],
            flows[0].1.particles.len(),
            flows[1].1.particles.len()
        );
    }
    Ok(())
}
