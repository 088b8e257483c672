//! Gaussian sums over particles sorted into lines of padded blocks, in
//! lanes: the PSE pair sums (`pairs`, four lanes of `f64` or eight of
//! `f32`) and the reconstruction at points (`points`, four of `f64`), with
//! the block layout (`blocks`), the vectorised `2^x` (`exp`) and the
//! per-block kernels (`lanes`) they share.

pub(crate) mod blocks;
pub(crate) mod exp;
mod lanes;
pub(crate) mod pairs;
pub(crate) mod points;

#[cfg(test)]
mod tests {
    use super::blocks::{Blocks, EMPTY};
    use super::{exp, pairs, points};
    use crate::Domain;

    /// The pair sums of unit strengths and volumes over every slot (`a`,
    /// `b`), and for each real slot the naive sum over all other real
    /// slots within the cut-off, as the lanes round the squared distance.
    fn unit_sums_and_all_pairs<const D: usize>(
        blocks: &Blocks<D>,
        cutoff2: f64,
    ) -> (Vec<f64>, Vec<f64>, Vec<(usize, f64)>) {
        let slots = blocks.slots();
        let real = |s: usize| blocks.source[s] != EMPTY;
        let ones: Vec<f64> = (0..slots).map(|s| f64::from(u8::from(real(s)))).collect();
        let (mut a, mut b) = (vec![0.0; slots], vec![0.0; slots]);
        pairs::accumulate(blocks, &ones, cutoff2, 0..blocks.lines(), 0, &mut a, &mut b);
        let x = &blocks.coords;
        let kernel = |d2: f64| exp::pow2_neg_for(cutoff2, d2);
        let naive = (0..slots)
            .filter(|&s| real(s))
            .map(|s| {
                let sum = (0..slots)
                    .filter(|&t| t != s && real(t))
                    .map(|t| {
                        (1..D).fold((x[0][s] - x[0][t]).powi(2), |d2, axis| {
                            let d = x[axis][s] - x[axis][t];
                            d.mul_add(d, d2)
                        })
                    })
                    .filter(|&d2| d2 <= cutoff2)
                    .map(kernel)
                    .sum();
                (s, sum)
            })
            .collect();
        (a, b, naive)
    }

    /// Per slot a strength uniform in `[-1/2, 1/2)` from `rnd`, 0 for
    /// padding.
    fn random_strengths<const D: usize>(
        blocks: &Blocks<D>,
        rnd: &mut impl FnMut() -> f64,
    ) -> Vec<f64> {
        let real = |s: usize| blocks.source[s] != EMPTY;
        (0..blocks.slots())
            .map(|s| if real(s) { rnd() - 0.5 } else { 0.0 })
            .collect()
    }

    /// Every pair within the cut-off is visited exactly once, also on a
    /// lattice whose rows and columns fall on the edges of lines and bins
    /// (where the rounding of the bucketing decides) and with pairs at the
    /// cut-off itself: the pair sums with unit strengths and volumes equal
    /// the sums over all pairs of slots within the cut-off, to rounding.
    #[test]
    fn pair_sums_visit_every_pair_within_the_cut_off_once() {
        let (cutoff, width) = (0.12, 0.03);
        // Spacings: the line width, the bin width, and one that puts pairs
        // exactly at the cut-off along both axes.
        for spacing in [cutoff / 3.0, cutoff / 12.0, cutoff / 5.0] {
            let side = (1.0 / spacing) as usize;
            let n = side * side;
            let positions = [
                (0..n)
                    .map(|i| (i % side) as f64 * spacing)
                    .collect::<Vec<_>>(),
                (0..n)
                    .map(|i| (i / side) as f64 * spacing)
                    .collect::<Vec<_>>(),
            ];
            for domain in [Domain::<2>::walls(1.0), Domain::<2>::periodic(1.0)] {
                let domain = domain.unwrap();
                let mut blocks = Blocks::default();
                blocks
                    .rebuild(&domain, &positions, &vec![1.0; n], cutoff, width)
                    .unwrap();
                let cutoff2 = (cutoff / width).powi(2) * std::f64::consts::LOG2_E;
                let (a, b, naive) = unit_sums_and_all_pairs(&blocks, cutoff2);
                for (s, want) in naive {
                    assert!(
                        (b[s] - want).abs() <= 1e-13 * want && a[s] == b[s],
                        "spacing {spacing}, {domain:?}, slot {s}: {} against {want}",
                        b[s]
                    );
                }
            }
        }
    }

    /// The pair sums of random points in one, two and three dimensions
    /// equal the sums over all pairs within the cut-off (the runs cut to
    /// each target's disc or ball miss no pair and count none twice).
    #[test]
    fn pair_sums_equal_all_pairs_sums_in_one_to_three_dimensions() {
        fn check<const D: usize>(n: usize, cutoff: f64, width: f64) {
            let mut rnd = crate::test_uniform(7u64 + D as u64);
            let positions: [Vec<f64>; D] = std::array::from_fn(|_| (0..n).map(|_| rnd()).collect());
            let domain = Domain::<D>::walls(1.0).unwrap();
            let mut blocks = Blocks::default();
            blocks
                .rebuild(&domain, &positions, &vec![1.0; n], cutoff, width)
                .unwrap();
            let cutoff2 = (cutoff / width).powi(2) * std::f64::consts::LOG2_E;
            let (_, b, naive) = unit_sums_and_all_pairs(&blocks, cutoff2);
            for (s, want) in naive {
                assert!(
                    (b[s] - want).abs() <= 1e-13 * want,
                    "D = {D}, slot {s}: {} against {want}",
                    b[s]
                );
            }
        }
        check::<1>(400, 0.05, 0.015);
        check::<2>(1500, 0.12, 0.035);
        check::<3>(2500, 0.25, 0.07);
    }

