//! The two particle-aware analyses of paper 2, Section 3, applied with the
//! coefficients `F` of eq. (2) ([`crate::analysis`]) to members that are
//! particle sets `{x_p, U_p, V_p}`, each with its own particles.
//!
//! * [`remesh_update`] — **Remesh-EnKF** (Section 3.2): project every member
//!   onto the grid `l = 2 d_p` (eq. 6), update the nodal values
//!   `u_i^{a,g} = u_i^{f,g} + sum_j F_ji u_j^{f,g}`, interpolate to fresh
//!   particles at 1/4 and 3/4 of every cell (eq. 7–8) and drop those with
//!   `|u_i^{a,g}(x_p)| <= eps_cut` (the 2D rule `|Gamma_p| < eps_omega V_p`
//!   differs only at equality). All members end on one common lattice.
//! * [`part_update`] — **Part-EnKF** (Section 3.3): keep every member's
//!   particles, evaluate the analysed field eq. (12),
//!   `u_i^a(x) = u_i^f(x) + sum_j F_ji u_j^f(x)` with
//!   `u_j^f(x) = sum_q U_{j,q} zeta_eps(x - x_{j,q})`, at member `i`'s own
//!   particles, and set `U_{i,p}^a = u_i^a(x_{i,p}) V_{i,p}` (eq. 4). The
//!   cost is `N^2` field evaluations, each over the cut-off neighbours.
//!
//! [`remesh_update_local`] and [`part_update_local`] are the same updates
//! with local analyses ([`crate::localisation`]): a transform per grid node
//! (Remesh-LETKF with the ETKF) or per particle of each member
//! (Part-LETKF); [`part_update_nodal`] is Part-LETKF with the transforms of
//! the grid's nodes, each particle taking its nearest node's (`N` times
//! fewer local analyses, and their memory, than one per particle).
//!
//! Both are linear in the members' strengths. Members are processed in
//! parallel; every member's result depends on the inputs only, so results
//! are the same for any number of threads.

use std::ops::Range;

use particle_core::kernels::Width;
use particle_core::remesh::{GridValues, RemeshGrid, project};
use particle_core::{Domain, ParticleSet, Reconstruction};
use rayon::prelude::*;

use crate::analysis::{Coefficients, check_block};
use crate::error::{Error, Result};
use crate::localisation::LocalCoefficients;

/// Remesh-EnKF: the analysed members as fresh particle sets on `grid`'s
/// particle lattice, thresholded at `eps_cut`.
///
/// # Errors
/// [`Error::MemberCount`] if `coefficients` is not `N x N` for the `N`
/// members; [`Error::Member`] naming the member whose projection or
/// interpolation failed (a particle outside the domain, or no particle
/// left above the threshold).
pub fn remesh_update<const D: usize>(
    members: &[ParticleSet<D>],
    grid: &RemeshGrid<D>,
    coefficients: &Coefficients,
    eps_cut: f64,
) -> Result<Vec<ParticleSet<D>>> {
    remesh_update_members(members, grid, coefficients, eps_cut, 0..members.len())
}

/// [`remesh_update`] for the analysed members `block` only (a rank's
/// block of a distributed run): every member is projected, only `block`'s
/// nodal vectors are analysed and interpolated, each the same bits as in
/// [`remesh_update`].
///
/// # Errors
/// As [`remesh_update`]; [`Error::MemberCount`] if `block` reaches beyond
/// the members.
pub fn remesh_update_members<const D: usize>(
    members: &[ParticleSet<D>],
    grid: &RemeshGrid<D>,
    coefficients: &Coefficients,
    eps_cut: f64,
    block: Range<usize>,
) -> Result<Vec<ParticleSet<D>>> {
    check_members(members.len(), coefficients.n_members())?;
    let first = block.start;
    remesh_with(members, grid, eps_cut, first, |nodal| {
        coefficients.apply_to_members(nodal, block)
    })
}

