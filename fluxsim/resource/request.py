"""What a job asks of the resource pool, read from its jobspec.

``ResourceRequest.from_jobspec`` reads a jobspec (RFC 14 / RFC 25) the way
flux-core 0.88's scheduler does (``flux.resource.Rv1Pool.ResourceRequest``):
it walks the resource graph for the node, slot, core and GPU counts, the
``exclusive`` flag, and ``attributes.system.duration`` / ``constraints``.

>>> jobspec = {
...     "version": 1,
...     "resources": [{"type": "slot", "count": 2,
...                    "with": [{"type": "core", "count": 4}]}],
...     "tasks": [],
...     "attributes": {"system": {"duration": 60}},
... }
>>> r = ResourceRequest.from_jobspec(jobspec)
>>> r.nnodes, r.nslots, r.slot_size, r.ncores, r.duration
(0, 2, 4, 8, 60.0)

Counts may be RFC 14 ranges; ``ResourceCount`` holds one.
"""

from fluxsim.resource import idset

__all__ = ["ResourceCount", "ResourceRequest", "parse_request"]

#: Deepest resource nesting accepted, far above any real jobspec, so that a
#: hostile jobspec is refused with a ValueError instead of a RecursionError.
MAX_RESOURCE_DEPTH = 100


def _count_sequence(mn, mx, operator, operand):
    """All values ``mn, mn op operand, ...`` up to ``mx`` (RFC 14 stepping)."""
    if operator not in ("+", "*", "^"):
        raise ValueError(f"RFC 14 count: operator {operator!r} is not supported")
    if operator in ("*", "^") and operand <= 1:
        raise ValueError(
            f"RFC 14 count: operator {operator!r} requires operand > 1, got {operand}"
        )
    if operator == "^" and mn < 2:
        raise ValueError(f"RFC 14 count: operator '^' requires min >= 2, got {mn}")
    if operator == "+" and operand <= 0:
        raise ValueError(f"RFC 14 count: additive operator requires operand > 0, got {operand}")
    values = []
    value = mn
    while value <= mx:
        values.append(value)
        if operator == "+":
            value += operand
        elif operator == "*":
            value *= operand
        else:
            value **= operand
        if len(values) > 65536:
            raise ValueError("RFC 14 count: sequence too large to expand")
    if not values:
        raise ValueError(f"RFC 14 count: empty sequence (min={mn}, max={mx})")
    return tuple(values)


def _check_min(mn):
    if mn < 1:
        raise ValueError(f"RFC 14 count: min must be >= 1, got {mn}")


def _check_max(mn, mx):
    if mx < mn:
        raise ValueError(f"RFC 14 count: max must be >= min, got max={mx} min={mn}")


def _unbounded(mn, operator, operand, rfc):
    if operator != "+" or operand != 1:
        raise ValueError(
            f"RFC {rfc} unbounded count with operator={operator!r} "
            f"operand={operand} cannot be expanded to a finite set"
        )
    return ResourceCount(mn, None)


def _stepped(mn, mx, operator, operand):
    if operator == "+" and operand == 1:
        return ResourceCount(mn, mx)
    return ResourceCount(mn, mx, _count_sequence(mn, mx, operator, operand))


