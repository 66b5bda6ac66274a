"""``flux resource list``, ``info`` and ``status`` as flux-core 0.88 prints them.

Every expected line here was recorded on a real ``flux start --test-size=4
--test-hosts=node[0-3] -c DIR`` (flux-core 0.88.0, flux-sched 0.54.0),
with Fluxion (the default) and again with sched-simple
(``--conf=modules.alternatives.sched=sched-simple``): both printed the same,
since the one job is pinned to a host.  The scripts run in ``fluxsim start``
with either scheduler and, where real Flux's ``flux`` is found
(``fluxexec_support.real_flux_command``), in a real ``flux start`` too.  The configurations: no queues or properties (PLAIN),
properties and GPUs without queues (PROPS), queues with ``requires``
(QUEUES), and a queue without ``requires`` beside one with (MIXED).
"""

import json
import subprocess

import pytest

import fluxsim
import fluxsim.job as fj
from dropin_support import FOUR_NODES_TOML, STARTS

PLAIN_TOML = FOUR_NODES_TOML

PLAIN_SCRIPT = """\
flux resource list; echo rc=$?
flux resource list -s all; echo rc=$?
flux resource list -s free,down -n; echo rc=$?
flux resource list -o '{state}|{queue}|{properties}|{propertiesx}|{nnodes}|{ranks}'; echo rc=$?
flux resource list -q foo; echo rc=$?
flux resource list -s up,bogus; echo rc=$?
flux resource info; echo rc=$?
flux resource status; echo rc=$?
"""

PLAIN_OUTPUT = [
    '     STATE NNODES NCORES NGPUS NODELIST',
    '      free      4     16     0 node[0-3]',
    ' allocated      0      0     0 ',
    '      down      0      0     0 ',
    'rc=0',
    '     STATE NNODES NCORES NGPUS NODELIST',
    '       all      4     16     0 node[0-3]',
    'rc=0',
    '      free      4     16     0 node[0-3]',
    '      down      0      0     0 ',
    'rc=0',
    'STATE|QUEUE|PROPERTIES|PROPERTIES|NNODES|RANKS',
    'free||||4|0-3',
    'allocated||||0|',
    'down||||0|',
    'rc=0',
    'flux-resource: ERROR: --queue: foo: no such queue',
    'rc=1',
    'flux-resource: ERROR: Invalid resource state bogus specified',
    'rc=1',
    '4 Nodes, 16 Cores, 0 GPUs',
    'rc=0',
    '       STATEUP NNODES NODELIST',
    '       avail ✔      4 node[0-3]',
    'rc=0',
]


PROPS_TOML = FOUR_NODES_TOML + """\
[[resource.config]]
hosts = "node[0-1]"
gpus = "0-1"
properties = ["gpu"]
[[resource.config]]
hosts = "node[2-3]"
properties = ["bigmem", "ssd"]
"""

PROPS_SCRIPT = """\
flux resource list; echo rc=$?
flux resource list -s all; echo rc=$?
flux resource list -o '{state}|{queue}|{properties}|{propertiesx}|{ngpus}|{nodelist}'; echo rc=$?
flux resource list -o rlist; echo rc=$?
flux resource list -i node[1-2]; echo rc=$?
id=$(flux submit -N1 -n1 -g1 --requires=host:node1 sleep 300)
flux job wait-event -t 20 $id start >/dev/null
flux resource drain 2 maintenance
flux resource list; echo rc=$?
flux resource list -s all,up,allocated; echo rc=$?
flux resource list -no '{properties}'; echo rc=$?
flux resource list -s all -no '{properties}'; echo rc=$?
flux resource info -s free; echo rc=$?
flux resource status -s all; echo rc=$?
flux cancel $id
"""

