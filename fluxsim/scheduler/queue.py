"""The scheduler's pending queue: priority first, then job id (submit order).

A heap with lazy removal, so cancel and reprioritize cost O(log n) instead of
a re-heapify; flux's ``PendingJob`` ordering (priority desc, id asc) is kept.
"""

import heapq

__all__ = ["PendingQueue"]


class PendingQueue:
    """Jobs waiting for resources, ordered as ``flux.scheduler.PendingJob``."""

    __slots__ = ("_heap", "_entries", "_pushes")

    def __init__(self):
        self._heap = []
        self._entries = {}  # jobid -> live heap entry
        self._pushes = 0  # orders a re-queued job after its stale entry

    def __len__(self):
        return len(self._entries)

    def __contains__(self, job):
        return job.id in self._entries

    def push(self, job):
        """Queue ``job`` at its current priority (replacing an older entry)."""
        self.remove(job)
        self._pushes += 1
        entry = [-job.priority, job.id, self._pushes, job]
        self._entries[job.id] = entry
        heapq.heappush(self._heap, entry)

    def remove(self, job):
        """Drop ``job`` if queued; its heap entry is skipped later."""
        entry = self._entries.pop(job.id, None)
        if entry is not None:
            entry[3] = None

    def head(self):
        """The job that must be tried first, or None."""
        heap = self._heap
        while heap and heap[0][3] is None:
            heapq.heappop(heap)
        return heap[0][3] if heap else None

    def pop(self):
        """Remove and return the head."""
        job = self.head()
        if job is not None:
            heapq.heappop(self._heap)
            del self._entries[job.id]
        return job

    def __iter__(self):
        """Jobs in queue order (sorts a copy: for planning, not the hot path)."""
        return iter(entry[3] for entry in sorted(self._entries.values()))
