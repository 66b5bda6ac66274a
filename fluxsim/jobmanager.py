"""The job manager: each job's state machine and eventlog (RFC 21).

It posts the events real Flux posts, in the same order and with the same
context keys, moves jobs between states, asks the scheduler for resources and
the exec system to run them.  Everything here runs with the instance lock held
and at the instance's current time; nothing blocks.
"""

import collections
import errno
import itertools
import os
from collections import deque

from fluxsim.annotations import update as annotations_update
from fluxsim.config import HEARTBEAT_PERIOD
from fluxsim.queuestate import QueueTable
from fluxsim.eventlog import EventLogEvent
from fluxsim.constants import (
    FLUX_JOB_PRIORITY_MAX as PRIORITY_MAX,
    FLUX_JOB_PRIORITY_MIN as PRIORITY_MIN,
    FLUX_JOB_URGENCY_EXPEDITE as URGENCY_EXPEDITE,
    FLUX_JOB_URGENCY_HOLD as URGENCY_HOLD,
    FLUX_JOB_WAITABLE as FLAG_WAITABLE,
    Result,
    State,
)

__all__ = ["Job", "JobManager", "FluidGenerator", "priority_of", "queue_of", "job_result",
           "result_of", "reported_exception",
           "PURGE_BATCH_MAX", "HEARTBEAT_PERIOD"]

#: Inactive jobs purged at most per heartbeat (job-manager's ``purge_batch_max``).
PURGE_BATCH_MAX = 100


def job_result(started, waitstatus, exception_type):
    """A job's result as libjob's ``job_result_calc``: COMPLETED only for a
    job that ran and exited 0; else by its fatal exception's type."""
    if started and waitstatus == 0:
        return Result.COMPLETED
    if exception_type == "cancel":
        return Result.CANCELED
    if exception_type == "timeout":
        return Result.TIMEOUT
    return Result.FAILED


class FluidGenerator:
    """Job ids as job-ingest makes them (RFC 19 FLUIDs): a millisecond
    timestamp, generator 0, and a sequence, always increasing."""

    __slots__ = ("last",)

    def __init__(self):
        self.last = 0

    def next(self, now):
        """A new id at ``now`` seconds since the instance started."""
        jobid = max(int(now * 1000) << 24, self.last + 1)
        self.last = jobid
        return jobid


class Job:
    """One job: its jobspec, request, state, eventlogs and allocation."""

    __slots__ = (
        "id",
        "jobspec",
        "request",
        "userid",
        "urgency",
        "priority",
        "flags",
        "state",
        "eventlog",
        "exec_eventlog",
        "watchers",
        "R",
        "annotations",
        "t_submit",
        "waitstatus",
        "exception",
        "exceptions",
        "exec",
        "alloc_pending",
        "queue",
        "waited",
        "name",
        "t_run",
        "t_cleanup",
        "t_inactive",
        "output",
    )

    def __init__(self, jobid, jobspec, request, userid, urgency, flags, t_submit):
        self.id = jobid
        self.jobspec = jobspec
        self.request = request
        self.userid = userid
        self.urgency = urgency
        self.priority = None
        self.flags = flags
        self.state = State.NEW
        self.eventlog = []
        self.exec_eventlog = []
        self.watchers = []
        self.R = None
        self.annotations = None  # the scheduler's, from its alloc response
        self.t_submit = t_submit
        self.waitstatus = None
        self.exception = None  # the fatal exception event, if any
        self.exceptions = []
        self.exec = None
        self.alloc_pending = False
        self.queue = None  # attributes.system.queue (None: the anonymous queue)
        self.waited = False
        self.name = None
        self.t_run = None  # alloc time; None until allocated (0.0 is a valid virtual time)
        self.t_cleanup = 0.0
        self.t_inactive = 0.0
        #: the guest.output eventlog (:class:`fluxsim.output.OutputLog`) once a shell starts
        self.output = None

    @property
    def active(self):
        """True until the job is INACTIVE."""
        return self.state != State.INACTIVE

    @property
    def waitable(self):
        """True if the job was submitted with ``waitable=True``."""
        return bool(self.flags & FLAG_WAITABLE)

    def result(self):
        """The job's result, computed as libjob's ``job_result_calc`` does."""
        exc = self.result_exception()
        return job_result(
            self.t_run is not None, self.waitstatus, exc.context["type"] if exc else None
        )

    def result_exception(self):
        """The exception ``flux job result`` reports (see :func:`reported_exception`)."""
        return reported_exception(self.exceptions)

    def result_dict(self):
        """The payload of ``flux_job_result()``: what ``result_async().get_dict()`` returns."""
        return result_of(self.id, self.eventlog)


