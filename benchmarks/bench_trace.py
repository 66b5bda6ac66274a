"""Trace replay benchmarks: simulated jobs per second of wall time.

- ``gaia``: the shared UniLu Gaia trace (51,987 records, 151 nodes x 14
  cores) under each policy, in the fast engine and (fifo) in the full
  Instance engine, with the cost of a scheduling decision (wall time per
  scheduling pass) and the backfill counters.
- ``jobs``: synthetic streams of 10k .. 1M jobs on 10,000 nodes under fifo.
- ``nodes``: 100k synthetic jobs on 100 .. 10,000 nodes under fifo.
- ``fluxion-nodes``: 20k synthetic jobs on 100 .. 10,000 nodes under
  Fluxion (``first`` and ``high``, fcfs): the cost of one match as the
  machine grows.
- ``cli``: the whole ``fluxsim simulate`` command on the Gaia trace, end to
  end in a subprocess (start-up, SWF reading, replay, metrics, CSV,
  summary; ``--plot`` in one row): Fluxion fcfs and easy, fifo with and
  without ``--plot``, backfill, conservative.  Each row is the fastest of ``--repeat`` runs
  (conservative, which takes minutes, runs once), with the replay's own wall
  time from ``summary.csv`` and the rest of the command beside it; and
  ``floor.py``, the least work CPython does for such a command (no
  scheduling), as a yardstick in the same run.

Numbers, not pass/fail: results are printed as Markdown tables and saved to
``benchmarks/out/bench_trace.json``.  The Gaia benchmarks are skipped when
``../shared`` is absent.  Usage::

    python benchmarks/bench_trace.py [gaia] [jobs] [nodes] [fluxion-nodes] [cli] [--million] [--repeat N]
"""

import argparse
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fluxsim.trace import SWFMapping, TraceJob, Workload, jobspec, load_swf, replay  # noqa: E402

GAIA = ROOT.parent / "shared" / "traces" / "UniLu-Gaia-2014-2.swf"
OUT = ROOT / "benchmarks" / "out"


def machine():
    """A one-line description of this machine."""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def synthetic(njobs, nnodes, cores_per_node=32, load=0.85, seed=7):
    """A Poisson stream that keeps ``nnodes`` about ``load`` busy.

    Sizes 1..2 x cores_per_node cores (one node in eight asks for whole
    nodes), limits 5 min .. 4 h, run times 10-100 % of the limit.  Jobs of
    one shape share their jobspec (as a trace reader builds them).
    """
    rng = random.Random(seed)
    limits = [300, 600, 1800, 3600, 7200, 14400]
    fractions = [0.1, 0.3, 0.5, 0.8, 1.0]
    shapes = {}
    jobs = []
    mean_work = 0.0
    draws = []
    for _ in range(min(njobs, 10000)):
        cores = rng.choice((1, 1, 2, 4, 8, 16, 32, 64))
        limit = rng.choice(limits)
        run = limit * rng.choice(fractions)
        mean_work += cores * run
        draws.append((cores, limit, run))
    mean_work /= len(draws)
    rate = load * nnodes * cores_per_node / mean_work  # jobs per second
    t = 0.0
    for i in range(njobs):
        cores, limit, run = draws[i % len(draws)]
        whole = i % 8 == 0
        key = (whole, cores, limit, run)
        spec = shapes.get(key)
        if spec is None:
            if whole:
                nodes = max(1, cores // cores_per_node)
                spec = jobspec(nnodes=nodes, cores_per_node=cores_per_node, duration=limit,
                               run_duration=run)
            else:
                spec = jobspec(ncores=cores, duration=limit, run_duration=run)
            shapes[key] = spec
        t += rng.expovariate(rate)
        jobs.append(TraceJob(i, round(t), spec))
    return Workload(jobs, source=f"synthetic-{njobs}")


def run(workload, nnodes, cores_per_node, policy="fifo", mode="fast", **fluxion):
    """Replay and measure; returns a result row.

    ``fluxion``: ``match_policy``/``queue_policy`` for a Fluxion run (then
    ``policy`` is ignored and the row also gives the cost of one match).
    """
    if fluxion:
        result = replay(workload, nnodes=nnodes, cores_per_node=cores_per_node,
                        scheduler="fluxion", mode=mode, **fluxion)
    else:
        result = replay(workload, nnodes=nnodes, cores_per_node=cores_per_node,
                        policy=policy, mode=mode)
    stats = result.stats
    passes = stats.get("passes")
    row = {
        "jobs": len(workload),
        "nodes": nnodes,
        "policy": result.policy,
        "mode": mode,
        "wall": round(result.wall, 3),
        "rate": round(result.rate),
    }
    if passes:
        row["passes"] = passes
        row["us_per_pass"] = round(1e6 * result.wall / passes, 1)
    if stats.get("matches"):
        row["us_per_match"] = round(1e6 * result.wall / stats["matches"], 1)
    for key in ("shadows", "backfilled", "reservations", "plans", "matches"):
        if key in stats:
            row[key] = stats[key]
    return row


def table(rows, keys):
    """Rows as a Markdown table."""
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(k, "")) for k in keys) + " |")
    return "\n".join(lines)


