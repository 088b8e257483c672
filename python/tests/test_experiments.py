"""The papers' experiments from Python: the 2D dipole's e_omega table equals
the one `cargo xtask reproduce fig18 --quick` writes for the same seed, bit
for bit; broken scenario files are refused naming their key; figure ids."""

import math

import numpy as np
import pytest

from conftest import BAD_1D, BAD_2D, read_csv, run_cli
from ensemble_kalman_particles import experiments


def assert_table_is_the_csv(table, rows):
    assert len(rows) == len(table["e_omega"])
    assert table["filter"] == [r["filter"] for r in rows]
    assert table["stage"] == [r["stage"] for r in rows]
    assert table["analysis"].tolist() == [int(float(r["analysis"])) for r in rows]
    # The CSV holds Rust's shortest round-trip decimals: float() gives the bits.
    for name in ("time", "e_omega", "mean_particles", "nu_mean", "nu_sd"):
        assert table[name].tolist() == [float(r[name]) for r in rows], name
    assert table["per_member"].min(axis=1).tolist() == [float(r["member_min"]) for r in rows]
    assert table["per_member"].max(axis=1).tolist() == [float(r["member_max"]) for r in rows]


def test_the_dipole_table_is_the_command_lines_bit_for_bit(dipole_quick, cli_fig18_quick):
    assert_table_is_the_csv(dipole_quick, cli_fig18_quick)


def test_a_checkpoint_of_the_command_line_resumes_in_python_bit_for_bit(
    dipole_quick, tmp_path
):
    run_cli("reproduce", "fig18", "--quick", "--stop-after", 2, "--out", tmp_path)
    with pytest.warns(UserWarning, match="not by the code running"):
        resumed = experiments.run_dipole(quick=True, out=tmp_path / "fig18", resume=True)
    for name in ("time", "e_omega", "per_member"):
        assert np.array_equal(resumed[name], dipole_quick[name]), name


def test_the_dipole_table_is_the_reproductions_bit_for_bit(dipole_quick, tmp_path):
    (report,) = experiments.reproduce(["fig18"], out=tmp_path, quick=True)
    assert report["id"] == "fig18"
    for name in ("fig18.csv", "fig18.svg", "summary.json"):
        assert (tmp_path / "fig18" / name).is_file()
    assert_table_is_the_csv(dipole_quick, read_csv(tmp_path / "fig18" / "fig18.csv"))


def test_the_dipole_table_has_the_documented_shape(dipole_quick):
    t = dipole_quick
    rows = len(t["e_omega"])
    assert t["per_member"].shape[0] == rows
    np.testing.assert_allclose(t["e_omega"], t["per_member"].mean(axis=1), rtol=1e-14)
    assert set(t["filter"]) == {"free_run", "remesh_enkf", "part_enkf"}
    assert t["stage"][0] == "prior" and t["time"][0] == 0.0
    assert np.all(np.isfinite(t["per_member"])) and np.all(t["per_member"] >= 0)


def test_progress_is_reported_and_a_raising_callback_stops_the_run():
    seen = []
    t = experiments.run_dipole(
        quick=True, filters=["free_run"], progress=lambda s, n: seen.append((s, n))
    )
    assert t["filter"] == ["free_run"] * len(t["filter"])
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))

    def fail(steps, total):
        raise ArithmeticError("stop here")

    with pytest.raises(ArithmeticError, match="stop here"):
        experiments.run_dipole(quick=True, filters=["free_run"], progress=fail)


@pytest.mark.parametrize("path", sorted(BAD_2D.glob("*.toml")), ids=lambda p: p.stem)
def test_a_broken_2d_scenario_is_a_value_error_naming_its_key(path):
    key = path.read_text().splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(ValueError) as e:
        experiments.run_dipole(path)
    assert key in str(e.value) and str(path) in str(e.value)


@pytest.mark.parametrize("path", sorted(BAD_1D.glob("*.toml")), ids=lambda p: p.stem)
def test_a_broken_1d_scenario_is_a_value_error_naming_its_key(path):
    key = path.read_text().splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(ValueError) as e:
        experiments.run_advection(path)
    assert key in str(e.value) and str(path) in str(e.value)


def test_other_bad_requests_raise_the_right_exceptions(tmp_path):
    with pytest.raises(ValueError, match="unknown figure id `fig99`"):
        experiments.reproduce(["fig99"], out=tmp_path)
    with pytest.raises(ValueError, match="filter 'kalman'"):
        experiments.run_dipole(quick=True, filters=["kalman"])
    with pytest.raises(ValueError, match="resume=True needs out"):
        experiments.run_dipole(quick=True, resume=True)
    with pytest.raises(ValueError, match="cannot read the file"):
        experiments.run_dipole(tmp_path / "missing.toml")
    with pytest.raises(OSError):
        experiments.run_dipole(quick=True, out=tmp_path / "missing.toml" / "x", resume=True)
    assert "fig18" in experiments.figures()


def test_the_1d_experiment_returns_its_tables():
    t = experiments.run_advection(quick=True, filter="remesh")
    steps, n = t["discrepancy"].shape
    assert t["parameters"].shape == (steps, n, 2)
    assert t["time"][0] == 0.0 and np.all(np.diff(t["time"]) > 0)
    assert t["rrmse_state"][-1] < t["rrmse_state"][0]
    again = experiments.run_advection(quick=True, filter="remesh")
    assert np.array_equal(again["rrmse_state"], t["rrmse_state"])
    assert math.isfinite(t["mean_particles"][-1])
