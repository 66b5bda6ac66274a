"""SWF records -> Flux jobs: every documented choice of SWFMapping, and job lists."""

import io

import pytest

from fluxsim.job.Jobspec import validate_jobspec
from fluxsim.resource.request import ResourceRequest
from fluxsim.trace.joblist import read_joblist, write_joblist
from fluxsim.trace.mapping import SWFMapping, load_swf
from fluxsim.trace.swf import SWFRecord


def rec(job=1, submit=100, wait=5, run=50, alloc=4, req=4, reqtime=3600, status=1, user=2):
    return SWFRecord(job, submit, wait, run, alloc, None, None, req, reqtime, None, status,
                     user, 1, None, 1, None, None, None)


def test_default_is_cores_requested_time_and_run_time():
    job = SWFMapping().job(rec())
    assert (job.submit, job.ncores, job.nnodes) == (100.0, 4, 0)
    assert (job.duration, job.run_duration, job.userid, job.status) == (3600.0, 50.0, 2, "completed")
    slot = job.jobspec["resources"][0]
    assert slot["type"] == "slot" and slot["count"] == 4
    assert slot["with"] == [{"type": "core", "count": 1}]


@pytest.mark.parametrize(
    "size, alloc, req, expected",
    [
        ("requested", 4, 8, 8),
        ("requested", 4, None, 4),  # unknown request: fall back to allocated
        ("allocated", 4, 8, 4),
        ("allocated", None, 8, 8),
    ],
)
def test_size_choice(size, alloc, req, expected):
    assert SWFMapping(size=size).job(rec(alloc=alloc, req=req)).ncores == expected


@pytest.mark.parametrize("procs, cpn, nodes", [(1, 14, 1), (14, 14, 1), (15, 14, 2), (30, 14, 3)])
def test_nodes_are_whole_exclusive_nodes(procs, cpn, nodes):
    job = SWFMapping(resources="nodes", cores_per_node=cpn).job(rec(alloc=procs, req=procs))
    assert (job.nnodes, job.ncores) == (nodes, nodes * cpn)
    node = job.jobspec["resources"][0]
    assert node["type"] == "node" and node["exclusive"] is True and node["count"] == nodes
    request = ResourceRequest.from_jobspec(job.jobspec)
    assert request.exclusive and request.nnodes == nodes


@pytest.mark.parametrize(
    "kwargs, run, reqtime, duration, run_duration",
    [
        ({}, 50, 3600, 3600.0, 50.0),
        ({}, 50, None, 0.0, 50.0),  # unknown limit: default_duration, 0 = none
        ({"default_duration": 600}, 50, None, 600.0, 50.0),
        ({"duration": "runtime"}, 50, 3600, 50.0, 50.0),
        ({"duration": "none"}, 50, 3600, 0.0, 50.0),
        ({}, 7200, 3600, 3600.0, 7200.0),  # overrun: Flux will time it out
        ({"overrun": "extend"}, 7200, 3600, 7200.0, 7200.0),
        ({}, 0, 3600, 3600.0, 1.0),  # run time 0 runs min_run_duration
        ({"min_run_duration": 0.5}, 0, 3600, 3600.0, 0.5),
        ({"duration": "runtime"}, 0, 3600, 1.0, 1.0),
    ],
)
def test_duration_choices(kwargs, run, reqtime, duration, run_duration):
    job = SWFMapping(**kwargs).job(rec(run=run, reqtime=reqtime))
    assert (job.duration, job.run_duration) == (duration, run_duration)


def test_failed_jobs_exit_nonzero_or_as_chosen():
    spec = SWFMapping().job(rec(status=0)).jobspec
    assert spec["attributes"]["system"]["exec"]["test"]["wait_status"] == 256
    spec = SWFMapping(failed="complete").job(rec(status=0)).jobspec
    assert "wait_status" not in spec["attributes"]["system"]["exec"]["test"]
    assert SWFMapping(failed="skip").skip_reason(rec(status=0)) == "failed"
    assert SWFMapping(failed="skip").skip_reason(rec(status=4)) == "failed"


def test_cancelled_jobs_skipped_or_cancelled_at_their_recorded_end():
    assert SWFMapping().skip_reason(rec(status=5)) == "cancelled"
    mapping = SWFMapping(cancelled="cancel")
    job = mapping.job(rec(submit=100, wait=5, run=50, status=5))
    assert job.cancel_at == 155.0 and job.status == "cancelled"
    assert mapping.skip_reason(rec(run=None, status=5)) == "cancelled before it ran"
    assert mapping.skip_reason(rec(run=0, status=5)) == "cancelled before it ran"


