"""The job shell's resource calculator (rcalc): how many tasks each rank runs.

Given a job's R (RFC 20 R v1) the shell decides how many tasks each of its
ranks runs.  By default it *distributes* the jobspec task count: it picks a
number of cores per task, then deals tasks to the ranks with the most free
cores first, one task at a time, and oversubscribes if it runs out.  With the
``per-resource`` shell option it instead runs N tasks per node or per core.

>>> R = {"version": 1, "execution": {"R_lite": [
...     {"rank": "0-1", "children": {"core": "0-3"}}]}}
>>> rc = Rcalc(R)
>>> rc.distribute(3)
>>> [(ri.rank, ri.ntasks, ri.cores) for ri in rc]
[(0, 2, '0-3'), (1, 1, '0-3')]

The order in which ranks with equal free cores get tasks is the order of
czmq's (unstable) comb sort, which flux-core uses, so it is reproduced here
exactly.  ``format_rcalc()`` prints what flux-core's ``rcalc`` test driver
prints, which is how the shell fixtures are checked.
"""

import dataclasses
import errno
import json
import os
from collections.abc import Mapping

from fluxsim.resource import hostlist, idset

__all__ = ["Rcalc", "RcalcRankInfo", "format_rcalc"]

#: Size of the cores/gpus strings in flux's ``struct rcalc_rankinfo``.
_RANKINFO_STRLEN = 128


@dataclasses.dataclass(frozen=True)
class RcalcRankInfo:
    """One rank of the job as rcalc reports it (flux's ``rcalc_rankinfo``).

    ``nodeid`` is the rank's index within the job (0..nnodes-1, in broker rank
    order), ``rank`` the broker rank.  ``cores`` and ``gpus`` are idset strings
    as found in R_lite, or re-encoded once trimmed by
    ``Rcalc.normalize_resources_per_task()``; ``ncores`` stays the allocated
    count.  ``core_ids``/``gpu_ids`` are the same sets as tuples and
    ``hostname`` is the node's name when the R given knew it (else ``None``).
    """

    nodeid: int
    rank: int
    ntasks: int
    ncores: int
    cores: str
    gpus: str
    core_ids: tuple = ()
    gpu_ids: tuple = ()
    hostname: str | None = None


class _Node:
    """Mutable per-rank state: allocation from R plus the task assignment."""

    __slots__ = (
        "id", "rank", "hostname", "cores", "gpus", "core_ids", "gpu_ids",
        "ncores", "ngpus", "adjusted_cores", "adjusted_gpus",
        "ntasks", "ncores_avail",
    )

    def __init__(self, rank, hostname, cores, gpus, core_ids, gpu_ids):
        self.id = 0
        self.rank = rank
        self.hostname = hostname
        self.cores = cores
        self.gpus = gpus
        self.core_ids = list(core_ids)
        self.gpu_ids = list(gpu_ids)
        self.ncores = len(self.core_ids)
        self.ngpus = len(self.gpu_ids)
        self.adjusted_cores = None
        self.adjusted_gpus = None
        self.ntasks = 0
        self.ncores_avail = self.ncores


def _truncate(s):
    # rcalc copies the strings into 128-byte buffers and marks truncation
    # with '+' in the next-to-last byte.
    if len(s) < _RANKINFO_STRLEN:
        return s
    return s[: _RANKINFO_STRLEN - 2] + "+"


def _comb_sort(items, compare):
    """Sort ``items`` in place exactly as czmq's ``zlist_sort()`` does.

    ``compare(a, b) > 0`` swaps a and b.  The sort is not stable, and which of
    several equal ranks gets a task first depends on it, hence this copy of czmq's.
    """
    gap = len(items)
    swapped = False
    while gap > 1 or swapped:
        if gap > 1:
            gap = int(gap / 1.3)
        swapped = False
        for i in range(len(items) - gap):
            if compare(items[i], items[i + gap]) > 0:
                items[i], items[i + gap] = items[i + gap], items[i]
                swapped = True


def _more_cores_first(x, y):
    # flux's comparator returns (x < y): "true" means swap, so the ranks
    # with the most free cores end up first.
    return int(x.ncores_avail < y.ncores_avail)


