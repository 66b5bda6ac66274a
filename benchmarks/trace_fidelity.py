"""Side by side: one 2,000-job stream on real Flux and on fluxsim.

Real Flux runs it with fake resources (``flux resource reload -f`` of a
16 x 4-core R) and mock execution (``attributes.system.exec.test``), under
``sched-simple`` and under ``sched-backfill``; fluxsim replays it in virtual
time under ``fifo`` and ``backfill``.  The script reports both rates and
their ratio, and compares, job by job, the allocation (R_lite) and the
position in start order.  With ``--record`` it writes what real Flux did to
``conformance/golden/trace_fidelity_<policy>.json`` (flux version, the
stream, and per job its start order index, R_lite and nodelist), which
``tests/test_trace_fidelity.py`` checks fluxsim against.

The stream is made robust to real time.  fluxsim processes all events of
one instant before it schedules; real Flux sees two jobs that end "at the
same second" a few milliseconds apart, and may schedule in between, and
compares ``now + duration <= shadow`` on a clock that has moved on.  So the
stream is tuned in simulation first: it is replayed with same-time job ends
processed together, one by one in start order, and one by one in reverse,
and backfill ties (``now + duration == shadow``) are detected; while any of
these changes a placement, the job at fault runs one second longer.  What
is left is a stream whose placements do not depend on sub-second timing.

Usage (needs ``flux`` on PATH and its Python bindings importable)::

    python benchmarks/trace_fidelity.py [--jobs 2000] [--record] [--policy fifo backfill]
"""

import argparse
import heapq
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fluxsim.scheduler.backfill import BackfillScheduler  # noqa: E402
from fluxsim.trace.replay import _COMPLETE, _EXPIRE, _FastReplay, replay  # noqa: E402
from fluxsim.trace.workload import TraceJob, Workload, jobspec  # noqa: E402

NNODES, CORES = 16, 4
POLICIES = {"fifo": "sched-simple", "backfill": "sched-backfill"}
GOLDEN = ROOT / "conformance" / "golden"


# -- the stream ------------------------------------------------------------------------


def make_stream(njobs, seed=1, runs=(1, 3)):
    """``[{"cores"|"nodes", "duration", "run_duration"}, ...]``, all submitted at 0.

    Run times are whole seconds in ``runs`` (inclusive).
    """
    rng = random.Random(seed)
    stream = []
    for _ in range(njobs):
        entry = {}
        if rng.random() < 0.15:
            entry["nodes"] = rng.choice((1, 1, 2, 2, 3, 4))
        else:
            entry["cores"] = rng.choice((1, 1, 1, 2, 2, 3, 4, 6, 8))
        run = rng.randint(*runs)
        entry["run_duration"] = run
        # whole seconds, and a limit above the run time: real Flux's
        # expiration timer and testexec's would otherwise race
        entry["duration"] = 0 if rng.random() < 0.03 else run + rng.randint(1, 4)
        stream.append(entry)
    return stream


def workload(stream):
    """The stream as a fluxsim Workload."""
    jobs = []
    for i, e in enumerate(stream):
        if "nodes" in e:
            spec = jobspec(nnodes=e["nodes"], cores_per_node=CORES, duration=e["duration"],
                           run_duration=e["run_duration"], name=f"j{i}")
        else:
            spec = jobspec(ncores=e["cores"], duration=e["duration"],
                           run_duration=e["run_duration"], name=f"j{i}")
        jobs.append(TraceJob(i, 0.0, spec, nnodes=e.get("nodes", 0), ncores=e.get("cores", 0)))
    return Workload(jobs, source="trace_fidelity")


# -- timing-robustness checks in simulation ----------------------------------------------


class _TieDetector(BackfillScheduler):
    """Backfill that notes candidates with ``now + duration == shadow`` exactly."""

    ties = None

    def _backfill(self, candidates, now, shadow, head_id):
        for job in candidates:
            d = job.request.duration
            if d > 0 and now + d == shadow:
                type(self).ties.append(job.id)
        return super()._backfill(candidates, now, shadow, head_id)


