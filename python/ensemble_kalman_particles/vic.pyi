"""The 2D Vortex-In-Cell solver; see vic.py."""

from typing import final, Any, Dict, List, Optional, Tuple

import numpy as np
from numpy.typing import NDArray

_Array = NDArray[np.float64]

@final
class Vic:
    """A Vortex-In-Cell flow on [0, length]^2 (stress-free walls or periodic)."""

    def __new__(
        cls,
        particle_spacing: float,
        viscosity: float,
        dt: float,
        *,
        length: float = ...,
        boundary: str = "walls",
        eps: Optional[float] = None,
        remesh_every: int = 0,
        eps_omega: float = 0.0,
        diffusion: str = "pse",
        pse_tolerance: float = ...,
        cfl_limit: float = ...,
    ) -> "Vic": ...
    @staticmethod
    def lamb_chaplygin(
        discretisation: str = "member",
        *,
        center: Optional[Tuple[float, float]] = None,
        radius: Optional[float] = None,
        speed: Optional[float] = None,
        alpha: Optional[float] = None,
        viscosity: Optional[float] = None,
    ) -> "Vic": ...
    def set_particles(
        self,
        x: _Array,
        y: _Array,
        strengths: _Array,
        volumes: Optional[_Array] = None,
        time: float = 0.0,
    ) -> None: ...
    @property
    def particles(self) -> Tuple[_Array, _Array, _Array, _Array]: ...
    @property
    def time(self) -> float: ...
    @property
    def steps(self) -> int: ...
    @property
    def dt(self) -> float: ...
    @property
    def particle_spacing(self) -> float: ...
    def nodes(self) -> Tuple[_Array, _Array]: ...
    def step(self) -> None: ...
    def advance(self, steps: int) -> None: ...
    def velocity_at(self, points: _Array) -> _Array: ...
    def vorticity(self) -> _Array: ...
    def diagnostics(self) -> Dict[str, Any]: ...

__all__ = ["Vic"]