/// Remesh-EnKF with local analyses (Remesh-LETKF with the ETKF): as
/// [`remesh_update`], each node's values analysed by the coefficients of
/// its own location (`local`: one location per node of `grid`, in node
/// order, [`RemeshGrid::node_position`]).
///
/// # Errors
/// As [`remesh_update`]; [`Error::LengthMismatch`] if `local` does not have
/// one location per node.
pub fn remesh_update_local<const D: usize>(
    members: &[ParticleSet<D>],
    grid: &RemeshGrid<D>,
    local: &LocalCoefficients,
    eps_cut: f64,
) -> Result<Vec<ParticleSet<D>>> {
    if local.len() != grid.node_count() {
        return Err(Error::LengthMismatch {
            what: "local coefficients (one location per grid node)",
            expected: grid.node_count(),
            found: local.len(),
        });
    }
    check_members(members.len(), local.n_members())?;
    remesh_with(members, grid, eps_cut, 0, |nodal| {
        local.apply_to(nodal, |node| node)
    })
}

/// Project, analyse the nodal vectors by `analyse` (the members from
/// `first` on), interpolate.
fn remesh_with<const D: usize>(
    members: &[ParticleSet<D>],
    grid: &RemeshGrid<D>,
    eps_cut: f64,
    first: usize,
    analyse: impl FnOnce(&[Vec<f64>]) -> Result<Vec<Vec<f64>>>,
) -> Result<Vec<ParticleSet<D>>> {
    let nodal: Vec<Vec<f64>> = members
        .par_iter()
        .enumerate()
        .map(|(member, particles)| {
            project(particles, grid)
                .map(GridValues::into_values)
                .map_err(|source| Error::Member { member, source })
        })
        .collect::<Result<_>>()?;
    let analysed = analyse(&nodal)?;
    analysed
        .into_par_iter()
        .enumerate()
        .map(|(i, values)| {
            GridValues::new(grid.clone(), values)
                .and_then(|field| field.interpolate(eps_cut))
                .map_err(|source| Error::Member {
                    member: first + i,
                    source,
                })
        })
        .collect()
}

/// Part-EnKF: the members with their own particles and the strengths of
/// the analysed field eq. (12), reconstructed with the Gaussian of width
/// `eps` cut off at `tolerance` of its peak on `domain`.
///
/// # Errors
/// [`Error::MemberCount`] for a wrong-sized `coefficients`;
/// [`Error::Member`] naming a member whose reconstruction failed.
pub fn part_update<const D: usize>(
    members: &[ParticleSet<D>],
    domain: Domain<D>,
    eps: Width,
    tolerance: f64,
    coefficients: &Coefficients,
) -> Result<Vec<ParticleSet<D>>> {
    part_update_members(
        members,
        domain,
        eps,
        tolerance,
        coefficients,
        0..members.len(),
    )
}

/// [`part_update`] for the analysed members `block` only (a rank's block
/// of a distributed run): every member's field is reconstructed, only
/// `block`'s members are analysed, each the same bits as in
/// [`part_update`].
///
/// # Errors
/// As [`part_update`]; [`Error::MemberCount`] if `block` reaches beyond
/// the members.
pub fn part_update_members<const D: usize>(
    members: &[ParticleSet<D>],
    domain: Domain<D>,
    eps: Width,
    tolerance: f64,
    coefficients: &Coefficients,
    block: Range<usize>,
) -> Result<Vec<ParticleSet<D>>> {
    check_members(members.len(), coefficients.n_members())?;
    check_block(&block, members.len())?;
    part_with(members, domain, eps, tolerance, block, |i, j, _| {
        coefficients.get(j, i) + if i == j { 1.0 } else { 0.0 }
    })
}

/// Part-EnKF with local analyses (Part-LETKF with the ETKF): as
/// [`part_update`], the analysed field at member `i`'s particle `p` taken
/// with the coefficients of that particle's own location,
/// `u_i^a(x_p) = sum_j (delta_ij + F^(p)_ji) u_j^f(x_p)`; `local[i]` has
/// one location per particle of member `i`.
///
/// # Errors
/// As [`part_update`]; [`Error::MemberCount`] if `local` has not one entry
/// per member; [`Error::LengthMismatch`] if `local[i]` has not one
/// location per particle of member `i`.
pub fn part_update_local<const D: usize>(
    members: &[ParticleSet<D>],
    domain: Domain<D>,
    eps: Width,
    tolerance: f64,
    local: &[LocalCoefficients],
) -> Result<Vec<ParticleSet<D>>> {
    if local.len() != members.len() {
        return Err(Error::MemberCount {
            what: "local coefficients (one set per member)",
            expected: members.len(),
            found: local.len(),
        });
    }
    for (particles, l) in members.iter().zip(local) {
        if l.len() != particles.len() {
            return Err(Error::LengthMismatch {
                what: "local coefficients (one location per particle)",
                expected: particles.len(),
                found: l.len(),
            });
        }
        check_members(members.len(), l.n_members())?;
    }
    part_with(
        members,
        domain,
        eps,
        tolerance,
        0..members.len(),
        |i, j, p| {
            let f = local[i].get(p).map_or(0.0, |f| f.get(j, i));
            f + if i == j { 1.0 } else { 0.0 }
        },
    )
}

