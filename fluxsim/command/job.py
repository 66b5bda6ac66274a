"""``flux job`` (info, eventlog, attach, wait, status, urgency, raise, kill, id, last, memo,
timeleft, taskmap; killall, raiseall, purge, stats in :mod:`fluxsim.command.jobadmin`) and
``flux cancel``.

Output and exit codes are flux-core 0.88's: ``attach`` prints the job's
output and exits with its exit code (128 + N for signal N, 1 after a fatal
exception), ``status`` with the highest of its jobs', ``wait`` with 1 and
``flux-job: ERROR`` when a job failed.
"""

import argparse
import base64
import errno
import json
import math
import os
import re
import sys

from fluxsim.command.common import ArgumentParser, fail, handle, jobid as jobid_type
from fluxsim.command import jobadmin
from fluxsim.command.common import signum as signal_number
from fluxsim.resource import idset

__all__ = ["main", "attach"]


def _exception_line(event, jobid, t0):
    ctx = event.context
    return (f"{event.timestamp - t0:.3f}s: job.exception {jobid.f58} type={ctx['type']} "
            f"severity={ctx['severity']} {ctx['note']}")


def _print_output(h, jobid, label):
    """Copy the job's ``guest.output`` eventlog to stdout/stderr until every stream ends."""
    import flux.job

    try:
        watch = flux.job.event_watch_async(h, jobid, "guest.output")
        expected = None
        eofs = 0
        while expected is None or eofs < expected:
            event = watch.get_event()
            if event is None:
                return
            ctx = event.context
            if event.name == "header":
                expected = sum(ctx.get("count", {}).values()) or 0
            elif event.name == "data":
                data = ctx.get("data", "")
                if ctx.get("encoding") == "base64":
                    data = base64.b64decode(data).decode(errors="replace")
                stream = sys.stderr if ctx.get("stream") == "stderr" else sys.stdout
                if label:
                    data = "".join(f"{ctx.get('rank')}: {line}"
                                   for line in data.splitlines(keepends=True))
                stream.write(data)
                stream.flush()
                if ctx.get("eof"):
                    eofs += 1
            elif event.name == "eof":
                eofs += 1
        watch.cancel()
    except OSError:
        return  # no output eventlog: output went to files


def attach(h, jobid, wait_event=None, label=False):
    """``flux job attach``: follow the job, print its output; its exit code."""
    import flux.job
    from fluxsim.job.wait import waitstatus_to_exitcode

    t0 = None
    status = None
    fatal = False
    started = False
    for event in flux.job.event_watch(h, jobid):
        if t0 is None:
            t0 = event.timestamp
        if event.name == "exception":
            print(_exception_line(event, jobid, t0), file=sys.stderr)
            fatal = fatal or event.context["severity"] == 0
        elif event.name == "start" and not started:
            started = True
            _print_output(h, jobid, label)
        elif event.name == "finish":
            status = event.context["status"]
        if wait_event is not None and event.name == wait_event:
            return 0
    if status is not None:
        code, text = waitstatus_to_exitcode(status)
        if code:
            print(f"flux-job: {text}", file=sys.stderr)
        return code
    return 1 if fatal else 0


def _info(args, h):
    import flux.job

    try:
        data = flux.job.job_info_lookup(h, args.id, args.keys).get()
    except OSError as exc:
        return fail("job", exc.strerror)
    for key in args.keys:
        value = data[key]
        print(value if isinstance(value, str) else json.dumps(value), end="")
        if isinstance(value, str) and not value.endswith("\n"):
            print()
    return 0


def _format_event(event):
    """``TIMESTAMP NAME KEY=VALUE ...`` as ``flux job eventlog`` prints an entry."""
    ctx = " ".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in event.context.items())
    return f"{event.timestamp:.6f} {event.name}" + (f" {ctx}" if ctx else "")


def _eventlog(args, h):
    import flux.job
    from fluxsim.eventlog import EventLogEvent

    try:
        if args.follow:
            events = flux.job.event_watch(h, args.id, args.path)
        else:
            text = flux.job.job_info_lookup(h, args.id, [args.path]).get()[args.path]
            events = (EventLogEvent(line) for line in text.splitlines() if line)
        for event in events:
            print(_format_event(event))
    except OSError as exc:
        return fail("job", f"{args.id}: {exc.strerror}" if exc.strerror else str(exc))
    return 0


