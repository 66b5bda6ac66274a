"""``submit`` / ``submit_async``: hand a jobspec to the instance, get a job id."""

import errno

from fluxsim.future import Future
from fluxsim.job.JobID import JobID
from fluxsim.job._wrapper import send
from fluxsim.constants import (
    FLUX_JOB_DEBUG as FLAG_DEBUG,
    FLUX_JOB_NOVALIDATE as FLAG_NOVALIDATE,
    FLUX_JOB_PRE_SIGNED as FLAG_PRE_SIGNED,
    FLUX_JOB_URGENCY_DEFAULT as URGENCY_DEFAULT,
    FLUX_JOB_WAITABLE as FLAG_WAITABLE,
)

__all__ = ["SubmitFuture", "submit_async", "submit_get_id", "submit"]


class SubmitFuture(Future):
    """Future fulfilled with the new job's id."""

    def get_id(self):
        """The job id (blocks until assigned)."""
        return submit_get_id(self)


def _jobspec_string(jobspec):
    # Jobspec objects are duck-typed (ours or flux's) through dumps()
    if jobspec is None:  # None or ffi.NULL: flux's message, before libjob's check
        raise EnvironmentError(errno.EINVAL, "jobspec must not be None/NULL")
    if isinstance(jobspec, bytes):
        return jobspec.decode("utf-8")
    if isinstance(jobspec, str):
        return jobspec
    if hasattr(jobspec, "dumps") and hasattr(jobspec, "jobspec"):
        return jobspec.dumps()
    raise TypeError("jobspec must be a Jobspec or string (either binary or unicode)")


def submit_async(
    flux_handle,
    jobspec,
    urgency=URGENCY_DEFAULT,
    waitable=False,
    debug=False,
    pre_signed=False,
    novalidate=False,
):
    """Submit a job without waiting; returns a :class:`SubmitFuture`."""
    text = _jobspec_string(jobspec)
    flags = 0
    if waitable:
        flags |= FLAG_WAITABLE
    if debug:
        flags |= FLAG_DEBUG
    if pre_signed:
        flags |= FLAG_PRE_SIGNED
    if novalidate:
        flags |= FLAG_NOVALIDATE
    payload = {"J": text, "urgency": urgency, "flags": flags}
    return send(flux_handle, "job-ingest.submit", payload, SubmitFuture)


def submit_get_id(future):
    """The job id from a :func:`submit_async` future."""
    if future is None:
        raise EnvironmentError(errno.EINVAL, "future must not be None/NULL")
    return JobID(future.get()["id"])


def submit(
    flux_handle,
    jobspec,
    urgency=URGENCY_DEFAULT,
    waitable=False,
    debug=False,
    pre_signed=False,
    novalidate=False,
):
    """Submit a job and return its :class:`JobID`."""
    future = submit_async(
        flux_handle, jobspec, urgency, waitable, debug, pre_signed, novalidate
    )
    return future.get_id()
