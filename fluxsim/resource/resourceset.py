"""ResourceSet: flux-core 0.88's ``flux.resource.ResourceSet`` over an :class:`Rv1`.

A ResourceSet is what Python code in Flux handles as "some resources": the R
of an instance or a job, with set algebra, properties and RFC 31 constraint
filtering.  Its implementation object (``impl``) is fluxsim's :class:`Rv1`,
so there is one R version 1 model behind the scheduler and this API::

    >>> R = ResourceSet(Rv1.from_shape(4, 4, gpus_per_node=1).to_dict())
    >>> str(R), R.ncores, str(R.nodelist)
    ('rank[0-3]/core[0-3],gpu0', 16, 'node[0-3]')
    >>> str(R - R.copy_ranks("2-3")), str(R.ranks)
    ('rank[0-1]/core[0-3],gpu0', '0-3')

Set operations follow flux's ``Rv1Set``: union and difference work on core
and GPU ids (a rank left with none is dropped), intersection keeps the ranks
both sets have, and properties follow their ranks.  Results carry the
left operand's start time and expiration but not its ``nslots`` or
``scheduling`` key.
"""

import json
from collections.abc import Mapping

from fluxsim.resource.hostlist import Hostlist
from fluxsim.resource.idset import IDset
from fluxsim.resource.rv1 import Rv1

__all__ = ["ResourceSet"]


def _rv1(ranks, like, properties, has_nodelist):
    """A new Rv1 of ``ranks`` with the times of ``like`` (no nslots, no scheduling)."""
    return Rv1(
        ranks,
        starttime=like.starttime,
        expiration=like.expiration,
        properties=properties,
        has_nodelist=has_nodelist,
    )


def _properties_of(R, keep):
    """``R``'s properties restricted to the ranks in set ``keep``."""
    properties = {name: members & keep for name, members in R.properties.items()}
    return {name: members for name, members in properties.items() if members}


def _with_ranks(R, keep):
    """A copy of ``R`` restricted to the ranks in set ``keep``."""
    ranks = (info for rank, info in R.ranks.items() if rank in keep)
    return _rv1(ranks, R, _properties_of(R, keep), R.has_nodelist)


def _merged_ranks(R, other):
    """``R``'s ranks with ``other``'s added, core and GPU ids of shared ranks united."""
    ranks = dict(R.ranks)
    for rank, info in other.ranks.items():
        mine = ranks.get(rank)
        if mine is None:
            ranks[rank] = info
        else:
            ranks[rank] = mine._replace(cores=mine.cores | info.cores, gpus=mine.gpus | info.gpus)
    return ranks.values()


def _union_properties(properties, other, only=None):
    """``properties`` with ``other``'s added (for ranks in ``only``, if given)."""
    result = {name: set(members) for name, members in properties.items()}
    for name, members in other.items():
        added = members if only is None else members & only
        if added:
            result.setdefault(name, set()).update(added)
    return result


def _union(R, other):
    properties = _union_properties(R.properties, other.properties)
    return _rv1(_merged_ranks(R, other), R, properties, R.has_nodelist or other.has_nodelist)


def _diff(R, other):
    ranks = []
    for rank, info in R.ranks.items():
        theirs = other.ranks.get(rank)
        if theirs is not None:
            info = info._replace(cores=info.cores - theirs.cores, gpus=info.gpus - theirs.gpus)
            if not info.cores and not info.gpus:
                continue
        ranks.append(info)
    return _rv1(ranks, R, _properties_of(R, {info.rank for info in ranks}), R.has_nodelist)


def _intersect(R, other):
    return _with_ranks(R, set(R.ranks) & set(other.ranks))


def _absorb(R, other, new_ranks_only):
    """Add ``other``'s resources to ``R`` in place (append, or add if ``new_ranks_only``)."""
    added = set(other.ranks) - set(R.ranks)
    merged = Rv1(_merged_ranks(R, other))
    R.ranks = merged.ranks
    R.has_nodelist = R.has_nodelist or other.has_nodelist
    R.properties = _union_properties(R.properties, other.properties, added if new_ranks_only else None)


def _time_property(name, doc):
    """A float attribute of the implementation, e.g. ``expiration``."""

    def put(self, value):
        setattr(self.impl, name, float(value))

    return property(lambda self: getattr(self.impl, name), put, doc=doc)


