"""flux-core 0.88 ``sched-simple``: strict priority FIFO over the resource pool.

The head of the queue is tried first; if it does not fit now, nothing behind
it is tried (no backfill).  An infeasible request is denied with the pool's
``unsatisfiable request: ...`` note and the pass goes on.
"""

from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources
from fluxsim.scheduler.base import Scheduler
from fluxsim.scheduler.queue import PendingQueue

__all__ = ["FIFOScheduler"]


class FIFOScheduler(Scheduler):
    """Priority-FIFO: the policy of flux-core's ``sched-simple``/``sched-fifo``."""

    name = "fifo"
    #: sched-simple's default: at most 8 alloc requests outstanding.  With a
    #: blocking head the order of the first 8 decides everything, so the queue
    #: keeps all requests and only the head is ever tried.
    queue_depth = 8

    def __init__(self, host, R, queue_depth=None):
        super().__init__(host, R, queue_depth)
        self.queue = PendingQueue()
        self._blocked = None  # (jobid, pool generation) of the last failed head

    def enqueue(self, job):
        self.queue.push(job)

    def dequeue(self, job):
        self.queue.remove(job)

    def schedule(self):
        """Allocate from the head until it blocks."""
        pool = self.pool
        queue = self.queue
        now = self.host.timestamp()
        while True:
            job = queue.head()
            if job is None:
                return
            if self._blocked == (job.id, pool.generation):
                return  # nothing changed since this head last failed
            try:
                R = pool.alloc(job.id, job.request, now)
            except InsufficientResources:
                self._blocked = (job.id, pool.generation)
                return
            except InfeasibleRequest as exc:
                queue.pop()
                self.deny(job, str(exc))
                continue
            queue.pop()
            self.success(job, R)
