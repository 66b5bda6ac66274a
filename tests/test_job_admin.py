"""``flux job killall``, ``raiseall``, ``purge`` and ``stats``: the instance-wide job commands.

Recorded on a real ``flux start`` (flux-core 0.88.0).  The program covers
job-list's statistics (empty, with jobs in each state, after purges:
``inactive_purged``), killall's dry run, ``--force``, ``--signal`` and
``--user`` and their errors, raiseall's type and note, ``--severity``,
``--states`` and their errors (its exception event is awaited, as the
eventlog may lag the response), purge by count and by id (dry run and
``--force``; an active job, an unknown id) with its errors, the usages, and
the subcommands in ``flux job``'s list.  It runs in ``fluxsim start`` and,
where it exists, in a real ``flux start`` too.
"""

import pytest

from dropin_support import STARTS, program_lines

PROGRAM = r"""exec 2>&1
echo "== stats empty"; flux job stats
flux run true; a=$(flux submit sleep 100); b=$(flux submit --urgency=hold true); flux job wait-event $a start >/dev/null
echo "== stats"; flux job stats
echo "== killall"; flux job killall; echo rc=$?; flux job killall -u nosuchuser; echo rc=$?; flux job killall -s FOO; echo rc=$?; flux job killall x; echo rc=$?; flux job killall --user=all -s 9; echo rc=$?
flux job killall -f -s TERM; echo rc=$?; flux job wait-event $a clean >/dev/null
echo "== raiseall"; flux job raiseall; echo rc=$?; flux job raiseall test; echo rc=$?; flux job raiseall -S inactive t; echo rc=$?; flux job raiseall -S foo t; echo rc=$?
flux job raiseall -s 9 -f t; echo rc=$?; flux job raiseall -f "bad type"; echo rc=$?; flux job raiseall -s x t; echo rc=$?; flux job raiseall -S run -f t; echo rc=$?
flux job raiseall -f --states=sched,priority test2 a note here; echo rc=$?; flux job wait-event $b exception | sed 's/^[0-9.]* //'
flux job raiseall -s 0 -f cancel; echo rc=$?; flux job wait-event $b clean >/dev/null
echo "== purge"; flux job purge; echo rc=$?; flux job purge --num-limit=1; echo rc=$?; flux job purge -f --num-limit=2; echo rc=$?
flux job purge --age-limit=x; echo rc=$?; flux job purge --num-limit=-5; echo rc=$?; flux job purge f123; echo rc=$?; flux job purge --batch=0; echo rc=$?; flux job purge --batch=x; echo rc=$?
c=$(flux submit sleep 100); flux job purge $c; echo rc=$?; flux cancel $c; flux job wait-event $c clean >/dev/null; flux job purge $c; echo rc=$?; flux job purge -f $c; echo rc=$?; flux job purge -f; echo rc=$?
echo "== stats after"; flux job stats; flux job purge --help
echo "== usage"; flux job 2>&1 | grep -E "all|stats|purge"
"""

