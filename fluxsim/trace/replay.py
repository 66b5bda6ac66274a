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
"""

import heapq
import time as _time

from fluxsim.constants import FLUX_JOB_PRIORITY_MIN as PRIORITY_MIN
from fluxsim.jobmanager import priority_of
from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources, Pool
from fluxsim.resource.request import ResourceRequest
from fluxsim.resource.rv1 import Rv1
from fluxsim.scheduler import make_scheduler
from fluxsim.scheduler.fifo import FIFOScheduler
from fluxsim.scheduler.unparsed import deny_note
from fluxsim.util import parse_fsd

__all__ = ["JobRecord", "ReplayResult", "replay", "MODES"]

MODES = ("fast", "instance")

SIGTERM = 15
SIGALRM = 14

# Job outcomes, as flux's job result names.
COMPLETED = "COMPLETED"
FAILED = "FAILED"
CANCELED = "CANCELED"
TIMEOUT = "TIMEOUT"


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
        if self.start is not None and status == 0:
            self.result = COMPLETED
        elif exception == "cancel":
            self.result = CANCELED
        elif exception == "timeout":
            self.result = TIMEOUT
        else:
            self.result = FAILED

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
    policy="fifo",
    faults=(),
    mode="fast",
    R=None,
    progress=None,
    queue_depth=None,
):
    """Replay ``workload`` in virtual time; returns a :class:`ReplayResult`.

    The instance is ``nnodes`` x ``cores_per_node`` (+ ``gpus_per_node``), or
    the resource set ``R``.  ``policy`` is a scheduler name (``fifo``,
    ``backfill``, ``conservative``); ``queue_depth`` overrides the policy's
    queue depth where it has one (conservative).  ``faults`` is a list of
    :class:`~fluxsim.trace.faults.Fault`.  ``progress(done, total)`` is
    called now and then as jobs end.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    rset = _resource_set(nnodes, cores_per_node, gpus_per_node, R)
    faults = sorted(faults, key=lambda f: f.time)
    runner = _FastReplay if mode == "fast" else _InstanceReplay
    t0 = _time.perf_counter()
    records, stats = runner(workload, rset, policy, faults, progress, queue_depth).run()
    wall = _time.perf_counter() - t0
    source = getattr(workload, "source", "")
    return ReplayResult(records, policy, mode, rset, wall, stats, faults, source)


# -- mock execution, as fluxsim.execution reads a jobspec ----------------------------


def _exec_plan(spec):
    """(run_duration, wait_status, mock_exception) as mock execution derives them.

    Mirrors ``Execution.start`` on a virtual clock: the jobspec duration is
    the run time unless ``attributes.system.exec.test.run_duration`` says
    otherwise; no test section and no duration finishes "at once" (1e-5 s,
    testexec's "almost immediately"); a test section with ``run_duration``
    0 never finishes by itself.  Returns a run duration <= 0 for "never".
    """
    try:
        system = spec["attributes"]["system"]
    except (KeyError, TypeError):
        system = {}
    try:
        duration = float(system.get("duration", 0.0))
    except (TypeError, ValueError, AttributeError):
        duration = -1.0
    try:
        test = system["exec"]["test"]
        if not isinstance(test, dict):
            test = None
    except (KeyError, TypeError):
        test = None
    conf = test or {}
    run = duration
    if "run_duration" in conf:
        try:
            run = parse_fsd(conf["run_duration"])
        except (ValueError, TypeError):
            pass
    status = int(conf.get("wait_status", 0))
    if test is None and run <= 0:
        run = -1.0
    if run < 0:
        run = 1e-5
    return run, status, conf.get("mock_exception")


# -- the fast engine ---------------------------------------------------------------

# Event kinds of the fast loop.
_FAULT, _SUBMIT, _COMPLETE, _EXPIRE, _CANCEL = range(5)


class _Job:
    """The part of a fluxsim Job that schedulers and this loop use."""

    __slots__ = (
        "id",
        "priority",
        "request",
        "R",
        "record",
        "trace",
        "token",
        "state",
        "run",
        "wait_status",
        "mock_exception",
        "exception",
        "killed",
        "userid",
    )

    # state: 0 pending, 1 running, 2 inactive

    def __init__(self, jobid, priority, request, record, trace):
        self.id = jobid
        self.priority = priority
        self.request = request
        self.R = None
        self.record = record
        self.trace = trace
        self.token = 0
        self.state = 0
        self.run = 0.0
        self.wait_status = 0
        self.mock_exception = None
        self.exception = None
        self.killed = False
        self.userid = trace.userid


