"""The scheduler's resource pool: what is free, and where a job goes.

``Pool`` places jobs exactly as flux-core 0.88's ``Rv1Pool.alloc`` does:

- candidates are the up ranks with room for one slot (for ``exclusive``, the
  ranks with every core free) that match the job's constraint;
- they are taken worst-fit: most free cores first, then most free GPUs,
  ties to the lowest rank;
- node requests take ``slots per node`` on each of ``nnodes`` ranks (all free
  cores and GPUs of the node when exclusive); slot requests take as many
  slots as fit on each rank in turn; ranges take up to their maximum;
- the lowest free core and GPU ids are used.

A request that does not fit now raises ``InsufficientResources``; one that
can never fit this pool raises ``InfeasibleRequest`` with flux's
``unsatisfiable request: ...`` message.

>>> from fluxsim.resource.rv1 import Rv1
>>> from fluxsim.resource.request import ResourceCount, ResourceRequest
>>> pool = Pool(Rv1.from_shape(2, 2))
>>> one_core = ResourceRequest(None, ResourceCount(1, 1), 1)
>>> [pool.alloc(jobid, one_core).dumps() for jobid in (1, 2, 3)]
['rank0/core0', 'rank1/core0', 'rank0/core1']

Flux sorts every rank on every allocation.  To schedule millions of jobs,
this pool instead keeps the up ranks in buckets by (free cores, free GPUs),
walks the buckets from the top, and stops as soon as the request is met;
the order walked is the order flux sorts into, so placements are identical.
Free cores and GPUs are int bitmasks (bit i = id i).

For what-if simulation (backfill's shadow time), ``copy()`` gives an
independent pool.
"""

import json
from bisect import bisect_left, insort

from fluxsim.resource import idset
from fluxsim.resource.rv1 import RankInfo, Rv1

__all__ = ["InfeasibleRequest", "InsufficientResources", "Pool"]


class InsufficientResources(OSError):
    """Not enough resources available right now; retry after resources are freed."""


class InfeasibleRequest(OSError):
    """The request can never be satisfied by this pool."""


_DISCRETE = (
    "{} count specifies discrete valid values that this scheduler "
    "does not support; use a simple min-max range instead"
)

# Bucket key: free cores in the high bits, free GPUs in the low ones, so
# that int order is (free cores, free GPUs) order.
_SHIFT = 24
_GPU_BITS = (1 << _SHIFT) - 1
#: The least key of a rank with a free core.
_ONE_CORE = 1 << _SHIFT


class _FrozenIds(dict):
    """Id masks to frozensets of ids: allocations repeat the same few id sets,
    so they share them, and a hit is one subscript."""

    def __missing__(self, mask):
        ids = frozenset(idset.from_mask(mask))
        if len(self) < 65536:
            self[mask] = ids
        return ids


_frozen = _FrozenIds()
# RankInfo(...) runs NamedTuple's Python-level __new__; this is the C one.
_rank_info = tuple.__new__


def _lowest(mask, k):
    """The ``k`` lowest set bits of ``mask`` (which has at least ``k``)."""
    if k <= 0:
        return 0
    low = mask & -mask
    run = (low << k) - low
    if mask & run == run:  # the usual case: the lowest free ids are contiguous
        return run
    taken = 0
    for _ in range(k):
        low = mask & -mask
        taken |= low
        mask ^= low
    return taken


