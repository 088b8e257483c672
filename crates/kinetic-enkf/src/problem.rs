//! The inverse problem `y = G(u) + eta` of paper 1 (Herty & Visconti),
//! eq. (1)–(2), and its least-squares misfit.
//!
//! A control `u` in `R^d` is observed through a forward map `G: R^d -> R^K`,
//! either a `K × d` matrix (the linear case of eq. (7)–(8) and Section 3) or
//! any closure; the data `y` in `R^K` carry noise `eta ~ N(0, Gamma^{-1})`.
//! Following the workspace convention, the caller gives the noise
//! **covariance** `Gamma^{-1}` (so `Gamma` is a precision); it is factored
//! once, `Gamma^{-1} = L L^T`, with [`Cholesky`], which also proves it
//! symmetric positive definite. The misfit eq. (2) is
//!
//! ```text
//! Phi(u) = 1/2 |Gamma^{1/2} (y - G(u))|^2 = 1/2 |L^{-1} (y - G(u))|^2,
//! ```
//!
//! and for linear `G` its gradient is eq. (7),
//! `grad Phi(u) = -G^T Gamma (y - G u)`.
//!
//! # Evaluating an ensemble
//!
//! [`InverseProblem::forward_ensemble`] maps every member through `G` in
//! parallel (rayon); each member's image depends only on that member, and the
//! images are gathered in member order, so the result — and the error
//! reported for the lowest failing member — does not depend on the number of
//! threads. Every image is checked: a closure that returns the wrong number
//! of values or a non-finite one is an [`Error`] naming the member and the
//! value.
//!
//! A forward map that is cheaper for many controls at once (vectorised, or
//! living in another language whose calls cost more than the map) is given
//! to [`InverseProblem::batched`]: it is called once per ensemble with all
//! members, and its images are checked the same way.

use rayon::prelude::*;

use crate::ensemble::Ensemble;
use crate::error::{Error, Evaluation, Result};
use crate::kalman::{Cholesky, check_matrix};

/// A forward map given as a closure `R^d -> R^K`.
type Closure = Box<dyn Fn(&[f64]) -> Vec<f64> + Send + Sync>;

/// A forward map given as a closure of `J` controls at once: member-major
/// `J d` values in, member-major `J K` images out.
type Batch = Box<dyn Fn(&[f64]) -> Vec<f64> + Send + Sync>;

enum Forward {
    Linear {
        /// `G`, `K × d`, row-major.
        matrix: Vec<f64>,
        /// `G^T`, `d × K`, row-major: the columns of `G`, for evaluation.
        columns: Vec<f64>,
    },
    Closure(Closure),
    Batch(Batch),
}

/// Members per parallel task when the forward map is a matrix (cheap per
/// member); a closure may be expensive, and gets one task per member.
const LINEAR_BLOCK: usize = 1024;

/// The inverse problem `y = G(u) + eta`, `eta ~ N(0, Gamma^{-1})`: a forward
/// map, the data and the factored noise covariance.
pub struct InverseProblem {
    dim: usize,
    forward: Forward,
    data: Vec<f64>,
    noise_covariance: Vec<f64>,
    noise_factor: Cholesky,
}

impl std::fmt::Debug for InverseProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let forward = match &self.forward {
            Forward::Linear { .. } => "linear",
            Forward::Closure(_) => "closure",
            Forward::Batch(_) => "batched closure",
        };
        f.debug_struct("InverseProblem")
            .field("dim", &self.dim)
            .field("observations", &self.data.len())
            .field("forward", &forward)
            .finish_non_exhaustive()
    }
}

