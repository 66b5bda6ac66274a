"""Replay a workload on a simulated Flux instance in virtual time.

``replay(workload, nnodes=..., cores_per_node=..., policy=...)`` submits
every job at its submit time, lets the scheduler place it, runs it with mock
execution, and returns a :class:`ReplayResult`: one :class:`JobRecord` a job
(submit, start, end, R, outcome) plus the scheduler's counters::

    >>> from fluxsim.trace.joblist import read_joblist
    >>> import io
    >>> w = read_joblist(io.StringIO("submit,cores,duration\\n0,4,10\\n0,4,10\\n"))
    >>> result = replay(w, nnodes=1, cores_per_node=4)
    >>> [(r.start, r.end) for r in result.records]
    [(0.0, 10.0), (10.0, 20.0)]

Two engines give the same records:

- ``mode="instance"`` drives a full :class:`fluxsim.Instance`: every job
  goes through ``Instance.submit`` (ingest, RFC 21 eventlog, scheduler,
  exec), submissions are ``call_later`` timers, records are collected by a
  job-manager listener, and faults act on the instance's pool and raise
  the instance's exceptions.  Everything a Flux client could watch happens.
- ``mode="fast"`` (the default) runs the same scheduler classes on the same
  :class:`~fluxsim.resource.pool.Pool` under a minimal event loop that
  keeps the instance's rules -- the order of events at equal times (timer
  creation order, as simpy's), one scheduling pass after all events at a
  time, the job-manager's job ids and priorities, mock execution's run
  duration, time limit and exit status -- but posts no eventlog.  It is
  several times faster; ``tests/test_trace_replay.py`` checks that both
  engines agree job for job.

A replay is a workload on a production instance, whose queues are
started: the instance engine starts every queue (named queues of a
``[queues]`` config start stopped, as on a real ``flux start``), and the
lean engine, which keeps no queue states, sends every job to the
scheduler as a started queue does.
"""

import gc
import heapq
import time as _time

from fluxsim.constants import FLUX_JOB_PRIORITY_MIN as PRIORITY_MIN
from fluxsim.constants import Result
from fluxsim.jobmanager import FluidGenerator, job_result, priority_of, queue_of
from fluxsim.resource.rv1 import Rv1, deadline
from fluxsim.resource.status import ResourceStatus, node_failure
from fluxsim.scheduler import FLUXION, choose, make_scheduler
from fluxsim.testexec import TestconfError, exec_plan
from fluxsim.trace.faults import apply_fault

__all__ = ["JobRecord", "ReplayResult", "replay", "MODES"]

MODES = ("fast", "instance")

SIGTERM = 15
SIGALRM = 14

# An enum member's ``.name`` is a descriptor call; a record is made per job.
_RESULT_NAMES = {result: result.name for result in Result}


class JobRecord:
    """What happened to one job of the workload.

    Attributes:
        name: the job's id in the trace.
        jobid: its Flux job id.
        submit, start, end: simulated seconds; ``start`` is None for a job
            that never ran, ``end`` is when it became inactive (None if it
            never did, e.g. held forever).
        R: its allocation (an ``Rv1``), or None.
        status: the wait status mock execution reported, or None.
        exception: the type of the fatal exception (``timeout``,
            ``cancel``, ``exec``, ``alloc``), or None.
        result: ``COMPLETED``, ``FAILED``, ``CANCELED``, ``TIMEOUT``, or None
            if it never ended.
        order: its position in start order (0 first), or None.
    """

    __slots__ = (
        "name",
        "jobid",
        "submit",
        "start",
        "end",
        "R",
        "status",
        "exception",
        "result",
        "order",
    )

    def __init__(self, name, submit):
        self.name = name
        self.jobid = None
        self.submit = submit
        self.start = None
        self.end = None
        self.R = None
        self.status = None
        self.exception = None
        self.result = None
        self.order = None

    @property
    def nnodes(self):
        """Nodes allocated (0 if none)."""
        return len(self.R.ranks) if self.R is not None else 0

    @property
    def ncores(self):
        """Cores allocated (0 if none)."""
        if self.R is None:
            return 0
        return sum(len(info.cores) for info in self.R.ranks.values())

    @property
    def ngpus(self):
        """GPUs allocated (0 if none)."""
        if self.R is None:
            return 0
        return sum(len(info.gpus) for info in self.R.ranks.values())

    def finish(self, now, status, exception):
        """Record the job's end (its outcome computed as ``flux job result``)."""
        self.end = now
        self.status = status
        self.exception = exception
        self.result = _RESULT_NAMES[job_result(self.start is not None, status, exception)]

    def key(self):
        """What two engines must agree on: (name, jobid, start, end, R_lite, result)."""
        R = self.R.to_dict()["execution"]["R_lite"] if self.R is not None else None
        return (self.name, self.jobid, self.start, self.end, R, self.status, self.result)

    def __repr__(self):
        return f"<JobRecord {self.name} start={self.start} end={self.end} {self.result}>"


