"""job-list: ``list`` with RFC 31 constraints, and ``list-id``, as job-list answers them."""

import errno

from fluxsim.constants import FLUX_USERID_UNKNOWN, Result, State
from fluxsim.job.info import job_record
from fluxsim.jobmanager import queue_of
from fluxsim.resource import hostlist, idset

__all__ = ["TOPICS", "compile_constraint"]

_TIMES = ("t_submit", "t_depend", "t_priority", "t_sched", "t_run", "t_cleanup", "t_inactive")
_RESULTS = {r.name: int(r) for r in Result}
_VALID_RESULTS = sum(_RESULTS.values())
_COMPARISONS = (
    (">=", float.__ge__), ("<=", float.__le__), (">", float.__gt__), ("<", float.__lt__),
)


class ConstraintError(ValueError):
    """A constraint job-list refuses; the message is its own."""


def _strings(op, values):
    for value in values:
        if not isinstance(value, str):
            raise ConstraintError(f"{op} value must be a string")
    return set(values)


def _mask(op, values, names, valid):
    mask = 0
    for value in values:
        if isinstance(value, str):
            if value.upper() not in names:
                raise ConstraintError(f"invalid {op} value '{value}' specified")
            mask |= names[value.upper()]
        elif isinstance(value, int) and not isinstance(value, bool):
            if value & ~valid:
                raise ConstraintError(f"invalid {op} value '{value:X}h' specified")
            mask |= value
        else:
            raise ConstraintError(f"{op} value invalid type")
    return mask


def _timestamp(op, values):
    tests = []
    for value in values:
        comp = float.__ge__
        if isinstance(value, str):
            for prefix, fn in _COMPARISONS:
                if value.startswith(prefix):
                    value, comp = value[len(prefix):], fn
                    break
            try:
                value = float(value)
            except ValueError:
                raise ConstraintError("Invalid timestamp value specified") from None
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConstraintError(f"{op} value invalid type")
        if value < 0:
            raise ConstraintError("timestamp value must be >= 0.0")
        tests.append((comp, float(value)))

    def match(job, rec):
        t = rec.get(op)
        return t is not None and all(comp(float(t), v) for comp, v in tests)

    return match


def compile_constraint(constraint):
    """``constraint`` (RFC 31) as a predicate of ``(job, record)``; ConstraintError if invalid."""
    if constraint is None:
        return lambda job, rec: True
    if not isinstance(constraint, dict):
        raise ConstraintError("constraint must be JSON object")
    if len(constraint) > 1:
        raise ConstraintError("constraint must only contain 1 element")
    if not constraint:
        return lambda job, rec: True
    (op, values), = constraint.items()
    if not isinstance(values, list):
        raise ConstraintError(f"operator {op} values not an array")
    if op in ("and", "or", "not"):
        subs = [compile_constraint(c) for c in values]
        if op == "and":
            return lambda job, rec: all(s(job, rec) for s in subs)
        if op == "or":
            return lambda job, rec: any(s(job, rec) for s in subs)
        return lambda job, rec: not all(s(job, rec) for s in subs)
    if op == "userid":
        if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
            raise ConstraintError("userid value must be an integer")
        users = {v & 0xFFFFFFFF for v in values}  # uint32, as job-list reads them
        return lambda job, rec: job.userid in users or FLUX_USERID_UNKNOWN in users
    if op in ("name", "queue"):
        names = _strings(op, values)
        return lambda job, rec: rec.get(op) in names
    if op == "states":
        states = {s.name: int(s) for s in State}
        states.update(PENDING=int(State.PENDING), RUNNING=int(State.RUNNING),
                      ACTIVE=int(State.ACTIVE))
        mask = _mask("states", values, states, int(State.ACTIVE) | int(State.INACTIVE))
        return lambda job, rec: bool(int(job.state) & mask)
    if op == "results":
        mask = _mask("results", values, _RESULTS, _VALID_RESULTS)
        return lambda job, rec: not job.active and bool(int(job.result()) & mask)
    if op == "hostlist":
        hosts = set()
        for value in _strings("host", values):
            try:
                hosts.update(hostlist.decode(value))
            except ValueError:
                raise ConstraintError("host value not in valid Hostlist format") from None
        return lambda job, rec: bool(hosts.intersection(hostlist.decode(rec.get("nodelist") or "")))
    if op == "ranks":
        ranks = set()
        for value in _strings("ranks", values):
            try:
                ranks.update(idset.decode(value))
            except ValueError:
                raise ConstraintError("ranks value not in valid idset format") from None
        return lambda job, rec: job.R is not None and bool(ranks.intersection(job.R.ranks))
    if op in _TIMES:
        return _timestamp(op, values)
    raise ConstraintError(f"unknown constraint operator: {op}")