class _Topology:
    """What copies of a pool share: the ranks and their constant properties."""

    __slots__ = (
        "rank",
        "pos",
        "hostname",
        "ncores",
        "ngpus",
        "cores",
        "gpus",
        "min_ncores",
        "R",
        "properties",
        "scheduling",
        "matching",
        "shapes",
        "feasibility",
    )

    def __init__(self, R):
        infos = list(R.ranks.values())
        self.rank = [info.rank for info in infos]
        self.pos = {rank: pos for pos, rank in enumerate(self.rank)}
        self.hostname = [info.hostname for info in infos]
        self.cores = [idset.to_mask(info.cores) for info in infos]
        self.gpus = [idset.to_mask(info.gpus) for info in infos]
        self.ncores = [len(info.cores) for info in infos]
        self.ngpus = [len(info.gpus) for info in infos]
        self.min_ncores = min(self.ncores, default=0)
        self.R = R
        self.properties = {name: set(ranks) for name, ranks in R.properties.items()}
        self.scheduling = R.scheduling
        self.matching = {}  # constraint key -> frozenset of positions
        self.shapes = {}  # constraint key -> {(ncores, ngpus): nranks}
        self.feasibility = {}  # request's numbers -> error note or None

    def constraint_key(self, constraint):
        if constraint is None:
            return None
        if isinstance(constraint, str):
            return constraint
        return json.dumps(constraint, sort_keys=True)

    def match(self, constraint):
        """Positions of the ranks satisfying ``constraint`` (None: all).

        A malformed constraint can never be satisfied: ``InfeasibleRequest``
        with the constraint's error, so the scheduler denies the job.
        """
        if constraint is None:
            return None
        key = self.constraint_key(constraint)
        found = self.matching.get(key)
        if found is None:
            pos = self.pos
            try:
                ranks = self.R.constraint_ranks(constraint)
            except Exception as exc:  # noqa: BLE001 - an unvalidated jobspec is untrusted
                raise InfeasibleRequest(str(exc)) from None
            found = frozenset(pos[rank] for rank in ranks)
            self.matching[key] = found
        return found

    def shape_counts(self, constraint):
        """``{(ncores, ngpus): nranks}`` over all ranks matching ``constraint``."""
        key = self.constraint_key(constraint)
        counts = self.shapes.get(key)
        if counts is None:
            allowed = self.match(constraint)
            counts = {}
            for pos in range(len(self.rank)):
                if allowed is None or pos in allowed:
                    shape = (self.ncores[pos], self.ngpus[pos])
                    counts[shape] = counts.get(shape, 0) + 1
            self.shapes[key] = counts
        return counts

def _ranks_arg(ranks, topo):
    # mark_up/mark_down take "all", an idset string or ranks; unknown ranks
    # are ignored, as in flux.
    if ranks == "all":
        return range(len(topo.rank))
    if isinstance(ranks, str):
        ranks = idset.decode(ranks)
    elif isinstance(ranks, int):
        ranks = [ranks]
    return [topo.pos[r] for r in ranks if r in topo.pos]


