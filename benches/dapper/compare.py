"""Run DAPPER on the twin experiments of `cargo xtask reproduce da-benchmarks`.

Writes a CSV (first argument, default /tmp/dapper.csv) with the columns
system,method,n_members,inflation,loc_rad,rmse,spread,cycles,seconds_per_cycle
where `method` is OUR name of the scheme. Run it through run.sh, which pins
the DAPPER version these notes were checked against (dapper 1.7.1):

* 'PertObs' re-centres its perturbations: dapper/da_methods/ensemble.py:87
  `D = mean0(hnoise.sample(N))`, and mean0 (dapper/stats.py:755-761) calls
  center(..., rescale=True), which subtracts the ensemble mean AND rescales
  by sqrt(N/(N-1)) (dapper/stats.py:743-748). Ours (`centred-stochastic`)
  only subtracts the mean, so DAPPER's perturbations are sqrt(N/(N-1))
  larger (5 % at N = 10, 1 % at N = 40). Both use the exact R in the gain
  (ensemble.py:86 `C = Y.T @ Y + R.full * N1`).
* `infl` is posterior inflation: EnKF.assimilate calls
  `post_process(E, self.infl, self.rot)` right after EnKF_analysis
  (ensemble.py:59), which scales the analysis anomalies by `infl` and then,
  if rot, applies a random mean-preserving orthogonal matrix genOG_1
  (ensemble.py:244-257).
* Scores: `rmv` is an alias of `spread.rms` (stats.py:521), the square root
  of the mean over variables of the ensemble variance normalised by N-1
  (stats.py:306-312), as our spread; `rmse.a` / `rmv.a` are averaged over
  the analysis times t > BurnIn (stats.py:389, dapper/tools/chronos.py
  `masko`, strict inequality).
"""

import argparse
import csv
import time

import dapper
import dapper.da_methods as da
import dapper.mods as modelling
import dapper.tools.progressbar as progressbar
from dapper.mods.Lorenz63.sakov2012 import HMM as L63
from dapper.mods.Lorenz96.sakov2008 import HMM as L96

progressbar.disable_progbar = True  # no tqdm bars
dapper.rc.liveplotting = False  # no figures (also liveplots=False below)

# (our method name, DAPPER's EnKF arguments), as in da_benchmarks.rs.
SETUPS = {
    "lorenz63": (
        L63,
        [
            ("etkf-rotated", dict(upd_a="Sqrt", N=10, infl=1.02, rot=True)),
            ("centred-stochastic", dict(upd_a="PertObs", N=10, infl=1.04)),
            ("centred-stochastic", dict(upd_a="PertObs", N=100, infl=1.01)),
            ("etkf", dict(upd_a="Sqrt", N=3, infl=1.30)),
        ],
    ),
    "lorenz96": (
        L96,
        [
            ("centred-stochastic", dict(upd_a="PertObs", N=40, infl=1.06)),
            ("denkf", dict(upd_a="DEnKF", N=40, infl=1.01)),
            ("centred-stochastic", dict(upd_a="PertObs", N=28, infl=1.08)),
            ("etkf-rotated", dict(upd_a="Sqrt", N=24, infl=1.013, rot=True)),
            ("etkf-rotated", dict(upd_a="Sqrt", N=20, infl=1.04, rot=True)),
            # The LETKF: DAPPER's loc_rad = 4 is our Gaspari-Cohn half-width
            # 1.82 * 4 (dapper/tools/localization.py).
            ("etkf-rotated", dict(N=7, infl=1.04, rot=True, loc_rad=4)),
        ],
    ),
}
BURN_IN = {"lorenz63": 400, "lorenz96": 1000}  # cycles, as Twin::sakov20xx


def with_cycles(hmm, cycles, burn_in):
    """A copy of `hmm` with `cycles` analyses, the first `burn_in` unscored.

    DAPPER observes at t = (ko+1)*dto, ko = 0..Ko, and scores the times
    t > BurnIn; BurnIn halfway between cycles burn_in-1 and burn_in leaves
    out exactly the first `burn_in` analyses (no float ties).
    """
    hmm = hmm.copy()
    t = hmm.tseq
    hmm.tseq = modelling.Chronology(
        t.dt, dko=t.dko, Ko=cycles - 1, BurnIn=(burn_in + 0.5) * t.dto, Tplot=t.Tplot
    )
    assert hmm.tseq.masko.sum() == cycles - burn_in
    return hmm


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("csv", nargs="?", default="/tmp/dapper.csv")
    p.add_argument("--cycles", type=int, default=10_000)
    p.add_argument("--quick", action="store_true", help="1000 cycles, burn-in 200")
    p.add_argument("--seed", type=int, default=3000, help="row i uses seed+i")
    args = p.parse_args()

    fields = "system,method,n_members,inflation,loc_rad,rmse,spread,cycles,seconds_per_cycle"
    with open(args.csv, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(fields.split(","))
        i = 0
        for system, (hmm, rows) in SETUPS.items():
            cycles, burn_in = (1000, 200) if args.quick else (args.cycles, BURN_IN[system])
            hmm = with_cycles(hmm, cycles, burn_in)
            for method, kw in rows:
                dapper.set_seed(args.seed + i)
                i += 1
                xx, yy = hmm.simulate()  # truth from X0, as ours
                xp = da.LETKF(**kw) if "loc_rad" in kw else da.EnKF(**kw)
                start = time.perf_counter()
                xp.assimilate(hmm, xx, yy, liveplots=False)
                seconds = time.perf_counter() - start
                xp.stats.average_in_time()
                rmse, spread = xp.avrgs.rmse.a.val, xp.avrgs.rmv.a.val
                row = [system, method, kw["N"], kw["infl"], kw.get("loc_rad", "inf"), f"{rmse:.6g}",
                       f"{spread:.6g}", cycles, f"{seconds / cycles:.6g}"]
                out.writerow(row)
                f.flush()
                print(",".join(map(str, row)), flush=True)


if __name__ == "__main__":
    main()
