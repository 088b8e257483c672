"""The member-space analysis (paper 2, eq. (2)) from numpy, against a dense
textbook Kalman update written here in numpy, and the Rust crate's own
identities (columns of F sum to zero, one draw per (seed, member, analysis))."""

import numpy as np
import pytest

from ensemble_kalman_particles import analysis

SEED = 0x5EED


def textbook_analysis(forecast, predicted, data, eps, r):
    """z_i^a = z_i + X A^T / (N-1) (A A^T / (N-1) + R)^{-1} (y + eps_i - H_i)."""
    n = forecast.shape[0]
    x = forecast - forecast.mean(axis=0)
    a = predicted - predicted.mean(axis=0)
    gain = x.T @ a / (n - 1) @ np.linalg.inv(a.T @ a / (n - 1) + r)
    return forecast + (data + eps - predicted) @ gain.T


def ensemble(n, m, k, seed=1):
    rng = np.random.default_rng(seed)
    forecast = rng.normal(size=(n, m))
    h = rng.normal(size=(m, k))
    return forecast, forecast @ h, rng.normal(size=k)


@pytest.mark.parametrize("n,k", [(8, 3), (5, 12)])
def test_coefficients_give_the_textbook_kalman_update(n, k):
    forecast, predicted, data = ensemble(n, 7, k)
    variances = np.linspace(0.5, 1.5, k)
    eps = analysis.perturbations(SEED, 0, n, variances)
    f = analysis.coefficients(predicted, data, eps, variances)
    expected = textbook_analysis(forecast, predicted, data, eps, np.diag(variances))
    np.testing.assert_allclose(f.apply(forecast), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f.matrix.sum(axis=0), 0.0, atol=1e-12)
    assert f.form == ("observation_space" if k <= n else "ensemble_space")
    other = "ensemble_space" if k <= n else "observation_space"
    g = analysis.coefficients(predicted, data, eps, variances, form=other)
    np.testing.assert_allclose(g.matrix, f.matrix, rtol=1e-9, atol=1e-12)


def test_a_dense_noise_covariance_is_the_textbook_update_too():
    forecast, predicted, data = ensemble(6, 4, 3)
    r = np.array([[1.0, 0.3, 0.0], [0.3, 2.0, 0.1], [0.0, 0.1, 0.5]])
    eps = analysis.perturbations(SEED, 2, 6, r)
    f = analysis.coefficients(predicted, data, eps, r)
    expected = textbook_analysis(forecast, predicted, data, eps, r)
    np.testing.assert_allclose(f.apply(forecast), expected, rtol=1e-10, atol=1e-12)


def test_the_scalar_example_of_the_crate_docs():
    # Worked out by hand in assim::analysis: F = [[-1/2, 1/4], [1/2, -1/4]].
    f = analysis.coefficients(
        np.array([[0.0], [2.0]]), np.array([1.5]), np.array([[0.5], [-0.5]]), np.array([2.0])
    )
    assert f.matrix.tolist() == [[-0.5, 0.25], [0.5, -0.25]]
    assert f.apply(np.array([[0.0], [2.0]])).tolist() == [[1.0], [1.5]]


def test_perturbations_depend_on_seed_member_and_analysis_only():
    r = np.array([0.5, 2.0])
    ten = analysis.perturbations(SEED, 3, 10, r)
    four = analysis.perturbations(SEED, 3, 4, r)
    assert np.array_equal(ten[:4], four)
    assert not np.array_equal(ten, analysis.perturbations(SEED, 4, 10, r))
    assert not np.array_equal(ten, analysis.perturbations(SEED + 1, 3, 10, r))
    many = analysis.perturbations(SEED, 0, 20000, r)
    np.testing.assert_allclose(many.mean(axis=0), 0.0, atol=0.05)
    np.testing.assert_allclose(many.var(axis=0), r, rtol=0.05)


def test_the_default_scheme_is_eq2_with_the_seeds_perturbations():
    forecast, predicted, data = ensemble(9, 5, 4)
    r = np.full(4, 0.3)
    by_scheme = analysis.Scheme().coefficients(predicted, data, r, SEED, 5)
    eps = analysis.perturbations(SEED, 5, 9, r)
    assert np.array_equal(by_scheme.matrix, analysis.coefficients(predicted, data, eps, r).matrix)


@pytest.mark.parametrize("method", analysis.methods())
def test_every_method_gives_the_kalman_mean_or_an_unbiased_one(method):
    # Deterministic methods give the Kalman mean exactly; the ETKF also its
    # covariance (H = I, linear).
    rng = np.random.default_rng(3)
    forecast = rng.normal(size=(12, 3))
    r = np.array([0.4, 0.9, 1.3])
    data = np.array([0.2, -0.1, 0.4])
    f = analysis.Scheme(method).coefficients(forecast, data, r, SEED, 0)
    a = f.apply(forecast)
    p = np.cov(forecast.T)
    gain = p @ np.linalg.inv(p + np.diag(r))
    kalman_mean = forecast.mean(0) + gain @ (data - forecast.mean(0))
    if method in ("denkf", "etkf", "etkf-rotated", "centred-stochastic"):
        np.testing.assert_allclose(a.mean(0), kalman_mean, atol=1e-12)
    if method in ("etkf", "etkf-rotated"):
        np.testing.assert_allclose(np.cov(a.T), (np.eye(3) - gain) @ p, atol=1e-12)


