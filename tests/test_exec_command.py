"""``flux exec``: a command on each broker rank.

Recorded on a real ``flux start --test-size=3`` (flux-core 0.88.0).  The
program covers each rank's ``FLUX_URI`` (and so the ``rank`` attribute the
rank's broker answers with), flux exec's ``DBUS_SESSION_BUS_ADDRESS``, the
working directory (the caller's, ``--dir``), exit codes and their summary by
status (``[0,2]: Exit 3``, ``--quiet``), commands that cannot run (126, 127),
signals (128 + N), ``--rank``/``--exclude`` and their errors, stdin copied to
every rank and ``--noinput``, stdout and stderr kept apart, optparse's
option errors, clustered short options, ``--``, the usage, and ``--jobid``
(the job's ranks, counted within them; unknown, unparsable and finished
jobs).  Output of several ranks is sorted, as their order varies.  It runs
in ``fluxsim start`` and, where it exists, in a real ``flux start`` too.
"""

import pytest

from dropin_support import STARTS, program_lines

PROGRAM = r"""exec 2>&1
echo "== uri"; flux exec -l printenv FLUX_URI | sed "s,local://.*/local-,local://DIR/local-," | sort
echo "== dbus"; flux exec -r 0 sh -c 'test "$DBUS_SESSION_BUS_ADDRESS" = "unix:path=/run/user/$(id -u)/bus" && echo ok'
echo "== rank"; flux exec -l -r 1 flux getattr rank; flux exec -r 1-2 -l sh -c 'flux getattr rank' | sort
echo "== pwd"; flux exec -l -r 0-1 pwd | sed "s,$PWD,CWD," | sort; flux exec -d /tmp -r 2 pwd; flux exec --dir=/ -r 2 pwd
echo "== rc"; flux exec -r 1-2 sh -c 'exit $(($(flux getattr rank)+3))' 2>&1 | sort; echo rc=$?
flux exec -r 0,2 sh -c "exit 3"; echo rc=$?; flux exec -q -r 1 sh -c "exit 2"; echo rc=$?
echo "== launch"; flux exec -r 1 nosuchcmd; echo rc=$?; flux exec -r 1 /etc/passwd; echo rc=$?
echo "== signal"; flux exec -r 0 sh -c 'kill -TERM $$'; echo rc=$?; flux exec -r 1-2 sh -c 'kill -KILL $$'; echo rc=$?
echo "== ranks"; flux exec -r 5 true; echo rc=$?; flux exec -r x true; echo rc=$?; flux exec -x 0-2 true; echo rc=$?; flux exec -x y true; echo rc=$?
echo "== exclude"; flux exec -l -x 0 sh -c 'flux getattr rank' | sort; flux exec -l -x 1,7 -r 1-2 sh -c 'flux getattr rank'
echo "== stdin"; printf 'hello\nworld\n' | flux exec -l -r 0-1 cat | sort; flux exec -n -r 0 cat; echo rc=$?
echo "== streams"; flux exec -l -r 1 sh -c 'echo out; echo err >&2' 2>/dev/null; flux exec -l -r 1 sh -c 'echo out; echo err >&2' >/dev/null
echo "== options"; flux exec --foo true; echo rc=$?; flux exec -r; echo rc=$?; flux exec --lab -r 0 echo x; echo rc=$?; flux exec -Z true; echo rc=$?; flux exec -lr0 echo clustered; flux exec -r 0 -- echo -n dashdash; echo
echo "== usage"; flux exec; echo rc=$?
echo "== job"; id=$(flux submit -N2 sleep 60); flux job wait-event $id start >/dev/null
flux exec -l --jobid=$id sh -c 'flux getattr rank' | sort; flux exec -l -j $id -x 0 sh -c 'flux getattr rank'; flux exec -j $id -r 1 sh -c 'echo ${FLUX_JOB_ID:-unset}'
flux exec --jobid=nojob true; echo rc=$?; flux exec --jobid=f1234 true; echo rc=$?
flux cancel $id; flux job wait-event $id clean >/dev/null; flux exec --jobid=$id true 2>&1 | sed "s/ƒ[0-9A-Za-z]*/ID/"
"""