class _FastFIFO(FIFOScheduler):
    """``FIFOScheduler`` without the ``resource_summary`` annotation.

    The fast engine posts no events, so the annotation (``R.dumps()``, a
    fifth of a FIFO replay's time) would be thrown away.  The decisions are
    ``FIFOScheduler.schedule``'s, step for step; the engine-agreement tests
    hold the two together.
    """

    def schedule(self):
        pool = self.pool
        queue = self.queue
        manager = self.instance.jobmanager
        now = self.instance.timestamp()
        while True:
            job = queue.head()
            if job is None:
                return
            if self._blocked == (job.id, pool.generation):
                return
            request = job.request
            if isinstance(request, Exception):
                queue.pop()
                manager.alloc_deny(job, deny_note(request))
                continue
            try:
                R = pool.alloc(job.id, request, now)
            except InsufficientResources:
                self._blocked = (job.id, pool.generation)
                return
            except InfeasibleRequest as exc:
                queue.pop()
                manager.alloc_deny(job, str(exc) or "unsatisfiable request")
                continue
            queue.pop()
            manager.alloc_success(job, R)


class _FastReplay:
    """The scheduler and pool of an instance under a lean event loop.

    It is what a scheduler sees of an :class:`~fluxsim.instance.Instance`
    (``pool``, ``R``, ``jobmanager``, ``timestamp()``, ``request_schedule()``)
    and it answers ``alloc_success`` / ``alloc_deny`` as the job manager
    does.
    """

    clock = "virtual"

    def __init__(self, workload, R, policy, faults, progress, queue_depth):
        self.jobs = list(workload)
        self.R = R
        self.policy = policy
        self.conf = {}
        self.owner = 0
        self.pool = Pool(R)
        self.jobmanager = self
        if policy == "fifo":
            self.scheduler = _FastFIFO(self)
        else:
            self.scheduler = make_scheduler(policy, self)
        if queue_depth is not None and hasattr(self.scheduler, "queue_depth"):
            self.scheduler.queue_depth = queue_depth
        self.faults = faults
        self.progress = progress
        self.now = 0.0
        self.heap = []
        self.seq = 0
        self.sched_requested = False
        self.last_id = 0
        self.running = {}
        self.started = 0
        self.done = 0
        self.records = [JobRecord(job.name, job.submit) for job in self.jobs]
        self.requests = {}

    # -- what a scheduler sees ---------------------------------------------------

    def timestamp(self):
        return self.now

    def request_schedule(self):
        self.sched_requested = True

    def alloc_success(self, job, R, annotations=None):
        """The scheduler allocated R: start the mock job (``Execution.start``)."""
        now = self.now
        job.R = R
        job.state = 1
        rec = job.record
        rec.start = now
        rec.R = R
        rec.order = self.started
        self.started += 1
        self.running[job.id] = job
        if job.mock_exception == "init":
            # Exec gives up before the job starts: released, no finish event.
            job.exception = job.exception or "exec"
            job.killed = True
            self._finish(job, None)
            return
        complete = now + job.run if job.run > 0 else None
        if complete is not None:
            self._push(complete, _COMPLETE, job, job.token)
        expiration = R.expiration
        if expiration and expiration > 0:
            expire = now + max(0.0, expiration - now)
            # A job that completes first (or at the same time: its timer is
            # older) makes the expiration a no-op; don't queue it.
            if complete is None or expire < complete:
                self._push(expire, _EXPIRE, job, job.token)
        if job.mock_exception == "run":
            self._exception(job, "exec", SIGTERM)

    def alloc_deny(self, job, note):
        """The scheduler denied the request: an ``alloc`` exception ends the job."""
        # The scheduler already dropped the request: nothing to withdraw.
        job.exception = job.exception or "alloc"
        self._inactive(job, None)

    # -- the loop ----------------------------------------------------------------

    def _push(self, when, kind, obj, token=0):
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, kind, obj, token))

    def _next_id(self):
        jobid = max(int(self.now * 1000) << 24, self.last_id + 1)
        self.last_id = jobid
        return jobid

    def run(self):
        for fault in self.faults:
            self._push(0.0 + max(0.0, fault.time), _FAULT, fault)
        self.index = 0
        if self.jobs:
            self._push(0.0 + max(0.0, self.jobs[0].submit), _SUBMIT, None)
        heap = self.heap
        pop = heapq.heappop
        dispatch = (self._fault, self._submit, self._complete, self._expire, self._cancel)
        schedule = self.scheduler.schedule
        passes = 0
        while True:
            # As Instance._flush: a scheduling pass after every event.
            while self.sched_requested:
                self.sched_requested = False
                passes += 1
                schedule()
            if heap and heap[0][0] <= self.now:
                _, _, kind, obj, token = pop(heap)
                dispatch[kind](obj, token)
                continue
            if not heap:
                break
            self.now = heap[0][0]
        stats = dict(getattr(self.scheduler, "stats", {}))
        stats.setdefault("passes", passes)
        return self.records, stats

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
            request = self._request(trace.jobspec)
            job = _Job(self._next_id(), priority_of(trace.urgency), request, rec, trace)
            rec.jobid = job.id
            job.run, job.wait_status, job.mock_exception = _exec_plan(trace.jobspec)
            if job.priority != PRIORITY_MIN:
                scheduler.alloc(job)
                self.sched_requested = True
            if trace.cancel_at is not None:
                self._push(now + max(0.0, trace.cancel_at - now), _CANCEL, job)
        self.index = i
        if i < n:
            self._push(now + max(0.0, jobs[i].submit - now), _SUBMIT, None)

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
            cacheable = "constraints" not in system and type(key[2]) in (int, float)
        except (KeyError, TypeError, AttributeError):
            cacheable = False
        if cacheable:
            entry = self.requests.get(key)
            if entry is not None and entry[0] is resources:
                return entry[1]
        try:
            request = ResourceRequest.from_jobspec(spec)
        except Exception as exc:  # the scheduler denies it, as Instance.submit does
            return exc
        if cacheable:
            # Keep the list alive with the entry so that its id is not reused.
            self.requests[key] = (resources, request)
        return request

    def _complete(self, job, token):
        if job.token == token and job.state == 1:
            self._finish(job, job.wait_status)

    def _expire(self, job, token):
        if job.token == token and job.state == 1 and not job.killed:
            self._exception(job, "timeout", SIGALRM)

    def _cancel(self, job, _token):
        if job.state != 2:
            self._exception(job, "cancel", SIGTERM)

    def _fault(self, fault, _token):
        ranks = fault.rank_list
        pool = self.pool
        if fault.action in ("down", "drain"):
            pool.mark_down(ranks)
        else:
            pool.mark_up(ranks)
            self.sched_requested = True
        if fault.action != "down":
            return
        lost = set(ranks)
        for job in list(self.running.values()):
            hit = lost.intersection(job.R.ranks)
            if hit and job.state == 1:
                self._exception(job, "exec", SIGTERM)

    def _exception(self, job, etype, signal):
        """A fatal exception: cancel a pending job, kill a running one."""
        if job.exception is None:
            job.exception = etype
        if job.state == 0:
            if job.priority != PRIORITY_MIN:  # a held job has no alloc request
                self.scheduler.cancel(job)
                self.sched_requested = True
            self._inactive(job, None)
        elif job.state == 1 and not job.killed:
            job.killed = True
            self._finish(job, signal)

    def _finish(self, job, status):
        job.token += 1
        self.running.pop(job.id, None)
        self.pool.free(job.id)
        self.scheduler.free(job)
        self.sched_requested = True
        self._inactive(job, status)

    def _inactive(self, job, status):
        job.state = 2
        job.record.finish(self.now, status, job.exception)
        self.done += 1
        if self.progress is not None and not self.done & 255:
            self.progress(self.done, len(self.jobs))


# -- the instance engine -------------------------------------------------------------


class _InstanceReplay:
    """Drive a virtual-clock :class:`fluxsim.Instance` through the job interface."""

    def __init__(self, workload, R, policy, faults, progress, queue_depth):
        import fluxsim

        self.jobs = list(workload)
        self.inst = fluxsim.start(R=R, clock="virtual", policy=policy)
        if queue_depth is not None and hasattr(self.inst.scheduler, "queue_depth"):
            self.inst.scheduler.queue_depth = queue_depth
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
        ranks = fault.rank_list
        if fault.action in ("down", "drain"):
            inst.pool.mark_down(ranks)
        else:
            inst.pool.mark_up(ranks)
            inst.request_schedule()
        if fault.action != "down":
            return
        lost = set(ranks)
        for job in list(self.running.values()):
            if not job.active or job.R is None:
                continue
            hit = sorted(lost.intersection(job.R.ranks))
            if hit:
                rank = hit[0]
                host = inst.R.ranks[rank].hostname
                inst.jobmanager.raise_exception(
                    job, "exec", 0, f"node failure on {host} (rank {rank})", userid=inst.owner
                )
