"""A jobspec as Fluxion's matcher reads it, for a cluster > node > core/gpu graph.

Fluxion matches the jobspec's ``resources`` tree level by level against its
resource graph.  On the graph a Flux instance gives it (``load-allowlist``
node, core, gpu under one cluster), a V1 request is ``slot[S] > {core[c],
gpu[g]}``, optionally under ``node[N]`` (``exclusive`` for whole nodes).
What else can happen, as Fluxion answers it:

- a type the graph does not have (``socket``, ``memory``...) can never be
  matched: :class:`Unsatisfiable`;
- a shape the traverser cannot walk (``node > core`` without a slot):
  :class:`MatchError`;
- a jobspec that does not parse: :class:`JobspecError` with the parser's
  message.

>>> r = read_request({"version": 1, "resources": [{"type": "slot", "count": 2,
...     "with": [{"type": "core", "count": 4}]}], "attributes": {"system": {}}})
>>> (r.nnodes, r.nslots, r.cores, r.gpus)
(0, 2, 4, 0)
"""

from collections.abc import Mapping

__all__ = ["FluxionRequest", "JobspecError", "MatchError", "Unsatisfiable", "read_request",
           "parse"]


class JobspecError(ValueError):
    """The jobspec does not parse (the alloc is denied with this message)."""


class Unsatisfiable(ValueError):
    """No resource set of this graph can ever satisfy the request."""


class MatchError(ValueError):
    """The traverser cannot match this request at all."""


class FluxionRequest:
    """What one job asks of the graph.

    Attributes:
        nnodes: nodes requested (0: slots anywhere).
        exclusive: the nodes are wanted whole (``node`` with ``exclusive``).
        nslots: slots per node (node requests) or in all.
        cores, gpus: per slot.
        duration: ``attributes.system.duration`` (0: none).
        constraint: RFC 31 constraint or None.
        queue: ``attributes.system.queue`` or None.
        numbers: ``(nnodes, exclusive, nslots, cores, gpus)``.
    """

    __slots__ = ("nnodes", "exclusive", "nslots", "cores", "gpus", "duration", "constraint",
                 "error", "queue", "numbers")

    def __init__(self, nnodes, exclusive, nslots, cores, gpus, duration=0.0, constraint=None,
                 error=None, queue=None):
        #: the qmanager queue (``attributes.system.queue``; None: the default)
        self.queue = queue
        #: :class:`Unsatisfiable` or :class:`MatchError` that every match of
        #: this request ends in (it waits its turn in the queue, as in Fluxion)
        self.error = error
        self.nnodes = nnodes
        self.exclusive = exclusive
        self.nslots = nslots
        self.cores = cores
        self.gpus = gpus
        self.duration = duration
        self.constraint = constraint
        #: what a match depends on, constraint and duration aside (a
        #: backfill walk compares it job after job)
        self.numbers = (nnodes, exclusive, nslots, cores, gpus)

    def __repr__(self):
        node = f"node[{self.nnodes}]{'x' if self.exclusive else ''}>" if self.nnodes else ""
        return f"<FluxionRequest {node}slot[{self.nslots}]>core[{self.cores}],gpu[{self.gpus}]>"


def _count(res):
    count = res.get("count")
    if isinstance(count, Mapping):
        count = count.get("min")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise JobspecError(f"{res.get('type')}: invalid count")
    return count


#: Resource types Fluxion's jobspec parser knows (its graph has only some).
KNOWN_TYPES = {"cluster", "rack", "node", "socket", "core", "gpu", "slot"}
UNKNOWN_TYPE = 'Value of "type" must be a resource type known to fluxion'


def _level(resources):
    if not isinstance(resources, list) or not resources:
        raise JobspecError("resources must be a non-empty array")
    for res in resources:
        if not isinstance(res, Mapping) or not isinstance(res.get("type"), str):
            raise JobspecError("resource vertex must be an object with a type")
        if res["type"] not in KNOWN_TYPES:
            raise JobspecError(UNKNOWN_TYPE)
        if res.get("with") is not None:
            _level(res["with"])
    return resources


def _slot_shape(slot):
    cores = gpus = 0
    for res in _level(slot.get("with")):
        kind = res["type"]
        if res.get("with"):
            raise Unsatisfiable(f"{kind} has children")
        if kind == "core":
            cores += _count(res)
        elif kind == "gpu":
            gpus += _count(res)
        else:
            raise Unsatisfiable(f"no {kind} in the resource graph")
    return cores, gpus


def read_request(jobspec):
    """The :class:`FluxionRequest` of a jobspec dict (raises the errors above)."""
    if not isinstance(jobspec, Mapping):
        raise JobspecError("jobspec must be an object")
    top = _level(jobspec.get("resources"))
    if len(top) != 1:
        raise Unsatisfiable("more than one top-level resource")
    res = top[0]
    nnodes, exclusive = 0, False
    if res["type"] == "node":
        nnodes = _count(res)
        exclusive = res.get("exclusive") is True
        below = _level(res.get("with"))
        if len(below) != 1 or below[0]["type"] != "slot":
            if all(r["type"] in ("core", "gpu") for r in below):
                raise MatchError("node without a slot")
            raise Unsatisfiable("node children")
        res = below[0]
    if res["type"] != "slot":
        if res["type"] in ("core", "gpu", "cluster"):
            raise MatchError(f"{res['type']} outside a slot")
        raise Unsatisfiable(f"no {res['type']} in the resource graph")
    nslots = _count(res)
    cores, gpus = _slot_shape(res)
    if cores == 0 and gpus == 0:
        raise Unsatisfiable("empty slot")
    attributes = jobspec.get("attributes")
    system = attributes.get("system", {}) if isinstance(attributes, Mapping) else {}
    if not isinstance(system, Mapping):
        system = {}
    duration = system.get("duration", 0.0)
    if isinstance(duration, bool) or not isinstance(duration, (int, float)):
        raise JobspecError("duration must be a number")
    queue = system.get("queue")
    return FluxionRequest(nnodes, exclusive, nslots, cores, gpus, float(duration),
                          system.get("constraints"), queue=queue if isinstance(queue, str) else None)


def parse(jobspec):
    """What the scheduler queues for ``jobspec``.

    A :class:`FluxionRequest` (one that can never match carries its
    ``error``, and is denied when its turn comes), or the exception that
    parsing raised: the scheduler denies that at once.
    """
    try:
        return read_request(jobspec)
    except (Unsatisfiable, MatchError) as exc:
        queue = None
        try:
            queue = jobspec["attributes"]["system"]["queue"]
        except (KeyError, TypeError):
            pass
        return FluxionRequest(0, False, 0, 0, 0, error=exc,
                              queue=queue if isinstance(queue, str) else None)
    except Exception as exc:  # noqa: BLE001 - an unvalidated jobspec is untrusted input
        return exc
