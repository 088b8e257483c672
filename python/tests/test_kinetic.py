"""Paper 1 from Python: the EnKF iteration on closed-form cases, a Python
forward map called once per iteration with all members, the moment ODEs
against the Riccati solution, the mean-field particles against the crate's
documented value."""

import numpy as np
import pytest

from ensemble_kalman_particles import kinetic


def test_one_step_moves_each_member_half_way():
    # G = 1, y = 1, Gamma^{-1} = 1, members 0 and 2: C = D = 1, dt = 1.
    p = kinetic.InverseProblem(np.array([[1.0]]), np.array([1.0]), np.array([[1.0]]))
    u = kinetic.enkf(p, np.array([[0.0], [2.0]]), 1, 1.0)
    np.testing.assert_allclose(u, [[0.5], [1.5]], atol=1e-15)


def test_a_python_map_is_called_once_per_iteration_and_matches_the_matrix():
    g = np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.3]])
    calls = []

    def forward(u):
        calls.append(u.shape)
        return u @ g.T

    y = np.array([1.0, 0.0, 0.5])
    gamma = np.diag([0.5, 1.0, 2.0])
    u0 = np.random.default_rng(1).normal(size=(20, 2))
    by_callable = kinetic.InverseProblem(forward, y, gamma, dim=2)
    by_matrix = kinetic.InverseProblem(g, y, gamma)
    a = kinetic.enkf(by_callable, u0, 15, 0.5, perturb=True, seed=9)
    b = kinetic.enkf(by_matrix, u0, 15, 0.5, perturb=True, seed=9)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert calls == [(20, 2)] * 15
    assert by_callable.misfit(np.zeros(2)) == pytest.approx(by_matrix.misfit(np.zeros(2)))


def test_errors_of_a_python_map_reach_the_caller():
    def raising(u):
        raise KeyError("from the map")

    p = kinetic.InverseProblem(raising, np.array([0.0]), np.array([[1.0]]), dim=1)
    with pytest.raises(KeyError, match="from the map"):
        kinetic.enkf(p, np.array([[0.0], [1.0]]), 1, 1.0)
    wrong = kinetic.InverseProblem(lambda u: u.T, np.array([0.0]), np.array([[1.0]]), dim=1)
    with pytest.raises(ValueError, match=r"has shape \(1, 3\), expected \(3, 1\)"):
        kinetic.enkf(wrong, np.zeros((3, 1)), 1, 1.0)
    nan = kinetic.InverseProblem(lambda u: np.full_like(u, np.inf), np.array([0.0]), np.array([[1.0]]), dim=1)
    with pytest.raises(ValueError, match="non-finite value at member 0"):
        kinetic.enkf(nan, np.array([[0.0], [1.0]]), 1, 1.0)
    good = kinetic.InverseProblem(np.eye(1), np.array([0.0]), np.array([[1.0]]))
    with pytest.raises(ValueError, match="member 1, component 0 is not finite"):
        kinetic.enkf(good, np.array([[0.0], [np.nan]]), 1, 1.0)
    with pytest.raises(ValueError, match="needs dim"):
        kinetic.InverseProblem(raising, np.array([0.0]), np.array([[1.0]]))
    with pytest.raises(ValueError, match="symmetric|positive"):
        kinetic.InverseProblem(np.eye(2), np.zeros(2), np.array([[1.0, 0.0], [0.0, -1.0]]))


def test_moments_follow_the_riccati_solution():
    # G = 1, Gamma^{-1} = 1: dC/dt = -C^2 H with H = 2 ... C(t) = C0 / (1 + 2 C0 t)
    # (the crate's example: C0 = 1, t = 1.5 gives 1/4).
    p = kinetic.InverseProblem(np.array([[1.0]]), np.array([2.0]), np.array([[1.0]]))
    times = np.array([0.5, 1.5, 4.0])
    means, covs = kinetic.moments(p, np.array([0.0]), np.array([[1.0]]), times)
    np.testing.assert_allclose(covs[:, 0, 0], 1 / (1 + 2 * times), rtol=1e-6)
    assert means.shape == (3, 1)
    callable_problem = kinetic.InverseProblem(lambda u: u, np.array([2.0]), np.array([[1.0]]), dim=1)
    with pytest.raises(ValueError, match="linear"):
        kinetic.moments(callable_problem, np.array([0.0]), np.array([[1.0]]), times)


def test_mean_field_particles_reach_the_documented_value():
    p = kinetic.InverseProblem(np.array([[1.0]]), np.array([0.0]), np.array([[1.0]]))
    out = kinetic.mean_field_particles(p, np.array([[-1.0], [1.0]]), np.array([1.0, 4.0]), 0.01)
    assert out.shape == (2, 2, 1)
    assert abs(out[1, 1, 0] - 1 / 3) < 1e-8