def reported_exception(exceptions):
    """The exception ``flux job result`` reports of ``exceptions`` (events, in
    order): the latest, unless a later one is less severe than an earlier
    non-fatal one."""
    chosen = None
    for event in exceptions:
        if chosen is not None:
            prev = chosen.context["severity"]
            if 0 < prev < event.context["severity"]:
                continue
        chosen = event
    return chosen


def result_of(jobid, eventlog):
    """``flux_job_result()`` of a job from its main eventlog, as libjob reads it."""
    t_submit = t_run = finish = None
    exceptions = []
    for event in eventlog:
        name = event.name
        if name == "submit":
            t_submit = event.timestamp
        elif name == "alloc":
            t_run = event.timestamp
        elif name == "finish":
            finish = event
        elif name == "exception":
            exceptions.append(event)
    res = {"id": jobid, "exception_occurred": False, "t_submit": t_submit}
    if t_run is not None:
        res["t_run"] = t_run
    if finish is not None:
        res["t_cleanup"] = finish.timestamp
        res["waitstatus"] = finish.context["status"]
    exc = reported_exception(exceptions)
    if exc is not None:
        res["exception_occurred"] = True
        res["exception_type"] = exc.context["type"]
        res["exception_note"] = exc.context["note"]
        res["exception_severity"] = exc.context["severity"]
    waitstatus = finish.context["status"] if finish is not None else None
    res["result"] = int(job_result(t_run is not None, waitstatus, exc.context["type"] if exc else None))
    return res


def queue_of(spec):
    """``attributes.system.queue`` (None if absent), as the job manager unpacks it.

    Every level is optional, but one that is there must be an object (the
    queue a string), or the job manager refuses the job with EINVAL (flux-core
    0.88 ``{s?{s?{s?s}}}``; recorded: ``flux job submit --flags=novalidate``
    of a jobspec whose attributes are ``[1]`` fails with "Invalid argument").
    """
    if type(spec) is dict:  # the usual jobspec, at once
        attributes = spec.get("attributes")
        if type(attributes) is dict:
            system = attributes.get("system")
            if type(system) is dict and "queue" not in system:
                return None
    queue = None
    if isinstance(spec, dict):
        attributes = spec.get("attributes", {})
        system = attributes.get("system", {}) if isinstance(attributes, dict) else None
        # a null queue is refused too (recorded: ``system.queue`` null gives "Invalid argument")
        queue = system.get("queue", None) if isinstance(system, dict) else 0
        if isinstance(system, dict) and "queue" in system and queue is None:
            queue = 0
    if queue is not None and not isinstance(queue, str):
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    return queue


def priority_of(urgency):
    """The default priority plugin: urgency, with hold -> MIN and expedite -> MAX."""
    if urgency == URGENCY_HOLD:
        return PRIORITY_MIN
    if urgency == URGENCY_EXPEDITE:
        return PRIORITY_MAX
    return urgency


