//! Ensembles and their statistics: the mean `u-bar` and the covariances
//! `C(U)` and `D(U)` of paper 1 (Herty & Visconti), eq. (4).
//!
//! With `J` members `u^j` in `R^d` and their images `G(u^j)` in `R^K`,
//!
//! ```text
//! u-bar = (1/J) sum_j u^j,            G-bar = (1/J) sum_j G(u^j),
//! C(U)  = (1/J) sum_j (u^j - u-bar) ⊗ (G(u^j) - G-bar)     (d × K),
//! D(U)  = (1/J) sum_j (G(u^j) - G-bar) ⊗ (G(u^j) - G-bar)  (K × K).
//! ```
//!
//! The normalisation is `1/J`, as in the paper (not the unbiased `1/(J-1)`);
//! it is the one whose large-`J` limit is the mean-field covariance
//! `E - m ⊗ m` of eq. (9)–(13).
//!
//! Here both `U` and `G(U)` are [`Ensemble`]s, paired member by member:
//! `C(U)` is [`Ensemble::cross_covariance`] of `U` with `G(U)`, and `D(U)`,
//! which involves only the predictions, is [`Ensemble::covariance`] of
//! `G(U)`.
//!
//! # Numerics
//!
//! Every statistic is computed in two passes: the means first, then the sum
//! of products of centred vectors. An error `delta` in a computed mean then
//! enters the covariances only at second order (`J delta_u delta_g`), so a
//! small spread about a large offset keeps its accuracy, unlike with the
//! one-pass formula `E[u g] - E[u] E[g]`. Sums run over the members in index
//! order, on one thread, so results are deterministic. Matrices are dense,
//! row-major. Entries are finite, but products may still overflow for
//! magnitudes beyond about `1e154`.

use crate::error::{Error, Result};

/// `J >= 1` members in `R^d`, `d >= 1`, all entries finite.
///
/// Stored member-major in one contiguous `Vec<f64>` of length `J d`:
/// member `j` occupies `[j d, (j + 1) d)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ensemble {
    dim: usize,
    data: Vec<f64>,
}

