"""Side by side: one 2,000-job stream on real Flux and on fluxsim.

Real Flux runs a stream of jobs with fake resources (``flux resource
reload -f`` of a 16 x 4-core R) and mock execution
(``attributes.system.exec.test``) under one scheduler configuration;
fluxsim replays the same stream in virtual time with the same scheduler and
configuration.  The script reports both rates (jobs per second of wall
time) and their ratio as a Markdown table, and compares, job by job, the
allocation (R_lite) and the position in start order.  With ``--record`` it
writes what real Flux did to ``conformance/golden/trace_fidelity_<config>.json``
(flux-core version, for Fluxion also the flux-sched version and Fluxion's
configuration, the stream, and per job its start order index and R_lite),
which ``tests/test_trace_fidelity.py`` checks fluxsim against.

Configurations (``--policy``): ``fifo`` and ``backfill`` are flux-core's
``sched-simple`` and ``sched-backfill``; ``fluxion_<match>_<queue>`` is
Fluxion with that match policy and queue policy (``fluxion`` alone: six
of them, ``first``, ``lonode`` and ``high`` under ``fcfs`` and ``easy``).

Every stream is made robust to real time first (``--robust``), because
real Flux runs in real time and fluxsim does not:

- sched-simple: fluxsim processes all events of one instant before it
  schedules; real Flux sees two jobs that end "at the same second" a few
  milliseconds apart, and may schedule in between, and compares ``now +
  duration <= shadow`` on a clock that has moved on.  So the stream is
  replayed with same-time job ends processed together, one by one in start
  order, one by one in reverse and in random orders, and backfill ties
  (``now + duration == shadow``) are detected; while any of these changes a
  placement, the job at fault runs one to three seconds longer.  Jobs are
  submitted while the scheduler module is unloaded, then it is loaded.

- Fluxion: its choices depend on what is free at the very moment of each
  match (under ``first`` a node's weight is its free core count when a job
  was last placed there; ``lonode`` and ``high`` take the lowest or highest
  free ids), so two jobs ending in the same second make the next placement
  depend on the order and the grouping in which real Flux receives their
  frees; and Fluxion counts time in whole seconds of the system clock (a
  match runs at ``at = floor(now)``, R's ``starttime = at`` and
  ``expiration = at + ceil(duration)``, reservations are planned on those
  whole seconds).  So the stream is built so that nothing depends on the
  milliseconds:

  1. no two jobs end in the same second.  Shapes and time limits (8-40 s)
     are drawn first; each job's run time is chosen in simulation when the
     job starts (no scheduler sees run times): its drawn run time if no
     other running job ends in that second, else the nearest free second.
     When every second it could end in is taken, a running job that
     completes early moves to another free second, and failing that the
     job's time limit grows by one to three seconds and the stream is built
     again.  So about one job ends a second, and 2,000 jobs take 45-50
     minutes of real time;
  2. ends fall just after whole seconds, and each scheduling loop runs in
     the second of the end that triggers it.  Most jobs run into their
     time limit (``run_duration`` beyond ``duration``): job-exec's
     expiration timer fires at R's expiration, a whole second, however late
     in its second the job started, so these ends do not drift.  A job
     completes early (``run_duration`` two seconds or more below
     ``duration``, so that job-exec's expiration timer cannot overtake a
     completion that started late in its second) preferably only if it
     ends a chain of at most ``MAX_CHAIN`` early completions (the job, the
     one whose end let it start, and so on): a completion comes as late
     after its second as its job started after its own, plus the latency
     of one end-to-start round, so lateness adds up along a chain.  With
     ``MAX_CHAIN`` 1 a job started by an end on the whole second may
     complete early; one started by an early completion ends at its time
     limit unless that second is taken (then it may complete early too),
     and a job without time limit completes when its run time says, so
     chains of two or three early completions still occur (the run's
     check below is what bounds the lateness).  A loop starts its jobs one
     after another, so only the first ``LOOP_EARLY`` starts of a loop may
     complete early, and none of the first loop (the blocker's cancel
     starts a dozen or so jobs at once);
  3. every job is submitted while a *blocker* holds the whole instance (a
     16-node job without time limit, stream entry 0), so that Fluxion has
     the whole stream queued before its first loop; the blocker is
     cancelled just after a whole second (``cancel_at`` 1 in simulation).
     Submitting with Fluxion's modules unloaded and then loading them
     (``flux modprobe load``) works too, but the first loop then runs
     wherever in its second the load ends, while Fluxion is still
     receiving the queue.  ``[exec] max-start-delay-percent`` is raised so
     that job-exec never moves an expiration later by the start delay (it
     does when the delay exceeds 25% of the time limit).

  The run checks what this relies on: every job's R starttime, counted
  from the blocker's cancel, must be the second it starts in simulation
  (reported as "on the second"); a run that misses is not recorded.  On a
  busy machine an end-to-start round can take most of a second, so the
  instances run ``--parallel`` at a time (default 3), and all of them
  submit before any of them cancels its blocker.

Without ``--robust`` the stream is raw: run times of 1-3 s and time limits
a little longer, many jobs ending in every second (for Fluxion behind the
blocker).  Real Flux then runs it as fast as it can, which is the rate to
compare with fluxsim's, but its placements depend on sub-second timing.

Usage (needs ``flux`` on PATH; its Python bindings are imported as fluxexec
does, through ``flux python`` where they are not on ``sys.path``)::

    python benchmarks/trace_fidelity.py [--jobs 2000] [--record] [--robust]
        [--policy fifo backfill | fluxion | fluxion_first_fcfs ...] [--parallel 3]
    python benchmarks/trace_fidelity.py --policy fluxion --robust --record   # goldens
"""

