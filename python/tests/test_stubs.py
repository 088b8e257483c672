"""The type stubs (.pyi) describe the compiled modules as they are: every
name, parameter and default, checked by mypy's stubtest."""

import subprocess
import sys

import pytest

MODULES = [f"ensemble_kalman_particles.{m}" for m in ("analysis", "vic", "kinetic", "experiments")]


def test_the_stubs_match_the_runtime_modules():
    pytest.importorskip("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "--ignore-disjoint-bases", *MODULES],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
