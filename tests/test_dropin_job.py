"""flux.kvs job directories, JobStats, list-attrs, result futures, null arguments, JobStatus.

Expected values were recorded from flux-core 0.88.0 (``flux start
--test-size=1``, mock jobs with ``system.exec.test``): the keys of a job's
KVS directory, the KVS errors, ``job-list.list-attrs``, the job-stats
counts of one completed and one canceled job, the ``to_dict()`` of a job
canceled while held, and the EINVAL messages for a null handle or jobspec.
"""

import errno
import json
import math
import os
import subprocess
import sys
import textwrap

import pytest

import fluxsim
import fluxsim.job as fj
import fluxsim.kvs as kvs
from fluxsim.constants import Result, State
from fluxsim.job.stats import JobStats
from fluxsim.job.watcher import JobStatus


def mock(run="1s"):
    spec = fj.JobspecV1.from_command(["true"], num_tasks=1)
    spec.setattr("system.exec.test", {"run_duration": run})
    return spec


@pytest.fixture
def done():
    """An instance with a completed job and a job canceled while held."""
    inst = fluxsim.start(nnodes=1, cores_per_node=4, clock="virtual")
    h = fluxsim.Flux(inst.uri)
    completed = fj.submit(h, mock(), waitable=True)
    held = fj.submit(h, mock(), urgency=0)
    fj.cancel(h, held)
    inst.run()
    yield h, completed, held
    inst.shutdown()


def test_job_kvs_directories(done):
    h, jobid, _ = done
    jobdir = fj.job_kvs(h, jobid)
    assert isinstance(jobdir, kvs.KVSDir)
    assert jobdir.path == fj.JobID(jobid).kvs + "."
    assert jobdir.list_all() == (["J", "R", "eventlog", "jobspec"], ["guest"])
    # mock execution runs no shell: no input or output eventlog
    assert fj.job_kvs_guest(h, jobid).list_all() == ([], ["exec"])
    assert jobdir["guest"]["exec"].list_all() == (["eventlog"], [])
    assert isinstance(jobdir["jobspec"], dict) and isinstance(jobdir["eventlog"], str)
    assert jobdir["J"].endswith(".none")
    with pytest.raises(KeyError, match=f"nope not found under directory {jobdir.path}"):
        jobdir["nope"]


@pytest.mark.parametrize(
    "suffix, exists, isdir",
    [("", True, True), ("R", True, False), ("R.x", False, False), ("nope", False, False)],
)
def test_kvs_exists_isdir(done, suffix, exists, isdir):
    h, jobid, _ = done
    key = fj.JobID(jobid).kvs + "." + suffix
    assert (kvs.exists(h, key), kvs.isdir(h, key)) == (exists, isdir)


@pytest.mark.parametrize(
    "key, flags, errnum",
    [("job", 0, errno.EISDIR), ("job.nope", 1, errno.ENOENT), ("{job}.eventlog", 1, errno.ENOTDIR)],
)
def test_kvs_lookup_errors(done, key, flags, errnum):
    h, jobid, _ = done
    key = key.format(job=fj.JobID(jobid).kvs)
    payload = {"key": key, "namespace": "primary", "flags": flags}
    with pytest.raises(OSError) as err:
        h.rpc("kvs.lookup", payload).get()
    assert err.value.errno == errnum


def test_kvs_missing_directory_and_empty_key(done):
    h = done[0]
    with pytest.raises(FileNotFoundError):
        kvs.get_dir(h, "job.nope")
    with pytest.raises(OSError, match="EINVAL: Invalid argument"):
        kvs.get(h, "")


def test_list_attrs(done):
    attrs = done[0].rpc("job-list.list-attrs", {}).get()["attrs"]
    assert attrs == (
        "userid urgency priority t_submit t_depend t_priority t_sched t_run t_cleanup "
        "t_inactive state name cwd queue project bank ntasks ncores duration nnodes ranks "
        "nodelist success exception_occurred exception_type exception_severity "
        "exception_note result expiration annotations waitstatus dependencies all"
    ).split()


def test_job_stats(done):
    stats = JobStats(done[0])
    assert (stats.active, stats.inactive) == (-1, -1)
    stats.update_sync()
    counts = {k: getattr(stats, k) for k in
              ("total", "inactive", "successful", "failed", "canceled", "active", "pending")}
    assert counts == {"total": 2, "inactive": 2, "successful": 1, "failed": 1,
                      "canceled": 1, "active": 0, "pending": 0}


def test_job_stats_update_from_the_reactor(done):
    seen = []
    stats = JobStats(done[0])
    stats.update(callback=lambda s, tag: seen.append((s.inactive, tag)), tag="x")
    done[0].reactor_run()
    assert seen == [(2, "x")]


