"""``flux job raise`` and the exception events it and exec post, as flux-core 0.88 has them.

``flux job raise [-s N] [-t TYPE] [-m NOTE] IDS... [--] [MESSAGE...]``: its
options, how it tells job ids from the note, its errors and statuses; and
the order of an exception's context keys, which differs by who raised it
(``job-manager.raise`` and the job shell: ``type severity note userid``;
exec's own, through the job manager: ``type severity userid note``).

Expected output recorded from a real ``flux start --test-size=1`` (flux-core
0.88.0), job ids, user ids and the host name replaced, broker log lines
left out; the program runs in ``fluxsim start`` and, where it exists, in a
real ``flux start`` too.
"""

import re
import socket

import pytest

from dropin_support import STARTS, program_lines, program_output

PROGRAM = r"""exec 2>&1
ev() { flux job wait-event -t 30 $1 clean >/dev/null; flux job eventlog $1 | grep exception | cut -d' ' -f2- | sed 's/userid=[0-9]*/userid=U/'; }
a=$(flux submit sleep 300); flux job wait-event $a start >/dev/null
done=$(flux submit true); flux job wait-event $done clean >/dev/null
echo "== options"; flux job raise -t foo -s 1 $a a note; echo rc=$?
echo "== long options"; flux job raise --type=bar --severity=2 --message=msg $a; echo rc=$?
echo "== options stop at the first id"; flux job raise -s 1 $a -t baz note; echo rc=$?
echo "== dashdash"; flux job raise -s 3 $a -- -x y; echo rc=$?
echo "== no jobs"; flux job raise; echo rc=$?
echo "== a note only"; flux job raise notajob; echo rc=$?
echo "== note twice"; flux job raise -s 1 -m x $a extra; echo rc=$?
echo "== bad severity"; flux job raise -s 9 $a; echo rc=$?
echo "== severity not a number"; flux job raise -s x $a; echo rc=$?
echo "== unknown job"; flux job raise -s 1 123; echo rc=$?
echo "== inactive job"; flux job raise -s 1 $done; echo rc=$?
echo "== cancel"; flux job raise $a; echo rc=$?
echo "== flux cancel, inactive"; flux cancel $done; echo rc=$?
ev $a
echo "== exec's exceptions"
ev $(flux submit -t 1s sleep 30)
ev $(flux submit --setattr=system.exec.test.run_duration=1s --setattr=system.exec.test.mock_exception=init true)
ev $(flux submit --setattr=system.exec.test.run_duration=1s --setattr=system.exec.test.mock_exception=run true)
ev $(flux submit --setattr=system.exec.test.run_duration=5 true 2>/dev/null)
echo "== the shell's"
ev $(flux submit nonexistent-command-xyz)
"""

EXPECTED = [
    '== options',
    'rc=0',
    '== long options',
    'rc=0',
    '== options stop at the first id',
    'rc=0',
    '== dashdash',
    'rc=0',
    '== no jobs',
    'Usage: flux-job raise [OPTIONS] ids... [--] [message ...]',
    'Raise exception on one or more jobs',
    '  -h, --help             Display this message.',
    '  -s, --severity=N       Set exception severity [0-7] (default=0)',
    '  -t, --type=TYPE        Set exception type (default=cancel)',
    '  -m, --message=NOTE     Set exception note',
    'rc=1',
    '== a note only',
    'rc=0',
    '== note twice',
    'flux-job: Do not set note on command line and with --message',
    'rc=1',
    '== bad severity',
    'flux-job: raise ID: invalid exception severity',
    'rc=1',
    '== severity not a number',
    "flux-job raise: raise: Option 'severity' requires an integer argument",
    'rc=1',
    '== unknown job',
    'flux-job: raise 123: unknown job id',
    'rc=1',
    '== inactive job',
    'flux-job: raise ID: job is inactive',
    'rc=1',
    '== cancel',
    'rc=0',
    '== flux cancel, inactive',
    'flux-cancel: ERROR: ID: job is inactive',
    'rc=1',
    'exception type="foo" severity=1 note="a note" userid=U',
    'exception type="bar" severity=2 note="msg" userid=U',
    'exception type="cancel" severity=1 note="-t baz note" userid=U',
    'exception type="cancel" severity=3 note="-x y" userid=U',
    'exception type="cancel" severity=0 note="" userid=U',
    "== exec's exceptions",
    'exception type="timeout" severity=0 userid=U note="resource allocation expired"',
    'exception type="exec" severity=0 userid=U note="mock initialization exception generated"',
    'exception type="exec" severity=0 userid=U note="mock run exception generated"',
    'exception type="exec" severity=0 userid=U note="failed to initialize testconf: ERRNO"',
    "== the shell's",
    'exception type="exec" severity=0 note="task 0 (host HOST): start failed: nonexistent-command-xyz: No such file or directory" userid=U',
]

# Flux follows this note with a stale errno (seen: "No such file or directory", "File
# exists"; see the README's differences), so it is compared up to the colon
_TESTCONF = re.compile(r"(failed to initialize testconf):[^\"]*")


def _normalized(lines):
    host = f"(host {socket.gethostname()})"
    return [_TESTCONF.sub(r"\1: ERRNO", line.replace(host, "(host HOST)")) for line in lines]


@pytest.mark.parametrize("start", STARTS)
def test_raise_and_exception_events_as_flux_core(start, tmp_path):
    assert _normalized(program_lines(start, PROGRAM, tmp_path, 1)) == EXPECTED


#: ``flux job`` with no subcommand or an unknown one (0.88 has no ``flux job cancel``): its
#: usage on stderr, status 1, recorded; fluxsim lists the subcommands it has, with these words
JOB_USAGE = [
    "Usage: flux-job [OPTIONS] COMMAND ARGS",
    "  -h, --help             Display this message.",
    "",
    "Common commands from flux-job:",
]
JOB_COMMANDS = [
    "   urgency         Set job urgency (0-31, HOLD, EXPEDITE, DEFAULT)",
    "   raise           Raise exception on one or more jobs",
    "   raiseall        Raise an exception on multiple jobs.",
    "   kill            Send signal to one or more running jobs",
    "   killall         Send signal to multiple running jobs",
    "   attach          Interactively attach to job",
    "   status          Wait for job(s) to complete and exit with largest exit code",
    "   submit          Run job",
    "   id              Convert jobid(s) to another form",
    "   eventlog        Display eventlog for a job",
    "   wait-event      Wait for an event ",
    "   info            Display info for a job",
    "   stats           Get current job stats",
    "   namespace       Convert job ids to job guest kvs namespace names",
    "   wait            Wait for job(s) to complete.",
    "   memo            Post an RFC 21 memo to a job",
    "   taskmap         Utility function for working with job task maps",
    "   timeleft        Find remaining runtime for job or enclosing instance",
    "   hostpids        Print host:pid pairs for tasks in JOBID",
    "   last            List my most recently submitted job id(s)",
    "   purge           Purge the oldest inactive jobs",
]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("words", ["", "cancel 1"], ids=["none", "cancel"])
def test_job_without_a_known_subcommand_prints_its_usage(start, words, tmp_path):
    lines = program_output(start, f"flux job {words} 2>&1; echo rc=$?", tmp_path, 1)
    assert lines[:4] == JOB_USAGE and lines[-1] == "rc=1", lines
    listed = lines[4:-1]
    # Flux's own lines, in Flux's order
    assert listed and listed == [line for line in JOB_COMMANDS if line in listed], listed
