"""``Rv1Set``: flux-core 0.88's implementation class behind a ``ResourceSet``.

flux's ``ResourceSet`` wraps an implementation object (``Rv1Set``) whose
interface is plain methods: ``ranks()``, ``nodelist()``, ``nnodes()``,
``count(name)``, and set operations taking and giving ``Rv1Set``\\ s.
fluxsim's ResourceSet works on :class:`~fluxsim.resource.rv1.Rv1`; an
Rv1Set is that interface over a ResourceSet, so the rules of R set algebra
stay in :mod:`fluxsim.resource.resourceset` alone::

    >>> Rv1Set(R).copy_ranks("1").dumps()
    'rank1/core[0-1]'
"""

import json
from collections.abc import Mapping

from fluxsim.resource.resourceset import ResourceSet

__all__ = ["Rv1Set"]


class Rv1Set:
    """An R version 1 set: from R as a JSON string or dict, or None (empty).

    Raises TypeError for another type, ValueError for another R version,
    KeyError for a dict without ``version``.
    """

    version = 1

    def __init__(self, arg=None, keep_scheduling=False):
        if isinstance(arg, ResourceSet):
            self._rset = arg
            return
        if isinstance(arg, str):
            arg = json.loads(arg)
        if arg is not None and not isinstance(arg, Mapping):
            raise TypeError(f"Rv1Set cannot be instantiated from {type(arg)}")
        self._rset = ResourceSet(arg, keep_scheduling=keep_scheduling)

    def _wrap(self, rset):
        return Rv1Set(rset)

    def dumps(self):
        """Short form, e.g. ``rank[0-1]/core[0-1]``."""
        return self._rset.dumps()

    def encode(self):
        """R as a JSON string."""
        return self._rset.encode()

    def to_dict(self):
        """R as a dict."""
        return self._rset.to_dict()

    def nodelist(self):
        """The host names, in rank order, as a Hostlist."""
        return self._rset.nodelist

    def ranks(self):
        """The ranks as an IDset."""
        return self._rset.ranks

    def nnodes(self):
        """Number of ranks."""
        return self._rset.nnodes

    def count(self, name):
        """How many resources of type ``name`` ("core", "gpu"; others 0)."""
        return self._rset.count(name)

    def copy(self):
        """An independent copy."""
        return self._wrap(self._rset.copy())

    def copy_ranks(self, ranks):
        """A copy of only ``ranks``."""
        return self._wrap(self._rset.copy_ranks(ranks))

    def copy_constraint(self, constraint):
        """A copy of the ranks matching RFC 31 ``constraint``."""
        return self._wrap(self._rset.copy_constraint(constraint))

    def union(self, other):
        """A new set with the resources of both."""
        return self._wrap(self._rset.union(other._rset))

    def diff(self, other):
        """A new set without ``other``'s cores and GPUs."""
        return self._wrap(self._rset.diff(other._rset))

    def intersect(self, other):
        """A new set of the ranks both have."""
        return self._wrap(self._rset.intersect(other._rset))

    def append(self, other):
        """Add ``other``'s resources to this set."""
        self._rset.append(other._rset)

    def add(self, other):
        """As :meth:`append`, properties only with ranks new to this set."""
        self._rset.add(other._rset)

    def remove_ranks(self, ranks):
        """Remove ``ranks``; return self."""
        self._rset.remove_ranks(ranks)
        return self

    def set_property(self, name, ranks=None):
        """Give property ``name`` to ``ranks`` (default all); return self."""
        self._rset.set_property(name, ranks)
        return self

    def get_properties(self):
        """The RFC 20 properties object as a JSON string."""
        return self._rset.get_properties()

    def get_expiration(self):
        """Expiration (seconds since the epoch, 0 for none)."""
        return self._rset.expiration

    def set_expiration(self, expiration):
        """Set the expiration."""
        self._rset.expiration = float(expiration)

    def get_starttime(self):
        """Start time (seconds since the epoch, 0 if unset)."""
        return self._rset.starttime

    def set_starttime(self, starttime):
        """Set the start time."""
        self._rset.starttime = float(starttime)

    @property
    def scheduling(self):
        """R's opaque ``scheduling`` key, kept with ``keep_scheduling=True``; else None."""
        return self._rset.impl.scheduling

    @scheduling.setter
    def scheduling(self, value):
        self._rset.impl.scheduling = value
