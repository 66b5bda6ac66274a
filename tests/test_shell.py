"""The job shell's task layout and environment, checked against flux-core 0.88.

The rcalc cases are flux-core's own fixtures (t/shell, driven by
t/t2600-job-shell-rcalc.t), read from ../shared; taskmap cases come from
t/t2616-job-shell-taskmap.t; environment rules from flux-environment(7) and
the job environment table of flux-run(1) / flux-submit(1).
"""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxsim.resource.rv1 import Rv1
from fluxsim.shell import (
    Rcalc,
    Taskmap,
    cpu_affinity,
    cuda_visible_devices,
    format_rcalc,
    shell_environment,
    shell_info,
    task_environment,
)
from fluxsim.shell.affinity import distribute_tasks, parse_cpuset_list
from fluxsim.shell.environ import local_uri
from fluxsim.shell.mustache import render
from fluxsim.shell.taskmap import remap

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "flux-fixtures" / "shell"


def _rcalc_cases():
    """One case per ``*.expected``: (input name, per-resource type, N, path)."""
    if not FIXTURES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no {FIXTURES}"))]
    cases = []
    for path in sorted((FIXTURES / "output").glob("*.expected")):
        name, count = path.name.removesuffix(".expected").rsplit(".", 1)
        cases.append(pytest.param((name, None, int(count), path), id=path.name))
    for path in sorted((FIXTURES / "output" / "per-resource").glob("*.expected")):
        name, rtype, count = path.name.removesuffix(".expected").rsplit(".", 2)
        cases.append(
            pytest.param((name, rtype, int(count), path), id=f"per-resource/{path.name}")
        )
    return cases


def R_lite(*entries, **execution):
    """An R v1 dict from (ranks, cores[, gpus]) tuples."""
    lite = []
    for ranks, cores, *gpus in entries:
        children = {"core": cores}
        if gpus:
            children["gpu"] = gpus[0]
        lite.append({"rank": ranks, "children": children})
    return {"version": 1, "execution": {"R_lite": lite, **execution}}


