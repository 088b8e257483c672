"""Shared fixtures: the repository's files and the CLI's outputs to compare with."""

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
BAD_2D = ROOT / "crates" / "experiments" / "tests" / "bad_scenarios"
BAD_1D = ROOT / "crates" / "experiments" / "tests" / "bad_scenarios_1d"


def read_csv(path):
    """The rows of a CSV file as dicts of strings."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run_cli(*args):
    """`cargo xtask ARGS…`: the command line (the Rust program, not this
    package); skips the test without cargo or the workspace.

    EKP_CLI, when set, names an xtask executable to run instead (CI points
    it at the dev-profile binary `cargo test --workspace` has just built:
    `cargo run -p xtask` would rebuild much of the tree, because features
    resolved for one package differ from the workspace's). The dev and
    release profiles give the same bits for these runs (checked by running
    the release command against a dev wheel, and the other way round)."""
    executable = os.environ.get("EKP_CLI")
    if executable:
        if not Path(executable).is_file():
            pytest.fail(f"EKP_CLI={executable} is not a file")
        command = [executable]
    else:
        cargo = shutil.which("cargo")
        if cargo is None or not (ROOT / "xtask").is_dir():
            pytest.skip("cargo or the workspace is not available")
        command = [cargo, "xtask"]
    subprocess.run([*command, *map(str, args)], cwd=ROOT, check=True)


@pytest.fixture(scope="session")
def cli_fig18_quick(tmp_path_factory):
    """The CSV rows of `cargo xtask reproduce fig18 --quick`."""
    out = tmp_path_factory.mktemp("cli")
    run_cli("reproduce", "fig18", "--quick", "--out", out)
    return read_csv(out / "fig18" / "fig18.csv")


@pytest.fixture(scope="session")
def dipole_quick():
    """The quick 2D run from Python at the default seed (all three filters)."""
    from ensemble_kalman_particles import experiments

    return experiments.run_dipole(quick=True)
