"""The job manager's queues (RFC 33), as flux-core 0.88 keeps their state.

Each queue is *enabled* (it takes submissions) or disabled with a reason,
and *started* (its jobs' alloc requests go to the scheduler) or stopped,
maybe with a reason.  An instance without ``[queues]`` has one anonymous
queue, enabled and started; with ``[queues]`` there are only the named
ones, enabled but stopped until ``flux queue start``::

    >>> table = QueueTable(["batch", "debug"])
    >>> table.lookup("batch").status()
    {'enable': True, 'start': False}
    >>> table.lookup(None)
    Traceback (most recent call last):
    OSError: [Errno 22] a named queue is required

What a state change does to jobs (alloc requests sent or withdrawn) is the
job manager's (:meth:`fluxsim.jobmanager.JobManager.start_queue`).
"""

import errno

from fluxsim import zhashx

__all__ = ["Queue", "QueueTable"]


class Queue:
    """One queue: ``name`` (None for the anonymous one) and its two states."""

    __slots__ = ("name", "enabled", "disable_reason", "started", "stop_reason")

    def __init__(self, name, started):
        self.name = name
        self.enabled = True
        self.disable_reason = None
        self.started = started
        self.stop_reason = None

    def status(self):
        """The ``job-manager.queue-status`` response: reasons only with their state."""
        status = {"enable": self.enabled, "start": self.started}
        if not self.enabled and self.disable_reason is not None:
            status["disable_reason"] = self.disable_reason
        if not self.started and self.stop_reason is not None:
            status["stop_reason"] = self.stop_reason
        return status

    def enable(self):
        """Take submissions again."""
        self.enabled, self.disable_reason = True, None

    def disable(self, reason):
        """Refuse submissions, saying ``reason``."""
        self.enabled, self.disable_reason = False, reason

    def start(self):
        """Send the queue's alloc requests to the scheduler."""
        self.started, self.stop_reason = True, None

    def stop(self, reason=None):
        """Keep the queue's jobs pending, maybe saying ``reason``."""
        self.started, self.stop_reason = False, reason


class QueueTable:
    """The queues of an instance, from its configured names (config order)."""

    def __init__(self, names=()):
        names = list(names)
        #: True if ``[queues]`` names any: then there is no anonymous queue
        self.named = bool(names)
        # the job manager's zhashx of queues walks them in its hash order
        self._queues = {name: Queue(name, started=False) for name in zhashx.order(names)}
        if not names:
            self._queues[None] = Queue(None, started=True)

    @property
    def names(self):
        """The named queues, in the job manager's order (``job-manager.queue-list``)."""
        return [name for name in self._queues if name is not None]

    def lookup(self, name):
        """The queue ``name`` (None: the anonymous one), or EINVAL with Flux's message."""
        queue = self._queues.get(name)
        if queue is None:
            text = f"'{name}' is not a valid queue" if name is not None else "a named queue is required"
            raise OSError(errno.EINVAL, text)
        return queue

    def targets(self, name):
        """The queues an administrative request for ``name`` acts on: with
        named queues and no name, all of them."""
        if name is None and self.named:
            return list(self._queues.values())
        return [self.lookup(name)]

    def started(self, name):
        """Whether jobs of queue ``name`` are scheduled (False for no such queue)."""
        queue = self._queues.get(name)
        return queue is not None and queue.started

    def submit_check(self, name):
        """Refuse a job for queue ``name`` (EINVAL) unless it exists and is enabled."""
        queue = self.lookup(name)
        if not queue.enabled:
            to = f" to {name}" if name is not None else ""
            raise OSError(errno.EINVAL, f"job submission{to} is disabled: {queue.disable_reason}")