PROPS_OUTPUT = [
    '     STATE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free gpu             2      8     4 node[0-1]',
    '      free bigmem,ssd      2      8     0 node[2-3]',
    ' allocated                 0      0     0 ',
    '      down                 0      0     0 ',
    'rc=0',
    '     STATE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '       all gpu             2      8     4 node[0-1]',
    '       all bigmem,ssd      2      8     0 node[2-3]',
    'rc=0',
    'STATE|QUEUE|PROPERTIES|PROPERTIES|NGPUS|NODELIST',
    'free||gpu|gpu|4|node[0-1]',
    'free||bigmem,ssd|bigmem,ssd|0|node[2-3]',
    'allocated||||0|',
    'down||||0|',
    'rc=0',
    '     STATE PROPERTIES NNODES NCORES +NGPUS LIST',
    '      free gpu             2      8 +    4 rank[0-1]/core[0-3],gpu[0-1]',
    '      free bigmem,ssd      2      8 +    0 rank[2-3]/core[0-3]',
    ' allocated                 0      0 +    0 ',
    '      down                 0      0 +    0 ',
    'rc=0',
    '     STATE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free gpu             1      4     2 node1',
    '      free bigmem,ssd      1      4     0 node2',
    'rc=0',
    '     STATE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free gpu             2      7     3 node[0-1]',
    '      free bigmem,ssd      1      4     0 node3',
    ' allocated gpu             1      1     1 node1',
    '      down ssd,bigmem      1      4     0 node2',
    'rc=0',
    '     STATE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '       all gpu             2      8     4 node[0-1]',
    '       all bigmem,ssd      2      8     0 node[2-3]',
    '        up gpu             2      8     4 node[0-1]',
    '        up bigmem,ssd      1      4     0 node3',
    ' allocated gpu             1      1     1 node1',
    'rc=0',
    'gpu,bigmem,ssd',
    'rc=0',
    'gpu,bigmem,ssd',
    'rc=0',
    '3 Nodes, 11 Cores, 3 GPUs',
    'rc=0',
    '       STATEUP NNODES NODELIST',
    '       avail ✔      3 node[0-1,3]',
    '     exclude ✔      0 ',
    '   allocated ✔      1 node1',
    '      torpid ✔      0 ',
    'housekeeping ✔      0 ',
    '    draining ✔      0 ',
    '     drained ✔      1 node2',
    'rc=0',
]


QUEUES_TOML = FOUR_NODES_TOML + """\
[[resource.config]]
hosts = "node[0-1]"
properties = ["debug"]
[[resource.config]]
hosts = "node[2-3]"
properties = ["batch", "bigmem"]
[queues.debug]
requires = ["debug"]
[queues.batch]
requires = ["batch"]
"""

QUEUES_SCRIPT = """\
flux queue start --all >/dev/null
flux resource list; echo rc=$?
flux resource list -s all; echo rc=$?
flux resource list -s free,down; echo rc=$?
flux resource list -q debug; echo rc=$?
flux resource list -q foo; echo rc=$?
flux resource list -s bogus; echo rc=$?
flux resource list -n -s up; echo rc=$?
flux resource list -o '{state}|{queue}|{properties}|{propertiesx}|{nodelist}'; echo rc=$?
flux resource list -o rlist; echo rc=$?
flux resource list -o help; echo rc=$?
flux resource list -o nope; echo rc=$?
flux resource list -o '{bogus}'; echo rc=$?
flux resource list -o get-config=rlist; echo rc=$?
flux resource list -i 0,2; echo rc=$?
flux resource list -i node3 --no-skip-empty; echo rc=$?
flux resource list --skip-empty; echo rc=$?
flux resource info; echo rc=$?
flux resource info -q batch -s free; echo rc=$?
id=$(flux submit -q batch -N1 -n1 --requires=host:node2 sleep 300)
flux job wait-event -t 60 $id start >/dev/null
flux resource drain 1 testing
flux resource list; echo rc=$?
flux resource list -s all,allocated; echo rc=$?
flux resource list -o '{state}|{queue}|{properties}|{propertiesx}|{nodelist}'; echo rc=$?
flux resource list -q debug; echo rc=$?
flux resource list -q batch -s all,free; echo rc=$?
flux resource list -i node2; echo rc=$?
flux resource list -no '{properties}'; echo rc=$?
flux resource list -no '{nodelist}'; echo rc=$?
flux resource info; echo rc=$?
flux resource status; echo rc=$?
flux resource status -s all; echo rc=$?
flux resource status -q batch -o '{statex}|{status}|{ranks}|{nodelist}|{reason}'; echo rc=$?
flux resource status -s drain -o long; echo rc=$?
flux resource status -s bogus; echo rc=$?
flux resource drain -n -o '{ranks} {state} {reason} {nodelist}'; echo rc=$?
flux cancel $id
"""

