"""``flux run``, ``submit``, ``bulksubmit``, ``batch`` and ``alloc``: jobs from the command line.

The options are flux-core 0.88's (``flux run --help``); a jobspec is built
as its CLI builds one: per-task options (``-n -c -g``) through
``JobspecV1.from_command``, per-resource ones (``--cores``,
``--tasks-per-node``, ``--tasks-per-core``, ``--gpus-per-node``) through
``JobspecV1.per_resource``, then ``apply_options`` for environment, time
limit, shell options, attributes and the rest.  ``run`` and ``alloc`` attach
to the job as ``flux job attach`` does; ``batch`` and ``alloc`` run a nested
simulated instance (``flux start``) on the job's allocation.
"""

import os
import shlex
import sys

from fluxsim.command.common import ArgumentParser, fail, handle

__all__ = ["main", "parser", "jobspec"]

_URGENCY = {"default": 16, "hold": 0, "expedite": 31}
_FLAGS = ("debug", "waitable", "novalidate")
_INTS = ("ntasks", "nodes", "cores", "cores_per_task", "gpus_per_task", "tasks_per_node",
         "tasks_per_core", "gpus_per_node", "nslots", "cores_per_slot", "gpus_per_slot")


def _common(p):
    """The options every submission command has."""
    add = p.add_argument
    add("-B", "--bank", metavar="BANK")
    add("-q", "--queue", metavar="NAME")
    add("-t", "--time-limit", metavar="MIN|FSD")
    add("--urgency", metavar="N", default="default")
    add("--job-name", metavar="NAME")
    add("-o", "--setopt", action="append", metavar="OPT")
    add("-S", "--setattr", action="append", metavar="ATTR")
    add("--add-file", action="append", metavar="[NAME=]PATH")
    add("--dependency", action="append", metavar="URI")
    add("--requires", action="append", metavar="CONSTRAINT")
    add("--begin-time", metavar="+FSD|TIME")
    add("--env", action="append", metavar="RULE")
    add("--env-remove", action="append", metavar="PATTERN")
    add("--env-file", action="append", metavar="FILE")
    add("--rlimit", action="append", metavar="RULE")
    add("--input", metavar="FILENAME")
    add("--output", metavar="FILENAME")
    add("--error", metavar="FILENAME")
    add("-u", "--unbuffered", action="store_true")
    add("-l", "--label-io", action="store_true")
    add("--cwd", metavar="DIRECTORY")
    add("--flags", action="append", metavar="FLAGS")
    add("--signal", metavar="[SIG][@TIME]")
    add("--dry-run", action="store_true")
    add("--quiet", action="store_true")
    add("-v", "--verbose", action="count", default=0)
    add("-N", "--nodes", metavar="N")
    add("-x", "--exclusive", action="store_true")


def parser(prog):
    """The argument parser of ``flux PROG``."""
    nested = prog in ("batch", "alloc")
    usage = f"flux {prog} [OPTIONS...] " + ("COMMAND [ARGS...]" if prog != "batch"
                                          else "[SCRIPT] [ARGS...]")
    p = ArgumentParser(prog=f"flux {prog}", usage=usage)
    _common(p)
    if nested:
        p.add_argument("-n", "--nslots", metavar="N")
        p.add_argument("-c", "--cores-per-slot", metavar="N")
        p.add_argument("-g", "--gpus-per-slot", metavar="N")
        p.add_argument("--conf", action="append", metavar="CONF")
        p.add_argument("--broker-opts", action="append", metavar="OPTS")
        p.add_argument("--bg", action="store_true")
        if prog == "batch":
            p.add_argument("--wrap", action="store_true",
                           help="wrap the arguments in a /bin/sh script")
    else:
        p.add_argument("--taskmap", metavar="URI")
        p.add_argument("-n", "--ntasks", metavar="N")
        p.add_argument("-c", "--cores-per-task", metavar="N")
        p.add_argument("-g", "--gpus-per-task", metavar="N")
        p.add_argument("--cores", metavar="N")
        p.add_argument("--tasks-per-node", metavar="N")
        p.add_argument("--tasks-per-core", metavar="N")
        p.add_argument("--gpus-per-node", metavar="N")
    if prog in ("run", "alloc"):
        p.add_argument("--wait-event", metavar="NAME", dest="wait")
    p.add_argument("command", nargs="...", help="Job command and arguments")
    return p


def _integers(args):
    for name in _INTS:
        value = getattr(args, name, None)
        if value:
            try:
                setattr(args, name, int(value))
            except ValueError:
                raise ValueError(f"--{name.replace('_', '-')}: invalid int value '{value}'") \
                    from None


def _time_limit(args):
    # minutes when no units are given, as Flux's CLI reads it
    if args.time_limit is not None:
        try:
            args.time_limit = float(args.time_limit) * 60
        except ValueError:
            pass


def _per_resource(args):
    """``(type, count)`` of --tasks-per-node / --tasks-per-core, if given."""
    if args.tasks_per_node is not None and args.tasks_per_core is not None:
        raise ValueError("Do not specify both the number of tasks per node and per core")
    for name, kind in (("tasks_per_node", "node"), ("tasks_per_core", "core")):
        count = getattr(args, name)
        if count is not None:
            if count < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be >= 1")
            return kind, count
    return None, None