import argparse
import heapq
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fluxsim.fluxion.config import MATCH_POLICIES, QUEUE_POLICIES  # noqa: E402
from fluxsim.scheduler import FLUXION  # noqa: E402
from fluxsim.scheduler.backfill import BackfillScheduler  # noqa: E402
from fluxsim.testexec import ExecPlan  # noqa: E402
from fluxsim.trace.replay import _COMPLETE, _EXPIRE, _RUNNING, _LeanReplay, replay  # noqa: E402
from fluxsim.trace.workload import TraceJob, Workload, jobspec  # noqa: E402

NNODES, CORES = 16, 4
GOLDEN = ROOT / "conformance" / "golden"
SCHED_SIMPLE = {"fifo": "sched-simple", "backfill": "sched-backfill"}
#: job-exec moves a job's expiration by its start delay when the delay is
#: over this share of its time limit; the Fluxion runs raise it out of reach.
EXEC_CONFIG = {"exec": {"max-start-delay-percent": 1000000.0}}
#: The longest chain of early completions (see above).
MAX_CHAIN = 1
#: Of the jobs one scheduling loop starts, only the first this many may
#: complete early: the later ones start later in their second.
LOOP_EARLY = 3
#: The blocker's stream entry: all nodes, no time limit, cancelled at 1 s.
BLOCKER = {"nodes": NNODES, "duration": 0, "run_duration": 86400, "cancel_at": 1}


def fluxion_name(match, queue):
    """The configuration name of Fluxion with ``match`` and ``queue`` policies."""
    return f"fluxion_{match}_{queue}"


def fluxion_tables(name):
    """``fluxion_<match>_<queue>`` as Fluxion's config tables."""
    _, match, queue = name.split("_", 2)
    return {"sched-fluxion-resource": {"match-policy": match},
            "sched-fluxion-qmanager": {"queue-policy": queue}}


CONFIGS = list(SCHED_SIMPLE) + [
    fluxion_name(m, q) for m in MATCH_POLICIES for q in QUEUE_POLICIES
]
#: What ``--policy fluxion`` runs.
FLUXION_SIX = tuple(fluxion_name(m, q) for m in ("first", "lonode", "high")
                         for q in ("fcfs", "easy"))


def is_fluxion(name):
    """Whether configuration ``name`` is Fluxion's."""
    return name.startswith("fluxion_")


def sim_kwargs(name):
    """``replay()`` arguments for a configuration name."""
    if is_fluxion(name):
        return {"scheduler": FLUXION, "config": fluxion_tables(name)}
    return {"policy": name}


# -- the stream ------------------------------------------------------------------------


def _shape(rng):
    """A job's size: ``{"nodes": n}`` (15%) or ``{"cores": n}``."""
    if rng.random() < 0.15:
        return {"nodes": rng.choice((1, 1, 2, 2, 3, 4))}
    return {"cores": rng.choice((1, 1, 1, 2, 2, 3, 4, 6, 8))}


def make_stream(njobs, seed=1, runs=(1, 3)):
    """sched-simple's stream: ``[{"cores"|"nodes", "duration", "run_duration"}, ...]``.

    All submitted at 0; run times are whole seconds in ``runs`` (inclusive).
    """
    rng = random.Random(seed)
    stream = []
    for _ in range(njobs):
        entry = _shape(rng)
        run = rng.randint(*runs)
        entry["run_duration"] = run
        # whole seconds, and a limit above the run time: real Flux's
        # expiration timer and testexec's would otherwise race
        entry["duration"] = 0 if rng.random() < 0.03 else run + rng.randint(1, 4)
        stream.append(entry)
    return stream


def make_fluxion_stream(njobs, seed=1, limits=(8, 40), early=0.4):
    """Fluxion's stream: the blocker, then ``njobs`` jobs with drawn time limits.

    Time limits are whole seconds in ``limits``; 3% of the jobs have none.
    ``run_duration`` is the drawn run time (below the limit for a share
    ``early`` of the jobs, else past it); :func:`build` settles it.
    """
    rng = random.Random(seed)
    stream = [dict(BLOCKER)]
    for _ in range(njobs):
        entry = _shape(rng)
        limit = rng.randint(*limits)
        if rng.random() < 0.03:
            entry["duration"] = 0
            entry["run_duration"] = limit
        else:
            entry["duration"] = limit
            early_ok = limit >= 3 and rng.random() < early
            entry["run_duration"] = rng.randint(1, limit - 2) if early_ok else limit + 5
        stream.append(entry)
    return stream