def _attach(args, h):
    return attach(h, args.id, wait_event=args.wait_event, label=args.label_io)


def _wait(args, h):
    import flux.job

    target = args.id if args.id is not None else flux.job.FLUX_JOBID_ANY if hasattr(
        flux.job, "FLUX_JOBID_ANY") else 0xFFFFFFFFFFFFFFFF
    try:
        result = flux.job.wait(h, target)
    except OSError as exc:
        return fail("job", exc.strerror, 2 if exc.errno == errno.ECHILD else 1)
    if not result.success:
        return fail("job", f"{result.errstr.decode()}" if args.id is not None
                    else f"{result.jobid.f58}: {result.errstr.decode()}")
    if args.id is None:
        print(result.jobid.f58)
    return 0


def _wait_event(args, h):
    """``flux job wait-event``: wait for an event (exit 1 if the eventlog ends first)."""
    import flux.job

    try:
        for event in flux.job.event_watch(h, args.id, args.path):
            if event.name == args.event:
                if not args.quiet:
                    print(_format_event(event))
                return 0
    except OSError as exc:
        return fail("job", f"{args.id}: {exc.strerror}")
    return fail("job", f"wait-event: event {args.event} never received")


def _status(args, h):
    import flux.job

    worst = 0
    for jobid in args.ids:
        try:
            res = flux.job.result_async(h, jobid).get_dict()
        except OSError:
            return fail("job", f"{jobid}: No such job")
        if args.json:
            print(json.dumps(res))
        status = res.get("waitstatus", -1)
        code = 0 if status < 0 else (128 + os.WTERMSIG(status) if os.WIFSIGNALED(status)
                                     else os.WEXITSTATUS(status))
        if res["exception_occurred"] and res.get("exception_severity") == 0:
            code = max(code, args.exception_exit_code)
        worst = max(worst, code)
    return worst


def _cancel(args, h):
    import flux.job

    status = 0
    for jobid in args.ids:
        try:
            flux.job.cancel(h, jobid, args.message)
        except OSError as exc:
            status = fail("cancel", f"ERROR: {jobid.f58}: {exc.strerror}")
    return status


_RAISE_USAGE = """\
Usage: flux-job raise [OPTIONS] ids... [--] [message ...]
Raise exception on one or more jobs
  -h, --help             Display this message.
  -s, --severity=N       Set exception severity [0-7] (default=0)
  -t, --type=TYPE        Set exception type (default=cancel)
  -m, --message=NOTE     Set exception note
"""


def _raise(args, h):
    """``flux job raise [-s N] [-t TYPE] [-m NOTE] IDS... [--] [MESSAGE...]``.

    As flux-core 0.88's: options come first; the leading words that are
    job ids name the jobs, and the words after them (past a ``--``) are
    the note, which ``--message`` may not also give.  A word that is no
    job id starts the note, so a typo is a note, not an error.
    """
    import flux.job
    from flux.job import JobID

    if not args.words:
        sys.stderr.write(_RAISE_USAGE)
        return 1
    try:
        severity = int(args.severity)
    except ValueError:
        return fail("job raise", "raise: Option 'severity' requires an integer argument")
    targets = []
    for word in args.words:
        try:
            targets.append((word, JobID(word)))
        except (ValueError, TypeError, OSError):
            break
    rest = args.words[len(targets):]
    note = " ".join(rest[1:] if rest[:1] == ["--"] else rest) or None
    if note is not None and args.message is not None:
        return fail("job", "Do not set note on command line and with --message")
    note = note if note is not None else args.message
    status = 0
    for word, jobid in targets:
        try:
            flux.job.job_raise(h, jobid, args.type, severity, note)
        except OSError as exc:
            status = fail("job", f"raise {word}: {exc.strerror}")
    return status


_URGENCY_USAGE = """\
Usage: flux-job urgency [OPTIONS] id urgency
Set job urgency (0-31, HOLD, EXPEDITE, DEFAULT)
  -h, --help             Display this message.
  -v, --verbose          Output old urgency value on success
"""
_URGENCY_WORDS = {"hold": 0, "default": 16, "expedite": 31}


