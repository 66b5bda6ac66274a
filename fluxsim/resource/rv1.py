"""R version 1 (RFC 20): a set of resources, rank by rank.

An ``Rv1`` holds, for each broker rank, its host name and the ids of its
cores and GPUs, plus the resource set's start time, expiration, optional
slot count (``execution.nslots``, set on allocations), properties and the
opaque ``scheduling`` key.  It is what flux-core 0.88's
``flux.resource.Rv1Set`` is, and it serializes identically:

>>> R = Rv1.from_shape(2, 4, gpus_per_node=1)
>>> R.to_dict()["execution"]["R_lite"]
[{'rank': '0-1', 'children': {'core': '0-3', 'gpu': '0'}}]
>>> R.dumps()
'rank[0-1]/core[0-3],gpu0'

As in flux, ``encode()`` is the R JSON string and ``dumps()`` the short
summary that sched-simple puts in the ``resource_summary`` annotation.

Instance resources come from an R object (``from_dict``/``loads``), a
``[resource]`` configuration as ``flux start -c DIR`` reads it
(``from_config``/``from_toml_file``), or a shape (``from_shape``).
"""

import json
from collections.abc import Mapping
from typing import NamedTuple

from fluxsim.resource import hostlist, idset

__all__ = ["RankInfo", "Rv1"]


class RankInfo(NamedTuple):
    """One rank of an R: its host name and the ids of its cores and GPUs."""

    rank: int
    hostname: str
    cores: frozenset
    gpus: frozenset


#: Fluxion's end of time: the expiration it writes for a job without a
#: duration on an instance without one (C++'s largest system-clock time, s).
END_OF_TIME = 9223372036


def deadline(expiration):
    """When an R's ``expiration`` ends its job, or None: 0 (unset) and Fluxion's
    :data:`END_OF_TIME` never come (the year 2262 is not simulated)."""
    if expiration and 0 < expiration < END_OF_TIME:
        return expiration
    return None


