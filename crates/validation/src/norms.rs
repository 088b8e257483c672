//! Quadrature-based error norms of paper 2: the relative root-mean-square
//! error (rRMSE, Section 4.1.2) of states and parameters, and the ensemble
//! L2 error `e_omega` (Section 5.1.4).
//!
//! ```text
//! rRMSE       = 1/||u_gt|| [ 1/N sum_i ||u_i - u_gt||^2 ]^{1/2},   ||u||^2 = int_0^{2 pi} u^2 dx
//! rRMSE_theta = 1/|theta_gt| [ 1/N sum_i |theta_i - theta_gt|^2 ]^{1/2}
//! e_omega     = 1/N sum_i int_Omega (omega_i - omega_gt)^2 dx
//! ```
//!
//! Integrals are quadratures on uniform grids: the trapezoid rule on a
//! periodic grid ([`PeriodicGrid1d`], spectrally accurate for smooth periodic
//! integrands) and the midpoint rule on a cell-centred grid ([`CellGrid2d`],
//! second order).

use crate::error::{Error, Result, finite, positive};

/// A uniform periodic grid `x_i = i h`, `i = 0..n`, `h = L / n`, on
/// `[0, L)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodicGrid1d {
    nodes: usize,
    length: f64,
}

impl PeriodicGrid1d {
    /// A periodic grid of `nodes` nodes on `[0, length)`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyGrid`] if `nodes == 0`; [`Error::NotPositive`] if
    /// `length` is not a positive finite number.
    pub fn new(nodes: usize, length: f64) -> Result<Self> {
        if nodes == 0 {
            return Err(Error::EmptyGrid { what: "nodes" });
        }
        positive("length", length)?;
        Ok(Self { nodes, length })
    }

    /// Number of nodes `n`.
    #[must_use]
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Node spacing `h = L / n`.
    #[must_use]
    pub fn spacing(&self) -> f64 {
        self.length / self.nodes as f64
    }

    /// The nodes `x_i = i h`, `i = 0..n`.
    #[must_use]
    pub fn points(&self) -> Vec<f64> {
        let h = self.spacing();
        (0..self.nodes).map(|i| i as f64 * h).collect()
    }

    /// `f` evaluated at the nodes.
    pub fn sample(&self, f: impl Fn(f64) -> f64) -> Vec<f64> {
        self.points().into_iter().map(f).collect()
    }

    /// `h sum_i v_i^2`, the trapezoid rule for `int_0^L v^2 dx` on the
    /// periodic grid.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `values.len()` is not the number of
    /// nodes; [`Error::NonFiniteSample`] if a value is NaN or infinite.
    pub fn l2_norm_sq(&self, values: &[f64]) -> Result<f64> {
        check_samples("values", values, self.nodes)?;
        Ok(self.spacing() * sum_sq(values))
    }

    /// `h sum_i (a_i - b_i)^2` for slices already checked.
    fn distance_sq(&self, a: &[f64], b: &[f64]) -> f64 {
        self.spacing() * sum_sq_diff(a, b)
    }
}

/// The state rRMSE of an ensemble against the truth (paper 2,
/// Section 4.1.2):
/// `1/||u_gt|| [1/N sum_i ||u_i - u_gt||^2]^{1/2}`, with `L2` norms on
/// `[0, L)` by the periodic trapezoid rule.
///
/// # Errors
///
/// [`Error::EmptyEnsemble`] if `members` is empty;
/// [`Error::LengthMismatch`] if `truth` and [`Error::MemberLengthMismatch`]
/// if a member does not have one value per node;
/// [`Error::NonFiniteSample`] / [`Error::NonFiniteMember`] for a NaN or
/// infinite value; [`Error::ZeroNorm`] if the truth is identically zero.
pub fn rrmse_state(grid: &PeriodicGrid1d, members: &[Vec<f64>], truth: &[f64]) -> Result<f64> {
    check_ensemble(members, truth, grid.nodes)?;
    let truth_norm_sq = grid.l2_norm_sq(truth)?;
    if truth_norm_sq == 0.0 {
        return Err(Error::ZeroNorm { what: "truth" });
    }
    let mean_sq = members
        .iter()
        .map(|member| grid.distance_sq(member, truth))
        .sum::<f64>()
        / members.len() as f64;
    Ok((mean_sq / truth_norm_sq).sqrt())
}