QUEUES_OUTPUT = [
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free debug                 2      8     0 node[0-1]',
    '      free batch bigmem          2      8     0 node[2-3]',
    ' allocated debug                 0      0     0 ',
    ' allocated batch                 0      0     0 ',
    '      down debug                 0      0     0 ',
    '      down batch                 0      0     0 ',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '       all debug                 2      8     0 node[0-1]',
    '       all batch bigmem          2      8     0 node[2-3]',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free debug                 2      8     0 node[0-1]',
    '      free batch bigmem          2      8     0 node[2-3]',
    '      down debug                 0      0     0 ',
    '      down batch                 0      0     0 ',
    'rc=0',
    '     STATE QUEUE NNODES NCORES NGPUS NODELIST',
    '      free debug      2      8     0 node[0-1]',
    ' allocated debug      0      0     0 ',
    '      down debug      0      0     0 ',
    'rc=0',
    'flux-resource: ERROR: --queue: foo: no such queue',
    'rc=1',
    'flux-resource: ERROR: Invalid resource state bogus specified',
    'rc=1',
    '        up debug                 2      8     0 node[0-1]',
    '        up batch bigmem          2      8     0 node[2-3]',
    'rc=0',
    'STATE|QUEUE|PROPERTIES|PROPERTIES|NODELIST',
    'free|debug|debug||node[0-1]',
    'free|batch|bigmem,batch|bigmem|node[2-3]',
    'allocated|debug|||',
    'allocated|batch|||',
    'down|debug|||',
    'down|batch|||',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES +NGPUS LIST',
    '      free debug                 2      8 +    0 rank[0-1]/core[0-3]',
    '      free batch bigmem          2      8 +    0 rank[2-3]/core[0-3]',
    ' allocated debug                 0      0 +    0 ',
    ' allocated batch                 0      0 +    0 ',
    '      down debug                 0      0 +    0 ',
    '      down batch                 0      0 +    0 ',
    'rc=0',
    '',
    'Configured flux-resource output formats:',
    '',
    '  default      Default flux-resource list format string',
    '  rlist        Format including resource list details',
    'rc=0',
    "flux-resource: ERROR: --format: No such format nope (Did you mean '{nope}'?)",
    'rc=1',
    'flux-resource: ERROR: Unknown format field: bogus',
    'rc=1',
    '[list.formats.rlist]',
    'description = "Format including resource list details"',
    'format = "{state:>10} ?+:{queue:<5} ?:{propertiesx:<10.10+} {nnodes:>6} +:{ncores:>6} ?:+{ngpus:>5} {rlist}"',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free debug                 1      4     0 node0',
    '      free batch bigmem          1      4     0 node2',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free batch bigmem          1      4     0 node3',
    ' allocated debug                 0      0     0 ',
    ' allocated batch                 0      0     0 ',
    '      down debug                 0      0     0 ',
    '      down batch                 0      0     0 ',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free debug                 2      8     0 node[0-1]',
    '      free batch bigmem          2      8     0 node[2-3]',
    'rc=0',
    '4 Nodes, 16 Cores, 0 GPUs',
    'rc=0',
    '2 Nodes, 8 Cores, 0 GPUs',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free debug                 1      4     0 node0',
    '      free batch bigmem          2      7     0 node[2-3]',
    ' allocated batch bigmem          1      1     0 node2',
    '      down debug                 1      4     0 node1',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '       all debug                 2      8     0 node[0-1]',
    '       all batch bigmem          2      8     0 node[2-3]',
    ' allocated batch bigmem          1      1     0 node2',
    'rc=0',
    'STATE|QUEUE|PROPERTIES|PROPERTIES|NODELIST',
    'free|debug|debug||node0',
    'free|batch|bigmem,batch|bigmem|node[2-3]',
    'allocated|batch|batch,bigmem|bigmem|node2',
    'down|debug|debug||node1',
    'rc=0',
    '     STATE QUEUE NNODES NCORES NGPUS NODELIST',
    '      free debug      1      4     0 node0',
    ' allocated debug      0      0     0 ',
    '      down debug      1      4     0 node1',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '       all batch bigmem          2      8     0 node[2-3]',
    '      free batch bigmem          2      7     0 node[2-3]',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free batch bigmem          1      3     0 node2',
    ' allocated batch bigmem          1      1     0 node2',
    'rc=0',
    'debug,bigmem,batch',
    'rc=0',
    'node[0-3]',
    'rc=0',
    '4 Nodes, 16 Cores, 0 GPUs',
    'rc=0',
    '       STATEUP NNODES NODELIST',
    '       avail ✔      3 node[0,2-3]',
    '     drained ✔      1 node1',
    'rc=0',
    '       STATEUP NNODES NODELIST',
    '       avail ✔      3 node[0,2-3]',
    '     exclude ✔      0 ',
    '   allocated ✔      1 node2',
    '      torpid ✔      0 ',
    'housekeeping ✔      0 ',
    '    draining ✔      0 ',
    '     drained ✔      1 node1',
    'rc=0',
    'STATE|STATUS|RANKS|NODELIST|REASON',
    'avail|online|2-3|node[2-3]|',
    'rc=0',
    '       STATEUP NNODES REASON                         NODELIST',
    '    draining ✔      0                                ',
    '     drained ✔      1 testing                        node1',
    'rc=0',
    'flux-resource: ERROR: Invalid resource state bogus specified',
    'flux-resource: INFO: valid states: all,online,avail,offline,exclude,drain,draining,drained,torpid,allocated,housekeeping',
    'rc=1',
    '1 drained testing node1',
    'rc=0',
]


