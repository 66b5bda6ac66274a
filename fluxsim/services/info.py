"""job-info: ``lookup`` of a job's KVS keys and ``eventlog-watch`` of its eventlogs."""

import errno
import json

from fluxsim.services import jobdir
from fluxsim.services.request import DEFERRED

__all__ = ["TOPICS", "EVENTLOGS"]

#: the eventlogs a watch follows -> (the job's log whose events it streams,
#: the (log, event) that ends it); any log but the main one also ends
#: with the job, if it never started
EVENTLOGS = {
    "eventlog": ("eventlog", ("eventlog", "clean")),
    "guest.exec.eventlog": ("exec.eventlog", ("exec.eventlog", "done")),
    "guest.output": ("guest.output", ("exec.eventlog", "done")),
}

#: flux_job_lookup flag: jobspec and R as objects rather than strings
LOOKUP_JSON_DECODE = 1


def _job(inst, payload, unknown="No such file or directory"):
    jobid = payload.get("id")
    if not isinstance(jobid, int):
        raise OSError(errno.EPROTO, "Protocol error")
    job = inst.jobmanager.jobs.get(jobid)
    if job is None:
        raise OSError(errno.ENOENT, unknown)
    return job


def _lookup(inst, request):
    payload = request.payload
    keys = payload.get("keys")
    flags = payload.get("flags", 0)
    if not isinstance(keys, list) or not isinstance(flags, int):
        raise OSError(errno.EPROTO, "Protocol error")
    job = _job(inst, payload, unknown="invalid job id")  # lookup's words
    out = {"id": job.id}
    for key in keys:
        value = jobdir.value(job, key)
        if value is None:
            raise OSError(errno.ENOENT, f"{key}: key not found")
        if flags & LOOKUP_JSON_DECODE and key in ("jobspec", "R"):
            value = json.loads(value)
        out[key] = value
    return out


def _log(job, name):
    """The entries of the job's log ``name`` so far (None: it does not exist yet)."""
    if name == "guest.output":
        return jobdir.output_events(job)
    return job.eventlog if name == "eventlog" else job.exec_eventlog


def _ended(job, name, end):
    log = _log(job, end[0])
    return bool(log) and log[-1].name == end[1] or (name != "eventlog" and not job.active)


def _watch(inst, request):
    payload = request.payload
    path = payload.get("path")
    job = _job(inst, payload)
    if path not in EVENTLOGS:
        raise OSError(errno.ENOENT, "No such file or directory")
    name, end = EVENTLOGS[path]
    log = _log(job, name)
    if log is None:
        raise OSError(errno.ENOENT, "No such file or directory")
    for event in log:
        request.respond({"event": jobdir.line(event)})
    if _ended(job, name, end):
        request.end()
        return DEFERRED

    def watcher(watched, which, event):
        if which == name:
            request.respond({"event": jobdir.line(event)})
        if (which, event.name) == end or (which, event.name) == ("eventlog", "clean"):
            watched.watchers.remove(watcher)
            request.end()

    return request.follow(job.watchers, watcher)


def _watch_cancel(inst, request):
    # no response, as job-info sends none
    return request.sender.stop_stream(request.payload.get("matchtag"), "job-info.eventlog-watch")


TOPICS = {
    "job-info.eventlog-watch": _watch,
    "job-info.eventlog-watch-cancel": _watch_cancel,
    "job-info.lookup": _lookup,
}
