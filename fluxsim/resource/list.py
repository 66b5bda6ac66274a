"""``resource_list``: the scheduler's view of resources, as ``flux resource list`` reads it.

The answer holds three R sets, ``all``, ``down`` (drained or offline) and
``allocated``; ``up`` and ``free`` are computed from them.  The request
goes to ``resource.sched-status`` (or ``$FLUX_RESOURCE_LIST_RPC``), and to
the scheduler's ``sched.resource-status`` where that is not served
(ENOSYS), as flux-core 0.88 does.  Fluxion answers null for an empty set::

    >>> rl = resource_list(h).get()
    >>> rl.free.ncores, str(rl.allocated.nodelist)
"""

import errno
import os

from fluxsim.future_ext import FutureExt
from fluxsim.resource.idset import IDset
from fluxsim.resource.resourceset import ResourceSet

__all__ = ["ResourceListRPC", "SchedResourceList", "resource_list"]

_STATES = ("all", "down", "allocated")


class SchedResourceList:
    """The ``all``, ``down`` and ``allocated`` ResourceSets of a scheduler,
    and ``up`` (all but down) and ``free`` (up but not allocated); each
    set's ``state`` is its name.  ``rl[state]`` works as ``rl.state``."""

    def __init__(self, resp):
        for state in _STATES:
            rset = resp.get(state)
            if not isinstance(rset, ResourceSet):
                rset = ResourceSet(rset)
            rset.state = state
            setattr(self, state, rset)

    def __getitem__(self, item):
        return getattr(self, item)

    @property
    def up(self):
        """The resources that are not down."""
        rset = self.all - self.down
        rset.state = "up"
        return rset

    @property
    def free(self):
        """The resources neither down nor allocated."""
        rset = self.up - self.allocated
        rset.state = "free"
        return rset

    def filter(self, include):
        """Keep only the ranks ``include`` (an idset, or a hostlist of hosts in ``all``)."""
        try:
            ranks = IDset(include)
        except ValueError:
            ranks = IDset(self.all.host_ranks(include, ignore_nomatch=True))
        for state in _STATES:
            setattr(self, state, self[state].copy_ranks(ranks))

    def copy_constraint(self, constraint):
        """A SchedResourceList of the ranks matching RFC 31 ``constraint``."""
        return SchedResourceList({s: self[s].copy_constraint(constraint) for s in _STATES})


class ResourceListRPC(FutureExt):
    """Future of :func:`resource_list`: ``get()`` -> :class:`SchedResourceList`."""

    def __init__(self, flux_handle, topic, nodeid=0):
        self.topic = topic
        super().__init__(self._init_cb, flux_handle=flux_handle)

    def _init_cb(self, future):
        future.get_flux().rpc(self.topic, nodeid=0).then(self._list_cb)

    def _list_cb(self, future):
        try:
            self.fulfill(future.get())
        except OSError as exc:
            if exc.errno != errno.ENOSYS:
                self.fulfill_error(exc.errno, exc.strerror)
                return
            future.get_flux().rpc("sched.resource-status", nodeid=0).then(self._fallback_cb)

    def _fallback_cb(self, future):
        try:
            self.fulfill(future.get())
        except OSError as exc:
            self.fulfill_error(exc.errno, exc.strerror)

    def get(self):
        """The :class:`SchedResourceList` (blocks until answered)."""
        return SchedResourceList(super().get())


def resource_list(flux_handle):
    """Ask for the scheduler's resources: a :class:`ResourceListRPC`."""
    topic = os.getenv("FLUX_RESOURCE_LIST_RPC") or "resource.sched-status"
    return ResourceListRPC(flux_handle, topic, nodeid=0)
