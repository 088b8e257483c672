"""The papers' experiments; see experiments.py."""

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

_PathLike = Union[str, "os.PathLike[str]"]

DEFAULT_SEED: int

def run_dipole(
    scenario: Optional[_PathLike] = None,
    *,
    quick: bool = False,
    seed: int = ...,
    filters: Optional[Sequence[str]] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    out: Optional[_PathLike] = None,
    resume: bool = False,
) -> Dict[str, Any]: ...
def run_advection(
    scenario: Optional[_PathLike] = None,
    *,
    filter: str = "remesh",
    quick: bool = False,
    seed: int = ...,
) -> Dict[str, Any]: ...
def reproduce(
    ids: Sequence[str],
    *,
    out: _PathLike = ...,
    quick: bool = False,
    seed: int = ...,
    seeds: int = 1,
    config: Optional[_PathLike] = None,
    resume: bool = False,
    stop_after: Optional[int] = None,
) -> List[Dict[str, Any]]: ...
def figures() -> List[str]: ...

__all__ = ["DEFAULT_SEED", "run_dipole", "run_advection", "reproduce", "figures"]
