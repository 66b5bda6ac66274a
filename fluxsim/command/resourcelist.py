"""``flux resource list`` and ``flux resource info``, as flux-core 0.88's.

::

    $ flux resource list
         STATE QUEUE PROPERTIES NNODES NCORES NGPUS NODELIST
          free debug                 1      4     0 node0
          free batch bigmem          2      7     0 node[2-3]
     allocated batch bigmem          1      1     0 node2
          down debug                 1      4     0 node1

One line for each combination of state, queue and properties the format
shows (``uniq_lines``): the resources of each state are split by their
property combinations, sets that would print the same fields are merged,
and a state without resources still has a line, one per queue.  A queue's
resources are those with its ``requires`` properties; queue names are left
out of ``propertiesx``.  The same options (``-s``, ``-q``, ``-i``, ``-o``
with named formats, ``-n``, ``--skip-empty``), messages
(``flux-resource: ERROR: ...``) and exit codes as Flux.  Not read: the user's
``flux-resource`` config files (their formats and ``list.hidden-queues``).
"""

import json
from itertools import combinations

from fluxsim.command.common import format_string
from fluxsim.resource.idset import IDset
from fluxsim.resource.resourceset import ResourceSet

__all__ = ["FORMATS", "STATES", "ResourceLine", "apply_filters", "list_handler", "info"]

_COUNTS = "{nnodes:>6} +:{ncores:>6} "
#: flux-core 0.88's named formats of ``flux resource list -o``: (description, format);
#: rlist's ``?:+`` (not ``?+:``) is Flux's, so its GPU column prints ``+NGPUS``
FORMATS = {
    "default": ("Default flux-resource list format string",
                "{state:>10} ?+:{queue:<5} ?:{propertiesx:<10.10+} " + _COUNTS
                + "?+:{ngpus:>5} {nodelist}"),
    "rlist": ("Format including resource list details",
              "{state:>10} ?+:{queue:<5} ?:{propertiesx:<10.10+} " + _COUNTS
              + "?:+{ngpus:>5} {rlist}"),
}

_HEADINGS = {
    "state": "STATE", "queue": "QUEUE", "properties": "PROPERTIES",
    "propertiesx": "PROPERTIES", "nnodes": "NNODES", "ncores": "NCORES", "ngpus": "NGPUS",
    "ranks": "RANKS", "nodelist": "NODELIST", "rlist": "LIST",
}

#: the states ``-s`` takes
STATES = ("up", "down", "allocated", "free", "all")

#: the fields that tell lines apart
_UNIQ_FIELDS = ("state", "properties", "propertiesx", "queue")


def _queues(config):
    """The ``[queues]`` table of the instance's config (``{}`` if none)."""
    return (config or {}).get("queues") or {}


def _property_names(rset):
    return list(json.loads(rset.get_properties()))


class ResourceLine(ResourceSet):
    """A ResourceSet (or an empty one) with the fields of a ``flux resource list``
    line: ``queue`` (the queues whose ``requires`` it has, or the queue an
    empty line stands for) and ``propertiesx`` (properties but queue names)."""

    def __init__(self, rset=None, config=None, queue=None, queue_filter=None):
        # shares rset's resources: merging lines adds to the first one's set
        self._rset = rset if rset is not None else ResourceSet()
        self._config = config
        self._queue = queue
        self._queue_filter = queue_filter
        if rset is not None and rset.state:
            self.state = rset.state

    def __getattr__(self, attr):
        if attr.startswith("__") or attr == "_rset":
            raise AttributeError(attr)
        return getattr(self._rset, attr)

    @property
    def propertiesx(self):
        """The property names but those of configured queues, comma-separated."""
        queues = _queues(self._config)
        return ",".join(name for name in _property_names(self) if name not in queues)

    @property
    def queue(self):
        """The queues (of ``queue_filter`` if given) whose resources these are."""
        if self._queue is not None:
            return self._queue
        queues = _queues(self._config)
        if not queues or not self.ranks:
            return ""
        properties = set(_property_names(self))
        return ",".join(name for name, queue in queues.items()
                        if (not self._queue_filter or name in self._queue_filter)
                        and set(queue.get("requires", ())) <= properties)