impl Ensemble {
    /// An ensemble of members of dimension `dim` from member-major `data`
    /// (member `j` is `data[j * dim..(j + 1) * dim]`).
    ///
    /// # Errors
    ///
    /// * [`Error::ZeroDimension`] if `dim == 0`;
    /// * [`Error::LengthNotMultiple`] if `data.len()` is not a multiple of `dim`;
    /// * [`Error::EmptyEnsemble`] if `data` is empty;
    /// * [`Error::NonFinite`] naming the first infinite or NaN entry.
    pub fn new(dim: usize, data: Vec<f64>) -> Result<Self> {
        if dim == 0 {
            return Err(Error::ZeroDimension);
        }
        if !data.len().is_multiple_of(dim) {
            return Err(Error::LengthNotMultiple {
                len: data.len(),
                dim,
            });
        }
        if data.is_empty() {
            return Err(Error::EmptyEnsemble);
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                member: i / dim,
                component: i % dim,
                value: data[i],
            });
        }
        Ok(Self { dim, data })
    }

    /// An ensemble from one slice-like value per member (for example
    /// `&[Vec<f64>]` or `&[[f64; 3]]`); the dimension is the length of
    /// member 0.
    ///
    /// # Errors
    ///
    /// * [`Error::EmptyEnsemble`] if `members` is empty;
    /// * [`Error::ZeroDimension`] if member 0 is empty;
    /// * [`Error::MemberLength`] naming the first member whose length differs
    ///   from that of member 0;
    /// * [`Error::NonFinite`] naming the first infinite or NaN entry.
    pub fn from_members<M: AsRef<[f64]>>(members: &[M]) -> Result<Self> {
        let slices: Vec<&[f64]> = members.iter().map(AsRef::as_ref).collect();
        Self::from_slices(&slices)
    }

    fn from_slices(members: &[&[f64]]) -> Result<Self> {
        let dim = members.first().ok_or(Error::EmptyEnsemble)?.len();
        if dim == 0 {
            return Err(Error::ZeroDimension);
        }
        if let Some((member, m)) = members.iter().enumerate().find(|(_, m)| m.len() != dim) {
            return Err(Error::MemberLength {
                member,
                len: m.len(),
                expected: dim,
            });
        }
        Self::new(dim, members.concat())
    }

    /// The number of members `J` (at least 1).
    #[expect(
        clippy::len_without_is_empty,
        reason = "an ensemble is never empty: the constructors reject J = 0"
    )]
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// The dimension `d` of each member (at least 1).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Member `j`, a slice of length [`dim`](Self::dim).
    ///
    /// # Panics
    ///
    /// If `j >= self.len()`, as slice indexing does.
    pub fn member(&self, j: usize) -> &[f64] {
        assert!(
            j < self.len(),
            "member index {j} out of range for an ensemble of {} members",
            self.len()
        );
        &self.data[j * self.dim..(j + 1) * self.dim]
    }

    /// The members in index order, each a slice of length
    /// [`dim`](Self::dim).
    pub fn members(&self) -> std::slice::ChunksExact<'_, f64> {
        self.data.chunks_exact(self.dim)
    }

    /// All entries, member-major (length `J d`).
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The ensemble mean `u-bar = (1/J) sum_j u^j` (length `d`).
    pub fn mean(&self) -> Vec<f64> {
        let mut mean = vec![0.0; self.dim];
        for u in self.members() {
            for (m, x) in mean.iter_mut().zip(u) {
                *m += x;
            }
        }
        let j = self.len() as f64;
        for m in &mut mean {
            *m /= j;
        }
        mean
    }

    /// The ensemble covariance `(1/J) sum_j (u^j - u-bar) ⊗ (u^j - u-bar)`,
    /// `d × d`, row-major.
    ///
    /// Applied to the ensemble of predictions `G(U)` this is `D(U)` of
    /// paper 1, eq. (4). The result is exactly symmetric (the upper triangle
    /// is computed and mirrored) and positive semi-definite up to rounding.
    /// It equals `self.cross_covariance(self)` bit for bit.
    pub fn covariance(&self) -> Vec<f64> {
        let d = self.dim;
        let mean = self.mean();
        let mut cov = vec![0.0; d * d];
        let mut centred = vec![0.0; d];
        for u in self.members() {
            for ((c, x), m) in centred.iter_mut().zip(u).zip(&mean) {
                *c = x - m;
            }
            for (a, &ca) in centred.iter().enumerate() {
                let row = &mut cov[a * d..(a + 1) * d];
                for (r, &cb) in row[a..].iter_mut().zip(&centred[a..]) {
                    *r += ca * cb;
                }
            }
        }
        let j = self.len() as f64;
        for a in 0..d {
            for b in a..d {
                let v = cov[a * d + b] / j;
                cov[a * d + b] = v;
                cov[b * d + a] = v;
            }
        }
        cov
    }

    /// The cross-covariance
    /// `C(U) = (1/J) sum_j (u^j - u-bar) ⊗ (G(u^j) - G-bar)` of paper 1,
    /// eq. (4), `d × K`, row-major, where `self` is `U` and `predicted` holds
    /// `G(u^j)` as its member `j`.
    ///
    /// # Errors
    ///
    /// [`Error::SizeMismatch`] if the two ensembles have different numbers of
    /// members.
    pub fn cross_covariance(&self, predicted: &Ensemble) -> Result<Vec<f64>> {
        if self.len() != predicted.len() {
            return Err(Error::SizeMismatch {
                left: self.len(),
                right: predicted.len(),
            });
        }
        let k = predicted.dim;
        let (mean_u, mean_g) = (self.mean(), predicted.mean());
        let mut cross = vec![0.0; self.dim * k];
        let mut centred_g = vec![0.0; k];
        for (u, g) in self.members().zip(predicted.members()) {
            for ((c, x), m) in centred_g.iter_mut().zip(g).zip(&mean_g) {
                *c = x - m;
            }
            for ((row, x), m) in cross.chunks_exact_mut(k).zip(u).zip(&mean_u) {
                let ca = x - m;
                for (r, &cb) in row.iter_mut().zip(&centred_g) {
                    *r += ca * cb;
                }
            }
        }
        let j = self.len() as f64;
        for c in &mut cross {
            *c /= j;
        }
        Ok(cross)
    }
}
