"""What crosses the boundary: float64 arrays of the documented shapes, in any
memory layout (a view that is not C-contiguous is copied once, giving the
same numbers), other dtypes and dimensions refused with a TypeError naming
the argument, wrong shapes with a ValueError; outputs are fresh
C-contiguous float64 arrays."""

import numpy as np
import pytest

from ensemble_kalman_particles import analysis, kinetic
from ensemble_kalman_particles.vic import Vic

SEED = 11


def problem():
    rng = np.random.default_rng(0)
    forecast = rng.normal(size=(6, 8))
    predicted = forecast[:, :3] * 2.0
    return forecast, predicted, rng.normal(size=3), np.full(3, 0.7)


def test_layouts_that_are_not_c_contiguous_give_the_same_bits():
    forecast, predicted, data, r = problem()
    eps = analysis.perturbations(SEED, 0, 6, r)
    reference = analysis.coefficients(predicted, data, eps, r)
    fortran = np.asfortranarray(predicted)
    strided = np.repeat(predicted, 2, axis=1)[:, ::2]
    reversed_rows = predicted[::-1][::-1]
    data_view = np.repeat(data, 2)[::2]
    for h in (fortran, strided, reversed_rows):
        assert not h.flags["C_CONTIGUOUS"] or h is reversed_rows
        f = analysis.coefficients(h, data_view, eps, r)
        assert np.array_equal(f.matrix, reference.matrix)
    z = np.asfortranarray(forecast)
    assert np.array_equal(reference.apply(z), reference.apply(forecast))
    assert np.array_equal(reference.apply(forecast.T.copy().T), reference.apply(forecast))


def test_outputs_are_c_contiguous_float64_of_the_documented_shapes():
    forecast, predicted, data, r = problem()
    f = analysis.Scheme("etkf").coefficients(predicted, data, r, SEED, 0)
    for out, shape in (
        (f.matrix, (6, 6)),
        (f.apply(forecast), (6, 8)),
        (analysis.perturbations(SEED, 0, 6, r), (6, 3)),
        (f.apply(np.zeros((6, 0))), (6, 0)),
    ):
        assert out.dtype == np.float64 and out.shape == shape
        assert out.flags["C_CONTIGUOUS"] and out.flags["OWNDATA"] or out.base is not None
    vic = Vic.lamb_chaplygin("quick")
    u = vic.velocity_at(np.array([[1.0, 1.0], [2.0, 1.5]]))
    assert u.dtype == np.float64 and u.shape == (2, 2) and u.flags["C_CONTIGUOUS"]
    p = kinetic.InverseProblem(np.array([[1.0, 0.0]]), np.array([1.0]), np.array([[1.0]]))
    assert kinetic.enkf(p, np.zeros((3, 2)) + np.arange(3)[:, None], 1, 1.0).shape == (3, 2)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.complex128, object])
def test_other_dtypes_are_refused_naming_the_argument(dtype):
    forecast, predicted, data, r = problem()
    eps = analysis.perturbations(SEED, 0, 6, r)
    with pytest.raises(TypeError, match="predicted"):
        analysis.coefficients(predicted.astype(dtype), data, eps, r)


def test_wrong_dimensions_and_shapes_are_refused():
    forecast, predicted, data, r = problem()
    eps = analysis.perturbations(SEED, 0, 6, r)
    with pytest.raises(TypeError, match="data"):
        analysis.coefficients(predicted, data[None, :], eps, r)
    with pytest.raises(TypeError, match="predicted"):
        analysis.coefficients(predicted.tolist(), data, eps, r)
    with pytest.raises(ValueError, match="perturbations"):
        analysis.coefficients(predicted, data, eps[:, :2], r)
    with pytest.raises(ValueError, match="noise covariance R"):
        analysis.coefficients(predicted, data, eps, np.ones((2, 2, 2)))
    f = analysis.coefficients(predicted, data, eps, r)
    with pytest.raises(ValueError, match="forecast"):
        f.apply(forecast[:4])
    with pytest.raises(ValueError, match="location_of"):
        analysis.Scheme("etkf").local_coefficients(
            predicted, data, r, analysis.GaspariCohn(1.0), np.zeros((8, 3)), SEED, 0
        ).apply(forecast, [0, 1])
