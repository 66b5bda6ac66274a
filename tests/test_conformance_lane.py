"""The real lane on a machine whose Flux cannot serve it.

Without a ``flux`` command every real test skips with one reason; with one
whose Python bindings do not import in pytest's interpreter (the ``flux``
extra missing: cffi, ply, pyyaml) every case would fail alike, so the
session stops at once with one usage error naming the problem and the cure.
"""

import os
import subprocess
import sys

FAILING_PYTHON = """#!/bin/sh
# a flux install whose bindings do not import: `flux python` fails
if [ "$1" = python ]; then echo "ModuleNotFoundError: No module named '_cffi_backend'" >&2; exit 1; fi
exit 0
"""


def _real_lane(tmp_path, path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLUX_URI")}
    env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs",
         "conformance", "--flux-backend=real", "-k", "test_submit_invalid_jobspec"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_bindings_that_do_not_import_stop_the_real_lane_with_one_reason(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    flux = bin_dir / "flux"
    flux.write_text(FAILING_PYTHON)
    flux.chmod(0o755)
    proc = _real_lane(tmp_path, f"{bin_dir}{os.pathsep}{os.path.dirname(sys.executable)}")
    assert proc.returncode == 4, proc.stdout + proc.stderr  # pytest's usage error
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, proc.stderr
    assert "--flux-backend=real:" in errors[0] and "could not import flux" in errors[0]
    assert "_cffi_backend" in errors[0]


def test_without_flux_the_real_lane_skips(tmp_path):
    proc = _real_lane(tmp_path, os.path.dirname(sys.executable))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " skipped" in proc.stdout and "passed" not in proc.stdout and "error" not in proc.stdout


def test_the_summary_counts_cases_per_scheduler_and_policy(tmp_path):
    """completion-starts-next has no configuration: it runs on sched-simple and on
    Fluxion's defaults (first, fcfs); hinode-five-singles is Fluxion's only, with
    match-policy hinode and the default queue policy."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs",
         "conformance", "-k", "completion-starts-next or hinode-five-singles"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert ("conformance: 3/3 cases agreed (backend=sim; fluxion 2/2, sched-simple 1/1)"
            in lines), proc.stdout
    assert ("conformance by policy: fluxion first/fcfs 1/1, fluxion hinode/fcfs 1/1, "
            "sched-simple 1/1" in lines), proc.stdout


def test_a_pending_job_is_observed_only_after_its_scheduler_answered():
    """Fluxion denied an unsatisfiable job more than 0.15 s after its priority event on
    a loaded machine, and the real lane observed the job pending.  Here the scheduler is
    busy for 0.5 s and its answer (an exception, then clean) comes as it gets to the job;
    the observation must see the job's clean."""
    import threading
    import time
    import types

    from conformance.backends import RealInstance
    from conformance.session import STABLE_EVENTS

    answered = threading.Event()
    t0 = time.monotonic()

    def rpc(topic, *args, **kwargs):
        def get():
            if topic == "sched-fluxion-qmanager.stats-get":
                time.sleep(max(0.0, t0 + 0.5 - time.monotonic()))  # busy, then answers the job
                answered.set()
            return {}
        return types.SimpleNamespace(get=get)

    def last_event():
        return "clean" if answered.is_set() else "priority"

    instance = RealInstance.__new__(RealInstance)  # settling needs a handle and a scheduler
    instance.handle = types.SimpleNamespace(rpc=rpc)
    instance.scheduler = "fluxion"
    instance.settle(lambda: last_event() in STABLE_EVENTS, lambda: last_event() == "priority")
    assert last_event() == "clean"
