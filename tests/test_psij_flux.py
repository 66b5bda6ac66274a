"""PSI/J's Flux executor (psij-python, unchanged) on ``fluxsim start``.

``tests/programs/psij_flux.py`` submits, waits for, cancels, lists and
attaches jobs through ``JobExecutor.get_instance("flux")``, which uses
``flux.Flux``, ``flux.job.FluxExecutor``, ``job_list`` and ``cancel_async``.
Its output on a real ``flux start --test-size=2`` (flux-core 0.88.0,
flux-sched 0.54.0, psij-python 0.9.11) is ``REAL_FLUX``, PSI/J's own quirks
included (its ``list()`` misses the running job; a job attached by id ends
FAILED).
"""

import os
import subprocess
import sys

import pytest

pytest.importorskip("psij")

PROGRAM = os.path.join(os.path.dirname(__file__), "programs", "psij_flux.py")
REAL_FLUX = [
    "echo COMPLETED None",
    "false FAILED 1",
    "sleep CANCELED False",
    "attached FAILED",
    "unsat FAILED True",
]


def test_psij_flux_executor_behaves_as_on_real_flux(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "fluxsim.cli", "start", "--test-size=2", sys.executable, PROGRAM],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.stdout.splitlines() == REAL_FLUX, proc.stderr[-3000:]
    assert proc.returncode == 0
