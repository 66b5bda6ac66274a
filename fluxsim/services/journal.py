"""job-manager's journal: ``job-manager.events-journal`` and its ``-cancel``.

A streaming request ({``full``?, ``allow``?, ``deny``?: objects keyed by
event name}) gets the backlog first, one response per job
({``id``, ``events``: its main eventlog so far, ``jobspec``, ``R`` once
allocated}): the active jobs, and with ``full`` the inactive ones the
job manager still holds; then the sentinel ``{"id": -1, "events": []}``
(FLUX_JOBID_ANY as Flux packs it); then one response per event as it is
posted, ``{"id", "events": [event]}``, with the jobspec on ``submit`` and
R on ``alloc``.  Jobspec and R are redacted as the job manager keeps
them (no environment, no scheduling key).  ``-cancel`` ({``matchtag``})
ends the stream with ENODATA.
"""

import copy
import errno
import json


__all__ = ["TOPICS"]

#: the job id of the sentinel response: FLUX_JOBID_ANY packed as a signed integer
SENTINEL_ID = -1


def _jobspec(job):
    """The jobspec without its environment."""
    jobspec = copy.deepcopy(job.jobspec)
    system = jobspec.get("attributes", {}).get("system", {})
    if isinstance(system, dict):
        system.pop("environment", None)
    return jobspec


def _R(job):
    """R without its scheduling key."""
    R = json.loads(job.R.encode())
    R.pop("scheduling", None)
    return R


def _filter(payload):
    """``allowed(name)`` from the request's allow/deny objects."""
    allow = payload.get("allow")
    deny = payload.get("deny")
    for name, value in (("allow", allow), ("deny", deny)):
        if value is not None and not isinstance(value, dict):
            raise OSError(errno.EPROTO, f"job-manager.events {name} should be an object")

    def allowed(event_name):
        return (allow is None or event_name in allow) and (deny is None or event_name not in deny)

    return allowed


def _journal(inst, request):
    payload = request.payload
    full = payload.get("full", False)
    if not isinstance(full, bool):
        raise OSError(errno.EPROTO, "Protocol error")
    allowed = _filter(payload)
    manager = inst.jobmanager
    jobs = [j for j in manager.jobs.values() if full and not j.active]
    jobs += [j for j in manager.jobs.values() if j.active]
    for job in jobs:
        response = {"id": job.id, "events": [e for e in job.eventlog if allowed(e.name)],
                    "jobspec": _jobspec(job)}
        if job.R is not None:
            response["R"] = _R(job)
        request.respond(response)
    request.respond({"id": SENTINEL_ID, "events": []})

    def listener(job, event):
        if not allowed(event.name):
            return
        response = {"id": job.id, "events": [event]}
        if event.name == "submit":
            response["jobspec"] = _jobspec(job)
        elif event.name == "alloc":
            response["R"] = _R(job)
        request.respond(response)

    return request.follow(manager.listeners, listener)


def _journal_cancel(inst, request):
    # no response, as the job manager sends none
    return request.sender.stop_stream(request.payload.get("matchtag"),
                                      "job-manager.events-journal")


TOPICS = {
    "job-manager.events-journal": _journal,
    "job-manager.events-journal-cancel": _journal_cancel,
}