def _c_urgency(text):
    """``text`` as flux-job reads an urgency: ``strtoull`` (base 10, the whole
    word, a sign allowed) into a C int; None where it is no number."""
    match = re.fullmatch(r"\s*([+-]?)(\d*)", text)
    if match is None or (match[1] and not match[2]):
        return None
    value = int(match[2] or 0) % 2**64
    if match[1] == "-":
        value = -value % 2**64
    return ((value & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000


def _urgency(args, h):
    """``flux job urgency [-v] ID URGENCY`` (a number, or hold, expedite, default)."""
    from flux.job import JobID

    if len(args.words) != 2:
        sys.stderr.write(_URGENCY_USAGE)
        return 1
    word, text = args.words
    try:
        jobid = JobID(word)
    except (ValueError, TypeError, OSError):
        return fail("job", f'error parsing jobid: "{word}"')
    urgency = _URGENCY_WORDS.get(text.lower(), _c_urgency(text))
    if urgency is None:
        return fail("job", f'error parsing urgency: "{text}"')
    try:
        old = h.rpc("job-manager.urgency", {"id": int(jobid), "urgency": urgency}).get()["old_urgency"]
    except OSError as exc:
        return fail("job", f"{word}: {exc.strerror}")
    if args.verbose:
        said = {0: "job held", 31: "job expedited"}.get(old)
        print(f"old urgency: {said or old}", file=sys.stderr)
    return 0


_TIMELEFT_USAGE = """\
Usage: flux-job timeleft [JOBID]
Find remaining runtime for job or enclosing instance
  -h, --help             Display this message.
  -H, --human            Output in Flux Standard Duration instead of seconds.
"""


def _timeleft(args, h):
    """``flux job timeleft [-H] [JOBID]``: seconds left to the job (``FLUX_JOB_ID``
    if none is named) or the enclosing instance, whole (1 for a last fraction,
    4294967295 for none), or an FSD with ``-H``."""
    from flux.job.timeleft import timeleft

    from fluxsim.fsd import fsd_format_duration

    if len(args.words) > 1:
        sys.stderr.write(_TIMELEFT_USAGE)
        return 1
    if args.words:
        os.environ["FLUX_JOB_ID"] = args.words[0]
    try:
        left = timeleft(h)
    except OSError as exc:
        return fail("job", exc.strerror)
    if args.human:
        print(fsd_format_duration(left))
    elif math.isinf(left):
        print(2**32 - 1)  # UINT_MAX
    else:
        print(max(int(left), 1) if left > 0 else 0)
    return 0


_TASKMAP_USAGE = """\
Usage: flux-job taskmap [OPTION] JOBID|TASKMAP
Utility function for working with job task maps
  -h, --help             Display this message.
      --taskids=NODEID   Print idset of tasks on node NODEID
      --ntasks=NODEID    Print number of tasks on node NODEID
      --nodeid=TASKID    Print the shell rank/nodeid on which a taskid executed
      --hostname=TASKID  Print the hostname on which a taskid executed
      --to=FORMAT        Convert an RFC 34 taskmap to another format (FORMAT can
                         be raw, pmi, hosts, or multiline)
"""


class _TaskmapExit(Exception):
    """A ``flux job taskmap`` error: its message, status 1."""


def _job_taskmap(h, jobid):
    """The taskmap of the job's ``shell.start`` event (guest.exec.eventlog)."""
    from flux.job import event_watch_async

    from fluxsim.shell.taskmap import Taskmap

    future = event_watch_async(h, jobid, eventlog="guest.exec.eventlog")
    while True:
        try:
            event = future.get_event()
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                raise _TaskmapExit("Unable to get job taskmap: no such job") from None
            raise _TaskmapExit(f"waiting for shell.start event: {exc.strerror}") from None
        if event is None:
            raise _TaskmapExit("No taskmap found for job")
        if event.name == "shell.start":
            future.cancel()
            try:
                return Taskmap.decode(event.context["taskmap"])
            except (KeyError, ValueError):
                raise _TaskmapExit("failed to get taskmap from shell.start event") from None


def _job_hosts(h, jobid):
    """The job's hosts in rank order (its R's nodelist)."""
    from fluxsim.resource.rv1 import Rv1

    try:
        R = h.rpc("job-info.lookup", {"id": int(jobid), "keys": ["R"], "flags": 0}).get()["R"]
        return Rv1.loads(R).nodelist
    except (OSError, ValueError, KeyError) as exc:
        raise _TaskmapExit(f"failed to get hostlist for job: {getattr(exc, 'strerror', None) or exc}")


def _taskmap_int(value, name):
    """optparse_get_int: -1 when absent (and -1 given reads as absent)."""
    if value is None:
        return -1
    if re.fullmatch(r"\s*[-+]?\d+", value) is None:
        raise _TaskmapExit(f"taskmap: Option '{name}' requires an integer argument", "flux-job taskmap")
    return int(value)


def _taskmap_answer(args, h):
    """What ``flux job taskmap`` prints (its lines), or _TaskmapExit."""
    from flux.job import JobID

    from fluxsim.shell.taskmap import Taskmap

    jobid = None
    try:
        jobid = JobID(args.words[0])
    except ValueError:
        try:
            taskmap = Taskmap.decode(args.words[0])
        except ValueError as exc:
            raise _TaskmapExit(f"error decoding taskmap: {exc}") from None
    else:
        taskmap = _job_taskmap(h(), jobid)
    taskids, ntasks = _taskmap_int(args.taskids, "taskids"), _taskmap_int(args.ntasks, "ntasks")
    nodeid, hostname = _taskmap_int(args.nodeid, "nodeid"), _taskmap_int(args.hostname, "hostname")

    def why(value):  # libtaskmap's errno for a query it cannot answer
        return os.strerror(errno.EINVAL if value < 0 or taskmap.unknown else errno.ENOENT)

    if taskids != -1:
        ids = taskmap.taskids(taskids) if taskids >= 0 else []
        if not ids:
            raise _TaskmapExit(f"No taskids for node {taskids}: {why(taskids)}")
        return [idset.encode(ids)]
    if ntasks != -1:
        count = taskmap.ntasks(ntasks) if ntasks >= 0 else 0
        if not count:
            raise _TaskmapExit(f"failed to get task count for node {ntasks}: {why(ntasks)}")
        return [str(count)]
    task = nodeid if nodeid != -1 else hostname
    if task != -1:
        try:
            if task < 0:
                raise ValueError
            node = taskmap.nodeid(task)
        except ValueError:
            raise _TaskmapExit(f"failed to get nodeid for task {task}: {why(task)}") from None
        if args.hostname is None:
            return [str(node)]
        if jobid is None:
            raise _TaskmapExit("taskmap: can't use --hostname without a jobid")
        return [_job_hosts(h(), jobid)[node]]
    if args.to is None:
        return [taskmap.dumps(wrapped=False)]
    if args.to == "raw":
        return [taskmap.encode_raw()]
    if args.to == "pmi":
        return [taskmap.encode_pmi()]
    if args.to == "multiline":
        return [f"{task}: {taskmap.nodeid(task)}" for task in range(taskmap.total_ntasks)]
    if args.to == "hosts":
        if jobid is None:
            raise _TaskmapExit("taskmap: can't use --to=hosts without a jobid")
        hosts = _job_hosts(h(), jobid)
        return [f"{hosts[node]}: {idset.encode(taskmap.taskids(node))}"
                for node in range(taskmap.nnodes)]
    raise _TaskmapExit(f"invalid value --to={args.to}")


def _taskmap(args, h):
    """``flux job taskmap [--taskids=N|--ntasks=N|--nodeid=T|--hostname=T|--to=FORMAT]
    JOBID|TASKMAP``: a job's RFC 34 taskmap (from its ``shell.start`` event), or a
    given one, queried or converted as libtaskmap does."""
    if not args.words:
        sys.stdout.write(_TASKMAP_USAGE)
        return 1
    try:
        lines = _taskmap_answer(args, handle)
    except _TaskmapExit as exc:
        prog = exc.args[1] if len(exc.args) > 1 else "flux-job"
        print(f"{prog}: {exc.args[0]}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


def _cancel_command(argv):
    """``flux cancel [--all] [-n] [-q] [-m MESSAGE] [JOBID...]``"""
    import flux.job

    p = ArgumentParser(prog="flux-cancel")
    p.add_argument("-m", "--message", default=None)
    p.add_argument("--all", action="store_true", help="cancel all your active jobs")
    p.add_argument("-n", "--dry-run", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("ids", type=jobid_type, nargs="*")
    args = p.parse_args(argv)
    # messages and statuses recorded from flux-core 0.88.0
    if not args.all and not args.ids:
        return fail("cancel", "ERROR: No target jobs were provided")
    h = handle()
    if not args.all:
        return _cancel(args, h)
    active = [info.id for info in flux.job.job_list(h, 0, states=62).get_jobinfos()]
    noun = "job" if len(active) == 1 else "jobs"
    if not active:
        fail("cancel", "Matched 0 jobs", 0)
        return 1 if args.dry_run else 0
    if args.dry_run:
        return fail("cancel", f"Would cancel {len(active)} {noun}", 0)
    args.ids = active
    errors = 1 if _cancel(args, h) else 0
    if not args.quiet:
        fail("cancel", f"Canceled {len(active)} {noun} ({errors} errors)", 0)
    return 1 if errors else 0


def _kill(args, h):
    import flux.job

    signum = signal_number(args.signal)
    if signum is None:
        return fail("job", f"kill: Invalid signal {args.signal}")
    status = 0
    for jobid in args.ids:
        try:
            flux.job.kill(h, jobid, signum)
        except OSError as exc:
            status = fail("job", f"kill {jobid.f58}: {exc.strerror}")
    return status


def _id(args, h):
    from flux.job import JobID

    for text in args.ids or sys.stdin.read().split():
        try:
            jobid = JobID(text)
        except (ValueError, TypeError):
            return fail("job", f"id: malformed input: {text}")
        print(jobid.dec if args.to == "dec" else getattr(jobid, args.to.replace("-", "")))
    return 0


def _last(args, h):
    slice_text = args.slice or "[:1]"
    if not slice_text.startswith("["):
        slice_text = f"[:{slice_text}]"
    try:
        jobs = h.rpc("job-manager.history.get", {"slice": slice_text}).get()["jobs"]
    except OSError as exc:
        return fail("job", exc.strerror)
    if not jobs:
        return fail("job", "job history is empty")
    from flux.job import JobID

    for jobid in jobs:
        print(JobID(jobid).f58)
    return 0


def _memo(args, h):
    memo = {}
    for item in args.items:
        key, sep, text = item.partition("=")
        if not sep:
            return fail("job", f"memo: no value for key={item}")
        if text == "-":
            text = sys.stdin.read()
        try:
            value = json.loads(text)  # a JSON value, else the text itself
        except ValueError:
            value = text
        *parents, last = key.split(".")
        node = memo
        for name in parents:  # a dotted key names nested objects
            if not isinstance(node.get(name), dict):
                node[name] = {}
            node = node[name]
        node[last] = value
    payload = {"id": int(args.id), "volatile": args.volatile, "memo": memo}
    try:
        h.rpc("job-manager.memo", payload).get()
    except OSError as exc:
        return fail("job", f"memo: {exc.strerror}")
    return 0


def _job_parser():
    p = ArgumentParser(prog="flux-job")
    sub = p.add_subparsers(dest="sub", required=True, metavar="COMMAND")
    s = sub.add_parser("info")
    s.add_argument("id", type=jobid_type)
    s.add_argument("keys", nargs="+")
    s = sub.add_parser("eventlog")
    s.add_argument("-f", "--follow", action="store_true")
    s.add_argument("-p", "--path", default="eventlog")
    s.add_argument("id", type=jobid_type)
    s = sub.add_parser("attach")
    s.add_argument("-l", "--label-io", action="store_true")
    s.add_argument("--wait-event")
    s.add_argument("id", type=jobid_type)
    s = sub.add_parser("wait")
    s.add_argument("-a", "--all", action="store_true")
    s.add_argument("id", type=jobid_type, nargs="?")
    s = sub.add_parser("wait-event")
    s.add_argument("-p", "--path", default="eventlog")
    s.add_argument("-q", "--quiet", action="store_true")
    s.add_argument("-t", "--timeout", type=float)
    s.add_argument("id", type=jobid_type)
    s.add_argument("event")
    s = sub.add_parser("status")
    s.add_argument("-v", "--verbose", action="count", default=0)
    s.add_argument("-e", "--exception-exit-code", type=int, default=1)
    s.add_argument("-j", "--json", action="store_true")
    s.add_argument("ids", type=jobid_type, nargs="+")
    s = sub.add_parser("raise")
    s.add_argument("-s", "--severity", default="0")
    s.add_argument("-t", "--type", default="cancel")
    s.add_argument("-m", "--message", default=None)
    s.add_argument("words", nargs=argparse.REMAINDER)
    s = sub.add_parser("urgency")
    s.add_argument("-v", "--verbose", action="store_true")
    s.add_argument("words", nargs="*")
    s = sub.add_parser("timeleft")
    s.add_argument("-H", "--human", action="store_true")
    s.add_argument("words", nargs="*")
    s = sub.add_parser("taskmap")
    for name in ("taskids", "ntasks", "nodeid", "hostname", "to"):
        s.add_argument(f"--{name}")
    s.add_argument("words", nargs="*")
    s = sub.add_parser("kill")
    s.add_argument("-s", "--signal", default="SIGTERM")
    s.add_argument("ids", type=jobid_type, nargs="+")
    s = sub.add_parser("id")
    s.add_argument("-t", "--to", default="dec",
                   choices=("dec", "kvs", "hex", "dothex", "words", "f58", "f58plain", "emoji"))
    s.add_argument("-f", "--from", dest="from_", default="any")
    s.add_argument("ids", nargs="*")
    s = sub.add_parser("last")
    s.add_argument("slice", nargs="?")
    s = sub.add_parser("memo")
    s.add_argument("--volatile", action="store_true")
    s.add_argument("id", type=jobid_type)
    s.add_argument("items", nargs="+", metavar="key=value")
    return p


_JOB = {"info": _info, "eventlog": _eventlog, "attach": _attach, "wait": _wait,
        "wait-event": _wait_event,
        "status": _status, "raise": _raise, "urgency": _urgency, "timeleft": _timeleft, "taskmap": _taskmap, "kill": _kill, "id": _id,
        "last": _last, "memo": _memo}


#: flux-core 0.88's ``flux job`` subcommands that fluxsim has, in its order, with its words
_SUBCOMMANDS = [
    ("urgency", "Set job urgency (0-31, HOLD, EXPEDITE, DEFAULT)"),
    ("raise", "Raise exception on one or more jobs"),
    ("raiseall", "Raise an exception on multiple jobs."),
    ("kill", "Send signal to one or more running jobs"),
    ("killall", "Send signal to multiple running jobs"),
    ("attach", "Interactively attach to job"),
    ("status", "Wait for job(s) to complete and exit with largest exit code"),
    ("id", "Convert jobid(s) to another form"),
    ("eventlog", "Display eventlog for a job"),
    ("wait-event", "Wait for an event "),
    ("info", "Display info for a job"),
    ("stats", "Get current job stats"),
    ("wait", "Wait for job(s) to complete."),
    ("memo", "Post an RFC 21 memo to a job"),
    ("taskmap", "Utility function for working with job task maps"),
    ("timeleft", "Find remaining runtime for job or enclosing instance"),
    ("last", "List my most recently submitted job id(s)"),
    ("purge", "Purge the oldest inactive jobs"),
]


def _usage():
    """``flux job`` without a known subcommand: its usage on stderr, status 1."""
    sys.stderr.write("Usage: flux-job [OPTIONS] COMMAND ARGS\n"
                     "  -h, --help             Display this message.\n\n"
                     "Common commands from flux-job:\n"
                     + "".join(f"   {name:<16}{text}\n" for name, text in _SUBCOMMANDS))
    return 1


def main(prog, argv):
    """Run ``flux job ...`` or ``flux cancel ...``."""
    if prog == "cancel":
        return _cancel_command(argv)
    if argv and argv[0] in jobadmin.COMMANDS:
        return jobadmin.main(argv[0], argv[1:])
    if not argv or (argv[0] not in _JOB and argv[0] not in ("-h", "--help")):
        return _usage()
    args = _job_parser().parse_args(argv)
    h = None if args.sub in ("id", "taskmap") else handle()
    return _JOB[args.sub](args, h)
