"""What a replay measured: per job, per run, and over time.

Per job (:func:`job_metrics`), for a job that started:

- ``wait`` = start - submit; ``response`` = end - submit; ``run`` = end - start;
- ``bsld``, the bounded slowdown ``max(1, response / max(run, tau))`` with
  ``tau`` = 10 s (Feitelson's bound, so that very short jobs do not dominate);
- ``nnodes``, ``ncores``: the allocation's size.

Per run (:func:`run_metrics`), over the jobs that started:

- ``makespan`` = last end - first submit;
- ``utilization`` = allocated core-seconds / (instance cores x makespan);
- ``mean_wait``, ``median_wait``, ``p95_wait`` (nearest rank: the
  ceil(0.95 n)-th smallest), ``max_wait``; ``mean_response``; ``mean_bsld``;
- ``max_queue_length``: the most jobs pending at once, counted after all
  events at a time are processed (a job submitted and started at the same
  time never counts);
- counts by outcome (``completed``, ``failed``, ``canceled``, ``timeout``,
  ``never_started``).

>>> from fluxsim.trace.replay import JobRecord
>>> r = JobRecord("1", 0.0); r.start, r.end = 5.0, 9.0
>>> job_metrics([r])[0]["bsld"]   # (5 + 4) / max(4, 10), bounded below by 1
1.0

:func:`timeline` gives the step functions the pictures draw, and the
``write_*`` / :func:`format_summary` functions the CSV files and the table.
"""

import collections
import csv
import math
import operator

from fluxsim.resource import hostlist

__all__ = [
    "TAU",
    "compare",
    "format_summary",
    "job_metrics",
    "job_rows",
    "read_summary",
    "run_metrics",
    "timeline",
    "write_jobs_csv",
    "write_summary_csv",
]

#: Bounded slowdown's lower bound on run time, seconds.
TAU = 10.0

JOB_COLUMNS = (
    "name",
    "jobid",
    "submit",
    "start",
    "end",
    "wait",
    "response",
    "run",
    "bsld",
    "nnodes",
    "ncores",
    "ngpus",
    "result",
    "exception",
    "status",
    "order",
    "ranks",
    "nodelist",
)
(_SUBMIT, _START, _END, _WAIT, _RESPONSE, _RUN, _BSLD, _NCORES, _RESULT) = map(
    JOB_COLUMNS.index,
    ("submit", "start", "end", "wait", "response", "run", "bsld", "ncores", "result"),
)

SUMMARY_KEYS = (
    "jobs",
    "started",
    "completed",
    "failed",
    "canceled",
    "timeout",
    "never_started",
    "makespan",
    "utilization",
    "mean_wait",
    "median_wait",
    "p95_wait",
    "max_wait",
    "mean_response",
    "mean_bsld",
    "max_queue_length",
)


def _records(result):
    return result.records if hasattr(result, "records") else list(result)


def bounded_slowdown(wait, run, tau=TAU):
    """``max(1, (wait + run) / max(run, tau))``."""
    return max(1.0, (wait + run) / max(run, tau))


_NO_ALLOCATION = (None,) * 5
_HOSTNAME = operator.itemgetter(1)
_CORES = operator.itemgetter(2)
_GPUS = operator.itemgetter(3)


def _allocation(R, infos, strings):
    """``(nnodes, ncores, ngpus, ranks, nodelist)`` of R, whose ``RankInfo`` are ``infos``.

    ``strings`` caches the idset and hostlist encodings, which cost far
    more than the rest: they are shared by every R on the same ranks of the
    same hosts, whatever their cores.
    """
    key = (tuple(R.ranks), tuple(map(_HOSTNAME, infos)))
    encoded = strings.get(key)
    if encoded is None:
        encoded = strings[key] = (R.rank_idset(), hostlist.encode(key[1]))
    return (
        len(infos),
        sum(map(len, map(_CORES, infos))),
        sum(map(len, map(_GPUS, infos))),
        *encoded,
    )


