//! Ensembles split over processes ("ranks"), with the same numbers as on
//! one process.
//!
//! * [`Communicator`] — who this process is among how many, and the one
//!   collective the runner needs: every rank's words, on every rank, in
//!   rank order ([`Communicator::all_gather`]). [`SingleProcess`] is rank 0
//!   of 1 (the default of [`crate::EnsembleRunner`]); with the `mpi`
//!   feature, `Mpi` is the world of an MPI launch (rsmpi over the system's
//!   MPI library). Nothing else in the workspace knows about ranks.
//!   [`ThreadRanks`] are ranks as threads of one process, to run and test
//!   distributed code without MPI.
//! * [`Blocks`] — members in contiguous blocks, the first `N mod P` ranks
//!   one member more, so rank order is member order.
//! * [`Codec`] — how a state crosses ranks: as `f64` words, bit for bit
//!   ([`Vectors`] for `Vec<f64>`, [`Particles`] for particle sets).
//! * [`all_gather_members`] — every rank's block of results, on every rank,
//!   in member order.
//!
//! **The design.** Every rank holds every member (the ensemble is
//! replicated); work is split: a rank forecasts its own block, predicts its
//! own block's observations and computes its own block's analysed states,
//! and after each split step an all-gather in member order makes the
//! replicas equal again. Nothing is ever *reduced* across ranks: the
//! coefficients `F` are computed on every rank from the same gathered
//! predictions, and each member's analysed state by the same loop, in the
//! same order, as on one process. So the results are the same bits for any
//! number of ranks, and every step that is not split (the errors of a
//! figure, a local analysis) is still correct, only not shared out.
//!
//! **Failures.** A rank whose own work failed still takes part in the
//! collective, sending a failure mark instead of its block: it returns its
//! own error, every other rank [`Error::RankFailed`] naming it, so no rank
//! waits for one that has given up.

use std::ops::Range;

use particle_core::ParticleSet;

use crate::error::{Error, Result};

#[cfg(feature = "mpi")]
mod mpi;
#[cfg(feature = "mpi")]
pub use self::mpi::Mpi;

/// The processes of a distributed run, seen from one of them.
pub trait Communicator: Send + Sync + std::fmt::Debug {
    /// This process's rank, `0..size()`.
    fn rank(&self) -> usize;

    /// The number of ranks `P`.
    fn size(&self) -> usize;

    /// Every rank's `words`, on every rank, in rank order (a collective:
    /// every rank calls it, the same number of times, in the same order).
    ///
    /// # Errors
    /// [`Error::Communication`] if the words cannot be exchanged.
    fn all_gather(&self, words: &[f64]) -> Result<Vec<Vec<f64>>>;
}

/// One process: rank 0 of 1, a gather is a copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SingleProcess;

impl Communicator for SingleProcess {
    fn rank(&self) -> usize {
        0
    }

    fn size(&self) -> usize {
        1
    }

    fn all_gather(&self, words: &[f64]) -> Result<Vec<Vec<f64>>> {
        Ok(vec![words.to_vec()])
    }
}

/// `P` ranks as threads of one process: the distributed code run and
/// tested without MPI. [`ThreadRanks::group`] makes one handle per rank;
/// each thread takes one and calls the collectives as an MPI process would
/// (an all-gather puts the thread's words in its slot, waits for the
/// others, and reads every slot).
///
/// ```
/// use assim::distributed::{Communicator, ThreadRanks};
///
/// let gathered: Vec<Vec<Vec<f64>>> = std::thread::scope(|scope| {
///     let ranks: Vec<_> = ThreadRanks::group(3)
///         .into_iter()
///         .map(|rank| scope.spawn(move || rank.all_gather(&[rank.rank() as f64]).unwrap()))
///         .collect();
///     ranks.into_iter().map(|r| r.join().unwrap()).collect()
/// });
/// for on_rank in gathered {
///     assert_eq!(on_rank, vec![vec![0.0], vec![1.0], vec![2.0]]);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct ThreadRanks {
    rank: usize,
    size: usize,
    slots: std::sync::Arc<(std::sync::Barrier, std::sync::Mutex<Vec<Vec<f64>>>)>,
}