def _task_jobspec(args):
    from flux.job import JobspecV1

    kind, count = _per_resource(args)
    if args.gpus_per_node and not args.nodes:
        raise ValueError("--gpus-per-node requires --nodes")
    common = dict(duration=args.time_limit, cwd=args.cwd or os.getcwd(), name=args.job_name,
                  input=args.input, output=args.output, error=args.error,
                  label_io=args.label_io, unbuffered=args.unbuffered, queue=args.queue,
                  bank=args.bank)
    if kind is not None or args.gpus_per_node is not None or args.cores is not None:
        if args.ntasks is not None or args.cores_per_task is not None or args.gpus_per_task:
            raise ValueError("Per-resource options can't be used with per-task options."
                             " (See --help for details)")
        exclusive = args.exclusive or bool(args.nodes and args.cores is None)
        return JobspecV1.per_resource(
            args.command, ncores=args.cores, nnodes=args.nodes, per_resource_type=kind,
            per_resource_count=count, gpus_per_node=args.gpus_per_node, exclusive=exclusive,
            **common)
    ntasks, exclusive = args.ntasks, args.exclusive
    if not ntasks and args.nodes:
        ntasks, exclusive = args.nodes, True  # one task a node, whole nodes
    return JobspecV1.from_command(
        args.command, num_tasks=ntasks or 1, cores_per_task=args.cores_per_task or 1,
        gpus_per_task=args.gpus_per_task, num_nodes=args.nodes, exclusive=exclusive, **common)


def _nested_jobspec(prog, args):
    """A nested instance on the allocation: ``flux start`` of the script or command."""
    from flux.job import JobspecV1

    if not args.nslots and not args.nodes:
        raise ValueError("Number of slots to allocate must be specified")
    nslots = args.nslots or args.nodes
    common = dict(num_slots=nslots, cores_per_slot=args.cores_per_slot or 1,
                  gpus_per_slot=args.gpus_per_slot, num_nodes=args.nodes,
                  broker_opts=args.broker_opts, exclusive=args.exclusive or bool(args.nodes))
    if prog == "batch":
        if not args.command:
            raise ValueError("batch script is required")
        if args.wrap:
            script, argv = "#!/bin/sh\n" + shlex.join(args.command) + "\n", []
        else:
            with open(args.command[0], encoding="utf-8") as f:
                script = f.read()
            argv = args.command[1:]
        js = JobspecV1.from_batch_command(script, "flux", args=argv, **common)
    else:
        js = JobspecV1.from_nest_command(args.command or [os.environ.get("SHELL", "/bin/sh")],
                                         **common)
    js.cwd = args.cwd or os.getcwd()
    if args.time_limit is not None:
        js.duration = args.time_limit
    for key, value in (("name", args.job_name), ("queue", args.queue), ("bank", args.bank)):
        if value is not None:
            js.setattr(f"system.{key}", value)
    if args.output:
        js.stdout = args.output
    return js


def jobspec(prog, args):
    """The jobspec of ``flux PROG`` with parsed ``args``, as Flux's CLI builds it."""
    if not args.command and prog not in ("alloc",):
        raise ValueError("job command and arguments are missing")
    if args.command and args.command[0] == "--":
        args.command.pop(0)
    _integers(args)
    _time_limit(args)
    if prog in ("batch", "alloc"):
        js = _nested_jobspec(prog, args)
    else:
        js = _task_jobspec(args)
    js.apply_options(args, prog=prog, _preinit=True)
    return js


def _flags(args):
    flags = {}
    for text in args.flags or []:
        for flag in text.split(","):
            if flag not in _FLAGS:
                raise ValueError("--flags: Unknown flag " + flag)
            flags[flag] = True
    return flags


def _urgency(args):
    value = _URGENCY.get(args.urgency, args.urgency)
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"--urgency: invalid value '{args.urgency}'") from None


def submit(prog, args, h):
    """Submit ``args``'s job; its JobID (prints the jobspec and exits on --dry-run)."""
    import flux.job

    js = jobspec(prog, args)
    if args.dry_run:
        print(js.dumps())
        sys.exit(0)
    return flux.job.submit(h, js.dumps(), urgency=_urgency(args), **_flags(args))


def _bulk(args):
    """bulksubmit: one job per input line, ``{}`` in the command replaced by it."""
    template = list(args.command)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        words = shlex.split(line)
        yield [word.replace("{}", line).replace("{0}", words[0]) for word in template]


def _refused(exc):
    """``flux submit``/``bulksubmit`` report a refused job as the OSError prints
    (``[Errno 22] ...``), and go on; the exit status is 1."""
    print(exc, file=sys.stderr)
    return 1


def main(prog, argv):
    """Run ``flux PROG ARGV``."""
    from fluxsim.command.job import attach

    args = parser(prog).parse_args(argv)
    try:
        h = handle()
        if prog == "bulksubmit":
            status = 0
            for command in list(_bulk(args)):
                args.command = command
                try:
                    print(submit("submit", args, h).f58)
                except OSError as exc:
                    status = _refused(exc)
            return status
        jobid = submit(prog, args, h)
    except (ValueError, TypeError) as exc:
        return fail(prog, f"ERROR: {exc}")
    except OSError as exc:
        if prog == "submit":
            return _refused(exc)
        return fail(prog, f"ERROR: {exc.strerror or exc}")
    if prog in ("run", "alloc") and not getattr(args, "bg", False):
        return attach(h, jobid, wait_event=getattr(args, "wait", None))
    if not args.quiet:
        print(jobid.f58)
    return 0
