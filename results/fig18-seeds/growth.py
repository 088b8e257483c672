#!/usr/bin/env python3
"""Growth of e_omega between analyses over several fig18 runs (seeds).

Usage: python3 results/fig18-seeds/growth.py DIR...   (each DIR holds a
fig18.csv written by `cargo xtask reproduce fig18 --seed S --out ...`).

For every ensemble and every window after the first (t = k to k + 1), the
error just after the analysis that opens it (the free run: its forecast
there) against the forecast error at its end, and the largest error
measured inside it (the paper scenario measures every 0.1). Prints, per
window and ensemble, in how many runs the error grew (closing > opening),
the median ratio closing / opening and the median peak / opening, and a
summary per ensemble. Standard library only.
"""

import csv
import statistics
import sys
from pathlib import Path

ENSEMBLES = ("free_run", "remesh_enkf", "part_enkf")


def windows(path):
    """{ensemble: {k: (opening, closing, peak)}} of one fig18.csv."""
    rows = list(csv.DictReader(open(path, newline="")))
    out = {}
    for ensemble in ENSEMBLES:
        mine = [r for r in rows if r["filter"] == ensemble]
        opening_stage = "forecast" if ensemble == "free_run" else "analysis"
        last = max(int(r["analysis"]) for r in mine)
        per = {}
        for k in range(1, last):
            def of(analysis, stage):
                return [float(r["e_omega"]) for r in mine
                        if int(r["analysis"]) == analysis and r["stage"] == stage]
            start, end = of(k, opening_stage), of(k + 1, "forecast")
            if not start or not end:
                continue
            peak = max([start[0], end[0], *of(k, "between")])
            per[k] = (start[0], end[0], peak)
        out[ensemble] = per
    return out


def main(dirs):
    runs = [windows(Path(d) / "fig18.csv") for d in dirs]
    print(f"{len(runs)} runs: {', '.join(dirs)}")
    for ensemble in ENSEMBLES:
        print(f"\n{ensemble}: window, runs with growth, median closing/opening, "
              "median peak/opening")
        grew_total = count_total = 0
        for k in sorted(set().union(*(r[ensemble].keys() for r in runs))):
            got = [r[ensemble][k] for r in runs if k in r[ensemble]]
            grew = sum(1 for s, e, _ in got if e > s)
            ratio = statistics.median(e / s for s, e, _ in got)
            peak = statistics.median(p / s for s, _, p in got)
            grew_total += grew
            count_total += len(got)
            print(f"  t = {k}-{k + 1}: {grew}/{len(got)}  {ratio:.3f}  {peak:.3f}")
        print(f"  all windows: grew in {grew_total} of {count_total}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