impl ThreadRanks {
    /// The `size` ranks of a group, rank order; hand each to its own
    /// thread (a gather waits for all `size` of them).
    pub fn group(size: usize) -> Vec<Self> {
        let slots = std::sync::Arc::new((
            std::sync::Barrier::new(size),
            std::sync::Mutex::new(vec![Vec::new(); size]),
        ));
        (0..size)
            .map(|rank| Self {
                rank,
                size,
                slots: std::sync::Arc::clone(&slots),
            })
            .collect()
    }
}

impl Communicator for ThreadRanks {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn all_gather(&self, words: &[f64]) -> Result<Vec<Vec<f64>>> {
        let (barrier, slots) = &*self.slots;
        let lock = || {
            slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        lock()[self.rank] = words.to_vec();
        barrier.wait();
        let all = lock().clone();
        // No rank writes its next words before every rank has read these.
        barrier.wait();
        Ok(all)
    }
}

/// `N` members over `P` ranks in contiguous blocks, in rank order; the
/// first `N mod P` ranks hold one member more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocks {
    members: usize,
    ranks: usize,
}

impl Blocks {
    /// The blocks of `members` members over `ranks` ranks.
    ///
    /// # Errors
    /// [`Error::MoreRanksThanMembers`] if a rank would hold no member
    /// (also for zero ranks).
    pub fn new(members: usize, ranks: usize) -> Result<Self> {
        if ranks == 0 || ranks > members {
            return Err(Error::MoreRanksThanMembers { ranks, members });
        }
        Ok(Blocks { members, ranks })
    }

    /// The members of rank `rank`.
    ///
    /// # Panics
    /// If `rank` is not below the number of ranks.
    pub fn of(&self, rank: usize) -> Range<usize> {
        assert!(rank < self.ranks, "rank {rank} of {}", self.ranks);
        let (q, r) = (self.members / self.ranks, self.members % self.ranks);
        let start = rank * q + rank.min(r);
        start..start + q + usize::from(rank < r)
    }

    /// The members of `communicator`'s own rank.
    ///
    /// # Errors
    /// As [`Blocks::new`].
    pub fn own(members: usize, communicator: &dyn Communicator) -> Result<Range<usize>> {
        Ok(Blocks::new(members, communicator.size())?.of(communicator.rank()))
    }
}

/// How a value crosses ranks: as `f64` words, decoded to the same bits.
pub trait Codec<S>: Sync {
    /// Append `value`'s words to `words`.
    fn encode(&self, value: &S, words: &mut Vec<f64>);

    /// The value of `words` (exactly the words [`Codec::encode`] appended).
    ///
    /// # Errors
    /// [`Error::Communication`] for words that are not a value's.
    fn decode(&self, words: &[f64]) -> Result<S>;
}

/// `Vec<f64>` as its own words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vectors;

impl Codec<Vec<f64>> for Vectors {
    fn encode(&self, value: &Vec<f64>, words: &mut Vec<f64>) {
        words.extend_from_slice(value);
    }

    fn decode(&self, words: &[f64]) -> Result<Vec<f64>> {
        Ok(words.to_vec())
    }
}

/// A particle set as its coordinates (axis after axis), strengths and
/// volumes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Particles;

impl<const D: usize> Codec<ParticleSet<D>> for Particles {
    fn encode(&self, value: &ParticleSet<D>, words: &mut Vec<f64>) {
        for axis in value.positions() {
            words.extend_from_slice(axis);
        }
        words.extend_from_slice(value.strengths());
        words.extend_from_slice(value.volumes());
    }

    fn decode(&self, words: &[f64]) -> Result<ParticleSet<D>> {
        if !words.len().is_multiple_of(D + 2) {
            return Err(malformed(format!(
                "{} words are not a particle set in {D} dimensions",
                words.len()
            )));
        }
        let mut columns = words
            .chunks_exact(words.len() / (D + 2))
            .map(<[f64]>::to_vec);
        let mut next = || columns.next().unwrap_or_default();
        let positions = std::array::from_fn(|_| next());
        let (strengths, volumes) = (next(), next());
        ParticleSet::new(positions, strengths, volumes)
            .map_err(|e| malformed(format!("a particle set that does not check: {e}")))
    }
}

/// A [`Error::Communication`] for words that do not decode.
pub fn malformed(reason: String) -> Error {
    Error::Communication { reason }
}

