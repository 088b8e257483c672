"""Paper 1 (Herty & Visconti): the EnKF iteration for a matrix or a Python
forward map, the moment ODEs, and the mean-field interacting particles."""

from ._native import kinetic as _native

InverseProblem = _native.InverseProblem
enkf = _native.enkf
moments = _native.moments
mean_field_particles = _native.mean_field_particles

__all__ = ["InverseProblem", "enkf", "moments", "mean_field_particles"]
