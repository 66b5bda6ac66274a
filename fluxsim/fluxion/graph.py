"""Fluxion's resource graph and matcher (flux-sched 0.54 ``sched-fluxion-resource``).

The graph Fluxion builds from an instance's R is ``cluster0 > node > {gpu,
core}``; vertices are numbered (``uniq_id``) in creation order, a node's id
is the number at the end of its host name.  A match walks the nodes, groups
each node's free cores and GPUs into slots of the requested shape, scores
the candidates by the match policy and keeps the best ones:

- score of a core or GPU ``v`` in node ``n``: ``1 + NF(n) + v.id + 1``,
  where the node factor ``NF`` is ``(n.id + 2) * 10000 + |uniq(n) mod
  10000 - 1|`` for node-centric policies and 0 otherwise; a slot scores one
  more than the sum of its members, a node (in a node request) ``n.id + 2``;
- ``high`` policies keep the highest scores, ``low`` ones the lowest, picked
  with C++'s ``std::sort`` (:mod:`fluxsim.fluxion.stdsort`), so that ties
  fall as they fall in Fluxion;
- ``first`` (``stop_on_1_matches``) visits nodes by weight, then uniq_id,
  both descending, and stops as soon as enough is found.  A node's weight
  starts at 2^64-1 and becomes its free core count whenever a job is
  allocated or reserved on it; freeing never updates it (Fluxion's weights
  go stale the same way);
- node-exclusive requests and policies take whole, idle nodes.

The other policies score every free core of every node, as Fluxion does.
Under a node-centric one the node factor usually keeps each node's scores
apart from every other node's; then no two candidates tie, the best ones
are those of the best nodes, and the walk visits nodes best first and stops
when it has enough (:meth:`FluxionPool._ranking`), which gives the same
answer as scoring everything.

Free resources are the :class:`~fluxsim.resource.pool.Pool`'s bitmasks, so
a Fluxion pool answers every question a sched-simple pool answers (and the
invariant checks hold for both).  For reservations (the backfilling queue
policies) a match can be made for a future window ``[at, at + duration)``
against running jobs' end times and the loop's other reservations.
"""

import math
import re
from bisect import bisect_left, bisect_right, insort
from itertools import compress, repeat
from operator import floordiv, itemgetter

from fluxsim.fluxion.request import FluxionRequest, MatchError
from fluxsim.fluxion.stdsort import THRESHOLD, introsort
from fluxsim.fluxion.writer import FluxionR, jgf
from fluxsim.resource import idset
from fluxsim.resource.pool import _GPU_BITS, _SHIFT, InfeasibleRequest, InsufficientResources, Pool
from fluxsim.resource.rv1 import END_OF_TIME

__all__ = ["FluxionPool", "END_OF_TIME", "UNSATISFIABLE", "MATCH_ERROR"]

#: Alloc exception notes of Fluxion's qmanager.
UNSATISFIABLE = 'alloc denied due to type="unsatisfiable"'
MATCH_ERROR = 'alloc denied due to type="match error"'

_UNTOUCHED = (1 << 64) - 1
_LAST = float("inf")  # after every job id, in an (end time, jobid) entry
_DIGITS = re.compile(r"(\d+)$")


def _node_id(hostname):
    match = _DIGITS.search(hostname)
    return int(match.group(1)) if match else -1


def _ids(mask, descending, limit=None):
    """The ids set in ``mask``, lowest (or highest) first; only the first ``limit``.

    A node's free masks recur from match to match, so the lists of the
    short ones are kept (read-only; a bounded number of them)."""
    cache = _IDS[descending]
    ids = cache.get(mask)
    if ids is None:
        ids = idset.from_mask(mask)
        if descending:
            ids.reverse()
        if len(cache) < _IDS_KEPT and mask.bit_length() <= 64:
            cache[mask] = ids
    return ids if limit is None or limit >= len(ids) else ids[:limit]


#: (ascending, descending) id lists of masks, and how many of each are kept
_IDS = ({}, {})
_IDS_KEPT = 4096


def _mask(ids):
    mask = 0
    for v in ids:
        mask |= 1 << v
    return mask


_by_score = _first = itemgetter(0)
_position = itemgetter(2)  # of a (weight, uniq id, position) entry