/// The parameter rRMSE of an ensemble against the true value (paper 2,
/// Section 4.1.2): `1/|theta_gt| [1/N sum_i |theta_i - theta_gt|^2]^{1/2}`.
///
/// # Errors
///
/// [`Error::EmptyEnsemble`] if `members` is empty; [`Error::NotFinite`] if
/// `truth` and [`Error::NonFiniteSample`] if a member is NaN or infinite;
/// [`Error::ZeroNorm`] if `truth == 0`.
pub fn rrmse_parameter(members: &[f64], truth: f64) -> Result<f64> {
    if members.is_empty() {
        return Err(Error::EmptyEnsemble);
    }
    finite("parameter truth", truth)?;
    check_finite("parameter members", members)?;
    if truth == 0.0 {
        return Err(Error::ZeroNorm {
            what: "parameter truth",
        });
    }
    let mean_sq = members
        .iter()
        .map(|theta| (theta - truth) * (theta - truth))
        .sum::<f64>()
        / members.len() as f64;
    Ok(mean_sq.sqrt() / truth.abs())
}

/// A uniform cell-centred grid on `[x0, x0 + lx] x [y0, y0 + ly]` with
/// `nx x ny` cells, centres `x_i = x0 + (i + 1/2) hx`,
/// `y_j = y0 + (j + 1/2) hy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellGrid2d {
    origin: [f64; 2],
    size: [f64; 2],
    cells: [usize; 2],
}

impl CellGrid2d {
    /// A grid of `cells = [nx, ny]` cells covering the rectangle with lower
    /// corner `origin` and side lengths `size`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFinite`] if an origin coordinate is NaN or infinite;
    /// [`Error::NotPositive`] if a side length is not a positive finite
    /// number; [`Error::EmptyGrid`] if a cell count is zero;
    /// [`Error::GridTooLarge`] if `nx * ny` overflows `usize`.
    pub fn new(origin: [f64; 2], size: [f64; 2], cells: [usize; 2]) -> Result<Self> {
        finite("origin x", origin[0])?;
        finite("origin y", origin[1])?;
        positive("size x", size[0])?;
        positive("size y", size[1])?;
        if cells[0] == 0 {
            return Err(Error::EmptyGrid {
                what: "cells along x",
            });
        }
        if cells[1] == 0 {
            return Err(Error::EmptyGrid {
                what: "cells along y",
            });
        }
        if cells[0].checked_mul(cells[1]).is_none() {
            return Err(Error::GridTooLarge {
                nx: cells[0],
                ny: cells[1],
            });
        }
        Ok(Self {
            origin,
            size,
            cells,
        })
    }

    /// Number of cells `[nx, ny]`.
    #[must_use]
    pub fn cells(&self) -> [usize; 2] {
        self.cells
    }

    /// Total number of cells `nx * ny`, the length of a sampled field.
    #[must_use]
    pub fn cell_count(&self) -> usize {
        self.cells[0] * self.cells[1]
    }

    /// Cell sizes `[hx, hy]`.
    #[must_use]
    pub fn spacing(&self) -> [f64; 2] {
        [
            self.size[0] / self.cells[0] as f64,
            self.size[1] / self.cells[1] as f64,
        ]
    }

    /// Cell area `hx hy`.
    #[must_use]
    pub fn cell_area(&self) -> f64 {
        let [hx, hy] = self.spacing();
        hx * hy
    }

    /// Cell-centre abscissae `x_i = x0 + (i + 1/2) hx`.
    #[must_use]
    pub fn xs(&self) -> Vec<f64> {
        centres(self.origin[0], self.spacing()[0], self.cells[0])
    }

    /// Cell-centre ordinates `y_j = y0 + (j + 1/2) hy`.
    #[must_use]
    pub fn ys(&self) -> Vec<f64> {
        centres(self.origin[1], self.spacing()[1], self.cells[1])
    }

