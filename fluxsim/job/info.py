"""``JobInfo``: job-list's view of a job, with the derived fields flux computes.

Built from a ``job-list`` record (see :func:`job_record`) or from the smaller
``flux_job_result()`` dictionary; ``to_dict()`` matches ``flux.job.get_job``.
``JobInfoFormat`` prints JobInfo objects as ``flux jobs`` does, and
``job_fields_to_attrs`` says which job-list attributes a format needs.
"""

import json
import os
import pwd
import signal
import string
import time

from fluxsim.job.JobID import JobID
from fluxsim.resource import idset
from fluxsim.constants import Result, State, resulttostr, statetostr
from fluxsim.outputformat import OutputFormat

__all__ = ["ExceptionInfo", "JobInfo", "JobInfoFormat", "job_fields_to_attrs", "job_record"]

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


class EmptyObject:
    """What a missing annotation formats as: empty, at any depth."""

    def __getattr__(self, attr):
        return EmptyObject()

    def __repr__(self):
        return ""

    def __format__(self, spec):
        return format("", spec.rstrip("bcdoxXeEfFgGn%"))


class AnnotationsInfo:
    """A job's annotations (RFC 27) as attributes, for format fields like
    ``{annotations.sched.reason_pending}``; a missing key is empty."""

    def __init__(self, annotationsDict):
        self.annotationsDict = annotationsDict

    def __getattr__(self, attr):
        if attr == "annotationsDict":
            raise AttributeError(attr)
        value = self.annotationsDict.get(attr, EmptyObject())
        return AnnotationsInfo(value) if isinstance(value, dict) else value

    def __repr__(self):
        return json.dumps(self.annotationsDict) if self.annotationsDict else ""

    def __format__(self, spec):
        return format(repr(self), spec)


#: state and result letters' emoji (flux's ``state_emoji``, ``result_emoji``)
_STATE_EMOJI = {"N": "\U0001f381", "D": "\U0001f6d1", "P": "\U0001f6a6", "S": "\U0001f4c5",
                "R": "\U0001f3c3", "C": "\U0001f5d1", "I": "\U0001f480"}
_RESULT_EMOJI = {"CD": "\U0001f600", "F": "\U0001f4a9", "CA": "\U0001f4a5", "TO": "\u231b"}


class DependencyList(list):
    """A job's dependencies as flux's formats print them: comma-joined, a
    ``begin-time=T`` as ``begin@HH:MM`` (today) or ``begin@MonDD-HH:MM`` (and
    ``:SS`` when the seconds are not zero)."""

    def __init__(self, items):
        import datetime

        shown = []
        for dep in items:
            if dep.startswith("begin-time="):
                when = datetime.datetime.fromtimestamp(float(dep.partition("=")[2])).astimezone()
                today = when.date() == datetime.datetime.today().date()
                dep = f"begin@{when:%H:%M}" if today else f"begin@{when:%b%d-%H:%M}"
                if when.second > 0:
                    dep += f":{when:%S}"
            shown.append(dep)
        super().__init__(shown)

    def __str__(self):
        return ",".join(self)


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
        data["annotations"] = AnnotationsInfo(data.get("annotations", {}))
        data["sched"] = data["annotations"].sched
        data["user"] = data["annotations"].user
        data["dependencies"] = DependencyList(data.get("dependencies", []))
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
    def state_single(self):
        """State letter, e.g. ``"S"``."""
        return statetostr(self.state_id, "S")

    @property
    def result_abbrev(self):
        """Result abbreviation, e.g. ``"CD"`` (empty while active)."""
        return resulttostr(self.result_id, "S") if self.result_id != "" else ""

    @property
    def status_abbrev(self):
        """State letter while active, result abbreviation once inactive."""
        if self.state_id & (State.PENDING | State.RUNNING):
            return self.state_single
        return self.result_abbrev

    @property
    def state_emoji(self):
        """The state as an emoji."""
        return _STATE_EMOJI.get(self.state_single, self.state_single)

    @property
    def result_emoji(self):
        """The result as an emoji (an ideographic space while active)."""
        return _RESULT_EMOJI.get(self.result_abbrev, "\u3000")

    @property
    def status_emoji(self):
        """The state's emoji while active, the result's once inactive."""
        if self.state_id & (State.PENDING | State.RUNNING):
            return self.state_emoji
        return self.result_emoji

    @property
    def contextual_info(self):
        """What ``flux jobs`` shows in INFO: why a pending job waits, or where
        a job ran."""
        state = self.state
        if state == "PRIORITY":
            return "priority-wait"
        if state == "DEPEND":
            return f"depends:{self.dependencies}"
        if state == "SCHED":
            t_estimate = self.sched.t_estimate
            if isinstance(t_estimate, (int, float)):
                from fluxsim.fsd import fsd

                eta = t_estimate - time.time()
                return f"eta:{'now' if eta < 0 else fsd(eta)}"
            if self.urgency == 0:
                return "held"
            if self.priority == 0:
                return "priority-hold"
            return ""
        return self.nodelist

    @property
    def contextual_time(self):
        """The requested duration while pending, the runtime after."""
        if self.state in ("PRIORITY", "DEPEND", "SCHED"):
            return self.duration
        return self.runtime

    @property
    def inactive_reason(self):
        """Why an inactive job ended (``Exit 1``, ``Canceled: note``, ``Timeout``...)."""
        if self.state != "INACTIVE":
            return ""
        result, exc = self.result, self.exception
        if result == "CANCELED":
            if exc.occurred and exc.type == "cancel" and exc.note:
                return f"Canceled: {exc.note}"
            return "Canceled"
        if result == "TIMEOUT":
            return "Timeout"
        if result != "FAILED":
            return f"Exit {self.returncode}"
        if exc.occurred and exc.type != "exec" and exc.severity == 0:
            note = f" note={exc.note}" if exc.note else ""
            return f"Exception: type={exc.type}{note}"
        code = self.returncode
        if code > 128:
            try:
                return signal.strsignal(code - 128) or f"Signaled {code - 128}"
            except ValueError:
                return f"Signaled {code - 128}"
        return {126: "Command invoked cannot execute", 127: "command not found",
                128: "Invalid argument to exit"}.get(code, f"Exit {code}")

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
        out["annotations"] = self.annotations.annotationsDict
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


