"""``flux hostlist``: hostlist algebra on the instance's, a job's, stdin's and literal hosts.

Recorded on a real ``flux start --test-size=4 --test-hosts=node[0-3] -c DIR``
(flux-core 0.88.0, flux-sched 0.54.0: Fluxion places the two-node job), with
R's hosts configured as node[0-3].  The program covers every source (instance,
local inside and outside a job, avail with a drained node, stdin and its
timeout, job ids, a pending job's empty list, literal hostlists, words that
parse as job ids, with and without ``--fallback``), every combination (append,
union, intersect, minus, xor) and every option (expand, delimiter, count,
nth from either end, find, limit, sort, exclude by host or index, quiet), with
Flux's errors: a host not found, an index out of range, an invalid idset, an
invalid source, argparse's usage errors.  It also reads the broker attributes
the test brokers set from ``--test-hosts``.  It runs in ``fluxsim start`` and,
where it exists, in a real ``flux start`` too.
"""

import pytest

from dropin_support import STARTS, four_node_lines

PROGRAM = r"""exec 2>&1
echo "== instance"; flux hostlist instance; echo rc=$?
echo "== local"; flux hostlist -l; echo rc=$?; flux hostlist local
echo "== count"; flux hostlist -c instance; flux hostlist --count foo1 foo1
echo "== expand"; flux hostlist -e instance; flux hostlist -e -d, instance; flux hostlist -e -d '\n' 'n[1-2]'
echo "== stdin"; printf 'a1\na2\nb3\n' | flux hostlist; printf 'x[1-3]\ny1\n' | flux hostlist -; printf '' | flux hostlist; echo rc=$?
echo "== timeout"; sleep 2 | FLUX_HOSTLIST_STDIN_TIMEOUT=0.2 flux hostlist; echo rc=$?
echo "== literal"; flux hostlist 'foo[1-3]' bar1 'foo[2-5]'; flux hostlist 'foo[1-3],foo[2-5]'
echo "== union"; flux hostlist -u 'foo[1-3]' 'foo[2-5]'; flux hostlist --unique foo3 foo1 foo3
echo "== intersect"; flux hostlist -i 'foo[1-5]' 'foo[3-8]' 'foo[4,9]'; flux hostlist -i 'foo[1-5]' 'foo[5,5,1]'
echo "== minus"; flux hostlist -m 'foo[1-9]' 'foo[3-4]' foo7; flux hostlist -m 'foo[1,1,2]' foo1
echo "== xor"; flux hostlist -X 'foo[1-5]' 'foo[3-8]'; flux hostlist -X 'foo[1-3]' 'foo[2-4]' 'foo[1,9]'
echo "== sort"; flux hostlist -S foo3,foo1,bar2,foo1; flux hostlist -S -u foo3,foo1,bar2,foo1
echo "== nth"; flux hostlist -n 0,2 'foo[1-5]'; flux hostlist -n -1 'foo[1-5]'; flux hostlist -n -1-2 'foo[1-5]'; flux hostlist -n 7 'foo[1-5]'; echo rc=$?; flux hostlist -n x 'foo[1-5]'; echo rc=$?
echo "== find"; flux hostlist -F 'foo[2,4]' 'foo[1-5]'; flux hostlist -F foo9 'foo[1-5]'; echo rc=$?; flux hostlist -F foo1 foo1,foo2,foo1
echo "== limit"; flux hostlist -L 2 'foo[1-5]'; flux hostlist -L -2 'foo[1-5]'; flux hostlist -L 0 'foo[1-5]'; flux hostlist -L x foo1; echo rc=$?
echo "== exclude"; flux hostlist -x foo3 'foo[1-5]'; flux hostlist -x 0,4 'foo[1-5]'; flux hostlist -x bar1 'foo[1-5]'; flux hostlist -x 'foo[1-2]' 'foo[1-3],foo1'; flux hostlist -x '[0-1]' 'foo[1-3]'
echo "== quiet"; flux hostlist -q foo1; echo rc=$?; flux hostlist -q -i foo1 foo2; echo rc=$?
echo "== empty"; flux hostlist -i foo1 foo2; echo rc=$?; flux hostlist -c -i foo1 foo2; flux hostlist -e -i foo1 foo2; echo rc=$?
echo "== job"; id=$(flux submit -N2 true); flux job wait-event $id clean >/dev/null; flux hostlist $id; echo rc=$?; flux hostlist -c $id instance
echo "== in job"; flux run -o cpu-affinity=off -N2 -n2 flux hostlist -l; flux run -o cpu-affinity=off -N1 sh -c 'flux hostlist local; flux hostlist'
echo "== pending"; p=$(flux submit --urgency=hold true); flux hostlist $p; echo rc=$?; flux cancel $p
echo "== avail"; flux resource drain 1 testing; flux hostlist avail; flux hostlist available; flux resource undrain 1; flux hostlist avail
echo "== not a job"; flux hostlist f123456; echo rc=$?; flux hostlist -f fuzz100; echo rc=$?; flux hostlist fuzz100; echo rc=$?
echo "== invalid"; flux hostlist 'foo[1-'; echo rc=$?; flux hostlist 'foo[3-1]'; echo rc=$?
echo "== mutual"; flux hostlist -e -c foo; echo rc=$?; flux hostlist -i -m a b; echo rc=$?
echo "== abbrev"; flux hostlist --cou foo; echo rc=$?
echo "== attributes"; flux getattr hostlist; flux getattr hostname; flux getattr broker.mapping
"""