def json_type(value):
    """A value's JSON type name, as jansson names it in its unpack errors."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "null"


def _by_rank(info):
    return info.rank


#: Characters librlist refuses in property names.
_INVALID_PROPERTY_CHARS = "^&'\"`|()"


class Rv1:
    """A resource set in R version 1 form (see the module docstring).

    Attributes:
        ranks: ``{rank: RankInfo}`` in rank order.
        starttime, expiration: seconds since the epoch; 0.0 means unset.
        nslots: ``execution.nslots`` (the slot count of an allocation), or None.
        properties: ``{property name: set of ranks}`` (RFC 20 properties).
        scheduling: the opaque R ``scheduling`` key, or None.
        has_nodelist: whether ``to_dict`` writes ``execution.nodelist``
            (flux writes it back only when the R it read had one; ranks
            without a known host name are called ``rank<N>``).
    """

    __slots__ = (
        "ranks",
        "starttime",
        "expiration",
        "nslots",
        "properties",
        "scheduling",
        "has_nodelist",
    )

    def __init__(
        self,
        ranks=(),
        starttime=0.0,
        expiration=0.0,
        nslots=None,
        properties=None,
        scheduling=None,
        has_nodelist=True,
    ):
        """Build from ``RankInfo`` entries (any order; stored rank-ordered)."""
        entries = ranks.values() if isinstance(ranks, Mapping) else ranks
        self.ranks = {info.rank: info for info in sorted(entries, key=_by_rank)}
        self.starttime = float(starttime)
        self.expiration = float(expiration)
        self.nslots = nslots or None
        self.properties = {name: set(r) for name, r in (properties or {}).items()}
        self.scheduling = scheduling
        self.has_nodelist = has_nodelist

    @classmethod
    def _make(cls, ranks, starttime, expiration, nslots, properties, scheduling, has_nodelist):
        # The pool's hot path: fields taken as given (ranks already ordered).
        R = cls.__new__(cls)
        R.ranks = ranks
        R.starttime = starttime
        R.expiration = expiration
        R.nslots = nslots
        R.properties = properties
        R.scheduling = scheduling
        R.has_nodelist = has_nodelist
        return R

    # -- constructors -----------------------------------------------------------

    @classmethod
    def from_dict(cls, R):
        """Parse an R version 1 object (a dict, as from ``json.loads``).

        Raises ``ValueError`` on malformed R (``R version 2 not supported``,
        bad idsets, missing keys) and ``TypeError`` if ``R`` is not a mapping.
        """
        if not isinstance(R, Mapping):
            raise TypeError(f"Rv1 cannot be instantiated from {type(R)}")
        if "version" not in R:
            raise ValueError("R: missing version")
        version = R["version"]
        if version != 1:
            raise ValueError(f"R version {version} not supported")
        execution = R.get("execution", {})
        if not isinstance(execution, Mapping):
            raise ValueError("R: execution must be an object")
        entries = []
        for entry in execution.get("R_lite", []):
            if not isinstance(entry, Mapping) or "rank" not in entry:
                raise ValueError(f"R: R_lite entry without rank: {entry!r}")
            children = entry.get("children", {})
            cores = frozenset(idset.expand(children.get("core", "")))
            gpus = frozenset(idset.expand(children.get("gpu", "")))
            for rank in idset.expand(entry["rank"]):
                entries.append((rank, cores, gpus))
        entries.sort(key=lambda e: e[0])
        nodelist = execution.get("nodelist", [])
        hostnames = []
        for hosts in nodelist:
            hostnames.extend(hostlist.decode(hosts))
        ranks = {}
        # nodelist names ranks by position: the i-th name is the i-th rank.
        for pos, (rank, cores, gpus) in enumerate(entries):
            if rank in ranks:
                raise ValueError(f"R: rank {rank} appears in more than one R_lite entry")
            hostname = hostnames[pos] if pos < len(hostnames) else f"rank{rank}"
            ranks[rank] = RankInfo(rank, hostname, cores, gpus)
        properties = {
            name: set(idset.expand(ids)) for name, ids in execution.get("properties", {}).items()
        }
        return cls(
            ranks,
            starttime=execution.get("starttime") or 0.0,
            expiration=execution.get("expiration") or 0.0,
            nslots=int(execution.get("nslots") or 0),
            properties=properties,
            scheduling=R.get("scheduling"),
            has_nodelist=bool(nodelist),
        )

    @classmethod
    def loads(cls, R):
        """Parse R from a JSON string (or a dict, like ``from_dict``)."""
        if isinstance(R, (str, bytes)):
            R = json.loads(R)
        return cls.from_dict(R)

    @classmethod
    def from_shape(cls, nnodes, cores_per_node, gpus_per_node=0, hosts=None):
        """Identical nodes: ranks ``0..nnodes-1``, cores ``0..cores_per_node-1``.

        ``hosts`` names the ranks in order: a hostlist string or a list of
        names (or hostlist strings).  By default the hosts are
        ``node0 .. node<nnodes-1>`` (``node[0-3]`` for 4 nodes), distinct
        names so that hostlist constraints and ``nodelist`` mean something.
        (A real ``flux start --test-size=N`` gives every rank the local
        host name; pass ``hosts=[socket.gethostname()] * N`` for that.)
        """
        if nnodes < 1:
            raise ValueError(f"nnodes must be at least 1, got {nnodes}")
        if cores_per_node < 1:
            raise ValueError(f"cores_per_node must be at least 1, got {cores_per_node}")
        if gpus_per_node < 0:
            raise ValueError(f"gpus_per_node must not be negative, got {gpus_per_node}")
        if hosts is None:
            names = [f"node{i}" for i in range(nnodes)]
        elif isinstance(hosts, str):
            names = hostlist.decode(hosts)
        else:
            names = [name for item in hosts for name in hostlist.decode(item)]
        if len(names) != nnodes:
            raise ValueError(f"hosts: expected {nnodes} host names, got {len(names)}")
        cores = frozenset(range(cores_per_node))
        gpus = frozenset(range(gpus_per_node))
        return cls(RankInfo(rank, names[rank], cores, gpus) for rank in range(nnodes))

    @classmethod
    def from_config(cls, config):
        """Build R from resource configuration, as ``flux start -c DIR`` does.

        ``config`` is the parsed TOML: the whole file (with a ``resource``
        table), the ``[resource]`` table itself, or its ``config`` array of
        ``{hosts, cores, gpus, properties}`` entries.  As librlist's
        ``rlist_from_config``, ranks are given to hosts in order of first
        appearance, a host listed again gains the entry's cores, GPUs and
        properties (ids it already has are an error), and errors carry
        librlist's messages.  A ``[resource]``
        table with only ``path`` reads R from that file.
        """
        if isinstance(config, Mapping) and "resource" in config:
            config = config["resource"]
        if isinstance(config, Mapping):
            if "config" not in config and "path" in config:
                with open(config["path"], encoding="utf-8") as f:
                    return cls.loads(f.read())
            config = config.get("config")
        if not isinstance(config, (list, tuple)):
            raise ValueError("resource config must be an array")
        hosts = {}  # hostname -> [rank, core ids, gpu ids, properties]
        for index, entry in enumerate(config):
            _config_entry(hosts, index, entry)
        if not hosts:
            raise ValueError("no hosts configured")
        empty = [name for name, (_, cores, gpus, _) in hosts.items() if not cores and not gpus]
        if empty:
            raise ValueError(f"resource.config: {hostlist.encode(empty)} assigned no resources")
        ranks = []
        properties = {}
        for name, (rank, cores, gpus, props) in hosts.items():
            ranks.append(RankInfo(rank, name, frozenset(cores), frozenset(gpus)))
            for prop in props:
                properties.setdefault(prop, set()).add(rank)
        return cls(ranks, properties=properties)

    @classmethod
    def from_toml_file(cls, path):
        """Read a resource TOML file (``[[resource.config]]`` or ``path``)."""
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        with open(path, "rb") as f:
            return cls.from_config(tomllib.load(f))

    # -- queries ----------------------------------------------------------------

    @property
    def nnodes(self):
        """Number of ranks."""
        return len(self.ranks)

    @property
    def ncores(self):
        """Number of cores over all ranks."""
        return sum(len(info.cores) for info in self.ranks.values())

    @property
    def ngpus(self):
        """Number of GPUs over all ranks."""
        return sum(len(info.gpus) for info in self.ranks.values())

    @property
    def nodelist(self):
        """Host names, one per rank, in rank order."""
        return [info.hostname for info in self.ranks.values()]

    def rank_idset(self):
        """The ranks as an RFC 22 idset string, e.g. ``"0-3"``."""
        return idset.encode(self.ranks)

    def copy_ranks(self, ranks):
        """A new Rv1 with only ``ranks`` (ints or an idset string).

        As flux's ``Rv1Set.copy_ranks``: times and properties carry over
        (restricted to the kept ranks), ``nslots`` and ``scheduling`` do not.
        """
        keep = set(idset.expand(ranks) if isinstance(ranks, str) else ranks)
        return Rv1(
            (info for rank, info in self.ranks.items() if rank in keep),
            starttime=self.starttime,
            expiration=self.expiration,
            properties={
                name: members & keep for name, members in self.properties.items() if members & keep
            },
            has_nodelist=self.has_nodelist,
        )

    def constraint_ranks(self, constraint):
        """The ranks satisfying RFC 31 ``constraint`` (a dict or JSON string).

        Operators ``properties`` (``"^name"`` negates), ``hostlist``,
        ``ranks``, ``and``, ``or`` and ``not``, with the precedence and
        errors of flux's ``Rv1Set._matches_constraint``: the first of those
        keys present decides, and a constraint with none of them is a
        ``ValueError``.
        """
        if isinstance(constraint, str):
            constraint = json.loads(constraint)
        decoded = {}
        return {
            rank
            for rank, info in self.ranks.items()
            if _matches(constraint, rank, info.hostname, self.properties, decoded)
        }

    def copy_constraint(self, constraint):
        """A new Rv1 with only the ranks satisfying ``constraint``."""
        return self.copy_ranks(self.constraint_ranks(constraint))

    # -- output -------------------------------------------------------------------

    def _groups(self):
        # Ranks with the same cores and GPUs share one R_lite entry, entries
        # ordered by their lowest rank (ranks are iterated in order).
        groups = {}
        for rank, info in self.ranks.items():
            groups.setdefault((info.cores, info.gpus), []).append(rank)
        return groups.items()

    def to_dict(self):
        """The R version 1 object, key for key as flux-core 0.88 writes it."""
        R_lite = []
        for (cores, gpus), ranks in self._groups():
            children = {"core": idset.encode(cores)}
            if gpus:
                children["gpu"] = idset.encode(gpus)
            R_lite.append({"rank": idset.encode(ranks), "children": children})
        execution = {
            "R_lite": R_lite,
            "starttime": self.starttime,
            "expiration": self.expiration,
        }
        if self.nslots:
            execution["nslots"] = self.nslots
        if self.has_nodelist:
            execution["nodelist"] = [hostlist.encode(self.nodelist)]
        if self.properties:
            execution["properties"] = {
                name: idset.encode(members)
                for name, members in sorted(self.properties.items())
                if members
            }
        R = {"version": 1, "execution": execution}
        if self.scheduling:
            R["scheduling"] = self.scheduling
        return R

    def encode(self):
        """The R JSON string, as flux's ``Rv1Set.encode()`` (``json.dumps``)."""
        return json.dumps(self.to_dict())

    def dumps(self):
        """Short summary like ``rank[0-1]/core[0-3],gpu0`` (``Rv1Set.dumps()``)."""
        parts = []
        for (cores, gpus), ranks in self._groups():
            text = f"rank{idset.encode(ranks, True)}/core{idset.encode(cores, True)}"
            if gpus:
                text += f",gpu{idset.encode(gpus, True)}"
            parts.append(text)
        return " ".join(parts)

    def __repr__(self):
        return f"Rv1({self.dumps()!r})"