def jobspec_v1(nnodes, ntasks, cores_per_task=1, gpus_per_task=0, exclusive=False,
               options=None, environment=None):
    """Jobspec as ``flux run [-N nnodes] -n ntasks -c .. -g ..`` builds it."""
    children = [{"type": "core", "count": cores_per_task}]
    if gpus_per_task:
        children.append({"type": "gpu", "count": gpus_per_task})
    if nnodes:
        nslots = -(-ntasks // nnodes)
        count = {"total": ntasks} if ntasks % nnodes else {"per_slot": 1}
        slot = {"type": "slot", "count": nslots, "label": "task", "with": children}
        node = {"type": "node", "count": nnodes, "with": [slot]}
        if exclusive:
            node["exclusive"] = True
        resources = [node]
    else:
        count = {"per_slot": 1}
        resources = [{"type": "slot", "count": ntasks, "label": "task", "with": children}]
    system = {"duration": 0, "environment": environment or {}}
    if options:
        system["shell"] = {"options": options}
    return {
        "version": 1,
        "resources": resources,
        "tasks": [{"command": ["true"], "slot": "task", "count": count}],
        "attributes": {"system": system},
    }


# --- rcalc: flux-core's fixtures, compared line by line ---


@pytest.mark.parametrize("case", _rcalc_cases())
def test_rcalc_matches_flux_fixture(case):
    name, rtype, count, expected = case
    R = json.loads((FIXTURES / "input" / f"{name}.json").read_text())
    out, err = format_rcalc(R, count, per_resource=rtype)
    assert out.splitlines() == expected.read_text().splitlines()
    assert err == expected.with_suffix(".err").read_text()


@pytest.mark.parametrize(
    "cores, ntasks, cores_per_slot, expected",
    [
        # t2600: distribute 5 slots of size 5 across 6 allocated
        ("0-14", 5, 5, ["0: rank=0 ntasks=3 cores=0-14", "1: rank=1 ntasks=2 cores=0-14"]),
        # t2600: distribute can oversubscribe (e.g. for --add-brokers)
        ("0-7", 3, 8, ["0: rank=0 ntasks=2 cores=0-7", "1: rank=1 ntasks=1 cores=0-7"]),
    ],
)
def test_rcalc_cores_per_slot(cores, ntasks, cores_per_slot, expected):
    out, err = format_rcalc(R_lite(("0-1", cores)), ntasks, cores_per_slot=cores_per_slot)
    assert out.splitlines()[1:] == ["Used 2 nodes", *expected]
    assert err == ""


def test_rcalc_ties_follow_czmq_comb_sort():
    # Ranks 1 and 2 both have the most cores; czmq's unstable comb sort puts
    # rank 2 first, so the single task lands there, not on rank 1.
    rc = Rcalc(R_lite(("0", "0"), ("1-2", "0-1")))
    rc.distribute(1)
    assert [ri.ntasks for ri in rc] == [0, 0, 1]


@pytest.mark.parametrize(
    "ntasks, taskmap",
    [
        (3, [[0, 3, 1, 1]]),
        (4, [[0, 2, 1, 1], [2, 1, 2, 1]]),  # the comb sort's pick: rank 2, not 1
        (5, [[0, 1, 1, 1], [1, 2, 2, 1]]),
        (6, [[0, 1, 1, 1], [1, 1, 2, 1], [2, 1, 3, 1]]),  # oversubscribed
        (7, [[0, 1, 1, 1], [1, 2, 3, 1]]),
    ],
)
def test_slots_without_nodes_on_uneven_ranks(ntasks, taskmap):
    # 5 one-core slots on ranks with 1, 2 and 2 cores; R as sched-simple
    # wrote it and taskmaps as flux-core 0.88's shells produced them.
    R = R_lite(("0", "0"), ("1-2", "0-1"), nslots=5)
    js = jobspec_v1(None, 5)
    js["tasks"][0]["count"] = {"total": ntasks}
    assert shell_info(R, js).taskmap.encode(wrapped=False) == taskmap


def test_a_rank_without_tasks_fails_the_job():
    R = R_lite(("0", "0"), ("1-2", "0-1"), nslots=5)
    js = jobspec_v1(None, 5)
    js["tasks"][0]["count"] = {"total": 2}
    message = "taskmap: failed to process rank=0: Invalid argument"
    with pytest.raises(ValueError, match=message):
        shell_info(R, js)


def test_rcalc_reads_the_project_rv1_and_nodelist_hostnames():
    R = Rv1.from_shape(2, 4, gpus_per_node=2)
    expected = [(0, "node0", "0-3", "0-1"), (1, "node1", "0-3", "0-1")]
    for source in (R, R.to_dict()):
        got = [(ri.rank, ri.hostname, ri.cores, ri.gpus) for ri in Rcalc(source)]
        assert got == expected


@given(
    st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=64),
)
def test_rcalc_distribute_places_every_task(ncores, ntasks):
    R = R_lite(*((str(r), f"0-{n - 1}" if n > 1 else "0") for r, n in enumerate(ncores)))
    rc = Rcalc(R)
    if ntasks > sum(ncores):
        with pytest.raises(OSError):
            rc.distribute(ntasks)
        return
    rc.distribute(ntasks)
    counts = [ri.ntasks for ri in rc]
    assert sum(counts) == ntasks == rc.total_ntasks
    # never more tasks than cores when cores suffice
    assert all(t <= c for t, c in zip(counts, ncores))


def test_rcalc_per_resource_unknown_type_is_an_error():
    out, err = format_rcalc(R_lite(("0", "0-1")), 1, per_resource="socket")
    assert out == "Distributing 1 tasks per-socket across 1 nodes with 2 cores\n"
    assert err == "rcalc_distribute_per_resource: Invalid argument"


# --- taskmap (RFC 34, t2616-job-shell-taskmap.t) ---


def test_block_taskmap_queries():
    m = Taskmap.block([4, 4, 4, 4])
    assert m.dumps(wrapped=False) == "[[0,4,4,1]]"
    assert m.dumps() == '{"version":1,"map":[[0,4,4,1]]}'
    assert m.taskids(0) == [0, 1, 2, 3]
    assert m.ntasks(0) == 4
    assert m.nodeid(15) == 3
    assert m.encode_pmi() == "(vector,(0,4,4))"
    assert m.encode_raw() == "0-3;4-7;8-11;12-15"
    with pytest.raises(ValueError, match="failed to get nodeid for task 16"):
        m.nodeid(16)


def test_block_taskmap_merges_runs_of_equal_counts():
    assert Taskmap.block([3, 3, 3, 3, 1, 1, 1, 1]).encode(wrapped=False) == [
        [0, 4, 3, 1],
        [4, 4, 1, 1],
    ]


