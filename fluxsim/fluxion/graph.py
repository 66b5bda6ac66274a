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

Free resources are the :class:`~fluxsim.resource.pool.Pool`'s bitmasks, so
a Fluxion pool answers every question a sched-simple pool answers (and the
invariant checks hold for both).  For reservations (the backfilling queue
policies) a match can be made for a future window ``[at, at + duration)``
against running jobs' end times and the loop's other reservations.
"""

import math
import re

from fluxsim.fluxion.request import FluxionRequest, MatchError
from fluxsim.fluxion.stdsort import THRESHOLD, introsort
from fluxsim.fluxion.writer import FluxionR, jgf
from fluxsim.resource import idset
from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources, Pool
from fluxsim.resource.rv1 import END_OF_TIME

__all__ = ["FluxionPool", "END_OF_TIME", "UNSATISFIABLE", "MATCH_ERROR"]

#: Alloc exception notes of Fluxion's qmanager.
UNSATISFIABLE = 'alloc denied due to type="unsatisfiable"'
MATCH_ERROR = 'alloc denied due to type="match error"'

_UNTOUCHED = (1 << 64) - 1
_DIGITS = re.compile(r"(\d+)$")


def _node_id(hostname):
    match = _DIGITS.search(hostname)
    return int(match.group(1)) if match else -1


def _ids(mask, descending):
    ids = idset.from_mask(mask)
    return ids[::-1] if descending else ids


class FluxionPool(Pool):
    """A :class:`Pool` whose placements are Fluxion's, for one match policy.

    ``alloc``, ``free``, ``mark_down``/``mark_up`` keep the pool's meaning;
    :meth:`match` adds Fluxion's operations (allocate with satisfiability,
    allocate or else reserve).
    """

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
        if self.policy.node_centric:
            self.factor = [(self.node_id[p] + 2) * 10000 + abs(uniq[p] % 10000 - 1)
                           for p in range(n)]
        else:
            self.factor = [0] * n
        self.graph_start = int(R.starttime or 0)
        self.graph_end = int(R.expiration) if R.expiration else END_OF_TIME
        self.reservations = {}  # jobid -> (start, end, selected)
        self._exclusive = {}  # jobid -> positions held whole
        self._satisfiable = {}  # (request numbers, constraint key) -> bool

    # -- sched-simple's entry point, for hosts and tools --------------------------------

    def alloc(self, jobid, request, now=0.0):
        """Allocate now or raise (``InsufficientResources``/``InfeasibleRequest``/MatchError)."""
        kind, value = self.match(jobid, request, now, reserve=False)
        return value

    # -- Fluxion's match operations ------------------------------------------------------

    def duration_of(self, request):
        """The duration a match plans for (EINVAL as MatchError if beyond the graph)."""
        span = self.graph_end - self.graph_start
        duration = request.duration
        if duration != duration or duration < 0 or duration > span:
            raise MatchError("duration beyond the resource graph")
        return span if duration == 0 else math.ceil(duration)

    def match(self, jobid, request, now, reserve=False):
        """Match ``request`` for ``jobid`` at time ``now``.

        Returns ``("alloc", R)``, or with ``reserve`` (allocate or else
        reserve) possibly ``("reserve", start time)``.  Raises
        ``InsufficientResources`` (EBUSY: not now, not reservable),
        ``InfeasibleRequest`` (ENODEV: never) or ``MatchError``.
        """
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
        allowed = self._topo.match(request.constraint) if request.constraint is not None else None
        self._precheck(request, allowed, reserve)
        selected = self._select(request, at, duration, allowed, up_only=True)
        if selected is not None:
            return "alloc", self._allocate(jobid, request, at, duration, selected)
        if reserve:
            for start in self._reservation_times(request, at, duration):
                selected = self._select(request, start, duration, allowed, up_only=True)
                if selected is not None:
                    self._reserve(jobid, start, duration, selected)
                    return "reserve", start
        if not self._satisfiable_ever(request, allowed) or (
            not reserve and self._nodes_short(request, allowed, self.graph_end - 1)
        ):
            raise InfeasibleRequest(UNSATISFIABLE)
        raise InsufficientResources("insufficient resources")

    def _precheck(self, request, allowed, reserve):
        """Fluxion's quick refusal by node count, before any traversal."""
        if not request.nnodes:
            return
        if allowed is None:
            short = request.nnodes > sum(self._up)
        else:
            short = self._nodes_short(request, allowed, None)
        if short:
            if reserve:
                raise InsufficientResources("insufficient resources")
            raise InfeasibleRequest(UNSATISFIABLE)

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
        key = (request.key(), self._topo.constraint_key(request.constraint))
        found = self._satisfiable.get(key)
        if found is None:
            found = self._select(request, None, 0, allowed, up_only=False) is not None
            self._satisfiable[key] = found
        return found

    # -- availability ----------------------------------------------------------------------

    def _available(self, at, duration):
        """(free core masks, free GPU masks) over ``[at, at + duration)``; None at: all free."""
        topo = self._topo
        if at is None:
            return topo.cores, topo.gpus
        if not self.reservations and all(
            end > at for end in self._end_times.values()
        ):
            return self._free_cores, self._free_gpus
        cores = list(topo.cores)
        gpus = list(topo.gpus)
        end = at + duration
        for jobid, (_R, selected) in self._jobs.items():
            if self._end_times[jobid] > at:
                for pos, c, g in selected:
                    cores[pos] &= ~c
                    gpus[pos] &= ~g
        for start, stop, selected in self.reservations.values():
            if start < end and stop > at:
                for pos, c, g in selected:
                    cores[pos] &= ~c
                    gpus[pos] &= ~g
        return cores, gpus

    def _reservation_times(self, request, at, duration):
        """Times after ``at`` when something ends, earliest first (planner's candidates)."""
        ends = set(self._end_times.values())
        ends.update(stop for _start, stop, _sel in self.reservations.values())
        return sorted(t for t in ends if at < t < self.graph_end)

    # -- the traversal -----------------------------------------------------------------------

    def _order(self):
        n = len(self._topo.rank)
        if self.policy.stop_on_1:
            weight, uniq = self.weight, self.uniq
            return sorted(range(n), key=lambda p: (weight[p], uniq[p]), reverse=True)
        return range(n)

    def _select(self, request, at, duration, allowed, up_only):
        """[(pos, core mask, GPU mask)] Fluxion would pick, or None if it does not fit."""
        topo = self._topo
        policy = self.policy
        high = policy.high
        whole = request.exclusive or policy.node_exclusive
        cores_avail, gpus_avail = self._available(at, duration)
        c, g, S = request.cores, request.gpus, request.nslots
        nnodes = request.nnodes
        # what one node must offer to qualify: one slot, or a node's S slots
        need = S if nnodes else 1
        explore = S if policy.stop_on_1 else None
        factor = self.factor
        candidates = []
        found = 0
        for pos in self._order():
            if up_only and not self._up[pos]:
                continue
            if allowed is not None and pos not in allowed:
                continue
            free_c, free_g = cores_avail[pos], gpus_avail[pos]
            if whole and (free_c != topo.cores[pos] or free_g != topo.gpus[pos]):
                continue
            if free_c.bit_count() < need * c:
                continue
            cores = _ids(free_c, high)
            gpus = _ids(free_g, high)
            if explore is not None:
                cores = cores[: explore * c] if c else []
                gpus = gpus[: explore * g] if g else []
            k = min(len(cores) // c if c else math.inf, len(gpus) // g if g else math.inf)
            if k < need or k == math.inf:
                continue
            base = 2 + factor[pos]
            slots = []
            for i in range(k if not nnodes else S):
                sc = cores[i * c:(i + 1) * c]
                sg = gpus[i * g:(i + 1) * g]
                score = 1 + sum(base + v for v in sc) + sum(base + v for v in sg)
                slots.append((score, pos, sc, sg))
            if nnodes:
                candidates.append((2 + self.node_id[pos], pos, slots))
                found += 1
                if explore is not None and found >= nnodes:
                    break
            else:
                candidates.extend(slots)
                found += len(slots)
                if explore is not None and found >= S:
                    break
        want = nnodes or S
        if found < want:
            return None
        if high:
            def better(a, b):
                return a[0] > b[0]
        else:
            def better(a, b):
                return a[0] < b[0]
        if len(candidates) > THRESHOLD:
            introsort(candidates, better)
        else:
            candidates.sort(key=lambda cand: cand[0], reverse=high)
        chosen = {}
        if nnodes:
            for _score, pos, slots in candidates[:nnodes]:
                chosen[pos] = slots
        else:
            for slot in candidates[:S]:
                chosen.setdefault(slot[1], []).append(slot)
        selected = []
        for pos, slots in chosen.items():
            if whole:
                selected.append((pos, topo.cores[pos], topo.gpus[pos]))
                continue
            cmask = gmask = 0
            for _score, _pos, sc, sg in slots:
                for v in sc:
                    cmask |= 1 << v
                for v in sg:
                    gmask |= 1 << v
            selected.append((pos, cmask, gmask))
        return selected

    # -- effects -------------------------------------------------------------------------------

    def _touch(self, selected):
        """``first``'s weights: the touched nodes' free cores now."""
        for pos, _c, _g in selected:
            self.weight[pos] = self._nfree_cores[pos]

    def _allocate(self, jobid, request, at, duration, selected):
        whole = request.exclusive or self.policy.node_exclusive
        end = min(at + duration, self.graph_end)
        ranks, properties = self._take(selected)
        scheduling = None
        if self.config.match_format != "rv1_nosched":
            positions = {pos for pos, _c, _g in selected} if whole else set()
            scheduling = jgf(self, selected, positions,
                             shorthand=self.config.match_format == "rv1_shorthand")
        R = FluxionR._make(ranks, at, end, 0, properties, scheduling, True)
        self._record(jobid, R, selected, end)
        if whole:
            self._exclusive[jobid] = [pos for pos, _c, _g in selected]
        self._touch(selected)
        self.reservations.pop(jobid, None)
        return R

    def _reserve(self, jobid, start, duration, selected):
        self.reservations[jobid] = (start, min(start + duration, self.graph_end), selected)
        self._touch(selected)

    def cancel_reservations(self):
        """Drop every reservation (a backfilling loop starts by doing so)."""
        self.reservations.clear()

    def free(self, jobid):
        super().free(jobid)
        self._exclusive.pop(jobid, None)
