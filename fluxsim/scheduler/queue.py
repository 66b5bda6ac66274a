"""The scheduler's pending queue: priority first, then job id (submit order).

A heap with lazy removal, so cancel and reprioritize cost O(log n) instead of
a re-heapify; flux's ``PendingJob`` ordering (priority desc, id asc) is kept.

The order is one int a job (:func:`order_key`): a backlog of a million jobs
is a heap of a million ints, which C compares at once, where tuples or lists
are compared item by item (a tenth of a million-job replay went to that).
"""

import heapq

from fluxsim.constants import FLUX_JOB_PRIORITY_MAX

__all__ = ["PendingQueue", "order_key"]

_ID_BITS = 64  # a job id is a uint64 (RFC 19)
_ID_MASK = (1 << _ID_BITS) - 1


def order_key(job):
    """flux's ``PendingJob`` order as one int: priority descending, then id ascending.

    Priorities are 0 .. FLUX_JOB_PRIORITY_MAX and ids uint64, as in Flux.
    """
    return ((FLUX_JOB_PRIORITY_MAX - job.priority) << _ID_BITS) | job.id


class PendingQueue:
    """Jobs waiting for resources, ordered as ``flux.scheduler.PendingJob``."""

    __slots__ = ("_heap", "_entries")

    def __init__(self):
        self._heap = []  # order keys, stale ones among them
        self._entries = {}  # jobid -> (live order key, job)

    def __len__(self):
        return len(self._entries)

    def __contains__(self, job):
        return job.id in self._entries

    def push(self, job):
        """Queue ``job`` at its current priority (replacing an older entry)."""
        key = order_key(job)
        self._entries[job.id] = (key, job)
        heapq.heappush(self._heap, key)

    def remove(self, job):
        """Drop ``job`` if queued; its heap key is skipped later."""
        self._entries.pop(job.id, None)

    def head(self):
        """The job that must be tried first, or None."""
        heap, entries = self._heap, self._entries
        while heap:
            key = heap[0]
            entry = entries.get(key & _ID_MASK)
            if entry is not None and entry[0] == key:
                return entry[1]
            heapq.heappop(heap)  # withdrawn, or queued again at another priority
        return None

    def pop(self):
        """Remove and return the head."""
        job = self.head()
        if job is not None:
            heapq.heappop(self._heap)
            del self._entries[job.id]
        return job

    def __iter__(self):
        """Jobs in queue order (sorts a copy: for planning, not the hot path)."""
        return iter(job for _key, job in sorted(self._entries.values(), key=lambda e: e[0]))