def job_rows(result, tau=TAU):
    """:func:`job_metrics` as tuples in :data:`JOB_COLUMNS` order (faster, same values)."""
    # A trace's allocations repeat (the same cores of the same nodes, over
    # and over), so each distinct one is measured once.  An R is a new
    # object per job: the key is its RankInfo entries.
    allocations = {}
    strings = {}
    rows = []
    append = rows.append
    for rec in _records(result):
        submit, start, end, R = rec.submit, rec.start, rec.end, rec.R
        wait = response = run = bsld = None
        if start is not None:
            wait = start - submit
            if end is not None:
                run = end - start
                response = end - submit
                bsld = bounded_slowdown(wait, run, tau)
        if R is None:
            allocation = _NO_ALLOCATION
        else:
            infos = tuple(R.ranks.values())
            allocation = allocations.get(infos)
            if allocation is None:
                allocation = allocations[infos] = _allocation(R, infos, strings)
        nnodes, ncores, ngpus, ranks, nodelist = allocation
        append((
            rec.name, rec.jobid, submit, start, end, wait, response, run, bsld,
            nnodes, ncores, ngpus, rec.result, rec.exception, rec.status, rec.order,
            ranks, nodelist,
        ))
    return rows


def job_metrics(result, tau=TAU):
    """One dict per job (keys :data:`JOB_COLUMNS`); None where a value does not apply."""
    return [dict(zip(JOB_COLUMNS, row)) for row in job_rows(result, tau)]


def percentile(values, fraction):
    """Nearest-rank percentile: the ceil(fraction * n)-th smallest value."""
    return _nearest_rank(sorted(values), fraction)


def _nearest_rank(ordered, fraction):
    if not ordered:
        return None
    index = max(0, math.ceil(fraction * len(ordered)) - 1)
    return ordered[index]


def _median(ordered):
    # statistics.median's rule, on values sorted once for the percentiles too
    # (and without importing statistics, which costs the command's start-up).
    n = len(ordered)
    if not n:
        return None
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _mean(values):
    return sum(values) / len(values) if values else None


def run_metrics(result, tau=TAU, ncores=None, rows=None):
    """The run's summary (keys :data:`SUMMARY_KEYS`, plus ``wall`` and ``rate``).

    ``rows``: the run's :func:`job_rows`, when the caller has them already.
    """
    if ncores is None:
        ncores = getattr(result, "ncores", None)
    if rows is None:
        rows = job_rows(result, tau)
    started = [r for r in rows if r[_START] is not None]
    ended = [r for r in started if r[_END] is not None]
    waits = [r[_WAIT] for r in started]
    out = dict.fromkeys(SUMMARY_KEYS)
    out["jobs"] = len(rows)
    out["started"] = len(started)
    results = collections.Counter(r[_RESULT] for r in rows)
    for key, name in (
        ("completed", "COMPLETED"),
        ("failed", "FAILED"),
        ("canceled", "CANCELED"),
        ("timeout", "TIMEOUT"),
    ):
        out[key] = results[name]
    out["never_started"] = len(rows) - len(started)
    if rows:
        first = min(r[_SUBMIT] for r in rows)
        last = max((r[_END] for r in rows if r[_END] is not None), default=first)
        out["makespan"] = last - first
        if ncores and out["makespan"] > 0:
            used = sum(r[_NCORES] * r[_RUN] for r in ended)
            out["utilization"] = used / (ncores * out["makespan"])
    out["mean_wait"] = _mean(waits)
    ordered = sorted(waits)
    out["median_wait"] = _median(ordered)
    out["p95_wait"] = _nearest_rank(ordered, 0.95)
    out["max_wait"] = max(waits) if waits else None
    out["mean_response"] = _mean([r[_RESPONSE] for r in ended])
    out["mean_bsld"] = _mean([r[_BSLD] for r in ended])
    steps = ((r[_SUBMIT], r[_START], r[_END], r[_NCORES] or 0) for r in rows)
    out["max_queue_length"] = max(_timeline(steps)[2], default=0)
    wall = getattr(result, "wall", None)
    if wall is not None:
        out["wall"] = wall
        out["rate"] = len(rows) / wall if wall > 0 else None
    return out


