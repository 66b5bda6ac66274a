"""Fluxion's job annotations (RFC 27) as ``flux jobs`` and the eventlog show them.

``tests/programs/fluxion_annotations.py`` runs under the easy queue policy
on one node of two cores: a job reserved behind a running one carries
``sched.t_estimate`` (the running job's expiration) and
``sched.selection_type = "reserved"``, the job behind it none; memos sit
beside them under ``user``; cancelling a pending job clears them all; a
reserved job that starts keeps ``selection_type`` (and its memo) in its
``alloc`` event, without the estimate.  ``REAL_FLUX`` is that program's
output on a real ``flux start`` (flux-core 0.88.0, flux-sched 0.54.0).
Objects compare as objects: the order of ``user`` and ``sched`` depends on
whether the memo or the scheduler's loop came first.
"""

import json
import os
import subprocess
import sys

import pytest

from fluxexec_support import NO_REAL_FLUX, real_flux_command

PROGRAM = os.path.join(os.path.dirname(__file__), "programs", "fluxion_annotations.py")
EASY = '[sched-fluxion-qmanager]\nqueue-policy = "easy"\n'
REAL_FLUX = [
    ["pending", "running", {"sched": {"selection_type": "immediate"}}],
    ["pending", "reserved", {"sched": {"t_estimate": 0.0, "selection_type": "reserved"},
                             "user": {"foo": 1}}],
    ["pending", "behind", {"user": {"bar": 2}}],
    ["alloc event", "running", {"sched": {"selection_type": "immediate"}}],
    ["cancelled", "reserved", {}],
    ["cancelled", "behind", {}],
    ["alloc event", "reserved", {"user": {"foo": 1}, "sched": {"selection_type": "reserved"}}],
    ["inactive", "reserved", {"user": {"foo": 1}, "sched": {"selection_type": "reserved"}}],
]


def _run(start, python, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "sched.toml").write_text(EASY)
    proc = subprocess.run([*start, "--test-size=1", "-c", str(tmp_path / "conf"), *python, PROGRAM],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_annotations_on_fluxsim_are_real_fluxions(tmp_path):
    assert _run([sys.executable, "-m", "fluxsim.cli", "start"], [sys.executable], tmp_path) == REAL_FLUX


@pytest.mark.real
@pytest.mark.skipif(real_flux_command() is None, reason=NO_REAL_FLUX)
def test_recorded_annotations_are_real_fluxs(tmp_path):
    assert _run([real_flux_command(), "start"], ["flux", "python"], tmp_path) == REAL_FLUX
