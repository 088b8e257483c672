"""Ensemble Kalman methods on particle and kinetic descriptions.

Four modules, each a thin layer over the workspace's Rust crates:

* :mod:`ensemble_kalman_particles.analysis` -- the member-space analysis of
  paper 2, eq. (2), every scheme, localisation, Lorenz-63/96;
* :mod:`ensemble_kalman_particles.vic` -- the 2D Vortex-In-Cell solver;
* :mod:`ensemble_kalman_particles.kinetic` -- paper 1's EnKF iteration, moment
  ODEs and mean-field particles;
* :mod:`ensemble_kalman_particles.experiments` -- the papers' twin experiments
  and reproductions by figure id.

Arrays are float64 numpy arrays; results are bit-identical to the Rust code
for the same seed.
"""

from . import analysis, experiments, kinetic, vic

__all__ = ["analysis", "experiments", "kinetic", "vic"]
