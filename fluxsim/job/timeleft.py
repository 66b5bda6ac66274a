"""``timeleft``: seconds until the current job (or the enclosing instance) expires.

A process of a job (``FLUX_JOB_ID`` set) asks job-list for the job's
expiration; any other asks the resource module for the instance's, as
libjob's ``flux_job_timeleft`` does.  No expiration is ``inf``.
"""

import errno
import math
import os
import time

from fluxsim.constants import State
from fluxsim.job.JobID import JobID
from fluxsim.job._wrapper import send

__all__ = ["timeleft"]


def _job_expiration(handle, text):
    # messages name the job as FLUX_JOB_ID gives it
    try:
        jobid = JobID(text)
    except ValueError:
        raise OSError(errno.EINVAL, f"failed to parse jobid {text}") from None
    payload = {"id": int(jobid), "attrs": ["expiration", "state"]}
    try:
        job = send(handle, "job-list.list-id", payload).get()["job"]
    except FileNotFoundError:
        raise OSError(errno.ENOENT, f"{text}: no such jobid") from None
    if job["state"] & State.PENDING:
        raise OSError(errno.EINVAL, f"job {text} has not started")
    if job["state"] != State.RUN:
        return 1.0  # ended: time left is 0, not unlimited
    return job.get("expiration", 0.0)


def _instance_expiration(handle):
    try:
        R = send(handle, "resource.status").get()["R"]
        return R["execution"].get("expiration", 0.0)
    except (OSError, KeyError, TypeError):
        raise OSError(errno.EINVAL, "failed to get instance expiration") from None


def timeleft(flux_handle=None):
    """Remaining seconds (``inf`` if unlimited, 0 once expired)."""
    if flux_handle is None:
        from fluxsim.handle import Flux

        flux_handle = Flux()
    jobid = os.environ.get("FLUX_JOB_ID")
    if jobid is not None:
        expiration = _job_expiration(flux_handle, jobid)
    else:
        expiration = _instance_expiration(flux_handle)
    if expiration == 0.0:
        return math.inf
    return max(expiration - time.time(), 0.0)
