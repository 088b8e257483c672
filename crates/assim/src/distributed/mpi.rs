//! The world of an MPI launch (`mpirun -n P …`) as a [`Communicator`]:
//! rsmpi over the system's MPI library (Open MPI, MPICH).

use std::sync::Mutex;

use mpi::Count;
use mpi::datatype::PartitionMut;
use mpi::environment::{Threading, Universe};
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator as _, CommunicatorCollectives as _};

use super::Communicator;
use crate::error::{Error, Result};

/// The MPI world: initialised once per process, finalised when dropped
/// (keep it until the last collective).
///
/// Collectives may be called from any thread (a rayon worker in a
/// forecast), one at a time: MPI is initialised with
/// `MPI_THREAD_SERIALIZED`, and calls are serialised by a lock.
pub struct Mpi {
    rank: usize,
    size: usize,
    /// Held for its `Drop` (`MPI_Finalize`); the lock serialises calls.
    universe: Mutex<Universe>,
}

impl std::fmt::Debug for Mpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mpi {{ rank: {}, size: {} }}", self.rank, self.size)
    }
}

impl Mpi {
    /// Initialise MPI (a process launched alone is rank 0 of 1).
    ///
    /// # Errors
    /// [`Error::Communication`] if MPI was initialised before or the library
    /// cannot call MPI from several threads one at a time.
    pub fn initialize() -> Result<Self> {
        let (universe, threading) = mpi::initialize_with_threading(Threading::Serialized)
            .ok_or_else(|| communication("MPI is already initialised in this process".into()))?;
        if threading < Threading::Serialized {
            return Err(communication(format!(
                "the MPI library offers {threading:?} threading; Serialized is needed"
            )));
        }
        let world = universe.world();
        Ok(Mpi {
            rank: world.rank() as usize,
            size: world.size() as usize,
            universe: Mutex::new(universe),
        })
    }
}

impl Communicator for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    /// `MPI_Allgather` of the lengths, then `MPI_Allgatherv` of the words.
    fn all_gather(&self, words: &[f64]) -> Result<Vec<Vec<f64>>> {
        let _serial = self.universe.lock().unwrap_or_else(|e| e.into_inner());
        let world = SimpleCommunicator::world();
        let len = Count::try_from(words.len()).map_err(|_| too_long(words.len()))?;
        let mut counts: Vec<Count> = vec![0; self.size];
        world.all_gather_into(&len, &mut counts[..]);
        let displs: Vec<Count> = counts
            .iter()
            .scan(0 as Count, |at, &c| {
                let start = *at;
                *at = at.saturating_add(c);
                Some(start)
            })
            .collect();
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        if total > Count::MAX as usize {
            return Err(too_long(total));
        }
        let mut all = vec![0.0; total];
        world.all_gather_varcount_into(
            words,
            &mut PartitionMut::new(&mut all[..], &counts[..], &displs[..]),
        );
        Ok(displs
            .iter()
            .zip(&counts)
            .map(|(&d, &c)| all[d as usize..(d + c) as usize].to_vec())
            .collect())
    }
}

fn communication(reason: String) -> Error {
    Error::Communication { reason }
}

/// MPI counts are `int`: one gather moves fewer than `2^31` words.
fn too_long(words: usize) -> Error {
    communication(format!(
        "{words} words in one gather; MPI counts stop at {}",
        Count::MAX
    ))
}