class FluxionPool(Pool):
    """A :class:`Pool` whose placements are Fluxion's, for one match policy.

    ``alloc``, ``free``, ``mark_down``/``mark_up`` keep the pool's meaning;
    :meth:`match` adds Fluxion's operations (allocate with satisfiability,
    allocate or else reserve).
    """

    #: Every up rank has a bucket: a Fluxion slot may hold GPUs alone, so
    #: ranks without a free core count in the quick fit test.
    _least_key = 0

    def __init__(self, R, config):
        super().__init__(R)
        topo = self._topo
        self.config = config
        self.policy = config.policy
        self.cluster_name = "cluster0"
        n = len(topo.rank)
        self.node_id = [_node_id(host) for host in topo.hostname]
        uniq, next_id = [], 1
        for pos in range(n):
            uniq.append(next_id)
            next_id += 1 + topo.ngpus[pos] + topo.ncores[pos]
        self.uniq = uniq
        self.weight = [_UNTOUCHED] * n
        # first's visiting order, kept sorted: (weight, uniq_id, pos) ascending,
        # walked from the end
        self._by_weight = sorted((_UNTOUCHED, uniq[p], p) for p in range(n))
        if self.policy.node_centric:
            self.factor = [(self.node_id[p] + 2) * 10000 + abs(uniq[p] % 10000 - 1)
                           for p in range(n)]
        else:
            self.factor = [0] * n
        self.graph_start = int(R.starttime or 0)
        self.graph_end = int(R.expiration) if R.expiration else END_OF_TIME
        self.reservations = {}  # jobid -> (start, end, selected)
        # (pool release generation, the requests without constraint, and
        # their numbers (request.numbers), whose match without reservation
        # could only say "not now" since then)
        self._busy = (-1, set())
        # ((release generation, reservation changes, time), {numbers: the
        # shortest duration} of requests without constraint whose walk
        # without reservation found no room in the window from that time)
        self._crowded = (None, {})
        self._plans = 0  # reservations made or dropped
        self._exclusive = {}  # jobid -> positions held whole
        # (end time, jobid) of every allocation, in order, once a reservation
        # was looked for (None before): its candidate times, without sorting
        # the running jobs at every search
        self._ends = None
        self._satisfiable = {}  # (request numbers, constraint key) -> bool
        self._rankings = {}  # (cores, GPUs, by node) -> positions best first, or None
        self._writer_named = False  # see writer.jgf

    # -- sched-simple's entry point, for hosts and tools --------------------------------

    def alloc(self, jobid, request, now=0.0):
        """Allocate now or raise (``InsufficientResources``/``InfeasibleRequest``/MatchError)."""
        kind, value = self.match(jobid, request, now, reserve=False)
        return value

    # -- Fluxion's match operations ------------------------------------------------------

    def within_graph(self, request):
        """Whether the request's duration fits in the graph's span (a match
        of one that does not fails with EINVAL)."""
        return 0 <= request.duration <= self.graph_end - self.graph_start

    def duration_of(self, request):
        """The duration a match plans for (EINVAL as MatchError if beyond the graph)."""
        if not self.within_graph(request):
            raise MatchError("duration beyond the resource graph")
        duration = request.duration
        return self.graph_end - self.graph_start if duration == 0 else math.ceil(duration)

    def match(self, jobid, request, now, reserve=False):
        """Match ``request`` for ``jobid`` at time ``now``.

        Returns ``("alloc", R)``, or with ``reserve`` (allocate or else
        reserve) possibly ``("reserve", start time)``.  Raises
        ``InsufficientResources`` (EBUSY: not now, not reservable),
        ``InfeasibleRequest`` (ENODEV: never) or ``MatchError``.
        """
        found = self.try_match(jobid, request, now, reserve)
        if found is None:
            raise InsufficientResources("insufficient resources")
        return found

    def try_match(self, jobid, request, now, reserve=False):
        """:meth:`match`, but None where it raises ``InsufficientResources``:
        a backfill walk is mostly such refusals, and raising one cost more
        than the refusal itself.  (The walk asks :meth:`refused` first.)"""
        if jobid in self._jobs:
            raise ValueError(f"job {jobid} already has an allocation")
        if not isinstance(request, FluxionRequest):
            raise MatchError(f"not a Fluxion request: {request!r}")
        if request.error is not None:
            if isinstance(request.error, MatchError):
                raise request.error
            raise InfeasibleRequest(UNSATISFIABLE)
        at = int(now)
        duration = self.duration_of(request)
        if not reserve and request.constraint is None:
            numbers = request.numbers
            # the same with the reservations as they are, at this time: a
            # window as long or shorter had no room
            if self.reservations:
                token, crowded = self._crowded
                if (token == (self.release_generation, self._plans, at)
                        and crowded.get(numbers, _LAST) <= duration):
                    return None
        allowed = self._topo.match(request.constraint) if request.constraint is not None else None
        if request.nnodes and self._precheck(request, allowed, reserve):
            return None
        selected = None
        # what is free now bounds a window that starts now: a quick
        # necessary test on the free counts by bucket spares the walk
        fits = self._fits_somehow(request.cores, request.gpus, request.nslots, request.nnodes,
                                  request.exclusive or self.policy.node_exclusive)
        if fits:
            selected = self._select(request, self._available_now(at, duration), allowed, True)
        if selected is not None:
            return "alloc", self._allocate(jobid, request, at, duration, selected)
        if reserve:
            found = self._reservation(request, at, duration, allowed)
            if found is not None:
                start, selected = found
                self._reserve(jobid, start, duration, selected)
                return "reserve", start
        if not self._satisfiable_ever(request, allowed) or (
            not reserve and self._nodes_short(request, allowed, self.graph_end - 1)
        ):
            raise InfeasibleRequest(UNSATISFIABLE)
        if not reserve and allowed is None:
            # every step above depends on the request and on what is free,
            # up and held whole, and the walk on the reservations too; an
            # allocation only takes, so none makes it fit (with a
            # constraint, one may make it never fit: fewer nodes left to
            # the constraint)
            if not fits or not self.reservations:  # no room in what is free
                busy = self.busy_requests()
                busy.add(request)
                busy.add(numbers)
            else:
                token = (self.release_generation, self._plans, at)
                if self._crowded[0] != token:
                    self._crowded = (token, {})
                crowded = self._crowded[1]
                crowded[numbers] = min(duration, crowded.get(numbers, _LAST))
        return None

    def refused(self, request):
        """Whether a match of ``request`` without reservation would say "not
        now" (EBUSY) for a refusal remembered since the pool last released
        anything: of the request itself, or of its numbers when it has no
        constraint and its window is within the graph (beyond it the match
        fails with EINVAL).  A backfill walk passes over such a job."""
        generation, busy = self._busy
        if generation != self.release_generation:
            return False
        if request in busy:
            return True
        if (request.constraint is None and request.numbers in busy
                and self.within_graph(request)):
            busy.add(request)  # the next ask of this request is one lookup
            return True
        return False

    def busy_requests(self):
        """The requests, and their numbers (``request.numbers``), that a match
        without reservation answers "not now" (EBUSY) while
        ``release_generation`` stays as it is (see :meth:`refused`)."""
        generation, busy = self._busy
        if generation != self.release_generation:
            self._busy = (self.release_generation, busy := set())
        return busy

    def _precheck(self, request, allowed, reserve):
        """Fluxion's quick refusal of a node request by node count, before
        any traversal: True for "not now" (with ``reserve``),
        ``InfeasibleRequest`` without."""
        if allowed is None:
            short = request.nnodes > sum(self._up)
        else:
            short = self._nodes_short(request, allowed, None)
        if short and not reserve:
            raise InfeasibleRequest(UNSATISFIABLE)
        return short

    def _nodes_short(self, request, allowed, at):
        """Too few up nodes match the constraint (and are not held whole at ``at``)."""
        if not request.nnodes or allowed is None:
            return False
        held = set()
        if at is not None:
            for jobid, positions in self._exclusive.items():
                if self._end_times[jobid] > at:
                    held.update(positions)
        usable = sum(1 for p in allowed if self._up[p] and p not in held)
        return usable < request.nnodes

    def _satisfiable_ever(self, request, allowed):
        key = (request.numbers, self._topo.constraint_key(request.constraint))
        found = self._satisfiable.get(key)
        if found is None:
            topo = self._topo
            found = self._select(request, (topo.cores, topo.gpus), allowed, False) is not None
            self._satisfiable[key] = found
        return found

    # -- availability ----------------------------------------------------------------------

    def _available_now(self, at, duration):
        """(free core masks, free GPU masks) for ``[at, at + duration)`` from now.

        What running jobs hold stays held until they are freed (a span that
        ended a moment ago is still held); reservations overlapping the
        window are not free either.
        """
        if not self.reservations:
            return self._free_cores, self._free_gpus
        return self._less_reserved(list(self._free_cores), list(self._free_gpus),
                                   at, at + duration)

    def _less_reserved(self, cores, gpus, start, end):
        for begin, stop, selected in self.reservations.values():
            if begin < end and stop > start:
                for pos, c, g in selected:
                    cores[pos] &= ~c
                    gpus[pos] &= ~g
        return cores, gpus

    def _reservation(self, request, at, duration, allowed):
        """(start, selected) of the earliest later time the request fits, or None.

        Candidate times are when something ends (a running job's expiration,
        a reservation's end), earliest first, as Fluxion's planner offers
        them; a time whose free core total is short is passed over without
        a walk.
        """
        jobs = self._jobs
        ends = self._ends
        if ends is None:
            self._ends = ends = sorted((end, jobid) for jobid, end in self._end_times.items())
        running = ends[bisect_right(ends, (at, _LAST)):]
        times = list(dict.fromkeys(map(_first, running)))  # in order, once each
        if self.reservations:
            times = sorted({*times, *(stop for _b, stop, _sel in self.reservations.values()
                                      if stop > at)})
        graph_end = self.graph_end
        if not times or times[0] >= graph_end:
            return None  # nothing ends within the graph (a job without end holds it)
        cores, gpus = list(self._free_cores), list(self._free_gpus)
        need = request.cores * request.nslots * max(1, request.nnodes)
        if allowed is None:
            counted = self._up  # read only
        else:
            counted = [up and p in allowed for p, up in enumerate(self._up)]
        positions = list(compress(range(len(cores)), counted))
        # the free core total of the counted nodes, kept as jobs end
        free = sum(map(int.bit_count, map(cores.__getitem__, positions)))
        index = 0
        for t in times:
            if t >= graph_end:
                break
            while index < len(running) and running[index][0] <= t:
                for pos, c, g in jobs[running[index][1]][1]:
                    before = cores[pos]
                    cores[pos] = before | c
                    gpus[pos] |= g
                    if counted[pos]:
                        free += cores[pos].bit_count() - before.bit_count()
                index += 1
            if self.reservations:
                window = self._less_reserved(list(cores), list(gpus), t, t + duration)
                if sum(map(int.bit_count, map(window[0].__getitem__, positions))) < need:
                    continue
            elif free < need:
                continue
            else:
                window = (cores, gpus)  # read only by the walk
            selected = self._select(request, window, allowed, True)
            if selected is not None:
                return t, selected
        return None

    # -- the traversal -----------------------------------------------------------------------

    def _select(self, request, available, allowed, up_only):
        """[(pos, core mask, GPU mask)] Fluxion would pick from ``available``
        (core masks, GPU masks), or None if the request does not fit."""
        topo = self._topo
        policy = self.policy
        high = policy.high
        whole = request.exclusive or policy.node_exclusive
        c, g, S = request.cores, request.gpus, request.nslots
        nnodes = request.nnodes
        cores_avail, gpus_avail = available
        # a quick necessary test before any slot is built, node by node
        # where a window or the constraint takes some of the free away
        if ((allowed is not None or cores_avail is not self._free_cores)
                and not self._fits_in(available, c, g, S, nnodes, whole, allowed, up_only)):
            return None
        # what one node must offer to qualify: one slot, or a node's S slots
        need = S if nnodes else 1
        explore = S if policy.stop_on_1 else None
        factor = self.factor
        # A candidate is (score, pos, ...), the score negated under a high
        # policy, so that the best sort first either way and equal ones keep
        # their order; a slot carries its core and GPU masks.
        sign = -1 if high else 1
        single = c == 1 and not g  # a core a slot: most requests of a trace
        candidates = []
        found = 0
        # pruned as Fluxion prunes: down, outside the constraint, too few
        # free cores for one slot (or the node's slots), not idle when whole
        least = need * c
        up = self._up
        want = nnodes or S
        if policy.stop_on_1:
            # visited lazily: the walk usually stops after a node or two
            order = map(_position, reversed(self._by_weight))
            stop = True
        else:
            order = self._ranking(c, g, nnodes > 0)
            stop = order is not None
            if not stop:
                order = [p for p in range(len(topo.rank)) if cores_avail[p].bit_count() >= least]
        if stop and least:  # nodes without a free core are passed over in C
            order = filter(cores_avail.__getitem__, order)
        core_limit = explore * c if explore is not None else None
        gpu_limit = explore * g if explore is not None else None
        inf = math.inf
        for pos in order:
            free_c = cores_avail[pos]
            if free_c.bit_count() < least or (up_only and not up[pos]):
                continue
            if allowed is not None and pos not in allowed:
                continue
            free_g = gpus_avail[pos]
            if whole and (free_c != topo.cores[pos] or free_g != topo.gpus[pos]):
                continue
            cores = _ids(free_c, high, core_limit)
            k = len(cores) // c if c else inf
            if g:
                gpus = _ids(free_g, high, gpu_limit)
                k = min(k, len(gpus) // g)
            if k < need or k == inf:
                continue
            if stop and not found and not nnodes and k >= S:
                # The first node holds every slot: the walk stops here, and
                # a node's slots sort in the order they were cut (their ids
                # run one way), so they are its first S.
                if whole:
                    return [(pos, topo.cores[pos], topo.gpus[pos])]
                return [(pos, _mask(cores[:S * c]), _mask(gpus[:S * g]) if g else 0)]
            fixed = 1 + (2 + factor[pos]) * (c + g)
            count = S if nnodes else k
            if single:
                slots = [(sign * (fixed + v), pos, 1 << v, 0) for v in cores[:count]]
            else:
                slots = []
                for i in range(count):
                    sc = cores[i * c:(i + 1) * c]
                    sg = gpus[i * g:(i + 1) * g] if g else ()
                    slots.append((sign * (fixed + sum(sc) + sum(sg)), pos, _mask(sc), _mask(sg)))
            if nnodes:
                candidates.append((sign * (2 + self.node_id[pos]), pos, slots))
                found += 1
            else:
                candidates.extend(slots)
                found += len(slots)
            if stop and found >= want:
                break
        if found < want:
            return None
        if len(candidates) > THRESHOLD and len({cand[0] for cand in candidates}) < len(candidates):
            # equal scores: they fall where C++'s std::sort leaves them
            introsort(candidates, want)
        else:
            candidates.sort(key=_by_score)
        selected = []
        if nnodes:
            for _score, pos, slots in candidates[:nnodes]:
                if whole:
                    selected.append((pos, topo.cores[pos], topo.gpus[pos]))
                    continue
                cmask = gmask = 0
                for _s, _pos, sc, sg in slots:
                    cmask |= sc
                    gmask |= sg
                selected.append((pos, cmask, gmask))
            return selected
        masks = {}
        for _score, pos, sc, sg in candidates[:S]:
            held = masks.get(pos)
            if held is None:
                masks[pos] = [sc, sg]
            else:
                held[0] |= sc
                held[1] |= sg
        for pos, (cmask, gmask) in masks.items():
            if whole:
                selected.append((pos, topo.cores[pos], topo.gpus[pos]))
            else:
                selected.append((pos, cmask, gmask))
        return selected

    def _ranking(self, c, g, by_node):
        """Node positions best first, if no two nodes' candidates can score alike; else None.

        Under a node-centric policy a node's factor usually parts its slots'
        scores from every other node's, for a given slot shape.  Then the
        best candidates are those of the best nodes, and a walk in that
        order may stop as soon as it has enough: the sort of everything
        else would rank it below.  Node candidates score by node id.
        """
        key = (c, g, by_node)
        try:
            return self._rankings[key]
        except KeyError:
            pass
        topo = self._topo
        sign = -1 if self.policy.high else 1
        positions = range(len(topo.rank))
        if by_node:
            ids = self.node_id
            ranking = None
            if len(set(ids)) == len(ids):
                ranking = sorted(positions, key=lambda p: sign * ids[p])
        else:
            spans = []
            for p in positions:
                cores, gpus = idset.from_mask(topo.cores[p]), idset.from_mask(topo.gpus[p])
                fixed = 1 + (2 + self.factor[p]) * (c + g)
                spans.append((fixed + sum(cores[:c]) + sum(gpus[:g]),
                              fixed + sum(cores[len(cores) - c:]) + sum(gpus[len(gpus) - g:]), p))
            spans.sort()
            ranking = [p for _low, _high, p in spans]
            if sign < 0:
                ranking.reverse()
            if any(b[0] <= a[1] for a, b in zip(spans, spans[1:])):
                ranking = None
        self._rankings[key] = ranking
        return ranking

    def _fits_somehow(self, c, g, S, nnodes, whole):
        """Whether the up nodes' free counts allow the request at all (a quick
        necessary test on the pool's buckets, before walking node by node)."""
        found = 0
        if whole:  # idle nodes: as many as asked for, or one for slots
            least = self._topo.min_ncores
            for key in reversed(self._keys):
                if key >> _SHIFT < least:
                    break
                found += len(self._buckets[key])
            return found >= (nnodes or 1)
        want = nnodes or S
        for key in reversed(self._keys):  # most free first: enough is found soonest
            free_c, free_g = key >> _SHIFT, key & _GPU_BITS
            k = min(free_c // c if c else S, free_g // g if g else S)
            if nnodes:
                if k < S:
                    continue
                found += len(self._buckets[key])
            else:
                found += k * len(self._buckets[key])
            if found >= want:
                return True
        return False

    def _fits_in(self, available, c, g, S, nnodes, whole, allowed, up_only):
        """The same quick necessary test node by node, on any availability (a
        window less reservations): counts, no slots built."""
        if whole or allowed is not None or not c:
            return self._fits_in_nodes(available, c, g, S, nnodes, whole, allowed, up_only)
        # whole slots a node offers, counted in C over all of them
        cores_avail, gpus_avail = available
        if up_only:
            cores_avail = compress(cores_avail, self._up)
            gpus_avail = compress(gpus_avail, self._up)
        k = map(int.bit_count, cores_avail)
        if c != 1:
            k = map(floordiv, k, repeat(c))
        if g:
            k = map(min, k, map(floordiv, map(int.bit_count, gpus_avail), repeat(g)))
        if nnodes:
            return sum(map(S.__le__, k)) >= nnodes
        return sum(k) >= S

    def _fits_in_nodes(self, available, c, g, S, nnodes, whole, allowed, up_only):
        """:meth:`_fits_in` node by node, for whole nodes and constraints."""
        topo = self._topo
        cores_avail, gpus_avail = available
        up = self._up
        want = nnodes or S
        found = 0
        for pos, free_c in enumerate(cores_avail):
            if (up_only and not up[pos]) or (allowed is not None and pos not in allowed):
                continue
            free_g = gpus_avail[pos]
            if whole and (free_c != topo.cores[pos] or free_g != topo.gpus[pos]):
                continue  # a whole node must be idle; then it counts as any other
            k = min(free_c.bit_count() // c if c else S, free_g.bit_count() // g if g else S)
            if nnodes:
                found += k >= S
            else:
                found += k
            if found >= want:
                return True
        return found >= want

    # -- effects -------------------------------------------------------------------------------

    def _touch(self, selected):
        """``first``'s weights: the touched nodes' free cores now."""
        weight, uniq, order = self.weight, self.uniq, self._by_weight
        for pos, _c, _g in selected:
            new = self._nfree_cores[pos]
            if new != weight[pos]:
                del order[bisect_left(order, (weight[pos], uniq[pos], pos))]
                insort(order, (new, uniq[pos], pos))
                weight[pos] = new

    def _allocate(self, jobid, request, at, duration, selected):
        whole = request.exclusive or self.policy.node_exclusive
        end = min(at + duration, self.graph_end)
        ranks, properties = self._take(selected)
        scheduling = None
        if self.config.match_format != "rv1_nosched":
            positions = {pos for pos, _c, _g in selected} if whole else set()
            shorthand = self.config.match_format == "rv1_shorthand"
            self._writer_named |= shorthand and bool(positions)
            scheduling = jgf(self, selected, positions, shorthand, self._writer_named)
        R = FluxionR._make(ranks, at, end, 0, properties, scheduling, True)
        self._record(jobid, R, selected, end)
        if self._ends is not None:
            insort(self._ends, (end, jobid))
        if whole:
            self._exclusive[jobid] = [pos for pos, _c, _g in selected]
        self._touch(selected)
        if self.reservations.pop(jobid, None) is not None:
            self._plans += 1
        return R

    def _reserve(self, jobid, start, duration, selected):
        self.reservations[jobid] = (start, min(start + duration, self.graph_end), selected)
        self._plans += 1
        self._touch(selected)

    def cancel_reservations(self, jobids):
        """Drop the reservations of ``jobids`` (a backfilling loop starts with its own)."""
        for jobid in jobids:
            if self.reservations.pop(jobid, None) is not None:
                self._plans += 1

    def free(self, jobid):
        ends = self._ends
        if ends is not None and jobid in self._end_times:
            del ends[bisect_left(ends, (self._end_times[jobid], jobid))]
        super().free(jobid)
        self._exclusive.pop(jobid, None)

    def update_expiration(self, jobid, expiration):
        super().update_expiration(jobid, expiration)
        self._ends = None
