"""The behaviours Parsl's own test_flux.py checks, on fluxsim and on real Flux.

multiply, except, affinity, cancel and the future's callbacks -- plus what a
Flux job adds: every task runs the app, rank 0's result is the app's.
"""

import concurrent.futures as cf
import os

import pytest
from fluxexec_support import (
    ERRMSG,
    affinity,
    bad_foo,
    multiply,
    rank_dependent,
    rank_info,
    whoami,
)
from parsl.executors.errors import InvalidResourceSpecification

from fluxexec import RemoteTraceback
from fluxexec.executor import TaskFuture


pytestmark = pytest.mark.usefixtures("importable_apps")


def test_multiply(executor):
    futures = [executor.submit(multiply, {}, i, 7) for i in range(5)]
    for i, future in enumerate(futures):
        assert future.result(timeout=60) == i * 7
        assert future.done()
        assert future.exception() is None
        assert isinstance(future, TaskFuture)


def test_except(executor):
    future = executor.submit(bad_foo, {})
    with pytest.raises(ValueError, match=ERRMSG):
        future.result(timeout=60)
    exc = future.exception()
    assert isinstance(exc, ValueError)
    assert isinstance(exc.__cause__, RemoteTraceback)
    assert "bad_foo" in str(exc.__cause__)


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="Not Linux or too few CPUs",
)
def test_affinity(executor):
    future = executor.submit(affinity, {"cores_per_task": 2})
    assert len(future.result(timeout=60)) > 1


def test_cancel(executor):
    futures = [executor.submit(multiply, {}, i, 9) for i in range(3)]
    for i, future in enumerate(futures):
        if future.cancel():
            assert future.cancelled()
            assert future.done()
            with pytest.raises(cf.CancelledError):
                future.exception()
            with pytest.raises(cf.CancelledError):
                future.result()
        else:
            assert future.done()
            assert not future.cancelled()
            assert future.result() == i * 9


def test_done_callback_sees_the_job_id(executor):
    seen = []
    done = cf.Future()

    def callback(fut):
        seen.append((fut.result(), fut.parsl_executor_task_id))
        done.set_result(None)

    future = executor.submit(multiply, {}, 6, 7)
    future.add_done_callback(callback)
    done.result(timeout=60)
    assert seen == [(42, future.parsl_executor_task_id)]
    assert future.parsl_executor_task_id == future.jobid
    assert int(future.parsl_executor_task_id) > 0


def test_future_not_running_after_completion(executor):
    future = executor.submit(multiply, {}, 1, 1)
    future.result(timeout=60)
    assert not future.running()
    assert not future.cancel()  # too late to cancel: done


def test_app_runs_on_every_task(executor):
    assert executor.submit(rank_info, {"num_tasks": 2}).result(timeout=60) == ("0", "2")


def test_rank_zero_speaks_for_the_app(executor):
    assert executor.submit(rank_dependent, {"num_tasks": 2}).result(timeout=60) == "rank 0"


def test_runner_imports_neither_parsl_nor_dill(executor):
    no_site, parsl_loaded, dill_loaded = executor.submit(whoami, {}).result(timeout=60)
    assert not parsl_loaded and not dill_loaded


@pytest.mark.parametrize("spec", [{"num_tasks": 0}, {"cores_per_task": "2"}, {"tasks": 2}])
def test_bad_resource_specification_fails_only_that_task(executor, spec):
    with pytest.raises(InvalidResourceSpecification):
        executor.submit(multiply, spec, 2, 3)
    assert executor.submit(multiply, {}, 2, 3).result(timeout=60) == 6