class Pool:
    """Free and allocated resources of an instance (see the module docstring).

    ``Pool(R)`` takes an ``Rv1`` (or an R dict / JSON string); all ranks
    start up and free.

    Attributes:
        expiration: the instance's resource expiration (0.0: none); jobs
            without a duration end then.
        generation: incremented by every change (alloc, free, mark_up,
            mark_down, update_expiration), so a scheduler can tell whether
            retrying a blocked request could give a different answer.
        release_generation: incremented by every change but an allocation,
            which only takes: a request that could not be allocated stays so
            while this is unchanged.
    """

    __slots__ = (
        "_topo",
        "_free_cores",
        "_free_gpus",
        "_nfree_cores",
        "_nfree_gpus",
        "_up",
        "_buckets",
        "_keys",
        "_jobs",
        "_end_times",
        "expiration",
        "generation",
        "release_generation",
    )

    def __init__(self, R):
        if not isinstance(R, Rv1):
            R = Rv1.loads(R)
        topo = _Topology(R)
        self._topo = topo
        self._free_cores = list(topo.cores)
        self._free_gpus = list(topo.gpus)
        self._nfree_cores = list(topo.ncores)
        self._nfree_gpus = list(topo.ngpus)
        self._up = [True] * len(topo.rank)
        # (free cores << _SHIFT | free gpus) -> sorted positions of the up
        # ranks with that much free, and the sorted keys of the buckets.
        self._buckets = {}
        self._keys = []
        for pos in range(len(topo.rank)):
            self._bucket_add(pos)
        self._jobs = {}  # jobid -> (R, ((pos, core mask, gpu mask), ...))
        self._end_times = {}  # jobid -> end time
        self.expiration = R.expiration
        self.generation = 0
        self.release_generation = 0

    # -- buckets ---------------------------------------------------------------

    def _key(self, pos):
        return (self._nfree_cores[pos] << _SHIFT) | self._nfree_gpus[pos]

    #: The least bucket key kept.  Ranks without a free core are in no bucket:
    #: every slot of flux-core's pool holds a core, so no walk visits them,
    #: and in a busy machine they are most ranks (a bucket is a sorted list:
    #: each insertion or removal moves its tail).
    _least_key = _ONE_CORE

    def _bucket_add(self, pos):
        self._bucket_move(pos, None, self._key(pos))

    def _bucket_remove(self, pos):
        self._bucket_move(pos, self._key(pos), None)

    def _bucket_move(self, pos, old, new):
        """Move rank ``pos`` from bucket key ``old`` to ``new`` (None: no bucket).

        One call a rank touched: an allocation moves a few ranks, millions
        of times in a replay.
        """
        if old == new:
            return
        least = self._least_key
        buckets = self._buckets
        if old is not None and old >= least:
            bucket = buckets[old]
            if len(bucket) == 1:
                del buckets[old]
                keys = self._keys
                del keys[bisect_left(keys, old)]
            else:
                del bucket[bisect_left(bucket, pos)]
        if new is not None and new >= least:
            bucket = buckets.get(new)
            if bucket is None:
                buckets[new] = [pos]
                insort(self._keys, new)
            else:
                insort(bucket, pos)

    def _walk(self, min_cores, min_gpus):
        """Bucket keys to visit for ranks with at least this much free.

        Visiting the keys in this order, and each bucket's ranks in order,
        is flux's worst-fit order: most free cores first, then most free
        GPUs, then lowest rank.
        """
        for key in reversed(self._keys):
            if key >> _SHIFT < min_cores:
                return
            if key & _GPU_BITS >= min_gpus:
                yield key

    # -- allocation ----------------------------------------------------------------

    def alloc(self, jobid, request, now=0.0):
        """Allocate resources for ``jobid`` as flux's ``Rv1Pool.alloc`` would.

        Returns the allocation as an ``Rv1`` with ``starttime=now``,
        ``expiration`` = ``now + duration`` (or the pool's expiration when the
        request has no duration, or 0.0), ``nslots`` = slots allocated, the
        allocated ranks' properties, and a nodelist.  The job's end time in
        ``job_end_times`` is the same expiration.

        Raises ``InsufficientResources`` if the request does not fit now,
        ``InfeasibleRequest`` if it never can, ``ValueError`` if ``jobid``
        already holds an allocation or the constraint is malformed.
        """
        if jobid in self._jobs:
            raise ValueError(f"job {jobid} already has an allocation")
        self._check_discrete(request)
        constraint = request.constraint
        allowed = self._topo.match(constraint) if constraint is not None else None
        if request.nnodes > 0:
            selected, nslots = self._select_nodes(request, allowed)
        else:
            selected, nslots = self._select_slots(request, allowed)
        return self._commit(jobid, request, now, selected, nslots)

    def _select_nodes(self, request, allowed):
        ncores = self._topo.ncores
        slot_size = request.slot_size
        gpu_per_slot = request.gpu_per_slot
        nnodes = request.node_count.min
        slots_per_node = request.slot_count.min
        need_cores = slots_per_node * slot_size
        need_gpus = slots_per_node * gpu_per_slot
        target = request.node_count.max
        exclusive = request.exclusive
        if exclusive:
            # A whole free node has free cores == its cores >= the smallest node.
            keys = self._walk(self._topo.min_ncores, gpu_per_slot)
        else:
            keys = self._walk(max(need_cores, slot_size), max(need_gpus, gpu_per_slot))
        free_cores, free_gpus = self._free_cores, self._free_gpus
        buckets = self._buckets
        selected = []
        for key in keys:
            nfree_cores = key >> _SHIFT
            for pos in buckets[key]:
                if allowed is not None and pos not in allowed:
                    continue
                if exclusive:
                    if nfree_cores < ncores[pos]:
                        continue
                    selected.append((pos, free_cores[pos], free_gpus[pos]))
                else:
                    selected.append(
                        (
                            pos,
                            _lowest(free_cores[pos], need_cores),
                            _lowest(free_gpus[pos], need_gpus),
                        )
                    )
                if len(selected) == target:
                    break
            else:
                continue
            break
        if len(selected) < nnodes:
            self._check_feasibility(request)
            raise InsufficientResources("insufficient resources")
        return selected, slots_per_node * len(selected)

    def _select_slots(self, request, allowed):
        ncores = self._topo.ncores
        slot_size = request.slot_size
        gpu_per_slot = request.gpu_per_slot
        target = request.slot_count.max
        exclusive = request.exclusive
        min_cores = max(self._topo.min_ncores, slot_size) if exclusive else slot_size
        free_cores, free_gpus = self._free_cores, self._free_gpus
        buckets = self._buckets
        selected = []
        nslots = 0
        for key in self._walk(min_cores, gpu_per_slot):
            nfree_cores = key >> _SHIFT
            fit = nfree_cores // slot_size
            if gpu_per_slot > 0:
                fit = min(fit, (key & _GPU_BITS) // gpu_per_slot)
            for pos in buckets[key]:
                if allowed is not None and pos not in allowed:
                    continue
                if exclusive and nfree_cores < ncores[pos]:
                    continue
                take = fit if target is None else min(fit, target - nslots)
                if take > 0:
                    selected.append(
                        (
                            pos,
                            _lowest(free_cores[pos], take * slot_size),
                            _lowest(free_gpus[pos], take * gpu_per_slot),
                        )
                    )
                    nslots += take
                if nslots == target:
                    break
            else:
                continue
            break
        if nslots < request.slot_count.min:
            self._check_feasibility(request)
            raise InsufficientResources("insufficient resources")
        return selected, nslots

    def _commit(self, jobid, request, now, selected, nslots):
        topo = self._topo
        ranks, properties = self._take(selected)
        if request.duration > 0.0:
            end = now + request.duration
        elif self.expiration > 0.0:
            end = self.expiration
        else:
            end = 0.0
        R = Rv1._make(ranks, float(now), end, nslots, properties, topo.scheduling, True)
        self._record(jobid, R, selected, end)
        return R

    def _record(self, jobid, R, selected, end):
        """Keep ``jobid``'s allocation (R, what it took, its end time)."""
        self._jobs[jobid] = (R, tuple(selected))
        self._end_times[jobid] = end
        self.generation += 1

    def _take(self, selected):
        """Mark ``selected`` [(pos, core mask, GPU mask)] allocated (sorts it).

        Returns the R ranks ({rank: RankInfo}, in rank order) and the
        allocated ranks' properties.
        """
        topo = self._topo
        free_cores, free_gpus = self._free_cores, self._free_gpus
        nfree_cores, nfree_gpus = self._nfree_cores, self._nfree_gpus
        move = self._bucket_move
        rank_of, hostname = topo.rank, topo.hostname
        frozen = _frozen
        selected.sort()
        ranks = {}
        for pos, cores, gpus in selected:
            nc = nfree_cores[pos]
            ng = nfree_gpus[pos]
            old = (nc << _SHIFT) | ng
            free_cores[pos] ^= cores
            nfree_cores[pos] = nc = nc - cores.bit_count()
            if gpus:
                free_gpus[pos] ^= gpus
                nfree_gpus[pos] = ng = ng - gpus.bit_count()
            move(pos, old, (nc << _SHIFT) | ng)
            rank = rank_of[pos]
            ranks[rank] = _rank_info(RankInfo, (rank, hostname[pos], frozen[cores], frozen[gpus]))
        properties = {}
        if topo.properties:
            for name, members in topo.properties.items():
                common = members.intersection(ranks)
                if common:
                    properties[name] = common
        return ranks, properties

    def free(self, jobid):
        """Return all of ``jobid``'s resources to the pool (unknown jobs: no-op)."""
        job = self._jobs.pop(jobid, None)
        if job is None:
            return
        del self._end_times[jobid]
        up = self._up
        free_cores, free_gpus = self._free_cores, self._free_gpus
        nfree_cores, nfree_gpus = self._nfree_cores, self._nfree_gpus
        move = self._bucket_move
        for pos, cores, gpus in job[1]:
            nc = nfree_cores[pos]
            ng = nfree_gpus[pos]
            old = (nc << _SHIFT) | ng
            free_cores[pos] |= cores
            nfree_cores[pos] = nc = nc + cores.bit_count()
            if gpus:
                free_gpus[pos] |= gpus
                nfree_gpus[pos] = ng = ng + gpus.bit_count()
            if up[pos]:
                move(pos, old, (nc << _SHIFT) | ng)
        self.generation += 1
        self.release_generation += 1

    # -- feasibility ----------------------------------------------------------------

    @staticmethod
    def _check_discrete(request):
        if request.node_count is not None and request.node_count.values is not None:
            raise InfeasibleRequest(_DISCRETE.format("node"))
        if request.slot_count is not None and request.slot_count.values is not None:
            raise InfeasibleRequest(_DISCRETE.format("slot"))

    def check_feasibility(self, request):
        """Raise ``InfeasibleRequest`` if ``request`` can never be satisfied.

        Judged against every rank (up or down, free or not), as flux does.
        """
        self._check_discrete(request)
        self._check_feasibility(request)

    def _check_feasibility(self, request):
        # Judged against the constant topology from a few numbers of the
        # request, so the answer is kept by those numbers: a blocked head is
        # judged once, not on every pass (and no request is kept alive).
        topo = self._topo
        key = (request.nnodes, request.nslots, request.slot_size, request.gpu_per_slot,
               request.exclusive, topo.constraint_key(request.constraint))
        try:
            note = topo.feasibility[key]
        except KeyError:
            try:
                self._judge_feasibility(request)
                note = None
            except InfeasibleRequest as exc:
                note = str(exc)
            if len(topo.feasibility) >= 4096:
                topo.feasibility.clear()
            topo.feasibility[key] = note
        if note is not None:
            raise InfeasibleRequest(note)

    def _judge_feasibility(self, request):
        shapes = self._topo.shape_counts(request.constraint).items()
        nnodes = request.nnodes
        nslots = request.nslots
        slot_size = request.slot_size
        gpu_per_slot = request.gpu_per_slot
        if request.exclusive:
            need = max(nnodes, 1)
            eligible = sum(
                n
                for (ncores, ngpus), n in shapes
                if ncores >= slot_size and (gpu_per_slot == 0 or ngpus >= gpu_per_slot)
            )
            if eligible < need:
                raise InfeasibleRequest(
                    f"unsatisfiable request: need {need} exclusive node(s), "
                    f"only {eligible} eligible"
                )
            return
        if nnodes > 0:
            slots_per_node = nslots // nnodes
            cores_per_node = slots_per_node * slot_size
            gpus_per_node = slots_per_node * gpu_per_slot
            eligible = sum(
                n
                for (ncores, ngpus), n in shapes
                if ncores >= cores_per_node and ngpus >= gpus_per_node
            )
            if eligible < nnodes:
                gpus = f" and {gpus_per_node} GPUs" if gpus_per_node else ""
                raise InfeasibleRequest(
                    f"unsatisfiable request: need {nnodes} node(s) with {cores_per_node} cores"
                    f"{gpus} each, only {eligible} eligible"
                )
            return
        # A slot must fit on one rank: count whole slots per rank.
        slots = sum(n * (ncores // slot_size) for (ncores, _), n in shapes)
        if slots < nslots:
            total = sum(n * ncores for (ncores, _), n in shapes)
            raise InfeasibleRequest(
                f"unsatisfiable request: need {nslots} slot(s) of {slot_size} core(s), "
                f"only {slots} such slot(s) available (total cores: {total})"
            )
        if gpu_per_slot > 0:
            slots = sum(
                n * min(ncores // slot_size, ngpus // gpu_per_slot)
                for (ncores, ngpus), n in shapes
            )
            if slots < nslots:
                total = sum(n * ngpus for (_, ngpus), n in shapes)
                raise InfeasibleRequest(
                    f"unsatisfiable request: need {nslots} slot(s) with {gpu_per_slot} GPU(s) "
                    f"each, only {slots} available (total GPUs: {total})"
                )

    # -- availability ---------------------------------------------------------------

    def mark_down(self, ranks):
        """Stop allocating on ``ranks`` ("all", an idset string or ints).

        Allocations already there stay until freed.
        """
        for pos in _ranks_arg(ranks, self._topo):
            if self._up[pos]:
                self._set_up(pos, False)
        self.generation += 1
        self.release_generation += 1

    def mark_up(self, ranks):
        """Allocate on ``ranks`` again ("all", an idset string or ints)."""
        for pos in _ranks_arg(ranks, self._topo):
            if not self._up[pos]:
                self._set_up(pos, True)
        self.generation += 1
        self.release_generation += 1

    def _set_up(self, pos, up):
        if up:
            self._up[pos] = True
            self._bucket_add(pos)
        else:
            self._bucket_remove(pos)
            self._up[pos] = False

    def is_up(self, rank):
        """Whether ``rank`` is up (``KeyError`` if the pool has no such rank)."""
        return self._up[self._topo.pos[rank]]

    # -- jobs ----------------------------------------------------------------------

    def allocated(self, jobid):
        """The ``Rv1`` that ``alloc`` returned for ``jobid`` (``KeyError`` if none)."""
        return self._jobs[jobid][0]

    def job_end_times(self):
        """``[(jobid, end time), ...]`` for every allocated job; 0.0 = no end."""
        return list(self._end_times.items())

    def update_expiration(self, jobid, expiration):
        """Set the end time tracked for ``jobid`` (unknown jobs: no-op).

        As in flux this is the pool's bookkeeping only; the job's R is not
        changed.
        """
        if jobid in self._end_times:
            self._end_times[jobid] = expiration
            self.generation += 1
            self.release_generation += 1

    def copy(self):
        """An independent copy, allocations included, for forward simulation."""
        new = Pool.__new__(Pool)
        new._topo = self._topo
        new._free_cores = list(self._free_cores)
        new._free_gpus = list(self._free_gpus)
        new._nfree_cores = list(self._nfree_cores)
        new._nfree_gpus = list(self._nfree_gpus)
        new._up = list(self._up)
        new._buckets = {key: list(b) for key, b in self._buckets.items()}
        new._keys = list(self._keys)
        new._jobs = dict(self._jobs)
        new._end_times = dict(self._end_times)
        new.expiration = self.expiration
        new.generation = self.generation
        new.release_generation = self.release_generation
        return new

    # -- counts ----------------------------------------------------------------------

    @property
    def R(self):
        """The resource set this pool was made from (an ``Rv1``)."""
        return self._topo.R

    @property
    def nnodes(self):
        """Number of ranks."""
        return len(self._topo.rank)

    @property
    def ncores(self):
        """Number of cores, free or not, up or down."""
        return sum(self._topo.ncores)

    @property
    def ngpus(self):
        """Number of GPUs, free or not, up or down."""
        return sum(self._topo.ngpus)

    @property
    def nnodes_up(self):
        """Number of up ranks."""
        return sum(self._up)

    @property
    def ncores_free(self):
        """Free cores on up ranks."""
        return sum((key >> _SHIFT) * len(b) for key, b in self._buckets.items())

    @property
    def ngpus_free(self):
        """Free GPUs on up ranks (those without a free core too: they are in no bucket)."""
        return sum(n for n, up in zip(self._nfree_gpus, self._up) if up)

    def __repr__(self):
        return (
            f"<Pool {self.nnodes} ranks, {self.ncores_free}/{self.ncores} cores and "
            f"{self.ngpus_free}/{self.ngpus} GPUs free, {len(self._jobs)} jobs>"
        )