/// The results of every rank's block of `members` members, on every rank,
/// in member order (a collective). `own` is this rank's block, in member
/// order ([`Blocks::own`]), or the error that stopped it. On one rank,
/// `own` itself, encoded nothing.
///
/// # Errors
/// `own`'s error on the rank that failed, [`Error::RankFailed`] naming
/// the lowest failed rank on the others; [`Error::Communication`] if the
/// exchange fails or a rank sent the wrong number of members.
pub fn all_gather_members<S>(
    communicator: &dyn Communicator,
    codec: &impl Codec<S>,
    members: usize,
    own: Result<Vec<S>>,
) -> Result<Vec<S>> {
    if communicator.size() == 1 {
        return own;
    }
    // One rank's words: [ok, count, (len, words of the value)...], or
    // [failed].
    let mut words = Vec::new();
    match &own {
        Ok(values) => {
            words.extend([OK, values.len() as f64]);
            let mut value_words = Vec::new();
            for value in values {
                value_words.clear();
                codec.encode(value, &mut value_words);
                words.push(value_words.len() as f64);
                words.extend_from_slice(&value_words);
            }
        }
        Err(_) => words.push(FAILED),
    }
    let gathered = communicator.all_gather(&words)?;
    if gathered.len() != communicator.size() {
        return Err(malformed(format!(
            "{} ranks answered a gather among {}",
            gathered.len(),
            communicator.size()
        )));
    }
    let failed = gathered.iter().position(|w| w.first() != Some(&OK));
    let values = own?;
    if let Some(rank) = failed {
        return Err(Error::RankFailed { rank });
    }
    let blocks = Blocks::new(members, communicator.size())?;
    let mut all = Vec::with_capacity(members);
    let mut own = Some(values);
    for (rank, words) in gathered.iter().enumerate() {
        let expected = blocks.of(rank).len();
        if rank == communicator.rank() {
            // This rank's own values are moved, not decoded.
            let values = own.take().unwrap_or_default();
            if values.len() != expected {
                return Err(malformed(format!(
                    "rank {rank} holds {} members, its block has {expected}",
                    values.len()
                )));
            }
            all.extend(values);
            continue;
        }
        let count = words.get(1).copied().unwrap_or(f64::NAN);
        if count != expected as f64 {
            return Err(malformed(format!(
                "rank {rank} sent {count} members, its block has {expected}"
            )));
        }
        let mut at = 2;
        for _ in 0..expected {
            let len = words.get(at).copied().unwrap_or(f64::NAN) as usize;
            let value = words
                .get(at + 1..at + 1 + len)
                .ok_or_else(|| malformed(format!("rank {rank} sent truncated words")))?;
            all.push(codec.decode(value)?);
            at += 1 + len;
        }
    }
    Ok(all)
}

