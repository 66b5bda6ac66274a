"""``flux jobs``: list jobs in flux-core 0.88's formats.

::

           JOBID USER     NAME       ST NTASKS NNODES     TIME INFO
         ƒp5rC6B root     true        S      1      -        - held

A thin layer over ``flux.job.JobList`` and ``JobInfoFormat``, as flux-core's
command is: active jobs by default; ``-a`` adds inactive ones, ``-A`` every
user's, ``-f`` filters by state or result names, ``-n`` drops the header,
``-c`` limits the count, ``-o`` takes a format string or a named format.
"""

import sys

from fluxsim.command.common import ArgumentParser, fail, handle

__all__ = ["main", "FORMATS"]

#: flux-core 0.88's named formats of ``flux jobs -o``
FORMATS = {
    "default": ("{id.f58:>12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} "
                "{status_abbrev:>2.2} {ntasks:>6} {nnodes:>6h} "
                "{contextual_time!F:>8h} {contextual_info}"),
    "long": ("{id.f58:>12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} "
             "{status:>9.9} {ntasks:>6} {nnodes:>6h} "
             "{t_submit!d:%b%d %R::>12} {t_remaining!F:>12h} "
             "{contextual_time!F:>8h} {contextual_info}"),
}


def main(prog, argv):
    """Run ``flux jobs ARGV``."""
    from flux.job import JobInfoFormat, JobList

    p = ArgumentParser(prog="flux-jobs")
    p.add_argument("-a", action="store_true", dest="all", help="list all jobs of the user")
    p.add_argument("-A", action="store_true", dest="all_users", help="list every user's jobs")
    p.add_argument("-n", "--no-header", action="store_true")
    p.add_argument("-c", "--count", type=int)
    p.add_argument("-f", "--filter", action="append", default=[], metavar="STATE|RESULT")
    p.add_argument("-u", "--user")
    p.add_argument("-o", "--format", default="default")
    p.add_argument("--name")
    p.add_argument("-q", "--queue")
    p.add_argument("jobids", nargs="*")
    args = p.parse_args(argv)
    filtered = (args.all or args.all_users or args.count is not None or args.filter
                or args.user is not None or args.name is not None or args.queue is not None)
    if args.jobids and filtered:
        print("flux-jobs: WARNING: Filtering options ignored with jobid list", file=sys.stderr)
    filters = list(args.filter)
    if not filters and not args.jobids:
        filters = ["pending", "running"] + (["inactive"] if args.all or args.all_users else [])
    user = "all" if args.all_users else args.user
    try:
        formatter = JobInfoFormat(FORMATS.get(args.format, args.format))
        jobs = JobList(handle(), filters=filters, ids=args.jobids, user=user,
                       max_entries=1000 if args.count is None else args.count, name=args.name, queue=args.queue).jobs()
        rows = JobInfoFormat(formatter.filter(jobs, no_header=args.no_header))
    except (ValueError, OSError) as exc:
        return fail("jobs", str(exc))
    if not args.no_header:
        print(rows.header())
    for job in jobs:
        print(rows.format(job))
    return 0 if jobs or not args.jobids else 1
