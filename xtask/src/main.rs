//! `cargo xtask …`: the project's front door for reproductions.
//!
//! The alias in `.cargo/config.toml` builds this binary with `--release`, so
//! reproductions always run optimised code.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use assim::distributed::Communicator;
use clap::{Parser, Subcommand};
use xtask::reproduce::{self, Request};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Reproductions and developer tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reproduce figures of the two source papers.
    ///
    /// Writes `ID.csv`, `ID.svg` and `summary.json` into `OUT/ID/` for each id.
    Reproduce {
        /// Figure ids (see `--list`), or `all` for every implemented one.
        ids: Vec<String>,
        /// List every figure id and whether it is implemented.
        #[arg(long)]
        list: bool,
        /// Run a reduced version (seconds) instead of the paper's parameters.
        #[arg(long)]
        quick: bool,
        /// Output directory (default: `target/reproduce` in the workspace).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Scenario seed from which every random stream is derived.
        #[arg(long, value_name = "S", default_value_t = reproduce::DEFAULT_SEED)]
        seed: u64,
        /// Run a sweep (`fig19`–`fig21`, `fig23`, `fig24`) for K seeds:
        /// `--seed` and the K − 1 after it. The box plots pool their
        /// members; the summary fits the orders over all of them, with a
        /// bootstrap interval over seeds and members, and each seed's.
        #[arg(long, value_name = "K", default_value_t = 1)]
        seeds: usize,
        /// Scenario file (TOML) replacing the defaults of the 2D figures
        /// (`fig18` to `fig24`) or of the 1D ones, e.g. an edited copy of
        /// `scenarios/dipole2d.toml`; unknown keys are refused.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Continue a long 2D run (`fig18`, or a sweep `fig19`–`fig21`,
        /// `fig23`, `fig24`) from what an interrupted run left in `OUT/ID/`
        /// (same scenario and seed), with the same final numbers as an
        /// uninterrupted run.
        #[arg(long)]
        resume: bool,
        /// Stop a long 2D run once K analysis windows are complete (over all
        /// runs of a sweep), keeping its checkpoint (continue later with
        /// `--resume`).
        #[arg(long, value_name = "K")]
        stop_after: Option<usize>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Reproduce {
            ids,
            list,
            quick,
            out,
            seed,
            seeds,
            config,
            resume,
            stop_after,
        } => {
            if list {
                print!("{}", reproduce::listing());
                return ExitCode::SUCCESS;
            }
            if ids.is_empty() {
                eprintln!("error: name at least one figure id, `all`, or pass --list");
                return ExitCode::FAILURE;
            }
            let request = Request {
                quick,
                seed,
                seeds,
                out_dir: out.unwrap_or_else(reproduce::default_out_dir),
                config,
                resume,
                stop_after,
            };
            let ranks = match ranks() {
                Ok(ranks) => ranks,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let (rank, size) = (ranks.rank(), ranks.size());
            match reproduce::run_on(&ids, &request, ranks) {
                Ok(reports) => {
                    for r in reports.iter().filter(|_| rank == 0) {
                        println!("{:<16} {:>8.2} s  {}", r.id, r.wall_time_s, r.dir.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) if size > 1 => {
                    eprintln!("error on rank {rank} of {size}: {e}");
                    ExitCode::FAILURE
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// The ranks of this launch: the MPI world with the `mpi` feature (rank 0
/// of 1 when started without `mpirun`), else one process.
fn ranks() -> Result<Arc<dyn Communicator>, assim::Error> {
    #[cfg(feature = "mpi")]
    return Ok(Arc::new(assim::distributed::Mpi::initialize()?));
    #[cfg(not(feature = "mpi"))]
    Ok(Arc::new(assim::distributed::SingleProcess))
}