def _project(rec, attrs):
    """The record with the requested attributes only (``all``: every one)."""
    if "all" in attrs:
        return rec
    for attr in attrs:
        if not isinstance(attr, str):
            raise OSError(errno.EINVAL, "attr has no string value")
    return {k: v for k, v in rec.items() if k == "id" or k in attrs}


def _check_attrs(attrs):
    if not isinstance(attrs, list):
        raise OSError(errno.EPROTO, "invalid payload: attrs must be an array")
    for attr in attrs:
        if not isinstance(attr, str):
            raise OSError(errno.EINVAL, "attr has no string value")
        if attr != "all" and attr not in VALID_ATTRS:
            raise OSError(errno.EINVAL, f"{attr} is not a valid attribute")


def _order(job):
    # job-list: pending by priority then id, running and inactive newest first
    if job.active and job.state < State.RUN:
        return (0, -(job.priority or 0), job.id)
    if job.active:
        return (1, -job.t_run, 0)
    return (2, -job.t_inactive, 0)


def _list(inst, request):
    payload = request.payload
    max_entries = payload.get("max_entries")
    attrs = payload.get("attrs")
    since = payload.get("since", 0.0)
    if not isinstance(max_entries, int) or attrs is None:
        raise OSError(errno.EPROTO, "invalid payload: Protocol error")
    if max_entries < 0:
        raise OSError(errno.EPROTO, "invalid payload: max_entries < 0 not allowed")
    if not isinstance(since, (int, float)) or since < 0:
        raise OSError(errno.EPROTO, "invalid payload: since < 0.0 not allowed")
    _check_attrs(attrs)
    try:
        match = compile_constraint(payload.get("constraint"))
    except ConstraintError as exc:
        raise OSError(errno.EPROTO, f"invalid payload: constraint object invalid: {exc}") from None
    out = []
    for job in sorted(inst.jobmanager.jobs.values(), key=_order):
        if since and (job.active or job.t_inactive <= since):
            continue
        rec = job_record(job)
        if not match(job, rec):
            continue
        out.append(_project(rec, attrs))
        if max_entries and len(out) >= max_entries:
            break
    return {"jobs": out}


def _list_id(inst, request):
    payload = request.payload
    jobid = payload.get("id")
    attrs = payload.get("attrs")
    if not isinstance(jobid, int) or attrs is None:
        raise OSError(errno.EPROTO, "invalid payload: Protocol error")
    _check_attrs(attrs)
    job = inst.jobmanager.jobs.get(jobid)
    if job is None:
        raise OSError(errno.ENOENT, "No such file or directory")
    return {"job": _project(job_record(job), attrs)}


#: the attributes job-list knows, in its ``list-attrs`` order (flux-core 0.88)
LIST_ATTRS = (
    "userid urgency priority t_submit t_depend t_priority t_sched t_run t_cleanup "
    "t_inactive state name cwd queue project bank ntasks ncores duration nnodes ranks "
    "nodelist success exception_occurred exception_type exception_severity "
    "exception_note result expiration annotations waitstatus dependencies".split()
)
VALID_ATTRS = frozenset(LIST_ATTRS)


def _list_attrs(inst, request):
    return {"attrs": [*LIST_ATTRS, "all"]}


#: job-list's per-state counters (every state but NEW), by state name
_STATE_COUNTERS = ("depend", "priority", "sched", "run", "cleanup", "inactive")


def _stats(jobs, purged, name=None):
    """job-list's statistics of ``jobs``: counts by state, and by how inactive
    jobs ended (a job that failed without an exception counts as failed);
    purged jobs leave every count but ``inactive_purged``."""
    states = dict.fromkeys(_STATE_COUNTERS, 0)
    ended = {"successful": 0, "failed": 0, "canceled": 0, "timeout": 0}
    for job in jobs:
        if job.state == State.NEW:
            continue
        states[job.state.name.lower()] += 1
        if job.active:
            continue
        exc = job.result_exception()
        if job.result() == Result.COMPLETED:
            ended["successful"] += 1
        elif exc is not None and exc.context["type"] in ("cancel", "timeout"):
            ended["canceled" if exc.context["type"] == "cancel" else "timeout"] += 1
        else:
            ended["failed"] += 1
    states["total"] = sum(states.values())
    out = {"job_states": states, **ended, "inactive_purged": purged}
    if name is not None:
        out["name"] = name
    return out


def _job_stats(inst, request):
    jobs = list(inst.jobmanager.jobs.values())
    purged = inst.jobmanager.purged
    queues = [
        _stats([j for j in jobs if queue_of(j.jobspec) == name], purged[name], name)
        for name in inst.queues.names
    ] if inst.queues else []
    return {**_stats(jobs, sum(purged.values())), "queues": queues}


TOPICS = {
    "job-list.job-stats": _job_stats,
    "job-list.list": _list,
    "job-list.list-attrs": _list_attrs,
    "job-list.list-id": _list_id,
}
