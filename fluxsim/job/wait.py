"""``wait`` (waitable jobs) and ``result`` (any job), as flux.job.wait."""

import collections
import errno
import os
import signal

from fluxsim.constants import FLUX_JOBID_ANY
from fluxsim.future import Future
from fluxsim.job.info import JobInfo
from fluxsim.job.JobID import JobID

__all__ = [
    "FLUX_JOBID_ANY",
    "JobWaitResult",
    "JobWaitFuture",
    "JobResultFuture",
    "wait_async",
    "wait_get_status",
    "wait",
    "result_async",
    "result",
    "waitstatus_to_exitcode",
]


JobWaitResult = collections.namedtuple("JobWaitResult", "jobid, success, errstr")


def waitstatus_to_exitcode(status):
    """(exit code, error text) as libjob's ``flux_job_waitstatus_to_exitcode``."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return sig + 128, f"job shell {signal.strsignal(sig)}"
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        if code > 128:
            return code, f"task(s) {signal.strsignal(code - 128)}"
        if code > 0:
            return code, f"task(s) exited with exit code {code}"
        return 0, ""
    return -1, f"unexpected wait(2) status {status}"


def _wait_result(job):
    """The job manager's wait response, decoded from the job's end event:
    its first fatal exception, else its ``finish``."""
    for event in job.eventlog:
        ctx = event.context
        if event.name == "exception" and ctx["severity"] == 0:
            text = f"Fatal exception type={ctx['type']} {ctx['note']}"
            return JobWaitResult(job.id, False, text.encode())
        if event.name == "finish":
            code, text = waitstatus_to_exitcode(ctx["status"])
            return JobWaitResult(job.id, code == 0, text.encode())
    return JobWaitResult(job.id, False, b"")


class JobWaitFuture(Future):
    """Future of a :func:`wait_async` request."""

    def get_status(self):
        """The :class:`JobWaitResult` (jobid, success, errstr)."""
        return wait_get_status(self)


def wait_async(flux_handle, jobid=FLUX_JOBID_ANY):
    """Wait for a waitable job to become inactive (or any, by default)."""
    future = JobWaitFuture(flux_handle)
    inst = flux_handle.instance
    with inst.operation():
        manager = inst.jobmanager
        if jobid == FLUX_JOBID_ANY:
            if not manager.waitables:
                future.fulfill_error(
                    ChildProcessError(errno.ECHILD, "there are no more waitable jobs")
                )
                return future
            target = None
        else:
            target = manager.waitables.pop(int(jobid), None)
            if target is None:
                job = manager.jobs.get(int(jobid))
                if job is not None and not job.waitable:
                    message = "job was not submitted with FLUX_JOB_WAITABLE"
                else:
                    message = "invalid job id, or job may be inactive and not waitable"
                future.fulfill_error(ChildProcessError(errno.ECHILD, message))
                return future
            target.waited = True  # claimed by this waiter
    future._target = target
    return future


def wait_get_status(future):
    """Block for a :func:`wait_async` response."""
    if future is None:
        raise EnvironmentError(errno.EINVAL, "future must not be None/NULL")
    if future._responses:
        return future.get()
    inst = future._inst
    target = getattr(future, "_target", None)
    with inst.lock:
        if target is not None:
            inst.drive(lambda: not target.active)
            found = target
        else:
            waitables = inst.jobmanager.waitables

            def ready():
                return any(not j.active for j in waitables.values())

            inst.drive(ready)
            found = min((j for j in waitables.values() if not j.active), key=lambda j: j.t_inactive)
            del waitables[found.id]
            found.waited = True
        future.fulfill(_wait_result(found))
    return future.get()


def wait(flux_handle, jobid=FLUX_JOBID_ANY):
    """Wait for a waitable job; returns :class:`JobWaitResult`."""
    return wait_async(flux_handle, jobid).get_status()


class JobResultFuture(Future):
    """Future fulfilled with a job's result once it is inactive."""

    def get_dict(self):
        """The raw result dictionary (as ``flux_job_result()``)."""
        return self.get()

    def get_info(self):
        """The result as a limited :class:`JobInfo`."""
        return JobInfo(self.get_dict())


def result_async(flux_handle, jobid, flags=0):
    """Wait (via the eventlog) for a job to finish and return its result."""
    future = JobResultFuture(flux_handle)
    inst = flux_handle.instance
    with inst.operation():
        job = inst.jobmanager.jobs.get(int(JobID(jobid)))
        if job is None:
            future.fulfill_error(
                FileNotFoundError(errno.ENOENT, "ENOENT: No such file or directory")
            )
            return future
        if not job.active:
            future.fulfill(job.result_dict())
        else:
            def watcher(watched, which, event):
                if which == "eventlog" and event.name == "clean":
                    watched.watchers.remove(watcher)
                    future.fulfill(watched.result_dict())

            job.watchers.append(watcher)
    return future


def result(flux_handle, jobid, flags=0):
    """A limited :class:`JobInfo` with the job's result, once it is inactive."""
    return result_async(flux_handle, jobid, flags).get_info()
