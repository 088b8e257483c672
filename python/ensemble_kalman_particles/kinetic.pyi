"""Paper 1's kinetic EnKF; see kinetic.py."""

from typing import final, Callable, List, Optional, Tuple, Union

import numpy as np
from numpy.typing import NDArray

_Array = NDArray[np.float64]
_ForwardMap = Union[_Array, Callable[[_Array], _Array]]  # (K, d), or (J, d) -> (J, K)

@final
class InverseProblem:
    def __new__(
        cls,
        forward: _ForwardMap,
        data: _Array,
        noise_covariance: _Array,
        dim: Optional[int] = None,
    ) -> "InverseProblem": ...
    @property
    def dim(self) -> int: ...
    @property
    def observations(self) -> int: ...
    def forward(self, u: _Array) -> _Array: ...
    def misfit(self, u: _Array) -> float: ...

def enkf(
    problem: InverseProblem,
    ensemble: _Array,
    iterations: int,
    dt: float,
    *,
    perturb: bool = False,
    seed: int = 0,
) -> _Array: ...
def moments(
    problem: InverseProblem,
    mean: _Array,
    covariance: _Array,
    times: _Array,
    *,
    rtol: float = 1e-8,
    atol: float = 1e-10,
) -> Tuple[_Array, _Array]: ...
def mean_field_particles(
    problem: InverseProblem, ensemble: _Array, times: _Array, max_step: float
) -> _Array: ...

__all__ = ["InverseProblem", "enkf", "moments", "mean_field_particles"]
