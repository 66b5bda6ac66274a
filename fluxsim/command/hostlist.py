"""``flux hostlist [OPTIONS] [SOURCES...]``: hostlist algebra, as flux-core 0.88's.

Each source is a hostlist: ``instance`` (the broker's ``hostlist``
attribute), ``local`` (the job of ``FLUX_JOB_ID``, else the instance),
``avail``/``available`` (the instance's hosts less those down or drained),
``stdin``/``-`` (one host or hostlist a line, waited for at most
``$FLUX_HOSTLIST_STDIN_TIMEOUT`` seconds), a job id (its ``nodelist``), or a
literal hostlist.  A word that parses as a job id is a job id (``foo1`` is
one, in F58), unless ``--fallback`` lets an unknown one be a host name.
Without sources the command reads stdin, or ``local`` with ``-l``.

The sources are appended (or intersected, subtracted, xored), then the
options apply in Flux's order: exclude, sort, unique, limit, nth; the
result prints compressed, expanded, counted or as the indices of
``--find``.  Errors are ``flux-hostlist: ERROR: ...``, exit 1; usage errors
are argparse's, exit 2.
"""

import argparse
import os
import select
import sys

from fluxsim.command.common import fail, handle
from fluxsim.resource.hostlist import Hostlist
from fluxsim.resource.idset import IDset

__all__ = ["main"]

_SOURCES = """
SOURCES may include:
instance     hosts from the broker 'hostlist' attribute.
jobid        hosts assigned to a job
local        hosts assigned to current job if FLUX_JOB_ID is set, otherwise
             returns the 'instance' hostlist
avail[able]  instance hostlist minus those nodes down or drained
stdin, '-'   read a list of hosts on stdin
hosts        literal list of hosts

The default when no SOURCES are supplied is 'stdin', unless the -l, --local
option is used, in which case the default is 'local'.
"""


def _parser():
    p = argparse.ArgumentParser(prog="flux-hostlist", epilog=_SOURCES, allow_abbrev=False,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("-e", "--expand", action="store_true",
                       help="Expand hostlist using defined output delimiter")
    p.add_argument("-d", "--delimiter", metavar="S", default=" ",
                   help="Set output delimiter for expanded hostlist (default=' ')")
    shape.add_argument("-c", "--count", action="store_true", help="Print the total number of hosts")
    p.add_argument("-n", "--nth", metavar="[-]IDS",
                   help="Output hosts at indices in idset IDS (-IDS to index from end)")
    p.add_argument("-F", "--find", metavar="HOSTS",
                   help="Output indices of HOSTS in target in hostlist. Fails if any host is not found.")
    p.add_argument("-L", "--limit", metavar="N", type=int,
                   help="Output at most N hosts (-N for the last N hosts)")
    p.add_argument("-S", "--sort", action="store_true", help="Return sorted result")
    p.add_argument("-x", "--exclude", metavar="IDS|HOSTS", type=Hostlist,
                   help="Exclude all occurrences of HOSTS or indices from final result")
    p.add_argument("-u", "--union", "--unique", action="store_true",
                   help="Return only unique hosts in the final hostlist. Without other options,"
                   " this is the same as the union of all hostlist args (default mode is append).")
    combine = p.add_mutually_exclusive_group()
    combine.add_argument("-i", "--intersect", action="store_true",
                         help="Return the intersection of all hostlists")
    combine.add_argument("-m", "--minus", action="store_true",
                         help="Subtract all hostlist args from first argument")
    combine.add_argument("-X", "--xor", action="store_true",
                         help="Return the symmetric difference of all hostlists")
    p.add_argument("-f", "--fallback", action="store_true",
                   help="Fallback to treating jobids that are not found as hostnames"
                   " (for hostnames that are also valid jobids e.g. f1, fuzz100, etc)")
    p.add_argument("-l", "--local", action="store_true",
                   help="Set the default source to 'local' instead of 'stdin'")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="No output. Exit with nonzero exit status if hostlist is empty")
    p.add_argument("sources", metavar="SOURCES", nargs="*",
                   help="(optional) One or more hostlist sources")
    return p


# -- sources: each resolves to a Hostlist now, or to a function that gives it --------


def _instance(_word, _fallback):
    return Hostlist(handle().attr_get("hostlist"))


