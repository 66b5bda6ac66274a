"""``flux alloc --bg``: a nested instance left running, as flux-core 0.88 starts one.

The command waits until the instance is up (its ``uri`` memo, then the
child broker's ``state-machine.wait``) and prints the job id; the instance
runs no initial program (``-Sbroker.rc2_none``) and serves until the job
is cancelled or reaches its time limit (finish status 256 either way).  A
job that ends before its instance is up fails the command after printing
what ``flux job attach`` shows.

Expected output recorded from a real ``flux start --test-size=2`` with
sched-simple (flux-core 0.88.0), job ids and seconds replaced; the program
runs in ``fluxsim start`` and, where it exists, in a real ``flux start``
too (``FLUX_URI_RESOLVE_LOCAL``: the instance's ``ssh://`` uri is reached
locally, for a machine without ssh).
"""

import re

import pytest

from dropin_support import STARTS, program_lines

PROGRAM = r"""exec 2>&1
export FLUX_URI_RESOLVE_LOCAL=t
ev() { flux job wait-event -t 30 $1 clean >/dev/null; flux job eventlog $1 | grep -E "exception|finish" | cut -d' ' -f2- | sed 's/userid=[0-9]*/userid=U/'; }
echo "== up in the background"
id=$(flux alloc --bg -N1); echo rc=$?
flux jobs -n -o "{state}" $id
FLUX_URI=$(flux uri --local $id) flux getattr instance-level
echo "== verbose"
v=$(flux alloc --bg -v -N1 -n1); echo rc=$?
echo "== cancelled"
flux cancel $id; ev $id
echo "== time limit"
ev $(flux alloc --bg -N1 -t 3s)
echo "== never starts"
flux alloc --bg -N3; echo rc=$?
flux cancel $v; ev $v
"""

EXPECTED = [
    '== up in the background',
    'rc=0',
    'RUN',
    '1',
    '== verbose',
    'ID:  Ts: waiting for resources',
    'ID:  Ts: resources allocated',
    'ID:  Ts: waiting for instance',
    'ID:  Ts: ready',
    'rc=0',
    '== cancelled',
    'exception type="cancel" severity=0 note="" userid=U',
    'finish status=256',
    '== time limit',
    'exception type="timeout" severity=0 userid=U note="resource allocation expired"',
    'finish status=256',
    '== never starts',
    'Ts: job.exception ID type=alloc severity=0 unsatisfiable request: need 3 exclusive node(s), only 2 eligible',
    'flux-alloc: ERROR: ID: unexpectedly exited',
    'rc=1',
    'exception type="cancel" severity=0 note="" userid=U',
    'finish status=256',
]


def _normalized(lines):
    return [re.sub(r"\d+\.\d{3}s:", "Ts:", line) for line in lines]


@pytest.mark.parametrize("start", STARTS)
def test_alloc_bg_as_flux_core(start, tmp_path):
    lines = program_lines(start, PROGRAM, tmp_path, 2, "--conf=modules.alternatives.sched=sched-simple")
    assert _normalized(lines) == EXPECTED
