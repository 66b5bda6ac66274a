"""Parsl's own FluxExecutor (``parsl.executors.FluxExecutor``, unchanged) on fluxsim.

Parsl's ``test_flux.py`` (shipped in the parsl wheel) runs inside ``fluxsim
start``: the executor finds fluxsim's ``flux`` command on PATH, starts a
nested instance with it, imports the ``flux`` package that instance names
and submits through ``flux.job.FluxExecutor`` across processes.  On a real
``flux start`` (flux-core 0.88.0, the bindings on PYTHONPATH) the file
gives 10 passed, none skipped or failed; so must fluxsim.
"""

import os
import re
import subprocess
import sys

import pytest

parsl = pytest.importorskip("parsl")

TESTS = os.path.join(os.path.dirname(parsl.__file__), "tests")
#: recorded on flux-core 0.88.0: ``flux start pytest parsl/tests/test_flux.py --config local``
REAL_FLUX = {"passed": 10}


@pytest.mark.skipif(not os.path.exists(os.path.join(TESTS, "test_flux.py")),
                    reason="the parsl wheel ships no tests/test_flux.py")
def test_parsl_test_flux_gives_real_fluxs_counts(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "fluxsim.cli", "start", sys.executable, "-m", "pytest", "-q",
         "-p", "no:cacheprovider", os.path.join(TESTS, "test_flux.py"), "--config", "local"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|skipped|error)",
                                                     summary)}
    assert counts == REAL_FLUX, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0