def queue_ranks(rset, config, names):
    """The ranks of ``rset`` in the queues ``names``; ValueError ``NAME: no such queue``."""
    queues = _queues(config)
    ranks = IDset()
    for name in names:
        if name not in queues:
            raise ValueError(f"{name}: no such queue")
        requires = queues[name].get("requires")
        members = rset.copy_constraint({"properties": requires}) if requires else rset
        ranks.add(members.ranks)
    return ranks


def split_by_property_combinations(rset):
    """``rset`` cut into one set per combination of its properties (most of them empty)."""
    names = _property_names(rset)
    cuts = [set(c) for size in range(1, len(names) + 1) for c in combinations(names, size)]
    cuts.append(set())
    return [rset.copy_constraint({"properties": [*cut, *(f"^{n}" for n in names if n not in cut)]})
            for cut in cuts]


def _uniq_format(formatter):
    """The fields of ``formatter`` that tell lines apart, as a format (a lone
    field other than state tells none apart: ``-s all -no {properties}``)."""
    from fluxsim.util import OutputFormat

    fields = formatter.fields
    text = ""
    if len(fields) > 1 or "state" in fields:
        text = "".join("{" + field + "}:" for field in fields if field in _UNIQ_FIELDS)
    return OutputFormat(text, headings=formatter.headings)


def uniq_lines(resources, states, formatter, config, queues=None):
    """``{key: ResourceLine}``: the resources of ``states`` merged into the
    fewest sets that ``formatter`` prints as different lines."""
    key_format = _uniq_format(formatter)
    queue_filter = queues or None
    # an empty state has a line per queue (queues asked for, or all configured)
    names = [name for name in _queues(config) if not queues or name in queues] or [None]
    lines = {}

    def merge(line):
        key = key_format.format(line)
        if key in lines:
            lines[key].add(line)
        else:
            lines[key] = line

    for state in states:
        if not resources[state].ranks:
            for name in names:
                line = ResourceLine(config=config, queue=name)
                line.state = state
                merge(line)
            continue
        for rset in split_by_property_combinations(resources[state]):
            if rset.ranks:
                rset.state = state
                merge(ResourceLine(rset, config=config, queue_filter=queue_filter))
    return lines


def _states(text):
    states = text.split(",")
    for state in states:
        if state not in STATES:
            raise ValueError(f"Invalid resource state {state} specified")
    return states


def apply_filters(resources, rset, config, args):
    """Cut ``resources`` (a SchedResourceList or ResourceStatus, whose ranks
    are ``rset``) to the queues of ``-q`` and the targets of ``-i``."""
    if args.queue:
        try:
            resources.filter(queue_ranks(rset, config, args.queue))
        except ValueError as exc:
            raise ValueError(f"--queue: {exc}") from None
    if args.include:
        try:
            resources.filter(args.include)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"--include: {exc}") from None


def get_resource_list(args, h):
    """The instance's SchedResourceList, cut to ``args.queue`` and ``args.include``,
    and its config."""
    from fluxsim.resource.list import resource_list

    resources = resource_list(h).get()
    config = h.rpc("config.get").get()
    apply_filters(resources, resources.all, config, args)
    return resources, config


def list_handler(args, h):
    """``flux resource list``."""
    from fluxsim.util import OutputFormat

    states = _states(args.states)
    resources, config = get_resource_list(args, h)
    formatter = OutputFormat(format_string("resource", "list", FORMATS, args.format),
                             headings=_HEADINGS)
    lines = uniq_lines(resources, states, formatter, config, queues=args.queue)
    order = {state: i for i, state in enumerate(states)}
    items = sorted(lines.values(), key=lambda line: (order[line.state], line.ranks.first()))
    if args.skip_empty or (args.include and not args.no_skip_empty):
        items = [line for line in items if line.ranks]
    formatter.print_items(items, no_header=args.no_header)


def info(args, h):
    """``flux resource info``: ``list`` of all states (or ``-s``) as one line."""
    args.states = args.states or "all"
    args.no_header = True
    args.format = "{nnodes} Nodes, {ncores} Cores, {ngpus} GPUs"
    list_handler(args, h)
