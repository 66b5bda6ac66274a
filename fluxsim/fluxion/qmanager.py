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
  change.  A walk that stops at queue-depth starts over from the new head
  only if its last match allocated, reserved or denied a job (Fluxion
  answers the job manager after every match and clears its "scheduled"
  flag; the restart checks that flag).

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
from fluxsim.resource.pool import InfeasibleRequest
from fluxsim.scheduler.base import PassEnds, Scheduler
from fluxsim.scheduler.sortedqueue import SortedQueue

__all__ = ["FluxionScheduler"]


class _Queue:
    """One qmanager queue: its pending jobs, blocked jobs and reservations."""

    def __init__(self, config):
        self.config = config
        self.pending = SortedQueue()
        self.blocked = {}  # jobid -> job, until a free or a resource change
        self.reservations = []  # jobs reserved by the last loop
        # a job's reserved start (0: none, or lost since) as the loops left
        # it, and as last told to the job manager (``sched.t_estimate``); a
        # job allocated while it has one started "reserved"
        self.at = {}
        self.old_at = {}
        self.blocked_head = None  # fcfs: (head id, pool generation) that did not fit

    def forget(self, job):
        """The job left the queue: its reservation state goes."""
        self.at.pop(job.id, None)
        self.old_at.pop(job.id, None)

    def unblock(self):
        for job in self.blocked.values():
            self.pending.push(job)
        self.blocked.clear()


class FluxionScheduler(Scheduler):
    """Fluxion: its matcher (:class:`~fluxsim.fluxion.graph.FluxionPool`) and queue policies."""

    name = "fluxion"
    #: The job manager sends every alloc request; qmanager keeps its own depth.
    queue_depth = "unlimited"

    def __init__(self, host, R, conf=None, config=None):
        #: The :class:`~fluxsim.fluxion.config.FluxionConfig` in force.
        self.config = config if config is not None else read(conf or {})
        super().__init__(host, R)
        #: qmanager's queues by name, run in name order
        self.queues = {name: _Queue(qc) for name, qc in self.config.queues.items()}
        self._default = next(iter(self.queues.values()))
        self.stats.update(matches=0, reservations=0)

    def make_pool(self, R):
        return FluxionPool(R, self.config)

    def parse(self, jobspec):
        return fluxion_request.parse(jobspec)

    def unparsed_note(self, error):
        return str(error)

    def annotations(self, R, sched):
        return {"sched": sched} if sched else None

    def _queue_of(self, job):
        name = getattr(job.request, "queue", None)
        return self.queues.get(name, self._default) if name is not None else self._default

    # -- requests ------------------------------------------------------------------

    def alloc(self, job):
        name = getattr(job.request, "queue", None)
        if name is not None and name not in self.queues:
            self.host.alloc_deny(job, f"queue ({name}) doesn't exist")
            return
        super().alloc(job)

    def enqueue(self, job):
        self._queue_of(job).pending.push(job)

    def dequeue(self, job):
        queue = self._queue_of(job)
        queue.pending.remove(job)
        queue.blocked.pop(job.id, None)
        queue.forget(job)

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
        for queue in self.queues.values():
            queue.unblock()

    # -- a loop --------------------------------------------------------------------------

    def schedule(self):
        for queue in self.queues.values():
            if queue.config.reservation_depth:
                if not queue.reservations and not queue.pending:
                    continue  # a loop over nothing, with nothing to cancel
                while True:
                    again = self._backfill_pass(queue)
                    self._post_loop(queue)
                    if not again:
                        break
                    # stopped at queue-depth just after scheduling a job:
                    # the queue is schedulable again, from its new head
            else:
                self._fcfs_loop(queue)

    def _fcfs_loop(self, queue):
        pool = self.pool
        now = self.host.timestamp()

        def place(job):
            self.stats["matches"] += 1
            try:
                return pool.match(job.id, job.request, now)[1], _selected("immediate")
            except MatchError:
                # the loop ends here; the rest wait for the next event
                raise PassEnds(MATCH_ERROR) from None

        queue.blocked_head = self.allocate_in_order(queue.pending, queue.blocked_head, place)

    def _backfill_pass(self, queue):
        """One loop; True if it stopped at queue-depth just after scheduling a job.

        Fluxion walks the queue one match (one request to its resource
        module) at a time and answers the job manager for what it scheduled
        after each; when the walk reaches queue-depth it starts over only if
        that last match allocated, reserved or denied its job.  (A walk that
        allocated and denied nothing would only repeat itself: it ends.)
        """
        pool = self.pool
        pool.cancel_reservations(queue.reservations)
        queue.reservations = []
        now = self.host.timestamp()
        config = queue.config
        reserved = scheduled = asked = 0
        pending = queue.pending.first(None)
        last = False  # whether the last match scheduled its job
        shrank = False
        depth, reservation_depth = config.queue_depth, config.reservation_depth
        at = queue.at
        refused = pool.refused
        try:
            for job in pending:
                if scheduled >= depth:
                    return last and shrank
                asked += 1
                reserve = reserved < reservation_depth
                request = job.request
                if not reserve and refused(request):
                    kind = None  # passed over, as the match would answer it
                else:
                    try:
                        kind, value = pool.try_match(job.id, request, now, reserve) or _NOT_NOW
                    except (InfeasibleRequest, MatchError) as exc:
                        queue.pending.remove(job)
                        queue.forget(job)
                        self.deny(job, str(exc) if isinstance(exc, InfeasibleRequest)
                                  else MATCH_ERROR)
                        scheduled += 1
                        last = shrank = True
                        continue
                if kind is None:  # not now
                    if at.get(job.id):
                        at[job.id] = 0  # its reservation and estimate are gone
                    last = False
                    if reserve:
                        queue.pending.remove(job)
                        queue.blocked[job.id] = job
                        continue
                    scheduled += 1
                    continue
                scheduled += 1
                last = True
                if kind == "reserve":
                    reserved += 1
                    self.stats["reservations"] += 1
                    queue.reservations.append(job.id)
                    queue.old_at[job.id] = at.get(job.id, 0)
                    at[job.id] = value
                    continue
                queue.pending.remove(job)
                shrank = True
                if at.get(job.id):
                    selection = "reserved"
                else:
                    selection = "backfill" if reserved else "immediate"
                queue.forget(job)
                self.success(job, value, **_selected(selection))
            return False
        finally:
            self.stats["matches"] += asked

    def _post_loop(self, queue):
        """After a loop, tell the job manager of the first queue-depth pending
        jobs' start estimates that changed: ``sched.t_estimate`` of a reserved
        job, or null for one that lost its reservation."""
        if not self.host.annotates:
            return
        at, old_at = queue.at, queue.old_at
        for job in queue.pending.first(queue.config.queue_depth):
            start = at.get(job.id, 0)
            if start != old_at.get(job.id, 0):
                if start > 0:
                    self.annotate(job, t_estimate=float(start), selection_type="reserved")
                else:
                    self.annotate(job, t_estimate=None, selection_type=None)
                old_at[job.id] = start


_NOT_NOW = (None, None)  # a match's "not now"


def _selected(selection):
    # the alloc response's annotations: how the job was started, and no
    # start estimate any more
    return {"t_estimate": None, "selection_type": selection}
