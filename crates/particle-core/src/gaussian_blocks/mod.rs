//! Gaussian sums over particles sorted into padded cell blocks, in lanes
//! of four: the PSE pair sums (`pairs`) and the reconstruction at points
//! (`points`), with the block layout (`blocks`), the vectorised `2^x`
//! (`exp`) and the per-block kernels (`lanes`) they share.

pub(crate) mod blocks;
pub(crate) mod exp;
mod lanes;
pub(crate) mod pairs;
pub(crate) mod points;

#[cfg(test)]
mod tests {
    use super::blocks::{Blocks, EMPTY};
    use super::points;
    use crate::Domain;

    /// The AVX2 point sums (when this processor has AVX2) and the portable
    /// ones are the same bits (the pair sums are checked in `pse`).
    #[test]
    fn vector_and_portable_point_sums_are_the_same_bits() {
        let mut s = 11u64;
        let mut rnd = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 1500;
        let positions = [(); 2].map(|_| (0..n).map(|_| rnd()).collect::<Vec<_>>());
        let mut blocks = Blocks::default();
        let domain = Domain::<2>::walls(1.0).unwrap();
        blocks
            .rebuild(&domain, &positions, &vec![1.0; n], 0.1, 0.03)
            .unwrap();
        let strength: Vec<f64> = (0..blocks.slots())
            .map(|s| {
                if blocks.source[s] == EMPTY {
                    0.0
                } else {
                    rnd() - 0.5
                }
            })
            .collect();
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
