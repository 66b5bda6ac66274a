"""``cancel``, ``kill`` and ``job_raise``: act on a job, with flux's errors."""

import errno
import signal as _signal

from fluxsim.future import Future
from fluxsim.constants import State

__all__ = [
    "kill_async",
    "kill",
    "cancel_async",
    "cancel",
    "job_raise_async",
    "job_raise",
]


def _request(flux_handle, jobid, errnum, action):
    """Run ``action(inst, job)`` on an active job; errors as the job manager's."""
    future = Future(flux_handle)
    inst = flux_handle.instance
    with inst.operation():
        job = inst.jobmanager.jobs.get(int(jobid))
        if job is None:
            future.fulfill_error(OSError(errnum, "unknown job id"))
        elif not job.active:
            future.fulfill_error(OSError(errnum, "job is inactive"))
        else:
            try:
                action(inst, job)
            except OSError as exc:
                future.fulfill_error(exc)
            else:
                future.fulfill(None)
    return future


def kill_async(flux_handle, jobid, signum=None):
    """Send ``signum`` (default SIGTERM) to a running job's tasks."""
    signum = int(signum) if signum else _signal.SIGTERM  # flux: 0 means SIGTERM too

    def action(inst, job):
        if not 0 < signum < _signal.NSIG:
            raise OSError(errno.EINVAL, "Invalid signal number")
        if not job.state & State.RUNNING:
            raise OSError(errno.EINVAL, "job is not running")
        inst.execution.signal(job, signum)

    return _request(flux_handle, jobid, errno.EINVAL, action)


def kill(flux_handle, jobid, signum=None):
    """Send a signal to a running job (blocking)."""
    return kill_async(flux_handle, jobid, signum).get()


def job_raise_async(flux_handle, jobid, type="cancel", severity=0, note=""):
    """Raise an exception of ``type`` and ``severity`` on a job."""

    def action(inst, job):
        if not isinstance(severity, int) or not 0 <= severity <= 7:
            raise OSError(errno.EPROTO, "invalid exception severity")
        inst.jobmanager.raise_exception(job, type, severity, note or "", inst.owner)

    return _request(flux_handle, jobid, errno.ENOENT, action)


def job_raise(flux_handle, jobid, type="cancel", severity=0, note=""):
    """Raise an exception on a job (blocking)."""
    return job_raise_async(flux_handle, jobid, type, severity, note).get()


def cancel_async(flux_handle, jobid, reason=None):
    """Cancel a job: a severity-0 ``cancel`` exception."""
    return job_raise_async(flux_handle, jobid, "cancel", 0, reason or "")


def cancel(flux_handle, jobid, reason=None):
    """Cancel a job (blocking)."""
    return cancel_async(flux_handle, jobid, reason).get()
