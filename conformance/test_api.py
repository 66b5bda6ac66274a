"""API-level conformance: one set of tests, written against ``flux.job``, run
unchanged on real Flux and on fluxsim (``flux_api`` gives the lane's module
and handle).

Expected errors and codes are what flux-core 0.88.0 answered when these
calls were made against a real instance (its exact exception types and
messages); they are literals here so both lanes are held to them.
"""

import concurrent.futures
import errno
import json
import os
import re
import threading

import pytest

from fluxsim.resource.idset import decode as idset_decode

MOCK_LONG = {"run_duration": "1h"}


def mock(job, run_duration="1h", **kw):
    spec = job.JobspecV1.from_command(["true"], **kw)
    spec.setattr("system.exec.test", {"run_duration": run_duration})
    return spec


def command(job, argv, **kw):
    spec = job.JobspecV1.from_command(argv, **kw)
    spec.environment = {"PATH": "/usr/bin:/bin"}
    spec.cwd = os.getcwd()
    return spec


# -- submission errors -------------------------------------------------------------

@pytest.mark.parametrize(
    "payload, exc_type, errnum, message",
    [
        ('{"version": 2, "resources": [], "tasks": [], "attributes": {"system": {}}}',
         PermissionError, errno.EPERM, "version must be 1"),
        ('{"version": 1, "resources": [{"type": "slot", "count": 1, "label": "task", '
         '"with": [{"type": "core", "count": 1}]}], "attributes": {"system": {"duration": 0}}}',
         PermissionError, errno.EPERM, "Missing key (tasks)"),
    ],
    ids=["version-2", "missing-tasks"],
)
def test_submit_invalid_jobspec(flux_api, payload, exc_type, errnum, message):
    job, h = flux_api
    with pytest.raises(exc_type) as info:
        job.submit(h, payload)
    assert info.value.errno == errnum
    assert info.value.strerror == message


def test_submit_invalid_json(flux_api):
    job, h = flux_api
    with pytest.raises(OSError) as info:
        job.submit(h, "{bad")
    assert info.value.errno == errno.EINVAL
    assert info.value.strerror.startswith("jobspec: invalid JSON: ")


def test_submit_not_a_jobspec(flux_api):
    job, h = flux_api
    with pytest.raises(TypeError, match=r"^jobspec must be a Jobspec or string \(either binary or unicode\)$"):
        job.submit(h, 42)


@pytest.mark.parametrize("urgency", [-1, 32])
def test_submit_urgency_out_of_range(flux_api, urgency):
    job, h = flux_api
    with pytest.raises(OSError) as info:
        job.submit(h, mock(job), urgency=urgency)
    assert (info.value.errno, info.value.strerror) == (errno.EINVAL, "urgency range is [0:31]")


# -- cancel / kill / wait errors ------------------------------------------------------

UNKNOWN = 123456


@pytest.mark.parametrize(
    "call, exc_type, errnum, message",
    [
        ("cancel", FileNotFoundError, errno.ENOENT, "unknown job id"),
        ("kill", OSError, errno.EINVAL, "unknown job id"),
    ],
)
def test_act_on_unknown_job(flux_api, call, exc_type, errnum, message):
    job, h = flux_api
    with pytest.raises(exc_type) as info:
        getattr(job, call)(h, UNKNOWN)
    assert (info.value.errno, info.value.strerror) == (errnum, message)


@pytest.mark.parametrize(
    "call, exc_type, errnum",
    [("cancel", FileNotFoundError, errno.ENOENT), ("kill", OSError, errno.EINVAL)],
)
def test_act_on_inactive_job(flux_api, call, exc_type, errnum):
    job, h = flux_api
    jobid = job.submit(h, mock(job, run_duration="0.01s"), waitable=True)
    job.wait(h, jobid)
    with pytest.raises(exc_type) as info:
        getattr(job, call)(h, jobid)
    assert (info.value.errno, info.value.strerror) == (errnum, "job is inactive")


def test_wait_twice(flux_api):
    job, h = flux_api
    jobid = job.submit(h, mock(job, run_duration="0.01s"), waitable=True)
    assert job.wait(h, jobid).success
    with pytest.raises(ChildProcessError) as info:
        job.wait(h, jobid)
    assert info.value.strerror == "invalid job id, or job may be inactive and not waitable"


