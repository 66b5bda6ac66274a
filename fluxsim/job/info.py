"""``JobInfo``: job-list's view of a job, with the derived fields flux computes.

Built from a ``job-list`` record (see :func:`job_record`) or from the smaller
``flux_job_result()`` dictionary; ``to_dict()`` matches ``flux.job.get_job``.
"""

import os
import pwd
import time

from fluxsim.job.JobID import JobID
from fluxsim.resource import idset
from fluxsim.constants import Result, State, resulttostr, statetostr

__all__ = ["ExceptionInfo", "JobInfo", "job_record"]

_DEFAULTS = {
    "t_depend": 0.0,
    "t_priority": 0.0,
    "t_sched": 0.0,
    "t_run": 0.0,
    "t_cleanup": 0.0,
    "t_inactive": 0.0,
    "duration": 0.0,
    "expiration": 0.0,
    "name": "",
    "cwd": "",
    "queue": "",
    "project": "",
    "bank": "",
    "ntasks": "",
    "ncores": "",
    "nnodes": "",
    "priority": "",
    "ranks": "",
    "nodelist": "",
    "success": "",
    "result": "",
    "waitstatus": "",
}


class ExceptionInfo:
    """A job's reported exception: ``occurred``, ``severity``, ``type``, ``note``."""

    def __init__(self, occurred, severity, _type, note):
        self.occurred = occurred
        self.severity = severity
        self.type = _type
        self.note = note


class JobInfo:
    """Job information with flux's computed attributes (returncode, status...).

    ``state`` and ``result`` of the record are kept as ``state_id`` and
    ``result_id``; ``state``, ``result`` and ``status`` are their names.
    An attribute the record lacks (``state`` of a ``flux_job_result()``
    dict) raises AttributeError, and ``to_dict`` leaves it out.
    """

    #: the properties :meth:`to_dict` adds to the defaults' keys
    properties = (
        "id", "t_submit", "t_remaining", "state", "result", "username", "userid",
        "urgency", "runtime", "status", "returncode", "dependencies",
    )

    def __init__(self, info):
        data = dict(_DEFAULTS)
        data.update(info)
        data["id"] = JobID(data["id"])
        if "state" in data:
            data["state_id"] = data.pop("state")
        if "result" in data:
            data["result_id"] = data.pop("result")
        data["exception"] = ExceptionInfo(
            *(data.get(f"exception_{k}", "") for k in ("occurred", "severity", "type", "note"))
        )
        data.setdefault("annotations", {})
        data.setdefault("dependencies", [])
        self._data = data

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        try:
            return self._data[attr]
        except KeyError:
            raise AttributeError(f"invalid JobInfo attribute '{attr}'") from None

    @property
    def state(self):
        """State name, e.g. ``"INACTIVE"``."""
        return statetostr(self.state_id)

    @property
    def result(self):
        """Result name, e.g. ``"COMPLETED"`` (empty while active)."""
        return resulttostr(self.result_id) if self.result_id != "" else ""

    @property
    def status(self):
        """State name while active, result name once inactive."""
        if self.state_id & (State.PENDING | State.RUNNING):
            return self.state
        return self.result

    @property
    def returncode(self):
        """Highest task exit code, -signal if the shell was signalled; -128 if
        canceled before running, 1 if failed before running; ``""`` while active."""
        status = self.waitstatus
        if not isinstance(status, int):
            if self.result_id == Result.CANCELED:
                return -128
            if self.result_id == Result.FAILED:
                return 1
            return ""
        if os.WIFSIGNALED(status):
            return -os.WTERMSIG(status)
        if os.WIFEXITED(status):
            return os.WEXITSTATUS(status)
        return ""

    @property
    def runtime(self):
        """Seconds from alloc to cleanup (or to now while running), else 0."""
        if self.t_cleanup > 0 and self.t_run > 0:
            return self.t_cleanup - self.t_run
        if self.t_run > 0:
            return time.time() - self.t_run
        return 0.0

    @property
    def t_remaining(self):
        """Seconds to the expiration of a running job, else 0."""
        try:
            if self.status != "RUN":
                return 0.0
            return max(self.expiration - time.time(), 0.0)
        except AttributeError:
            return 0.0

    @property
    def username(self):
        """The submitting user's name."""
        try:
            return pwd.getpwuid(self.userid).pw_name
        except KeyError:
            return str(self.userid)

    def to_dict(self, filtered=True):
        """The job as a dict (``flux.job.get_job`` uses ``filtered=False``):
        filtered, without empty values and unset times."""
        out = {}
        for attr in (*_DEFAULTS, *self.properties):
            try:
                out[attr] = getattr(self, attr)
            except AttributeError:
                pass
        out["jobid"] = self.id.f58
        out["annotations"] = self.annotations
        out["exception"] = dict(vars(self.exception))
        if filtered:
            for key in list(out):
                val = out[key]
                timelike = key.startswith("t_") or key in ("runtime", "expiration")
                if val == "" or (timelike and val == 0):
                    del out[key]
            if not out["exception"]["occurred"]:
                out["exception"] = {"occurred": False}
        return out


def job_record(job):
    """The ``job-list`` record of a job (attrs "all")."""
    rec = {
        "id": job.id,
        "userid": job.userid,
        "urgency": job.urgency,
        "priority": job.priority if job.priority is not None else "",
        "t_submit": job.t_submit,
        "state": int(job.state),
        "name": job.name,
        "ntasks": _ntasks(job),
        "duration": _duration(job),
    }
    times = {}
    for event in job.eventlog:
        key = {
            "depend": "t_depend",
            "priority": "t_priority",
            "alloc": "t_run",
            "clean": "t_inactive",
        }.get(event.name)
        if key and key not in times:
            times[key] = event.timestamp
        if event.name == "priority" and "t_sched" not in times:
            times["t_sched"] = event.timestamp
    if job.t_cleanup:
        times["t_cleanup"] = job.t_cleanup
    rec.update(times)
    if job.R is not None:
        rec["ncores"] = job.R.ncores
        rec["nnodes"] = job.R.nnodes
        rec["ranks"] = idset.encode(job.R.ranks, brackets=True)
        rec["nodelist"] = _nodelist(job.R)
        rec["expiration"] = job.R.expiration
        if job.annotations:
            rec["annotations"] = job.annotations
    if not job.active:
        rec["success"] = job.result() == Result.COMPLETED
        rec["result"] = int(job.result())
        exc = job.result_exception()
        rec["exception_occurred"] = exc is not None
        if exc is not None:
            rec["exception_type"] = exc.context["type"]
            rec["exception_severity"] = exc.context["severity"]
            rec["exception_note"] = exc.context["note"]
        if job.waitstatus is not None:
            rec["waitstatus"] = job.waitstatus
    return rec


def _slots(resources):
    """Slots in a jobspec resource list: counts multiplied down to each slot (job-list's rule)."""
    total = 0
    for res in resources:
        count = res["count"]
        if isinstance(count, dict):
            count = count["min"]
        if res["type"] == "slot":
            total += count
        else:
            total += count * _slots(res.get("with", []))
    return total


def _ntasks(job):
    try:
        count = job.jobspec["tasks"][0]["count"]
        if "total" in count:
            return count["total"]
        return count.get("per_slot", 1) * _slots(job.jobspec["resources"])
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""


def _duration(job):
    try:
        return float(job.jobspec["attributes"]["system"].get("duration", 0.0))
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0.0


def _nodelist(R):
    from fluxsim.resource import hostlist

    return hostlist.encode(R.nodelist)
