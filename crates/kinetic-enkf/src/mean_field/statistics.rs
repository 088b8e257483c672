//! Means and (cross-)covariances of large particle sets, in parallel and
//! bit-identical for any number of threads.
//!
//! The particles are cut into chunks of [`CHUNK`] consecutive particles,
//! fixed by the particle count alone; each chunk's partial sums are formed
//! sequentially (rayon runs the chunks in parallel), and the partial sums
//! are added in chunk order. No float is ever reduced in scheduling order,
//! so the result does not depend on the thread pool. Statistics are
//! two-pass (means first, then centred products), normalised by `1/J` as in
//! eq. (4) and (11).

use rayon::prelude::*;

use crate::moments::MomentState;

/// Particles per chunk of a reduction.
pub(crate) const CHUNK: usize = 4096;

/// The mean of `J` member-major vectors of length `width` in `data`
/// (`J width` entries).
///
/// # Panics
///
/// If `width` is 0 or does not divide `data.len()`, or `data` is empty.
pub(crate) fn mean(data: &[f64], width: usize) -> Vec<f64> {
    assert!(width > 0 && data.len().is_multiple_of(width) && !data.is_empty());
    let members = data.len() / width;
    let partials: Vec<Vec<f64>> = data
        .par_chunks(CHUNK * width)
        .map(|chunk| match width {
            1 => column_sums::<1>(chunk),
            2 => column_sums::<2>(chunk),
            3 => column_sums::<3>(chunk),
            4 => column_sums::<4>(chunk),
            _ => {
                let mut s = vec![0.0; width];
                for v in chunk.chunks_exact(width) {
                    for (s, x) in s.iter_mut().zip(v) {
                        *s += x;
                    }
                }
                s
            }
        })
        .collect();
    let mut total = sum_in_order(partials, width);
    for t in &mut total {
        *t /= members as f64;
    }
    total
}

/// The cross-covariance `(1/J) sum_j (a^j - a-bar) ⊗ (b^j - b-bar)`
/// (`wa × wb`, row-major) of two member-major sets of `J` vectors with the
/// given means.
///
/// # Panics
///
/// If the sets do not hold the same number `J >= 1` of vectors of lengths
/// `a_mean.len()` and `b_mean.len()`.
pub(crate) fn cross_covariance(a: &[f64], a_mean: &[f64], b: &[f64], b_mean: &[f64]) -> Vec<f64> {
    let (wa, wb) = (a_mean.len(), b_mean.len());
    assert!(wa > 0 && wb > 0 && a.len().is_multiple_of(wa) && !a.is_empty());
    let members = a.len() / wa;
    assert_eq!(b.len(), members * wb);
    let partials: Vec<Vec<f64>> = a
        .par_chunks(CHUNK * wa)
        .zip(b.par_chunks(CHUNK * wb))
        .map(|(ca, cb)| match (wa, wb) {
            (1, 1) => centred_products::<1, 1>(ca, a_mean, cb, b_mean),
            (1, 2) => centred_products::<1, 2>(ca, a_mean, cb, b_mean),
            (2, 1) => centred_products::<2, 1>(ca, a_mean, cb, b_mean),
            (2, 2) => centred_products::<2, 2>(ca, a_mean, cb, b_mean),
            _ => {
                let mut s = vec![0.0; wa * wb];
                let (mut da, mut db) = (vec![0.0; wa], vec![0.0; wb]);
                for (u, g) in ca.chunks_exact(wa).zip(cb.chunks_exact(wb)) {
                    for ((d, x), m) in da.iter_mut().zip(u).zip(a_mean) {
                        *d = x - m;
                    }
                    for ((d, x), m) in db.iter_mut().zip(g).zip(b_mean) {
                        *d = x - m;
                    }
                    for (row, d) in s.chunks_exact_mut(wb).zip(&da) {
                        for (r, e) in row.iter_mut().zip(&db) {
                            *r += d * e;
                        }
                    }
                }
                s
            }
        })
        .collect();
    let mut total = sum_in_order(partials, wa * wb);
    for t in &mut total {
        *t /= members as f64;
    }
    total
}

/// The sums over the rows of `chunk` (rows of `W`), each in row order: the
/// general loop of [`mean`] with the accumulators in registers, for the
/// small widths where the general loop is bound by its overhead.
fn column_sums<const W: usize>(chunk: &[f64]) -> Vec<f64> {
    let mut s = [0.0; W];
    for row in chunk.chunks_exact(W) {
        for (s, x) in s.iter_mut().zip(row) {
            *s += x;
        }
    }
    s.to_vec()
}

/// `sum_j (a^j - a_mean) ⊗ (b^j - b_mean)` over the rows of a chunk, in row
/// order: the general loop of [`cross_covariance`] with the accumulators
/// in registers, for small widths.
fn centred_products<const WA: usize, const WB: usize>(
    a: &[f64],
    a_mean: &[f64],
    b: &[f64],
    b_mean: &[f64],
) -> Vec<f64> {
    let mut s = [[0.0; WB]; WA];
    for (u, g) in a.chunks_exact(WA).zip(b.chunks_exact(WB)) {
        let mut db = [0.0; WB];
        for ((d, x), m) in db.iter_mut().zip(g).zip(b_mean) {
            *d = x - m;
        }
        for ((row, x), m) in s.iter_mut().zip(u).zip(a_mean) {
            let d = x - m;
            for (r, e) in row.iter_mut().zip(&db) {
                *r += d * e;
            }
        }
    }
    s.concat()
}

fn sum_in_order(partials: Vec<Vec<f64>>, width: usize) -> Vec<f64> {
    partials.into_iter().fold(vec![0.0; width], |mut acc, p| {
        for (a, x) in acc.iter_mut().zip(&p) {
            *a += x;
        }
        acc
    })
}

/// The mean and covariance (normalised by `1/J`) of `J` member-major
/// particles of dimension `width`, deterministic as [`mean`].
pub(crate) fn moments(data: &[f64], width: usize) -> MomentState {
    let m = mean(data, width);
    let covariance = cross_covariance(data, &m, data, &m);
    MomentState {
        mean: m,
        covariance,
    }
}