def _config_entry(hosts, index, entry):
    """Apply one ``[[resource.config]]`` entry (``rlist_config_add_entry``)."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"config[{index}]: Expected object, got {json_type(entry)}")
    if "hosts" not in entry:
        raise ValueError(f"config[{index}]: Object item not found: hosts")
    for key in ("hosts", "cores", "gpus"):
        if key in entry and not isinstance(entry[key], str):
            raise ValueError(f"config[{index}]: Expected string, got {json_type(entry[key])}")
    extra = [key for key in entry if key not in ("hosts", "cores", "gpus", "properties")]
    if extra:
        raise ValueError(
            f"config[{index}]: {len(extra)} object item(s) left unpacked: {', '.join(extra)}"
        )
    props = entry.get("properties")
    if props is not None and not isinstance(props, (list, tuple)):
        raise ValueError(f"config[{index}]: properties must be an array")
    try:
        names = hostlist.decode(entry["hosts"])
    except ValueError:
        raise ValueError(f"config[{index}]: invalid hostlist '{entry['hosts']}'") from None
    if not names:
        raise ValueError(f"config[{index}]: empty hostlist specified")
    ids = {}
    for key in ("cores", "gpus"):
        if key in entry:
            try:
                ids[key] = idset.expand(entry[key])
            except ValueError:
                raise ValueError(f"config[{index}]: invalid idset {key}='{entry[key]}'") from None
    for prop in props or ():
        if not isinstance(prop, str) or any(c in _INVALID_PROPERTY_CHARS for c in prop):
            # librlist quotes the JSON encoding, so strings come out as ""a^b"".
            raise ValueError(f'config[{index}]: invalid property "{json.dumps(prop)}"')
    for name in names:
        if name not in hosts:
            hosts[name] = [len(hosts), set(), set(), []]
        node = hosts[name]
        cores, gpus = ids.get("cores", ()), ids.get("gpus", ())
        if not node[1].isdisjoint(cores) or not node[2].isdisjoint(gpus):
            # librlist refuses to add an id a host already has (EEXIST).
            raise ValueError("Unable to add rnode: File exists")
        node[1].update(cores)
        node[2].update(gpus)
        for prop in props or ():
            if prop not in node[3]:
                node[3].append(prop)


_CONSTRAINT_OPS = ("properties", "hostlist", "ranks", "and", "or", "not")


def _matches(c, rank, hostname, properties, decoded):
    if not any(op in c for op in _CONSTRAINT_OPS):
        raise ValueError(f"unknown constraint operator(s): {list(c.keys())}")
    if "properties" in c:
        for prop in c["properties"]:
            if not isinstance(prop, str):
                raise ValueError(f"property constraint must be a string, got {type(prop).__name__}")
            if prop.startswith("^"):
                if rank in properties.get(prop[1:], ()):
                    return False
            elif rank not in properties.get(prop, ()):
                return False
        return True
    if "hostlist" in c:
        return hostname in _decoded(decoded, c, "hostlist", _hostnames)
    if "ranks" in c:
        return rank in _decoded(decoded, c, "ranks", _rank_set)
    for op, combine in (("and", all), ("or", any)):
        if op in c:
            terms = c[op]
            if not isinstance(terms, list):
                raise ValueError(f"'{op}' operand must be a list, got {type(terms).__name__}")
            return combine(_matches(t, rank, hostname, properties, decoded) for t in terms)
    terms = c["not"]
    if not isinstance(terms, list) or len(terms) < 1:
        raise ValueError(f"'not' operand must be a non-empty list, got {terms!r}")
    return not _matches(terms[0], rank, hostname, properties, decoded)


def _decoded(cache, c, op, decode):
    # Decode a constraint's hostlist or idset once, not once per rank.
    key = (id(c), op)
    if key not in cache:
        cache[key] = decode(c[op])
    return cache[key]


def _hostnames(value):
    # As flux's Hostlist(value): a hostlist string or a list of them.
    if isinstance(value, str):
        return set(hostlist.decode(value))
    names = set()
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"Hostlist(): expected string or Iterable, got {type(item)}")
        names.update(hostlist.decode(item))
    return names


def _rank_set(value):
    # As flux's IDset(value): an idset string, an int, or an iterable that
    # IDset sorts and joins before decoding.
    if isinstance(value, str):
        return set(idset.expand(value))
    if isinstance(value, int):
        return {value}
    return set(idset.expand(",".join(str(v) for v in sorted(value))))