def _attrs_table():
    """Format field -> the job-list attributes it is computed from (flux-core 0.88)."""
    table = {f"id{enc}": () for enc in ("", ".dec", ".hex", ".f58", ".f58plain", ".emoji",
                                        ".kvs", ".words", ".dothex")}
    for attr in ("userid", "urgency", "priority", "state", "name", "cwd", "queue", "project",
                 "bank", "ntasks", "ncores", "duration", "nnodes", "ranks", "nodelist",
                 "success", "waitstatus", "result", "annotations", "dependencies", *_TIMES):
        table[attr] = (attr,)
    for name in ("occurred", "severity", "type", "note"):
        table[f"exception.{name}"] = (f"exception_{name}",)
    status = ("state", "result")
    table.update({
        "username": ("userid",), "state_single": ("state",), "state_emoji": ("state",),
        "returncode": ("waitstatus", "result"), "result_abbrev": ("result",),
        "result_emoji": ("result",), "runtime": ("t_run", "t_cleanup"), "status": status,
        "status_abbrev": status, "status_emoji": status,
        "expiration": ("expiration", *status), "t_remaining": ("expiration", *status),
        "contextual_info": ("state", "dependencies", "annotations", "nodelist", "priority",
                            "urgency"),
        "contextual_time": ("state", "t_run", "t_cleanup", "duration"),
        "inactive_reason": ("state", "result", "waitstatus", "exception_occurred",
                            "exception_severity", "exception_type", "exception_note"),
        "sched": ("annotations",), "user": ("annotations",), "uri": ("annotations",),
        "uri.local": ("annotations",),
    })
    return table


_TIMES = ("t_submit", "t_depend", "t_priority", "t_sched", "t_run", "t_cleanup", "t_inactive")
_FIELD_ATTRS = _attrs_table()


def job_fields_to_attrs(fields):
    """The set of job-list attributes the format ``fields`` need (KeyError for
    an unknown field; ``annotations.*``, ``sched.*``, ``user.*`` and
    ``instance.*`` fields may name anything)."""
    attrs = set()
    for field in fields:
        if field.startswith(("annotations.", "sched.", "user.")):
            attrs.update(_FIELD_ATTRS["annotations"])
        elif field.startswith("instance."):
            attrs.update(_FIELD_ATTRS["annotations"])
            attrs.update(_FIELD_ATTRS["status"])
        else:
            attrs.update(_FIELD_ATTRS[field])
    return attrs