def bench_gaia():
    t0 = time.perf_counter()
    w = load_swf(GAIA, SWFMapping())
    load = time.perf_counter() - t0
    rows = []
    for policy in ("fifo", "backfill", "conservative"):
        rows.append(run(w, 151, 14, policy))
    rows.append(run(w, 151, 14, "fifo", mode="instance"))
    for queue_policy in ("fcfs", "easy"):
        rows.append(run(w, 151, 14, match_policy="first", queue_policy=queue_policy))
    rows.append(run(w, 151, 14, match_policy="lonode", queue_policy="fcfs"))
    print(f"\nGaia: {len(w)} jobs, load + map {load:.2f} s\n")
    print(table(rows, ["policy", "mode", "jobs", "wall", "rate", "passes", "us_per_pass",
                       "matches", "us_per_match", "shadows", "backfilled", "reservations"]))
    return {"load": load, "rows": rows}


def bench_jobs(million):
    sizes = [10_000, 100_000] + ([1_000_000] if million else [])
    rows = []
    for n in sizes:
        t0 = time.perf_counter()
        w = synthetic(n, 10_000)
        gen = time.perf_counter() - t0
        row = run(w, 10_000, 32)
        row["generate"] = round(gen, 2)
        rows.append(row)
        del w
    print("\nJobs on 10,000 nodes x 32 cores, fifo:\n")
    print(table(rows, ["jobs", "nodes", "generate", "wall", "rate", "passes", "us_per_pass"]))
    return rows


def bench_nodes():
    rows = []
    for nodes in (100, 1000, 10_000):
        w = synthetic(100_000, nodes)
        rows.append(run(w, nodes, 32))
    print("\n100,000 jobs (load 0.85), fifo, by machine size:\n")
    print(table(rows, ["jobs", "nodes", "wall", "rate", "passes", "us_per_pass"]))
    return rows


def bench_fluxion_nodes():
    """What one Fluxion match costs as the machine grows (first, lonode and high, fcfs)."""
    rows = []
    for nodes in (100, 1000, 10_000):
        w = synthetic(20_000, nodes)
        for match_policy in ("first", "lonode", "high"):
            if match_policy == "high" and nodes > 100:
                continue  # every free core of every node is a scored candidate per match
            rows.append(run(w, nodes, 32, match_policy=match_policy, queue_policy="fcfs"))
    print("\n20,000 jobs (load 0.85), Fluxion fcfs, by machine size:\n")
    print(table(rows, ["jobs", "nodes", "policy", "wall", "rate", "matches", "us_per_match"]))
    return rows


