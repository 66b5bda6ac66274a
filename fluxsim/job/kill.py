"""``cancel``, ``kill`` and ``job_raise``: act on a job, with flux's errors."""

import signal as _signal

from fluxsim.job._wrapper import send

__all__ = [
    "kill_async",
    "kill",
    "cancel_async",
    "cancel",
    "job_raise_async",
    "job_raise",
]


def kill_async(flux_handle, jobid, signum=None):
    """Send ``signum`` (default SIGTERM) to a running job's tasks."""
    signum = int(signum) if signum else _signal.SIGTERM  # flux: 0 means SIGTERM too
    return send(flux_handle, "job-manager.kill", {"id": int(jobid), "signum": signum})


def kill(flux_handle, jobid, signum=None):
    """Send a signal to a running job (blocking)."""
    return kill_async(flux_handle, jobid, signum).get()


def job_raise_async(flux_handle, jobid, type="cancel", severity=0, note=""):
    """Raise an exception of ``type`` and ``severity`` on a job."""
    payload = {"id": int(jobid), "severity": severity, "type": type, "note": note or ""}
    return send(flux_handle, "job-manager.raise", payload)


def job_raise(flux_handle, jobid, type="cancel", severity=0, note=""):
    """Raise an exception on a job (blocking)."""
    return job_raise_async(flux_handle, jobid, type, severity, note).get()


def cancel_async(flux_handle, jobid, reason=None):
    """Cancel a job: a severity-0 ``cancel`` exception."""
    return job_raise_async(flux_handle, jobid, "cancel", 0, reason or "")


def cancel(flux_handle, jobid, reason=None):
    """Cancel a job (blocking)."""
    return cancel_async(flux_handle, jobid, reason).get()
