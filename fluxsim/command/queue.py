"""``flux queue``: list, status, enable, disable, start, stop, drain and idle, as flux-core 0.88's.

::

    $ flux queue status
    batch: Job submission is enabled
    batch: Scheduling is stopped
    $ flux queue start batch
    batch: Scheduling is started

The same options, requests (``job-manager.queue-*``, ``alloc-query``,
``drain``, ``idle``), output (``flux queue list``'s named formats, colour
codes included, as Flux prints them to a pipe too), messages
(``flux-queue: ERROR: ...``) and exit codes.  Formats from
``flux-queue`` config files are not read.
"""

import argparse
import errno
import os
import sys

from fluxsim.command.common import ArgumentParser, SetUpdate, format_string, handle

__all__ = ["main", "FORMATS"]

_STATE = "{color_enabled}{enabled:>2}{color_off} {color_started}{started:>2}{color_off} "
_LIMITS = "{defaults.timelimit!F:>8} {limits.timelimit!F:>8} "
#: flux-core 0.88's named formats of ``flux queue list -o``: (description, format)
FORMATS = {
    "default": ("Default flux-queue list format string",
                "?:{queuem:<8.8} " + _STATE + _LIMITS
                + "{limits.range.effective.nnodes:>10} {limits.range.effective.ncores:>10} "
                "{limits.range.effective.ngpus:>10}"),
    "policy": ("flux-queue list with policy limits only",
               "?:{queuem:<8.8} " + _STATE + _LIMITS
               + "{limits.range.nnodes:>10} {limits.range.ncores:>10} {limits.range.ngpus:>10}"),
    "nodes": ("Show queue status plus all/up/allocated/free nodes",
              "?:{queuem:<8.8} " + _STATE
              + "{resources.all.nnodes:>6} {resources.up.nnodes:>10} "
              "{resources.down.nnodes:>10} {resources.allocated.nnodes:>11} "
              "{resources.free.nnodes:>10}"),
}

_HEADINGS = {
    "queue": "QUEUE", "queuem": "QUEUE", "submission": "SUBMIT", "scheduling": "SCHED",
    "enabled": "EN", "started": "ST", "enabled.ascii": "EN", "started.ascii": "ST",
    "color_enabled": "", "color_started": "", "color_off": "",
    "defaults.timelimit": "TDEFAULT", "limits.timelimit": "TLIMIT",
    **{f"limits.range.{k}": k.upper() for k in ("nnodes", "ncores", "ngpus")},
    **{f"limits.range.effective.{k}": k.upper() for k in ("nnodes", "ncores", "ngpus")},
    **{f"limits.{bound}.{k}": f"{bound.upper()}{k[1:].upper()}"
       for bound in ("min", "max") for k in ("nnodes", "ncores", "ngpus")},
    **{f"resources.{state}.{k}": k[1:].upper() + (f":{state[:5].upper()}" if state != "all" else "")
       for state in ("all", "free", "allocated", "up", "down") for k in ("nnodes", "ncores", "ngpus")},
}


class QueueError(Exception):
    """A request failed: ``flux-queue: ERROR: <message>``, exit 1."""


def _rpc(h, topic, payload, what, timeout=-1.0):
    """The response of ``topic``; QueueError ``what: <Flux's message>`` on an
    error, ``what: timeout`` after ``timeout`` seconds (if >= 0)."""
    future = h.rpc(topic, payload, nodeid=0)
    try:
        future.wait_for(timeout)
        return future.get()
    except OSError as exc:
        text = "timeout" if exc.errno == errno.ETIMEDOUT else exc.strerror or os.strerror(exc.errno)
        raise QueueError(f"{what}: {text}") from None


# -- status --------------------------------------------------------------------------


def _enable_line(status):
    if status["enable"]:
        return "Job submission is enabled"
    return f"Job submission is disabled: {status['disable_reason']}"


def _start_line(status):
    if status["start"]:
        return "Scheduling is started"
    reason = status.get("stop_reason")
    return "Scheduling is stopped" + (f": {reason}" if reason else "")


def _status_of(h, name):
    return _rpc(h, "job-manager.queue-status", {"name": name} if name else {}, "status")


def _statuses(h, queue, verbose):
    """``[(label, status)]``: of ``queue``, or of every queue if none (or ``verbose``);
    the anonymous queue's is labelled as asked, as Flux does."""
    names = _rpc(h, "job-manager.queue-list", None, "list")["queues"]
    if queue and not verbose:
        return [(queue, _status_of(h, queue))]
    if names:
        return [(name, _status_of(h, name)) for name in names]
    return [(queue, _status_of(h, None))]


def _print_status(h, queue, verbose, *lines):
    for label, status in _statuses(h, queue, verbose):
        prefix = f"{label}: " if label else ""
        for line in lines:
            print(prefix + line(status))


def _alloc_query(h):
    query = _rpc(h, "job-manager.alloc-query", None, "alloc-query")
    print(f"{query['queue_length']} alloc requests queued")
    print(f"{query['alloc_pending']} alloc requests pending to scheduler")
    print(f"{query['running']} running jobs")


def _status(args, h):
    _print_status(h, args.queue, args.verbose, _enable_line, _start_line)
    if args.verbose:
        _alloc_query(h)


# -- enable, disable, start, stop -------------------------------------------------------


def _payload(args, **fields):
    payload = {**fields, "all": args.all}
    if args.queue:
        payload["name"] = args.queue
    if getattr(args, "reason", None):
        payload["reason"] = args.reason
    return payload


def _enable(args, h):
    enable = args.subcommand == "enable"
    args.reason = None if enable else (args.message or "disabled by administrator")
    _rpc(h, "job-manager.queue-enable", _payload(args, enable=enable), "enable")
    if not args.quiet:
        _print_status(h, args.queue, args.verbose, _enable_line)