impl InverseProblem {
    /// The problem with the linear forward map `G(u) = G u` for the `K × d`
    /// row-major `matrix` (`K = data.len()`, `d = dim`), data `y` and noise
    /// covariance `Gamma^{-1}` (`K × K`, row-major).
    ///
    /// # Errors
    ///
    /// * [`Error::ZeroDimension`] if `dim == 0`;
    /// * [`Error::InvalidParameter`] if `data` is empty (`K = 0`);
    /// * [`Error::NonFiniteEntry`] naming the first infinite or NaN entry of
    ///   the data, the matrix or the covariance;
    /// * [`Error::MatrixLength`] if the matrix is not `K × d` or the
    ///   covariance not `K × K`;
    /// * [`Error::NotSymmetric`], [`Error::NotPositiveDefinite`] if the
    ///   covariance is not symmetric positive definite ([`Cholesky::new`]).
    ///
    /// # Example
    ///
    /// ```
    /// use kinetic_enkf::InverseProblem;
    ///
    /// // G = [1 2], y = 5, Gamma^{-1} = 4: Phi(u) = (5 - u_0 - 2 u_1)^2 / 8.
    /// let p = InverseProblem::linear(&[1.0, 2.0], 2, &[5.0], &[4.0])?;
    /// assert_eq!(p.misfit(&[1.0, 0.0])?, 2.0);
    /// assert_eq!(p.misfit_gradient(&[1.0, 0.0])?, vec![-1.0, -2.0]);
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    pub fn linear(
        matrix: &[f64],
        dim: usize,
        data: &[f64],
        noise_covariance: &[f64],
    ) -> Result<Self> {
        Self::check_sizes(dim, data)?;
        check_matrix("forward matrix", matrix, data.len(), dim)?;
        let k = data.len();
        let columns = (0..dim * k)
            .map(|i| matrix[(i % k) * dim + i / k])
            .collect();
        Self::build(
            dim,
            Forward::Linear {
                matrix: matrix.to_vec(),
                columns,
            },
            data,
            noise_covariance,
        )
    }

    /// The problem with a forward map given by a closure `R^d -> R^K`
    /// (`K = data.len()`, `d = dim`), data `y` and noise covariance
    /// `Gamma^{-1}` (`K × K`, row-major).
    ///
    /// The closure is called from several threads at once (one call per
    /// member, see the module docs), hence `Send + Sync`. It may return
    /// anything: lengths and values are checked at every evaluation.
    ///
    /// # Errors
    ///
    /// As for [`InverseProblem::linear`], without the matrix.
    ///
    /// # Example
    ///
    /// ```
    /// use kinetic_enkf::InverseProblem;
    ///
    /// let p = InverseProblem::nonlinear(1, |u| vec![u[0] * u[0]], &[4.0], &[1.0])?;
    /// assert_eq!(p.forward(&[3.0])?, vec![9.0]);
    /// assert_eq!(p.misfit(&[3.0])?, 12.5);
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    pub fn nonlinear<F>(
        dim: usize,
        forward: F,
        data: &[f64],
        noise_covariance: &[f64],
    ) -> Result<Self>
    where
        F: Fn(&[f64]) -> Vec<f64> + Send + Sync + 'static,
    {
        Self::check_sizes(dim, data)?;
        Self::build(
            dim,
            Forward::Closure(Box::new(forward)),
            data,
            noise_covariance,
        )
    }

    /// The problem with a forward map that takes the whole ensemble at once:
    /// `forward(members)` gets the `J` controls member-major (`J d` values,
    /// member `j` at `j d .. (j + 1) d`) and returns their images
    /// member-major (`J K` values). It is called once per evaluation of an
    /// ensemble ([`forward_ensemble`](Self::forward_ensemble)), and with
    /// `J = 1` by [`forward`](Self::forward). Lengths and values are checked
    /// at every call, as for [`nonlinear`](Self::nonlinear).
    ///
    /// # Errors
    ///
    /// As for [`InverseProblem::linear`], without the matrix.
    ///
    /// # Example
    ///
    /// ```
    /// use kinetic_enkf::{Ensemble, InverseProblem};
    ///
    /// // G(u) = u_0 u_1, for all members in one call.
    /// let p = InverseProblem::batched(
    ///     2,
    ///     |u| u.chunks_exact(2).map(|u| u[0] * u[1]).collect(),
    ///     &[1.0],
    ///     &[1.0],
    /// )?;
    /// let images = p.forward_ensemble(&Ensemble::new(2, vec![1.0, 2.0, 3.0, 4.0])?)?;
    /// assert_eq!(images.as_slice(), &[2.0, 12.0]);
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    pub fn batched<F>(
        dim: usize,
        forward: F,
        data: &[f64],
        noise_covariance: &[f64],
    ) -> Result<Self>
    where
        F: Fn(&[f64]) -> Vec<f64> + Send + Sync + 'static,
    {
        Self::check_sizes(dim, data)?;
        Self::build(
            dim,
            Forward::Batch(Box::new(forward)),
            data,
            noise_covariance,
        )
    }