def test_block_taskmap_rejects_a_node_without_tasks():
    with pytest.raises(ValueError, match="taskmap: failed to process rank=2"):
        Taskmap.block([1, 1, 0])


@pytest.mark.parametrize(
    "option, expected",
    [
        ("block", [[0, 4, 4, 1]]),
        ({"scheme": "cyclic"}, [[0, 4, 1, 4]]),
        ({"scheme": "cyclic", "value": "2"}, [[0, 4, 2, 2]]),
        ("cyclic:3", [[0, 4, 3, 1], [0, 4, 1, 1]]),
        ("manual:[[1,3,4,1],[0,1,4,1]]", [[1, 3, 4, 1], [0, 1, 4, 1]]),
    ],
)
def test_taskmap_option(option, expected):
    assert remap(Taskmap.block([4] * 4), option).encode(wrapped=False) == expected


@pytest.mark.parametrize(
    "option, message",
    [
        ("block:oops", "block taskmap does not accept a value"),
        ("cyclic:0", "invalid cyclic stride: 0"),
        ("cyclic:foo", "invalid cyclic stride: foo"),
        ("manual:[]", "mapping is unknown"),
        ("manual:{}", "version"),
        ("manual:[[1,3,4,1]]", "got 12 total tasks, expected 16"),
        ("manual:[[1,3,4,1],[0,1,3,1]]", "got 15 total tasks, expected 16"),
        ("foo", "failed to map tasks with scheme=foo"),
        # 0.88 quirk: a stride above a node's task count over-assigns it
        ("cyclic:5", "got 20 total tasks, expected 16"),
    ],
)
def test_taskmap_option_errors(option, message):
    with pytest.raises(ValueError, match=message):
        remap(Taskmap.block([4] * 4), option)


def test_cyclic_stride_above_tasks_per_node_fails_like_flux():
    # real flux 0.88: flux run -N2 -n2 --taskmap=cyclic:2 fails with this
    with pytest.raises(ValueError, match="invalid taskmap: got 4 total tasks, expected 2"):
        remap(Taskmap.block([1, 1]), "cyclic:2")


def test_manual_taskmap_can_move_tasks_between_nodes():
    m = remap(Taskmap.block([2, 2, 1, 1]), "manual:[[0,1,3,1],[1,3,1,1]]")
    assert [m.ntasks(n) for n in range(4)] == [3, 1, 1, 1]


@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=6))
def test_block_taskmap_is_consecutive_and_round_trips(counts):
    m = Taskmap.block(counts)
    ids = [m.taskids(n) for n in range(len(counts))]
    assert sum(ids, []) == list(range(sum(counts)))
    assert Taskmap.decode(m.dumps()) == m
    assert Taskmap.decode(m.encode_pmi()).taskids(len(counts) - 1) == ids[-1]


@given(
    st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=6),
    st.data(),
)
def test_cyclic_keeps_per_node_counts(counts, data):
    stride = data.draw(st.integers(min_value=1, max_value=min(counts)))
    m = Taskmap.block(counts).cyclic(stride)
    assert [m.ntasks(n) for n in range(len(counts))] == counts


# --- the whole plan: shell_info ---


def test_uneven_v1_split_trims_the_spare_slot():
    # flux run -N2 -n3: two 1-core slots per node, but node 1 runs one task,
    # so the shell gives back its spare core (flux-core #7174).
    info = shell_info(R_lite(("0-1", "0-1")), jobspec_v1(2, 3))
    assert [(r.ntasks, r.cores, r.taskids) for r in info.ranks] == [
        (2, "0-1", (0, 1)),
        (1, "0", (2,)),
    ]
    assert info.ranks[1].ncores == 2
    assert info.taskmap.encode(wrapped=False) == [[0, 1, 2, 1], [1, 1, 1, 1]]


def test_trim_with_nslots_in_R():
    # sched-simple 0.88 records nslots in R; the shell then takes slots from R
    info = shell_info(R_lite(("0-1", "0-1"), nslots=4), jobspec_v1(2, 3))
    assert [(r.ntasks, r.cores) for r in info.ranks] == [(2, "0-1"), (1, "0")]


def test_exclusive_nodes_are_not_trimmed():
    info = shell_info(R_lite(("0-1", "0-1")), jobspec_v1(2, 3, exclusive=True))
    assert [r.cores for r in info.ranks] == ["0-1", "0-1"]


