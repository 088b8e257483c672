#!/usr/bin/env bash
# Run DAPPER on the twin experiments of `cargo xtask reproduce da-benchmarks`
# and write its RMSE, spread and wall time per analysis cycle to a CSV.
#
#   benches/dapper/run.sh [CSV] [--quick | --cycles N] [--seed S]
#
# CSV defaults to /tmp/dapper.csv. The virtual environment goes to
# $DAPPER_VENV (default /tmp/dapper-venv) and is reused when it already has
# the pinned DAPPER. Without python3, its venv module or PyPI, the comparison
# is skipped with a one-line message and exit status 0.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${DAPPER_VENV:-/tmp/dapper-venv}
# 1.7.1 is the newest DAPPER for Python 3.11 (1.7.2+ require 3.12);
# numpy and scipy pinned as well, since the scores depend on them.
pins=(dapper==1.7.1 numpy==2.4.6 scipy==1.17.1)

skip() { echo "DAPPER comparison skipped: $*"; exit 0; }

command -v python3 >/dev/null || skip "python3 is not installed"
if ! "$venv/bin/python" -c 'import importlib.metadata as m; assert m.version("dapper") == "1.7.1"' 2>/dev/null; then
    python3 -m venv "$venv" >/dev/null 2>&1 ||
        skip "python3's venv module is missing (Debian: apt-get install python3-venv)"
    echo "installing ${pins[*]} into $venv ..."
    "$venv/bin/pip" install --quiet --retries 1 --timeout 30 "${pins[@]}" >"$venv/install.log" 2>&1 ||
        skip "could not install ${pins[*]} from PyPI (no network? see $venv/install.log)"
fi

# The CSV path as given, made absolute since DAPPER runs in a scratch folder.
csv=/tmp/dapper.csv
if [[ $# -gt 0 && $1 != -* ]]; then csv=$(realpath -m "$1"); shift; fi

# DAPPER reads ./dpr_config.yaml and creates its data folder at import: keep
# both in a scratch folder (not ~/dpr_data) and turn liveplotting off.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'data_root: "$cwd"\nliveplotting: no\n' >"$work/dpr_config.yaml"

# No figures; one BLAS thread (the matrices are at most 100 x 100).
export MPLBACKEND=Agg OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
cd "$work"
"$venv/bin/python" "$here/compare.py" "$csv" "$@"
echo "wrote $csv"
