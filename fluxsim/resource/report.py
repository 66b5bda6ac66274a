"""``resource_status``: what ``flux resource status`` reports about each rank.

The resource module's ``resource.status`` (drained ranks with their reasons,
online, offline, excluded and torpid ranks) combined with the scheduler's
allocated ranks (:func:`~fluxsim.resource.list.resource_list`), so that a
drained rank that still runs a job is *draining*, and with the ranks in
housekeeping (``job-manager.stats-get``; none where it is not served).
This is flux-core 0.88's ``flux.resource.status`` (``import
flux.resource.status`` gives this module); :mod:`fluxsim.resource.status`
is the instance's own drain and offline bookkeeping behind that service.
"""

from typing import NamedTuple

from fluxsim.resource.idset import IDset
from fluxsim.resource.list import resource_list
from fluxsim.resource.resourceset import ResourceSet

__all__ = ["DrainInfo", "ResourceStatus", "ResourceStatusRPC", "resource_status"]

_EMPTY = {"R": None, "offline": "", "online": "", "exclude": "", "torpid": "",
          "housekeeping": "", "drain": {}}


class DrainInfo(NamedTuple):
    """Ranks drained at one ``timestamp`` for one ``reason``."""

    ranks: IDset
    timestamp: float
    reason: str


class ResourceStatus:
    """Rank idsets by state: ``all``, ``avail`` (not excluded, drained or
    torpid), ``online``, ``offline``, ``exclude``, ``torpid``,
    ``housekeeping``, ``allocated``, ``drained`` (and idle), ``draining``
    (drained, still allocated); ``nodelist`` and ``drain_info``."""

    def __init__(self, rstatus=None, allocated_ranks=None, housekeeping_ranks=None):
        self.rstatus = dict(_EMPTY) if rstatus is None else rstatus
        self.rset = ResourceSet(self.rstatus["R"])
        self.nodelist = self.rset.nodelist
        self.allocated_ranks = IDset() if allocated_ranks is None else allocated_ranks
        self.housekeeping_ranks = IDset() if housekeeping_ranks is None else housekeeping_ranks
        self._recalculate()

    def filter(self, include):
        """Report only the ranks ``include`` (an idset, or a hostlist)."""
        try:
            ranks = IDset(include)
        except ValueError:
            ranks = self.nodelist.index(include, ignore_nomatch=True)
        self._recalculate(ranks)

    def _recalculate(self, include=None):
        status = self.rstatus
        self.all = self.rset.ranks
        self.offline = IDset(status["offline"])
        self.online = IDset(status["online"])
        self.exclude = IDset(status["exclude"])
        self.torpid = IDset(status.get("torpid", ""))
        self.allocated = self.allocated_ranks
        self.housekeeping = self.housekeeping_ranks
        if include is not None:
            for name in ("all", "offline", "online", "exclude", "allocated", "torpid"):
                setattr(self, name, getattr(self, name).intersect(include))
        self.drained = IDset()
        self.drain_info = []
        self._drain_lookup = {}
        for ranks, entry in status["drain"].items():
            ranks = IDset(ranks)
            if include is not None:
                ranks = ranks.intersect(include)
            self.drained += ranks
            info = DrainInfo(ranks, entry["timestamp"], entry["reason"])
            self.drain_info.append(info)
            for rank in ranks:
                self._drain_lookup[rank] = info
        self.draining = self.drained & self.allocated
        self.drained -= self.draining
        self.avail = self.all - self.get_idset("exclude", "drained", "draining", "torpid")

    def __getitem__(self, state):
        return getattr(self, state)

    def get_idset(self, *states):
        """The union of the idsets ``states``."""
        ids = IDset()
        for state in states:
            ids.add(self[state])
        return ids

    def get_drain_info(self, rank):
        """The :class:`DrainInfo` of ``rank``, None if it is not drained."""
        if rank not in self.all:
            raise ValueError("invalid rank {rank}")  # sic: flux-core's message
        return self._drain_lookup.get(rank)


class ResourceStatusRPC:
    """The requests behind a :class:`ResourceStatus`; ``get()`` waits for them."""

    def __init__(self, handle):
        self.rpcs = [
            handle.rpc("resource.status", nodeid=0),
            resource_list(handle),
            handle.rpc("job-manager.stats-get", nodeid=0),
        ]

    def get(self):
        """The :class:`ResourceStatus` (blocks until answered)."""
        status = self.rpcs[0].get()
        try:
            allocated = self.rpcs[1].get().allocated.ranks
        except OSError:
            allocated = IDset()
        housekeeping = IDset()
        try:
            for info in self.rpcs[2].get()["housekeeping"]["running"].values():
                housekeeping.add(info["allocated"])
        except OSError:
            pass  # no housekeeping service: nothing in housekeeping
        return ResourceStatus(status, allocated, housekeeping)


def resource_status(flux_handle):
    """Ask the resource module and the scheduler: a :class:`ResourceStatusRPC`."""
    return ResourceStatusRPC(flux_handle)
