"""From SWF records to Flux jobs: the explicit, selectable mapping.

An SWF record says how many processors a job asked for and got, how long it
asked for and ran, and when it was submitted.  A Flux job needs a jobspec.
:class:`SWFMapping` makes every choice in between a named parameter, with
these defaults::

    >>> from fluxsim.trace.swf import SWFRecord
    >>> rec = SWFRecord(7, 100, 5, 50, 4, -1, -1, 4, 3600, -1, 1, 2, 1, -1, 1, -1, -1, -1)
    >>> job = SWFMapping().job(rec)
    >>> job.submit, job.ncores, job.duration, job.run_duration
    (100.0, 4, 3600.0, 50.0)

``size`` -- which processor count (default ``"requested"``):
    ``"requested"`` field 8, else field 5 when field 8 is unknown;
    ``"allocated"`` field 5, else field 8.
``resources`` -- what a processor becomes (default ``"cores"``):
    ``"cores"``: P processors = ``flux submit -n P`` (P one-core slots,
    packed anywhere, sharing nodes); ``"nodes"``: ``flux submit -N n
    --exclusive`` with n = ceil(P / cores_per_node) whole nodes.
``duration`` -- the Flux time limit (default ``"requested"``):
    ``"requested"`` field 9 (unknown: ``default_duration``, 0 = no limit);
    ``"runtime"`` the run time (perfect user estimates); ``"none"``: no
    limit.  A run time above the limit ends in Flux's timeout exception, as
    the real instance would; ``overrun="extend"`` raises the limit to the
    run time instead.
``run_duration`` -- how long the mock job runs: field 4, the run time.  A
    run time of 0 (under half a second, per the SWF definition) runs for
    ``min_run_duration`` seconds (default 1): flux's mock execution treats
    ``run_duration=0`` as "never finish".
submit time -- field 2, shifted so the first job is at time 0.

Status (field 11):

- 1 completed, 3 last partial completed: replayed; the mock job exits 0.
- 0 failed, 4 last partial failed: ``failed="fail"`` (default) replays it
  and the mock job exits 1 (wait status 256), so Flux reports it failed;
  ``"complete"`` replays it as completed; ``"skip"`` drops it.
- 5 cancelled: ``cancelled="skip"`` (default) drops it; ``"cancel"``
  replays it and raises Flux's cancel exception at its recorded end
  (submit + wait + run), pending or running -- when the user cancelled it.
- 2 partial execution: a job number whose summary line (status 0, 1 or 5)
  is present is replayed once, from its summary; partial lines of it are
  dropped.  A partial line with no summary replays as a completed job.
- unknown (-1): replayed as completed.

Records that cannot become jobs are dropped and counted by reason in
``Workload.skipped``: unknown submit time, unknown or zero processors,
unknown run time, a cancelled job that never ran.
"""

import math

from fluxsim.trace.swf import (
    STATUS_CANCELLED,
    STATUS_COMPLETED,
    STATUS_FAILED,
    STATUS_PARTIAL,
    STATUS_PARTIAL_LAST_COMPLETED,
    STATUS_PARTIAL_LAST_FAILED,
    read_swf,
)
from fluxsim.trace.workload import TraceJob, Workload, jobspec

__all__ = ["SWFMapping", "load_swf"]

SIZES = ("requested", "allocated")
RESOURCES = ("cores", "nodes")
DURATIONS = ("requested", "runtime", "none")
OVERRUNS = ("timeout", "extend")
FAILED = ("fail", "complete", "skip")
CANCELLED = ("skip", "cancel")

_SUMMARY = (STATUS_FAILED, STATUS_COMPLETED, STATUS_CANCELLED)
_PARTIAL = (STATUS_PARTIAL, STATUS_PARTIAL_LAST_COMPLETED, STATUS_PARTIAL_LAST_FAILED)


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