/// The first word of a rank's block: its work succeeded, or failed.
const OK: f64 = 0.0;
const FAILED: f64 = 1.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_contiguous_and_hold_every_member_once() {
        for members in 1..40 {
            for ranks in 1..=members {
                let blocks = Blocks::new(members, ranks).unwrap();
                let mut next = 0;
                for rank in 0..ranks {
                    let block = blocks.of(rank);
                    assert_eq!(block.start, next, "{members} over {ranks}");
                    let len = block.len();
                    assert!(
                        len == members / ranks || len == members / ranks + 1,
                        "{members} over {ranks}: rank {rank} holds {len}"
                    );
                    next = block.end;
                }
                assert_eq!(next, members);
            }
        }
        assert_eq!(Blocks::new(10, 4).unwrap().of(1), 3..6);
        assert_eq!(Blocks::new(10, 4).unwrap().of(3), 8..10);
    }

    #[test]
    fn more_ranks_than_members_is_refused_by_name() {
        let err = Blocks::new(3, 4).unwrap_err();
        assert_eq!(
            err,
            Error::MoreRanksThanMembers {
                ranks: 4,
                members: 3
            }
        );
        assert!(err.to_string().contains("4 ranks") && err.to_string().contains("3 members"));
        assert!(Blocks::new(3, 0).is_err());
    }

    #[test]
    fn a_single_process_gathers_its_own_values() {
        let one = SingleProcess;
        assert_eq!((one.rank(), one.size()), (0, 1));
        assert_eq!(one.all_gather(&[1.0, 2.0]).unwrap(), vec![vec![1.0, 2.0]]);
        assert_eq!(Blocks::own(5, &one).unwrap(), 0..5);
        let values = vec![vec![1.0], vec![2.0, 3.0]];
        let gathered = all_gather_members(&one, &Vectors, 2, Ok(values.clone()));
        assert_eq!(gathered.unwrap(), values);
    }

    /// `P` ranks simulated in one process: rank `r`'s view, given every
    /// rank's words (the other ranks' computed here in turn).
    #[derive(Debug)]
    struct Simulated {
        rank: usize,
        words: Vec<Vec<f64>>,
    }

    impl Communicator for Simulated {
        fn rank(&self) -> usize {
            self.rank
        }
        fn size(&self) -> usize {
            self.words.len()
        }
        fn all_gather(&self, words: &[f64]) -> Result<Vec<Vec<f64>>> {
            assert_eq!(
                words, self.words[self.rank],
                "rank {}'s own words",
                self.rank
            );
            Ok(self.words.clone())
        }
    }

    /// What each rank sends for its block of `values` (as
    /// [`all_gather_members`] encodes it, read back through a recording
    /// communicator).
    fn words_of<S: Clone>(codec: &impl Codec<S>, values: &[S], ranks: usize) -> Vec<Vec<f64>> {
        #[derive(Debug)]
        struct Record(std::sync::Mutex<Vec<f64>>, usize);
        impl Communicator for Record {
            fn rank(&self) -> usize {
                0
            }
            fn size(&self) -> usize {
                self.1
            }
            fn all_gather(&self, words: &[f64]) -> Result<Vec<Vec<f64>>> {
                *self.0.lock().unwrap() = words.to_vec();
                Err(malformed("recorded".into()))
            }
        }
        let blocks = Blocks::new(values.len(), ranks).unwrap();
        (0..ranks)
            .map(|rank| {
                let record = Record(Default::default(), ranks);
                let own = values[blocks.of(rank)].to_vec();
                let _ = all_gather_members(&record, codec, values.len(), Ok(own));
                record.0.into_inner().unwrap()
            })
            .collect()
    }

    #[test]
    fn every_rank_gathers_every_member_in_member_order_bit_for_bit() {
        let sets: Vec<ParticleSet<2>> = (0..7)
            .map(|i| {
                let n = 3 + i;
                let x = (0..n).map(|p| (p as f64 * 0.1 + i as f64).sin()).collect();
                let y = (0..n).map(|p| 1.0 / (p + i + 1) as f64).collect();
                let u = (0..n).map(|p| -(p as f64) / 3.0).collect();
                ParticleSet::new([x, y], u, vec![0.1; n]).unwrap()
            })
            .collect();
        for ranks in [2, 3, 7] {
            let words = words_of(&Particles, &sets, ranks);
            let blocks = Blocks::new(sets.len(), ranks).unwrap();
            for rank in 0..ranks {
                let view = Simulated {
                    rank,
                    words: words.clone(),
                };
                let own = sets[blocks.of(rank)].to_vec();
                let gathered = all_gather_members(&view, &Particles, sets.len(), Ok(own)).unwrap();
                assert_eq!(gathered, sets, "rank {rank} of {ranks}");
            }
        }
    }

    #[test]
    fn a_failed_rank_is_named_on_the_others_and_keeps_its_own_error() {
        let values: Vec<Vec<f64>> = (0..4).map(|i| vec![i as f64]).collect();
        let mut words = words_of(&Vectors, &values, 2);
        words[1] = vec![FAILED];
        let view = Simulated { rank: 0, words };
        let own = Ok(values[..2].to_vec());
        let err = all_gather_members(&view, &Vectors, 4, own).unwrap_err();
        assert_eq!(err, Error::RankFailed { rank: 1 });
        let failure = Error::TooFewMembers { found: 1 };
        let view = Simulated {
            rank: 1,
            words: view.words,
        };
        let err = all_gather_members::<Vec<f64>>(&view, &Vectors, 4, Err(failure.clone()));
        assert_eq!(err.unwrap_err(), failure);
    }

    #[test]
    fn words_that_are_not_a_particle_set_are_refused() {
        let err = Codec::<ParticleSet<2>>::decode(&Particles, &[1.0; 5]).unwrap_err();
        assert!(matches!(err, Error::Communication { .. }), "{err}");
        let err = Codec::<ParticleSet<1>>::decode(&Particles, &[0.0, 1.0, -1.0]).unwrap_err();
        assert!(err.to_string().contains("volume"), "{err}");
    }
}