def _job(word, fallback):
    """The job's nodelist, asked now and read later (as job-list answers)."""
    from fluxsim.job import JobID, job_list_id

    future = job_list_id(handle(), JobID(word), attrs=["nodelist"])

    def result():
        try:
            return Hostlist(future.get_jobinfo().nodelist)
        except FileNotFoundError:
            if fallback:
                return Hostlist(word)
            raise ValueError(f"job {word} not found") from None
        except OSError as exc:
            raise ValueError(f"job {word}: {exc}") from None
    return result


def _local(word, fallback):
    if "FLUX_JOB_ID" in os.environ:
        return _job(os.environ["FLUX_JOB_ID"], fallback)
    return _instance(word, fallback)


def _available(word, fallback):
    """The local hosts at the ranks that are up and not drained."""
    from fluxsim.resource.report import resource_status

    hosts = _value(_local(word, fallback))
    future = resource_status(handle())

    def result():
        status = future.get()
        return hosts[status.avail - status.offline]
    return result


def _stdin(_word, _fallback):
    timeout = float(os.environ.get("FLUX_HOSTLIST_STDIN_TIMEOUT", 15.0))
    if not select.select([sys.stdin], [], [], timeout)[0]:
        raise RuntimeError(f"timeout after {timeout}s waiting for stdin")
    hosts = Hostlist()
    for line in sys.stdin.readlines():
        hosts.append(line.rstrip())
    return hosts


_NAMED = {"instance": _instance, "local": _local, "stdin": _stdin, "-": _stdin,
          "avail": _available, "available": _available}


def _source(word, fallback):
    if word in _NAMED:
        return _NAMED[word](word, fallback)
    try:
        return _job(word, fallback)
    except ValueError:
        pass
    try:
        return Hostlist(word)
    except (TypeError, OSError, ValueError):
        raise ValueError(f"Invalid jobid or hostlist {word}") from None


def _value(source):
    return source() if callable(source) else source


# -- combining ---------------------------------------------------------------------------


def _intersect(a, b):
    """The hosts of ``a`` also in ``b``, once each."""
    result = Hostlist([host for host in a if host in b])
    result.uniq()
    return result


def _difference(a, b):
    return Hostlist([host for host in a if host not in b])


def _xor(a, b):
    result = _difference(a, b)
    result.append(_difference(b, a))
    result.uniq()
    return result


def _combine(args, hostlists):
    if args.intersect or args.xor or args.minus:
        result = hostlists[0]
        for other in hostlists[1:]:
            if args.minus:
                result.delete(other)
            else:
                result = (_intersect if args.intersect else _xor)(result, other)
        return result
    result = Hostlist()
    for other in hostlists:
        result.append(other)
    return result


def _exclude(hosts, exclude):
    """``hosts`` less every occurrence of ``exclude``'s hosts; if none was
    there, less the indices ``exclude`` names as an idset."""
    count = len(hosts)
    while hosts.delete(exclude) > 0:
        pass
    if len(hosts) != count:
        return hosts
    try:
        indices = IDset(exclude)
    except ValueError:
        return hosts
    return Hostlist([hosts[i] for i in range(count) if i not in indices])


def _nth(hosts, nth):
    if nth.startswith("-"):
        # from the end, kept in the list's order
        return Hostlist([hosts[-i] for i in reversed(list(IDset(nth[1:])))])
    return hosts[IDset(nth)]


def _run(args):
    sources = args.sources or (["local"] if args.local else ["stdin"])
    resolved = [_source(word, args.fallback) for word in sources]
    hosts = _combine(args, [_value(source) for source in resolved])
    if args.exclude:
        hosts = _exclude(hosts, args.exclude)
    if args.sort:
        hosts.sort()
    if args.union:
        hosts.uniq()
    if args.limit:
        hosts = hosts[: args.limit] if args.limit > 0 else hosts[args.limit:]
    if args.nth is not None:
        hosts = _nth(hosts, args.nth)
    if args.find:
        text = " ".join(map(str, hosts.index(args.find)))
    elif args.count:
        text = str(hosts.count())
    elif args.expand:
        text = args.delimiter.replace("\\n", "\n").join(hosts) if hosts else None
    else:
        text = hosts.encode() if hosts else None
    if text is not None and not args.quiet:
        print(text)
    return 1 if args.quiet and not hosts else 0


def main(prog, argv):
    """Run ``flux hostlist ...``."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except Exception as exc:  # flux.util.CLIMain: any error is one line and status 1
        message = getattr(exc, "strerror", None) or str(exc)
        if getattr(exc, "filename", None):
            message += f": '{exc.filename}'"
        return fail(prog, f"ERROR: {message}")