def test_inflation_scales_the_anomalies():
    rng = np.random.default_rng(4)
    forecast = rng.normal(size=(10, 2))
    r = np.array([1.0, 1.0])
    data = np.zeros(2)
    plain = analysis.Scheme("etkf").coefficients(forecast, data, r, SEED, 0).apply(forecast)
    inflated = analysis.Scheme("etkf", ("posterior", 1.5))
    assert inflated.inflation == ("posterior", 1.5)
    a = inflated.coefficients(forecast, data, r, SEED, 0).apply(forecast)
    np.testing.assert_allclose(a - a.mean(0), 1.5 * (plain - plain.mean(0)), atol=1e-12)


def test_localisation_with_a_wide_taper_is_the_global_analysis():
    rng = np.random.default_rng(5)
    forecast = rng.normal(size=(8, 6))
    r = np.full(6, 0.5)
    data = rng.normal(size=6)
    scheme = analysis.Scheme("etkf")
    distances = np.zeros((6, 6))
    local = scheme.local_coefficients(
        forecast, data, r, analysis.GaspariCohn(10.0), distances, SEED, 0
    )
    assert len(local) == 6
    a = local.apply(forecast, list(range(6)))
    g = scheme.coefficients(forecast, data, r, SEED, 0).apply(forecast)
    np.testing.assert_allclose(a, g, atol=1e-12)


def test_the_gaspari_cohn_taper_has_its_published_values():
    taper = analysis.GaspariCohn(1.0)
    w = taper(np.array([0.0, 1.0, 2.0, 3.0]))
    # 1 - 5/3 + 5/8 + 1/2 - 1/4 = 5/24 at x = 1.
    np.testing.assert_allclose(w, [1.0, 5.0 / 24.0, 0.0, 0.0], atol=1e-15)


def test_covariance_tapering_without_taper_is_the_stochastic_update():
    forecast, predicted, data = ensemble(7, 4, 3)
    r = np.full(3, 0.8)
    eps = analysis.perturbations(SEED, 0, 7, r)
    a = analysis.tapered_stochastic_update(
        forecast, predicted, data, r, eps, analysis.GaspariCohn(100.0),
        np.zeros((4, 3)), np.zeros((3, 3)),
    )
    expected = textbook_analysis(forecast, predicted, data, eps, np.diag(r))
    np.testing.assert_allclose(a, expected, rtol=1e-10, atol=1e-12)


def test_relaxation_to_prior_spread_restores_the_forecast_spread():
    rng = np.random.default_rng(6)
    forecast = rng.normal(size=(10, 3))
    analysed = 0.3 * forecast + 1.0
    relaxed = analysis.relax_to_prior_spread(forecast, analysed, 1.0)
    np.testing.assert_allclose(relaxed.std(0, ddof=1), forecast.std(0, ddof=1), rtol=1e-12)


def test_lorenz96_forecasts_match_a_numpy_rk4():
    model = analysis.Lorenz96(n=10, forcing=8.0, dt=0.01)
    x0 = 8.0 + np.random.default_rng(7).normal(size=(3, 10))

    def tendency(x):
        return (np.roll(x, -1, 1) - np.roll(x, 2, 1)) * np.roll(x, 1, 1) - x + 8.0

    x = x0.copy()
    for _ in range(20):
        k1 = tendency(x)
        k2 = tendency(x + 0.005 * k1)
        k3 = tendency(x + 0.005 * k2)
        k4 = tendency(x + 0.01 * k3)
        x = x + 0.01 / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    np.testing.assert_allclose(model.forecast(x0, 0.2), x, rtol=1e-12, atol=1e-12)
    assert model.n == 10


def test_bad_input_raises_value_errors_naming_it():
    with pytest.raises(ValueError, match="variance"):
        analysis.coefficients(np.zeros((3, 2)), np.zeros(2), np.zeros((3, 2)), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="member"):
        analysis.coefficients(np.zeros((1, 2)), np.zeros(2), np.zeros((1, 2)), np.ones(2))
    bad = np.zeros((3, 2))
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="member 1"):
        analysis.coefficients(bad, np.zeros(2), np.zeros((3, 2)), np.ones(2))
    with pytest.raises(ValueError, match="method 'kf'"):
        analysis.Scheme("kf")
    with pytest.raises(ValueError, match="RTPP"):
        analysis.Scheme("etkf", ("rtpp", 2.0))
    with pytest.raises(ValueError, match="half-width"):
        analysis.GaspariCohn(0.0)
    with pytest.raises(ValueError, match="square"):
        analysis.perturbations(1, 0, 3, np.ones((2, 3)))
