"""Flux constants: job flags, urgency and priority bounds, job states and results.

Values are flux-core's (``flux.constants``, RFC 21).

A job moves NEW -> DEPEND -> PRIORITY -> SCHED -> RUN -> CLEANUP -> INACTIVE;
an exception or cancel may jump it straight to CLEANUP.  Results are what
``flux job list`` and ``flux.job.result()`` report once a job is inactive.
"""

import enum

__all__ = [
    "State",
    "Result",
    "statetostr",
    "resulttostr",
    "FLUX_JOB_PRE_SIGNED",
    "FLUX_JOB_DEBUG",
    "FLUX_JOB_WAITABLE",
    "FLUX_JOB_NOVALIDATE",
    "FLUX_JOB_URGENCY_MIN",
    "FLUX_JOB_URGENCY_HOLD",
    "FLUX_JOB_URGENCY_DEFAULT",
    "FLUX_JOB_URGENCY_EXPEDITE",
    "FLUX_JOB_PRIORITY_MIN",
    "FLUX_JOB_PRIORITY_MAX",
    "FLUX_JOBID_ANY",
    "FLUX_USERID_UNKNOWN",
]

FLUX_JOB_PRE_SIGNED = 1
FLUX_JOB_DEBUG = 2
FLUX_JOB_WAITABLE = 4
FLUX_JOB_NOVALIDATE = 8

FLUX_JOB_URGENCY_MIN = 0
FLUX_JOB_URGENCY_HOLD = 0
FLUX_JOB_URGENCY_DEFAULT = 16
FLUX_JOB_URGENCY_EXPEDITE = 31
FLUX_JOB_PRIORITY_MIN = 0
FLUX_JOB_PRIORITY_MAX = 4294967295

FLUX_JOBID_ANY = 0xFFFFFFFFFFFFFFFF
FLUX_USERID_UNKNOWN = 0xFFFFFFFF


class State(enum.IntFlag):
    """Job states as bit flags, so masks like ``PENDING`` compose."""

    NEW = 1
    DEPEND = 2
    PRIORITY = 4
    SCHED = 8
    RUN = 16
    CLEANUP = 32
    INACTIVE = 64

    PENDING = DEPEND | PRIORITY | SCHED
    RUNNING = RUN | CLEANUP
    ACTIVE = PENDING | RUNNING


class Result(enum.IntEnum):
    """Terminal job results."""

    COMPLETED = 1
    FAILED = 2
    CANCELED = 4
    TIMEOUT = 8


_STATE_NAMES = {
    State.NEW: ("NEW", "N"),
    State.DEPEND: ("DEPEND", "D"),
    State.PRIORITY: ("PRIORITY", "P"),
    State.SCHED: ("SCHED", "S"),
    State.RUN: ("RUN", "R"),
    State.CLEANUP: ("CLEANUP", "C"),
    State.INACTIVE: ("INACTIVE", "I"),
}
_RESULT_NAMES = {
    Result.COMPLETED: ("COMPLETED", "CD"),
    Result.FAILED: ("FAILED", "F"),
    Result.CANCELED: ("CANCELED", "CA"),
    Result.TIMEOUT: ("TIMEOUT", "TO"),
}


def statetostr(stateid, fmt="L"):
    """Name of a job state: long (``"SCHED"``) or, with ``fmt="S"``, one letter."""
    long, short = _STATE_NAMES.get(State(stateid), ("(unknown)", "?"))
    return short if fmt == "S" else long


def resulttostr(resultid, fmt="L"):
    """Name of a job result: long (``"COMPLETED"``) or, with ``fmt="S"``, abbreviated."""
    long, short = _RESULT_NAMES.get(Result(resultid), ("(unknown)", "?"))
    return short if fmt == "S" else long