def workload(stream):
    """The stream as a fluxsim Workload (job names are stream indices)."""
    jobs = []
    for i, e in enumerate(stream):
        if "nodes" in e:
            spec = jobspec(nnodes=e["nodes"], cores_per_node=CORES, duration=e["duration"],
                           run_duration=e["run_duration"], name=f"j{i}")
        else:
            spec = jobspec(ncores=e["cores"], duration=e["duration"],
                           run_duration=e["run_duration"], name=f"j{i}")
        jobs.append(TraceJob(i, 0.0, spec, cancel_at=e.get("cancel_at"),
                             nnodes=e.get("nodes", 0), ncores=e.get("cores", 0)))
    return Workload(jobs, source="trace_fidelity")


def _resource_set():
    from fluxsim.resource.rv1 import Rv1

    return Rv1.from_shape(NNODES, CORES)


# -- Fluxion: building a stream whose outcome does not depend on milliseconds ----------


class _Builder(_LeanReplay):
    """The lean replay, choosing each job's run time as it starts (see the module doc).

    ``level`` of a job: 1 + the level of the end that let it start, where
    a timeout or a cancel is level 0 (on the whole second) and an early
    completion has its job's level; so a job that completes early ends a
    chain of ``level`` early completions.  A run time may be changed until
    the job ends (the scheduler never sees it), so when every second a new
    job could end in is taken, a running job that completes early gives its
    second up and moves to a free one.
    """

    def __init__(self, stream, name):
        from fluxsim.trace.replay import fluxion_config

        conf = fluxion_config(fluxion_tables(name))
        super().__init__(workload(stream), _resource_set(), FLUXION, [], None, {}, conf)
        self.stream = stream
        self.owner = {}  # second -> the running job that ends in it
        self.started_at = {}
        self.level = {}
        self.trigger = 0
        self.loop_at, self.loop_starts = None, 0  # the current loop's time, its starts so far
        self.collisions = []  # jobs that found every second they could end in taken
        self.forced = 0  # early completions turned into timeouts by MAX_CHAIN
        self.moved = 0

    def _complete(self, job, token):
        if job.token == token and job.state == _RUNNING:
            self.trigger = self.level.get(int(job.trace.name), 0)
        super()._complete(job, token)

    def _expire(self, job, token):
        if job.token == token and job.state == _RUNNING:
            self.trigger = 0
        super()._expire(job, token)

    def _cancel(self, job, token):
        # only the blocker is cancelled: the loop that follows starts the
        # first jobs of the stream at once, none of which completes early
        self.trigger = MAX_CHAIN + 1
        super()._cancel(job, token)

    def alloc_success(self, job, R, annotations=None):
        index = int(job.trace.name)
        entry = self.stream[index]
        if "cancel_at" in entry:
            return super().alloc_success(job, R, annotations)
        start = int(self.now)
        if self.now != self.loop_at:
            self.loop_at, self.loop_starts = self.now, 0
        self.loop_starts += 1
        level = self.trigger + 1
        if self.loop_starts > LOOP_EARLY:
            level = max(level, MAX_CHAIN + 2)
        self.level[index] = level
        self.started_at[index] = start
        end = self._choose(entry, start, level)
        self._set_end(job, entry, start, end, push=False)
        super().alloc_success(job, R, annotations)

    def _set_end(self, job, entry, start, end, push=True):
        limit = entry["duration"]
        run = limit + 5 if limit and end == start + limit else end - start
        entry["run_duration"] = run
        job.plan = ExecPlan(float(run))
        self.owner[end] = job
        if push:
            # the old end event goes stale with the old token
            job.token += 1
            if limit and run > limit:
                self._push(float(end), _EXPIRE, job, job.token)
            else:
                self._push(float(end), _COMPLETE, job, job.token)

    def _seconds(self, entry, start, level):
        """The seconds a job started at ``start`` may end in, best first."""
        limit, run = entry["duration"], entry["run_duration"]
        if not limit:
            want = start + run
            return sorted(range(start + 1, want + 4 * run),
                          key=lambda t: (abs(t - want), t))
        timeout = start + limit
        # an early completion ends two seconds or more before the limit:
        # a job may start late in its second, and job-exec's expiration
        # timer must not fire before its completion is through
        early = range(timeout - 2, start, -1)
        if level > MAX_CHAIN:
            if run < limit:
                self.forced += 1
            return [timeout] + (list(early) if level <= MAX_CHAIN + 1 else [])
        if run >= limit:
            return [timeout] + list(early)
        want = start + run
        return sorted([*early, timeout], key=lambda t: (abs(t - want), t == timeout, t))

    def _choose(self, entry, start, level):
        """The second the job ends in: its drawn end if free, else the nearest free one."""
        candidates = self._seconds(entry, start, level)
        owner = self.owner
        for t in candidates:
            if t not in owner or owner[t].state != _RUNNING:
                return t
        for t in candidates:
            other = owner[t]
            index = int(other.trace.name)
            oentry = self.stream[index]
            ostart = self.started_at[index]
            if oentry["duration"] and oentry["run_duration"] > oentry["duration"]:
                continue  # runs into its limit: its end is fixed
            for u in self._seconds(dict(oentry, run_duration=t - ostart), ostart, 1):
                if u > start and (u not in owner or owner[u].state != _RUNNING):
                    self._set_end(other, oentry, ostart, u)
                    self.moved += 1
                    return t
        self.collisions.append(int(entry["index"]))
        return candidates[0]


