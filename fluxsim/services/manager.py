"""job-manager: wait, raise, kill, urgency, purge, drain, idle, killall, raiseall and
stats, with its checks and messages."""

import errno
import signal

from fluxsim.annotations import update as update_annotations
from fluxsim.constants import FLUX_JOBID_ANY, FLUX_USERID_UNKNOWN, State
from fluxsim.jobmanager import PURGE_BATCH_MAX

__all__ = ["TOPICS", "wait_response"]


def _job(inst, payload, errnum):
    """The active job the payload's ``id`` names, else the job manager's error."""
    job = inst.jobmanager.jobs.get(payload.get("id"))
    if job is None:
        raise OSError(errnum, "unknown job id")
    if not job.active:
        raise OSError(errnum, "job is inactive")
    return job


def _raise(inst, request):
    payload = request.payload
    job = _job(inst, payload, errno.ENOENT)
    severity = payload.get("severity", 0)
    etype = payload.get("type", "cancel")
    note = payload.get("note", "")
    if not isinstance(severity, int) or not 0 <= severity <= 7:
        raise OSError(errno.EPROTO, "invalid exception severity")
    if not isinstance(etype, str) or not isinstance(note, str):
        raise OSError(errno.EPROTO, "Protocol error")
    inst.jobmanager.raise_exception(job, etype, severity, note, request.userid)
    return None


def _kill(inst, request):
    payload = request.payload
    job = _job(inst, payload, errno.EINVAL)
    signum = payload.get("signum", signal.SIGTERM)
    if not isinstance(signum, int) or not 0 < signum < signal.NSIG:
        raise OSError(errno.EINVAL, "Invalid signal number")
    if not job.state & State.RUNNING:
        raise OSError(errno.EINVAL, "job is not running")
    inst.execution.signal(job, signum)
    return None


def _urgency(inst, request):
    # checks in job-manager urgency.c's order, with its messages
    payload = request.payload
    urgency = payload.get("urgency")
    if not isinstance(urgency, int) or not 0 <= urgency <= 31:
        raise OSError(errno.EINVAL, "urgency value is out of range")
    job = inst.jobmanager.jobs.get(payload.get("id"))
    if job is None:
        raise OSError(errno.EINVAL, "unknown job")
    if not job.active:
        raise OSError(errno.EINVAL, "job is inactive")
    if job.R is not None:
        raise OSError(errno.EINVAL, "urgency cannot be changed once resources are allocated")
    old = job.urgency
    inst.jobmanager.set_urgency(job, urgency, request.userid)
    return {"old_urgency": old}


def _purge(inst, request):
    # job-manager purge.c's checks, in its order, with its messages
    payload = request.payload
    try:
        age, num, batch, force = (payload[k] for k in ("age_limit", "num_limit", "batch", "force"))
    except KeyError:
        raise OSError(errno.EPROTO, "Protocol error") from None
    numbers = (int, float)
    if (
        not isinstance(age, numbers) or isinstance(age, bool)
        or any(not isinstance(v, int) or isinstance(v, bool) for v in (num, batch))
        or not isinstance(force, bool)
    ):
        raise OSError(errno.EPROTO, "Protocol error")
    if age != -1 and age < 0:
        raise OSError(errno.EINVAL, "if set, age limit must be >= 0")
    if num != -1 and num < 0:
        raise OSError(errno.EINVAL, "if set, num limit must be >= 0")
    if not 1 <= batch <= PURGE_BATCH_MAX:
        raise OSError(errno.EINVAL, f"batch must be >= 1 and <= {PURGE_BATCH_MAX}")
    age = None if age == -1 else float(age)
    num = None if num == -1 else num
    manager = inst.jobmanager
    if not force:
        return {"count": manager.purge_count(age, num)}
    return {"count": len(manager.purge(age, num, batch))}


def _purge_id(inst, request):
    payload = request.payload
    jobid, force = payload["id"], payload["force"]
    if not isinstance(jobid, int) or isinstance(force, str):
        raise OSError(errno.EPROTO, "Protocol error")
    if jobid == FLUX_JOBID_ANY:
        raise OSError(errno.EINVAL, "Invalid argument")
    if force:
        inst.jobmanager.purge_id(jobid)
    else:
        inst.jobmanager.purge_candidate(jobid)
    return {"count": 1}