class ReplayResult:
    """Records of a replay and how it ran.

    Attributes:
        records: one :class:`JobRecord` per workload job, in workload order.
        policy, mode: what ran.
        nnodes, ncores, ngpus: the instance's size.
        wall: wall-clock seconds the replay took.
        stats: the scheduler's counters (``passes`` and more, by policy).
        faults: the faults applied.
        source: the workload's source.
    """

    def __init__(self, records, policy, mode, R, wall, stats, faults=(), source=""):
        self.records = records
        self.policy = policy
        self.mode = mode
        self.nnodes = R.nnodes
        self.ncores = R.ncores
        self.ngpus = R.ngpus
        self.R = R
        self.wall = wall
        self.stats = dict(stats)
        self.faults = list(faults)
        self.source = source

    @property
    def rate(self):
        """Simulated jobs per second of wall time."""
        return len(self.records) / self.wall if self.wall > 0 else float("inf")

    def __repr__(self):
        return (
            f"<ReplayResult {len(self.records)} jobs policy={self.policy} "
            f"mode={self.mode} {self.wall:.2f}s>"
        )


def _resource_set(nnodes, cores_per_node, gpus_per_node, R):
    if R is not None:
        if isinstance(R, Rv1):
            return R
        return Rv1.loads(R) if isinstance(R, (str, bytes)) else Rv1.from_dict(R)
    if nnodes is None or cores_per_node is None:
        raise ValueError("give nnodes and cores_per_node, or R")
    return Rv1.from_shape(nnodes, cores_per_node, gpus_per_node)


def replay(
    workload,
    nnodes=None,
    cores_per_node=None,
    gpus_per_node=0,
    policy=None,
    faults=(),
    mode="fast",
    R=None,
    progress=None,
    queue_depth=None,
    scheduler=None,
    config=None,
    match_policy=None,
    queue_policy=None,
):
    """Replay ``workload`` in virtual time; returns a :class:`ReplayResult`.

    The instance is ``nnodes`` x ``cores_per_node`` (+ ``gpus_per_node``), or
    the resource set ``R``.  Its scheduler is chosen as ``fluxsim.start``
    chooses it (:func:`fluxsim.scheduler.choose`): ``scheduler``
    (``fluxion`` or ``sched-simple``), else a sched-simple ``policy``
    (``fifo``, ``backfill``, ``conservative``), else Fluxion.  Fluxion's
    policies come from ``config`` (an instance configuration: its
    ``[sched-fluxion-resource]`` and ``[sched-fluxion-qmanager]`` tables) or,
    shorter, ``match_policy`` and ``queue_policy``.  ``queue_depth``
    overrides the queue depth (conservative's, or Fluxion's
    ``queue-depth``).  ``faults`` is a list of
    :class:`~fluxsim.trace.faults.Fault`.  ``progress(done, total)`` is
    called now and then as jobs end.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    rset = _resource_set(nnodes, cores_per_node, gpus_per_node, R)
    faults = sorted(faults, key=lambda f: f.time)
    runner = _LeanReplay if mode == "fast" else _InstanceReplay
    conf = fluxion_config(config, match_policy, queue_policy, queue_depth)
    if scheduler is None and (match_policy or queue_policy):
        scheduler = FLUXION
    _name, policy = choose(scheduler, policy, conf)
    if policy == FLUXION:
        # loaded before the clock starts, as a real instance loads Fluxion's
        # modules before any job runs: the wall is the replay's alone
        import fluxsim.fluxion.qmanager  # noqa: F401
    params = {}
    if queue_depth is not None and policy != FLUXION:
        params["queue_depth"] = queue_depth
    # The run keeps every record (and its R) to the end: the cyclic
    # collector's passes over that growing heap free nothing and cost a
    # third of a replay, so it rests meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    t0 = _time.perf_counter()
    try:
        records, stats = runner(workload, rset, policy, faults, progress, params, conf).run()
    finally:
        wall = _time.perf_counter() - t0
        if collecting:
            gc.enable()
    source = getattr(workload, "source", "")
    label = policy if policy != FLUXION else policy_label(conf)
    return ReplayResult(records, label, mode, rset, wall, stats, faults, source)


def fluxion_config(config=None, match_policy=None, queue_policy=None, queue_depth=None):
    """An instance configuration with Fluxion's policies set (a new dict)."""
    conf = {key: (dict(value) if isinstance(value, dict) else value)
            for key, value in (config or {}).items()}
    if match_policy is not None:
        conf.setdefault("sched-fluxion-resource", {})["match-policy"] = match_policy
    qmanager = conf.get("sched-fluxion-qmanager", {})
    if queue_policy is not None:
        qmanager["queue-policy"] = queue_policy
    if queue_depth is not None:
        qmanager["queue-params"] = f"queue-depth={queue_depth}"
    if qmanager:
        conf["sched-fluxion-qmanager"] = qmanager
    return conf