    fn check_sizes(dim: usize, data: &[f64]) -> Result<()> {
        if dim == 0 {
            return Err(Error::ZeroDimension);
        }
        if data.is_empty() {
            return Err(Error::InvalidParameter {
                name: "number of observations K (positive)",
                value: 0.0,
            });
        }
        check_matrix("data y", data, data.len(), 1)
    }

    fn build(dim: usize, forward: Forward, data: &[f64], noise_covariance: &[f64]) -> Result<Self> {
        let k = data.len();
        check_matrix("noise covariance", noise_covariance, k, k)?;
        let noise_factor = Cholesky::new(k, noise_covariance)?;
        Ok(Self {
            dim,
            forward,
            data: data.to_vec(),
            noise_covariance: noise_covariance.to_vec(),
            noise_factor,
        })
    }

    /// The dimension `d` of a control.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The number `K` of observations.
    pub fn observations(&self) -> usize {
        self.data.len()
    }

    /// The data `y` (length `K`).
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// The noise covariance `Gamma^{-1}` (`K × K`, row-major).
    pub fn noise_covariance(&self) -> &[f64] {
        &self.noise_covariance
    }

    /// The Cholesky factor `L` of the noise covariance `Gamma^{-1} = L L^T`.
    pub fn noise_factor(&self) -> &Cholesky {
        &self.noise_factor
    }

    /// The matrix `G` (`K × d`, row-major) if the forward map is linear.
    pub fn linear_map(&self) -> Option<&[f64]> {
        match &self.forward {
            Forward::Linear { matrix, .. } => Some(matrix),
            Forward::Closure(_) | Forward::Batch(_) => None,
        }
    }

    /// `G(u)` for one control `u` (length `d`), checked.
    ///
    /// # Errors
    ///
    /// * [`Error::DimensionMismatch`] if `u.len() != d`;
    /// * [`Error::NonFiniteEntry`] naming a non-finite entry of `u`;
    /// * [`Error::ForwardLength`], [`Error::ForwardNonFinite`] if the forward
    ///   map returns the wrong number of values or a non-finite one.
    pub fn forward(&self, u: &[f64]) -> Result<Vec<f64>> {
        if u.len() != self.dim {
            return Err(Error::DimensionMismatch {
                what: "control",
                dim: u.len(),
                expected: self.dim,
            });
        }
        check_matrix("control", u, self.dim, 1)?;
        self.evaluate(u, Evaluation::Point)
    }

    /// The images `G(u^j)` of all members, as an ensemble in `R^K` paired
    /// member by member with `ensemble`. Members are evaluated in parallel
    /// (rayon); the result does not depend on the number of threads.
    ///
    /// # Errors
    ///
    /// * [`Error::DimensionMismatch`] if the members are not in `R^d`;
    /// * [`Error::ForwardLength`], [`Error::ForwardNonFinite`] naming the
    ///   lowest member whose image is of the wrong length or not finite.
    pub fn forward_ensemble(&self, ensemble: &Ensemble) -> Result<Ensemble> {
        self.check_dim(ensemble)?;
        let k = self.observations();
        let mut data = vec![0.0; ensemble.len() * k];
        self.forward_into(ensemble.as_slice(), &mut data)?;
        Ensemble::new(k, data)
    }