class SWFMapping:
    """How SWF records become Flux jobs (see the module docstring).

    Constructor arguments are kept as attributes of the same name, so a
    mapping prints as the call that makes it.
    """

    def __init__(
        self,
        size="requested",
        resources="cores",
        cores_per_node=1,
        duration="requested",
        default_duration=0.0,
        overrun="timeout",
        failed="fail",
        cancelled="skip",
        min_run_duration=1.0,
    ):
        self.size = _choice("size", size, SIZES)
        self.resources = _choice("resources", resources, RESOURCES)
        if not isinstance(cores_per_node, int) or cores_per_node < 1:
            raise ValueError(f"cores_per_node must be an integer >= 1, not {cores_per_node!r}")
        self.cores_per_node = cores_per_node
        self.duration = _choice("duration", duration, DURATIONS)
        self.default_duration = float(default_duration)
        self.overrun = _choice("overrun", overrun, OVERRUNS)
        self.failed = _choice("failed", failed, FAILED)
        self.cancelled = _choice("cancelled", cancelled, CANCELLED)
        if min_run_duration <= 0:
            raise ValueError("min_run_duration must be > 0")
        self.min_run_duration = float(min_run_duration)

    def __repr__(self):
        args = ", ".join(
            f"{key}={getattr(self, key)!r}"
            for key in (
                "size",
                "resources",
                "cores_per_node",
                "duration",
                "default_duration",
                "overrun",
                "failed",
                "cancelled",
                "min_run_duration",
            )
        )
        return f"SWFMapping({args})"

    # -- one record ---------------------------------------------------------

    def processors(self, rec):
        """The processor count the job asks for, or None if unknown."""
        if self.size == "requested":
            return rec.requested_processors or rec.allocated_processors or None
        return rec.allocated_processors or rec.requested_processors or None

    def skip_reason(self, rec):
        """Why ``rec`` is not replayed, or None if it is."""
        return self._skip_reason(rec, self.processors(rec))

    def _skip_reason(self, rec, procs):
        if rec.submit_time is None:
            return "unknown submit time"
        if procs is None:
            return "unknown processors"
        if rec.status == STATUS_CANCELLED:
            if self.cancelled == "skip":
                return "cancelled"
            if not rec.run_time:
                return "cancelled before it ran"
        if rec.run_time is None:
            return "unknown run time"
        if rec.status in (STATUS_FAILED, STATUS_PARTIAL_LAST_FAILED) and self.failed == "skip":
            return "failed"
        return None

    def job(self, rec):
        """The :class:`TraceJob` for a record that ``skip_reason`` accepts."""
        return self._job(rec, self.processors(rec))

    def _job(self, rec, procs):
        run = float(rec.run_time)
        if self.duration == "requested":
            limit = float(rec.requested_time) if rec.requested_time else self.default_duration
        elif self.duration == "runtime":
            limit = run
        else:
            limit = 0.0
        run = max(run, self.min_run_duration)
        if self.overrun == "extend" and 0 < limit < run:
            limit = run
        if self.duration == "runtime" and limit < run:
            limit = run  # a zero run time was raised to min_run_duration
        failed = rec.status in (STATUS_FAILED, STATUS_PARTIAL_LAST_FAILED)
        wait_status = 256 if failed and self.failed == "fail" else 0
        if self.resources == "nodes":
            nnodes = math.ceil(procs / self.cores_per_node)
            ncores = nnodes * self.cores_per_node
            spec = jobspec(
                nnodes=nnodes,
                cores_per_node=self.cores_per_node,
                duration=limit,
                run_duration=run,
                wait_status=wait_status,
                name=f"swf{rec.job_number}",
            )
        else:
            nnodes, ncores = 0, procs
            spec = jobspec(
                ncores=procs,
                duration=limit,
                run_duration=run,
                wait_status=wait_status,
                name=f"swf{rec.job_number}",
            )
        cancel_at = None
        if rec.status == STATUS_CANCELLED:
            cancel_at = float(rec.submit_time) + float(rec.wait_time or 0) + float(rec.run_time)
            status = "cancelled"
        elif failed:
            status = "failed"
        else:
            status = "completed"
        return TraceJob(
            rec.job_number,
            rec.submit_time,
            spec,
            userid=rec.user_id,
            cancel_at=cancel_at,
            status=status,
            nnodes=nnodes,
            ncores=ncores,
        )

    # -- a whole trace ---------------------------------------------------------

    def workload(self, records, source="", header=None):
        """The :class:`Workload` of ``records`` (submit times start at 0)."""
        summarized = {r.job_number for r in records if r.status in _SUMMARY}
        jobs = []
        skipped = {}
        seen = set()
        for rec in records:
            if rec.status in _PARTIAL and rec.job_number in summarized:
                reason = "partial execution of a summarized job"
            elif rec.job_number in seen and rec.status in _PARTIAL:
                reason = "further partial execution"
            else:
                procs = self.processors(rec)
                reason = self._skip_reason(rec, procs)
            if reason is not None:
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            seen.add(rec.job_number)
            jobs.append(self._job(rec, procs))
        return Workload(jobs, source=source, skipped=skipped, header=header).shifted()


def load_swf(path_or_file, mapping=None, limit=None):
    """Read an SWF file and map it: a :class:`Workload`.

    ``limit`` reads only the first ``limit`` records.  The SWF header fields
    are in ``workload.header``.
    """
    trace = read_swf(path_or_file, limit=limit)
    mapping = mapping or SWFMapping()
    return mapping.workload(trace.records, source=trace.source, header=trace.header.as_dict())
