"""Ctrl-C in a long call: a child process is sent SIGINT in the middle of a
checkpointed 2D run and of a long `Vic.advance`; each raises
KeyboardInterrupt, leaves only complete files, and the run resumed from its
checkpoint gives the uninterrupted table bit for bit."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from ensemble_kalman_particles import experiments

# Each child restores Python's Ctrl-C handler: a process started in the
# background by a non-interactive shell inherits SIGINT ignored, and Python
# then leaves it ignored (the tests would wait for an interrupt that never
# comes).
CHILD_RUN = """
import pathlib, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from ensemble_kalman_particles import experiments
out, marker = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def progress(steps, total):
    if steps > 0.4 * total and not marker.exists():
        marker.write_text("past 40 %")
try:
    experiments.run_dipole(quick=True, out=out, progress=progress)
except KeyboardInterrupt:
    sys.exit(42)
sys.exit(0)
"""

CHILD_ADVANCE = """
import pathlib, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from ensemble_kalman_particles.vic import Vic
marker = pathlib.Path(sys.argv[1])
vic = Vic.lamb_chaplygin("quick")
marker.write_text("started")
try:
    vic.advance(10**7)
except KeyboardInterrupt:
    done = vic.steps
    vic.step()  # the flow is whole: it steps on
    print(done, vic.steps)
    sys.exit(42)
sys.exit(0)
"""


def interrupt_when(marker: Path, child: subprocess.Popen, timeout=600):
    start = time.monotonic()
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() - start < timeout, "the child never got there"
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=timeout)
    return child.returncode, out, err


def test_an_interrupted_dipole_run_leaves_whole_files_and_resumes_bit_for_bit(
    tmp_path, dipole_quick
):
    out, marker = tmp_path / "run", tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_RUN, str(out), str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    code, _, err = interrupt_when(marker, child)
    assert code == 42, err
    checkpoint = out / "checkpoint"
    names = sorted(p.name for p in checkpoint.iterdir())
    assert not [n for n in names if n.endswith((".partial", ".removed"))], names
    latest = json.loads((checkpoint / "latest.json").read_text())
    assert latest, "latest.json is whole JSON"
    # Every file a checkpoint's manifest lists is there with its size (the
    # resume below checks the checksums too).
    manifests = list(checkpoint.glob("after-*/manifest.json"))
    assert manifests
    for manifest in manifests:
        entries = json.loads(manifest.read_text())["value"]["files"]
        assert entries
        for entry in entries:
            assert (manifest.parent / entry["file"]).stat().st_size == entry["bytes"]
    resumed = experiments.run_dipole(quick=True, out=out, resume=True)
    for name in ("time", "e_omega", "mean_particles", "per_member"):
        assert np.array_equal(resumed[name], dipole_quick[name]), name
    assert resumed["filter"] == dipole_quick["filter"]
    assert resumed["stage"] == dipole_quick["stage"]


def test_an_interrupted_advance_stops_between_steps(tmp_path):
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_ADVANCE, str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    code, out, err = interrupt_when(marker, child)
    assert code == 42, err
    done, after = map(int, out.split())
    assert 0 <= done < 10**7 and after == done + 1


def test_other_threads_run_while_a_long_call_runs():
    # A long call releases the GIL: another Python thread ticks *during* it.
    # The call is made long enough (calibrated on this machine) that a
    # thread sleeping 10 ms at a time must tick inside it unless the GIL is
    # held throughout; only ticks stamped between the call's start and end
    # count.
    import threading

    from ensemble_kalman_particles.vic import Vic

    vic = Vic.lamb_chaplygin("quick")
    start = time.monotonic()
    vic.advance(5)
    per_step = max(time.monotonic() - start, 1e-6) / 5
    steps = max(5, int(0.5 / per_step))

    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    thread = threading.Thread(target=tick)
    thread.start()
    time.sleep(0.05)
    begin = time.monotonic()
    vic.advance(steps)
    end = time.monotonic()
    stop.set()
    thread.join()
    during = [t for t in ticks if begin < t < end]
    assert len(during) >= 3, (len(during), end - begin)
