"""Flux's queues from Python, as flux-core 0.88's ``flux.queue`` presents them.

``QueueList(handle)`` gathers each queue's configuration, enable and start
state and resources; iterating gives one :class:`QueueInfo` a queue (the
anonymous queue of an instance without ``[queues]`` is named ``""``)::

    >>> for queue in QueueList(h):
    ...     print(queue.name, queue.enabled, queue.started, queue.resources.all.ncores)
    batch True False 4

A queue's ``defaults.duration`` and ``limits`` (``min``/``max`` node,
core and GPU counts, ``duration``) come from its ``[queues.NAME.policy]``,
else the instance's ``[policy]``; an unset maximum is ``inf``.
"""

import math
from dataclasses import dataclass

from fluxsim.fsd import parse_fsd
from fluxsim.resource.list import resource_list

__all__ = ["QueueList", "QueueInfo", "QueueLimits", "QueueDefaults", "QueueResourceCounts",
           "QueueResources"]


@dataclass
class QueueResourceCounts:
    """Node, core and GPU counts of a limit."""

    nnodes: float
    ncores: float
    ngpus: float


@dataclass
class QueueLimits:
    """A queue's job size limits (``min``, ``max``) and duration limit (seconds)."""

    min: QueueResourceCounts
    max: QueueResourceCounts
    duration: float

    @property
    def timelimit(self):
        """``duration``, under the name ``flux queue list`` uses."""
        return self.duration


@dataclass
class QueueDefaults:
    """A queue's default job duration (seconds)."""

    duration: float

    @property
    def timelimit(self):
        """``duration``, under the name ``flux queue list`` uses."""
        return self.duration


class QueueResources:
    """The resources of a queue: the instance's, cut to its ``requires`` properties
    (``all``, ``up``, ``down``, ``allocated``, ``free``)."""

    def __init__(self, name, resources, config):
        requires = _lookup(config, "queues", name, "requires") if name else None
        if requires is not None:
            resources = resources.copy_constraint({"properties": requires})
        self._resource_list = resources

    def __getattr__(self, attr):
        return getattr(self._resource_list, attr)


def _lookup(table, *keys):
    """``table[k1][k2]...``, or None where a key is missing."""
    for key in keys:
        if not isinstance(table, dict) or key not in table:
            return None
        table = table[key]
    return table


class QueueInfo:
    """One queue: ``name``, ``is_default``, ``enabled``, ``started``,
    ``resources``, ``defaults`` and ``limits``."""

    def __init__(self, name, config, resources, enabled, started, default):
        self.name = name or ""
        self.config = config
        self.is_default = default
        self.enabled = enabled
        self.started = started
        self.resources = QueueResources(name, resources, config)
        self.defaults = QueueDefaults(duration=parse_fsd(
            self._policy("jobspec", "defaults", "system", "duration")))
        self.limits = QueueLimits(
            min=QueueResourceCounts(*(self._size(kind, "min") for kind in _KINDS)),
            max=QueueResourceCounts(*(self._size(kind, "max") for kind in _KINDS)),
            duration=parse_fsd(self._policy("limits", "duration")),
        )

    def _policy(self, *keys):
        """A policy value: the queue's, else the instance's, else ``"inf"``."""
        for value in (_lookup(self.config, "queues", self.name, "policy", *keys),
                      _lookup(self.config, "policy", *keys)):
            if value is not None:
                return value
        return "inf"

    def _size(self, kind, bound):
        # a queue's own limit is taken as is; the instance's is unlimited if negative
        value = _lookup(self.config, "queues", self.name, "policy", "limits", "job-size",
                        bound, kind)
        if value is not None:
            return value
        value = _lookup(self.config, "policy", "limits", "job-size", bound, kind)
        if value is None:
            value = math.inf if bound == "max" else 0
        return math.inf if value < 0 else value


_KINDS = ("nnodes", "ncores", "ngpus")


class QueueList:
    """The instance's queues (``queues``: only these names; a ValueError for an
    unknown one), by name; ``qlist[""]`` or ``qlist[None]`` is the anonymous queue."""

    def __init__(self, handle, queues=None):
        resources, config = (f.get() for f in (resource_list(handle), handle.rpc("config.get")))
        default = _lookup(config, "policy", "jobspec", "defaults", "system", "queue") or ""
        configured = config.get("queues", {})
        if queues:
            for name in queues:
                if name not in configured:
                    raise ValueError(f"No such queue: {name}")
            configured = {name: configured[name] for name in queues}
        self._queue = None
        if not configured:
            status = handle.rpc("job-manager.queue-status", {}).get()
            self._queue = QueueInfo(None, config, resources, status["enable"], status["start"],
                                    True)
            self._queues = {"": self._queue}
            return
        futures = {name: handle.rpc("job-manager.queue-status", {"name": name})
                   for name in configured}
        self._queues = {}
        for name, future in futures.items():
            status = future.get()
            self._queues[name] = QueueInfo(name, config, resources, status["enable"],
                                           status["start"], name == default)

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return self._queues[attr]

    def __getitem__(self, item):
        return self._queue if item is None else self._queues[item]

    def __iter__(self):
        return iter(self._queues.values())