EXPECTED = [
    '== uri',
    '0: local://DIR/local-0',
    '1: local://DIR/local-1',
    '2: local://DIR/local-2',
    '== dbus',
    'ok',
    '== rank',
    '1: 1',
    '1: 1',
    '2: 2',
    '== pwd',
    '0: CWD',
    '1: CWD',
    '/tmp',
    '/',
    '== rc',
    '1: Exit 4',
    '2: Exit 5',
    'rc=0',
    '[0,2]: Exit 3',
    'rc=3',
    'rc=2',
    '== launch',
    'flux-exec: Error: rank 1: nosuchcmd: error launching process: No such file or directory',
    'rc=127',
    'flux-exec: Error: rank 1: /etc/passwd: error launching process: Permission denied',
    'rc=126',
    '== signal',
    '0: Terminated',
    'rc=143',
    '[1-2]: Killed',
    'rc=137',
    '== ranks',
    'flux-exec: One or more invalid --ranks specified: 5',
    'rc=1',
    "flux-exec: failed to decode idset 'x': Invalid argument",
    'rc=1',
    'flux-exec: No targets specified',
    'rc=1',
    'flux-exec: error decoding --exclude idset: Invalid argument',
    'rc=1',
    '== exclude',
    '1: 1',
    '2: 2',
    '2: 2',
    '== stdin',
    '0: hello',
    '0: world',
    '1: hello',
    '1: world',
    'rc=0',
    '== streams',
    '1: out',
    '1: err',
    '== options',
    "flux-exec: unrecognized option '--foo'",
    "Try `flux-exec --help' for more information.",
    'rc=1',
    "flux-exec: '-r' missing argument",
    'rc=1',
    "flux-exec: unrecognized option '--lab'",
    "Try `flux-exec --help' for more information.",
    'rc=1',
    "flux-exec: unrecognized option '-Z'",
    "Try `flux-exec --help' for more information.",
    'rc=1',
    '0: clustered',
    'dashdash',
    '== usage',
    'Usage: flux-exec [OPTIONS]...',
    '  -h, --help             Display this message.',
    '  -r, --rank=IDSET       Specify target ranks.  Default is "all"',
    '  -x, --exclude=IDSET    Exclude ranks from target.',
    '      --bg               Run process in background and exit',
    '      --waitable         Process remains a zombie until exit status is collected',
    '      --attach           Attach to a running background process (arg is pid or',
    '                         label)',
    '      --label=LABEL      Set a remote process label.',
    '  -d, --dir=PATH         Set the working directory to PATH',
    '  -l, --label-io         Label lines of output with the source RANK',
    '  -n, --noinput          Redirect stdin from /dev/null',
    '  -v, --verbose          Run with more verbosity.',
    '  -q, --quiet            Suppress extraneous output.',
    "      --with-imp         Run args under 'flux-imp run'",
    '  -j, --jobid=JOBID      Set target ranks to nodes assigned to JOBID and',
    '                         service name to job shell exec service',
    'rc=1',
    '== job',
    '1: 1',
    '2: 2',
    '2: 2',
    'unset',
    'flux-exec: error parsing jobid: "nojob"',
    'rc=1',
    'flux-exec: job f1234 not found',
    'rc=1',
    'flux-exec: job ID is not currently running',
]


@pytest.mark.parametrize("start", STARTS)
def test_exec_as_flux_core(start, tmp_path):
    assert program_lines(start, PROGRAM, tmp_path, 3) == EXPECTED


# recorded on flux-core 0.88.0: a task reaches its own broker (local-RANK), which
# answers the rank attribute with its rank
TASK_RANKS = "flux run -N3 -n3 -o cpu-affinity=off flux getattr rank | sort; " \
    "flux run -N1 --requires=rank:2 flux getattr rank"


@pytest.mark.parametrize("start", STARTS)
def test_a_task_asks_its_own_broker(start, tmp_path):
    assert program_lines(start, TASK_RANKS, tmp_path, 3) == ["0", "1", "2", "2"]
