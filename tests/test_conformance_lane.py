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
