"""``flux pgrep`` and ``flux pkill``: jobs by name pattern or id range, as flux-core 0.88's.

An expression is a regular expression searched in job names (``name:``
may prefix it) or an id range ``A..B``; at most one pattern.  Pending and
running jobs of the caller are searched by default (``-a`` all states,
``-f`` states or results, ``-A``/``-u`` users, ``-q`` queues), the first
``--count`` matches kept.  pgrep prints them (ids alone by default, or a
named format: full, long, deps; or a format string), pkill cancels them
(``--wait`` for them to end) and says how many.  No match: exit 1; a bad
expression: exit 2.  Named formats come from flux-core; its config files
are not read.
"""

import argparse
import logging
import os
import re
import sys
from itertools import islice

from fluxsim.command.common import SetUpdate, handle
from fluxsim.command.jobs import FORMATS as JOBS_FORMATS

__all__ = ["main"]

#: flux-core 0.88's named formats of ``flux pgrep -o`` (full and long are flux jobs')
FORMATS = {
    "default": "{id.f58}",
    "full": JOBS_FORMATS["default"],
    "long": JOBS_FORMATS["long"],
    "deps": ("{id.f58:>12} ?:{queue:<8.8} {name:<10.10+} {urgency:<3} "
             "{priority:<12} {state:<8.8} {dependencies}"),
}


class _Expression:
    """A name pattern and/or an id range; ``match(job)``."""

    def __init__(self, words):
        from flux.job import JobID

        self.regex = None
        self.ids = []
        for word in words:
            if ":" not in word and ".." in word:
                try:
                    self.ids = list(map(JobID, word.split("..")))
                    continue
                except ValueError:
                    pass  # not ids: a pattern
            if self.regex:
                raise ValueError("Only one pattern can be provided")
            self.regex = re.compile(word[5:] if word.startswith("name:") else word)

    def match(self, job):
        if self.regex and not self.regex.search(job.name):
            return False
        return not self.ids or self.ids[0] <= job.id <= self.ids[1]


def _parser(prog):
    p = argparse.ArgumentParser(prog=prog, allow_abbrev=False)
    p.add_argument("-a", action="store_true",
                   help="Target jobs in all states" if prog == "flux-pgrep" else argparse.SUPPRESS)
    p.add_argument("-A", action="store_true", help="Target all users")
    p.add_argument("-u", "--user", default=str(os.getuid()), metavar="[USERNAME|UID]")
    p.add_argument("-f", "--filter", action=SetUpdate, default=set(), metavar="STATE|RESULT")
    p.add_argument("-q", "--queue", metavar="QUEUE,...")
    p.add_argument("-c", "--count", type=int, default=99999, metavar="N")
    p.add_argument("--max-entries", type=int, default=1000, metavar="N")
    if prog == "flux-pgrep":
        p.add_argument("-n", "--no-header", action="store_true")
        p.add_argument("-o", "--format", default="default", metavar="FORMAT")
    else:
        p.add_argument("--wait", action="store_true")
    p.add_argument("expression", metavar="EXPRESSION", nargs="+")
    return p


def _jobs(h, args):
    from flux.job import JobList

    user = "all" if args.A else args.user
    filters = set(args.filter)
    if args.a:
        filters.update(["pending", "running", "inactive"])
    queue = set(args.queue.split(",")) if args.queue else None
    listing = JobList(h, filters=filters or {"pending", "running"}, user=user,
                      max_entries=args.max_entries, queue=queue)
    jobs = listing.jobs()
    for error in listing.errors:
        print(error, file=sys.stderr)
    return jobs


def _pkill(h, args, jobs, log):
    import flux.job

    canceled, status = 0, 0
    for job in jobs:
        try:
            flux.job.cancel(h, job.id)
            canceled += 1
        except OSError as exc:
            status = 1
            log.error(f"{job.id}: cancel: {exc}")
            continue
        if args.wait:
            flux.job.result(h, job.id)
    log.info("Canceled %d job%s", canceled, "s" if canceled != 1 else "")
    return status


def _run(prog, argv, log):
    from flux.job import JobInfoFormat

    args = _parser(prog).parse_args(argv)
    if prog == "flux-pgrep":
        try:
            formatter = JobInfoFormat(FORMATS.get(args.format, args.format))
        except ValueError as err:
            raise ValueError("Error in user format: " + str(err)) from None
    h = handle()
    try:
        expression = _Expression(args.expression)
    except (ValueError, SyntaxError, TypeError, re.error) as exc:
        log.error(f"expression error: {exc}")
        return 2
    jobs = list(islice(filter(expression.match, _jobs(h, args)), args.count))
    if not jobs:
        return 1
    if prog == "flux-pkill":
        return _pkill(h, args, jobs, log)
    rows = JobInfoFormat(formatter.filter(jobs, no_header=args.no_header))
    # the default (ids alone) has no header
    no_header = args.no_header or args.format == "default"
    if not no_header:
        print(rows.header())
    for job in jobs:
        print(rows.format(job))
    return 0


def main(prog, argv):
    """Run ``flux pgrep ...`` or ``flux pkill ...``."""
    prog = f"flux-{prog}"
    log = logging.getLogger(prog)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        return _run(prog, argv, log)
    except (OSError, ValueError) as exc:  # flux.util.CLIMain: one line, status 1
        log.error(getattr(exc, "strerror", None) or str(exc))
        return 1
