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
    """Jobs waiting for resources, in flux's ``PendingJob`` order.

    The head is taken by moving an offset past it, not by deleting it (which
    would shift every job behind it: a million-job backlog paid that on each
    allocation); the taken prefix is dropped once it is half the list.
    """

    __slots__ = ("_keys", "_jobs", "_key_of", "_head")

    def __init__(self):
        self._keys = []  # order keys (fluxsim.scheduler.queue.order_key), sorted
        self._jobs = []  # the job of each key, same order
        self._key_of = {}  # id -> key
        self._head = 0  # items before it were popped

    def __len__(self):
        return len(self._keys) - self._head

    def __contains__(self, job):
        return job.id in self._key_of

    def __iter__(self):
        """Jobs in order (a snapshot: the queue may change meanwhile)."""
        return iter(self._jobs[self._head:])

    def push(self, job):
        """Queue ``job`` at its current priority (replacing an older entry)."""
        self.remove(job)
        key = order_key(job)
        self._key_of[job.id] = key
        keys = self._keys
        if len(keys) == self._head or keys[-1] < key:
            keys.append(key)
            self._jobs.append(job)
        else:
            index = bisect_left(keys, key, self._head)
            keys.insert(index, key)
            self._jobs.insert(index, job)

    def remove(self, job):
        """Drop ``job`` if queued."""
        key = self._key_of.pop(job.id, None)
        if key is not None:
            index = bisect_left(self._keys, key, self._head)
            del self._keys[index]
            del self._jobs[index]

    def head(self):
        """The job that must be tried first, or None."""
        return self._jobs[self._head] if len(self._jobs) > self._head else None

    def pop(self):
        """Remove and return the head (None if empty)."""
        head = self._head
        jobs = self._jobs
        if len(jobs) == head:
            return None
        job = jobs[head]
        jobs[head] = None  # the queue no longer holds it
        del self._key_of[job.id]
        head += 1
        if head > 64 and 2 * head > len(jobs):
            del self._keys[:head]
            del jobs[:head]
            head = 0
        self._head = head
        return job

    def first(self, n):
        """The first ``n`` jobs (all of them when ``n`` is None), as a list."""
        head = self._head
        return self._jobs[head:head + n] if n is not None else self._jobs[head:]

    def key(self, job):
        """The sort key of a queued job."""
        return self._key_of[job.id]
