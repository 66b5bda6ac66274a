"""flux-core 0.88 ``sched-backfill``: EASY backfill over the resource pool.

Each pass, as ``sched-backfill.py`` does it:

1. Allocate from the head of the queue (priority, then submit order) until
   the head does not fit.  An infeasible head is denied and the pass goes on.
2. The blocked head gets a reservation: its *shadow time* is found by
   copying the pool and freeing running jobs in order of their end times
   (``now + duration``; jobs without a duration never end) until the head
   fits.  If it never fits, there is no shadow and nothing is backfilled.
3. Every other queued job, in queue order, starts now if it has a duration,
   ``now + duration <= shadow``, and it fits now.  Jobs without a duration
   are never backfilled.  An infeasible job that passes the duration test is
   denied, as flux does when it tries it.

Placement is the pool's (``Rv1Pool`` worst-fit), so a job that starts gets
the same R it gets in flux.  sched-backfill keeps an unlimited queue (it does
not set ``queue_depth``, so the base class's ``unlimited`` holds).

Doing this literally costs a walk of the whole queue on every event.  Three
shortcuts keep the same decisions:

- a head that failed is not retried until the pool changes (as FIFO);
- the shadow time is cached by (pool generation, head), as flux caches it;
- if nothing changed since the last pass but new jobs arrived, only the
  new jobs are tried: a job that failed before still fails, because the
  pool has only shrunk since (placement is monotone in free resources) and
  ``now`` has only grown;
- a feasible job asking for more cores or GPUs than are free is skipped
  without calling the pool, which would refuse it.
"""

from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources
from fluxsim.scheduler.base import Scheduler
from fluxsim.scheduler.sortedqueue import SortedQueue

__all__ = ["BackfillScheduler"]

_ALLOCATED = "allocated"
_DENIED = "denied"


class BackfillScheduler(Scheduler):
    """EASY backfill: the policy of flux-core's ``sched-backfill``."""

    name = "backfill"
    #: sched-backfill's queue depth: unlimited (None here).
    queue_depth = None

    def __init__(self, host, R, queue_depth=None):
        super().__init__(host, R, queue_depth)
        self.queue = SortedQueue()
        self._blocked = None  # (head id, pool generation) of the last failed head
        self._shadow_key = None
        self._shadow_value = None
        self._scanned = None  # (head id, pool generation) after the last backfill scan
        self._new = []  # jobs queued since the last scan
        self._size = {}  # job id -> (ncores, ngpus, feasible)
        # Also counted: shadow-time computations, allocation attempts (pool
        # calls) and backfilled jobs.
        self.stats.update(shadows=0, attempts=0, backfilled=0)

    # -- the scheduler interface -----------------------------------------------

    def enqueue(self, job):
        request = job.request
        try:
            self.pool.check_feasibility(request)
            feasible = True
        except InfeasibleRequest:
            feasible = False
        except Exception:  # malformed constraint: let the pool say so on alloc
            feasible = None
        self._size[job.id] = (request.ncores, request.ngpus, feasible)
        self.queue.push(job)
        self._new.append(job)

    def dequeue(self, job):
        self.queue.remove(job)
        self._size.pop(job.id, None)

    def prioritize(self, job):
        """The job's priority changed: re-queue it and plan from scratch."""
        if job.id in self._size:
            self.queue.push(job)
            self._scanned = None

    # -- a pass -------------------------------------------------------------------

    def schedule(self):
        """One pass: head first, then backfill around its reservation."""
        pool = self.pool
        queue = self.queue
        now = self.host.timestamp()
        while True:
            head = queue.head()
            if head is None:
                self._new.clear()
                return
            if self._blocked == (head.id, pool.generation):
                break
            if self._try_alloc(head, now) is None:
                self._blocked = (head.id, pool.generation)
                break
        shadow = self._shadow_time(head, now)
        if shadow is None:
            # No reservation: flux's loop runs but backfills nothing.
            self._new.clear()
            self._scanned = (head.id, pool.generation)
            return
        if self._scanned == (head.id, pool.generation):
            candidates = [job for job in self._new if job in queue and job is not head]
            candidates.sort(key=queue.key)
        else:
            candidates = queue.first(None)[1:]
        self._new.clear()
        self._backfill(candidates, now, shadow, head.id)
        # The head still does not fit (the pool only shrank) and its shadow is
        # unchanged (backfilled jobs end by it), so both caches carry over.
        generation = pool.generation
        self._blocked = (head.id, generation)
        self._shadow_key = (generation, head.id)
        self._scanned = (head.id, generation)

    def _backfill(self, candidates, now, shadow, head_id):
        pool = self.pool
        size = self._size
        free_cores = pool.ncores_free
        free_gpus = pool.ngpus_free
        for job in candidates:
            duration = job.request.duration
            if not (duration > 0.0 and now + duration <= shadow):
                continue
            ncores, ngpus, feasible = size[job.id]
            if feasible and (ncores > free_cores or ngpus > free_gpus):
                continue  # the pool would say InsufficientResources
            if self._try_alloc(job, now, backfill=head_id) == _ALLOCATED:
                self.stats["backfilled"] += 1
                free_cores = pool.ncores_free
                free_gpus = pool.ngpus_free

    def _try_alloc(self, job, now, backfill=None):
        """Allocate or deny ``job``: ``_ALLOCATED``, ``_DENIED``, or None if it does not fit now."""
        self.stats["attempts"] += 1
        try:
            R = self.pool.alloc(job.id, job.request, now)
        except InsufficientResources:
            return None
        except InfeasibleRequest as exc:
            self.queue.remove(job)
            self._size.pop(job.id, None)
            self.deny(job, str(exc))
            return _DENIED
        self.queue.remove(job)
        self._size.pop(job.id, None)
        if backfill is None:
            self.success(job, R)
        else:
            # Imported here: fluxsim.job (the whole flux.job API) would double
            # the start-up of a trace replay that never backfills.
            from fluxsim.job.JobID import JobID

            self.success(job, R, backfill=JobID(backfill).f58)
        return _ALLOCATED

    def _shadow_time(self, head, now):
        """When the head is sure to fit: sched-backfill's ``_shadow_time``."""
        pool = self.pool
        key = (pool.generation, head.id)
        if self._shadow_key == key:
            return self._shadow_value
        self.stats["shadows"] += 1
        sim = pool.copy()
        request = head.request
        ncores, ngpus, _ = self._size[head.id]
        by_end = {}
        for jobid, end in sim.job_end_times():
            if end > 0:
                by_end.setdefault(end, []).append(jobid)
        t = 0.0
        shadow = None
        ends = sorted(by_end)
        index = 0
        while True:
            # A necessary condition first: the pool would refuse otherwise.
            if sim.ncores_free >= ncores and sim.ngpus_free >= ngpus:
                try:
                    sim.alloc(head.id, request, t)
                    shadow = max(t, now)
                    break
                except InfeasibleRequest:
                    break
                except InsufficientResources:
                    pass
            if index == len(ends):
                break
            t = ends[index]
            index += 1
            for jobid in by_end[t]:
                sim.free(jobid)
        self._shadow_key = key
        self._shadow_value = shadow
        return shadow

