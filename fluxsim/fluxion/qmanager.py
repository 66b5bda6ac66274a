"""Fluxion's queue manager (flux-sched 0.54 ``sched-fluxion-qmanager``) as a fluxsim scheduler.

Pending jobs are ordered by priority (highest first), then submit time.
Each scheduling loop, by queue policy:

- ``fcfs``: match jobs from the head (allocate with satisfiability) until
  one does not fit now; it blocks everything behind it.  No reservations.
- ``easy``, ``hybrid``, ``conservative``: cancel every reservation of the
  previous loop, then walk at most ``queue-depth`` jobs from the head: a job
  that fits now starts; the first ``reservation-depth`` jobs that do not
  (easy 1, hybrid 64, conservative = queue-depth) get a reservation on the
  resources the match policy picks at the earliest time they fit, using the
  durations of running jobs; a later job starts only if it fits now without
  those resources.  A job that cannot be reserved (its resources are held
  by a job without a duration) is *blocked* until a job ends or resources
  change.

An unsatisfiable request is denied with ``alloc denied due to
type="unsatisfiable"`` when its turn comes, a request Fluxion cannot match
at all with ``alloc denied due to type="match error"``, a jobspec that does
not parse at once with the parser's message.  The ``alloc`` event carries
Fluxion's ``sched.selection_type`` (``immediate``, ``backfill``,
``reserved``).
"""

from fluxsim.fluxion import request as fluxion_request
from fluxsim.fluxion.config import read
from fluxsim.fluxion.graph import MATCH_ERROR, FluxionPool
from fluxsim.fluxion.request import MatchError
from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources
from fluxsim.scheduler.base import Scheduler
from fluxsim.scheduler.queue import PendingQueue

__all__ = ["FluxionScheduler"]


class FluxionScheduler(Scheduler):
    """Fluxion: its matcher (:class:`~fluxsim.fluxion.graph.FluxionPool`) and queue policy."""

    name = "fluxion"
    #: The job manager sends every alloc request; qmanager keeps its own depth.
    queue_depth = "unlimited"

    def __init__(self, host, R, conf=None, config=None):
        #: The :class:`~fluxsim.fluxion.config.FluxionConfig` in force.
        self.config = config if config is not None else read(conf or {})
        super().__init__(host, R)
        self.queue = PendingQueue()
        self.blocked = {}  # jobid -> job, until a free or a resource change
        self._reserved = set()  # jobs whose reservation has held since it was made
        self._blocked_head = None  # fcfs: (head id, pool generation) that did not fit
        self.stats.update(matches=0, reservations=0)

    def make_pool(self, R):
        return FluxionPool(R, self.config)

    def parse(self, jobspec):
        return fluxion_request.parse(jobspec)

    def unparsed_note(self, error):
        return str(error)

    def annotations(self, R, sched):
        return {"sched": sched} if sched else None

    # -- requests ------------------------------------------------------------------

    def enqueue(self, job):
        self.queue.push(job)

    def dequeue(self, job):
        self.queue.remove(job)
        self.blocked.pop(job.id, None)
        self._reserved.discard(job.id)

    def cancel(self, job):
        """A withdrawn request makes the queue schedulable: its reservation is gone."""
        super().cancel(job)
        return True

    def free(self, job):
        super().free(job)
        self._unblock()

    def resource_update(self, up=(), down=()):
        """Any change makes qmanager's queues schedulable (a pass is due)."""
        super().resource_update(up, down)
        self._unblock()
        return True

    def _unblock(self):
        for job in self.blocked.values():
            self.queue.push(job)
        self.blocked.clear()

    # -- a loop --------------------------------------------------------------------------

    def schedule(self):
        if self.config.reservation_depth:
            self._backfill_loop()
        else:
            self._fcfs_loop()

    def _fcfs_loop(self):
        pool, queue = self.pool, self.queue
        now = self.host.timestamp()
        while True:
            job = queue.head()
            if job is None or self._blocked_head == (job.id, pool.generation):
                return
            self.stats["matches"] += 1
            try:
                _kind, R = pool.match(job.id, job.request, now)
            except InsufficientResources:
                self._blocked_head = (job.id, pool.generation)
                return
            except InfeasibleRequest as exc:
                queue.pop()
                self.deny(job, str(exc))
                continue
            except MatchError:
                # the loop ends here; the rest wait for the next event
                queue.pop()
                self.deny(job, MATCH_ERROR)
                return
            queue.pop()
            self.success(job, R, selection_type="immediate")

    def _backfill_loop(self):
        # A loop that stopped at queue-depth with jobs left, after starting
        # or denying some, makes the queue schedulable again: the next loop
        # starts over from the (new) head.
        while self._backfill_pass():
            pass

    def _backfill_pass(self):
        """One loop; True if it stopped at queue-depth after the queue shrank."""
        pool = self.pool
        pool.cancel_reservations()
        now = self.host.timestamp()
        depth = self.config.reservation_depth
        reserved = scheduled = 0
        pending = list(self.queue)
        shrank = False
        for index, job in enumerate(pending):
            if scheduled >= self.config.queue_depth:
                return shrank and index < len(pending)
            reserve = reserved < depth
            self.stats["matches"] += 1
            try:
                kind, value = pool.match(job.id, job.request, now, reserve=reserve)
            except InsufficientResources:
                if job.id in self._reserved:
                    self._reserved.discard(job.id)
                if reserve:
                    self.queue.remove(job)
                    self.blocked[job.id] = job
                    continue
                scheduled += 1
                continue
            except (InfeasibleRequest, MatchError) as exc:
                self.queue.remove(job)
                self._reserved.discard(job.id)
                self.deny(job, str(exc) if isinstance(exc, InfeasibleRequest) else MATCH_ERROR)
                scheduled += 1
                shrank = True
                continue
            scheduled += 1
            if kind == "reserve":
                reserved += 1
                self.stats["reservations"] += 1
                self._reserved.add(job.id)
                continue
            self.queue.remove(job)
            shrank = True
            if job.id in self._reserved:
                selection = "reserved"
                self._reserved.discard(job.id)
            else:
                selection = "backfill" if reserved else "immediate"
            self.success(job, value, selection_type=selection)
        return False
