"""Paper 2's twin experiments from scenario files (2D dipole, 1D advection), and
the reproductions of ``cargo xtask reproduce`` by figure id."""

from ._native import experiments as _native

DEFAULT_SEED = _native.DEFAULT_SEED
run_dipole = _native.run_dipole
run_advection = _native.run_advection
reproduce = _native.reproduce
figures = _native.figures

__all__ = ["DEFAULT_SEED", "run_dipole", "run_advection", "reproduce", "figures"]
