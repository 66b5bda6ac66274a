"""``flux job taskmap``: a job's RFC 34 taskmap, queried and converted, or a given one.

Recorded on a real ``flux start --test-size=4 --test-hosts=node[0-3] -c DIR``
(flux-core 0.88.0, flux-sched 0.54.0: Fluxion places the jobs), R's hosts
configured as node[0-3].  The program reads the maps of a 2-node 5-task job
(block) and of a cyclic one, inside and outside the job; every query
(``--taskids``, ``--ntasks``, ``--nodeid``, ``--hostname``, their precedence,
-1 read as absent, other negatives EINVAL, ids beyond the map ENOENT) and
every ``--to`` format; literal maps in each of libtaskmap's encodings (RFC 34
JSON, PMI ``(vector,...)``, raw ``0-1;2-3``) with its decode errors; a job
that never ran, an unknown job, a decimal word (a job id, not a map), a
non-integer option, and the usage.  It runs in ``fluxsim start`` and, where it
exists, in a real ``flux start`` too.
"""

import pytest

from dropin_support import STARTS, four_node_lines

PROGRAM = r"""exec 2>&1
a=$(flux submit -N2 -n5 true); flux job wait-event $a clean >/dev/null
echo "== map"; flux job taskmap $a
echo "== taskids"; flux job taskmap --taskids=0 $a; flux job taskmap --taskids=1 $a; flux job taskmap --taskids=5 $a; echo rc=$?
echo "== ntasks"; flux job taskmap --ntasks=1 $a; flux job taskmap --ntasks=3 $a; echo rc=$?
echo "== nodeid"; flux job taskmap --nodeid=4 $a; flux job taskmap --nodeid=9 $a; echo rc=$?
echo "== hostname"; flux job taskmap --hostname=4 $a; flux job taskmap --hostname=0 $a
echo "== to"; for t in raw pmi multiline hosts bad; do flux job taskmap --to=$t $a; echo rc=$?; done
echo "== cyclic"; b=$(flux submit -N2 -n4 --taskmap=cyclic true); flux job wait-event $b clean >/dev/null; flux job taskmap $b; flux job taskmap --to=raw $b; flux job taskmap --to=hosts $b
echo "== literal"; flux job taskmap '[[0,2,2,1]]'; flux job taskmap --to=pmi '[[0,2,2,1]]'; flux job taskmap --to=raw '[[0,2,2,1]]'; flux job taskmap --to=hosts '[[0,2,2,1]]'; echo rc=$?; flux job taskmap --hostname=1 '[[0,2,2,1]]'; echo rc=$?
echo "== other encodings"; flux job taskmap '(vector,(0,2,2))'; flux job taskmap '0-1;2-3'; flux job taskmap --to=multiline '0,3;1-2'
echo "== bad"; flux job taskmap 'nonsense'; echo rc=$?; flux job taskmap '[[0,1]]'; echo rc=$?; flux job taskmap; echo rc=$?
echo "== never ran"; p=$(flux submit --urgency=hold true); flux cancel $p; flux job wait-event $p clean >/dev/null; flux job taskmap $p; echo rc=$?
echo "== unknown"; flux job taskmap f123456789; echo rc=$?
echo "== bad int"; flux job taskmap --taskids=x $a; echo rc=$?
echo "== two"; flux job taskmap --ntasks=0 --taskids=1 $a; echo rc=$?
echo "== inside"; flux run -N2 -n3 -o cpu-affinity=off sh -c 'if test $FLUX_TASK_RANK = 0; then flux job taskmap $FLUX_JOB_ID; fi' 2>/dev/null
echo "== usage"; flux job 2>&1 | grep taskmap
echo "== raw"; for m in '2-3;0-1' '0-2;1' '0;2' '0;3-5' '0;;1' '3-1' '0,3;1-2'; do flux job taskmap "$m"; done
echo "== json"; for m in '[[0,"a",1,1]]' '{"map":[]}' '{"version":2,"map":[]}' '{"version":1,"map":[[0,1,1,1]]}' '[[0,1,1,1,9]]' '[[0,0,1,1]]' '[5]' '"x"' '(vector,(0,2,2)' '(vector,(0,0,2))' '(vector,)' '(x,(0,1,1)),vector,'; do flux job taskmap "$m"; done
echo "== negative"; flux job taskmap --taskids=-1 $a; flux job taskmap --taskids=-2 $a; flux job taskmap --nodeid=-3 $a; flux job taskmap --ntasks=-5 '[[0,1,1,1]]'
echo "== decimal"; flux job taskmap 5; echo rc=$?
"""