def policy_label(conf):
    """``fluxion/<match policy>/<queue policy>``: how results name a Fluxion run."""
    from fluxsim.fluxion.config import read

    config = read(conf)
    return f"{FLUXION}/{config.match_policy}/{config.queue_policy}"


def _accepted(jobspec):
    """Whether the job manager takes ``jobspec`` (submitted without validation)."""
    try:
        queue_of(jobspec)
    except OSError:
        return False
    return True


# -- the lean engine ---------------------------------------------------------------

# Event kinds of the lean loop.
_FAULT, _SUBMIT, _COMPLETE, _EXPIRE, _CANCEL = range(5)
# Job states of the lean loop.
_PENDING, _RUNNING, _INACTIVE = range(3)


class _Job:
    """What the scheduler and the lean loop know of one job."""

    __slots__ = (
        "id",
        "priority",
        "request",
        "R",
        "record",
        "trace",
        "token",
        "state",
        "plan",
        "failure",
        "exception",
        "killed",
    )

    def __init__(self, jobid, priority, request, record, trace):
        self.id = jobid
        self.priority = priority
        self.request = request
        self.R = None
        self.record = record
        self.trace = trace
        self.token = 0
        self.state = _PENDING
        self.plan = None
        self.failure = None  # exec's init failure note, if any
        self.exception = None
        self.killed = False


