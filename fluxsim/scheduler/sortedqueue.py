"""A pending queue that planning policies walk in order, cheaply and often.

``PendingQueue`` (a heap) is right for FIFO, which only ever looks at the
head.  Backfill, conservative and Fluxion's qmanager walk the queue on
every pass, so they keep it sorted instead: flux's ``PendingJob`` order (priority descending,
then job id ascending), with ``bisect`` for insertion and removal.  Jobs of
equal priority arrive in id order, so an insertion is an append.

>>> class J:
...     def __init__(self, id, priority): self.id, self.priority = id, priority
>>> q = SortedQueue()
>>> for job in (J(3, 16), J(1, 16), J(2, 31)): q.push(job)
>>> [job.id for job in q]
[2, 1, 3]
"""

from bisect import bisect_left

from fluxsim.scheduler.queue import order_key

__all__ = ["SortedQueue"]


class SortedQueue:
    """Jobs waiting for resources, in flux's ``PendingJob`` order."""

    __slots__ = ("_keys", "_jobs", "_key_of")

    def __init__(self):
        self._keys = []  # order keys (fluxsim.scheduler.queue.order_key), sorted
        self._jobs = []  # the job of each key, same order
        self._key_of = {}  # id -> key

    def __len__(self):
        return len(self._keys)

    def __contains__(self, job):
        return job.id in self._key_of

    def __iter__(self):
        """Jobs in order (a snapshot: the queue may change meanwhile)."""
        return iter(list(self._jobs))

    def push(self, job):
        """Queue ``job`` at its current priority (replacing an older entry)."""
        self.remove(job)
        key = order_key(job)
        self._key_of[job.id] = key
        keys = self._keys
        if not keys or keys[-1] < key:
            keys.append(key)
            self._jobs.append(job)
        else:
            index = bisect_left(keys, key)
            keys.insert(index, key)
            self._jobs.insert(index, job)

    def remove(self, job):
        """Drop ``job`` if queued."""
        key = self._key_of.pop(job.id, None)
        if key is not None:
            index = bisect_left(self._keys, key)
            del self._keys[index]
            del self._jobs[index]

    def head(self):
        """The job that must be tried first, or None."""
        return self._jobs[0] if self._jobs else None

    def pop(self):
        """Remove and return the head (None if empty)."""
        if not self._jobs:
            return None
        job = self._jobs.pop(0)
        del self._keys[0]
        del self._key_of[job.id]
        return job

    def first(self, n):
        """The first ``n`` jobs (all of them when ``n`` is None), as a list."""
        return self._jobs[:n] if n is not None else list(self._jobs)

    def key(self, job):
        """The sort key of a queued job."""
        return self._key_of[job.id]