EXPECTED = [
    '== map',
    '[[0,1,3,1],[1,1,2,1]]',
    '== taskids',
    '0-2',
    '3-4',
    'flux-job: No taskids for node 5: No such file or directory',
    'rc=1',
    '== ntasks',
    '2',
    'flux-job: failed to get task count for node 3: No such file or directory',
    'rc=1',
    '== nodeid',
    '1',
    'flux-job: failed to get nodeid for task 9: No such file or directory',
    'rc=1',
    '== hostname',
    'node3',
    'node2',
    '== to',
    '0-2;3-4',
    'rc=0',
    '(vector,(0,1,3),(1,1,2))',
    'rc=0',
    '0: 0',
    '1: 0',
    '2: 0',
    '3: 1',
    '4: 1',
    'rc=0',
    'node2: 0-2',
    'node3: 3-4',
    'rc=0',
    'flux-job: invalid value --to=bad',
    'rc=1',
    '== cyclic',
    '[[0,2,1,2]]',
    '0,2;1,3',
    'node0: 0,2',
    'node1: 1,3',
    '== literal',
    '[[0,2,2,1]]',
    '(vector,(0,2,2))',
    '0-1;2-3',
    "flux-job: taskmap: can't use --to=hosts without a jobid",
    'rc=1',
    "flux-job: taskmap: can't use --hostname without a jobid",
    'rc=1',
    '== other encodings',
    '[[0,2,2,1]]',
    '[[0,2,2,1]]',
    '0: 0',
    '1: 1',
    '2: 1',
    '3: 0',
    '== bad',
    "flux-job: error decoding taskmap: error parsing range 'nonsense'",
    'rc=1',
    'flux-job: error decoding taskmap: error in taskmap entry: Array index 2 out of range',
    'rc=1',
    'Usage: flux-job taskmap [OPTION] JOBID|TASKMAP',
    'Utility function for working with job task maps',
    '  -h, --help             Display this message.',
    '      --taskids=NODEID   Print idset of tasks on node NODEID',
    '      --ntasks=NODEID    Print number of tasks on node NODEID',
    '      --nodeid=TASKID    Print the shell rank/nodeid on which a taskid executed',
    '      --hostname=TASKID  Print the hostname on which a taskid executed',
    '      --to=FORMAT        Convert an RFC 34 taskmap to another format (FORMAT can',
    '                         be raw, pmi, hosts, or multiline)',
    'rc=1',
    '== never ran',
    'flux-job: No taskmap found for job',
    'rc=1',
    '== unknown',
    'flux-job: Unable to get job taskmap: no such job',
    'rc=1',
    '== bad int',
    "flux-job taskmap: taskmap: Option 'taskids' requires an integer argument",
    'rc=1',
    '== two',
    '3-4',
    'rc=0',
    '== inside',
    '[[0,1,2,1],[1,1,1,1]]',
    '== usage',
    '   taskmap         Utility function for working with job task maps',
    '== raw',
    '[[1,1,2,1],[0,1,2,1]]',
    'flux-job: error decoding taskmap: duplicate taskid specified: 1',
    'flux-job: error decoding taskmap: missing taskid: 1',
    'flux-job: error decoding taskmap: missing taskids: 1-2',
    '[[0,2,1,1]]',
    "flux-job: error decoding taskmap: error parsing range '3-1'",
    '[[0,1,1,1],[1,1,2,1],[0,1,1,1]]',
    '== json',
    'flux-job: error decoding taskmap: error in taskmap entry: Expected integer, got string',
    'flux-job: error decoding taskmap: Object item not found: version',
    'flux-job: error decoding taskmap: expected version=1, got 2',
    '[[0,1,1,1]]',
    '[[0,1,1,1]]',
    'flux-job: error decoding taskmap: invalid entry [0,0,1,1]',
    'flux-job: error decoding taskmap: entry 0 in taskmap is not an array',
    'flux-job: error decoding taskmap: error parsing range \'"x"\'',
    '[[0,2,2,1]]',
    'flux-job: error decoding taskmap: invalid number in block: (0,0,2))',
    '[]',
    'flux-job: error decoding taskmap: vector prefix must precede blocklist',
    '== negative',
    '[[0,1,3,1],[1,1,2,1]]',
    'flux-job: No taskids for node -2: Invalid argument',
    'flux-job: failed to get nodeid for task -3: Invalid argument',
    'flux-job: failed to get task count for node -5: Invalid argument',
    '== decimal',
    'flux-job: Unable to get job taskmap: no such job',
    'rc=1',
]


@pytest.mark.parametrize("start", STARTS)
def test_taskmap_as_flux_core(start, tmp_path):
    assert four_node_lines(start, PROGRAM, tmp_path) == EXPECTED