class _OneByOne(_FastReplay):
    """The fast engine, but scheduling after each job end at an instant.

    ``reverse`` takes the ends in reverse start order; ``seed`` shuffles
    them and runs a pass after each with probability ``chance``: real Flux
    sees them in the order of start time plus a few ms of jitter, and runs
    its scheduler between some of them.
    """

    reverse = False
    seed = None
    chance = 1.0

    def run(self):
        for fault in self.faults:
            self._push(fault.time, 0, fault)
        self.index = 0
        if self.jobs:
            self._push(self.jobs[0].submit, 1, None)
        heap = self.heap
        dispatch = (self._fault, self._submit, self._complete, self._expire, self._cancel)
        while True:
            due = []
            while heap and heap[0][0] <= self.now:
                due.append(heapq.heappop(heap))
            ends = [e for e in due if e[2] in (_COMPLETE, _EXPIRE)]
            others = [e for e in due if e[2] not in (_COMPLETE, _EXPIRE)]
            if self.reverse:
                ends.reverse()
            if self.seed is not None:
                rng = self._rng = getattr(self, "_rng", None) or random.Random(self.seed)
                rng.shuffle(ends)
            for _, _, kind, obj, token in others + ends:
                dispatch[kind](obj, token)
                if kind in (_COMPLETE, _EXPIRE):
                    if self.seed is not None and self._rng.random() > self.chance:
                        continue
                    while self.sched_requested:
                        self.sched_requested = False
                        self.scheduler.schedule()
            if self.sched_requested:
                while self.sched_requested:
                    self.sched_requested = False
                    self.scheduler.schedule()
                continue
            if not heap:
                break
            self.now = heap[0][0]
        return self.records, {}


class _Reverse(_OneByOne):
    reverse = True


def _shuffled(seed, chance):
    return type(f"_Shuffled{seed}", (_OneByOne,), {"seed": seed, "chance": chance})


_VARIANTS = [("forward", _OneByOne), ("reverse", _Reverse)] + [
    (f"shuffle{seed}", _shuffled(seed, chance))
    for seed, chance in ((1, 1.0), (2, 1.0), (3, 0.5), (4, 0.5), (5, 0.3), (6, 0.7))
]


def _variants(w, policy):
    """Records of the stream under each timing variant, and backfill ties."""
    from fluxsim.resource.rv1 import Rv1
    from fluxsim.scheduler import POLICIES as REG

    R = Rv1.from_shape(NNODES, CORES)
    out = {}
    ties = []
    saved = REG.get("backfill")
    if policy == "backfill":
        _TieDetector.ties = ties
        REG["backfill"] = _TieDetector
    try:
        for name, cls in [("batch", _FastReplay)] + _VARIANTS:
            records, _ = cls(w, R, policy, [], None, None).run()
            out[name] = records
    finally:
        REG["backfill"] = saved
    return out, ties


def _placement(rec):
    return (rec.order, rec.R.to_dict()["execution"]["R_lite"] if rec.R else None)


def robust(stream, policies, max_rounds=2000, log=print):
    """Lengthen run times until no placement depends on sub-second timing."""
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


def _flux(*args, check=True):
    return subprocess.run(["flux", *args], check=check, capture_output=True, text=True)


def run_real(stream, policy, rpath):
    """Inside a flux instance: run the stream under ``policy``; return what happened."""
    import flux
    import flux.job

    module = POLICIES[policy]
    h = flux.Flux()
    for m in ("sched-simple", "sched-backfill", "sched-fifo"):
        _flux("module", "remove", "-f", m, check=False)
    _flux("resource", "reload", "-f", rpath)
    w = workload(stream)
    # One at a time: job-ingest validates in parallel workers, so a burst
    # of submissions may get ids (and so FIFO order) out of stream order.
    ids = [flux.job.submit(h, json.dumps(job.jobspec)) for job in w]
    assert ids == sorted(ids)
    t0 = time.time()
    _flux("module", "load", module)
    _flux("queue", "drain")
    t1 = time.time()
    jobs = {}
    listing = flux.job.JobList(h, max_entries=0, ids=ids).jobs()
    for info in listing:
        jobs[int(info.id)] = info
    out = []
    for i, jobid in enumerate(ids):
        info = jobs[jobid]
        R = flux.job.job_kvs_lookup(h, jobid, keys=["R"], decode=True)["R"]
        out.append(
            {
                "index": i,
                "t_run": info.t_run,
                "R_lite": R["execution"]["R_lite"] if R else None,
                "nodelist": R["execution"].get("nodelist") if R else None,
                "result": info.result,
            }
        )
    order = sorted((e for e in out if e["t_run"]), key=lambda e: (e["t_run"], e["index"]))
    for k, e in enumerate(order):
        e["order"] = k
        e["start"] = e["t_run"] - t0
    for e in out:
        e.pop("t_run")
    _flux("module", "remove", module)
    version = _flux("version").stdout.split("\n")[0].split()[-1]
    return {"policy": policy, "module": module, "wall": t1 - t0, "jobs": out, "flux_version": version}


def _inside(args):
    stream = json.loads(Path(args.stream).read_text())
    results = [run_real(stream, policy, args.R) for policy in args.policy]
    Path(args.output).write_text(json.dumps(results))