def build(base, name, max_rounds=500, log=print):
    """A copy of the Fluxion stream ``base`` with run times settled for ``name``.

    A job that finds every second it could end in taken gets a time limit
    one to three seconds longer, and the stream is built again, until no
    two jobs end in the same second.
    """
    base = [dict(e, index=i) for i, e in enumerate(base)]
    bump = random.Random(0)
    for rounds in range(max_rounds):
        stream = [dict(e) for e in base]
        builder = _Builder(stream, name)
        builder.run()
        if not builder.collisions:
            break
        first = builder.collisions[0]
        step = bump.randint(1, 3)
        base[first]["duration"] += step
        if base[first]["run_duration"] > base[first]["duration"] - step:
            base[first]["run_duration"] += step  # still past the limit
    else:
        raise RuntimeError(f"{name}: jobs still share end seconds after {max_rounds} rounds")
    for e in stream:
        del e["index"]
    levels = list(builder.level.values())
    early = sum(1 for e in stream[1:] if e["duration"] and e["run_duration"] < e["duration"])
    log(f"{name}: built after {rounds} longer limits; {early} early completions, "
        f"{builder.forced} held to their limit by the chain bound, {builder.moved} moved, "
        f"at most {max(levels) - 1 if levels else 0} early completions in a row before a start")
    return stream


def check_built(stream, name):
    """Problems of a built stream under fluxsim's own replay (both engines); [] if none."""
    problems = []
    keys = None
    for mode in ("fast", "instance"):
        result = replay(workload(stream), nnodes=NNODES, cores_per_node=CORES, mode=mode,
                        **sim_kwargs(name))
        got = [(r.start, r.end, _rlite(r), r.result) for r in result.records]
        if keys is not None and got != keys:
            problems.append("fast and instance engines differ")
        keys = got
        ends = {}
        for i, r in enumerate(result.records):
            if r.end is not None:
                ends.setdefault(r.end, []).append(i)
        shared = {t: jobs for t, jobs in ends.items() if len(jobs) > 1}
        if shared:
            problems.append(f"{mode}: {len(shared)} seconds with several ends, e.g. "
                            f"{sorted(shared.items())[:3]}")
    return problems


# -- sched-simple: timing-robustness checks in simulation -------------------------------


class _TieDetector(BackfillScheduler):
    """Backfill that notes candidates with ``now + duration == shadow`` exactly."""

    ties = None

    def _backfill(self, candidates, now, shadow, head_id):
        for job in candidates:
            d = job.request.duration
            if d > 0 and now + d == shadow:
                type(self).ties.append(job.id)
        return super()._backfill(candidates, now, shadow, head_id)


class _OneByOne(_LeanReplay):
    """The lean engine, with the ends of an instant taken in another order.

    ``reverse`` takes the ends in reverse start order; ``seed`` shuffles
    them and runs a pass after each with probability ``chance``: real Flux
    sees them in the order of start time plus a few ms of jitter, and runs
    its scheduler between some of them.  ``batch`` takes them all, then
    runs one pass.
    """

    reverse = False
    seed = None
    chance = 1.0
    batch = False

    def run(self):
        for fault in self.faults:
            self._push(fault.time, 0, fault)
        self.index = 0
        if self.jobs:
            self._push(self.jobs[0].submit, 1, None)
        heap = self.heap
        dispatch = (self._fault, self._submit, self._complete, self._expire, self._cancel)
        schedule = self.scheduler.run
        rng = random.Random(self.seed) if self.seed is not None else None
        while True:
            due = []
            while heap and heap[0][0] <= self.now:
                due.append(heapq.heappop(heap))
            ends = [e for e in due if e[2] in (_COMPLETE, _EXPIRE)]
            others = [e for e in due if e[2] not in (_COMPLETE, _EXPIRE)]
            if self.reverse:
                ends.reverse()
            if rng is not None:
                rng.shuffle(ends)
            for _, _, kind, obj, token in others + ends:
                dispatch[kind](obj, token)
                if kind in (_COMPLETE, _EXPIRE):
                    if self.batch or (rng is not None and rng.random() > self.chance):
                        continue
                    while self.sched_requested:
                        self.sched_requested = False
                        schedule()
            if self.sched_requested:
                while self.sched_requested:
                    self.sched_requested = False
                    schedule()
                continue
            if not heap:
                break
            self.now = heap[0][0]
        return self.records, {}


def _variant(name, **attrs):
    return type(f"_Variant_{name}", (_OneByOne,), attrs)


_VARIANTS = [("forward", _OneByOne), ("reverse", _variant("reverse", reverse=True))] + [
    (f"shuffle{seed}", _variant(f"shuffle{seed}", seed=seed, chance=chance))
    for seed, chance in ((1, 1.0), (2, 1.0), (3, 0.5), (4, 0.5), (5, 0.3), (6, 0.7))
]


def _variants(w, policy):
    """Records of the stream under each timing variant, and backfill ties."""
    from fluxsim.scheduler import POLICIES as REG

    R = _resource_set()
    out = {}
    ties = []
    saved = REG.get("backfill")
    if policy == "backfill":
        _TieDetector.ties = ties
        REG["backfill"] = _TieDetector
    try:
        for name, cls in [("batch", _variant("batch", batch=True))] + _VARIANTS:
            records, _ = cls(w, R, policy, [], None, {}, None).run()
            out[name] = records
    finally:
        REG["backfill"] = saved
    return out, ties