EXPECTED = [
    '== stats empty',
    '{"job_states":{"depend":0,"priority":0,"sched":0,"run":0,"cleanup":0,"inactive":0,"total":0},"successful":0,"failed":0,"canceled":0,"timeout":0,"inactive_purged":0,"queues":[]}',
    '== stats',
    '{"job_states":{"depend":0,"priority":0,"sched":1,"run":1,"cleanup":0,"inactive":1,"total":3},"successful":1,"failed":0,"canceled":0,"timeout":0,"inactive_purged":0,"queues":[]}',
    '== killall',
    'flux-job: Command matched 1 jobs (-f to confirm)',
    'rc=0',
    'flux-job: unknown user nosuchuser',
    'rc=1',
    'flux-job: killall: Invalid signal FOO',
    'rc=1',
    'Usage: flux-job killall [OPTIONS]',
    'Send signal to multiple running jobs',
    '  -h, --help             Display this message.',
    '  -s, --signal=SIG       Send signal SIG (default SIGTERM)',
    "  -u, --user=USER        Set target user or 'all' (instance owner only)",
    '  -f, --force            Confirm the command',
    'rc=1',
    'flux-job: Command matched 1 jobs (-f to confirm)',
    'rc=0',
    'flux-job: Terminated 1 jobs (0 errors)',
    'rc=0',
    '== raiseall',
    'Usage: flux-job raiseall OPTIONS type [message ...]',
    'Raise an exception on multiple jobs.',
    '  -h, --help             Display this message.',
    '  -s, --severity=N       Set exception severity [0-7] (0 is fatal, default=7)',
    "  -u, --user=USER        Set target user or 'all' (instance owner only)",
    '  -S, --states=STATES    Set target job states (default=ACTIVE)',
    '  -f, --force            Confirm the command',
    'rc=1',
    'flux-job: Command matched 1 jobs (-f to confirm)',
    'rc=0',
    'flux-job: Exceptions cannot be raised on inactive jobs',
    'rc=1',
    'flux-job: error parsing --states: foo is unknown',
    'rc=1',
    'flux-job: raiseall: invalid exception severity',
    'rc=1',
    'flux-job: raiseall: invalid exception type',
    'rc=1',
    "flux-job raiseall: raiseall: Option 'severity' requires an integer argument",
    'rc=1',
    'flux-job: Command matched 0 jobs',
    'rc=0',
    'flux-job: Raised exception on 1 jobs (0 errors)',
    'rc=0',
    'exception type="test2" severity=7 note="a note here" userid=0',
    'flux-job: Raised exception on 1 jobs (0 errors)',
    'rc=0',
    '== purge',
    'use --force to purge 0 of 3 inactive jobs',
    'rc=0',
    'use --force to purge 2 of 3 inactive jobs',
    'rc=0',
    'purged 1 inactive jobs, 2 remaining',
    'rc=0',
    "flux-job purge: purge: Invalid argument for option 'age-limit': 'x'",
    'rc=1',
    'flux-job: purge: if set, num limit must be >= 0',
    'rc=1',
    'flux-job: purge: id not found',
    'rc=1',
    'flux-job: purge: batch must be >= 1 and <= 100',
    'rc=1',
    "flux-job purge: purge: Option 'batch' requires an integer argument",
    'rc=1',
    'flux-job: purge: cannot purge active job',
    'rc=1',
    'use --force to purge 1 of 3 inactive jobs',
    'rc=0',
    'purged 1 inactive jobs, 2 remaining',
    'rc=0',
    'purged 0 inactive jobs, 2 remaining',
    'rc=0',
    '== stats after',
    '{"job_states":{"depend":0,"priority":0,"sched":0,"run":0,"cleanup":0,"inactive":2,"total":2},"successful":0,"failed":1,"canceled":1,"timeout":0,"inactive_purged":2,"queues":[]}',
    'Usage: flux-job purge [--age-limit=FSD] [--num-limit=N] [--batch=COUNT] [--force] [ID ...]',
    'Purge the oldest inactive jobs',
    '  -h, --help             Display this message.',
    '      --age-limit=FSD    Purge jobs that became inactive beyond age-limit.',
    '      --num-limit=COUNT  Purge oldest inactive jobs until COUNT are left.',
    '  -f, --force            Perform the irreversible purge.',
    '      --batch=COUNT      Limit number of jobs per request (default 50).',
    '== usage',
    '   raiseall        Raise an exception on multiple jobs.',
    '   killall         Send signal to multiple running jobs',
    '   stats           Get current job stats',
    '   purge           Purge the oldest inactive jobs',
]


@pytest.mark.parametrize("start", STARTS)
def test_job_admin_as_flux_core(start, tmp_path):
    assert program_lines(start, PROGRAM, tmp_path, 1) == EXPECTED