def real_flux(stream, policies, workdir):
    """Run every policy in a flux instance of its own, side by side; return the results."""
    workdir.mkdir(parents=True, exist_ok=True)
    spath, rpath = workdir / "stream.json", workdir / "R.json"
    spath.write_text(json.dumps(stream))
    from fluxsim.resource.rv1 import Rv1

    rpath.write_text(Rv1.from_shape(NNODES, CORES).encode())
    procs = []
    for policy in policies:
        opath = workdir / f"real-{policy}.json"
        cmd = [
            "flux", "start", "-s1", sys.executable, __file__, "--inside",
            "--stream", str(spath), "--R", str(rpath), "--output", str(opath),
            "--policy", policy,
        ]
        procs.append((subprocess.Popen(cmd), opath))
    results = []
    for policy, (proc, opath) in zip(policies, procs):
        if proc.wait() != 0 or not opath.exists():
            # e.g. sched-backfill 0.88 dies on a double allocation under load
            results.append({"policy": policy, "error": f"flux start exited {proc.returncode}"})
            continue
        results.extend(json.loads(opath.read_text()))
    return results


# -- comparison --------------------------------------------------------------------------


def _agreement(records, real):
    same_R = same_order = 0
    mismatches = []
    for rec, e in zip(records, real["jobs"]):
        sim_R = rec.R.to_dict()["execution"]["R_lite"] if rec.R else None
        ok_R = sim_R == e["R_lite"]
        ok_order = rec.order == e.get("order")
        same_R += ok_R
        same_order += ok_order
        if not (ok_R and ok_order) and len(mismatches) < 5:
            mismatches.append((e["index"], rec.order, e.get("order"), sim_R, e["R_lite"]))
    return same_R, same_order, mismatches


def compare(stream, real, policy):
    """fluxsim vs real Flux for one policy: agreement counts and rates."""
    w = workload(stream)
    sim = replay(w, nnodes=NNODES, cores_per_node=CORES, policy=policy)
    same_R, same_order, mismatches = _agreement(sim.records, real)
    n = len(stream)
    return {
        "policy": policy,
        "jobs": n,
        "same_R": same_R,
        "same_order": same_order,
        "real_rate": n / real["wall"],
        "real_wall": real["wall"],
        "sim_rate": sim.rate,
        "sim_wall": sim.wall,
        "ratio": sim.rate / (n / real["wall"]),
        "mismatches": mismatches,
    }


def golden(stream, real):
    """The golden record for the conformance data."""
    return {
        "flux_version": real["flux_version"],
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
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--policy", nargs="+", default=["fifo", "backfill"], choices=sorted(POLICIES))
    p.add_argument("--record", action="store_true", help="write conformance/golden files")
    p.add_argument("--robust", action="store_true",
                   help="first lengthen run times until no placement depends on sub-second timing")
    p.add_argument("--workdir", default=str(ROOT / "benchmarks" / "out" / "trace_fidelity"))
    p.add_argument("--stream-file", help="take the stream from this JSON file")
    p.add_argument("--runs", type=int, nargs=2, default=(1, 3), metavar=("MIN", "MAX"),
                   help="run times in whole seconds, MIN..MAX (default 1 3)")
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--stream", help=argparse.SUPPRESS)
    p.add_argument("--R", help=argparse.SUPPRESS)
    p.add_argument("--output", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.inside:
        return _inside(args)
    if args.stream_file:
        stream = json.loads(Path(args.stream_file).read_text())
    else:
        stream = make_stream(args.jobs, args.seed, tuple(args.runs))
    if args.robust:
        stream = robust(stream, args.policy)
    results = real_flux(stream, args.policy, Path(args.workdir))
    report = []
    for real in results:
        if "error" in real:
            print(f"{real['policy']:>8}: real Flux run failed: {real['error']}")
            continue
        row = compare(stream, real, real["policy"])
        report.append(row)
        print(
            f"{row['policy']:>8}: {row['jobs']} jobs; same R {row['same_R']}, same start order "
            f"{row['same_order']}; real Flux {row['real_rate']:.1f} jobs/s "
            f"({row['real_wall']:.1f} s), fluxsim {row['sim_rate']:.0f} jobs/s "
            f"({row['sim_wall']:.3f} s), ratio {row['ratio']:.0f}x"
        )
        for m in row["mismatches"]:
            print("   mismatch", m)
        if args.record:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            path = GOLDEN / f"trace_fidelity_{real['policy']}.json"
            path.write_text(json.dumps(golden(stream, real), indent=1) + "\n")
            print("   wrote", path.relative_to(ROOT))
    Path(args.workdir, "report.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
