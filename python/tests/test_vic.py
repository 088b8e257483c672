"""The Vortex-In-Cell solver from Python: a Gaussian vortex against the
Lamb-Oseen swirl and conservation of circulation (as the crate's own doc
example), the Lamb-Chaplygin dipole's symmetries, and the particle arrays
going in and out unchanged."""

import math

import numpy as np
import pytest

from ensemble_kalman_particles.vic import Vic


def gaussian_vortex():
    """A Gaussian vortex of sigma^2 = 0.1 at the centre of [0, pi]^2,
    d_p = pi/64, on the particle lattice."""
    vic = Vic(math.pi / 64, 0.01, 1e-3, remesh_every=5, eps_omega=1e-6)
    dp = math.pi / 64
    centres = (np.arange(128) + 0.5) * dp
    x, y = np.meshgrid(centres, centres, indexing="xy")
    omega = np.exp(-((x - math.pi / 2) ** 2 + (y - math.pi / 2) ** 2) / 0.1)
    keep = np.abs(omega) > 1e-6
    vic.set_particles(x[keep], y[keep], omega[keep] * dp * dp)
    return vic


def test_a_gaussian_vortex_swirls_as_lamb_oseen_and_keeps_its_circulation():
    vic = gaussian_vortex()
    before = vic.diagnostics()
    vic.advance(10)
    after = vic.diagnostics()
    assert vic.steps == 10
    assert vic.time == pytest.approx(0.01, abs=1e-15)
    assert after["energy"] < before["energy"]
    assert abs(after["circulation"] / before["circulation"] - 1) < 1e-4
    u = vic.velocity_at(np.array([[math.pi / 2 + 0.3, math.pi / 2], [0.0, 1.0]]))
    lamb_oseen = 0.1 / (2 * 0.3) * (1 - math.exp(-0.9))
    assert abs(u[0, 1] / lamb_oseen - 1) < 0.01
    assert abs(u[1, 0]) < 1e-12  # no flow through the wall


def test_advance_is_step_after_step_bit_for_bit():
    a, b = gaussian_vortex(), gaussian_vortex()
    a.advance(6)
    for _ in range(6):
        b.step()
    for p, q in zip(a.particles, b.particles):
        assert np.array_equal(p, q)


def test_the_dipole_starts_with_zero_circulation_and_moves():
    vic = Vic.lamb_chaplygin("quick")
    d = vic.diagnostics()
    assert abs(d["circulation"]) < 1e-10 * d["particles"]
    assert d["energy"] > 0
    omega = vic.vorticity()
    x, y = vic.nodes()
    assert omega.shape == (len(y), len(x))
    assert vic.particle_spacing == pytest.approx(math.pi / 128)
    vic.advance(5)
    assert vic.time == pytest.approx(5 * vic.dt)


def test_particles_round_trip_unchanged():
    vic = Vic(math.pi / 32, 0.0, 0.01)
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0.1, 3.0, size=(2, 50))
    g, v = rng.normal(size=50), rng.uniform(0.5, 1.0, size=50)
    vic.set_particles(x, y, g, v, time=2.5)
    out = vic.particles
    for given, back in zip((x, y, g, v), out):
        assert np.array_equal(given, back)
        assert back.dtype == np.float64 and back.flags["C_CONTIGUOUS"]
    assert vic.time == 2.5 and vic.steps == 0


def test_bad_input_and_blow_up_raise_the_right_exceptions():
    with pytest.raises(ValueError, match="boundary 'open'"):
        Vic(0.1, 0.0, 0.01, boundary="open")
    with pytest.raises(ValueError, match="time step"):
        Vic(math.pi / 32, 0.0, -1.0)
    vic = Vic(math.pi / 32, 0.0, 0.01)
    with pytest.raises(ValueError, match="no particles"):
        vic.step()
    with pytest.raises(ValueError):
        vic.set_particles(np.array([1.0]), np.array([1.0, 2.0]), np.array([1.0]))
    vic = Vic.lamb_chaplygin("quick")
    with pytest.raises(ValueError, match="outside"):
        vic.velocity_at(np.array([[4.0, 1.0]]))
    with pytest.raises(ValueError, match="expected"):
        vic.velocity_at(np.zeros((3, 3)))
    # A vortex far too strong for dt: the CFL check stops the step.
    fast = Vic(math.pi / 32, 0.0, 1.0)
    fast.set_particles(np.array([1.5, 1.6]), np.array([1.5, 1.5]), np.array([50.0, 50.0]))
    with pytest.raises(RuntimeError, match="CFL"):
        fast.step()