class ResourceCount:
    """An RFC 14 count: a fixed number or a range ``min..max``.

    Attributes:
        min: the smallest acceptable count.
        max: the largest, or None when unbounded.
        values: the acceptable counts as a sorted tuple when they are not
            every integer in ``min..max`` (stepped ranges like ``2-8:2:*``,
            or idsets like ``"1,7-9"``), else None.  flux-core 0.88's
            scheduler refuses such discrete counts.
    """

    __slots__ = ("min", "max", "values")

    def __init__(self, mn, mx, values=None):
        self.min = mn
        self.max = mx
        self.values = values

    @classmethod
    def from_count_spec(cls, spec, default=1):
        """Read a jobspec ``count``: an int, an RFC 14 dict or an RFC 45 string.

        Forms: ``4``; ``{"min": 2, "max": 8}``; ``{"min": 2}`` (unbounded);
        ``{"min": 2, "max": 8, "operator": "*", "operand": 2}``; ``"2-5"``;
        ``"2+"``; ``"2-8:2:*"``; ``"1,7-9"``; strings optionally in ``[]``.
        Anything else counts as ``default``.  Raises ``ValueError`` with
        flux's messages for counts below 1, reversed ranges, bad operators.
        """
        if isinstance(spec, int):
            if spec < 1:
                raise ValueError(f"RFC 14 count: integer count must be >= 1, got {spec}")
            return cls(spec, spec)
        if isinstance(spec, dict):
            operator = spec.get("operator", "+")
            operand = int(spec.get("operand", 1))
            mn = int(spec.get("min", default))
            _check_min(mn)
            if spec.get("max") is None:
                return _unbounded(mn, operator, operand, 14)
            mx = int(spec["max"])
            _check_max(mn, mx)
            return _stepped(mn, mx, operator, operand)
        if isinstance(spec, str):
            return cls._from_string(spec)
        return cls(default, default)

    @classmethod
    def _from_string(cls, spec):
        text = spec.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        parts = text.split(":")
        if parts[0].endswith("+"):
            mn = int(parts[0][:-1])
            _check_min(mn)
            operand = int(parts[1]) if len(parts) > 1 else 1
            operator = parts[2] if len(parts) > 2 else "+"
            return _unbounded(mn, operator, operand, 45)
        if len(parts) > 1:
            lo, hi = parts[0].split("-")
            mn, mx = int(lo), int(hi)
            _check_min(mn)
            _check_max(mn, mx)
            operator = parts[2] if len(parts) > 2 else "+"
            return _stepped(mn, mx, operator, int(parts[1]))
        if "," in text:
            values = tuple(idset.decode(text))
            if not values:
                raise ValueError(f"RFC 14 count: empty idset {spec!r}")
            _check_min(values[0])
            return cls(values[0], values[-1], values)
        if "-" in text:
            lo, hi = text.split("-", 1)
            mn = int(lo)
            _check_min(mn)
            mx = int(hi)
            _check_max(mn, mx)
            return cls(mn, mx)
        mn = int(text)
        _check_min(mn)
        return cls(mn, mn)

    def scaled(self, factor):
        """This count times ``factor`` (``self`` itself when ``factor`` is 1)."""
        if factor == 1:
            return self
        mx = self.max * factor if self.max is not None else None
        values = tuple(v * factor for v in self.values) if self.values is not None else None
        return ResourceCount(self.min * factor, mx, values)

    def valid_counts(self, available):
        """Yield the acceptable counts not above ``available``, largest first."""
        cap = min(available, self.max) if self.max is not None else available
        if cap < self.min:
            return
        if self.values is not None:
            yield from (v for v in reversed(self.values) if self.min <= v <= cap)
        else:
            yield from range(cap, self.min - 1, -1)

    def __eq__(self, other):
        if not isinstance(other, ResourceCount):
            return NotImplemented
        return (self.min, self.max, self.values) == (other.min, other.max, other.values)

    def __hash__(self):
        return hash((self.min, self.max, self.values))

    def __repr__(self):
        if self.values is not None:
            return f"ResourceCount({self.min}, {self.max}, values='{idset.encode(self.values)}')"
        return f"ResourceCount({self.min}, {self.max})"