def _placement(rec):
    return (rec.order, _rlite(rec))


def robust(stream, policies, max_rounds=2000, log=print):
    """Lengthen run times until no sched-simple placement depends on sub-second timing."""
    bump = random.Random(0)
    for rounds in range(max_rounds):
        changed = False
        for policy in policies:
            w = workload(stream)
            runs, ties = _variants(w, policy)
            batch = runs["batch"]
            bad = set()
            for name, _ in _VARIANTS:
                other = runs[name]
                diff = [i for i in range(len(batch)) if _placement(batch[i]) != _placement(other[i])]
                if diff:
                    first = min(diff, key=lambda i: batch[i].start)
                    t = batch[first].start
                    ending = [i for i, r in enumerate(batch) if r.end == t]
                    bad.add(max(ending) if ending else first)
            ids = {rec.jobid: i for i, rec in enumerate(batch)}
            bad.update(ids[j] for j in ties[:1])
            for i in sorted(bad)[:1]:
                # a random step: +1 every time would line ends up again
                step = bump.randint(1, 3)
                e = stream[i]
                e["run_duration"] += step
                if e["duration"]:
                    e["duration"] += step
                changed = True
            if changed:
                break
        if not changed:
            log(f"stream robust after {rounds} adjustments")
            return stream
    raise RuntimeError("could not make the stream robust")


# -- real Flux ---------------------------------------------------------------------------


FLUXION_MODULES = ("sched-fluxion-qmanager", "sched-fluxion-feasibility", "sched-fluxion-resource")


def _flux(*args, check=True):
    return subprocess.run(["flux", *args], check=check, capture_output=True, text=True)


def _submit_all(h, w):
    import flux.job

    # One at a time: job-ingest validates in parallel workers, so a burst
    # of submissions may get ids (and so FIFO order) out of stream order.
    ids = [flux.job.submit(h, json.dumps(job.jobspec)) for job in w]
    assert ids == sorted(ids)
    return ids


def _collect(h, ids):
    import flux.job

    infos = {int(info.id): info for info in flux.job.JobList(h, max_entries=0, ids=ids).jobs()}
    out = []
    for i, jobid in enumerate(ids):
        info = infos[jobid]
        R = flux.job.job_kvs_lookup(h, jobid, keys=["R"], decode=True)["R"]
        execution = R["execution"] if R else {}
        out.append({
            "index": i,
            "t_run": info.t_run,
            "R_lite": execution.get("R_lite"),
            "nodelist": execution.get("nodelist"),
            "starttime": execution.get("starttime"),
            "expiration": execution.get("expiration"),
            "result": info.result,
        })
    order = sorted((e for e in out if e["t_run"]), key=lambda e: (e["t_run"], e["index"]))
    for k, e in enumerate(order):
        e["order"] = k
    return out


def run_real_simple(stream, policy, rpath, barrier=None):
    """Inside a flux instance: the stream under a sched-simple ``policy``."""
    import flux

    module = SCHED_SIMPLE[policy]
    h = flux.Flux()
    for m in ("sched-simple", "sched-backfill", "sched-fifo"):
        _flux("module", "remove", "-f", m, check=False)
    _flux("resource", "reload", "-f", rpath)
    ids = _submit_all(h, workload(stream))
    _barrier(barrier, policy)
    t0 = time.time()
    _flux("module", "load", module)
    _flux("queue", "drain")
    t1 = time.time()
    out = _collect(h, ids)
    for e in out:
        if e["t_run"]:
            e["start"] = e["t_run"] - t0
        e.pop("t_run")
    _flux("module", "remove", module)
    return {"policy": policy, "module": module, "wall": t1 - t0, "jobs": out,
            "flux_version": _flux("version").stdout.split("\n")[0].split()[-1]}


def run_real_fluxion(stream, name, rpath, barrier=None):
    """Inside a flux instance configured for ``name``: the Fluxion stream (blocker first)."""
    import flux
    import flux.job
    from conformance.record import fluxion_config, fluxion_version

    h = flux.Flux()
    _flux("modprobe", "remove", *FLUXION_MODULES)
    _flux("resource", "reload", "-f", rpath)
    _flux("modprobe", "load", *FLUXION_MODULES[:2])
    instance = types.SimpleNamespace(uri=os.environ["FLUX_URI"], flux="flux", handle=h,
                                     config=fluxion_tables(name))
    sched_version = fluxion_version(instance)
    w = workload(stream)
    blocker = flux.job.submit(h, json.dumps(w.jobs[0].jobspec))
    flux.job.event_wait(h, blocker, "start")
    ids = [blocker] + _submit_all(h, w.jobs[1:])
    _wait_queued(h, len(ids) - 1)
    _barrier(barrier, name)
    # cancel the blocker just after a whole second: Fluxion counts whole seconds
    time.sleep(1.0 - time.time() % 1.0 + 0.001)
    t0 = time.time()
    flux.job.cancel(h, blocker)
    _flux("queue", "drain")
    t1 = time.time()
    out = _collect(h, ids)
    base = math.floor(t0) - int(stream[0]["cancel_at"])
    for e in out:
        e["offset"] = e["t_run"] - math.floor(e["t_run"]) if e["t_run"] else None
        if e["index"] == 0:
            e["starttime"] = e["expiration"] = None  # before the stream's time 0
        else:
            e["starttime"] -= base
            # no limit: the graph's end, which is no time of the stream
            e["expiration"] = e["expiration"] - base if e["expiration"] < 4e9 else None
        e.pop("t_run")
    return {"policy": name, "module": "sched-fluxion-qmanager", "wall": t1 - t0, "jobs": out,
            "flux_version": _flux("version").stdout.split("\n")[0].split()[-1],
            "flux_sched_version": sched_version,
            "fluxion_config": fluxion_config(instance)}