    /// The single-precision pair sums of random points with random signed
    /// strengths and volumes in one, two and three dimensions, against the
    /// sums over all pairs in `f64` with the library's `exp2`: each within
    /// the bound of its terms' rounding, plus the pairs whose distance lies
    /// within the fixed point's resolution of the cut-off (counted or not
    /// by either). A term `|U g|` is off by at most `ln 2 e2` of itself for
    /// an error `e2` of the squared distance `d2` (the fixed point's
    /// `2 d sqrt(D) / unit` and the `f32` square's `d2 2^-23`: `5e-6` at a
    /// cut-off of `1e-6` in the worst case below), `4 2^-24` for the
    /// exponential, and the sum by `2^-24` of the moduli per term.
    #[test]
    fn single_precision_pair_sums_equal_all_pairs_sums_in_double() {
        fn check<const D: usize>(n: usize, extent: f64, cutoff: f64, width: f64) {
            let mut rnd = crate::test_uniform(17u64 + D as u64);
            let positions: [Vec<f64>; D] =
                std::array::from_fn(|_| (0..n).map(|_| extent * rnd()).collect());
            let volumes: Vec<f64> = (0..n).map(|_| 0.5 + rnd()).collect();
            let domain = Domain::<D>::walls(extent).unwrap();
            let mut blocks = Blocks::default();
            blocks
                .rebuild(&domain, &positions, &volumes, cutoff, width)
                .unwrap();
            let slots = blocks.slots();
            let u = random_strengths(&blocks, &mut rnd);
            let u32: Vec<f32> = u.iter().map(|&u| u as f32).collect();
            let cutoff2 = (cutoff / width).powi(2) * std::f64::consts::LOG2_E;
            let (mut a, mut b) = (vec![0.0f32; slots], vec![0.0f32; slots]);
            pairs::accumulate(&blocks, &u32, cutoff2, 0..blocks.lines(), 0, &mut a, &mut b);
            let x = &blocks.coords;
            let real: Vec<usize> = (0..slots).filter(|&s| blocks.source[s] != EMPTY).collect();
            // The fixed point's resolution in the squared distance.
            let edge = 4.0 * cutoff2.sqrt() * D as f64 / blocks.fixed_unit;
            let eps32 = f64::from(f32::EPSILON) / 2.0;
            let relative = |d2: f64| {
                let e2 = 2.0 * d2.sqrt() * (D as f64).sqrt() / blocks.fixed_unit + d2 * 2.0 * eps32;
                std::f64::consts::LN_2 * e2 + 4.0 * eps32
            };
            for &s in &real {
                let (mut want, mut bound) = ([0.0; 2], [0.0; 2]);
                let mut modulus = [0.0; 2];
                let mut terms_in = 0.0;
                for &t in real.iter().filter(|&&t| t != s) {
                    let d2: f64 = (0..D).map(|axis| (x[axis][s] - x[axis][t]).powi(2)).sum();
                    let terms = [u[t], blocks.volume[t]];
                    let g = (-d2).exp2();
                    if (d2 - cutoff2).abs() <= edge {
                        for k in 0..2 {
                            bound[k] += terms[k].abs() * g;
                        }
                    } else if d2 < cutoff2 {
                        terms_in += 1.0;
                        for k in 0..2 {
                            want[k] += terms[k] * g;
                            modulus[k] += terms[k].abs() * g;
                            bound[k] += terms[k].abs() * g * relative(d2);
                        }
                    }
                }
                for (k, got) in [a[s], b[s]].into_iter().enumerate() {
                    let error = (f64::from(got) - want[k]).abs();
                    let bound = bound[k] + terms_in * eps32 * modulus[k];
                    assert!(
                        error <= bound,
                        "D = {D}, slot {s}, sum {k}: {got} against {}, bound {bound:e}",
                        want[k]
                    );
                }
            }
        }
        // Extents whose fixed-point unit is set by the extent (the first
        // two) and by the cut-off (the third).
        check::<1>(400, 1.0, 0.05, 0.015);
        check::<2>(1500, 300.0, 12.0, 3.5);
        check::<3>(2500, 1.0, 0.25, 0.07);
    }

    /// The AVX2 point sums (when this processor has AVX2) and the portable
    /// ones are the same bits (the pair sums are checked in `pse`).
    #[test]
    fn vector_and_portable_point_sums_are_the_same_bits() {
        let mut rnd = crate::test_uniform(11u64);
        let n = 1500;
        let positions = [(); 2].map(|_| (0..n).map(|_| rnd()).collect::<Vec<_>>());
        let mut blocks = Blocks::default();
        let domain = Domain::<2>::walls(1.0).unwrap();
        blocks
            .rebuild(&domain, &positions, &vec![1.0; n], 0.1, 0.03)
            .unwrap();
        let strength = random_strengths(&blocks, &mut rnd);
        let points: Vec<[f64; 2]> = (0..300).map(|_| [rnd(), rnd()]).collect();
        let cutoff2 = (0.1_f64 / 0.03).powi(2) * std::f64::consts::LOG2_E;
        let (mut vector, mut portable) = (vec![0.0; 300], vec![0.0; 300]);
        points::sums_at(&blocks, &strength, cutoff2, &points, &mut vector);
        points::sums_at_portable(&blocks, &strength, cutoff2, &points, &mut portable);
        assert!(vector.iter().any(|&v| v != 0.0));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&vector), bits(&portable));
    }
}
