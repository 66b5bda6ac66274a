"""Each way a task can fail ends in its own exception, with what explains it."""

import signal

import pytest
from fluxexec_support import (
    BACKENDS,
    exit_with,
    kill_self,
    raise_unpicklable,
    sleep_with_pidfile,
)

from fluxexec import FluxJobException, NoResultError, RemoteAppError, SubmitError, TaskExitError


pytestmark = pytest.mark.usefixtures("importable_apps")


def test_nonzero_exit_is_a_task_exit_error_with_stderr(executor):
    future = executor.submit(exit_with, {}, 3, "about to exit 3")
    with pytest.raises(TaskExitError) as info:
        future.result(timeout=60)
    assert info.value.returncode == 3
    assert "about to exit 3" in info.value.stderr_tail
    assert info.value.jobid == future.parsl_executor_task_id


def test_signal_is_a_task_exit_error_with_the_signal(executor):
    with pytest.raises(TaskExitError) as info:
        executor.submit(kill_self, {}, signal.SIGKILL).result(timeout=60)
    assert info.value.returncode == 128 + signal.SIGKILL  # the job shell's report
    assert info.value.signal == signal.SIGKILL
    assert "signal 9, SIGKILL" in str(info.value)


def test_exit_zero_without_result_is_no_result_error(executor):
    with pytest.raises(NoResultError):
        executor.submit(exit_with, {}, 0).result(timeout=60)


def test_unpicklable_app_exception_keeps_type_message_and_traceback(executor):
    with pytest.raises(RemoteAppError) as info:
        executor.submit(raise_unpicklable, {}).result(timeout=60)
    assert info.value.type_name.endswith("Unpicklable")
    assert "raise_unpicklable" in info.value.tb


@pytest.mark.parametrize(
    "spec, flux_type, note",
    [
        ({"duration": 1}, "timeout", ""),
        ({"cores_per_task": 100000}, "alloc", "unsatisfiable"),
        ({"num_tasks": 2, "num_nodes": 2}, "alloc", "unsatisfiable"),
    ],
    ids=["timeout", "too-many-cores", "too-many-nodes"],
)
def test_flux_job_exception_carries_type_and_note(executor, tmp_path, spec, flux_type, note):
    with pytest.raises(FluxJobException) as info:
        executor.submit(sleep_with_pidfile, spec, str(tmp_path / "pid"), 60).result(timeout=60)
    assert info.value.type == flux_type
    assert note in info.value.note
    assert info.value.note in str(info.value)


@pytest.mark.real
@pytest.mark.parametrize("executor", [p for p in BACKENDS if p.id == "flux"], indirect=True)
def test_unknown_queue_is_a_submit_error(executor):
    with pytest.raises(SubmitError, match="queue"):
        executor.submit(exit_with, {"queue": "nosuchqueue"}, 0).result(timeout=60)
