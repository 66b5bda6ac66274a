"""Conservative backfill: a reservation for every queued job, as Fluxion does.

This is the ``conservative`` queue policy of Fluxion (flux-sched's
qmanager): each pass walks the first ``queue_depth`` queued jobs (Fluxion's
default is 32) in priority order; each job either starts now or gets a
reservation at the earliest time it fits around the running jobs and the
reservations of the jobs ahead of it.  A job may start now only if it does
not overlap any of those reservations, so no job is ever delayed by one
behind it (the difference from EASY, which protects only the head).
Reservations are planned afresh on every pass, as Fluxion re-plans them.

Where jobs go is the pool's worst-fit (flux's ``Rv1Pool``), as for every
fluxsim policy: a job starts now if the pool's placement for it does not
overlap a reservation on any rank.  Reservations are planned per rank with
the same worst-fit rule applied to the free cores and GPUs each rank will
have over the job's whole run.  A job without a duration runs forever as
far as the plan knows, as in Fluxion where it runs to the end of the
planning horizon.  Constraints are honoured when a job starts, but not in
reservations (the planner places reservations on any rank).

Passes that cannot change anything (same pool, same first ``queue_depth``
jobs) are skipped, and a blocked job's reservation is computed only when a
job behind it could start now: until then nothing depends on it.
"""

import math
from bisect import bisect_left, bisect_right

from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources
from fluxsim.scheduler.base import Scheduler
from fluxsim.scheduler.sortedqueue import SortedQueue

__all__ = ["ConservativeScheduler", "place"]

_INF = math.inf