    /// `f` at the cell centres, row-major: entry `iy * nx + ix` is
    /// `f([xs[ix], ys[iy]])`.
    pub fn sample(&self, f: impl Fn([f64; 2]) -> f64) -> Vec<f64> {
        let xs = self.xs();
        self.ys()
            .into_iter()
            .flat_map(|y| xs.iter().map(move |&x| [x, y]))
            .map(f)
            .collect()
    }

    /// `hx hy sum v^2`, the midpoint rule for `int v^2 dx dy`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `values.len() != nx * ny`;
    /// [`Error::NonFiniteSample`] if a value is NaN or infinite.
    pub fn l2_norm_sq(&self, values: &[f64]) -> Result<f64> {
        check_samples("values", values, self.cell_count())?;
        Ok(self.cell_area() * sum_sq(values))
    }
}

/// `n` cell centres `origin + (i + 1/2) h`.
fn centres(origin: f64, h: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| origin + (i as f64 + 0.5) * h).collect()
}

/// The ensemble L2 error of paper 2, Section 5.1.4, with its per-member
/// terms.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleL2Error {
    /// `e_omega = 1/N sum_i int (omega_i - omega_gt)^2`.
    pub mean: f64,
    /// `int (omega_i - omega_gt)^2` for each member `i`, in member order.
    pub per_member: Vec<f64>,
}

impl EnsembleL2Error {
    /// The error of the members whose terms are `per_member` (in member
    /// order; the mean is summed in that order): the terms of an ensemble
    /// computed in parts, as the ranks of a distributed run do.
    pub fn of_terms(per_member: Vec<f64>) -> Self {
        let mean = per_member.iter().sum::<f64>() / per_member.len() as f64;
        EnsembleL2Error { mean, per_member }
    }
}

/// The ensemble L2 error `e_omega = 1/N sum_i int (omega_i - omega_gt)^2`
/// (paper 2, Section 5.1.4), integrals by the midpoint rule on `grid`.
///
/// Fields are sampled row-major as by [`CellGrid2d::sample`].
///
/// # Errors
///
/// [`Error::EmptyEnsemble`] if `members` is empty;
/// [`Error::LengthMismatch`] if `truth` and [`Error::MemberLengthMismatch`]
/// if a member does not have `nx * ny` values;
/// [`Error::NonFiniteSample`] / [`Error::NonFiniteMember`] for a NaN or
/// infinite value.
pub fn ensemble_l2_error(
    grid: &CellGrid2d,
    members: &[Vec<f64>],
    truth: &[f64],
) -> Result<EnsembleL2Error> {
    check_ensemble(members, truth, grid.cell_count())?;
    let area = grid.cell_area();
    let per_member: Vec<f64> = members
        .iter()
        .map(|member| area * sum_sq_diff(member, truth))
        .collect();
    Ok(EnsembleL2Error::of_terms(per_member))
}

/// Checks a non-empty ensemble and its truth: lengths and finiteness.
fn check_ensemble(members: &[Vec<f64>], truth: &[f64], len: usize) -> Result<()> {
    if members.is_empty() {
        return Err(Error::EmptyEnsemble);
    }
    check_samples("truth", truth, len)?;
    for (member, values) in members.iter().enumerate() {
        if values.len() != len {
            return Err(Error::MemberLengthMismatch {
                member,
                expected: len,
                found: values.len(),
            });
        }
        if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFiniteMember {
                member,
                index,
                value,
            });
        }
    }
    Ok(())
}

/// Checks the length and finiteness of a sampled field.
fn check_samples(what: &'static str, values: &[f64], len: usize) -> Result<()> {
    if values.len() != len {
        return Err(Error::LengthMismatch {
            what,
            expected: len,
            found: values.len(),
        });
    }
    check_finite(what, values)
}

/// Checks that every value is finite.
fn check_finite(what: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((index, &value)) => Err(Error::NonFiniteSample { what, index, value }),
        None => Ok(()),
    }
}

/// `sum_i v_i^2`.
fn sum_sq(values: &[f64]) -> f64 {
    values.iter().map(|v| v * v).sum()
}

/// `sum_i (a_i - b_i)^2` over equal-length slices.
fn sum_sq_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}