def test_wait_not_waitable(flux_api):
    job, h = flux_api
    jobid = job.submit(h, mock(job, run_duration="0.01s"))
    with pytest.raises(ChildProcessError) as info:
        job.wait(h, jobid)
    assert info.value.strerror == "job was not submitted with FLUX_JOB_WAITABLE"
    job.result(h, jobid)


def test_event_watch_unknown_job(flux_api):
    job, h = flux_api
    with pytest.raises(FileNotFoundError):
        list(job.event_watch(h, UNKNOWN))


def test_event_wait_never_happens(flux_api):
    job, h = flux_api
    jobid = job.submit(h, mock(job, run_duration="0.01s"))
    with pytest.raises(OSError) as info:
        job.event_wait(h, jobid, "nosuch")
    assert (info.value.errno, info.value.strerror) == (errno.ENODATA, "eventlog ended before event='nosuch'")


def test_lookups_of_unknown_job(flux_api):
    job, h = flux_api
    assert job.get_job(h, UNKNOWN) is None
    assert job.job_kvs_lookup(h, UNKNOWN, keys=["R"]) is None
    with pytest.raises(FileNotFoundError):
        job.result(h, UNKNOWN)


# -- results and codes -------------------------------------------------------------------

@pytest.mark.parametrize(
    "argv, result, returncode, errstr",
    [
        (["true"], "COMPLETED", 0, rb""),
        (["sh", "-c", "exit 3"], "FAILED", 3, rb"task\(s\) exited with exit code 3"),
        (["sh", "-c", "kill -9 $$"], "FAILED", 137, rb"task\(s\) Killed"),
        (["nosuchcmd"], "FAILED", 127,
         rb"Fatal exception type=exec task 0 \(host [^)]+\): start failed: nosuchcmd: No such file or directory"),
    ],
    ids=["true", "exit-3", "killed", "not-found"],
)
def test_result_of_command(flux_api, argv, result, returncode, errstr):
    """Exit codes and wait error strings (errstr is a regex of flux's text)."""
    job, h = flux_api
    jobid = job.submit(h, command(job, argv), waitable=True)
    status = job.wait(h, jobid)
    # a pattern: the shell names its own host, which on fake resources is not R's
    assert re.fullmatch(errstr, status.errstr), status.errstr
    assert status.success == (result == "COMPLETED")
    info = job.result(h, jobid)
    assert info.result == result
    assert info.returncode == returncode


@pytest.mark.parametrize(
    "test, duration, result, waitstatus, exc_type",
    [
        ({"run_duration": "0.05s", "wait_status": 256}, None, "FAILED", 256, None),
        ({"run_duration": "10s"}, 0.5, "TIMEOUT", 14, "timeout"),
        ({"mock_exception": "run", "run_duration": "10s"}, None, "FAILED", 15, "exec"),
    ],
    ids=["wait-status", "timeout", "mock-run-exception"],
)
def test_result_of_mock_job(flux_api, test, duration, result, waitstatus, exc_type):
    job, h = flux_api
    spec = job.JobspecV1.from_command(["true"])
    spec.setattr("system.exec.test", test)
    if duration:
        spec.duration = duration
    jobid = job.submit(h, spec)
    data = job.result_async(h, jobid).get_dict()
    assert data["waitstatus"] == waitstatus
    assert data.get("exception_type") == exc_type
    assert job.result(h, jobid).result == result


def test_cancel_pending_job_result(flux_api):
    job, h = flux_api
    jobid = job.submit(h, mock(job), urgency=0)
    job.cancel(h, jobid, "changed my mind")
    data = job.result_async(h, jobid).get_dict()
    assert data["result"] == 4  # CANCELED
    assert data["exception_note"] == "changed my mind"
    assert "waitstatus" not in data
    assert job.result(h, jobid).returncode == -128


#: The keys of an allocation's R ``execution``, in the order each scheduler writes them.
R_EXECUTION_KEYS = {
    "sched-simple": ["R_lite", "starttime", "expiration", "nslots", "nodelist"],
    "fluxion": ["R_lite", "nodelist", "starttime", "expiration"],
}


