"""``flux jobs``: list jobs in flux-core 0.88's default format.

::

           JOBID USER     NAME       ST NTASKS NNODES     TIME INFO
         ƒp5rC6B root     true        S      1      -        - held

Active jobs by default; ``-a`` adds inactive ones, ``-A`` every user's,
``-f`` filters by state or result names, ``-n`` drops the header, ``-c``
limits the count, ``-o`` takes a Python format string over the fields
below (a trailing ``h`` in a spec prints ``-`` for an empty value, as
Flux's formatter does).
"""

import os
import re
import string

from fluxsim.command.common import ArgumentParser, fail, handle

__all__ = ["main", "DEFAULT_FORMAT", "fields"]

DEFAULT_FORMAT = ("{id.f58:>12} {username:<8.8} {name:<10.10} {status_abbrev:>2.2} "
                  "{ntasks:>6} {nnodes:>6h} {contextual_time:>8h} {contextual_info}")
_HEADERS = {"id.f58": "JOBID", "id": "JOBID", "username": "USER", "name": "NAME",
            "status_abbrev": "ST", "ntasks": "NTASKS", "nnodes": "NNODES",
            "contextual_time": "TIME", "contextual_info": "INFO", "status": "STATUS",
            "state": "STATE", "result": "RESULT", "ncores": "NCORES", "runtime": "RUNTIME",
            "nodelist": "NODELIST", "queue": "QUEUE", "returncode": "RC", "priority": "PRI",
            "urgency": "URG"}
_ABBREV = {"DEPEND": "D", "PRIORITY": "P", "SCHED": "S", "RUN": "R", "CLEANUP": "C",
           "COMPLETED": "CD", "FAILED": "F", "CANCELED": "CA", "TIMEOUT": "TO", "NEW": "N"}
_STATES = {"depend": 2, "priority": 4, "sched": 8, "run": 16, "cleanup": 32, "inactive": 64,
           "pending": 14, "running": 48, "active": 62}
_RESULTS = {"completed": 1, "failed": 2, "canceled": 4, "cancelled": 4, "timeout": 8}


class _Row(dict):
    """One job's fields; ``id`` keeps the JobID so ``{id.f58}`` works."""


def fields(info):
    """The ``flux jobs`` fields of a :class:`JobInfo`."""
    from fluxsim.fsd import fsd

    status = info.status
    pending = info.state in ("DEPEND", "PRIORITY", "SCHED")
    runtime = info.runtime if info.t_run else 0.0
    if info.state in ("RUN", "CLEANUP") and info.t_run:
        import time

        runtime = time.time() - info.t_run
    if pending:
        held = info.urgency == 0 if isinstance(info.urgency, int) else False
        ctx_info = "held" if held else "priority-wait" if info.state == "PRIORITY" else ""
        ctx_time = ""
    else:
        ctx_info = info.nodelist
        ctx_time = fsd(runtime) if info.t_run else ""
    return _Row(
        id=info.id, username=info.username, name=info.name, status=status,
        status_abbrev=_ABBREV.get(status, status[:2]), state=info.state, result=info.result,
        ntasks=info.ntasks, nnodes=info.nnodes if not pending else "", ncores=info.ncores,
        runtime=fsd(runtime) if runtime else "", nodelist=info.nodelist, queue=info.queue,
        returncode=info.returncode, priority=info.priority, urgency=info.urgency,
        contextual_time=ctx_time, contextual_info=ctx_info)


class _Formatter(string.Formatter):
    """Python formatting, plus Flux's ``h`` suffix: ``-`` for an empty value."""

    def format_field(self, value, spec):
        if spec.endswith("h"):
            spec = spec[:-1]
            if value in ("", None, 0.0) and not isinstance(value, bool):
                value = "-"
        if isinstance(value, str) or value is None:
            return format("" if value is None else value, spec)
        try:
            return format(value, spec)
        except ValueError:
            return format(str(value), spec)


def _header(fmt):
    """The header line: each field's column name in its field's width."""
    out = []
    for literal, field, spec, _conv in _Formatter().parse(fmt):
        out.append(literal)
        if field is not None:
            name = _HEADERS.get(field, field.upper())
            width = re.sub(r"[^<>^0-9.]", "", spec or "")
            out.append(format(name, width.split(".")[0] if width else ""))
    return "".join(out)


def _mask(names, table, option):
    mask = 0
    for name in names.split(","):
        if name.lower() not in table:
            raise ValueError(f"Invalid filter specified: {name}")
        mask |= table[name.lower()]
    return mask


def main(prog, argv):
    """Run ``flux jobs ARGV``."""
    import flux.job
    from fluxsim.constants import FLUX_USERID_UNKNOWN

    p = ArgumentParser(prog="flux-jobs")
    p.add_argument("-a", action="store_true", dest="all", help="list all jobs of the user")
    p.add_argument("-A", action="store_true", dest="all_users", help="list every user's jobs")
    p.add_argument("-n", "--no-header", action="store_true")
    p.add_argument("-c", "--count", type=int, default=0)
    p.add_argument("-f", "--filter", metavar="STATE|RESULT")
    p.add_argument("-o", "--format", default=DEFAULT_FORMAT)
    p.add_argument("--name")
    p.add_argument("-q", "--queue")
    p.add_argument("jobids", nargs="*")
    args = p.parse_args(argv)
    states = results = 0
    if args.filter:
        names = args.filter.lower().split(",")
        try:
            states = _mask(",".join(n for n in names if n in _STATES), _STATES, "-f") \
                if any(n in _STATES for n in names) else 0
            results = _mask(",".join(n for n in names if n not in _STATES), _RESULTS, "-f") \
                if any(n not in _STATES for n in names) else 0
        except ValueError as exc:
            return fail("jobs", str(exc))
    elif not args.all and not args.all_users:
        states = _STATES["active"]
    h = handle()
    userid = FLUX_USERID_UNKNOWN if args.all_users else os.getuid()
    try:
        if args.jobids:
            infos = [flux.job.job_list_id(h, j).get_jobinfo() for j in args.jobids]
        else:
            infos = list(flux.job.job_list(h, args.count, userid=userid, states=states,
                                           results=results, name=args.name,
                                           queue=args.queue).get_jobinfos())
    except OSError as exc:
        return fail("jobs", exc.strerror or str(exc))
    formatter = _Formatter()
    if not args.no_header:
        print(_header(args.format).rstrip())
    for info in infos:
        print(formatter.vformat(args.format, (), fields(info)).rstrip())
    return 0
