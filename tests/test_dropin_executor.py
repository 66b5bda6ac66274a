"""flux.job.FluxExecutor as flux-core 0.88 builds it, on every kind of instance.

Expected values were recorded from flux-core 0.88.0 (``flux start
--test-size=1``): what ``attach`` does with job ids Flux refuses (the future
keeps the id it was given and fails as the eventlog watch does).  The parts
t0023-executor.py reaches into (``_SubmitPackage``, ``_AttachPackage``,
``_FluxExecutorThread``, ``_broken_event``) are checked by running that file
(tests/test_flux_core_python.py).
"""

import collections
import concurrent.futures as cf
import threading

import pytest

import fluxsim
import fluxsim.job as fj
from fluxsim.job.executor import _FluxExecutorThread, _SubmitPackage
from dropin_support import broker_uri  # noqa: F401 (a fixture)


def mock_spec(run_duration="0.01s"):
    spec = fj.JobspecV1.from_command(["true"], num_tasks=1)
    spec.setattr("system.exec.test.run_duration", run_duration)
    return spec


@pytest.fixture(params=["real", "virtual", "cross-process"])
def uri(request):
    """The uri of an instance in this process (real or virtual clock) or of a
    ``fluxsim start`` broker."""
    if request.param == "cross-process":
        yield request.getfixturevalue("broker_uri")
        return
    with fluxsim.start(nnodes=1, cores_per_node=2, clock=request.param) as inst:
        yield inst.uri


@pytest.mark.parametrize(
    "jobid, exc, text",
    [
        (None, TypeError, "int() argument must be a string, a bytes-like object or a real number, "
                          "not 'NoneType'"),
        (0, ValueError, "job ID does not match any job"),
        ("abc", ValueError, "invalid literal for int() with base 10: 'abc'"),
        (-1, OverflowError, "can't convert negative number to unsigned"),
        (1 << 64, OverflowError, "int too big to convert"),
    ],
)
def test_attach_to_a_refused_job_id(uri, jobid, exc, text):
    with fj.FluxExecutor(handle_args=(uri,)) as executor:
        future = executor.attach(jobid)
    assert future.jobid() == jobid
    assert type(future.exception()) is exc and str(future.exception()) == text
    assert not executor._broken_event.is_set()


def test_results_and_events(uri):
    seen = []
    with fj.FluxExecutor(handle_args=(uri,)) as executor:
        futures = [executor.submit(mock_spec()) for _ in range(3)]
        futures[0].add_event_callback("clean", lambda f, e: seen.append(e.name))
        assert [f.result() for f in futures] == [0, 0, 0]
        attached = executor.attach(futures[0].jobid())
        assert attached.result() == 0
    assert seen == ["clean"]
    assert not executor._broken_event.is_set()


def test_virtual_clock_starts_no_thread():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        with fj.FluxExecutor(handle_args=(inst.uri,)) as executor:
            assert executor.submit(mock_spec("30s")).result() == 0
            assert inst.now == 30.0
        assert not any(thread.is_alive() for thread in executor._executor_threads)


def test_executor_breaks_when_its_instance_goes_away(monkeypatch):
    ended = []  # flux's executor thread ends by raising what broke it
    monkeypatch.setattr(threading, "excepthook", lambda args: ended.append(args.exc_value))
    inst = fluxsim.start(nnodes=1, cores_per_node=1)
    executor = fj.FluxExecutor(handle_args=(inst.uri,), poll_interval=0.01)
    future = executor.submit(mock_spec("300s"))
    future.jobid(timeout=30)
    inst.shutdown()
    assert executor._broken_event.wait(30)
    with pytest.raises(RuntimeError, match="reactor start failed"):
        future.result(timeout=30)
    with pytest.raises(RuntimeError, match="Executor is broken"):
        executor.submit(mock_spec())
    executor.shutdown(wait=True)
    assert [str(exc) for exc in ended] == ["reactor start failed"]


def test_thread_submits_queued_packages_and_exits(uri, request):
    """The thread of flux's executor, run in the caller (as t0023 does)."""
    if request.node.callspec.params["uri"] == "virtual":
        pytest.skip("a virtual clock runs the reactor from the waiting thread")
    packages, done = collections.deque(), threading.Event()
    thread = _FluxExecutorThread(threading.Event(), done, packages, 0.01, (uri,), {})
    futures = [fj.FluxExecutorFuture(threading.get_ident()) for _ in range(2)]
    packages.extend(_SubmitPackage((mock_spec(),), {}, f) for f in futures)
    done.set()
    thread.run()
    assert [f.result(timeout=0) for f in futures] == [0, 0]
    with pytest.raises(cf.TimeoutError):
        fj.FluxExecutorFuture(threading.get_ident()).jobid(timeout=0)