def timeline(result):
    """Step functions over time: ``(times, cores in use, jobs pending)``.

    Each value holds from its time until the next; all events at a time
    are applied before the value is taken.
    """
    return _timeline((r.submit, r.start, r.end, r.ncores) for r in _records(result))


def _timeline(jobs):
    # jobs: (submit, start, end, ncores) each
    deltas = {}
    for submit, start, end, ncores in jobs:
        # (cores in use, jobs pending) changes at each event time
        d = deltas.setdefault(submit, [0, 0])
        d[1] += 1
        if start is not None:
            d = deltas.setdefault(start, [0, 0])
            d[1] -= 1
            d[0] += ncores
            if end is not None:
                deltas.setdefault(end, [0, 0])[0] -= ncores
        elif end is not None:
            deltas.setdefault(end, [0, 0])[1] -= 1
    times, used, pending = [], [], []
    cores = queued = 0
    for t in sorted(deltas):
        dc, dq = deltas[t]
        cores += dc
        queued += dq
        times.append(t)
        used.append(cores)
        pending.append(queued)
    return times, used, pending


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return value


def write_jobs_csv(result, path, tau=TAU, rows=None):
    """Write :func:`job_metrics` as CSV, one row a job (``rows``: its :func:`job_rows`)."""
    if rows is None:
        rows = job_rows(result, tau)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(JOB_COLUMNS)
        # csv writes None as "" and a float as its repr, as _cell does.
        writer.writerows(rows)


def write_summary_csv(summary, path, extra=None):
    """Write a run summary as ``metric,value`` rows (``extra`` first: policy ...)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(("metric", "value"))
        for key, value in (extra or {}).items():
            writer.writerow((key, _cell(value)))
        for key, value in summary.items():
            writer.writerow((key, _cell(value)))


def read_summary(path):
    """Read a summary CSV back as a dict (numbers as numbers)."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            value = row["value"]
            try:
                value = int(value)
            except ValueError:
                try:
                    value = float(value)
                except ValueError:
                    value = value or None
            out[row["metric"]] = value
    return out


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.4g}"
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


_LABELS = {
    "jobs": "jobs",
    "started": "started",
    "completed": "completed",
    "failed": "failed",
    "canceled": "canceled",
    "timeout": "timeout",
    "never_started": "never started",
    "makespan": "makespan (s)",
    "utilization": "utilization",
    "mean_wait": "mean wait (s)",
    "median_wait": "median wait (s)",
    "p95_wait": "p95 wait (s)",
    "max_wait": "max wait (s)",
    "mean_response": "mean response (s)",
    "mean_bsld": "mean bounded slowdown",
    "max_queue_length": "max queue length",
    "wall": "wall time (s)",
    "rate": "simulated jobs / s",
}


def format_summary(summary, title=None):
    """The summary as an aligned two-column text table."""
    rows = [(_LABELS.get(k, k), _fmt(v)) for k, v in summary.items()]
    width = max((len(label) for label, _ in rows), default=0)
    lines = [title] if title else []
    lines += [f"  {label:<{width}}  {value:>16}" for label, value in rows]
    return "\n".join(lines)


def compare(a, b, names=("A", "B")):
    """Two summaries side by side with B - A and B / A, as a text table."""
    keys = [k for k in a if k in b]
    keys += [k for k in b if k not in a]
    width = max((len(_LABELS.get(k, k)) for k in keys), default=0)
    head = f"  {'':<{width}}  {names[0]:>16}  {names[1]:>16}  {'B - A':>14}  {'B / A':>8}"
    lines = [head]
    for key in keys:
        va, vb = a.get(key), b.get(key)
        diff = ratio = "-"
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
            diff = _fmt(vb - va)
            ratio = f"{vb / va:.3f}" if va else "-"
        lines.append(
            f"  {_LABELS.get(key, key):<{width}}  {_fmt(va):>16}  {_fmt(vb):>16}  "
            f"{diff:>14}  {ratio:>8}"
        )
    return "\n".join(lines)
