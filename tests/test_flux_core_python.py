"""flux-core 0.88's own Python tests, unchanged, under ``fluxsim start``.

Each file runs as flux-core's harness runs it: inside an instance of the
size its ``__flux_size()`` names (``IN_SUBFLUX=1 fluxsim start
--test-size=N python FILE``), with its TAP output read back.  On a real
flux-core 0.88.0 instance every one of these tests passes (see
``../shared/README.md``), so every test must pass here too, except those
listed in ``flux_core_known.py`` with their reasons; a listed test that
passes fails this check too, so that the list stays true.  The totals
are printed at the end of the run (``tests/conftest.py``).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flux_core_known import FILES, KNOWN_FAILURES, OUT_OF_SCOPE

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "flux-core-tests"
SUITE = SOURCE / "t" / "python"
_TAP = re.compile(r"^(ok|not ok) \d+ (\S+)")

pytestmark = pytest.mark.skipif(
    not SUITE.is_dir(), reason="flux-core's Python tests are not in ../shared/flux-core-tests")

def run_file(name, size, timeout=900):
    """Run one flux-core test file under ``fluxsim start``; ``{test: passed}``."""
    env = dict(os.environ, IN_SUBFLUX="1", FLUX_SOURCE_DIR=str(SOURCE))
    proc = subprocess.run(
        [sys.executable, "-m", "fluxsim.cli", "start", f"--test-size={size}",
         sys.executable, name],
        cwd=SUITE, env=env, capture_output=True, text=True, timeout=timeout)
    results = {}
    for line in proc.stdout.splitlines():
        match = _TAP.match(line)
        if match:
            results[match.group(2).removeprefix("__main__.")] = match.group(1) == "ok"
    return results, proc


@pytest.mark.parametrize("name", sorted(FILES))
def test_flux_core_file(name, record_property):
    if name in OUT_OF_SCOPE:
        pytest.skip(OUT_OF_SCOPE[name])
    results, proc = run_file(name, FILES[name])
    known = KNOWN_FAILURES.get(name, {})
    failed = {test for test, ok in results.items() if not ok}
    record_property("flux_core", (len(results) - len(failed), len(failed), len(results)))
    assert results, f"{name} ran no test:\n{proc.stderr[-3000:]}"
    unexpected = sorted(failed - set(known))
    assert not unexpected, f"{name}: failing {unexpected}\n{proc.stderr[-3000:]}"
    fixed = sorted(test for test in known if results.get(test))
    assert not fixed, f"{name}: listed as failing but passing now: {fixed}"