class ResourceRequest:
    """A jobspec's resource request, as flux-core 0.88's scheduler reads it.

    Attributes:
        node_count: ResourceCount of nodes, or None for slot-only jobspecs.
            (An exclusive slot-only jobspec asks for one node per slot, so
            its slot count becomes the node count.)
        slot_count: ResourceCount of slots per node (node jobspecs) or in
            total (slot-only jobspecs); 1 for exclusive slot-only jobspecs.
        slot_size: cores per slot.
        gpu_per_slot: GPUs per slot.
        duration: ``attributes.system.duration`` in seconds; 0.0 = unlimited.
        constraint: RFC 31 constraint (dict or JSON string), or None.
        exclusive: whole nodes are allocated.
        jobspec: the jobspec the request was read from, or None.
    """

    __slots__ = (
        "node_count",
        "slot_count",
        "slot_size",
        "gpu_per_slot",
        "duration",
        "constraint",
        "exclusive",
        "jobspec",
    )

    def __init__(
        self,
        node_count,
        slot_count,
        slot_size,
        gpu_per_slot=0,
        duration=0.0,
        constraint=None,
        exclusive=False,
        jobspec=None,
    ):
        self.node_count = node_count
        self.slot_count = slot_count
        self.slot_size = slot_size
        self.gpu_per_slot = gpu_per_slot
        self.duration = duration
        self.constraint = constraint
        self.exclusive = exclusive
        self.jobspec = jobspec

    @property
    def nnodes(self):
        """Minimum node count; 0 for slot-only requests."""
        return self.node_count.min if self.node_count is not None else 0

    @property
    def nnodes_max(self):
        """Maximum node count; 0 for slot-only, None when unbounded."""
        return self.node_count.max if self.node_count is not None else 0

    @property
    def nslots(self):
        """Minimum total slot count."""
        if self.node_count is None:
            return self.slot_count.min
        return self.slot_count.min * self.node_count.min

    @property
    def nslots_max(self):
        """Maximum total slot count; None when unbounded."""
        if self.node_count is None:
            return self.slot_count.max
        if self.node_count.max is None or self.slot_count.max is None:
            return None
        return self.slot_count.max * self.node_count.max

    @property
    def ncores(self):
        """Cores requested at the minimum: ``nslots * slot_size``."""
        return self.nslots * self.slot_size

    @property
    def ngpus(self):
        """GPUs requested at the minimum: ``nslots * gpu_per_slot``."""
        return self.nslots * self.gpu_per_slot

    @classmethod
    def from_jobspec(cls, jobspec):
        """Read the request of a jobspec dict.

        The resource graph is walked like libjjc: the last node, slot, core
        and GPU vertices seen win, unknown types are skipped (their children
        still walked), and counts of non-node vertices above the node
        multiply the node count.  Raises ``ValueError`` with flux's messages
        (``Unable to determine slot size``, ``getting duration: Object item
        not found: system`` for a V1 jobspec, ...).
        """
        resources = jobspec.get("resources", [])
        if not resources:
            raise ValueError("jobspec has no resources")
        found = {
            "nnodes": None,
            "nslots": None,
            "slot_size": None,
            "gpu_per_slot": 0,
            "exclusive": False,
            "nodefactor": 1,
        }
        _walk(resources, 1, 0, found)

        # RFC 25 requires attributes.system.duration in V1; checked before the
        # graph's contents so the error matches the C jj parser's.
        system = jobspec.get("attributes", {}).get("system")
        if jobspec.get("version") == 1:
            if system is None:
                raise ValueError("getting duration: Object item not found: system")
            if system.get("duration") is None:
                raise ValueError("getting duration: Object item not found: duration")
        if found["nslots"] is None:
            raise ValueError("Unable to determine slot count")
        if found["slot_size"] is None:
            raise ValueError("Unable to determine slot size")

        slot_count = found["nslots"]
        node_count = None
        if found["nnodes"] is not None:
            node_count = found["nnodes"].scaled(found["nodefactor"])
        exclusive = found["exclusive"]
        if exclusive and node_count is None:
            # Exclusivity is per node: each slot takes a node of its own.
            node_count = slot_count
            slot_count = ResourceCount(1, 1)
        attrs = system or {}
        return cls(
            node_count,
            slot_count,
            found["slot_size"],
            found["gpu_per_slot"],
            float(attrs.get("duration") or 0.0),
            attrs.get("constraints") or None,
            exclusive,
            jobspec,
        )

    def __repr__(self):
        return (
            f"ResourceRequest(node_count={self.node_count!r}, slot_count={self.slot_count!r}, "
            f"slot_size={self.slot_size}, gpu_per_slot={self.gpu_per_slot}, "
            f"duration={self.duration}, constraint={self.constraint!r}, "
            f"exclusive={self.exclusive})"
        )


def _walk(vertices, nodefactor, depth, found):
    if depth > MAX_RESOURCE_DEPTH:
        raise ValueError(
            f"jobspec resource nesting exceeds maximum depth {MAX_RESOURCE_DEPTH}"
        )
    for vertex in vertices:
        rtype = vertex.get("type", "")
        count = ResourceCount.from_count_spec(vertex.get("count", 1))
        children = vertex.get("with", [])
        if rtype == "node":
            found["nnodes"] = count
            found["nodefactor"] = nodefactor
            if vertex.get("exclusive", False):
                found["exclusive"] = True
            if children:
                _walk(children, nodefactor, depth + 1, found)
            continue
        # Counts above the node multiply it (the range minimum for ranges).
        if rtype == "slot":
            found["nslots"] = count
            if vertex.get("exclusive", False):
                found["exclusive"] = True
        elif rtype == "core":
            found["slot_size"] = count.min
        elif rtype == "gpu":
            found["gpu_per_slot"] = count.min
        if children:
            _walk(children, nodefactor * count.min, depth + 1, found)


def parse_request(jobspec):
    """The scheduler's view of ``jobspec``: a :class:`ResourceRequest`, or the
    exception that parsing raised (the scheduler denies the job with it).

    Every exception is caught: a jobspec submitted without validation is
    untrusted input, and whatever it contains must end in a denial.
    """
    try:
        return ResourceRequest.from_jobspec(jobspec)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        return exc
