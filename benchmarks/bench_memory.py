"""Memory soak: fluxexec on an embedded fluxsim, RSS per 1,000 tasks.

N no-op Parsl apps run through ``fluxexec.FluxExecutor`` on fluxsim (in this
process); the resident set size is sampled after every 1,000 results.  The
number that matters is the growth per 1,000 tasks after warm-up (the first
``--warmup`` tasks fill caches, Parsl's tables and the purge window), from a
least-squares line through the samples.  Target: under 2 MB per 1,000.

The embedded instance purges inactive jobs as a Flux system instance does
(``job-manager.inactive-num-limit``, fluxexec's default for its own fluxsim:
1,000); ``--unlimited`` runs the same soak with Flux's default (no purge),
to show what the purge saves.  ::

    python benchmarks/bench_memory.py -n 10000
    python benchmarks/bench_memory.py -n 3000 --unlimited
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def rss_mb():
    """Current resident set size of this process, MB (from /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def noop():
    return None


def slope(points):
    """Least-squares slope of ``[(x, y), ...]``."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def soak(n, warmup, unlimited, batch=1000):
    import parsl
    from parsl import python_app

    from fluxexec import FluxExecutor

    resources = {"nnodes": 1, "cores_per_node": os.cpu_count() or 1}
    if unlimited:
        resources["inactive_num_limit"] = -1
    app = python_app(noop, executors=["flux"])
    with tempfile.TemporaryDirectory() as workdir:
        executor = FluxExecutor(label="flux", backend="sim", sim_resources=resources)
        config = parsl.Config(executors=[executor], run_dir=os.path.join(workdir, "runinfo"),
                              strategy="none")
        dfk = parsl.load(config)
        samples = []
        t0 = time.perf_counter()
        try:
            done = 0
            while done < n:
                futures = [app() for _ in range(min(batch, n - done))]
                for future in futures:
                    future.result()
                done += len(futures)
                samples.append((done, rss_mb()))
                print(f"{done:7d} tasks  RSS {samples[-1][1]:7.1f} MB", flush=True)
        finally:
            dfk.cleanup()
            parsl.clear()
        wall = time.perf_counter() - t0
    after = [(x, y) for x, y in samples if x > warmup]
    return {
        "tasks": n,
        "purge": "unlimited" if unlimited else "inactive-num-limit=1000",
        "rss_start_mb": round(samples[0][1], 1),
        "rss_end_mb": round(samples[-1][1], 1),
        "mb_per_1000": round(1000 * slope(after), 2) if len(after) > 1 else None,
        "tasks_per_s": round(n / wall, 1),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=10000, help="tasks (default 10,000)")
    p.add_argument("--warmup", type=int, default=2000, help="tasks before the slope is measured")
    p.add_argument("--unlimited", action="store_true", help="no purge (Flux's default)")
    args = p.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    row = soak(args.n, args.warmup, args.unlimited)
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