class JobManager:
    """Owns the job table and drives every job through RFC 21.

    It is the scheduler's host (see :mod:`fluxsim.scheduler.base`): alloc
    requests go out from here and the answers come back to
    :meth:`alloc_success` and :meth:`alloc_deny`.

    Inactive jobs are purged as flux-core's job-manager purges them, when
    ``inactive_age_limit`` (seconds) or ``inactive_num_limit`` is set (both
    unlimited by default, as in Flux): once per heartbeat (``[heartbeat]
    period``, 2 s by default), at most
    :data:`PURGE_BATCH_MAX` jobs, oldest first, each older than the age
    limit or beyond the number limit.  A purged job is gone from every
    lookup, as if it had never been submitted.
    """

    #: Alloc annotations are kept: they go into the eventlog.
    annotates = True

    def __init__(self, instance, inactive_age_limit=None, inactive_num_limit=None,
                 heartbeat_period=HEARTBEAT_PERIOD, queues=()):
        self.instance = instance
        self.jobs = {}
        #: the queues' states (``queues``: the configured names, in config order)
        self.queues = QueueTable(queues)
        #: called (no arguments) when the job manager may have become idle
        self.idle_waiters = []
        #: Waitable jobs not yet claimed by a wait; a purge leaves them here,
        #: as job-manager keeps its zombies until they are waited for.
        self.waitables = {}
        self.listeners = []  # called with (job, event) for every main event
        self.ids = FluidGenerator()
        self.inactive_age_limit = inactive_age_limit
        self.inactive_num_limit = inactive_num_limit
        self.heartbeat_period = heartbeat_period
        self._inactive = deque()  # purge candidates, oldest first
        #: purged jobs by queue (None: no queue named), as job-list counts them
        self.purged = collections.Counter()
        self._purge_armed = False
        self._last_ts = 0.0

    # -- what the scheduler sees -------------------------------------------

    def timestamp(self):
        """The time of the event being handled."""
        return self.instance.timestamp()

    def event_timestamp(self):
        """An eventlog entry's timestamp: on the real clock each one later than
        the last, as a broker's clock reads between any two events (the
        journal's consumers order and resume by it); the virtual clock's own."""
        ts = self.instance.timestamp()
        if self.instance.clock == "real":
            ts = self._last_ts = max(ts, self._last_ts + 1e-6)
        return ts

    # -- job ids -----------------------------------------------------------

    def next_id(self):
        """A new FLUID (RFC 19)."""
        return self.ids.next(self.instance.now)

    # -- events ------------------------------------------------------------

    def post(self, job, name, context=None, eventlog="eventlog"):
        """Append an event to a job eventlog and notify its watchers."""
        event = EventLogEvent(
            {
                "timestamp": self.event_timestamp(),
                "name": name,
                "context": {} if context is None else context,
            }
        )
        if eventlog == "eventlog":
            job.eventlog.append(event)
            for listener in tuple(self.listeners):
                listener(job, event)
        else:
            job.exec_eventlog.append(event)
        for watcher in list(job.watchers):
            watcher(job, eventlog, event)
        return event

    # -- submission --------------------------------------------------------

    def submit(self, jobspec, request, urgency, flags, userid):
        """Create a job that passed ingest validation and start its lifecycle.

        Raises OSError (EINVAL) with Flux's message if its queue does not
        exist or is disabled.
        """
        queue = queue_of(jobspec)
        self.queues.submit_check(queue)
        jobid = self.next_id()
        job = Job(jobid, jobspec, request, userid, urgency, flags, self.instance.timestamp())
        job.name = _job_name(jobspec)
        job.queue = queue
        self.jobs[jobid] = job
        if job.waitable:
            self.waitables[jobid] = job
        self.post(
            job,
            "submit",
            {"userid": userid, "urgency": urgency, "flags": flags, "version": 1},
        )
        self.post(job, "validate")
        job.state = State.DEPEND
        self.post(job, "depend")
        job.state = State.PRIORITY
        self._set_priority(job, priority_of(urgency))
        return job

    def _set_priority(self, job, priority):
        job.priority = priority
        self.post(job, "priority", {"priority": priority})
        if job.state == State.PRIORITY:
            job.state = State.SCHED
        self._request_alloc(job)

    def _request_alloc(self, job):
        """Send (or withdraw) the job's alloc request as its priority and queue allow."""
        if job.state != State.SCHED:
            return
        scheduler = self.instance.scheduler
        if job.priority == PRIORITY_MIN:
            if job.alloc_pending:
                self._withdraw(job)
            return
        if job.alloc_pending:
            scheduler.prioritize(job)
        elif self.queues.started(job.queue):
            job.alloc_pending = True
            scheduler.alloc(job)
        else:
            return  # a stopped queue's job waits in SCHED for its queue to start
        self.instance.request_schedule()

    def _withdraw(self, job):
        """Cancel a sent alloc request (a hold, a stopped queue): the job stays
        in SCHED, without the scheduler's annotations (alloc.c's requeue)."""
        job.alloc_pending = False
        if job.annotations is not None:
            job.annotations = annotations_update(job.annotations, {"sched": None})
        if self.instance.scheduler.cancel(job):
            self.instance.request_schedule()
        self._check_idle()

    # -- queues (flux queue start/stop) ----------------------------------

    def _in_queue(self, queue):
        return [job for job in self.jobs.values()
                if job.active and (queue.name is None or job.queue == queue.name)]

    def start_queue(self, queue):
        """Start ``queue`` (a :class:`~fluxsim.queuestate.Queue`): its jobs' alloc
        requests go out in the job manager's order, highest priority first, then
        oldest."""
        queue.start()
        waiting = [job for job in self._in_queue(queue)
                   if job.state == State.SCHED and not job.alloc_pending]
        for job in sorted(waiting, key=lambda job: (-job.priority, job.id)):
            self._request_alloc(job)

    def stop_queue(self, queue, reason=None):
        """Stop ``queue``: its jobs' sent alloc requests are withdrawn; running
        jobs go on."""
        queue.stop(reason)
        for job in self._in_queue(queue):
            if job.alloc_pending:
                self._withdraw(job)

    # -- idle (flux queue idle) ----------------------------------------------

    def counts(self):
        """``(active, running, alloc pending)`` job counts (RUN and CLEANUP are running)."""
        active = running = pending = 0
        for job in self.jobs.values():
            active += job.active
            running += bool(job.state & State.RUNNING)
            pending += job.alloc_pending
        return active, running, pending

    def _check_idle(self):
        if self.idle_waiters:
            for waiter in tuple(self.idle_waiters):
                waiter()

    def set_urgency(self, job, urgency, userid):
        """``flux job urgency``: post the event and reprioritize."""
        self.post(job, "urgency", {"userid": userid, "urgency": urgency})
        job.urgency = urgency
        priority = priority_of(urgency)
        if priority != job.priority:
            self._set_priority(job, priority)

    # -- scheduler responses ----------------------------------------------

    def alloc_success(self, job, R, annotations=None):
        """The scheduler allocated R: post ``alloc`` and start the job."""
        job.alloc_pending = False
        job.R = R
        if annotations:
            job.annotations = annotations_update(job.annotations, annotations)
        job.t_run = self.instance.timestamp()
        # the event carries all the job's annotations (a memo's too)
        self.post(job, "alloc", {"annotations": job.annotations} if job.annotations else None)
        job.state = State.RUN
        self.instance.execution.start(job)

    def alloc_annotate(self, job, annotations):
        """The scheduler annotated a pending job (RFC 27: ``sched.t_estimate``)."""
        job.annotations = annotations_update(job.annotations, annotations)

    def alloc_deny(self, job, note):
        """The scheduler denied the request: an ``alloc`` exception ends the job."""
        job.alloc_pending = False
        job.annotations = None  # the job manager clears them all
        self.raise_exception(job, "alloc", 0, note, userid=self.instance.owner)

    # -- exec responses -----------------------------------------------------

    def started(self, job):
        """The exec system started every job shell."""
        self.post(job, "start")

    def finished(self, job, status):
        """All job shells exited: post ``finish`` and release the resources."""
        job.waitstatus = status
        job.t_cleanup = self.instance.timestamp()
        self.post(job, "finish", {"status": status})
        self._cleanup(job, released=True)

    def exec_failed(self, job):
        """Exec gave up before anything started: release without a finish event."""
        self._cleanup(job, released=True)

    # -- exceptions and cancel ------------------------------------------------

    def raise_exception(self, job, etype, severity, note, userid):
        """Post an ``exception`` event (RFC 21) and act on a fatal one.

        Its context is ``type, severity, note, userid``, as the job manager
        writes a raised one (``job-manager.raise``, alloc denials, the job
        shell's); exec's own come through :meth:`exec_exception`.
        """
        return self._exception(
            job, {"type": etype, "severity": severity, "note": note, "userid": userid})

    def exec_exception(self, job, etype, severity, note):
        """An exception the exec system reports (time limit, mock execution,
        shells lost or failed before their barrier): the job manager posts it
        as the instance owner's, ``userid`` before ``note`` (flux-core 0.88,
        recorded)."""
        return self._exception(
            job, {"type": etype, "severity": severity, "userid": self.instance.owner, "note": note})

    def _exception(self, job, context):
        event = self.post(job, "exception", context)
        severity = context["severity"]
        job.exceptions.append(event)
        if severity != 0:
            return event
        if job.exception is None:
            job.exception = event
        if job.state & State.PENDING or job.state == State.NEW:
            if job.alloc_pending:
                job.alloc_pending = False
                job.annotations = None  # a withdrawn request clears them all
                self.instance.scheduler.cancel(job)
                self.instance.request_schedule()
            job.t_cleanup = self.instance.timestamp()
            self._cleanup(job, released=False)
        elif job.state == State.RUN:
            self.instance.execution.kill_on_exception(job, event)
        return event

    def _cleanup(self, job, released):
        job.state = State.CLEANUP
        if released and job.R is not None:
            self.post(job, "release", {"ranks": "all", "final": True})
            self.instance.free(job)
            self.post(job, "free")
        self.post(job, "clean")
        job.state = State.INACTIVE
        job.t_inactive = self.instance.timestamp()
        self._inactive.append(job)
        if self.inactive_age_limit is not None or self.inactive_num_limit is not None:
            self._arm_purge()
        self._check_idle()

    # -- purge ------------------------------------------------------------

    def _eligible(self, job, num, now, age_limit=None, num_limit=None):
        return (age_limit is not None and now - job.t_inactive > age_limit) or (
            num_limit is not None and num > num_limit
        )

    def _candidates(self, age_limit, num_limit):
        """The eligible inactive jobs, oldest first (job-manager's walk of its purge queue)."""
        now = self.instance.timestamp()
        queue = self._inactive
        for index, job in enumerate(queue):
            if not self._eligible(job, len(queue) - index, now, age_limit, num_limit):
                return
            yield job

    def purge_count(self, age_limit=None, num_limit=None):
        """How many inactive jobs :meth:`purge` could remove with these limits."""
        return sum(1 for _ in self._candidates(age_limit, num_limit))

    def purge(self, age_limit=None, num_limit=None, batch=PURGE_BATCH_MAX):
        """Purge up to ``batch`` eligible inactive jobs, oldest first; returns their ids."""
        doomed = list(itertools.islice(self._candidates(age_limit, num_limit), batch))
        for job in doomed:
            self._inactive.popleft()
            self._forget(job)
        return [job.id for job in doomed]

    def _forget(self, job):
        self.jobs.pop(job.id, None)
        self.purged[queue_of(job.jobspec)] += 1

    def purge_candidate(self, jobid):
        """The inactive job ``jobid``, else job-manager's purge-id error."""
        for job in self._inactive:
            if job.id == jobid:
                return job
        if jobid in self.jobs:
            raise OSError(errno.EINVAL, "cannot purge active job")
        raise OSError(errno.ENOENT, "id not found")

    def purge_id(self, jobid):
        """Purge the inactive job ``jobid`` (see :meth:`purge_candidate`)."""
        job = self.purge_candidate(jobid)
        self._inactive.remove(job)
        self._forget(job)

    def _arm_purge(self):
        """Run the purge at the first heartbeat that could find a job to purge."""
        if self._purge_armed or not self._inactive:
            return
        inst = self.instance
        at = inst.now
        oldest = self._inactive[0]
        if not self._eligible(oldest, len(self._inactive), inst.timestamp(),
                              self.inactive_age_limit, self.inactive_num_limit):
            if self.inactive_age_limit is None:
                return  # the next inactive job re-arms
            at += oldest.t_inactive + self.inactive_age_limit - inst.timestamp()
        self._purge_armed = True
        period = self.heartbeat_period
        beat = (at // period + 1) * period
        inst.call_later(beat - inst.now, self._heartbeat)

    def _heartbeat(self, _event):
        self._purge_armed = False
        self.purge(self.inactive_age_limit, self.inactive_num_limit)
        self._arm_purge()


def _job_name(jobspec):
    """The job name as job-list derives it: attributes.system.job.name, else argv[0]'s basename."""
    try:
        name = jobspec["attributes"]["system"]["job"]["name"]
        if isinstance(name, str):
            return name
    except (KeyError, TypeError):
        pass
    try:
        command = jobspec["tasks"][0]["command"]
        return command[0].rsplit("/", 1)[-1]
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