def _headings():
    """Format field -> column heading of ``flux jobs`` (flux-core 0.88)."""
    headings = {f"id{enc}": "JOBID" for enc in ("", ".dec", ".hex", ".f58", ".f58plain",
                                                ".emoji", ".kvs", ".words", ".dothex")}
    for field in ("urgency:URG priority:PRI state_single:S result_abbrev:RS status_abbrev:ST "
                  "waitstatus:WSTATUS returncode:RC contextual_info:INFO contextual_time:TIME "
                  "userid:UID username:USER user:USER uri:URI uri.local:URI "
                  "state_emoji:STATE result_emoji:RESULT status_emoji:STATUS").split():
        name, heading = field.split(":")
        headings[name] = heading
    for name in ("state name cwd queue project bank ntasks ncores duration nnodes expiration "
                 "t_remaining ranks nodelist success result runtime status annotations "
                 "dependencies inactive_reason sched").split() + list(_TIMES):
        headings[name] = name.upper().replace("_REASON", "-REASON")
    for name in ("occurred", "severity", "type", "note"):
        headings[f"exception.{name}"] = f"EXCEPTION-{name.upper()}"
    for key, heading in (("t_estimate", "T_ESTIMATE"), ("reason_pending", "REASON"),
                         ("resource_summary", "RESOURCES")):
        headings[f"annotations.sched.{key}"] = headings[f"sched.{key}"] = heading
    headings.update({
        "instance.stats.total": "NJOBS", "instance.utilization": "CORE%",
        "instance.gpu_utilization": "GPU%", "instance.progress": "PROG",
    })
    for state, heading in (("all", None), ("up", "UP"), ("down", "DOWN"),
                           ("allocated", "USED"), ("free", "FREE")):
        for kind, all_heading in (("ncores", "CORES"), ("ngpus", "GPUS"), ("nnodes", "NODES")):
            headings[f"instance.resources.{state}.{kind}"] = heading or all_heading
    return headings


def _heading_of(field):
    """The heading of a free-form field (annotations, sched, user, instance), or None."""
    if field.startswith("annotations."):
        return field[len("annotations."):].upper()
    if field.startswith(("sched.", "user.")):
        return field.upper()
    if field.startswith("instance."):
        heading = field[len("instance."):].upper()
        return heading[len("RESOURCES."):] if heading.startswith("RESOURCES.") else heading
    return None


class JobInfoFormat(OutputFormat):
    """An output format of :class:`JobInfo` objects with ``flux jobs``'
    fields and headings; ValueError for an unknown field."""

    headings = _headings()

    def __init__(self, fmt, headings=None, prepend=None):
        known = dict(self.headings)
        for _, field, _, _ in string.Formatter().parse(fmt):
            if field and field not in known and _heading_of(field) is not None:
                known[field] = _heading_of(field)
        self.headings = known
        super().__init__(fmt)


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
    if job.R is None:
        rec.update(_pending_counts(job))
    else:
        rec["ncores"] = job.R.ncores
        rec["nnodes"] = job.R.nnodes
        rec["ranks"] = idset.encode(job.R.ranks, brackets=True)
        rec["nodelist"] = _nodelist(job.R)
        rec["expiration"] = job.R.expiration
    if job.queue is not None:
        rec["queue"] = job.queue
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


def _jobspec_counts(resources):
    """``(nnodes, cores, exclusive)`` of a jobspec resource list, read as job-list's
    libjj does: the node count (0 if none is asked for), the cores of all
    slots, and whether a node or slot is exclusive."""
    nnodes = cores = 0
    exclusive = False
    for res in resources:
        count = res["count"]
        if isinstance(count, dict):
            count = count["min"]
        exclusive = exclusive or bool(res.get("exclusive"))
        if res["type"] == "core":
            cores += count
            continue
        sub_nodes, sub_cores, sub_exclusive = _jobspec_counts(res.get("with", []))
        exclusive = exclusive or sub_exclusive
        if res["type"] == "node":
            nnodes += count
        cores += count * sub_cores
    return nnodes, cores, exclusive


def _pending_counts(job):
    """``nnodes`` and ``ncores`` job-list reports before a job has R: the node
    count if the jobspec gives one; the cores unless whole nodes are asked
    for (their cores are known only once allocated)."""
    try:
        nnodes, cores, exclusive = _jobspec_counts(job.jobspec["resources"])
    except (KeyError, IndexError, TypeError, AttributeError):
        return {}
    out = {}
    if nnodes:
        out["nnodes"] = nnodes
    if not (nnodes and exclusive):
        out["ncores"] = cores
    return out


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
