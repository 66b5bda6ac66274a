"""Cancel, shutdown, instance death, and the working directory: no future is lost."""

import os
import stat
import time

import concurrent.futures as cf
import pytest
from fluxexec_support import (
    BACKENDS,
    make_executor,
    multiply,
    process_gone,
    sleep_with_pidfile,
    wait_until,
)

from fluxexec import ExecutorShutdown, FluxExecutor, FluxJobException, InstanceLost


pytestmark = pytest.mark.usefixtures("importable_apps")


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def read_pid(path):
    wait_until(lambda: os.path.exists(path), timeout=60)
    with open(path) as f:
        return int(f.read())


def test_cancel_running_job_kills_its_task(backend, tmp_path):
    ex = make_executor(backend, tmp_path)
    try:
        future = ex.submit(sleep_with_pidfile, {}, str(tmp_path / "pid"))
        pid = read_pid(tmp_path / "pid")
        wait_until(future.running)
        assert future.cancel()
        assert future.cancelled()
        with pytest.raises(cf.CancelledError):
            future.result()
        wait_until(lambda: process_gone(pid))
    finally:
        ex.shutdown()


def test_cancel_pending_job_never_runs(backend, tmp_path):
    ex = make_executor(backend, tmp_path, sim_resources={"nnodes": 1, "cores_per_node": 1})
    cores = 1 if backend == "sim" else len(os.sched_getaffinity(0))
    try:
        blockers = [ex.submit(sleep_with_pidfile, {}, str(tmp_path / f"blocker{i}")) for i in range(cores)]
        for i in range(cores):
            read_pid(tmp_path / f"blocker{i}")
        pending = ex.submit(sleep_with_pidfile, {}, str(tmp_path / "pending"))
        assert not pending.running()
        assert pending.cancel()
        assert pending.cancelled()
        for b in blockers:
            assert b.cancel()
        survivor = ex.submit(multiply, {}, 2, 21)
        assert survivor.result(timeout=60) == 42
        assert not os.path.exists(tmp_path / "pending")
    finally:
        ex.shutdown()


def test_shutdown_resolves_every_future_and_leaves_no_process(backend, tmp_path):
    ex = make_executor(backend, tmp_path)
    futures = [ex.submit(sleep_with_pidfile, {}, str(tmp_path / f"pid{i}")) for i in range(4)]
    pids = [read_pid(tmp_path / f"pid{i}") for i in range(2)]  # two run, two wait for cores
    ex.shutdown()
    for future in futures:
        assert future.done()
        assert isinstance(future.exception(), ExecutorShutdown)
    wait_until(lambda: all(process_gone(p) for p in pids), timeout=15)
    with pytest.raises(ExecutorShutdown):
        ex.submit(multiply, {}, 1, 2)


def test_shutdown_stops_the_instance_it_started(tmp_path):
    import fluxsim

    ex = make_executor("sim", tmp_path)
    uri = ex._instance.uri
    fluxsim.Flux(uri)
    ex.shutdown()
    with pytest.raises(ConnectionRefusedError):
        fluxsim.Flux(uri)


def test_shutdown_leaves_a_connected_instance_running(tmp_path, monkeypatch):
    import fluxsim

    with fluxsim.start(nnodes=1, cores_per_node=2) as inst:
        monkeypatch.setenv("FLUX_URI", inst.uri)
        ex = make_executor("sim", tmp_path)
        assert ex.submit(multiply, {}, 3, 3).result(timeout=60) == 9
        ex.shutdown()
        fluxsim.Flux(inst.uri)


# flux.job.FluxExecutor's thread re-raises the error that broke it, as
# flux-core 0.88's does (executor.py, _FluxExecutorThread.run): expected here
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_instance_death_fails_outstanding_tasks_within_10s(tmp_path, monkeypatch):
    import fluxsim

    inst = fluxsim.start(nnodes=1, cores_per_node=2)
    monkeypatch.setenv("FLUX_URI", inst.uri)
    ex = make_executor("sim", tmp_path)
    try:
        future = ex.submit(sleep_with_pidfile, {}, str(tmp_path / "pid"))
        read_pid(tmp_path / "pid")
        inst.shutdown()
        t0 = time.monotonic()
        assert isinstance(future.exception(timeout=10), InstanceLost)
        assert time.monotonic() - t0 <= 10
        with pytest.raises(InstanceLost):
            ex.submit(multiply, {}, 1, 2)
    finally:
        ex.shutdown()
        inst.shutdown()


@pytest.mark.real
@pytest.mark.parametrize("backend", [p for p in BACKENDS if p.id == "flux"], indirect=True)
def test_provider_job_death_fails_outstanding_tasks_within_10s(backend, tmp_path, monkeypatch):
    monkeypatch.delenv("FLUX_URI", raising=False)
    ex = make_executor(backend, tmp_path)
    try:
        future = ex.submit(sleep_with_pidfile, {}, str(tmp_path / "pid"))
        read_pid(tmp_path / "pid")
        ex.provider.cancel([ex._instance.job_id])
        # A broker stopped by SIGTERM cancels its jobs on the way down, so the
        # task may see that cancel before the executor sees the instance gone.
        assert isinstance(future.exception(timeout=10), (InstanceLost, FluxJobException))
        wait_until(lambda: ex._lost is not None, timeout=10)
        with pytest.raises(InstanceLost):
            ex.submit(multiply, {}, 1, 2)
    finally:
        ex.shutdown()


@pytest.mark.parametrize("given", [True, False], ids=["working_dir", "default"])
def test_working_dir_is_private(tmp_path, given):
    ex = make_executor("sim", tmp_path, working_dir=str(tmp_path / "w") if given else None)
    try:
        assert stat.S_IMODE(os.stat(ex.working_dir).st_mode) == 0o700
    finally:
        ex.shutdown()


def test_task_files_are_removed_once_consumed(tmp_path):
    ex = make_executor("sim", tmp_path)
    try:
        assert [ex.submit(multiply, {}, i, 2).result(timeout=60) for i in range(3)] == [0, 2, 4]
        assert os.listdir(ex.working_dir) == []
    finally:
        ex.shutdown()


def test_keep_files_keeps_them(tmp_path):
    ex = make_executor("sim", tmp_path, keep_files=True)
    try:
        ex.submit(multiply, {}, 1, 2).result(timeout=60)
        names = sorted(os.listdir(ex.working_dir))
        assert [n.split(".", 1)[1] for n in names] == ["err", "out", "result", "task"]
    finally:
        ex.shutdown()


def test_default_working_dir_is_removed_at_shutdown(tmp_path):
    ex = make_executor("sim", tmp_path, working_dir=None)
    path = ex.working_dir
    ex.submit(multiply, {}, 1, 2).result(timeout=60)
    ex.shutdown()
    assert not os.path.exists(path)


def test_constructor_arguments_are_attributes():
    ex = FluxExecutor(label="fx", backend="sim", keep_files=True, flux_executor_kwargs={"threads": 1})
    assert (ex.label, ex.backend, ex.keep_files, ex.flux_executor_kwargs) == ("fx", "sim", True, {"threads": 1})
    assert "backend='sim'" in repr(ex)


def test_default_radio_lets_monitoring_wrap_tasks():
    assert FluxExecutor().remote_monitoring_radio is not None