MIXED_TOML = """\
[resource]
noverify = true

[[resource.config]]
hosts = "node[0-3]"
cores = "0-1"
[[resource.config]]
hosts = "node[0-1]"
properties = ["debug", "fast"]
[queues.debug]
requires = ["debug"]
[queues.all]
"""

MIXED_SCRIPT = """\
flux queue start --all >/dev/null
flux resource list; echo rc=$?
flux resource list -q all; echo rc=$?
flux resource list -q debug -o '{state} {queue} {properties} {propertiesx}'; echo rc=$?
flux resource list -q all,nope; echo rc=$?
flux resource list -s all -i 1-2; echo rc=$?
FLUX_RESOURCE_LIST_FORMAT_DEFAULT='{state} {nnodes}' flux resource list; echo rc=$?
FLUX_RESOURCE_LIST_FORMAT_DEFAULT=rlist flux resource list -s all; echo rc=$?
flux resource info -q debug; echo rc=$?
flux resource status -s all -q debug; echo rc=$?
"""

MIXED_OUTPUT = [
    '     STATE QUEUE     PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free debug,all fast            2      4     0 node[0-1]',
    '      free all                       2      4     0 node[2-3]',
    ' allocated debug                     0      0     0 ',
    ' allocated all                       0      0     0 ',
    '      down debug                     0      0     0 ',
    '      down all                       0      0     0 ',
    'rc=0',
    '     STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST',
    '      free all   fast            2      4     0 node[0-1]',
    '      free all                   2      4     0 node[2-3]',
    ' allocated all                   0      0     0 ',
    '      down all                   0      0     0 ',
    'rc=0',
    'STATE QUEUE PROPERTIES PROPERTIES',
    'free debug debug,fast fast',
    'allocated debug  ',
    'down debug  ',
    'rc=0',
    'flux-resource: ERROR: --queue: nope: no such queue',
    'rc=1',
    '     STATE QUEUE     PROPERTIES NNODES NCORES NGPUS NODELIST',
    '       all debug,all fast            1      2     0 node1',
    '       all all                       1      2     0 node2',
    'rc=0',
    'STATE NNODES',
    'free 4',
    'allocated 0',
    'down 0',
    'rc=0',
    '     STATE QUEUE     PROPERTIES NNODES NCORES +NGPUS LIST',
    '       all debug,all fast            2      4 +    0 rank[0-1]/core[0-1]',
    '       all all                       2      4 +    0 rank[2-3]/core[0-1]',
    'rc=0',
    '2 Nodes, 4 Cores, 0 GPUs',
    'rc=0',
    '       STATEUP NNODES NODELIST',
    '       avail ✔      2 node[0-1]',
    '     exclude ✔      0 ',
    '   allocated ✔      0 ',
    '      torpid ✔      0 ',
    'housekeeping ✔      0 ',
    '    draining ✔      0 ',
    '     drained ✔      0 ',
    'rc=0',
]

