"""flux-core 0.88 ``sched-simple``: strict priority FIFO over the resource pool.

The head of the queue is tried first; if it does not fit now, nothing behind
it is tried (no backfill).  An infeasible request is denied with the pool's
``unsatisfiable request: ...`` note and the pass goes on.
"""

from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources
from fluxsim.scheduler.queue import PendingQueue
from fluxsim.scheduler.unparsed import deny_note

__all__ = ["FIFOScheduler"]


class FIFOScheduler:
    """Priority-FIFO: the policy of flux-core's ``sched-simple``/``sched-fifo``."""

    name = "fifo"
    #: sched-simple's default: at most 8 alloc requests outstanding.  With a
    #: blocking head the order of the first 8 decides everything, so the queue
    #: keeps all requests and only the head is ever tried.
    queue_depth = 8

    def __init__(self, instance):
        self.instance = instance
        self.pool = instance.pool
        self.queue = PendingQueue()
        self._blocked = None  # (jobid, pool generation) of the last failed head

    def alloc(self, job):
        """A new alloc request."""
        self.queue.push(job)

    def cancel(self, job):
        """Withdraw a pending alloc request."""
        self.queue.remove(job)

    def prioritize(self, job):
        """The job's priority changed: re-queue it."""
        self.queue.push(job)

    def free(self, job):
        """Resources came back (the pool is already updated)."""

    def schedule(self):
        """Allocate from the head until it blocks."""
        pool = self.pool
        manager = self.instance.jobmanager
        while True:
            job = self.queue.head()
            if job is None:
                return
            if self._blocked == (job.id, pool.generation):
                return  # nothing changed since this head last failed
            request = job.request
            if isinstance(request, Exception):
                self.queue.pop()
                manager.alloc_deny(job, deny_note(request))
                continue
            try:
                R = pool.alloc(job.id, request, self.instance.timestamp())
            except InsufficientResources:
                self._blocked = (job.id, pool.generation)
                return
            except InfeasibleRequest as exc:
                self.queue.pop()
                manager.alloc_deny(job, str(exc) or "unsatisfiable request")
                continue
            self.queue.pop()
            manager.alloc_success(job, R, {"sched": {"resource_summary": R.dumps()}})
