"""``wait`` (waitable jobs) and ``result`` (any job), as flux.job.wait."""

import collections
import errno
import os
import signal

from fluxsim.constants import FLUX_JOBID_ANY
from fluxsim.future import Future
from fluxsim.eventlog import EventLogEvent
from fluxsim.job.event import watch_eventlog
from fluxsim.job.info import JobInfo
from fluxsim.jobmanager import result_of
from fluxsim.job._wrapper import send
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


class JobWaitFuture(Future):
    """Future of a :func:`wait_async` request."""

    def get_status(self):
        """The :class:`JobWaitResult` (jobid, success, errstr)."""
        return wait_get_status(self)


def wait_async(flux_handle, jobid=FLUX_JOBID_ANY):
    """Wait for a waitable job to become inactive (or any, by default)."""
    payload = {"id": int(jobid)}
    return send(flux_handle, "job-manager.wait", payload, JobWaitFuture)


def wait_get_status(future):
    """Block for a :func:`wait_async` response: :class:`JobWaitResult`."""
    if future is None:
        raise EnvironmentError(errno.EINVAL, "future must not be None/NULL")
    response = future.get()
    return JobWaitResult(JobID(response["id"]), response["success"], response["errstr"].encode())


def wait(flux_handle, jobid=FLUX_JOBID_ANY):
    """Wait for a waitable job; returns :class:`JobWaitResult`."""
    return wait_async(flux_handle, jobid).get_status()


class JobResultFuture(Future):
    """A job's result once it is inactive, read from its eventlog as libjob
    does: one response (the ``flux_job_result()`` dict), so ``then``,
    ``wait_for`` and ``get`` work as on any future."""

    def __init__(self, flux_handle, jobid):
        super().__init__(flux_handle)
        self._jobid = JobID(jobid)
        self._events = []

    def _eventlog(self, value, exc):
        # the eventlog watch's responses, engine side: collect, then answer once
        if exc is None:
            self._events.append(EventLogEvent(value["event"]))
        elif exc.errno == errno.ENODATA:
            self.fulfill(result_of(self._jobid, self._events))
        elif exc.errno == errno.ENOENT:  # as flux's bindings word libjob's error
            self.fulfill_error(FileNotFoundError(errno.ENOENT, "ENOENT: No such file or directory"))
        else:
            self.fulfill_error(exc)

    def get_dict(self):
        """The result dictionary (as ``flux_job_result()``)."""
        return self.get()

    def get_info(self):
        """The result as a limited :class:`JobInfo`."""
        return JobInfo(self.get_dict())


def result_async(flux_handle, jobid, flags=0):
    """Wait (via the eventlog) for a job to finish and return its result."""
    future = JobResultFuture(flux_handle, jobid)
    watch_eventlog(flux_handle, jobid, "eventlog", future._eventlog)
    return future


def result(flux_handle, jobid, flags=0):
    """A limited :class:`JobInfo` with the job's result, once it is inactive."""
    return result_async(flux_handle, jobid, flags).get_info()
