"""job-info: ``lookup`` of a job's KVS keys and ``eventlog-watch`` of its eventlogs."""

import errno
import json

from fluxsim.services.request import DEFERRED

__all__ = ["TOPICS", "EVENTLOGS"]

#: eventlog paths a watch accepts -> (the job's log, the event that ends it)
EVENTLOGS = {
    "eventlog": ("eventlog", "clean"),
    "guest.exec.eventlog": ("exec.eventlog", "done"),
    "exec.eventlog": ("exec.eventlog", "done"),
}

#: flux_job_lookup flag: jobspec and R as objects rather than strings
LOOKUP_JSON_DECODE = 1


def _job(inst, payload):
    jobid = payload.get("id")
    if not isinstance(jobid, int):
        raise OSError(errno.EPROTO, "Protocol error")
    job = inst.jobmanager.jobs.get(jobid)
    if job is None:
        raise OSError(errno.ENOENT, "No such file or directory")
    return job


def _line(event):
    """An eventlog entry as the KVS holds it: one JSON object, one line (RFC 18)."""
    return json.dumps(event, separators=(",", ":")) + "\n"


def _lines(log):
    return "".join(_line(e) for e in log)


def _value(job, key, decode):
    if key == "jobspec":
        return job.jobspec if decode else json.dumps(job.jobspec)
    if key == "R":
        if job.R is None:
            return None
        return json.loads(job.R.encode()) if decode else job.R.encode()
    if key == "eventlog":
        return _lines(job.eventlog)
    if key in ("guest.exec.eventlog", "exec.eventlog"):
        return _lines(job.exec_eventlog) if job.exec_eventlog else None
    return None


def _lookup(inst, request):
    payload = request.payload
    keys = payload.get("keys")
    flags = payload.get("flags", 0)
    if not isinstance(keys, list) or not isinstance(flags, int):
        raise OSError(errno.EPROTO, "Protocol error")
    job = _job(inst, payload)
    out = {"id": job.id}
    for key in keys:
        value = _value(job, key, flags & LOOKUP_JSON_DECODE)
        if value is None:
            raise OSError(errno.ENOENT, "No such file or directory")
        out[key] = value
    return out


def _complete(job, name, log, last):
    if log and log[-1].name == last:
        return True
    # an exec eventlog that never started is complete once the job is inactive
    return name == "exec.eventlog" and not job.active


def _watch(inst, request):
    payload = request.payload
    path = payload.get("path")
    job = _job(inst, payload)
    if path not in EVENTLOGS:
        raise OSError(errno.ENOENT, "No such file or directory")
    name, last = EVENTLOGS[path]
    log = job.eventlog if name == "eventlog" else job.exec_eventlog
    for event in log:
        request.respond({"event": _line(event)})
    if _complete(job, name, log, last):
        request.end()
        return DEFERRED

    def watcher(watched, which, event):
        if which == name:
            request.respond({"event": _line(event)})
            if event.name == last:
                watched.watchers.remove(watcher)
                request.end()
        elif which == "eventlog" and event.name == "clean":
            # an exec eventlog ends with the job, if the job never ran
            watched.watchers.remove(watcher)
            request.end()

    def unwatch():
        if watcher in job.watchers:
            job.watchers.remove(watcher)

    job.watchers.append(watcher)
    return request.defer(unwatch)


def _watch_cancel(inst, request):
    stream = request.sender.streams.get(request.payload.get("matchtag"))
    if stream is not None and stream.topic == "job-info.eventlog-watch":
        stream.stop()
    return DEFERRED  # no response, as job-info sends none


TOPICS = {
    "job-info.eventlog-watch": _watch,
    "job-info.eventlog-watch-cancel": _watch_cancel,
    "job-info.lookup": _lookup,
}