def _targets(inst, request, states):
    """The active jobs in ``states`` of the payload's ``userid`` (FLUX_USERID_UNKNOWN: all)."""
    userid = request.payload["userid"]
    if not isinstance(userid, int):
        raise OSError(errno.EPROTO, "Protocol error")
    return [job for job in list(inst.jobmanager.jobs.values())
            if job.state & states and userid in (FLUX_USERID_UNKNOWN, job.userid)]


def _killall(inst, request):
    payload = request.payload
    dry_run, signum = payload["dry_run"], payload["signum"]
    if not isinstance(signum, int) or not 0 < signum < signal.NSIG:
        raise OSError(errno.EINVAL, "Invalid signal number")
    jobs = _targets(inst, request, State.RUNNING)
    if not dry_run:
        for job in jobs:
            inst.execution.signal(job, signum)
    return {"count": len(jobs), "errors": 0}


def _raiseall(inst, request):
    payload = request.payload
    dry_run, states, severity = payload["dry_run"], payload["states"], payload["severity"]
    etype, note = payload["type"], payload.get("note", "")
    if not isinstance(states, int) or not isinstance(severity, int):
        raise OSError(errno.EPROTO, "Protocol error")
    if not 0 <= severity <= 7:
        raise OSError(errno.EPROTO, "invalid exception severity")
    if not isinstance(etype, str) or not etype or any(c.isspace() or c == "=" for c in etype):
        raise OSError(errno.EPROTO, "invalid exception type")
    jobs = _targets(inst, request, State(states) & State.ACTIVE)
    if not dry_run:
        for job in jobs:
            if job.active:  # a fatal exception on one may have ended another's dependents
                inst.jobmanager.raise_exception(job, etype, severity, note, request.userid)
    return {"count": len(jobs), "errors": 0}


def _stats(inst, request):
    manager = inst.jobmanager
    active = sum(1 for job in manager.jobs.values() if job.active)
    # fluxsim runs no housekeeping: none is running
    return {"active_jobs": active, "inactive_jobs": len(manager.jobs) - active,
            "max_jobid": max(manager.jobs, default=0), "housekeeping": {"running": {}}}


def wait_response(job):
    """job-manager's wait response for an inactive job: its first fatal
    exception, else its ``finish`` status."""
    from fluxsim.job.wait import waitstatus_to_exitcode

    for event in job.eventlog:
        ctx = event.context
        if event.name == "exception" and ctx["severity"] == 0:
            text = f"Fatal exception type={ctx['type']} {ctx['note']}"
            return {"id": job.id, "success": False, "errstr": text}
        if event.name == "finish":
            code, text = waitstatus_to_exitcode(ctx["status"])
            return {"id": job.id, "success": code == 0, "errstr": text}
    return {"id": job.id, "success": False, "errstr": ""}


def _wait(inst, request):
    manager = inst.jobmanager
    jobid = request.payload.get("id")
    if not isinstance(jobid, int):
        raise OSError(errno.EPROTO, "Protocol error")
    if jobid == FLUX_JOBID_ANY:
        return _wait_any(inst, request)
    target = manager.waitables.get(jobid)
    if target is None or target.waited:
        job = manager.jobs.get(jobid)
        if job is not None and not job.waitable:
            raise OSError(errno.ECHILD, "job was not submitted with FLUX_JOB_WAITABLE")
        raise OSError(errno.ECHILD, "invalid job id, or job may be inactive and not waitable")
    target.waited = True  # claimed by this waiter
    if not target.active:
        del manager.waitables[jobid]
        return wait_response(target)

    def watcher(job, which, event):
        if which == "eventlog" and event.name == "clean":
            job.watchers.remove(watcher)
            manager.waitables.pop(job.id, None)
            request.finish(wait_response(job))

    def unclaim():
        target.waited = False

    return request.follow(target.watchers, watcher, unclaim)


def _unclaimed_inactive(manager):
    done = [j for j in manager.waitables.values() if not j.active and not j.waited]
    return min(done, key=lambda j: j.t_inactive) if done else None


