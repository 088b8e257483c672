//! Reproducible random streams: one `Xoshiro256PlusPlus` per (scenario seed,
//! member, purpose).
//!
//! Every random draw of a run (an ensemble Kalman inversion here, an
//! assimilation experiment in `assim`) descends from one scenario seed.
//! A stream is never shared between members and never consumed in
//! scheduling order: member `i` draws its prior sample, its observation
//! perturbations, … from generators seeded by `(seed, i, purpose)` alone.
//! Results are therefore identical for any number of threads, in any order
//! in which members are processed, and member `i`'s draws do not depend on
//! how many members the ensemble has.
//!
//! # Derivation
//!
//! [`Stream`] names the purpose by a tag and an index:
//!
//! ```text
//! Prior             -> (1, 0)
//! Observation(k)    -> (2, k)
//! Perturbation(k)   -> (3, k)
//! Interaction(k)    -> (4, k)
//! Diffusion(k)      -> (5, k)
//! Rotation(k)       -> (6, k)
//! Resample(k)       -> (7, k)
//! ```
//!
//! The four words `seed, member, tag, index` (as `u64`) are absorbed in that
//! order into `h`, starting from `h = 0`, by
//! `h <- mix64((h + 0x9e3779b97f4a7c15) XOR word)` (wrapping addition), where
//! `mix64` is the SplitMix64 output function
//!
//! ```text
//! z <- (z XOR (z >> 30)) * 0xbf58476d1ce4e5b9
//! z <- (z XOR (z >> 27)) * 0x94d049bb133111eb
//! z <- z XOR (z >> 31)
//! ```
//!
//! (wrapping multiplications). `mix64` is a bijection, so two inputs that
//! first differ in one word give different states after that word. The
//! result is [`stream_seed`]; the generator is
//! `Xoshiro256PlusPlus::seed_from_u64(stream_seed(..))`, which expands the
//! 64-bit seed into the 256-bit state with SplitMix64. This derivation is
//! part of the reproducibility contract: changing it changes every figure.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

/// What a random stream is for. Each purpose, and each analysis index
/// within a purpose, gets its own stream per member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stream {
    /// The member's sample of the prior (initial state and parameters).
    Prior,
    /// Noise of the synthetic data at analysis `k` (0-based).
    Observation(usize),
    /// The perturbations `eps_i ~ N(0, R)` of the data at analysis `k`
    /// (0-based), paper 2, eq. (2); in paper 1, the data perturbations of
    /// iteration `k` of eq. (3) and the Brownian increments of step `k` of
    /// the Euler–Maruyama scheme for eq. (5).
    Perturbation(usize),
    /// Paper 1, Section 4: whether particle `j` interacts in step `k` of
    /// the binary-interaction (Nanbu) scheme for eq. (18)–(20), and the
    /// noise `xi` of that interaction.
    Interaction(usize),
    /// Paper 1, eq. (22): the Brownian increments of step `k` of the
    /// Euler–Maruyama particle method for the Fokker–Planck equation.
    Diffusion(usize),
    /// The mean-preserving random rotation of the ETKF's transform at
    /// analysis `k` (0-based): member `i` draws column `i` of the Gaussian
    /// matrix whose orthogonal factor is the rotation.
    Rotation(usize),
    /// Draw `k` of a bootstrap over the results of an experiment (which
    /// members, and which seeds, enter the resampled statistic): a
    /// statistic of the outputs, never an input of a run.
    Resample(usize),
}

impl Stream {
    /// The (tag, index) words of the derivation in the module docs.
    fn words(self) -> [u64; 2] {
        match self {
            Self::Prior => [1, 0],
            Self::Observation(k) => [2, k as u64],
            Self::Perturbation(k) => [3, k as u64],
            Self::Interaction(k) => [4, k as u64],
            Self::Diffusion(k) => [5, k as u64],
            Self::Rotation(k) => [6, k as u64],
            Self::Resample(k) => [7, k as u64],
        }
    }
}

/// The 64-bit seed of the stream of `member` for `purpose` under the
/// scenario seed `seed`, derived as described in the module docs.
pub fn stream_seed(seed: u64, member: usize, purpose: Stream) -> u64 {
    let [tag, index] = purpose.words();
    [seed, member as u64, tag, index]
        .into_iter()
        .fold(0, |h, word| mix64(h.wrapping_add(GOLDEN_GAMMA) ^ word))
}

/// The generator of `member` for `purpose` under the scenario seed `seed`:
/// `Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, member, purpose))`.
///
/// # Example
///
/// ```
/// use kinetic_enkf::rng::{Stream, member_stream};
/// use rand_xoshiro::rand_core::Rng;
///
/// let mut a = member_stream(42, 3, Stream::Perturbation(0));
/// let mut b = member_stream(42, 3, Stream::Perturbation(0));
/// let mut c = member_stream(42, 3, Stream::Perturbation(1));
/// let (x, y, z) = (a.next_u64(), b.next_u64(), c.next_u64());
/// assert_eq!(x, y);
/// assert_ne!(x, z);
/// ```
pub fn member_stream(seed: u64, member: usize, purpose: Stream) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, member, purpose))
}

/// The SplitMix64 increment, `2^64 / phi` rounded to odd.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The SplitMix64 output function (Steele, Lea & Flood 2014), a bijection
/// of `u64` with good avalanche.
fn mix64(z: u64) -> u64 {
    let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