def _wait_queued(h, njobs, limit=120.0):
    """Wait until Fluxion's qmanager holds ``njobs`` jobs (pending or blocked)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        stats = h.rpc("sched-fluxion-qmanager.stats-get", nodeid=0).get()
        queued = sum(
            len(q["pending_queues"].get(k, []))
            for q in stats.get("queues", {}).values()
            for k in ("pending", "pending_provisional", "blocked")
        )
        if queued >= njobs:
            return
        time.sleep(0.1)
    raise RuntimeError(f"Fluxion did not queue {njobs} jobs in {limit:.0f} s")


def _barrier(barrier, name, limit=3600.0):
    """Wait until every instance of the batch (``(directory, parties)``) is ready."""
    if barrier is None:
        return
    directory, parties = barrier
    Path(directory, f"{name}.ready").touch()
    deadline = time.monotonic() + limit
    while len(list(Path(directory).glob("*.ready"))) < parties:
        if time.monotonic() > deadline:
            raise RuntimeError("the other instances of the batch never got ready")
        time.sleep(0.1)


def _inside(args):
    from fluxexec.backends import load

    load("flux")  # flux-core's bindings, found through `flux python` if need be
    stream = json.loads(Path(args.stream).read_text())
    barrier = (args.barrier, args.parties) if args.barrier else None
    results = []
    for name in args.policy:
        run = run_real_fluxion if is_fluxion(name) else run_real_simple
        results.append(run(stream, name, args.R, barrier))
    Path(args.output).write_text(json.dumps(results))


def real_flux(streams, workdir, parallel=3):
    """Run every configuration in a flux instance of its own, ``parallel`` at a time.

    The instances of a batch submit their streams, wait for each other,
    then start them.  Returns the results.
    """
    from conformance.backends import SCHED_SIMPLE_TOML, toml_text

    workdir.mkdir(parents=True, exist_ok=True)
    rpath = workdir / "R.json"
    rpath.write_text(_resource_set().encode())
    names = list(streams)
    results = []
    for first in range(0, len(names), parallel):
        batch = names[first:first + parallel]
        barrier = workdir / f"barrier-{first // parallel}"
        barrier.mkdir(exist_ok=True)
        for ready in barrier.glob("*.ready"):
            ready.unlink()
        procs = []
        for name in batch:
            spath, opath = workdir / f"stream-{name}.json", workdir / f"real-{name}.json"
            spath.write_text(json.dumps(streams[name]))
            opath.unlink(missing_ok=True)
            confdir = workdir / f"conf-{name}"
            confdir.mkdir(exist_ok=True)
            if is_fluxion(name):
                conf = toml_text({**fluxion_tables(name), **EXEC_CONFIG})
            else:
                # flux start loads Fluxion where flux-sched is installed
                conf = SCHED_SIMPLE_TOML
            (confdir / "instance.toml").write_text(conf)
            cmd = ["flux", "start", "-s1", f"--config-path={confdir}", sys.executable, __file__,
                   "--inside", "--stream", str(spath), "--R", str(rpath), "--output", str(opath),
                   "--policy", name, "--barrier", str(barrier), "--parties", str(len(batch))]
            procs.append((name, subprocess.Popen(cmd), opath))
        for name, proc, opath in procs:
            if proc.wait() != 0 or not opath.exists():
                # e.g. sched-backfill 0.88 dies on a double allocation under load
                results.append({"policy": name, "error": f"flux start exited {proc.returncode}"})
                continue
            results.extend(json.loads(opath.read_text()))
    return results


# -- comparison --------------------------------------------------------------------------


def _rlite(rec):
    return rec.R.to_dict()["execution"]["R_lite"] if rec.R else None


def _fastest(stream, name, repeat, mode="fast"):
    """The fastest of ``repeat`` replays of ``stream`` (the machine's noise is one-sided)."""
    runs = [replay(workload(stream), nnodes=NNODES, cores_per_node=CORES, mode=mode,
                   **sim_kwargs(name)) for _ in range(repeat)]
    return min(runs, key=lambda r: r.wall)


def compare(stream, real, name, repeat=1):
    """fluxsim vs real Flux for one configuration: agreement counts and rates.

    fluxsim's rates are the fastest of ``repeat`` replays each.
    """
    sim = _fastest(stream, name, repeat)
    same_R = same_order = same = on_second = 0
    diverging = []
    for rec, e in zip(sim.records, real["jobs"]):
        ok_R = _rlite(rec) == e["R_lite"]
        ok_order = rec.order == e.get("order")
        same_R += ok_R
        same_order += ok_order
        same += ok_R and ok_order
        if not (ok_R and ok_order):
            diverging.append(e["index"])
        if e.get("starttime") is not None and rec.start == e["starttime"]:
            on_second += 1
    n = len(stream)
    real_rate = n / real["wall"]
    instance = _fastest(stream, name, repeat, mode="instance")
    row = {
        "policy": name, "jobs": n, "same_R": same_R, "same_order": same_order, "same": same,
        "real_rate": real_rate, "real_wall": real["wall"], "sim_rate": sim.rate,
        "sim_wall": sim.wall, "ratio": sim.rate / real_rate, "diverging": diverging,
        "instance_rate": instance.rate, "instance_wall": instance.wall,
        "makespan": max(r.end for r in sim.records if r.end is not None),
        "repeat": repeat,
    }
    if is_fluxion(name):
        row["on_second"] = on_second
        row["offset_max"] = max(e["offset"] for e in real["jobs"][1:] if e["offset"] is not None)
    if diverging:
        row["first"] = first_divergence(stream, sim, real, diverging)
    return row


def first_divergence(stream, sim, real, diverging):
    """What fluxsim and real Flux did with the first job (in real start order) they disagree on."""
    jobs = real["jobs"]
    i = min(diverging, key=lambda k: (jobs[k].get("order") is None, jobs[k].get("order") or 0, k))
    rec, e = sim.records[i], jobs[i]
    t = rec.start
    ended = [k for k, r in enumerate(sim.records) if r.end is not None and t is not None
             and t - 1 < r.end <= t]
    return {
        "index": i, "entry": stream[i],
        "sim": {"order": rec.order, "start": rec.start, "R_lite": _rlite(rec)},
        "real": {k: e.get(k) for k in ("order", "starttime", "offset", "R_lite", "result")},
        "ended_in_that_second": [
            {"index": k, "sim_end": sim.records[k].end, "R_lite": _rlite(sim.records[k]),
             "result": sim.records[k].result} for k in ended],
    }


def golden(stream, real, name):
    """The golden record for the conformance data."""
    doc = {"flux_version": real["flux_version"]}
    if is_fluxion(name):
        doc.update({
            "flux_sched_version": real["flux_sched_version"],
            "fluxion_config": real["fluxion_config"],
            "scheduler": FLUXION,
            "policy": name,
            "config": fluxion_tables(name),
            "instance_config": EXEC_CONFIG,
            "resources": {"nnodes": NNODES, "cores_per_node": CORES},
            "note": "entry 0 is a blocker (all nodes, no time limit) that runs while every job "
            "is submitted, one at a time, and is cancelled just after a whole second "
            "(cancel_at 1 in simulation); fake resources (flux resource reload -f), mock "
            "execution (attributes.system.exec.test.run_duration; past the time limit, a job "
            "ends at its R expiration); no two jobs end in the same second; starttime = R "
            "starttime in seconds of the stream (the blocker's cancel is second 1)",
            "stream": stream,
            "jobs": [
                {"index": e["index"], "order": e.get("order"), "R_lite": e["R_lite"],
                 "nodelist": e["nodelist"], "result": e["result"], "starttime": e["starttime"]}
                for e in real["jobs"]
            ],
        })
        return doc
    doc.update({
        "scheduler": real["module"],
        "policy": real["policy"],
        "resources": {"nnodes": NNODES, "cores_per_node": CORES},
        "note": "all jobs submitted one at a time while the scheduler was unloaded, then it "
        "was loaded; fake resources (flux resource reload -f), mock execution "
        "(attributes.system.exec.test.run_duration); start = seconds after the load",
        "stream": stream,
        "jobs": [
            {"index": e["index"], "order": e.get("order"), "R_lite": e["R_lite"],
             "nodelist": e["nodelist"], "result": e["result"], "start": e.get("start")}
            for e in real["jobs"]
        ],
    })
    return doc


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def table(report):
    """The rates side by side, as a Markdown table."""
    lines = [
        f"Machine: {os.cpu_count()} CPUs ({_cpu_model()}), Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}; fluxsim: the fastest of "
        f"{max((row['repeat'] for row in report), default=1)} replays",
        "",
        "| configuration | jobs | real Flux | fluxsim (fast) | ratio | fluxsim (instance) "
        "| ratio | same R_lite and order |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report:
        lines.append(
            f"| {row['policy']} | {row['jobs']:,} | {row['real_rate']:.2f} jobs/s "
            f"({row['real_wall']:.1f} s) | {row['sim_rate']:,.0f} jobs/s ({row['sim_wall']:.2f} s) "
            f"| {row['ratio']:,.0f}x | {row['instance_rate']:,.0f} jobs/s "
            f"({row['instance_wall']:.2f} s) | {row['instance_rate'] / row['real_rate']:,.0f}x "
            f"| {row['same']} / {row['jobs']} |")
    return "\n".join(lines)


def _policies(names):
    out = []
    for name in names:
        for n in (FLUXION_SIX if name == "fluxion" else (name,)):
            if n not in CONFIGS:
                raise SystemExit(f"unknown configuration {n!r}; one of: fluxion, {', '.join(CONFIGS)}")
            if n not in out:
                out.append(n)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--policy", nargs="+", default=["fifo", "backfill"], metavar="CONFIG",
                   help="fifo, backfill, fluxion_<match>_<queue>, or fluxion (first, lonode, high x fcfs, easy)")
    p.add_argument("--record", action="store_true", help="write conformance/golden files")
    p.add_argument("--robust", action="store_true",
                   help="first make the stream robust to sub-second timing (see above)")
    p.add_argument("--workdir", default=str(ROOT / "benchmarks" / "out" / "trace_fidelity"))
    p.add_argument("--stream-file", help="take the stream from this JSON file")
    p.add_argument("--runs", type=int, nargs=2, default=None, metavar=("MIN", "MAX"),
                   help="run times in whole seconds (default 1 3); with --robust, Fluxion's "
                   "time limits (default 8 40)")
    p.add_argument("--build-only", action="store_true",
                   help="build and check the robust Fluxion streams (stream-<config>.json "
                   "in the workdir), run no Flux")
    p.add_argument("--built", metavar="DIR",
                   help="take the Fluxion streams built before from DIR/stream-<config>.json")
    p.add_argument("--compare-only", action="store_true",
                   help="run no Flux: compare (and record) the real runs the workdir holds")
    p.add_argument("--parallel", type=int, default=3,
                   help="flux instances running at a time (default 3)")
    p.add_argument("--repeat", type=int, default=3,
                   help="fluxsim's rates: the fastest of this many replays (default 3)")
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--barrier", help=argparse.SUPPRESS)
    p.add_argument("--parties", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--stream", help=argparse.SUPPRESS)
    p.add_argument("--R", help=argparse.SUPPRESS)
    p.add_argument("--output", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.inside:
        return _inside(args)
    names = _policies(args.policy)
    simple = [n for n in names if not is_fluxion(n)]
    fluxion = [n for n in names if is_fluxion(n)]
    streams = {}
    if args.compare_only:
        # what the workdir holds from an earlier run
        results = []
        for name in names:
            path = Path(args.workdir, f"real-{name}.json")
            if path.exists():
                streams[name] = json.loads(Path(args.workdir, f"stream-{name}.json").read_text())
                results.extend(json.loads(path.read_text()))
        return report(results, streams, args)
    if simple:
        if args.stream_file:
            stream = json.loads(Path(args.stream_file).read_text())
        else:
            stream = make_stream(args.jobs, args.seed, tuple(args.runs or (1, 3)))
        if args.robust:
            stream = robust(stream, simple)
        streams.update({n: stream for n in simple})
    if fluxion:
        if args.stream_file:
            base = json.loads(Path(args.stream_file).read_text())
        elif args.robust:
            base = make_fluxion_stream(args.jobs, args.seed, tuple(args.runs or (8, 40)))
        else:
            # the raw stream, for rates: sched-simple's, behind the blocker
            base = [dict(BLOCKER)] + make_stream(args.jobs, args.seed, tuple(args.runs or (1, 3)))
        for name in fluxion:
            if args.built:
                streams[name] = json.loads(Path(args.built, f"stream-{name}.json").read_text())
            elif args.robust:
                streams[name] = build(base, name)
                problems = check_built(streams[name], name)
                for problem in problems:
                    print(f"{name}: {problem}")
                if args.build_only:
                    Path(args.workdir).mkdir(parents=True, exist_ok=True)
                    Path(args.workdir, f"stream-{name}.json").write_text(json.dumps(streams[name]))
            else:
                streams[name] = base
    if args.build_only:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        for name, stream in streams.items():
            Path(args.workdir, f"stream-{name}.json").write_text(json.dumps(stream))
        return 0
    results = real_flux(streams, Path(args.workdir), args.parallel)
    return report(results, streams, args)


def report(results, streams, args):
    """Compare each real run with fluxsim, print the rates table, record if asked."""
    rows = []
    for real in results:
        name = real["policy"]
        if "error" in real:
            print(f"{name}: real Flux run failed: {real['error']}")
            continue
        stream = streams[name]
        row = compare(stream, real, name, args.repeat)
        rows.append(row)
        extra = ""
        if "on_second" in row:
            extra = (f"; R starttime on the simulated second {row['on_second']} / {row['jobs'] - 1}"
                     f" (latest start {row['offset_max']:.3f} s into its second)")
        print(f"{name}: {row['jobs']} jobs; same R_lite {row['same_R']}, same start order "
              f"{row['same_order']}, both {row['same']}{extra}; makespan {row['makespan']:.0f} s")
        if "first" in row:
            print("   first diverging job:", json.dumps(row["first"]))
        if args.record and row.get("on_second", row["jobs"] - 1) != row["jobs"] - 1:
            print("   not recorded: some job did not start on its simulated second, so the "
                  "run did not keep to the stream's timing")
        elif args.record:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            path = GOLDEN / f"trace_fidelity_{name}.json"
            path.write_text(json.dumps(golden(stream, real, name), indent=1) + "\n")
            print("   wrote", path.relative_to(ROOT))
    print()
    print(table(rows))
    Path(args.workdir, "report.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
