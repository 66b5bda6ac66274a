"""fluxsim's FluxExecutor where it goes beyond flux's: the virtual clock, attach,
and the fixed ``shutdown(cancel_futures=True)``.

The behaviour shared with flux (results, callbacks, JobException) is held to
real Flux by conformance/test_api.py on both lanes.
"""

import concurrent.futures

import pytest

import fluxsim
from fluxsim import job as fj


def mock_spec(run_duration, **kw):
    spec = fj.JobspecV1.from_command(["true"], **kw)
    spec.setattr("system.exec.test.run_duration", run_duration)
    return spec


def test_virtual_executor_result_advances_clock():
    with fluxsim.start(nnodes=1, cores_per_node=2, clock="virtual") as inst:
        with fj.FluxExecutor(handle_args=(inst.uri,)) as executor:
            futures = [executor.submit(mock_spec(f"{10 * (i + 1)}s")) for i in range(3)]
            # 2 cores: the third job starts when the first ends (t=10) and ends at t=40
            assert futures[2].result() == 0
            assert inst.now == 40.0
            assert [f.result() for f in futures] == [0, 0, 0]


def test_virtual_executor_events_in_order():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        seen = []
        with fj.FluxExecutor(handle_args=(inst.uri,)) as executor:
            future = executor.submit(mock_spec("5s"))
            for name in ("alloc", "start", "finish", "clean"):
                future.add_event_callback(name, lambda f, e: seen.append((e.name, e.timestamp)))
            future.result()
        assert seen == [("alloc", 0.0), ("start", 0.0), ("finish", 5.0), ("clean", 5.0)]


def test_attach_to_existing_job():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = fj.submit(h, mock_spec("1s", num_tasks=1))
        with fj.FluxExecutor(handle_args=(inst.uri,)) as executor:
            future = executor.attach(jobid)
            assert future.jobid() == jobid
            assert future.result() == 0


def test_attach_unknown_job():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        with fj.FluxExecutor(handle_args=(inst.uri,)) as executor:
            future = executor.attach(123456)
            with pytest.raises(ValueError, match="job ID does not match any job"):
                future.result()


def test_shutdown_cancel_futures_cancels_unsubmitted():
    """flux-core 0.88 raises AttributeError here; fluxsim cancels as documented."""
    with fluxsim.start(nnodes=1, cores_per_node=1) as inst:
        executor = fj.FluxExecutor(handle_args=(inst.uri,))
        with executor._lock:  # hold the executor thread off so submissions queue up
            futures = [executor.submit(mock_spec("0.01s")) for _ in range(3)]
            executor.shutdown(wait=False, cancel_futures=True)
        executor.shutdown(wait=True)
        assert all(f.cancelled() for f in futures)
        with pytest.raises(concurrent.futures.CancelledError):
            futures[0].jobid()


def test_shutdown_cancel_futures_leaves_submitted_alone():
    with fluxsim.start(nnodes=1, cores_per_node=1) as inst:
        executor = fj.FluxExecutor(handle_args=(inst.uri,))
        future = executor.submit(mock_spec("0.01s"))
        future.jobid(timeout=10)
        executor.shutdown(wait=True, cancel_futures=True)
        assert future.result() == 0


def test_callback_cannot_wait_on_its_future():
    with fluxsim.start(nnodes=1, cores_per_node=1) as inst:
        errors = []

        def callback(future, event):
            try:
                future.result()
            except RuntimeError as exc:
                errors.append(str(exc))

        with fj.FluxExecutor(handle_args=(inst.uri,)) as executor:
            future = executor.submit(mock_spec("0.2s"))
            future.add_event_callback("start", callback)
            future.result(timeout=30)
        assert errors == ["Cannot wait for future from inside callback"]