def _nodes_from_dict(R):
    try:
        version = R["version"]
        execution = R["execution"]
        R_lite = execution["R_lite"]
        nslots = execution.get("nslots") or 0
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"invalid R: missing {exc}") from None
    if version != 1:
        raise ValueError(f"invalid R: expected version 1, got {version}")
    if not isinstance(nslots, int):
        raise ValueError("invalid R: nslots must be an integer")
    nodes = []
    for entry in R_lite:
        try:
            ranks = entry["rank"]
            children = entry["children"]
            cores = children["core"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"invalid R_lite entry: missing {exc}") from None
        gpus = children.get("gpu")
        if not isinstance(ranks, str) or not isinstance(cores, str):
            raise ValueError("invalid R_lite entry: rank and core must be strings")
        core_ids = idset.decode(cores)
        gpu_ids = idset.decode(gpus or "")
        for rank in idset.decode(ranks):
            nodes.append(_Node(rank, None, cores, gpus or "", core_ids, gpu_ids))
    hosts = _hostnames(execution.get("nodelist"))
    if len(hosts) == len(nodes):
        # nodelist names the ranks in rank order, as the shell's hostlist does
        for node, host in zip(sorted(nodes, key=lambda n: n.rank), hosts):
            node.hostname = host
    return nodes, nslots


def _hostnames(nodelist):
    if not isinstance(nodelist, list):
        return []
    hosts = []
    for entry in nodelist:
        if isinstance(entry, str):
            hosts.extend(hostlist.decode(entry))
    return hosts


def _nodes_from_ranks(R):
    # An object like fluxsim.resource.rv1.Rv1: ranks maps broker rank to an
    # entry with hostname and core/gpu id sets.
    nodes = []
    for rank, info in R.ranks.items():
        core_ids = sorted(info.cores)
        gpu_ids = sorted(getattr(info, "gpus", ()) or ())
        nodes.append(
            _Node(
                rank,
                getattr(info, "hostname", None),
                idset.encode(core_ids),
                idset.encode(gpu_ids),
                core_ids,
                gpu_ids,
            )
        )
    return nodes, getattr(R, "nslots", 0) or 0