SCHEDULERS = [pytest.param([], id="fluxion"),
              pytest.param(["--conf=modules.alternatives.sched=sched-simple"], id="sched-simple")]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("toml, script, expected", [
    (PLAIN_TOML, PLAIN_SCRIPT, PLAIN_OUTPUT),
    (PROPS_TOML, PROPS_SCRIPT, PROPS_OUTPUT),
    (QUEUES_TOML, QUEUES_SCRIPT, QUEUES_OUTPUT),
    (MIXED_TOML, MIXED_SCRIPT, MIXED_OUTPUT),
], ids=["plain", "properties-gpus", "queues", "mixed-queues"])
def test_flux_resource_commands(start, scheduler, toml, script, expected, tmp_path):
    (tmp_path / "instance.toml").write_text(toml)
    proc = subprocess.run(
        [*start, "--test-size=4", "--test-hosts=node[0-3]", "-c", str(tmp_path), *scheduler,
         "sh", "-c", "exec 2>&1\n" + script],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == expected


# -- what flux resource list reads ---------------------------------------------------------

def _R(R_lite, nodelist, properties=None):
    execution = {"R_lite": R_lite, "starttime": 0.0, "expiration": 0.0, "nodelist": nodelist}
    if properties:
        execution["properties"] = properties
    return {"version": 1, "execution": execution}


ALL = _R([{"rank": "0-3", "children": {"core": "0-3"}}], ["node[0-3]"],
         {"bigmem": "2-3", "debug": "0-1", "batch": "2-3"})
# recorded: resource.sched-status, QUEUES_TOML, sched-simple (keys and properties in order)
IDLE = {"all": ALL, "down": _R([], [""]), "allocated": _R([], [""])}
BUSY = {"all": ALL,
        "down": _R([{"rank": "1", "children": {"core": "0-3"}}], ["node1"], {"debug": "1"}),
        "allocated": _R([{"rank": "2", "children": {"core": "0"}}], ["node2"],
                        {"batch": "2", "bigmem": "2"})}


def test_resource_sched_status_is_the_resource_modules(tmp_path):
    (tmp_path / "instance.toml").write_text(QUEUES_TOML)
    with fluxsim.start(config=str(tmp_path / "instance.toml"), scheduler="sched-simple",
                       clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        idle = h.rpc("resource.sched-status").get()
        inst.start_queues()
        spec = fj.JobspecV1.from_command(["sleep", "30"], num_tasks=1, num_nodes=1)
        spec.setattr("system.queue", "batch")
        jobid = fj.submit(h, spec)
        fj.event_wait(h, jobid, "start")
        inst.drain([1], "testing")
        busy = h.rpc("resource.sched-status").get()
    # key order counts: flux resource list prints properties in it
    assert json.dumps(idle) == json.dumps(IDLE)
    assert json.dumps(busy) == json.dumps(BUSY)