    /// `G(u^j)` of the member-major `members` (`J d`) into `out` (`J K`), in
    /// parallel (rayon) over members; the error is that of the lowest
    /// failing member, whatever the scheduling.
    ///
    /// # Panics
    ///
    /// If `members.len()` is not `J d` and `out.len()` `J K` for one `J`.
    pub(crate) fn forward_into(&self, members: &[f64], out: &mut [f64]) -> Result<()> {
        let (d, k) = (self.dim, self.observations());
        assert_eq!(members.len() / d * k, out.len());
        let block = match &self.forward {
            Forward::Linear { columns, .. } => {
                // A matrix: images of whole blocks, checked in bulk; only a
                // block with a non-finite image is searched member by member.
                let finite = out
                    .par_chunks_mut(LINEAR_BLOCK * k)
                    .zip(members.par_chunks(LINEAR_BLOCK * d))
                    .map(|(out, u)| {
                        for (out, u) in out.chunks_exact_mut(k).zip(u.chunks_exact(d)) {
                            linear_image(columns, u, out);
                        }
                        out.iter().all(|v| v.is_finite())
                    })
                    .reduce(|| true, |a, b| a && b);
                if finite {
                    return Ok(());
                }
                LINEAR_BLOCK
            }
            Forward::Closure(_) => 1,
            Forward::Batch(f) => return checked_batch(f(members), out, k),
        };
        // The first failure of each block of members, then the lowest.
        let failure = out
            .par_chunks_mut(block * k)
            .zip(members.par_chunks(block * d))
            .enumerate()
            .filter_map(|(b, (out, u))| {
                out.chunks_exact_mut(k)
                    .zip(u.chunks_exact(d))
                    .enumerate()
                    .find_map(|(i, (out, u))| {
                        let j = b * block + i;
                        self.evaluate_into(u, out, Evaluation::Member(j))
                            .err()
                            .map(|e| (j, e))
                    })
            })
            .min_by_key(|(j, _)| *j);
        match failure {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }

    /// The misfit eq. (2), `Phi(u) = 1/2 |Gamma^{1/2} (y - G(u))|^2`.
    ///
    /// # Errors
    ///
    /// As for [`forward`](Self::forward).
    pub fn misfit(&self, u: &[f64]) -> Result<f64> {
        let g = self.forward(u)?;
        let r: Vec<f64> = self.data.iter().zip(&g).map(|(y, g)| y - g).collect();
        let w = self.noise_factor.solve_lower(&r, 1)?;
        Ok(0.5 * w.iter().map(|x| x * x).sum::<f64>())
    }

    /// The gradient eq. (7), `grad Phi(u) = -G^T Gamma (y - G u)`, of the
    /// misfit for a linear forward map.
    ///
    /// # Errors
    ///
    /// [`Error::NotLinear`] if the forward map is a closure; otherwise as for
    /// [`forward`](Self::forward).
    pub fn misfit_gradient(&self, u: &[f64]) -> Result<Vec<f64>> {
        let g = self.linear_map().ok_or(Error::NotLinear {
            what: "the misfit gradient eq. (7)",
        })?;
        let gu = self.forward(u)?;
        let r: Vec<f64> = gu.iter().zip(&self.data).map(|(g, y)| g - y).collect();
        let gamma_r = self.noise_factor.solve(&r, 1)?;
        Ok(transpose_times(g, self.observations(), self.dim, &gamma_r))
    }

    /// Refuses ensembles that are not in `R^d` or have fewer than 2 members.
    pub(crate) fn check_ensemble(&self, ensemble: &Ensemble) -> Result<()> {
        self.check_dim(ensemble)?;
        if ensemble.len() < 2 {
            return Err(Error::TooFewMembers {
                members: ensemble.len(),
            });
        }
        Ok(())
    }

    /// The residuals `y - G(u^j)` as a `K × J` row-major matrix (column `j`
    /// for member `j`).
    pub(crate) fn residuals(&self, predicted: &Ensemble) -> Vec<f64> {
        let (k, j_count) = (self.observations(), predicted.len());
        let mut r = vec![0.0; k * j_count];
        for (j, g) in predicted.members().enumerate() {
            for (a, (y, g)) in self.data.iter().zip(g).enumerate() {
                r[a * j_count + j] = y - g;
            }
        }
        r
    }

    fn check_dim(&self, ensemble: &Ensemble) -> Result<()> {
        if ensemble.dim() == self.dim {
            Ok(())
        } else {
            Err(Error::DimensionMismatch {
                what: "ensemble",
                dim: ensemble.dim(),
                expected: self.dim,
            })
        }
    }

    fn evaluate(&self, u: &[f64], at: Evaluation) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.observations()];
        self.evaluate_into(u, &mut out, at)?;
        Ok(out)
    }

    /// Writes `G(u)` into `out` (length `K`), checked.
    fn evaluate_into(&self, u: &[f64], out: &mut [f64], at: Evaluation) -> Result<()> {
        match &self.forward {
            Forward::Linear { columns, .. } => linear_image(columns, u, out),
            Forward::Batch(f) => {
                // One control: the batch of one member, named as the caller
                // named it.
                let k = out.len();
                return checked_batch(f(u), out, k).map_err(|e| match e {
                    Error::ForwardNonFinite {
                        component, value, ..
                    } => Error::ForwardNonFinite {
                        at,
                        component,
                        value,
                    },
                    other => other,
                });
            }
            Forward::Closure(f) => {
                let image = f(u);
                if image.len() != out.len() {
                    return Err(Error::ForwardLength {
                        at,
                        len: image.len(),
                        expected: out.len(),
                    });
                }
                out.copy_from_slice(&image);
            }
        }
        match out.iter().position(|v| !v.is_finite()) {
            Some(component) => Err(Error::ForwardNonFinite {
                at,
                component,
                value: out[component],
            }),
            None => Ok(()),
        }
    }
}