def test_per_resource_option_from_jobspec():
    js = jobspec_v1(None, 4, options={"per-resource": {"type": "core", "count": 2}})
    info = shell_info(R_lite(("0-1", "0-1")), js)
    assert info.total_ntasks == 8
    assert [r.ntasks for r in info.ranks] == [4, 4]


def test_taskmap_option_from_jobspec():
    js = jobspec_v1(2, 8, options={"taskmap": {"scheme": "cyclic", "value": ""}})
    info = shell_info(R_lite(("0-1", "0-3")), js)
    # flux-environment(7): cyclic puts tasks 0,2,4,6 on node 0
    assert [r.taskids for r in info.ranks] == [(0, 2, 4, 6), (1, 3, 5, 7)]


def test_rank_info_object():
    info = shell_info(R_lite(("0-1", "0-3", "0-1")), ntasks=4)
    assert info.ranks[1].rank_info() == {
        "id": 1,
        "name": None,
        "broker_rank": 1,
        "ntasks": 2,
        "taskids": "2-3",
        "resources": {"ncores": 4, "cores": "0-3", "gpus": "0-1"},
    }


# --- affinity (flux-shell-options(5): cpu-affinity, gpu-affinity) ---


@pytest.mark.parametrize(
    "ncores, ntasks, expected",
    [
        (8, 4, [(0, 1), (2, 3), (4, 5), (6, 7)]),  # the man page's example
        (4, 4, [(0,), (1,), (2,), (3,)]),
        (3, 2, [(0,), (1, 2)]),
        (2, 4, [(0,), (0,), (1,), (1,)]),  # more tasks than cores share cores
    ],
)
def test_cpu_affinity_per_task(ncores, ntasks, expected):
    assert distribute_tasks(range(ncores), ntasks) == expected


def test_cpu_affinity_policies():
    rank = shell_info(R_lite(("0", "0-3")), ntasks=2).ranks[0]
    assert cpu_affinity(rank) == [(0, 1, 2, 3)] * 2
    assert cpu_affinity(rank, {"cpu-affinity": "off"}) is None
    assert cpu_affinity(rank, {"cpu-affinity": "verbose,per-task"}) == [(0, 1), (2, 3)]
    assert cpu_affinity(rank, {"cpu-affinity": "map:0-1;2-3"}) == [(0, 1), (2, 3)]


def test_cpuset_map_formats_and_reuse():
    assert parse_cpuset_list("0x3;2,3;0x00000001,0x00000000", 4) == [
        (0, 1), (2, 3), (32,), (0, 1),
    ]
    with pytest.raises(ValueError, match="contains no cores"):
        parse_cpuset_list("0x0", 1)


@pytest.mark.parametrize(
    "gpus, ntasks, option, expected",
    [
        ("0-3", 2, None, ["0,1,2,3", "0,1,2,3"]),  # "on": every task sees all
        (None, 2, None, ["-1", "-1"]),  # no GPUs: -1, not the node's GPUs
        ("0-3", 2, "per-task", ["0,1", "2,3"]),
        ("0-2", 2, "per-task", ["0", "1"]),
        ("0", 2, "per-task", ["", ""]),  # 0.88 code: 1 // 2 == 0 GPUs each
        ("0-1", 2, "map:1;0", ["1", "0"]),
        ("0-3", 2, "off", None),
    ],
)
def test_cuda_visible_devices(gpus, ntasks, option, expected):
    entry = ("0", "0-3", gpus) if gpus else ("0", "0-3")
    rank = shell_info(R_lite(entry), ntasks=ntasks).ranks[0]
    options = {"gpu-affinity": option} if option else {}
    assert cuda_visible_devices(rank, options) == expected


# --- environment (flux-environment(7), flux-run(1)) ---

JOBID = 6731191091817518
JOBID_F58 = "ƒuZZybuNNy"  # flux-core's libutil/test/fluid.c vector


@pytest.fixture
def two_node_job():
    """8 tasks on 2 nodes with 2 GPUs each, as in flux-environment(7)."""
    return shell_info(R_lite(("0-1", "0-3", "0-1")), jobspec_v1(2, 8))