#: (label, simulate options, runs at most): the ``cli`` benchmark's commands.
CLI_CASES = (
    ("fluxion fcfs", ["--scheduler", "fluxion", "--queue-policy", "fcfs"], None),
    ("fluxion easy", ["--scheduler", "fluxion", "--queue-policy", "easy"], None),
    ("fifo", ["--policy", "fifo"], None),
    ("fifo --plot", ["--policy", "fifo", "--plot"], None),
    ("backfill", ["--policy", "backfill"], None),
    ("conservative", ["--policy", "conservative"], 1),
)


def _timed(command):
    """Run ``command`` from the checkout; returns (wall, CPU of user + sys)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise RuntimeError(f"{' '.join(command)} failed with wait status {status}")
    return wall, usage.ru_utime + usage.ru_stime


def simulate_command(options, out):
    """Run ``fluxsim simulate`` on the Gaia trace once; returns (wall, CPU, summary dict)."""
    # -m from the checkout: the code under test, whatever is installed.
    wall, cpu = _timed([sys.executable, "-m", "fluxsim.cli", "simulate", str(GAIA),
                        "--out", str(out), "--quiet", *options])
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        summary = {row["metric"]: row["value"] for row in csv.DictReader(f)}
    return wall, cpu, summary


def floor_command(out):
    """Run ``floor.py`` on the Gaia trace once (no scheduling: see its docstring)."""
    return _timed([sys.executable, str(ROOT / "benchmarks" / "floor.py"), str(GAIA), str(out)])


def bench_cli(repeat):
    rows = []
    for label, options, most in CLI_CASES:
        runs = []
        for _ in range(min(repeat, most or repeat)):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(simulate_command(options, Path(tmp)))
        wall, _, summary = min(runs, key=lambda run: run[0])
        jobs, replay_wall = int(summary["jobs"]), float(summary["wall"])
        rows.append({
            "command": f"simulate {label}",
            "jobs": jobs,
            "wall": round(wall, 2),
            "cpu": round(min(run[1] for run in runs), 2),
            "rate": round(jobs / wall),
            "replay": round(replay_wall, 2),
            "rest": round(wall - replay_wall, 2),
            "runs": len(runs),
        })
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(floor_command(Path(tmp)))
    wall = min(run[0] for run in runs)
    rows.append({
        "command": "floor.py (no scheduling)",
        "jobs": rows[0]["jobs"],
        "wall": round(wall, 2),
        "cpu": round(min(run[1] for run in runs), 2),
        "rate": round(rows[0]["jobs"] / wall),
        "runs": len(runs),
    })
    # the machine's speed drifts from hour to hour; the floor, run beside
    # the commands, drifts with it, and a command's multiple of it does not
    for row in rows:
        row["floors"] = round(row["wall"] / round(wall, 2), 2)  # both as shown
    print(f"\nWhole command, Gaia trace (fastest of up to {repeat} runs; cpu: user + sys;"
          f" floors: wall over floor.py's):\n")
    print(table(rows, ["command", "jobs", "wall", "cpu", "rate", "replay", "rest", "floors",
                       "runs"]))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", nargs="*", default=["gaia", "jobs", "nodes", "fluxion-nodes", "cli"])
    p.add_argument("--million", action="store_true", help="include the 1,000,000-job run")
    p.add_argument("--repeat", type=int, default=3, help="cli: runs per command (fastest kept)")
    args = p.parse_args(argv)
    out = {"machine": machine()}
    print(out["machine"])
    gaia = GAIA.exists()
    if not gaia and {"gaia", "cli"} & set(args.what):
        print(f"(skipping gaia and cli: {GAIA} is absent)")
    if "gaia" in args.what and gaia:
        out["gaia"] = bench_gaia()
    if "jobs" in args.what:
        out["jobs"] = bench_jobs(args.million)
    if "nodes" in args.what:
        out["nodes"] = bench_nodes()
    if "fluxion-nodes" in args.what:
        out["fluxion_nodes"] = bench_fluxion_nodes()
    if "cli" in args.what and gaia:
        out["cli"] = bench_cli(args.repeat)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_trace.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