def test_result_of_job_canceled_while_held(done):
    h, _, held = done
    info = fj.result(h, held).to_dict()
    for key in ("id", "t_submit", "jobid"):
        info.pop(key, None)  # t_submit is 0 (so dropped) at the start of a virtual clock
    assert info == {
        "duration": 0.0, "result": "CANCELED", "returncode": -128, "dependencies": [],
        "annotations": {},
        "exception": {"occurred": True, "severity": 0, "type": "cancel", "note": ""},
    }


def test_result_async_then(done):
    h, jobid, _ = done
    got = []
    fj.result_async(h, jobid).then(lambda f: got.append(f.get_info().result))
    h.reactor_run()
    assert got == ["COMPLETED"]


def test_result_of_unknown_job(done):
    with pytest.raises(FileNotFoundError, match="ENOENT: No such file or directory"):
        fj.result(done[0], 123456)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda h: fj.submit(fj.ffi.NULL, mock()), "EINVAL: Invalid argument"),
        (lambda h: fj.event_watch_async(None, 1), "EINVAL: Invalid argument"),
        (lambda h: fj.submit(h, fj.ffi.NULL), "jobspec must not be None/NULL"),
        (lambda h: kvs.exists(None, "job"), "EINVAL: Invalid argument"),
    ],
)
def test_null_arguments(done, call, message):
    with pytest.raises(OSError) as err:
        call(done[0])
    assert (err.value.errno, err.value.strerror) == (errno.EINVAL, message)


def test_timeleft_without_expiration_is_unlimited(done):
    assert fj.timeleft(done[0]) == math.inf


@pytest.mark.parametrize(
    "state, result, waitstatus, status, exitcode",
    [
        (State.SCHED, None, None, "pending", 0),
        (State.CLEANUP, None, None, "running", 0),
        (State.INACTIVE, Result.COMPLETED, 0, "complete", 0),
        (State.INACTIVE, Result.FAILED, 2 << 8, "failed", 2),
        (State.INACTIVE, Result.CANCELED, None, "failed", -128),
    ],
)
def test_job_status(state, result, waitstatus, status, exitcode):
    info = {"id": 1, "state": int(state), "t_submit": 0.0}
    if result is not None:
        info["result"] = int(result)
    if waitstatus is not None:
        info["waitstatus"] = waitstatus
    js = JobStatus(fj.JobInfo(info))
    assert (js.status, js.exitcode, js.active) == (status, exitcode, state != State.INACTIVE)


_CLIENT = textwrap.dedent(
    """
    import json, flux, flux.kvs
    from flux import job
    from flux.job.stats import JobStats
    h = flux.Flux()
    spec = job.JobspecV1.from_command(["true"])
    spec.setattr("system.exec.test", {"run_duration": "0.01s"})
    jobid = job.submit(h, spec, waitable=True)
    job.wait(h, jobid)
    print(json.dumps({
        "list": job.job_kvs(h, jobid).list_all(),
        "isdir": flux.kvs.isdir(h, job.JobID(jobid).kvs),
        "inactive": JobStats(h).update_sync().inactive,
        "constants": flux.constants.FLUX_JOB_STATE_INACTIVE,
    }))
    """
)


def test_kvs_and_stats_across_processes(tmp_path):
    fluxsim_cmd = os.path.join(os.path.dirname(sys.executable), "fluxsim")
    out = subprocess.run(
        [fluxsim_cmd, "start", "--test-size=1", sys.executable, "-c", _CLIENT],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=True,
    ).stdout
    assert json.loads(out.splitlines()[-1]) == {
        "list": [["J", "R", "eventlog", "jobspec"], ["guest"]],
        "isdir": True,
        "inactive": 1,
        "constants": int(State.INACTIVE),
    }


def test_job_watcher_output_callback():
    """As flux-core's t0046: each job's output reaches the callback, then (None, None)."""
    from fluxsim.job.watcher import JobWatcher

    with fluxsim.start(nnodes=1, cores_per_node=2) as inst:
        h = fluxsim.Flux(inst.uri)
        ids = [fj.submit(h, fj.JobspecV1.from_command(["sh", "-c", f"echo job{i}; echo e >&2"]))
               for i in range(2)]
        got = {}

        def callback(jobid, stream, data):
            got.setdefault(int(jobid), []).append((stream, data))

        watcher = JobWatcher(h, output_callback=callback)
        watcher.start()
        for jobid in ids:
            watcher.add_jobid(jobid)
        h.reactor_run()
    for i, jobid in enumerate(ids):
        assert sorted(got[jobid], key=str) == sorted(
            [("stdout", f"job{i}\n"), ("stderr", "e\n"), (None, None)], key=str)
    assert watcher.exitcode == 0