def place(free_cores, free_gpus, total_cores, request):
    """Where the pool's worst-fit rule puts ``request``, by counts alone.

    ``free_cores`` / ``free_gpus`` / ``total_cores`` are lists indexed by
    rank position.  Returns ``{position: (cores, gpus)}`` or None if the
    request does not fit.  Mirrors ``Pool.alloc``: candidates by most free
    cores, then most free GPUs, then lowest rank.
    """
    slot_size = request.slot_size
    gpu_per_slot = request.gpu_per_slot
    exclusive = request.exclusive
    n = len(free_cores)
    if request.nnodes > 0:
        slots_per_node = request.nslots // request.nnodes
        need_cores = slots_per_node * slot_size
        need_gpus = slots_per_node * gpu_per_slot
        if exclusive:
            order = [p for p in range(n) if free_cores[p] == total_cores[p] and free_cores[p] > 0
                     and free_gpus[p] >= gpu_per_slot]
        else:
            low_c = max(need_cores, slot_size)
            low_g = max(need_gpus, gpu_per_slot)
            order = [p for p in range(n) if free_cores[p] >= low_c and free_gpus[p] >= low_g]
        if len(order) < request.nnodes:
            return None
        order.sort(key=lambda p: (-free_cores[p], -free_gpus[p], p))
        target = request.nnodes_max
        if target is not None:
            order = order[:target]
        if exclusive:
            return {p: (free_cores[p], free_gpus[p]) for p in order}
        return {p: (need_cores, need_gpus) for p in order}
    target = request.nslots_max
    order = [p for p in range(n) if free_cores[p] >= slot_size and free_gpus[p] >= gpu_per_slot]
    order.sort(key=lambda p: (-free_cores[p], -free_gpus[p], p))
    used = {}
    nslots = 0
    for p in order:
        take = free_cores[p] // slot_size
        if gpu_per_slot > 0:
            take = min(take, free_gpus[p] // gpu_per_slot)
        if target is not None:
            take = min(take, target - nslots)
        if take > 0:
            used[p] = (take * slot_size, take * gpu_per_slot)
            nslots += take
        if target is not None and nslots >= target:
            break
    return used if nslots >= request.nslots else None


class _Plan:
    """Free resources per rank over time, for one pass (built on demand)."""

    def __init__(self, sched, now):
        self.now = now
        total_c, total_g = sched._total_cores, sched._total_gpus
        used = sched._used
        pool = sched.pool
        n = len(total_c)
        self.total_cores = total_c
        up = [pool.is_up(rank) for rank in sched._ranks]
        self.up = up
        self.free_cores = [total_c[p] - used[p][0] if up[p] else 0 for p in range(n)]
        self.free_gpus = [total_g[p] - used[p][1] if up[p] else 0 for p in range(n)]
        # Releases of running jobs on up ranks: time -> [(pos, cores, gpus)].
        releases = {}
        by_rank = {}
        for end, usage in sched._running.values():
            if end == _INF:
                continue
            for p, (c, g) in usage.items():
                if up[p]:
                    releases.setdefault(end, []).append((p, c, g))
                    by_rank.setdefault(p, []).append((end, c, g))
        self.release_times = sorted(releases)
        self.releases = releases
        self.releases_by_rank = by_rank
        self.reservations = []  # (start, end, {pos: (cores, gpus)})
        self.reserved_by_rank = {}  # pos -> [(start, end, cores, gpus)]
        self._events = {}  # pos -> (times, deltas), see _rank_events

    def avail(self, p, s):
        """Free (cores, gpus) on position ``p`` at time ``s``."""
        c, g = self.free_cores[p], self.free_gpus[p]
        for end, dc, dg in self.releases_by_rank.get(p, ()):
            if end <= s:
                c += dc
                g += dg
        for start, end, rc, rg in self.reserved_by_rank.get(p, ()):
            if start <= s < end:
                c -= rc
                g -= rg
        return c, g

    def conflicts(self, usage, start, end):
        """Would ``usage`` over [start, end) overlap a reservation?"""
        for p, (c, g) in usage.items():
            reserved = self.reserved_by_rank.get(p)
            if not reserved:
                continue
            checkpoints = {start}
            checkpoints.update(s for s, e, _, _ in reserved if start < s < end)
            for s in checkpoints:
                ac, ag = self.avail(p, s)
                if ac < c or ag < g:
                    return True
        return False

    def reserve(self, start, end, usage):
        """Hold ``usage`` over [start, end)."""
        self.reservations.append((start, end, usage))
        for p, (c, g) in usage.items():
            self.reserved_by_rank.setdefault(p, []).append((start, end, c, g))
            self._events.pop(p, None)

    def _rank_events(self, p):
        """Rank ``p``'s changes of free resources, as sorted times and (cores, gpus) deltas.

        Built once per rank and plan, and again after a reservation touches the rank.
        """
        found = self._events.get(p)
        if found is None:
            deltas = {}
            for e, c, g in self.releases_by_rank.get(p, ()):
                d = deltas.setdefault(e, [0, 0])
                d[0] += c
                d[1] += g
            for start, stop, c, g in self.reserved_by_rank.get(p, ()):
                d = deltas.setdefault(start, [0, 0])
                d[0] -= c
                d[1] -= g
                d = deltas.setdefault(stop, [0, 0])
                d[0] += c
                d[1] += g
            times = sorted(deltas)
            found = self._events[p] = (times, [deltas[when] for when in times])
        return found

    def window_min(self, p, t, end, cores, gpus):
        """Least free (cores, gpus) on ``p`` over (t, end), from its value at t.

        Only this rank's own events in the window matter: releases and
        reservation ends add, reservation starts take.
        """
        times, deltas = self._rank_events(p)
        low_c, low_g = cores, gpus
        for k in range(bisect_right(times, t), bisect_left(times, end)):
            dc, dg = deltas[k]
            cores += dc
            gpus += dg
            if cores < low_c:
                low_c = cores
            if gpus < low_g:
                low_g = gpus
        return low_c, low_g

    def earliest(self, request, duration, ncores, ngpus):
        """The earliest start and placement of ``request``, or (None, None)."""
        now = self.now
        times = set(t for t in self.release_times if t > now)
        times.update(e for _, e, _ in self.reservations if now < e < _INF)
        candidates = [now] + sorted(times)
        cores = list(self.free_cores)
        gpus = list(self.free_gpus)
        # Reservations active at now.
        for start, end, usage in self.reservations:
            if start <= now < end:
                for p, (c, g) in usage.items():
                    cores[p] -= c
                    gpus[p] -= g
        total_c, total_g = sum(cores), sum(gpus)
        release_times = self.release_times
        ri = bisect_right(release_times, now)
        t_prev = now
        for t in candidates:
            if t > t_prev:
                # Advance the availability to t: releases, reservations
                # that end or start in (t_prev, t].
                while ri < len(release_times) and release_times[ri] <= t:
                    for p, c, g in self.releases[release_times[ri]]:
                        cores[p] += c
                        gpus[p] += g
                        total_c += c
                        total_g += g
                    ri += 1
                for start, end, usage in self.reservations:
                    began = t_prev < start <= t
                    ended = t_prev < end <= t
                    was_active = start <= t_prev < end
                    if began and not ended:
                        sign = -1
                    elif ended and was_active:
                        sign = 1
                    else:
                        continue
                    for p, (c, g) in usage.items():
                        cores[p] += sign * c
                        gpus[p] += sign * g
                        total_c += sign * c
                        total_g += sign * g
                t_prev = t
            # Free now at t bounds the least free over the window from above.
            if total_c < ncores or total_g < ngpus:
                continue
            end = t + duration if duration > 0 else _INF
            snap_c, snap_g = cores, gpus
            touched = set()
            for start, _, usage in self.reservations:
                if t < start < end:
                    touched.update(usage)
            if touched:
                snap_c = list(cores)
                snap_g = list(gpus)
                for p in touched:
                    snap_c[p], snap_g[p] = self.window_min(p, t, end, cores[p], gpus[p])
                if sum(snap_c) < ncores or sum(snap_g) < ngpus:
                    continue
            usage = place(snap_c, snap_g, self.total_cores, request)
            if usage is not None:
                return t, usage
        return None, None


class ConservativeScheduler(Scheduler):
    """Conservative backfill, as Fluxion's ``conservative`` queue policy."""

    name = "conservative"
    #: Fluxion's default ``queue-params.queue-depth``: jobs considered a pass.
    queue_depth = 32

    def __init__(self, host, R, queue_depth=None):
        super().__init__(host, R, queue_depth)
        self.queue = SortedQueue()
        self._last = None  # (pool generation, ids considered) of the last pass
        ranks = self.pool.R.ranks
        self._ranks = list(ranks)
        self._pos = {rank: p for p, rank in enumerate(self._ranks)}
        self._total_cores = [len(info.cores) for info in ranks.values()]
        self._total_gpus = [len(info.gpus) for info in ranks.values()]
        self._used = [[0, 0] for _ in self._ranks]
        self._running = {}  # job id -> (end, {pos: (cores, gpus)})
        # Also counted: passes skipped, plans built, reservations made.
        self.stats.update(skipped=0, plans=0, reservations=0, attempts=0)

    # -- the scheduler interface -----------------------------------------------

    def enqueue(self, job):
        self.queue.push(job)

    def dequeue(self, job):
        self.queue.remove(job)

    def free(self, job):
        """The job's resources come back, to the pool and to the plan."""
        super().free(job)
        entry = self._running.pop(job.id, None)
        if entry is not None:
            for p, (c, g) in entry[1].items():
                self._used[p][0] -= c
                self._used[p][1] -= g

    # -- a pass -------------------------------------------------------------------

    def _usage(self, R):
        pos = self._pos
        return {pos[rank]: (len(info.cores), len(info.gpus)) for rank, info in R.ranks.items()}

    def schedule(self):
        """One pass over the first ``queue_depth`` jobs: start or reserve each."""
        pool = self.pool
        queue = self.queue
        jobs = queue.first(self.queue_depth)
        if not jobs:
            return
        key = (pool.generation, tuple(job.id for job in jobs))
        if key == self._last:
            self.stats["skipped"] += 1
            return
        now = self.host.timestamp()
        plan = None
        blocked = []  # jobs ahead whose reservations are not computed yet
        for job in jobs:
            request = job.request
            duration = request.duration
            end = now + duration if duration > 0 else _INF
            self.stats["attempts"] += 1
            try:
                R = pool.alloc(job.id, request, now)
            except InfeasibleRequest as exc:
                queue.remove(job)
                self.deny(job, str(exc))
                continue
            except InsufficientResources:
                R = None
            if R is not None:
                usage = self._usage(R)
                if blocked:
                    if plan is None:
                        plan = _Plan(self, now)
                        self.stats["plans"] += 1
                    for waiting in blocked:
                        self._reserve(plan, waiting, now)
                    blocked.clear()
                if plan is None or not plan.conflicts(usage, now, end):
                    queue.remove(job)
                    self._running[job.id] = (end, usage)
                    for p, (c, g) in usage.items():
                        self._used[p][0] += c
                        self._used[p][1] += g
                    if plan is not None:
                        plan.reserve(now, end, usage)
                    self.success(job, R)
                    continue
                pool.free(job.id)  # it would delay a job ahead: undo
            blocked.append(job)
        self._last = (pool.generation, tuple(job.id for job in queue.first(self.queue_depth)))

    def _reserve(self, plan, job, now):
        request = job.request
        duration = request.duration
        start, usage = plan.earliest(request, duration, request.ncores, request.ngpus)
        if start is None:
            return  # never fits the up ranks: no reservation, as Fluxion
        end = start + duration if duration > 0 else _INF
        plan.reserve(start, end, usage)
        self.stats["reservations"] += 1
