"""``flux job urgency``: hold, release and expedite a pending job, as flux-core 0.88 does.

Its words (hold, expedite, default, any case), ``-v``'s report of the old
urgency, and its errors: the job manager's (out of range, unknown job, job
inactive, resources already allocated) and its own (a word that is no job
id or no number; a negative number reaches the job manager as C reads it).

Expected output recorded from a real ``flux start --test-size=1``
(flux-core 0.88.0 with flux-sched 0.54.0), job ids replaced and broker log
lines left out; the program runs in ``fluxsim start`` and, where it exists,
in a real ``flux start`` too.
"""

import pytest

from dropin_support import STARTS, program_lines

PROGRAM = r"""exec 2>&1
b=$(flux submit -N1 -x sleep 300); flux job wait-event $b start >/dev/null
a=$(flux submit --urgency=hold true)
echo "== hold to 20"; flux job urgency -v $a 20; echo rc=$?
echo "== words"; flux job urgency -v $a EXPEDITE; echo rc=$?; flux job urgency -v $a default; echo rc=$?; flux job urgency --verbose $a Hold; echo rc=$?
echo "== out of range"; flux job urgency $a 32; echo rc=$?
echo "== negative"; flux job urgency $a -1; echo rc=$?
echo "== not a number"; flux job urgency $a 5x; echo rc=$?
echo "== bad id"; flux job urgency nojob 5; echo rc=$?
echo "== unknown job"; flux job urgency 123 5; echo rc=$?
echo "== arguments"; flux job urgency $a; echo rc=$?
flux jobs -n -o "{urgency} {priority} {state}" $a
echo "== running"; flux job urgency $b 5; echo rc=$?
flux cancel $a; flux job wait-event $a clean >/dev/null
echo "== inactive"; flux job urgency $a 5; echo rc=$?
flux cancel $b; flux job wait-event $b clean >/dev/null
"""

EXPECTED = [
    '== hold to 20',
    'old urgency: job held',
    'rc=0',
    '== words',
    'old urgency: 20',
    'rc=0',
    'old urgency: job expedited',
    'rc=0',
    'old urgency: 16',
    'rc=0',
    '== out of range',
    'flux-job: ID: urgency value is out of range',
    'rc=1',
    '== negative',
    'flux-job: ID: urgency value is out of range',
    'rc=1',
    '== not a number',
    'flux-job: error parsing urgency: "5x"',
    'rc=1',
    '== bad id',
    'flux-job: error parsing jobid: "nojob"',
    'rc=1',
    '== unknown job',
    'flux-job: 123: unknown job',
    'rc=1',
    '== arguments',
    'Usage: flux-job urgency [OPTIONS] id urgency',
    'Set job urgency (0-31, HOLD, EXPEDITE, DEFAULT)',
    '  -h, --help             Display this message.',
    '  -v, --verbose          Output old urgency value on success',
    'rc=1',
    '0 0 SCHED',
    '== running',
    'flux-job: ID: urgency cannot be changed once resources are allocated',
    'rc=1',
    '== inactive',
    'flux-job: ID: job is inactive',
    'rc=1',
]


@pytest.mark.parametrize("start", STARTS)
def test_urgency_as_flux_core(start, tmp_path):
    assert program_lines(start, PROGRAM, tmp_path, 1) == EXPECTED