class ResourceSet:
    """A set of resources, as flux-core 0.88's ``flux.resource.ResourceSet``.

    Args:
        arg: R as a JSON string or a mapping, an :class:`Rv1`, or None for
            an empty set.
        version: the R version when ``arg`` is None (only 1).
        keep_scheduling: keep R's opaque ``scheduling`` key (dropped by
            default, as flux drops it).

    Raises:
        TypeError: ``arg`` is of another type.
        ValueError: an R version other than 1, or invalid R.
        KeyError: a mapping without ``version``.
        json.JSONDecodeError: a string that is not JSON.
    """

    def __init__(self, arg=None, version=1, keep_scheduling=False):
        self._state = None
        if isinstance(arg, Rv1):
            self.impl = arg
            self.version = 1
            return
        if isinstance(arg, str):
            arg = json.loads(arg)
        if isinstance(arg, Mapping):
            version = arg["version"]
        elif arg is not None:
            raise TypeError(f"ResourceSet cannot be instantiated from {type(arg)}")
        if version != 1:
            raise ValueError(f"R version {version} not supported")
        self.version = 1
        self.impl = Rv1(has_nodelist=False) if arg is None else Rv1.from_dict(arg)
        if not keep_scheduling:
            self.impl.scheduling = None

    def __str__(self):
        return self.dumps()

    def __and__(self, arg):
        return self.intersect(arg)

    def __sub__(self, arg):
        return self.diff(arg)

    def __or__(self, arg):
        return self.union(arg)

    def _coerce(self, arg):
        return arg if isinstance(arg, ResourceSet) else ResourceSet(arg, version=self.version)

    def dumps(self):
        """Short form, e.g. ``rank[0-3]/core[0-3],gpu0``."""
        return self.impl.dumps()

    def encode(self):
        """R as a JSON string."""
        return self.impl.encode()

    def to_dict(self):
        """R as a dict (what ``json.loads(encode())`` gives)."""
        return self.impl.to_dict()

    def count(self, name):
        """How many resources of type ``name`` ("core", "gpu"; others 0)."""
        if name == "core":
            return self.impl.ncores
        if name == "gpu":
            return self.impl.ngpus
        return 0

    def append(self, *args):
        """Add every resource of ``args`` to this set; return self."""
        for arg in args:
            _absorb(self.impl, self._coerce(arg).impl, new_ranks_only=False)
        return self

    def add(self, *args):
        """As :meth:`append`, but properties come only with ranks new to this set."""
        for arg in args:
            _absorb(self.impl, self._coerce(arg).impl, new_ranks_only=True)
        return self

    def copy(self):
        """A copy (with the state; without nslots or the scheduling key)."""
        rset = ResourceSet(_with_ranks(self.impl, set(self.impl.ranks)))
        rset.state = self.state
        return rset

    def _run_op(self, op, args):
        result = self.copy()
        for arg in args:
            result = ResourceSet(op(result.impl, self._coerce(arg).impl))
        result.state = self.state
        return result

    def union(self, *args):
        """A new set with the resources of this set and all of ``args``."""
        return self._run_op(_union, args)

    def diff(self, *args):
        """A new set with the cores and GPUs of this set in none of ``args``."""
        return self._run_op(_diff, args)

    def intersect(self, *args):
        """A new set with the ranks of this set that all of ``args`` have."""
        return self._run_op(_intersect, args)

    def copy_constraint(self, constraint):
        """A new set of the ranks matching RFC 31 ``constraint`` (a dict or JSON)."""
        return ResourceSet(self.impl.copy_constraint(constraint))

    def set_property(self, name, ranks=None):
        """Give property ``name`` to ``ranks`` (an idset; default all ranks); return self."""
        if ranks is None:
            ranks = str(self.ranks)
        if "^" in name:
            raise ValueError(f"invalid property name {name!r}: '^' is reserved for constraint negation")
        if not name:
            raise ValueError("property name must not be empty")
        try:
            target = set(IDset(str(ranks)))
        except Exception as exc:
            raise ValueError(f"invalid rank idset {ranks!r}: {exc}") from exc
        missing = target - set(self.impl.ranks)
        if missing:
            raise ValueError(f"ranks {IDset(missing)} not in resource set")
        self.impl.properties.setdefault(name, set()).update(target)
        return self

    def get_properties(self):
        """The RFC 20 properties object as a JSON string (``{"name": "ranks"}``)."""
        properties = {name: str(IDset(members)) for name, members in self.impl.properties.items() if members}
        return json.dumps(properties)

    def remove_ranks(self, ranks):
        """Remove ``ranks`` (an IDset, or anything IDset() takes); return self."""
        doomed = set(ranks if isinstance(ranks, IDset) else IDset(ranks))
        R = self.impl
        R.ranks = {rank: info for rank, info in R.ranks.items() if rank not in doomed}
        for members in R.properties.values():
            members -= doomed
        return self

    def copy_ranks(self, ranks):
        """A new set of only ``ranks`` (as for :meth:`remove_ranks`), with the state."""
        keep = set(ranks if isinstance(ranks, IDset) else IDset(ranks))
        rset = ResourceSet(_with_ranks(self.impl, keep))
        rset.state = self.state
        return rset

    def host_ranks(self, hosts, ignore_nomatch=False):
        """The ranks of ``hosts`` (a Hostlist or hostlist string), in their order.

        Hosts not in this set raise FileNotFoundError unless ``ignore_nomatch``.
        """
        ranks = list(self.impl.ranks)
        return [ranks[i] for i in self.nodelist.index(hosts, ignore_nomatch=ignore_nomatch)]

    @property
    def nodelist(self):
        """The host names, in rank order, as a Hostlist."""
        return Hostlist(self.impl.nodelist)

    @property
    def state(self):
        """A state the caller attaches to this set (e.g. "up"), or None."""
        return self._state

    @state.setter
    def state(self, value):
        self._state = value

    @property
    def ranks(self):
        """The ranks as an IDset."""
        return IDset(self.impl.ranks)

    @property
    def nnodes(self):
        """Number of ranks."""
        return self.impl.nnodes

    @property
    def ncores(self):
        """Number of cores."""
        return self.impl.ncores

    @property
    def ngpus(self):
        """Number of GPUs."""
        return self.impl.ngpus

    @property
    def rlist(self):
        """The short form (as :meth:`dumps`)."""
        return self.impl.dumps()

    @property
    def properties(self):
        """The property names, comma-separated."""
        return ",".join(json.loads(self.get_properties()))

    expiration = _time_property(
        "expiration", "When the resources expire (seconds since the epoch; 0 means never)."
    )
    starttime = _time_property(
        "starttime", "When the resources were allocated (seconds since the epoch; 0 if unset)."
    )
