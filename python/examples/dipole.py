"""The Lamb-Chaplygin dipole assimilated by Remesh-EnKF (paper 2, Section 5).

The coarse ("quick") version of the paper's 2D twin experiment: a truth
observed through its velocity at fixed points, a free-running ensemble and
one analysed by Remesh-EnKF, the ensemble L2 vorticity error e_omega before
and after every analysis. The same numbers as
`cargo xtask reproduce fig18 --quick` for these two ensembles.

Run:  python python/examples/dipole.py
"""

import sys

from ensemble_kalman_particles import experiments


shown = [-1]


def progress(steps, total):
    """Called by the run as solver steps are done (from its threads)."""
    percent = 100 * steps // total
    if percent != shown[0]:
        shown[0] = percent
        print(f"\r{percent:3d} %", end="", file=sys.stderr, flush=True)


table = experiments.run_dipole(quick=True, filters=["free_run", "remesh_enkf"], progress=progress)
print(file=sys.stderr)

print(f"{'filter':<12} {'time':>5} {'stage':<9} {'e_omega':>10}")
for f, t, s, e in zip(table["filter"], table["time"], table["stage"], table["e_omega"]):
    if s != "between":
        print(f"{f:<12} {t:5.1f} {s:<9} {e:10.4f}")

final = {f: e for f, s, e in zip(table["filter"], table["stage"], table["e_omega"]) if s != "prior"}
print(f"final e_omega: free run {final['free_run']:.4f}, Remesh-EnKF {final['remesh_enkf']:.4f}")
if not final["remesh_enkf"] < final["free_run"]:
    raise SystemExit("Remesh-EnKF did not beat the free run")