EXPECTED = [
    '== instance',
    'node[0-3]',
    'rc=0',
    '== local',
    'node[0-3]',
    'rc=0',
    'node[0-3]',
    '== count',
    '4',
    'flux-hostlist: ERROR: job foo1 not found',
    '== expand',
    'node0 node1 node2 node3',
    'node0,node1,node2,node3',
    'n1',
    'n2',
    '== stdin',
    'a[1-2],b3',
    'x[1-3],y1',
    'rc=0',
    '== timeout',
    'flux-hostlist: ERROR: timeout after 0.2s waiting for stdin',
    'rc=1',
    '== literal',
    'foo[1-3],bar1,foo[2-5]',
    'foo[1-3,2-5]',
    '== union',
    'foo[1-5]',
    'flux-hostlist: ERROR: job foo3 not found',
    '== intersect',
    'foo4',
    'foo[1,5]',
    '== minus',
    'flux-hostlist: ERROR: job foo7 not found',
    'flux-hostlist: ERROR: job foo1 not found',
    '== xor',
    'foo[1-2,6-8]',
    'foo[4,9]',
    '== sort',
    'bar2,foo[1,1,3]',
    'bar2,foo[1,3]',
    '== nth',
    'foo[1,3]',
    'foo5',
    'usage: flux-hostlist [-h] [-e] [-d S] [-c] [-n [-]IDS] [-F HOSTS] [-L N] [-S]',
    '                     [-x IDS|HOSTS] [-u] [-i | -m | -X] [-f] [-l] [-q]',
    '                     [SOURCES ...]',
    'flux-hostlist: error: argument -n/--nth: expected one argument',
    'flux-hostlist: ERROR: Hostlist index out of range',
    'rc=1',
    'flux-hostlist: ERROR: IDset(): Invalid argument: x',
    'rc=1',
    '== find',
    '1 3',
    "flux-hostlist: ERROR: host 'foo9' not found",
    'rc=1',
    '0',
    '== limit',
    'foo[1-2]',
    'foo[4-5]',
    'foo[1-5]',
    'usage: flux-hostlist [-h] [-e] [-d S] [-c] [-n [-]IDS] [-F HOSTS] [-L N] [-S]',
    '                     [-x IDS|HOSTS] [-u] [-i | -m | -X] [-f] [-l] [-q]',
    '                     [SOURCES ...]',
    "flux-hostlist: error: argument -L/--limit: invalid int value: 'x'",
    'rc=2',
    '== exclude',
    'foo[1-2,4-5]',
    'foo[2-4]',
    'foo[1-5]',
    'foo3',
    'foo3',
    '== quiet',
    'flux-hostlist: ERROR: job foo1 not found',
    'rc=1',
    'flux-hostlist: ERROR: job foo1 not found',
    'rc=1',
    '== empty',
    'flux-hostlist: ERROR: job foo1 not found',
    'rc=1',
    'flux-hostlist: ERROR: job foo1 not found',
    'flux-hostlist: ERROR: job foo1 not found',
    'rc=1',
    '== job',
    'node[2-3]',
    'rc=0',
    '6',
    '== in job',
    'node[0-1]',
    'node[0-1]',
    'node1',
    '== pending',
    'rc=0',
    '== avail',
    'node[0,2-3]',
    'node[0,2-3]',
    'node[0-3]',
    '== not a job',
    'flux-hostlist: ERROR: job f123456 not found',
    'rc=1',
    'fuzz100',
    'rc=0',
    'fuzz100',
    'rc=0',
    '== invalid',
    'flux-hostlist: ERROR: Invalid jobid or hostlist foo[1-',
    'rc=1',
    'flux-hostlist: ERROR: Invalid jobid or hostlist foo[3-1]',
    'rc=1',
    '== mutual',
    'usage: flux-hostlist [-h] [-e] [-d S] [-c] [-n [-]IDS] [-F HOSTS] [-L N] [-S]',
    '                     [-x IDS|HOSTS] [-u] [-i | -m | -X] [-f] [-l] [-q]',
    '                     [SOURCES ...]',
    'flux-hostlist: error: argument -c/--count: not allowed with argument -e/--expand',
    'rc=2',
    'usage: flux-hostlist [-h] [-e] [-d S] [-c] [-n [-]IDS] [-F HOSTS] [-L N] [-S]',
    '                     [-x IDS|HOSTS] [-u] [-i | -m | -X] [-f] [-l] [-q]',
    '                     [SOURCES ...]',
    'flux-hostlist: error: argument -m/--minus: not allowed with argument -i/--intersect',
    'rc=2',
    '== abbrev',
    'usage: flux-hostlist [-h] [-e] [-d S] [-c] [-n [-]IDS] [-F HOSTS] [-L N] [-S]',
    '                     [-x IDS|HOSTS] [-u] [-i | -m | -X] [-f] [-l] [-q]',
    '                     [SOURCES ...]',
    'flux-hostlist: error: unrecognized arguments: --cou',
    'rc=2',
    '== attributes',
    'node[0-3]',
    'node0',
    '[[0,1,4,1]]',
]


@pytest.mark.parametrize("start", STARTS)
def test_hostlist_as_flux_core(start, tmp_path):
    assert four_node_lines(start, PROGRAM, tmp_path) == EXPECTED