def test_R_of_allocation(flux_api, flux_api_scheduler):
    job, h = flux_api
    jobid = job.submit(h, mock(job, num_tasks=2, gpus_per_task=1))
    job.event_wait(h, jobid, "start")
    R = job.job_kvs_lookup(h, jobid, keys=["R"])["R"]
    assert list(R) == ["version", "execution"]
    assert list(R["execution"]) == R_EXECUTION_KEYS[flux_api_scheduler]
    (entry,) = R["execution"]["R_lite"]
    if flux_api_scheduler == "sched-simple":
        assert entry == {"rank": "0", "children": {"core": "0-1", "gpu": "0-1"}}
    else:
        # which node and cores depends on the jobs Fluxion matched before
        assert len(idset_decode(entry["children"]["core"])) == 2 and entry["children"]["gpu"] == "0-1"
    raw = job.job_kvs_lookup(h, jobid, keys=["R"], decode=False)["R"]
    assert json.loads(raw) == R
    job.cancel(h, jobid)
    job.result(h, jobid)


# -- FluxExecutor ----------------------------------------------------------------------

def test_executor_results_and_jobids(flux_api):
    job, h = flux_api
    with job.FluxExecutor(handle_args=(h_uri(h),)) as executor:
        futures = [executor.submit(command(job, ["sh", "-c", f"exit {i}"])) for i in range(3)]
        assert [f.result(timeout=60) for f in futures] == [0, 1, 2]
        ids = [f.jobid() for f in futures]
    assert len(set(ids)) == 3
    assert all(isinstance(i, job.JobID) for i in ids)


def test_executor_event_callbacks_replay(flux_api):
    job, h = flux_api
    seen = []
    done = threading.Event()
    with job.FluxExecutor(handle_args=(h_uri(h),)) as executor:
        future = executor.submit(mock(job, run_duration="0.01s"))
        assert future.result(timeout=60) == 0
        # events that already happened are replayed to a late callback
        future.add_event_callback("submit", lambda f, e: seen.append(e.name))
        future.add_event_callback("clean", lambda f, e: (seen.append(e.name), done.set()))
        assert done.wait(60)
    assert seen == ["submit", "clean"]


def test_executor_job_exception(flux_api):
    job, h = flux_api
    with job.FluxExecutor(handle_args=(h_uri(h),)) as executor:
        future = executor.submit(mock(job))
        jobid = future.jobid(timeout=60)
        job.event_wait(h, jobid, "start")
        job.cancel(h, jobid)
        exc = future.exception(timeout=60)
    assert isinstance(exc, job.JobException)
    assert (exc.type, exc.severity, exc.note) == ("cancel", 0, "")
    assert str(exc) == "job.exception: type=cancel: "


def test_executor_invalid_jobspec(flux_api):
    job, h = flux_api
    with job.FluxExecutor(handle_args=(h_uri(h),)) as executor:
        future = executor.submit('{"version": 2}')
        exc = future.exception(timeout=60)
    assert isinstance(exc, OSError)
    with pytest.raises(RuntimeError, match="job could not be submitted"):
        future.jobid()


def test_executor_rejects_after_shutdown(flux_api):
    job, h = flux_api
    executor = job.FluxExecutor(handle_args=(h_uri(h),))
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(mock(job))


def test_executor_unknown_event_name(flux_api):
    job, h = flux_api
    with job.FluxExecutor(handle_args=(h_uri(h),)) as executor:
        future = executor.submit(mock(job, run_duration="0.01s"))
        with pytest.raises(ValueError):
            future.add_event_callback("no-such-event", lambda f, e: None)
        assert future.result(timeout=60) == 0


def h_uri(h):
    """The uri a FluxExecutor needs to open its own handle to ``h``'s instance."""
    return h.attr_get("local-uri")


def test_result_timeout_on_future(flux_api):
    job, h = flux_api
    with job.FluxExecutor(handle_args=(h_uri(h),)) as executor:
        future = executor.submit(mock(job))
        with pytest.raises(concurrent.futures.TimeoutError):
            future.result(timeout=0.2)
        job.cancel(h, future.jobid())
        assert isinstance(future.exception(timeout=60), job.JobException)


# -- asynchronous API and job information ---------------------------------------------------

def test_submit_async_then_in_reactor(flux_api):
    job, h = flux_api
    got = []

    def submitted(future):
        got.append(future.get_id())

    job.submit_async(h, mock(job, run_duration="0.01s")).then(submitted)
    assert h.reactor_run() >= 0
    assert len(got) == 1 and isinstance(got[0], job.JobID)
    job.result(h, got[0])


