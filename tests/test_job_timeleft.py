"""``flux job timeleft``: the time a job, or the enclosing instance, has left.

As flux-core 0.88's (recorded on a real ``flux start --test-size=1``): whole
seconds, or a Flux Standard Duration with ``-H`` (libutil's ``%g`` form,
``1.66215m``); 4294967295 outside any job, where the instance has no end;
the job of ``FLUX_JOB_ID`` when none is named; and libjob's messages,
which name the job as it was given.  The seconds run down, so they are
checked against the time limit.  The program runs in ``fluxsim start`` and,
where it exists, in a real ``flux start`` too.
"""

import re

import pytest

from dropin_support import STARTS, program_lines

PROGRAM = r"""exec 2>&1
a=$(flux submit -t 100s sleep 300); flux job wait-event $a start >/dev/null
echo "== a job"; flux job timeleft $a; echo rc=$?
echo "== human"; flux job timeleft -H $a; echo rc=$?
echo "== inside"; flux run -t 1m sh -c 'flux job timeleft; flux job timeleft -H'; echo rc=$?
echo "== not in a job"; flux job timeleft; echo rc=$?
echo "== pending"; c=$(flux submit --urgency=hold true); flux job timeleft $c; echo rc=$?
echo "== bad"; flux job timeleft nojob; echo rc=$?; flux job timeleft 123; echo rc=$?
echo "== arguments"; flux job timeleft $a $a; echo rc=$?
flux cancel $a $c
"""

# (expected line, or a pattern and a check of its number)
EXPECTED = [
    "== a job", (r"(\d+)", lambda n: 90 < n <= 100), "rc=0",
    "== human", (r"(\d+(?:\.\d+)?)m", lambda m: 1.5 < m <= 100 / 60), "rc=0",
    "== inside", (r"(\d+)", lambda n: 50 < n <= 60), (r"(\d+(?:\.\d+)?)s", lambda s: 50 < s <= 60),
    "rc=0",
    "== not in a job", "4294967295", "rc=0",
    "== pending", "flux-job: job ID has not started", "rc=1",
    "== bad", "flux-job: failed to parse jobid nojob", "rc=1", "flux-job: 123: no such jobid", "rc=1",
    "== arguments",
    "Usage: flux-job timeleft [JOBID]",
    "Find remaining runtime for job or enclosing instance",
    "  -h, --help             Display this message.",
    "  -H, --human            Output in Flux Standard Duration instead of seconds.",
    "rc=1",
]


@pytest.mark.parametrize("start", STARTS)
def test_timeleft_as_flux_core(start, tmp_path):
    lines = program_lines(start, PROGRAM, tmp_path, 1)
    assert len(lines) == len(EXPECTED), lines
    for line, want in zip(lines, EXPECTED):
        if isinstance(want, str):
            assert line == want
        else:
            pattern, check = want
            match = re.fullmatch(pattern, line)
            assert match and check(float(match[1])), (line, pattern)