def _start(args, h):
    start = args.subcommand == "start"
    if not args.queue and not args.all:
        if _rpc(h, "job-manager.queue-list", None, "list")["queues"]:
            raise QueueError("Named queues are defined. Specify queues or use --all.")
    args.reason = None if start else args.message
    payload = _payload(args, start=start, nocheckpoint=getattr(args, "nocheckpoint", False))
    _rpc(h, "job-manager.queue-start", payload, "start")
    if not args.quiet:
        _print_status(h, args.queue, args.verbose, _start_line)
        if args.verbose:
            _alloc_query(h)


# -- drain, idle ----------------------------------------------------------------------


def _drain(args, h):
    _rpc(h, "job-manager.drain", None, "drain", args.timeout)


def _idle(args, h):
    pending = _rpc(h, "job-manager.idle", None, "idle", args.timeout)["pending"]
    if not args.quiet or pending > 0:
        print(f"{pending} jobs")


# -- list -----------------------------------------------------------------------------


class _QueueRow:
    """A :class:`~fluxsim.queue.QueueInfo` with ``flux queue list``'s fields."""

    color_off = "\033[0;0m"

    def __init__(self, info):
        self.info = info
        self.limits = _Limits(info)
        self.queue = info.name
        self.queuem = f"{info.name}*" if info.name and info.is_default else info.name
        self.submission = "enabled" if info.enabled else "disabled"
        self.scheduling = "started" if info.started else "stopped"
        self.enabled, self.color_enabled = _mark(info.enabled), _color(info.enabled)
        self.started, self.color_started = _mark(info.started), _color(info.started)

    def __getattr__(self, attr):
        try:
            return getattr(self.info, attr)
        except (KeyError, AttributeError):
            raise AttributeError(f"invalid QueueInfo attribute '{attr}'") from None


def _mark(on):
    from fluxsim.util import AltField

    return AltField("✔", "y") if on else AltField("✗", "n")


def _color(on):
    return "\033[01;32m" if on else "\033[01;31m"


class _Range:
    """``min-max`` texts of node, core and GPU counts."""

    def __init__(self, low, high):
        for kind in ("nnodes", "ncores", "ngpus"):
            setattr(self, kind, f"{getattr(low, kind)}-{getattr(high, kind)}")


class _Limits:
    """A queue's limits, plus ``range`` (configured) and ``range.effective``
    (the maximum cut to the queue's resources)."""

    def __init__(self, info):
        from fluxsim.queue import QueueResourceCounts

        limits = info.limits
        self._limits = limits
        self.range = _Range(limits.min, limits.max)
        every = info.resources.all
        effective = QueueResourceCounts(*(min(getattr(limits.max, k), getattr(every, k))
                                          for k in ("nnodes", "ncores", "ngpus")))
        self.range.effective = _Range(limits.min, effective)

    def __getattr__(self, attr):
        return getattr(self._limits, attr)


def _list(args, h):
    from flux.queue import QueueList
    from fluxsim.util import OutputFormat

    formatter = OutputFormat(format_string("queue", "list", FORMATS, args.format),
                             headings=_HEADINGS)
    rows = [_QueueRow(info) for info in QueueList(h, queues=args.queue)]
    formatter.print_items(rows, no_header=args.no_header)


# -- the command ------------------------------------------------------------------------


class _FSD(argparse.Action):
    """A duration option parsed as it is met: a bad one is ``flux-queue: ERROR``
    (exit 1), not a usage error, as in Flux."""

    def __call__(self, parser, namespace, values, option_string=None):
        from fluxsim.fsd import parse_fsd

        setattr(namespace, self.dest, parse_fsd(values))


def _parser():
    p = ArgumentParser(prog="flux-queue")
    sub = p.add_subparsers(title="subcommands", description="", dest="subcommand")
    sub.required = True
    s = sub.add_parser("list")
    s.add_argument("-q", "--queue", action=SetUpdate, default=set(), metavar="QUEUE,...")
    s.add_argument("-o", "--format", default="default")
    s.add_argument("-n", "--no-header", action="store_true")
    s.set_defaults(func=_list)
    for name, func in (("status", _status), ("enable", _enable), ("disable", _enable),
                       ("start", _start), ("stop", _start)):
        s = sub.add_parser(name)
        s.add_argument("-q", "--queue", dest="old_queue", metavar="NAME", help=argparse.SUPPRESS)
        if name != "status":
            s.add_argument("-a", "--all", action="store_true")
            s.add_argument("--quiet", action="store_true")
        s.add_argument("-v", "--verbose", action="store_true")
        if name in ("stop", "disable"):
            s.add_argument("--nocheckpoint", action="store_true")
            s.add_argument("-m", "--message", metavar="REASON")
        s.add_argument("queue", metavar="QUEUE", nargs="?")
        s.set_defaults(func=func)
    for name, func in (("drain", _drain), ("idle", _idle)):
        s = sub.add_parser(name)
        s.add_argument("-t", "--timeout", action=_FSD, metavar="DURATION", default=-1.0)
        if name == "idle":
            s.add_argument("--quiet", action="store_true")
        s.set_defaults(func=func)
    return p


def main(prog, argv):
    """Run ``flux queue ARGV``."""
    try:
        args = _parser().parse_args(argv)
        old = getattr(args, "old_queue", None)
        if old is not None:
            if args.queue is not None:
                raise ValueError(f"Conflicting queues specified as --queue={old} and {args.queue}")
            args.queue = old
        args.func(args, handle())
    except (QueueError, ValueError, OSError) as exc:
        message = getattr(exc, "strerror", None) or str(exc)
        print(f"flux-queue: ERROR: {message}", file=sys.stderr)
        return 1
    return 0