def test_event_watch_async_streams_until_clean(flux_api):
    job, h = flux_api
    jobid = job.submit(h, mock(job, run_duration="0.01s"))
    names = []

    def on_event(future):
        event = future.get_event()
        if event is not None:
            names.append(event.name)

    job.event_watch_async(h, jobid).then(on_event)
    h.reactor_run()
    assert names == ["submit", "validate", "depend", "priority", "alloc", "start",
                     "finish", "release", "free", "clean"]


def test_get_job_of_completed_job(flux_api, flux_api_scheduler):
    job, h = flux_api
    jobid = job.submit(h, mock(job, run_duration="0.01s", num_tasks=2, num_nodes=2))
    job.result(h, jobid)
    info = job.get_job(h, jobid)
    expected = {
        "state": "INACTIVE",
        "result": "COMPLETED",
        "status": "COMPLETED",
        "returncode": 0,
        "success": True,
        "ntasks": 2,
        "ncores": 2,
        "nnodes": 2,
        "ranks": "[0-1]",
        "nodelist": "node[0-1]",
        "waitstatus": 0,
        "urgency": 16,
        "priority": 16,
        "name": "true",
        "jobid": job.JobID(jobid).f58,
        "exception": {"occurred": False, "severity": "", "type": "", "note": ""},
    }
    if flux_api_scheduler != "sched-simple":
        # which nodes depends on the jobs Fluxion matched before
        for key in ("ranks", "nodelist"):
            expected[key] = info[key]
        assert len(idset_decode(info["ranks"].strip("[]"))) == 2
    assert {k: info[k] for k in expected} == expected
    assert info["annotations"] == JOB_ANNOTATIONS[flux_api_scheduler]


#: What each scheduler left in a completed job's annotations.
JOB_ANNOTATIONS = {
    "sched-simple": {"sched": {"resource_summary": "rank[0-1]/core0"}},
    "fluxion": {"sched": {"selection_type": "immediate"}},
}


def test_job_list_finds_job(flux_api):
    job, h = flux_api
    jobid = job.submit(h, mock(job), urgency=0)
    jobs = job.job_list(h).get_jobs()
    mine = [j for j in jobs if j["id"] == jobid]
    assert len(mine) == 1
    assert mine[0]["state"] == 8  # SCHED
    assert mine[0]["priority"] == 0
    job.cancel(h, jobid)
    job.result(h, jobid)


@pytest.mark.parametrize(
    "signum, message",
    [(None, "job is not running"), (0, "job is not running"), (99, "Invalid signal number")],
)
def test_kill_pending_job(flux_api, signum, message):
    job, h = flux_api
    jobid = job.submit(h, mock(job), urgency=0)
    with pytest.raises(OSError) as info:
        job.kill(h, jobid, signum)
    assert (info.value.errno, info.value.strerror) == (errno.EINVAL, message)
    job.cancel(h, jobid)
    job.result(h, jobid)


def test_nonfatal_exception_keeps_job_running(flux_api):
    job, h = flux_api
    jobid = job.submit(h, mock(job))
    job.event_wait(h, jobid, "start")
    job.job_raise(h, jobid, "test", 3, "just a note")
    with pytest.raises(OSError) as info:
        job.job_raise(h, jobid, "test", 8, "bad")
    assert (info.value.errno, info.value.strerror) == (errno.EPROTO, "invalid exception severity")
    # a mock job has no job shell to deliver a signal to: kill leaves it running
    job.kill(h, jobid, 10)
    assert job.get_job(h, jobid)["state"] == "RUN"
    job.cancel(h, jobid)
    data = job.result_async(h, jobid).get_dict()
    assert (data["result"], data["exception_type"], data["waitstatus"]) == (4, "cancel", 15)


def test_kill_running_command(flux_api):
    job, h = flux_api
    jobid = job.submit(h, command(job, ["sleep", "300"]))
    job.event_wait(h, jobid, "shell.start", eventlog="guest.exec.eventlog")
    job.kill(h, jobid, 9)
    info = job.result(h, jobid)
    assert (info.result, info.waitstatus, info.returncode) == ("FAILED", 137 << 8, 137)