/// Part-EnKF with the local analyses of a grid's nodes: as
/// [`part_update_local`], member `i`'s particle `p` taken with the
/// coefficients of the node of `grid` nearest to it
/// ([`RemeshGrid::nearest_node`]; `local`: one location per node, in node
/// order). The local analyses are then shared by all members, `N_nodes`
/// of them instead of one per particle of every member, and so is the
/// memory of their `N x N` coefficients: the weight interpolation of the
/// LETKF (Yang et al. 2009) with the nearest node, accurate when the
/// taper varies little over a grid cell.
///
/// # Errors
/// As [`part_update`]; [`Error::LengthMismatch`] if `local` does not have
/// one location per node; [`Error::Member`] naming a member with a
/// particle at a non-finite position.
pub fn part_update_nodal<const D: usize>(
    members: &[ParticleSet<D>],
    domain: Domain<D>,
    eps: Width,
    tolerance: f64,
    grid: &RemeshGrid<D>,
    local: &LocalCoefficients,
) -> Result<Vec<ParticleSet<D>>> {
    if local.len() != grid.node_count() {
        return Err(Error::LengthMismatch {
            what: "local coefficients (one location per grid node)",
            expected: grid.node_count(),
            found: local.len(),
        });
    }
    check_members(members.len(), local.n_members())?;
    let nodes: Vec<Vec<usize>> = members
        .par_iter()
        .enumerate()
        .map(|(member, particles)| {
            (0..particles.len())
                .map(|p| grid.nearest_node(particles.position(p)))
                .collect::<std::result::Result<_, _>>()
                .map_err(|source| Error::Member { member, source })
        })
        .collect::<Result<_>>()?;
    part_with(
        members,
        domain,
        eps,
        tolerance,
        0..members.len(),
        |i, j, p| {
            let f = local.get(nodes[i][p]).map_or(0.0, |f| f.get(j, i));
            f + if i == j { 1.0 } else { 0.0 }
        },
    )
}

/// The Part-EnKF update of the members `block` with the weight
/// `weight(i, j, p)` of member `j`'s field at member `i`'s particle `p`.
fn part_with<const D: usize>(
    members: &[ParticleSet<D>],
    domain: Domain<D>,
    eps: Width,
    tolerance: f64,
    block: Range<usize>,
    weight: impl Fn(usize, usize, usize) -> f64 + Sync,
) -> Result<Vec<ParticleSet<D>>> {
    let fields: Vec<Reconstruction<D>> = members
        .par_iter()
        .enumerate()
        .map(|(member, particles)| {
            Reconstruction::for_particles(domain, particles, eps, tolerance)
                .map_err(|source| Error::Member { member, source })
        })
        .collect::<Result<_>>()?;
    block
        .into_par_iter()
        .map(|i| {
            let target = &members[i];
            let points: Vec<[f64; D]> = (0..target.len()).map(|p| target.position(p)).collect();
            let mut values = vec![0.0; points.len()];
            for (j, (field, source)) in fields.iter().zip(members).enumerate() {
                // u_i^a = u_i^f + sum_j F_ji u_j^f.
                let weights: Vec<f64> = (0..points.len()).map(|p| weight(i, j, p)).collect();
                if weights.iter().all(|&w| w == 0.0) {
                    continue;
                }
                let u_j = field
                    .values_at(source.strengths(), &points)
                    .map_err(|source| Error::Member { member: j, source })?;
                for ((v, u), w) in values.iter_mut().zip(u_j).zip(&weights) {
                    *v += w * u;
                }
            }
            let strengths = values
                .iter()
                .zip(target.volumes())
                .map(|(u, v)| u * v)
                .collect();
            let mut analysed = target.clone();
            analysed
                .set_strengths(strengths)
                .map_err(|source| Error::Member { member: i, source })?;
            Ok(analysed)
        })
        .collect()
}

fn check_members(found: usize, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::MemberCount {
            what: "members to analyse",
            expected,
            found,
        })
    }
}