@pytest.mark.parametrize(
    "record, reason",
    [
        (rec(submit=None), "unknown submit time"),
        (rec(alloc=None, req=None), "unknown processors"),
        (rec(alloc=0, req=0), "unknown processors"),
        (rec(run=None), "unknown run time"),
    ],
)
def test_records_that_cannot_be_jobs(record, reason):
    assert SWFMapping().skip_reason(record) == reason


def test_workload_shifts_submit_times_counts_skips_and_dedups_partials():
    records = [
        rec(job=1, submit=1000, status=1),
        rec(job=2, submit=1010, status=1),
        rec(job=2, submit=1010, status=2),  # partial line of summarized job 2
        rec(job=3, submit=1020, status=3),  # partial line, no summary: replayed
        rec(job=4, submit=1030, run=None),
    ]
    w = SWFMapping().workload(records)
    assert [(j.name, j.submit) for j in w] == [("1", 0.0), ("2", 10.0), ("3", 20.0)]
    assert w.skipped == {"partial execution of a summarized job": 1, "unknown run time": 1}


def test_jobspecs_are_valid_flux_jobspecs():
    for kwargs in ({}, {"resources": "nodes", "cores_per_node": 8}):
        job = SWFMapping(**kwargs).job(rec(alloc=12, req=12, status=0))
        validate_jobspec(__import__("json").dumps(job.jobspec), 1)


def test_load_swf_from_text():
    text = "; MaxNodes: 2\n; MaxProcs: 8\n" + "1 50 0 10 2 -1 -1 2 20 -1 1 1 1 -1 1 -1 -1 -1\n"
    w = load_swf(io.StringIO(text))
    assert len(w) == 1 and w.header["MaxProcs"] == "8" and w.jobs[0].submit == 0.0


def test_mapping_rejects_unknown_choices():
    with pytest.raises(ValueError, match="resources must be one of cores, nodes"):
        SWFMapping(resources="gpus")
    assert "resources='nodes'" in repr(SWFMapping(resources="nodes"))


# -- job lists -------------------------------------------------------------------------

JSON_LIST = """{"jobs": [
  {"id": "a", "submit": 0, "cores": 2, "duration": 60, "run_duration": 30},
  {"submit": 5, "nodes": 2, "duration": 10, "urgency": 20, "user": 7, "cancel_at": 8},
  {"submit": 6, "jobspec": {"version": 1, "resources": [{"type": "slot", "count": 1,
    "with": [{"type": "core", "count": 1}]}], "tasks": [], "attributes": {"system": {"duration": 3}}}}
]}"""


def test_json_job_list():
    w = read_joblist(io.StringIO(JSON_LIST), cores_per_node=4)
    a, b, c = w.jobs
    assert (a.name, a.ncores, a.duration, a.run_duration) == ("a", 2, 60.0, 30.0)
    assert (b.name, b.nnodes, b.ncores, b.run_duration) == ("2", 2, 8, 10.0)
    assert (b.urgency, b.userid, b.cancel_at) == (20, 7, 8.0)
    assert c.jobspec["attributes"]["system"]["duration"] == 3 and c.run_duration is None


def test_csv_job_list_round_trips(tmp_path):
    text = "id,submit,cores,nodes,duration,run_duration\nx,0,4,,60,30\ny,2,,1,0,5\n"
    w = read_joblist(io.StringIO(text), cores_per_node=8)
    path = tmp_path / "jobs.csv"
    write_joblist(w, path)
    again = read_joblist(path, cores_per_node=8)
    assert [(j.name, j.submit, j.ncores, j.nnodes, j.duration, j.run_duration) for j in again] == [
        ("x", 0.0, 4, 0, 60.0, 30.0),
        ("y", 2.0, 8, 1, 0.0, 5.0),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("submit,cores,nodes\n0,1,1\n", "job 1: give exactly one of cores, nodes and jobspec"),
        ("submit,cores\n-1,1\n", "job 1: submit must be >= 0"),
        ("submit,cores\nsoon,1\n", "job 1: submit is not a number"),
    ],
)
def test_job_list_errors(text, message):
    with pytest.raises(ValueError, match=message):
        read_joblist(io.StringIO(text), format="csv")