/// The images a batched forward map returned for `J` members, into `out`
/// (`J K`), checked: [`Error::BatchLength`] for a wrong number of values,
/// [`Error::ForwardNonFinite`] naming the member and component of the first
/// non-finite one (member-major order).
fn checked_batch(images: Vec<f64>, out: &mut [f64], k: usize) -> Result<()> {
    if images.len() != out.len() {
        return Err(Error::BatchLength {
            members: out.len() / k,
            len: images.len(),
            expected: out.len(),
        });
    }
    out.copy_from_slice(&images);
    match out.iter().position(|v| !v.is_finite()) {
        Some(p) => Err(Error::ForwardNonFinite {
            at: Evaluation::Member(p / k),
            component: p % k,
            value: out[p],
        }),
        None => Ok(()),
    }
}

/// `G u` into `out` (length `K`) from the columns of `G` (`G^T`, `d × K`,
/// row-major), as the sum of the columns weighted by `u`: each entry still
/// sums its row's products in column order, and the inner loop over the `K`
/// entries vectorises.
fn linear_image(columns: &[f64], u: &[f64], out: &mut [f64]) {
    let (first, rest) = columns.split_at(out.len());
    for (o, g) in out.iter_mut().zip(first) {
        *o = g * u[0];
    }
    for (column, x) in rest.chunks_exact(out.len()).zip(&u[1..]) {
        for (o, g) in out.iter_mut().zip(column) {
            *o += g * x;
        }
    }
}

/// `A^T x` for the `rows × cols` row-major `A` and `x` of length `rows`,
/// summed over rows in order.
pub(crate) fn transpose_times(a: &[f64], rows: usize, cols: usize, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; cols];
    for (row, &xr) in a.chunks_exact(cols).zip(x).take(rows) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v * xr;
        }
    }
    out
}
