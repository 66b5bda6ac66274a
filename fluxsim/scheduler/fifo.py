"""flux-core 0.88 ``sched-simple``: strict priority FIFO over the resource pool.

The head of the queue is tried first; if it does not fit now, nothing behind
it is tried (no backfill).  An infeasible request is denied with the pool's
``unsatisfiable request: ...`` note and the pass goes on.
"""

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
        if not self.queue:
            return  # a pass after most events of a trace: nothing waits
        pool = self.pool
        now = self.host.timestamp()
        self._blocked = self.allocate_in_order(
            self.queue, self._blocked, lambda job: (pool.alloc(job.id, job.request, now), {}))
