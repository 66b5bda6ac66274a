"""fluxsim instances: start, handles, clocks, administration, shutdown.

Flux behaviour itself (events, placement, errors) is held to recorded flux-core
output by the conformance suite; these tests cover what only fluxsim has.
"""

import errno
import os
import threading

import pytest

import fluxsim
from fluxsim import job as fj


def mock_spec(run_duration="10s", **kw):
    spec = fj.JobspecV1.from_command(["true"], **kw)
    spec.setattr("system.exec.test.run_duration", run_duration)
    return spec


@pytest.fixture
def virtual():
    inst = fluxsim.start(nnodes=2, cores_per_node=4, clock="virtual")
    yield inst
    inst.shutdown()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"nnodes": 0, "cores_per_node": 1}, "nnodes must be an integer >= 1, not 0"),
        ({"nnodes": 1, "cores_per_node": "4"}, "cores_per_node must be an integer >= 1, not '4'"),
        ({"nnodes": 1, "cores_per_node": 2, "gpus_per_node": -1}, "gpus_per_node must be an integer >= 0, not -1"),
        ({"nnodes": 1, "cores_per_node": 2, "clock": "fast"}, "clock must be one of real, virtual, not 'fast'"),
    ],
)
def test_start_rejects_bad_shape(kwargs, message):
    with pytest.raises(ValueError) as info:
        fluxsim.start(**kwargs)
    assert str(info.value) == message


def test_start_rejects_unknown_policy():
    with pytest.raises(ValueError, match=r"unknown scheduling policy 'lifo'; valid policies: .*fifo"):
        fluxsim.start(nnodes=1, cores_per_node=1, policy="lifo", clock="virtual")