class _LeanReplay:
    """A scheduler host under a minimal event loop: the instance without eventlogs.

    It keeps the instance's rules by calling the instance's parts: the
    policy objects (:func:`~fluxsim.scheduler.make_scheduler`), the
    :class:`~fluxsim.resource.pool.Pool`, mock execution's
    :func:`~fluxsim.testexec.exec_plan`, the job manager's
    :class:`~fluxsim.jobmanager.FluidGenerator`, ``priority_of`` and
    ``job_result``, and :class:`~fluxsim.resource.status.ResourceStatus` for
    faults.  Events at equal times run in creation order (as simpy's), with a
    scheduling pass after every event (as ``Instance._flush``).
    """

    clock = "virtual"
    #: No eventlog, so no annotations: the scheduler skips ``R.dumps()``.
    annotates = False

    def __init__(self, workload, R, policy, faults, progress, params, conf):
        self.jobs = list(workload)
        self.R = R
        self.scheduler = make_scheduler(policy, self, R, conf=conf, **params)
        self.pool = self.scheduler.pool
        self.resources = ResourceStatus(self.scheduler, R.nnodes)
        self.ids = FluidGenerator()
        self.faults = faults
        self.progress = progress
        self.now = 0.0
        # The event calendar: a heap of distinct times, and each time's
        # events in creation order (traces share few times among many
        # events, so the heap stays small and compares plain floats).
        self.times = []
        self.events = {}
        self.sched_requested = False
        self.running = {}
        self.started = 0
        self.done = 0
        self.records = [JobRecord(job.name, job.submit) for job in self.jobs]
        self.requests = {}
        self.plans = {}

    # -- the scheduler's host -----------------------------------------------------

    def timestamp(self):
        return self.now

    def alloc_success(self, job, R, annotations=None):
        """The scheduler allocated R: start the job as ``Execution.start`` does."""
        now = self.now
        job.R = R
        job.state = _RUNNING
        rec = job.record
        rec.start = now
        rec.R = R
        rec.order = self.started
        self.started += 1
        self.running[job.id] = job
        plan = job.plan
        if job.failure is not None:
            # exec gives up before the job starts: released, no finish event
            self._exception(job, "exec", None)
            return
        if plan.override:
            return  # waits for a start request that never comes
        complete = now + plan.run_duration if plan.run_duration > 0 else None
        expiration = deadline(R.expiration)
        if expiration is not None:
            expire = now + max(0.0, expiration - now)
            # As Execution: the time limit's timer goes first and wins a tie;
            # a job that completes earlier makes it a no-op, so skip it then.
            if complete is None or expire <= complete:
                self._push(expire, _EXPIRE, job, job.token)
        if complete is not None:
            self._push(complete, _COMPLETE, job, job.token)
        if plan.mock_exception == "run":
            self._exception(job, "exec", SIGTERM)

    def alloc_deny(self, job, note):
        """The scheduler denied the request: an ``alloc`` exception ends the job."""
        job.exception = job.exception or "alloc"
        self._inactive(job, None)

    # -- the loop ----------------------------------------------------------------

    def _push(self, when, kind, obj, token=0):
        at = self.events.get(when)
        if at is None:
            self.events[when] = [(kind, obj, token)]
            heapq.heappush(self.times, when)
        else:
            at.append((kind, obj, token))

    def run(self):
        for fault in self.faults:
            self._push(0.0 + max(0.0, fault.time), _FAULT, fault)
        self.index = 0
        if self.jobs:
            self._push(0.0 + max(0.0, self.jobs[0].submit), _SUBMIT, None)
        times, events = self.times, self.events
        pop = heapq.heappop
        dispatch = (self._fault, self._submit, self._complete, self._expire, self._cancel)
        schedule = self.scheduler.run
        while times:
            self.now = now = pop(times)
            at = events[now]
            # Events made at this time join this list (they come after).
            for kind, obj, token in at:
                dispatch[kind](obj, token)
                while self.sched_requested:
                    self.sched_requested = False
                    schedule()
            del events[now]
        return self.records, dict(self.scheduler.stats)

    def _submit(self, _obj, _token):
        jobs = self.jobs
        now = self.now
        n = len(jobs)
        i = self.index
        scheduler = self.scheduler
        while i < n and jobs[i].submit <= now:
            trace = jobs[i]
            rec = self.records[i]
            i += 1
            spec = trace.jobspec
            if not _accepted(spec):
                continue  # refused at submit: no job, no id
            job = _Job(self.ids.next(now), priority_of(trace.urgency), self._request(spec),
                       rec, trace)
            rec.jobid = job.id
            job.plan, job.failure = self._plan(spec)
            if job.priority != PRIORITY_MIN:
                scheduler.alloc(job)
                self.sched_requested = True
            if trace.cancel_at is not None:
                self._push(now + max(0.0, trace.cancel_at - now), _CANCEL, job)
        self.index = i
        if i < n:
            self._push(now + max(0.0, jobs[i].submit - now), _SUBMIT, None)

    def _plan(self, spec):
        """(:func:`exec_plan`, init failure note or None), once per exec section and duration.

        A plan depends on the jobspec's ``exec`` section and duration only;
        jobs that share the section object (the trace readers build them so)
        and the duration share the plan.  The entry keeps the section alive
        so that its id is not reused.
        """
        try:
            system = spec["attributes"]["system"]
            section = system.get("exec")
            duration = system.get("duration")
            key = (id(section), type(duration), duration)
            entry = self.plans.get(key)
        except (KeyError, TypeError, AttributeError):
            key = entry = None  # malformed: exec_plan says how
        if entry is not None and entry[0] is section:
            return entry[1], entry[2]
        plan = failure = None
        try:
            plan = exec_plan(spec, virtual=True)
        except TestconfError as exc:
            failure = str(exc)
        if plan is not None and plan.mock_exception == "init":
            failure = "mock initialization exception generated"
        if key is not None:
            self.plans[key] = (section, plan, failure)
        return plan, failure

    def _request(self, spec):
        """``ResourceRequest.from_jobspec``, once per distinct resources list.

        A request depends on the jobspec's resources, version, duration and
        constraints only; jobspecs that share a resources list object (the
        trace readers build them so) share the request.
        """
        try:
            resources = spec["resources"]
            system = spec["attributes"]["system"]
            key = (id(resources), spec.get("version"), system.get("duration"))
            cacheable = (
                "constraints" not in system
                and "queue" not in system
                and type(key[1]) is int
                and type(key[2]) in (int, float)
            )
        except (KeyError, TypeError, AttributeError):
            cacheable = False
        if cacheable:
            entry = self.requests.get(key)
            if entry is not None and entry[0] is resources:
                return entry[1]
        request = self.scheduler.parse(spec)
        if cacheable:
            # Keep the list alive with the entry so that its id is not reused.
            self.requests[key] = (resources, request)
        return request

    def _complete(self, job, token):
        if job.token == token and job.state == _RUNNING:
            self._finish(job, job.plan.wait_status)

    def _expire(self, job, token):
        if job.token == token and job.state == _RUNNING and not job.killed:
            self._exception(job, "timeout", SIGALRM)

    def _cancel(self, job, _token):
        if job.state != _INACTIVE:
            self._exception(job, "cancel", SIGTERM)

    def _fault(self, fault, _token):
        lost, due = apply_fault(self.resources, fault, self.now)
        if lost:
            for job in list(self.running.values()):
                if job.state == _RUNNING and node_failure(self.R, job.R, lost) is not None:
                    self._exception(job, "exec", SIGTERM)
        if due:
            self.sched_requested = True

    def _exception(self, job, etype, signal):
        """A fatal exception: cancel a pending job, kill a running one.

        ``signal`` None: exec never started the job, so it is released
        without a finish event (no wait status).
        """
        if job.exception is None:
            job.exception = etype
        if job.state == _PENDING:
            if job.priority != PRIORITY_MIN:  # a held job has no alloc request
                self.scheduler.cancel(job)
                self.sched_requested = True
            self._inactive(job, None)
        elif job.state == _RUNNING and not job.killed:
            job.killed = True
            # an override job was never started, but testexec still
            # reports the signal when it is killed
            self._finish(job, signal if job.failure is None else None)

    def _finish(self, job, status):
        job.token += 1
        self.running.pop(job.id, None)
        self.scheduler.free(job)
        self.sched_requested = True
        self._inactive(job, status)

    def _inactive(self, job, status):
        job.state = _INACTIVE
        job.record.finish(self.now, status, job.exception)
        self.done += 1
        if self.progress is not None and not self.done & 255:
            self.progress(self.done, len(self.jobs))


