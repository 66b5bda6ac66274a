"""Plain job lists: JSON or CSV, one entry a job, for hand-made workloads.

Each job is an object (JSON) or a row under a header line (CSV) with these
keys; only one of ``cores``, ``nodes`` and ``jobspec`` is required:

=============== ==============================================================
``id``          the job's name in the list (default: its position, from 1)
``submit``      submit time in seconds (default 0)
``cores``       ``flux submit -n CORES``: that many one-core slots
``nodes``       ``flux submit -N NODES --exclusive``: whole nodes
``jobspec``     a full V1 jobspec (JSON only), submitted as given
``duration``    time limit in seconds, ``attributes.system.duration`` (0: none)
``run_duration`` mock run time in seconds (default: the duration)
``urgency``     Flux urgency 0-31 (default 16)
``user``        submitting userid (default: the instance owner)
``cancel_at``   replay ``flux cancel`` at this time
=============== ==============================================================

A JSON list may be a bare array or ``{"jobs": [...]}``::

    >>> import io
    >>> w = read_joblist(io.StringIO("submit,cores,duration,run_duration\\n0,4,60,30\\n5,2,10,\\n"))
    >>> [(j.submit, j.ncores, j.duration, j.run_duration) for j in w]
    [(0.0, 4, 60.0, 30.0), (5.0, 2, 10.0, 10.0)]

Submit times are kept as given (not shifted).
"""

import csv
import io
import json

from fluxsim.trace.workload import TraceJob, Workload, jobspec

__all__ = ["read_joblist", "write_joblist"]

_COLUMNS = (
    "id",
    "submit",
    "cores",
    "nodes",
    "duration",
    "run_duration",
    "urgency",
    "user",
    "cancel_at",
)


def _num(value, key, index, kind=float):
    if value is None or value == "":
        return None
    try:
        number = kind(value) if kind is float else int(float(value))
    except (TypeError, ValueError):
        raise ValueError(f"job {index}: {key} is not a number: {value!r}") from None
    if number < 0:
        raise ValueError(f"job {index}: {key} must be >= 0, not {value!r}")
    return number


def _job(entry, index, cores_per_node):
    if not isinstance(entry, dict):
        raise ValueError(f"job {index}: expected an object, not {type(entry).__name__}")
    name = entry.get("id")
    name = index if name in (None, "") else name
    submit = _num(entry.get("submit"), "submit", index) or 0.0
    cores = _num(entry.get("cores"), "cores", index, int)
    nodes = _num(entry.get("nodes"), "nodes", index, int)
    duration = _num(entry.get("duration"), "duration", index) or 0.0
    run = _num(entry.get("run_duration"), "run_duration", index)
    urgency = _num(entry.get("urgency"), "urgency", index, int)
    user = _num(entry.get("user"), "user", index, int)
    cancel_at = _num(entry.get("cancel_at"), "cancel_at", index)
    spec = entry.get("jobspec")
    if spec is not None:
        if isinstance(spec, str):
            spec = json.loads(spec)
        ncores = cores or 0
        nnodes = nodes or 0
    else:
        if (cores is None) == (nodes is None):
            raise ValueError(f"job {index}: give exactly one of cores, nodes and jobspec")
        if run is None and duration > 0:
            run = duration
        if nodes is not None:
            spec = jobspec(
                nnodes=nodes,
                cores_per_node=cores_per_node,
                duration=duration,
                run_duration=run,
                name=name,
            )
            nnodes, ncores = nodes, nodes * cores_per_node
        else:
            spec = jobspec(ncores=cores, duration=duration, run_duration=run, name=name)
            nnodes, ncores = 0, cores
    return TraceJob(
        name,
        submit,
        spec,
        urgency=16 if urgency is None else urgency,
        userid=user,
        cancel_at=cancel_at,
        nnodes=nnodes,
        ncores=ncores,
    )


def read_joblist(path_or_file, cores_per_node=1, format=None):
    """Read a JSON or CSV job list as a :class:`~fluxsim.trace.workload.Workload`.

    ``format`` is ``"json"`` or ``"csv"``; by default it is guessed from the
    file name, then from the first character (``[`` or ``{`` is JSON).
    ``cores_per_node`` sizes the slot of ``nodes`` jobs.  Raises ValueError
    naming the job for a malformed entry.
    """
    if hasattr(path_or_file, "read"):
        text = path_or_file.read()
        source = getattr(path_or_file, "name", "<stream>")
    else:
        source = str(path_or_file)
        with open(path_or_file, encoding="utf-8") as f:
            text = f.read()
    if format is None:
        lowered = source.lower()
        if lowered.endswith(".json"):
            format = "json"
        elif lowered.endswith(".csv"):
            format = "csv"
        else:
            format = "json" if text.lstrip()[:1] in ("[", "{") else "csv"
    if format == "json":
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("jobs", [])
        entries = data
    elif format == "csv":
        entries = list(csv.DictReader(io.StringIO(text)))
    else:
        raise ValueError(f"format must be json or csv, not {format!r}")
    jobs = [_job(entry, i, cores_per_node) for i, entry in enumerate(entries, 1)]
    return Workload(jobs, source=source)


def write_joblist(workload, path_or_file):
    """Write a workload as a CSV job list that :func:`read_joblist` reads back.

    Only by-cores and by-nodes jobs round-trip; a job given as a bare jobspec
    is written by its size.
    """
    own = not hasattr(path_or_file, "write")
    f = open(path_or_file, "w", newline="", encoding="utf-8") if own else path_or_file
    try:
        writer = csv.writer(f)
        writer.writerow(_COLUMNS)
        for job in workload:
            run = job.run_duration
            writer.writerow(
                (
                    job.name,
                    repr(job.submit),
                    "" if job.nnodes else job.ncores,
                    job.nnodes or "",
                    repr(job.duration),
                    "" if run is None else repr(run),
                    job.urgency,
                    "" if job.userid is None else job.userid,
                    "" if job.cancel_at is None else repr(job.cancel_at),
                )
            )
    finally:
        if own:
            f.close()