def test_start_from_resource_config_file(tmp_path):
    conf = tmp_path / "resource.toml"
    conf.write_text(
        '[resource]\nnoverify = true\n[[resource.config]]\nhosts = "big[0-1]"\ncores = "0-7"\ngpus = "0"\n'
        '[modules.alternatives]\nsched = "sched-simple"\n'
    )
    with fluxsim.start(config=str(conf), clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = fj.submit(h, mock_spec(num_tasks=2, num_nodes=2, gpus_per_task=1))
        inst.run(until=1)
        R = fj.job_kvs_lookup(h, jobid, keys=["R"])["R"]
    assert R["execution"]["nodelist"] == ["big[0-1]"]
    assert R["execution"]["R_lite"] == [{"rank": "0-1", "children": {"core": "0", "gpu": "0"}}]


def test_start_from_R():
    R = {
        "version": 1,
        "execution": {
            "R_lite": [{"rank": "0", "children": {"core": "0-1"}}],
            "starttime": 0.0,
            "expiration": 0.0,
            "nodelist": ["solo"],
        },
    }
    with fluxsim.start(R=R, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = fj.submit(h, mock_spec(num_tasks=3))
        inst.run(until=1)
        # 3 one-core slots cannot fit in 2 cores
        assert fj.result(h, jobid).result == "FAILED"


def test_handle_from_flux_uri(virtual, monkeypatch):
    monkeypatch.setenv("FLUX_URI", virtual.uri)
    h = fluxsim.Flux()
    assert h.instance is virtual


def test_handle_without_uri(monkeypatch):
    monkeypatch.delenv("FLUX_URI", raising=False)
    with pytest.raises(FileNotFoundError):
        fluxsim.Flux()


def test_handle_to_unknown_instance():
    with pytest.raises(ConnectionRefusedError):
        fluxsim.Flux("sim://no-such-instance")


def test_task_uri_names_the_instance(virtual):
    assert fluxsim.Flux(virtual.uri + "/local-1").instance is virtual


def test_instances_are_independent():
    a = fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual")
    b = fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual")
    try:
        ha, hb = fluxsim.Flux(a.uri), fluxsim.Flux(b.uri)
        ja = fj.submit(ha, mock_spec())
        jb = fj.submit(hb, mock_spec())
        a.run(until=1)
        b.run(until=1)
        # each instance has a free core for its own job
        assert fj.event_wait(ha, ja, "start").name == "start"
        assert fj.event_wait(hb, jb, "start").name == "start"
        assert a.uri != b.uri
    finally:
        a.shutdown()
        b.shutdown()


def test_virtual_clock_jumps_to_events(virtual):
    h = fluxsim.Flux(virtual.uri)
    jobid = fj.submit(h, mock_spec(run_duration="3600s", num_tasks=8))
    virtual.run()
    assert virtual.now == 3600.0
    assert fj.result(h, jobid).returncode == 0


def test_virtual_run_until(virtual):
    h = fluxsim.Flux(virtual.uri)
    jobid = fj.submit(h, mock_spec(run_duration="100s"))
    virtual.run(until=50)
    assert virtual.now == 50
    assert fj.get_job(h, jobid)["state"] == "RUN"


def test_blocking_wait_advances_virtual_time(virtual):
    h = fluxsim.Flux(virtual.uri)
    jobid = fj.submit(h, mock_spec(run_duration="42s"), waitable=True)
    assert fj.wait(h, jobid).success
    assert virtual.now == 42.0


def test_blocking_wait_that_can_never_end(virtual):
    h = fluxsim.Flux(virtual.uri)
    jobid = fj.submit(h, mock_spec(run_duration="0"))  # testexec: runs until killed
    with pytest.raises(TimeoutError, match="no more events"):
        fj.result(h, jobid)


def test_real_clock_run_is_refused():
    with fluxsim.start(nnodes=1, cores_per_node=1) as inst:
        with pytest.raises(RuntimeError, match="virtual clock"):
            inst.run()


def test_drain_and_undrain_methods(virtual):
    h = fluxsim.Flux(virtual.uri)
    virtual.drain("0", reason="maintenance")
    jobid = fj.submit(h, mock_spec(num_tasks=1, num_nodes=1))
    virtual.run(until=1)
    R = fj.job_kvs_lookup(h, jobid, keys=["R"])["R"]
    assert R["execution"]["R_lite"][0]["rank"] == "1"
    virtual.undrain([0])
    with pytest.raises(FileExistsError, match="rank 0 not drained"):
        virtual.undrain([0])


def test_submit_to_shut_down_instance():
    inst = fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual")
    h = fluxsim.Flux(inst.uri)
    inst.shutdown()
    with pytest.raises(OSError) as info:
        fj.submit(h, mock_spec())
    assert info.value.errno == errno.ECONNRESET
    with pytest.raises(ConnectionRefusedError):
        fluxsim.Flux(inst.uri)


def test_shutdown_kills_running_tasks(tmp_path):
    inst = fluxsim.start(nnodes=1, cores_per_node=2)
    h = fluxsim.Flux(inst.uri)
    pidfile = tmp_path / "pid"
    spec = fj.JobspecV1.from_command(["sh", "-c", f"echo $$ > {pidfile}; exec sleep 300"])
    spec.environment = {"PATH": "/usr/bin:/bin"}
    jobid = fj.submit(h, spec)
    fj.event_wait(h, jobid, "start")
    while not pidfile.exists() or not pidfile.read_text().strip():
        threading.Event().wait(0.01)
    pid = int(pidfile.read_text())
    inst.shutdown()
    with pytest.raises(OSError):
        os.kill(pid, 0)  # reaped: no such process


def test_blocked_waiter_released_by_shutdown():
    inst = fluxsim.start(nnodes=1, cores_per_node=1)
    h = fluxsim.Flux(inst.uri)
    jobid = fj.submit(h, mock_spec(run_duration="300s"))
    errors = []

    def waiter():
        try:
            fj.result(h, jobid)
        except OSError as exc:
            errors.append(exc)

    t = threading.Thread(target=waiter)
    t.start()
    fj.event_wait(h, jobid, "start")
    inst.shutdown()
    t.join(10)
    assert not t.is_alive()
    # a waiter blocked in a request gets the broker's ENOSYS; one caught between
    # two requests finds the connection gone (ECONNRESET): either way it is released
    assert errors and errors[0].errno in (errno.ENOSYS, errno.ECONNRESET)


def test_job_environment_from_jobspec(tmp_path):
    with fluxsim.start(nnodes=2, cores_per_node=2, gpus_per_node=1, hosts="n[0-1]") as inst:
        h = fluxsim.Flux(inst.uri)
        spec = fj.JobspecV1.from_command(
            ["sh", "-c", 'echo "$FLUX_TASK_RANK $MYVAR $CUDA_VISIBLE_DEVICES $(pwd)"'],
            num_tasks=2, num_nodes=2, gpus_per_task=1,
        )
        spec.environment = {"PATH": "/usr/bin:/bin", "MYVAR": "hello"}
        spec.cwd = str(tmp_path)
        spec.stdout = str(tmp_path / "out.{{id}}")
        jobid = fj.submit(h, spec)
        assert fj.result(h, jobid).returncode == 0
    out = (tmp_path / f"out.{fj.JobID(jobid).f58}").read_text().split("\n")
    assert sorted(line for line in out if line) == [f"0 hello 0 {tmp_path}", f"1 hello 0 {tmp_path}"]


def test_cancel_running_command(tmp_path):
    """Canceling a job whose task runs: SIGTERM, the shell reports 128+15 (RFC 21 finish 36608)."""
    with fluxsim.start(nnodes=1, cores_per_node=1) as inst:
        h = fluxsim.Flux(inst.uri)
        spec = fj.JobspecV1.from_command(["sleep", "300"])
        spec.environment = {"PATH": "/usr/bin:/bin"}
        jobid = fj.submit(h, spec)
        fj.event_wait(h, jobid, "shell.start", eventlog="guest.exec.eventlog")
        fj.cancel(h, jobid)
        info = fj.result(h, jobid)
    assert (info.result, info.waitstatus, info.returncode) == ("CANCELED", 36608, 143)


def test_job_allocated_at_virtual_time_zero_completes(virtual):
    """t_run = 0.0 is a real alloc time on a virtual clock (libjob's rule is 'was allocated')."""
    h = fluxsim.Flux(virtual.uri)
    jobid = fj.submit(h, mock_spec(run_duration="1s"))
    info = fj.result(h, jobid)
    assert (info.result, info.returncode, info.t_run) == ("COMPLETED", 0, 0.0)