# -- the instance engine -------------------------------------------------------------


class _InstanceReplay:
    """Drive a virtual-clock :class:`fluxsim.Instance` through the job interface."""

    def __init__(self, workload, R, policy, faults, progress, params, conf):
        import fluxsim

        self.jobs = list(workload)
        self.inst = fluxsim.start(R=R, clock="virtual", policy=policy, config=conf)
        self.inst.start_queues()  # a production instance's queues are started
        if params:
            self.inst.scheduler.queue_depth = params["queue_depth"]
        self.faults = faults
        self.progress = progress
        self.records = [JobRecord(job.name, job.submit) for job in self.jobs]
        self.by_id = {}
        self.running = {}
        self.started = 0
        self.done = 0

    def run(self):
        from fluxsim.constants import FLUX_JOB_NOVALIDATE as FLAG_NOVALIDATE

        inst = self.inst
        self.flags = FLAG_NOVALIDATE
        inst.jobmanager.listeners.append(self._event)
        try:
            with inst.lock:
                for fault in self.faults:
                    inst.call_later(fault.time, lambda _e, f=fault: self._fault(f))
                self.index = 0
                if self.jobs:
                    inst.call_later(self.jobs[0].submit, self._submit)
            inst.run()
            return self.records, getattr(inst.scheduler, "stats", {})
        finally:
            inst.shutdown()

    def _event(self, job, event):
        name = event["name"]
        if name == "alloc":
            rec = self.by_id[job.id]
            rec.start = self.inst.now
            rec.R = job.R
            rec.order = self.started
            self.started += 1
            self.running[job.id] = job
        elif name == "clean":
            rec = self.by_id[job.id]
            self.running.pop(job.id, None)
            exc = job.exception
            rec.finish(self.inst.now, job.waitstatus, exc.context["type"] if exc else None)
            self.done += 1
            if self.progress is not None and not self.done & 255:
                self.progress(self.done, len(self.jobs))

    def _submit(self, _event):
        inst = self.inst
        now = inst.now
        jobs = self.jobs
        n = len(jobs)
        i = self.index
        while i < n and jobs[i].submit <= now:
            trace = jobs[i]
            rec = self.records[i]
            i += 1
            if not _accepted(trace.jobspec):
                continue
            job = inst.submit(
                trace.jobspec, urgency=trace.urgency, flags=self.flags, userid=trace.userid
            )
            rec.jobid = job.id
            self.by_id[job.id] = rec
            if trace.cancel_at is not None:
                inst.call_later(trace.cancel_at - now, lambda _e, j=job: self._cancel(j))
        self.index = i
        if i < n:
            inst.call_later(jobs[i].submit - now, self._submit)

    def _cancel(self, job):
        if job.active:
            self.inst.jobmanager.raise_exception(
                job, "cancel", 0, "", userid=job.userid
            )

    def _fault(self, fault):
        inst = self.inst
        lost, due = apply_fault(inst.resources, fault, inst.timestamp())
        if lost:
            inst.fail_jobs_on(lost)
        if due:
            inst.request_schedule()