def test_task_environment_job_variables(two_node_job):
    env = task_environment({"PATH": "/bin"}, JOBID_F58, two_node_job, 5, rundir="/run/f")
    assert env["PATH"] == "/bin"
    assert env["FLUX_JOB_ID"] == JOBID_F58
    assert env["FLUX_JOB_SIZE"] == "8"
    assert env["FLUX_JOB_NNODES"] == "2"
    assert env["FLUX_TASK_RANK"] == "5"
    assert env["FLUX_TASK_LOCAL_ID"] == "1"
    assert env["FLUX_KVS_NAMESPACE"] == f"job-{JOBID}"
    assert env["FLUX_JOB_ID_PATH"] == f"/{JOBID_F58}"
    assert env["FLUX_URI"] == "local:///run/f/local-1"
    assert env["FLUX_JOB_TMPDIR"] == f"/run/f/jobtmp-1-{JOBID_F58}"
    assert env["PMI_RANK"] == "5" and env["PMI_SIZE"] == "8"
    assert env["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"


def test_default_environment_variables(two_node_job):
    # the variables flux-core 0.88 adds to an empty job environment, as seen
    # with `flux run --env=-* -N2 -n3 env` (less PMI_FD, see fluxsim.shell.environ)
    env = task_environment({}, JOBID, two_node_job, 0, rundir="/r",
                           pmi_library_path="/p/lib/flux/libpmi.so")
    assert set(env) == {
        "CUDA_DEVICE_ORDER", "CUDA_VISIBLE_DEVICES", "FLUX_JOB_ID", "FLUX_JOB_ID_PATH",
        "FLUX_JOB_NNODES", "FLUX_JOB_SIZE", "FLUX_JOB_TMPDIR", "FLUX_KVS_NAMESPACE",
        "FLUX_PMI_LIBRARY_PATH", "FLUX_TASK_LOCAL_ID", "FLUX_TASK_RANK",
        "FLUX_TERMINUS_SESSION", "FLUX_URI", "LD_LIBRARY_PATH",
        "OMPI_MCA_btl_vader_backing_directory", "PMI_RANK", "PMI_SIZE",
    }
    assert env["FLUX_TERMINUS_SESSION"] == "0"


@pytest.mark.parametrize("taskid, local_id", [(0, 0), (3, 3), (4, 0), (7, 3)])
def test_block_task_ranks_and_local_ids(two_node_job, taskid, local_id):
    env = task_environment({}, JOBID, two_node_job, taskid, rundir="/r")
    assert env["FLUX_TASK_LOCAL_ID"] == str(local_id)
    assert env["FLUX_URI"] == local_uri("local:///r", taskid // 4)


def test_shell_overrides_and_removes_inherited_variables(two_node_job):
    submitted = {
        "FLUX_URI": "local:///elsewhere/local-0",
        "FLUX_PROXY_REMOTE": "host",
        "FLUX_JOB_ID": "ƒold",
        "CUDA_VISIBLE_DEVICES": "7",
        "CUDA_DEVICE_ORDER": "FASTEST_FIRST",
        "FLUX_JOB_CC": "3",
    }
    env = task_environment(submitted, JOBID_F58, two_node_job, 0, rundir="/r")
    assert env["FLUX_URI"] == "local:///r/local-0"
    assert "FLUX_PROXY_REMOTE" not in env
    assert env["FLUX_JOB_ID"] == JOBID_F58
    assert env["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert env["CUDA_DEVICE_ORDER"] == "FASTEST_FIRST"  # set only if unset
    assert env["FLUX_JOB_CC"] == "3"  # flux submit --cc passes it in jobspec


def test_gpu_affinity_off_leaves_cuda_alone():
    js = jobspec_v1(None, 2, options={"gpu-affinity": "off"})
    info = shell_info(R_lite(("0", "0-1", "0-1")), js)
    env = task_environment({"CUDA_VISIBLE_DEVICES": "7"}, 1, info, 0, rundir="/r")
    assert env["CUDA_VISIBLE_DEVICES"] == "7"
    assert "CUDA_DEVICE_ORDER" not in env


def test_gpu_affinity_per_task_environment():
    js = jobspec_v1(None, 2, options={"gpu-affinity": "per-task"})
    info = shell_info(R_lite(("0", "0-1", "0-1")), js)
    assert shell_environment({}, 1, info, 0, rundir="/r")["CUDA_VISIBLE_DEVICES"] == "-1"
    assert [
        task_environment({}, 1, info, t, rundir="/r")["CUDA_VISIBLE_DEVICES"]
        for t in (0, 1)
    ] == ["0", "1"]


def test_pmi_none_sets_no_pmi_variables():
    info = shell_info(R_lite(("0", "0")), jobspec_v1(None, 1, options={"pmi": "none"}))
    env = task_environment({}, 1, info, 0, rundir="/r", pmi_library_path="/x/libpmi.so")
    assert not {"PMI_RANK", "PMI_SIZE", "FLUX_PMI_LIBRARY_PATH"} & env.keys()


def test_pmi_library_path_is_prepended():
    info = shell_info(R_lite(("0", "0")), ntasks=1)
    env = task_environment(
        {"LD_LIBRARY_PATH": "/usr/lib"}, 1, info, 0, rundir="/r",
        pmi_library_path="/prefix/lib/flux/libpmi.so",
    )
    assert env["LD_LIBRARY_PATH"] == "/prefix/lib/flux:/usr/lib"
    assert env["FLUX_PMI_LIBRARY_PATH"] == "/prefix/lib/flux/libpmi.so"


def test_force_ascii_f58_and_nested_jobid_path():
    info = shell_info(R_lite(("0", "0")), ntasks=1)
    env = task_environment(
        {"FLUX_F58_FORCE_ASCII": "1"}, JOBID_F58, info, 0, rundir="/r",
        jobid_path="/ƒD2e73NP",
    )
    assert env["FLUX_JOB_ID"] == "fuZZybuNNy"
    assert env["FLUX_JOB_ID_PATH"] == "/ƒD2e73NP/fuZZybuNNy"


def test_hostname_is_corrected_only_when_present():
    info = shell_info(R_lite(("0-1", "0"), nodelist=["node[0-1]"]), ntasks=2)
    env = task_environment({"HOSTNAME": "login"}, 1, info, 1, rundir="/r")
    assert env["HOSTNAME"] == "node1"
    assert "HOSTNAME" not in task_environment({}, 1, info, 0, rundir="/r")


def test_openmpi_backing_directory_unless_mpi_none():
    info = shell_info(R_lite(("0", "0")), ntasks=1)
    env = task_environment({}, 1, info, 0, rundir="/r")
    assert env["OMPI_MCA_btl_vader_backing_directory"] == env["FLUX_JOB_TMPDIR"]
    info = shell_info(R_lite(("0", "0")), jobspec_v1(None, 1, options={"mpi": "none"}))
    assert "OMPI_MCA_btl_vader_backing_directory" not in task_environment(
        {}, 1, info, 0, rundir="/r"
    )


def test_flux_uri_on_a_fluxsim_instance_uri(two_node_job):
    env = task_environment({}, JOBID, two_node_job, 7, rundir="/r", uri="sim://i0")
    assert env["FLUX_URI"] == "sim://i0/local-1"


def test_env_expand_renders_per_shell_and_per_task():
    js = jobspec_v1(2, 4, options={"env-expand": {
        "OUT": "{{tmpdir}}/{{node.id}}",
        "TASK": "{{id.dec}}.{{taskid}}",
    }})
    info = shell_info(R_lite(("0-1", "0-1")), js)
    env = task_environment({}, JOBID_F58, info, 3, rundir="/r")
    assert env["OUT"] == f"/r/jobtmp-1-{JOBID_F58}/1"
    assert env["TASK"] == f"{JOBID}.3"


# --- mustache templates (output paths, env-expand) ---


@pytest.mark.parametrize(
    "template, expected",
    [
        ("flux-{{id}}.out", f"flux-{JOBID_F58}.out"),
        ("{{jobid.dec}}", str(JOBID)),
        ("{{id.dothex}}", "0017.e9fb.8df1.6c2e"),
        ("{{name}}-{{nnodes}}-{{size}}-{{ntasks}}", "true-2-8-8"),
        ("{{node.id}} {{node.cores}} {{node.taskids}}", "0 0-3 0-3"),
        ("{{task.id}}", "{{task.id}}"),  # no current task: left as written
        ("{{id.bogus}} {{idx}} {{nope}}", "{{id.bogus}} {{idx}} {{nope}}"),
        ("a{{id", "a{{id"),
    ],
)
def test_mustache_render(two_node_job, template, expected):
    assert render(template, two_node_job, JOBID_F58) == expected


def test_mustache_job_name_from_jobspec():
    js = jobspec_v1(None, 1)
    js["attributes"]["system"]["job"] = {"name": "myjob"}
    info = shell_info(R_lite(("0", "0")), js)
    assert render("{{name}}", info, 1) == "myjob"
