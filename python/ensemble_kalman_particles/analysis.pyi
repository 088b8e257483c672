"""The member-space analysis of paper 2, eq. (2); see analysis.py."""

from typing import final, List, Optional, Sequence, Tuple

import numpy as np
from numpy.typing import NDArray

_Array = NDArray[np.float64]
_Noise = _Array  # variances (K,) or a covariance matrix (K, K)
_InflationSpec = Optional[Tuple[str, float]]  # ("prior" | "posterior" | "rtpp", value)

@final
class Coefficients:
    """F (N x N): F[j, i] weighs forecast member j in member i's increment."""

    @property
    def matrix(self) -> _Array: ...
    @property
    def n_members(self) -> int: ...
    @property
    def form(self) -> str: ...
    def apply(self, forecast: _Array) -> _Array:
        """The analysis of an (N, m) ensemble: forecast + F.T @ forecast."""

@final
class LocalCoefficients:
    """The coefficients of every location of a localised analysis."""

    def __len__(self) -> int: ...
    def get(self, location: int) -> Coefficients: ...
    def apply(self, forecast: _Array, location_of: Sequence[int]) -> _Array: ...

@final
class GaspariCohn:
    """The Gaspari-Cohn taper of half-width c (support 2c)."""

    def __new__(cls, half_width: float) -> "GaspariCohn": ...
    @property
    def half_width(self) -> float: ...
    def __call__(self, distances: _Array) -> _Array: ...

@final
class Scheme:
    """A method (see methods()) and an optional inflation (kind, value)."""

    def __new__(cls, method: str = "stochastic", inflation: _InflationSpec = None) -> "Scheme": ...
    @property
    def method(self) -> str: ...
    @property
    def inflation(self) -> _InflationSpec: ...
    def coefficients(
        self, predicted: _Array, data: _Array, noise: _Noise, seed: int, analysis: int
    ) -> Coefficients: ...
    def perturbations(
        self, n_members: int, noise: _Noise, seed: int, analysis: int
    ) -> Optional[_Array]: ...
    def local_coefficients(
        self,
        predicted: _Array,
        data: _Array,
        noise: _Array,
        taper: GaspariCohn,
        distances: _Array,
        seed: int,
        analysis: int,
    ) -> LocalCoefficients: ...

@final
class Lorenz63:
    def __new__(
        cls, dt: float, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0
    ) -> "Lorenz63": ...
    def forecast(self, states: _Array, horizon: float) -> _Array: ...

@final
class Lorenz96:
    def __new__(cls, n: int = 40, forcing: float = 8.0, dt: float = 0.05) -> "Lorenz96": ...
    @property
    def n(self) -> int: ...
    def forecast(self, states: _Array, horizon: float) -> _Array: ...

def coefficients(
    predicted: _Array,
    data: _Array,
    perturbations: _Array,
    noise: _Noise,
    form: Optional[str] = None,
) -> Coefficients: ...
def perturbations(seed: int, analysis: int, n_members: int, noise: _Noise) -> _Array: ...
def methods() -> List[str]: ...
def tapered_stochastic_update(
    forecast: _Array,
    predicted: _Array,
    data: _Array,
    noise: _Noise,
    perturbations: _Array,
    taper: GaspariCohn,
    state_to_observation: _Array,
    observation_to_observation: _Array,
) -> _Array: ...
def relax_to_prior_spread(forecast: _Array, analysis: _Array, alpha: float) -> _Array: ...

__all__ = ["Coefficients", "LocalCoefficients", "Scheme", "GaspariCohn", "Lorenz63", "Lorenz96", "coefficients", "perturbations", "methods", "tapered_stochastic_update", "relax_to_prior_spread"]
