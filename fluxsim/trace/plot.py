"""Pictures of a replay, as PNG files (matplotlib, imported only here, lazily).

- :func:`gantt`: nodes (y) over time (x), one colour a job; a job sharing a
  node with others gets the band of the cores it holds.  For small runs.
- :func:`utilization`: cores in use over time, as a fraction of the
  instance, and jobs pending over time, one panel each.  For any run.

::

    result = replay(workload, nnodes=16, cores_per_node=4, policy="backfill")
    gantt(result, "gantt.png")
    utilization(result, "utilization.png")
"""

from fluxsim.trace.metrics import timeline

__all__ = ["gantt", "utilization", "GANTT_MAX_JOBS"]

#: Above this many jobs a Gantt chart is unreadable; :func:`gantt` refuses.
GANTT_MAX_JOBS = 5000


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, none assumed
    import matplotlib.pyplot as plt

    return plt


def _time_unit(span):
    for unit, scale in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if span >= 3 * scale:
            return unit, scale
    return "seconds", 1.0


def gantt(result, path, title=None, max_jobs=GANTT_MAX_JOBS):
    """Draw the Gantt chart of ``result`` (a ReplayResult) to ``path``.

    Each allocated core range is a rectangle from start to end at its
    rank, its height the fraction of the node's cores it holds.  Raises
    ValueError for more than ``max_jobs`` jobs.
    """
    records = [r for r in result.records if r.R is not None and r.end is not None]
    if len(records) > max_jobs:
        raise ValueError(
            f"{len(records)} jobs are too many for a Gantt chart (at most {max_jobs}); "
            "draw utilization() instead"
        )
    plt = _pyplot()
    from matplotlib.collections import PolyCollection

    R = result.R
    total = {rank: max(len(info.cores), 1) for rank, info in R.ranks.items()}
    end = max((r.end for r in records), default=1.0)
    unit, scale = _time_unit(end)
    cmap = plt.get_cmap("tab20")
    polys, colors = [], []
    for i, rec in enumerate(records):
        color = cmap(i % 20)
        x0, x1 = rec.start / scale, rec.end / scale
        for rank, info in rec.R.ranks.items():
            ncores = total.get(rank, 1)
            cores = sorted(info.cores) or [0]
            # contiguous core runs: one band each
            run_start = prev = cores[0]
            for core in cores[1:] + [None]:
                if core is not None and core == prev + 1:
                    prev = core
                    continue
                y0 = rank + run_start / ncores
                y1 = rank + (prev + 1) / ncores
                polys.append(((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
                colors.append(color)
                if core is not None:
                    run_start = prev = core
    height = min(12.0, 2.0 + 0.25 * R.nnodes)
    fig, ax = plt.subplots(figsize=(12, height))
    ax.add_collection(
        PolyCollection(polys, facecolors=colors, edgecolors="black", linewidths=0.2)
    )
    ax.set_xlim(0, end / scale if end > 0 else 1)
    ax.set_ylim(0, R.nnodes)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("rank")
    ax.set_title(title or f"{result.policy}: {len(records)} jobs on {R.nnodes} nodes")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def utilization(result, path, title=None):
    """Draw cores in use (fraction) and jobs pending over time to ``path``."""
    plt = _pyplot()
    times, used, pending = timeline(result)
    span = times[-1] if times else 1.0
    unit, scale = _time_unit(span)
    xs = [t / scale for t in times]
    ncores = result.ncores or 1
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
    top.step(xs, [u / ncores for u in used], where="post", linewidth=0.7)
    top.set_ylabel("utilization")
    top.set_ylim(0, 1.05)
    bottom.step(xs, pending, where="post", linewidth=0.7, color="tab:red")
    bottom.set_ylabel("jobs pending")
    bottom.set_xlabel(f"time ({unit})")
    top.set_title(title or f"{result.policy}: {len(result.records)} jobs, {ncores} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
