"""``JobStats``: job counts by state and by result, from job-list's ``job-stats``.

Every count is -1 until the first update::

    stats = JobStats(handle).update_sync()
    print(stats.pending, stats.running, stats.inactive, stats.failed)
"""

import itertools

from fluxsim.job._wrapper import send

__all__ = ["JobStats"]


class JobStats:
    """Job statistics (all jobs, or the sum over ``queue``, a name or names).

    ``pending``, ``running`` and ``active`` are sums of state counts;
    ``failed`` counts every unsuccessful job (canceled and timed out too).
    """

    states = ("depend", "priority", "sched", "run", "cleanup", "inactive", "total")
    stats = ("successful", "failed", "timeout", "canceled", "inactive_purged")
    derived_stats = ("pending", "running", "active")

    class QueueStats:
        """The counts of one queue (or of all jobs), which add up with ``+=``."""

        def __init__(self, stats=None):
            if stats is None:
                self.queue_name = ""
                for stat in itertools.chain(JobStats.states, JobStats.stats):
                    setattr(self, stat, 0)
                return
            self.queue_name = stats.get("name", "all")
            for state in JobStats.states:
                setattr(self, state, stats["job_states"][state])
            for stat in JobStats.stats:
                setattr(self, stat, stats[stat])

        def __iadd__(self, other):
            self.queue_name += "," + other.queue_name
            for stat in itertools.chain(JobStats.states, JobStats.stats):
                setattr(self, stat, getattr(self, stat) + getattr(other, stat))
            return self

    def __init__(self, handle, queue=None):
        self.handle = handle
        self.queues = []
        if queue is not None:
            self.queues.extend([queue] if isinstance(queue, str) else queue)
        self.callback = None
        self.cb_kwargs = {}
        for attr in itertools.chain(self.states, self.stats, self.derived_stats):
            setattr(self, attr, -1)

    def _update_cb(self, rpc):
        resp = rpc.get()
        if self.queues:
            queues = {q["name"]: self.QueueStats(q) for q in resp["queues"]}
            qstat = self.QueueStats()
            for queue in self.queues:
                if queue not in queues:
                    raise ValueError(f"no stats available for queue {queue}")
                qstat += queues[queue]
        else:
            qstat = self.QueueStats(resp)
        for attr in itertools.chain(self.states, self.stats):
            setattr(self, attr, getattr(qstat, attr))
        self.pending = self.depend + self.priority + self.sched
        self.running = self.run + self.cleanup
        self.active = self.total - self.inactive
        self.failed += self.timeout + self.canceled
        if self.callback:
            self.callback(self, **self.cb_kwargs)

    def _query(self):
        return send(self.handle, "job-list.job-stats", {})

    def update(self, callback=None, **kwargs):
        """Update from the reactor (``callback(self, **kwargs)`` when done)."""
        self.callback = callback
        self.cb_kwargs = kwargs
        self._query().then(self._update_cb)

    def update_sync(self):
        """Update now; returns self."""
        self._update_cb(self._query())
        return self
