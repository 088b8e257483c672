//! Extend-and-pad, paper 2 Section 3.1, eq. (10)–(11): the baseline that
//! analyses members with different particle sets by extending every member
//! to the union `P^a = ∪_k P_k^f` of all members' particles, padding the
//! strengths of the particles it does not own with zeros (eq. 10), and
//! updating the padded vectors with `F` (eq. 11),
//! `U_i^a = U~_i^f + sum_j F_ji U~_j^f`.
//!
//! The padded zeros do not stay zero, so every analysed member carries all
//! `|P^a| = sum_k |P_k^f|` particles: with `N` members of `n` particles each
//! the count grows from `n` to `N n` per analysis, `N^k n` after `k`
//! analyses without a reduction step. [`extend_and_pad`] reports it by the
//! lengths of the returned sets. The field of analysed member `i` is
//! exactly eq. (12), `u_i^f + sum_j F_ji u_j^f`, since the reconstruction
//! eq. (3) is linear in the strengths.
//!
//! The union is built in member order (member 0's particles first), so the
//! result does not depend on the thread count.

use particle_core::ParticleSet;

use crate::analysis::Coefficients;
use crate::error::{Error, Result};

/// Eq. (10)–(11): all analysed members on the union of the forecast
/// particle sets.
///
/// # Errors
/// [`Error::MemberCount`] if `coefficients` is not `N × N`;
/// [`Error::Member`] naming a member whose analysed set is refused.
pub fn extend_and_pad<const D: usize>(
    members: &[ParticleSet<D>],
    coefficients: &Coefficients,
) -> Result<Vec<ParticleSet<D>>> {
    if members.len() != coefficients.n_members() {
        return Err(Error::MemberCount {
            what: "members to analyse",
            expected: coefficients.n_members(),
            found: members.len(),
        });
    }
    let total: usize = members.iter().map(ParticleSet::len).sum();
    let mut positions: [Vec<f64>; D] = std::array::from_fn(|_| Vec::with_capacity(total));
    let mut volumes = Vec::with_capacity(total);
    let mut padded = Vec::with_capacity(members.len());
    let mut offset = 0;
    for set in members {
        for (axis, coords) in positions.iter_mut().enumerate() {
            coords.extend_from_slice(set.coords(axis));
        }
        volumes.extend_from_slice(set.volumes());
        // Eq. (10): own strengths at own particles, zero elsewhere.
        let mut u = vec![0.0; total];
        u[offset..offset + set.len()].copy_from_slice(set.strengths());
        padded.push(u);
        offset += set.len();
    }
    coefficients
        .apply_to(&padded)?
        .into_iter()
        .enumerate()
        .map(|(member, strengths)| {
            ParticleSet::new(positions.clone(), strengths, volumes.clone())
                .map_err(|source| Error::Member { member, source })
        })
        .collect()
}
