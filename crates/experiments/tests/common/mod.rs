//! What several of this crate's test files share.

use experiments::dipole::RunState;

/// Every number of a run state as bits, for bit-for-bit comparisons:
/// flows (truth, then each ensemble's members), parameters, data, fields
/// and rows (with the members' viscosity where the row has it).
pub fn bits(state: &RunState) -> Vec<u64> {
    let mut out = Vec::new();
    let flows = std::iter::once(&state.truth)
        .chain(state.ensembles.iter().flat_map(|(_, members)| members));
    for flow in flows {
        let p = &flow.particles;
        for values in [p.coords(0), p.coords(1), p.strengths(), p.volumes()] {
            out.extend(values.iter().map(|x| x.to_bits()));
        }
        out.extend([flow.time.to_bits(), flow.steps]);
    }
    for theta in state.parameters.iter().flatten() {
        out.push(theta.len() as u64);
        out.extend(theta.iter().map(|x| x.to_bits()));
    }
    for row in state.observations.iter().chain(&state.truth_fields) {
        out.extend(row.iter().map(|x| x.to_bits()));
    }
    for row in &state.rows {
        out.push(row.e_omega.to_bits());
        out.extend(row.per_member.iter().map(|x| x.to_bits()));
        match row.viscosity {
            Some(spread) => out.extend([1, spread.mean.to_bits(), spread.sd.to_bits()]),
            None => out.push(0),
        }
    }
    out
}
