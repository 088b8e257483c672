"""The member-space analysis of paper 2, eq. (2), on ``(N, m)`` float64 arrays.

Every scheme of the Rust crate ``assim`` (stochastic EnKF, centred, DEnKF,
ETKF, rotated ETKF; prior/posterior inflation, RTPP), localisation (local
analyses with a Gaspari-Cohn taper, covariance tapering), relaxation to prior
spread, and the Lorenz-63/96 test-beds. Results are bit-identical to Rust.
"""

from ._native import analysis as _native

Coefficients = _native.Coefficients
LocalCoefficients = _native.LocalCoefficients
Scheme = _native.Scheme
GaspariCohn = _native.GaspariCohn
Lorenz63 = _native.Lorenz63
Lorenz96 = _native.Lorenz96
coefficients = _native.coefficients
perturbations = _native.perturbations
methods = _native.methods
tapered_stochastic_update = _native.tapered_stochastic_update
relax_to_prior_spread = _native.relax_to_prior_spread

__all__ = [
    "Coefficients",
    "LocalCoefficients",
    "Scheme",
    "GaspariCohn",
    "Lorenz63",
    "Lorenz96",
    "coefficients",
    "perturbations",
    "methods",
    "tapered_stochastic_update",
    "relax_to_prior_spread",
]