def _wait_any(inst, request):
    manager = inst.jobmanager
    found = _unclaimed_inactive(manager)
    if found is not None:
        del manager.waitables[found.id]
        return wait_response(found)
    if not any(not j.waited for j in manager.waitables.values()):
        raise OSError(errno.ECHILD, "there are no more waitable jobs")

    def listener(job, event):
        if event.name != "clean" or not job.waitable or job.waited:
            return
        manager.listeners.remove(listener)
        manager.waitables.pop(job.id, None)
        job.waited = True
        request.finish(wait_response(job))

    return request.follow(manager.listeners, listener)


def _slice(text):
    """A Python slice from job-manager's ``[start:stop:step]`` text."""
    if not (isinstance(text, str) and text.startswith("[") and text.endswith("]")):
        raise OSError(errno.EINVAL, "invalid slice")
    parts = text[1:-1].split(":")
    if len(parts) > 3:
        raise OSError(errno.EINVAL, "invalid slice")
    try:
        values = [int(p) if p.strip() else None for p in parts]
    except ValueError:
        raise OSError(errno.EINVAL, "invalid slice") from None
    if len(values) == 1:
        index = values[0]
        if index is None:
            raise OSError(errno.EINVAL, "invalid slice")
        return slice(index, None if index == -1 else index + 1)
    return slice(*values)


def _history(inst, request):
    """The requester's jobs, newest first, cut by ``slice`` (``flux job last``)."""
    cut = _slice(request.payload.get("slice", "[:1]"))
    jobs = [j.id for j in inst.jobmanager.jobs.values() if j.userid == request.userid]
    jobs.sort(reverse=True)
    return {"jobs": jobs[cut]}


def _drain_queue(inst, request):
    """``job-manager.drain``: answer once no job is active."""
    manager = inst.jobmanager
    if not any(j.active for j in manager.jobs.values()):
        return {}

    def listener(job, event):
        # the job becomes inactive just after its clean event
        if event.name == "clean" and not any(
                j.active for j in manager.jobs.values() if j is not job):
            manager.listeners.remove(listener)
            request.finish({})

    return request.follow(manager.listeners, listener)


def _idle(inst, request):
    """``job-manager.idle``: answer once no job runs and no alloc request is
    out, with the number of jobs left (pending ones, e.g. in a stopped queue)."""
    manager = inst.jobmanager

    def answer():
        active, running, pending = manager.counts()
        return None if running or pending else {"pending": active}

    now = answer()
    if now is not None:
        return now

    def waiter():
        done = answer()
        if done is not None:
            manager.idle_waiters.remove(waiter)
            request.finish(done)

    return request.follow(manager.idle_waiters, waiter)


def _memo(inst, request):
    """``flux job memo``: user annotations of a job, kept in ``annotations.user``
    and, unless ``volatile``, posted as a ``memo`` event."""
    payload = request.payload
    memo = payload.get("memo")
    jobid = payload.get("id")
    if not isinstance(memo, dict) or not isinstance(jobid, int):
        raise OSError(errno.EPROTO, "Protocol error")
    job = inst.jobmanager.jobs.get(jobid)
    if job is None:
        raise OSError(errno.ENOENT, "unknown job id")
    if not job.active:
        raise OSError(errno.ENOENT, "job is inactive")
    if job.userid != request.userid:
        raise OSError(errno.EPERM, "guests can only add a memo to their own jobs")
    job.annotations = update_annotations(job.annotations, {"user": memo})
    if not payload.get("volatile"):
        inst.jobmanager.post(job, "memo", memo)
    return None


TOPICS = {
    "job-manager.drain": _drain_queue,
    "job-manager.memo": _memo,
    "job-manager.history.get": _history,
    "job-manager.idle": _idle,
    "job-manager.kill": _kill,
    "job-manager.purge": _purge,
    "job-manager.purge-id": _purge_id,
    "job-manager.killall": _killall,
    "job-manager.raiseall": _raiseall,
    "job-manager.stats-get": _stats,
    "job-manager.raise": _raise,
    "job-manager.urgency": _urgency,
    "job-manager.wait": _wait,
}