class Rcalc:
    """Resource calculator over one job's R, as the job shell uses it.

    ``R`` is an R v1 dict (or its JSON string), or an object with a ``ranks``
    mapping of broker rank to entries with ``hostname``, ``cores`` and
    ``gpus`` id sets (the project's ``Rv1``).  Iterating yields one
    ``RcalcRankInfo`` per rank, in broker rank order.
    """

    def __init__(self, R):
        if isinstance(R, (str, bytes)):
            R = json.loads(R)
        if isinstance(R, Mapping):
            nodes, self.nslots = _nodes_from_dict(R)
        elif hasattr(R, "ranks"):
            nodes, self.nslots = _nodes_from_ranks(R)
        else:
            raise TypeError("R must be an R v1 dict or an object with .ranks")
        ranks = [n.rank for n in nodes]
        if len(set(ranks)) != len(ranks):
            raise ValueError("invalid R: a rank appears more than once")
        # rcalc keeps R_lite order unless it is unsorted; either way the
        # result is broker rank order, and nodeids follow it.
        nodes.sort(key=lambda n: n.rank)
        for i, node in enumerate(nodes):
            node.id = i
        self._nodes = nodes
        self._ntasks = 0

    # --- totals (rcalc_total_*) ---

    @property
    def total_nodes(self):
        """Number of ranks in R (flux: the shell size)."""
        return len(self._nodes)

    @property
    def total_cores(self):
        """Number of cores allocated across all ranks."""
        return sum(n.ncores for n in self._nodes)

    @property
    def total_gpus(self):
        """Number of GPUs allocated across all ranks."""
        return sum(n.ngpus for n in self._nodes)

    @property
    def total_slots(self):
        """``execution.nslots`` from R, 0 when R does not say."""
        return self.nslots

    @property
    def total_ntasks(self):
        """Number of tasks distributed by the last distribute call."""
        return self._ntasks

    @property
    def total_nodes_used(self):
        """Number of ranks with at least one task."""
        return sum(1 for n in self._nodes if n.ntasks > 0)

    # --- distribution ---

    def _sorted_nodes(self):
        nodes = list(self._nodes)
        _comb_sort(nodes, _more_cores_first)
        return nodes

    def _clear(self):
        for node in self._nodes:
            node.ntasks = 0
            node.ncores_avail = node.ncores

    def distribute(self, ntasks, cores_per_task=0):
        """Spread ``ntasks`` over the ranks, largest ranks first.

        ``cores_per_task`` <= 0 means total cores // ntasks.  The cores per
        task are capped at the smallest rank's core count, and when every rank
        is full the ranks are refilled (oversubscription).  Raises
        ``OSError(EINVAL)`` like flux when there are more tasks than cores and
        no cores per task were given.
        """
        if ntasks <= 0 or not self._nodes:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        if cores_per_task <= 0:
            cores_per_task = self.total_cores // ntasks
            if cores_per_task == 0:
                raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        self._ntasks = ntasks
        self._clear()
        queue = self._sorted_nodes()
        cores_per_task = min(cores_per_task, queue[-1].ncores_avail)
        assigned = 0
        while assigned < ntasks:
            if not queue:
                for node in self._nodes:
                    node.ncores_avail = node.ncores
                queue = self._sorted_nodes()
                continue
            node = queue.pop(0)
            if node.ncores_avail >= cores_per_task:
                node.ntasks += 1
                node.ncores_avail -= cores_per_task
                queue.append(node)
                assigned += 1
            # a rank without room drops out until the next refill

    def distribute_per_resource(self, name, ntasks):
        """Assign ``ntasks`` per ``name`` ("node" or "core") on every rank.

        Raises ``OSError(EINVAL)`` for any other resource name.
        """
        if name not in ("node", "core"):
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        self._clear()
        self._ntasks = 0
        for node in self._nodes:
            node.ntasks = ntasks if name == "node" else node.ncores * ntasks
            node.ncores_avail = 0
            self._ntasks += node.ntasks

    def update_map(self, taskmap):
        """Take per-rank task counts from ``taskmap`` (after a remap)."""
        for node in self._nodes:
            node.ntasks = taskmap.ntasks(node.id)

    def normalize_resources_per_task(self, cores_per_task, gpus_per_task):
        """Trim each rank to ntasks * per-task cores/gpus (the lowest ids).

        This is flux's fix for jobspec v1's uneven task split (flux-core
        #7174): ``-N2 -n3`` allocates 2 slots per node, and the node that gets
        one task gives back the spare slot's cores and gpus.
        """
        for node in self._nodes:
            need_cores = node.ntasks * cores_per_task
            need_gpus = node.ntasks * gpus_per_task
            if node.ncores > need_cores:
                node.core_ids = node.core_ids[:need_cores]
                node.adjusted_cores = idset.encode(node.core_ids)
            if node.ngpus > need_gpus:
                node.gpu_ids = node.gpu_ids[:need_gpus]
                node.adjusted_gpus = idset.encode(node.gpu_ids)

    # --- lookup ---

    def _info(self, node):
        cores = node.adjusted_cores if node.adjusted_cores is not None else node.cores
        gpus = node.adjusted_gpus if node.adjusted_gpus is not None else node.gpus
        return RcalcRankInfo(
            nodeid=node.id,
            rank=node.rank,
            ntasks=node.ntasks,
            ncores=node.ncores,
            cores=_truncate(cores),
            gpus=_truncate(gpus),
            core_ids=tuple(node.core_ids),
            gpu_ids=tuple(node.gpu_ids),
            hostname=node.hostname,
        )

    def nth(self, nodeid):
        """Return the ``RcalcRankInfo`` of the ``nodeid``-th rank."""
        if not 0 <= nodeid < len(self._nodes):
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        return self._info(self._nodes[nodeid])

    def rankinfo(self, rank):
        """Return the ``RcalcRankInfo`` of broker rank ``rank``."""
        for node in self._nodes:
            if node.rank == rank:
                return self._info(node)
        raise OSError(errno.ENOENT, os.strerror(errno.ENOENT))

    def has_rank(self, rank):
        """True if broker rank ``rank`` is part of this R."""
        return any(node.rank == rank for node in self._nodes)

    def __iter__(self):
        return (self._info(node) for node in self._nodes)

    def __len__(self):
        return len(self._nodes)


def format_rcalc(R, ntasks, per_resource=None, cores_per_slot=0):
    """Return ``(stdout, stderr)`` of flux-core's ``rcalc`` test driver.

    Equivalent to ``rcalc [-R per_resource] [-c cores_per_slot] ntasks < R``
    (t/shell/rcalc.c), whose output the ``t/shell/output`` fixtures record.
    """
    rc = Rcalc(R)
    out = [
        f"Distributing {ntasks} tasks"
        + (f" per-{per_resource}" if per_resource else "")
        + f" across {rc.total_nodes} nodes with {rc.total_cores} cores"
        + (f" {rc.total_gpus} gpus" if rc.total_gpus else "")
        + "\n"
    ]
    try:
        if per_resource:
            rc.distribute_per_resource(per_resource, ntasks)
        else:
            rc.distribute(ntasks, cores_per_slot)
    except OSError as exc:
        if per_resource:
            # the driver's message really has no trailing newline
            return "".join(out), f"rcalc_distribute_per_resource: {exc.strerror}"
        return "".join(out), f"rcalc_distribute: {exc.strerror}\n"
    out.append(f"Used {rc.total_nodes_used} nodes\n")
    for ri in rc:
        line = f"{ri.nodeid}: rank={ri.rank} ntasks={ri.ntasks} cores={ri.cores}"
        if ri.gpus:
            line += f" gpus={ri.gpus}"
        out.append(line + "\n")
    return "".join(out), ""
