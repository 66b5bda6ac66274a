"""``flux proxy``: a command run against a nested instance, as flux-core 0.88 runs it.

The target resolves as ``flux uri`` resolves it (its errors, then flux
proxy's), the command's words are joined for ``$SHELL -c``, stdin passes
through, and the exit code is the command's (128 + N for signal N).

Expected output recorded from a real ``flux start --test-size=2``
(flux-core 0.88.0 with flux-sched 0.54.0), job ids replaced; the program
runs in ``fluxsim start`` and, where it exists, in a real ``flux start``
too.  ``FLUX_URI_RESOLVE_LOCAL``: the instance's ``ssh://`` uri is reached
locally, for a machine without ssh.
"""

import subprocess
import sys

import pytest

from dropin_support import STARTS, program_lines

PROGRAM = r"""exec 2>&1
export FLUX_URI_RESOLVE_LOCAL=t
id=$(flux alloc --bg -N1)
echo "== a command"; flux proxy $id flux getattr instance-level; echo rc=$?
echo "== words joined for the shell"; flux proxy $id echo 'a  b' '$FLUX_PROXY_REMOTE' '${FLUX_URI%%:*}'; echo rc=$?
echo "== exit code"; flux proxy $id sh -c "exit 3"; echo rc=$?
echo "== killed"; flux proxy $id 'kill -TERM $$'; echo rc=$?
echo "== stdin"; echo hello | flux proxy $id cat; echo rc=$?
echo "== no target"; flux proxy; echo rc=$?
echo "== not a job"; flux proxy nojob true; echo rc=$?
echo "== not an instance"; j=$(flux submit true); flux job wait-event $j clean >/dev/null; flux proxy $j true; echo rc=$?
echo "== bad uri"; flux proxy local:///nonexistent/x true; echo rc=$?
echo "== by uri"; flux proxy $(flux uri $id) flux getattr instance-level; echo rc=$?
flux cancel $id; flux job wait-event $id clean >/dev/null
"""

EXPECTED = [
    '== a command',
    '1',
    'rc=0',
    '== words joined for the shell',
    'a b local',
    'rc=0',
    '== exit code',
    'rc=0',
    '== killed',
    'rc=143',
    '== stdin',
    'hello',
    'rc=0',
    '== no target',
    'flux proxy: URI argument is required',
    'Usage: flux proxy [OPTIONS] JOBID|URI [COMMAND...]',
    'Route messages to/from Flux instance',
    '  -h, --help             Display this message.',
    '  -f, --force            Skip checks when connecting to Flux broker',
    '  -n, --nohup            Do not send SIGHUP to child processes when connection',
    '                         to Flux is lost',
    '      --reconnect        If broker connection is lost, try to reconnect',
    'rc=1',
    '== not a job',
    'flux-uri: ERROR: nojob is not a valid Flux jobid',
    'flux-proxy: Unable to resolve nojob to a URI',
    'rc=1',
    '== not an instance',
    'flux-uri: ERROR: jobid ID is not running',
    'flux-proxy: Unable to resolve ID to a URI',
    'rc=1',
    '== bad uri',
    'flux-proxy: local:///nonexistent/x: broker socket /nonexistent/x was not found',
    'rc=1',
    '== by uri',
    '1',
    'rc=0',
]


@pytest.mark.parametrize("start", STARTS)
def test_proxy_as_flux_core(start, tmp_path):
    assert program_lines(start, PROGRAM, tmp_path, 2) == EXPECTED


def test_an_ssh_uri_reaches_the_instance_at_its_path(tmp_path):
    """What a nested instance posts (``ssh://HOST/PATH``) opens without ssh: every
    fluxsim instance runs on this machine."""
    program = ("import flux, os; "
               "print(flux.Flux(os.environ['FLUX_URI'].replace('local://', 'ssh://somehost')).attr_get('size'))")
    proc = subprocess.run([sys.executable, "-m", "fluxsim.cli", "start", "--test-size=3",
                           sys.executable, "-c", program],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.stdout.split() == ["3"], proc.stderr
