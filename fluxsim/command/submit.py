"""``flux run``, ``submit``, ``bulksubmit``, ``batch`` and ``alloc``: jobs from the command line.

The options are flux-core 0.88's (``flux run --help``); a jobspec is built
as its CLI builds one: per-task options (``-n -c -g``) through
``JobspecV1.from_command``, per-resource ones (``--cores``,
``--tasks-per-node``, ``--tasks-per-core``, ``--gpus-per-node``) through
``JobspecV1.per_resource``, then ``apply_options`` for environment, time
limit, shell options, attributes and the rest.  ``batch`` and ``alloc``
build theirs with ``JobspecV1.from_batch`` and ``from_alloc``, where the
rules of a nested instance's jobspec live (slots from ``-N``, cwd, output,
``--conf``, ``--bg``); only what is the command line's own is here: reading
the script, ``--wrap``, the job name a script gives, ``--dump``.  ``run``
and ``alloc`` attach to the job as ``flux job attach`` does; ``batch`` and
``alloc`` run a nested simulated instance (``flux start``) on the job's
allocation.
"""

import argparse
import contextlib
import io
import os
import shlex
import sys

from fluxsim.command.common import ArgumentParser, fail, handle

__all__ = ["main", "parser", "jobspec"]

_URGENCY = {"default": 16, "hold": 0, "expedite": 31}
_FLAGS = ("debug", "waitable", "novalidate")
_INTS = ("ntasks", "nodes", "cores", "cores_per_task", "gpus_per_task", "tasks_per_node",
         "tasks_per_core", "gpus_per_node")


class _EnvRule(argparse.Action):
    """``--env-remove`` and ``--env-file``: an ``--env`` rule (``-PATTERN``,
    ``^FILE``), kept in order among the ``--env`` ones."""

    def __call__(self, parser, namespace, values, option_string=None):
        prefix = "-" if option_string == "--env-remove" else "^"
        namespace.env = [*(namespace.env or []), prefix + values]


class _Conf(argparse.Action):
    """``--conf``: one ``BatchConfig`` updated by each use in turn (a bad value
    fails as the command line is read, as in Flux)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from flux.job import BatchConfig

        namespace.conf = (namespace.conf or BatchConfig()).update(values)


def _common(p):
    """The options every submission command has."""
    add = p.add_argument
    add("-B", "--bank", metavar="BANK")
    add("-q", "--queue", metavar="NAME")
    add("-t", "--time-limit", type=_time_limit, metavar="MIN|FSD")
    add("--urgency", metavar="N", default="default")
    add("--job-name", metavar="NAME")
    add("-o", "--setopt", action="append", metavar="OPT")
    add("-S", "--setattr", action="append", metavar="ATTR")
    add("--add-file", action="append", metavar="[NAME=]PATH")
    add("--dependency", action="append", metavar="URI")
    add("--requires", action="append", metavar="CONSTRAINT")
    add("--begin-time", metavar="+FSD|TIME")
    add("--env", action="append", metavar="RULE")
    add("--env-remove", action=_EnvRule, metavar="PATTERN")
    add("--env-file", action=_EnvRule, metavar="FILE")
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
    add("-x", "--exclusive", action="store_true")


_WORDS = {"batch": "[SCRIPT] [ARGS...]", "alloc": "[COMMAND] [ARGS...]"}


def parser(prog):
    """The argument parser of ``flux PROG``."""
    words = _WORDS.get(prog, "COMMAND [ARGS...]")
    p = ArgumentParser(prog=f"flux {prog}", usage=f"flux {prog} [OPTIONS...] {words}")
    _common(p)
    add = p.add_argument
    if prog in _WORDS:
        # typed: a bad count is a usage error here (submit's are checked later)
        add("-N", "--nodes", type=int, metavar="N")
        add("-n", "--nslots", type=int, metavar="N")
        add("-c", "--cores-per-slot", type=int, default=1, metavar="N")
        add("-g", "--gpus-per-slot", type=int, metavar="N")
        add("--conf", action=_Conf, metavar="CONF")
        add("--broker-opts", action="append", metavar="OPTS")
        add("--dump", nargs="?", const="flux-{{jobid}}-dump.tgz", metavar="FILE")
    else:
        add("-N", "--nodes", metavar="N")
        add("--taskmap", metavar="URI")
        add("-n", "--ntasks", metavar="N")
        add("-c", "--cores-per-task", metavar="N")
        add("-g", "--gpus-per-task", metavar="N")
        add("--cores", metavar="N")
        add("--tasks-per-node", metavar="N")
        add("--tasks-per-core", metavar="N")
        add("--gpus-per-node", metavar="N")
    if prog == "batch":
        add("--wrap", action="store_true", help="wrap the arguments or stdin in a /bin/sh script")
    if prog == "alloc":
        add("--bg", action="store_true")
    if prog == "run":
        add("--wait-event", metavar="NAME", dest="wait")
    add("command", nargs="...", help="Job command and arguments")
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


def _time_limit(text):
    """``-t``: minutes when no units are given, as Flux's CLI reads it (else an FSD string)."""
    try:
        return float(text) * 60
    except ValueError:
        return text


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


def _instance(args):
    """What ``flux batch`` and ``flux alloc`` pass alike to ``from_batch``/``from_alloc``."""
    from flux.job._utils import list_split

    if not args.nslots and not args.nodes:
        raise ValueError("Number of slots to allocate must be specified")
    dump = [] if args.dump is None else ["-Scontent.dump=" + args.dump]
    return dict(
        nslots=args.nslots or None, nodes=args.nodes, cores_per_slot=args.cores_per_slot,
        gpus_per_slot=args.gpus_per_slot, exclusive=args.exclusive,
        broker_opts=list_split([*(args.broker_opts or []), *dump]), conf=args.conf,
        queue=args.queue, bank=args.bank, cwd=args.cwd, unbuffered=args.unbuffered,
        # apply_options reads the other options from args; env and rlimit are
        # given too, as the builders' defaults for them would win over args'
        args=args, env=args.env or [], rlimit=args.rlimit or [])


def _batch_script(p, argv, args):
    """``(script text, args)``: ``flux batch``'s script, and its options with the
    script's RFC 36 directives applied under the command line's.

    As flux-core 0.88 reads it: the script is the file the first word names
    (a leading ``--`` skipped), else stdin.  ``--wrap`` with words makes the
    script of the words and reads no directives; the words, less a leading
    ``--``, are then the job's (name, arguments).  Otherwise the options are
    read again: each ``SETARGS`` directive in turn, then the command line,
    whose ``--`` stays the first word (the default job name).
    """
    from flux.job.directives import DirectiveParser

    words = args.command
    if words[:1] == ["--"]:
        words.pop(0)
    if args.wrap and words:
        return " ".join(words) + "\n", args
    name = words[0] if words else "stdin"
    try:
        if words:
            with open(words[0], encoding="utf-8") as f:
                text = f.read()
        else:
            text = sys.stdin.buffer.read().decode("utf-8")
        script = DirectiveParser(io.StringIO(text))
    except UnicodeError:
        raise ValueError(f"{name} does not appear to be a script,"
                         " or failed to encode as utf-8") from None
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    args = None
    for directive in script.directives:
        if directive.action == "SETARGS":
            args = _parse_directive(p, directive, args, name)
    return script.script, p.parse_args(argv, namespace=args)


def _parse_directive(p, directive, args, name):
    """``args`` updated by one directive's options; a bad one ends the command
    (status 2) naming its line, then argparse's usage and error, in the order
    Flux's output has them where stderr is not a terminal."""
    usage = io.StringIO()
    try:
        with contextlib.redirect_stderr(usage):
            return p.parse_args(directive.args, namespace=args)
    except SystemExit:
        fail("batch", f"ERROR: argument parsing failed at {name} line {directive.lineno}")
        sys.stderr.write(usage.getvalue())
        sys.exit(2)


def _batch_jobspec(args, text):
    from flux.job import JobspecV1

    if args.wrap:
        # always, unlike from_batch(wrap=True), which keeps a "#!" line
        text = "#!/bin/sh\n" + text
    words = args.command
    name = args.job_name if args.job_name is not None else (words[0] if words else "batch")
    js = JobspecV1.from_batch(
        content=text, name=name,
        input=args.input, output=args.output, error=args.error, label_io=args.label_io,
        **_instance(args))
    # flux-core 0.88's from_batch takes no arguments for the script
    js.tasks[0]["command"].extend(words[1:])
    return js


def _alloc_jobspec(args):
    from flux.job import JobspecV1

    js = JobspecV1.from_alloc(command=args.command, bg=args.bg, name=args.job_name,
                              **_instance(args))
    if not args.bg and sys.stdin.isatty():
        js.setattr_shell_option("pty.interactive", 1)
    return js


def jobspec(prog, args, script=None):
    """The jobspec of ``flux PROG`` with parsed ``args``, as Flux's CLI builds it
    (``script``: ``flux batch``'s script text)."""
    if prog == "batch":
        return _batch_jobspec(args, script)
    if prog == "alloc":
        return _alloc_jobspec(args)
    if not args.command:
        raise ValueError("job command and arguments are missing")
    if args.command[0] == "--":
        args.command.pop(0)
    _integers(args)
    return _task_jobspec(args).apply_options(args, prog=prog, _preinit=True)


def _background(h, jobid, verbose):
    """``flux alloc --bg``: wait until the job's instance is up, then print the job id.

    Up is when the instance has posted its ``uri`` memo and answers
    ``state-machine.wait``.  A job that ends first is attached to, its errors
    going to stderr, and fails the command.  ``-v`` logs each step as Flux does.
    """
    import time

    import flux.job
    from fluxsim.command.job import attach

    def log(elapsed, message):
        print(f"{jobid}: {elapsed:6.3f}s: {message}", file=sys.stderr, flush=True)

    if verbose:
        log(0.0, "waiting for resources")
    t0 = None
    try:
        for event in flux.job.event_watch(h, jobid):
            t0 = event.timestamp if t0 is None else t0
            if verbose and event.name == "alloc":
                log(event.timestamp - t0, "resources allocated")
            if event.name == "memo" and "uri" in event.context:
                if verbose:
                    log(event.timestamp - t0, "waiting for instance")
                _wait_ready(jobid, event.context["uri"])
                if verbose:
                    log(time.time() - t0, "ready")
                print(jobid)
                return 0
    except KeyboardInterrupt:
        print(f"\r{jobid}: Interrupt: canceling job", file=sys.stderr)
        flux.job.cancel(h, jobid)
        return 1
    with contextlib.redirect_stdout(sys.stderr):
        attach(h, jobid)
    raise OSError(f"{jobid}: unexpectedly exited")


def _wait_ready(jobid, uri):
    """Block until the instance at ``uri`` has started (its broker's ``state-machine.wait``)."""
    import flux

    try:
        child = flux.Flux(uri)
    except OSError as exc:
        raise OSError(f"Unable to connect to {jobid}: {exc}") from None
    try:
        child.rpc("state-machine.wait").get()
    except OSError:
        raise OSError(f"{jobid}: instance startup failed") from None
    finally:
        child.close()


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


def submit(prog, args, h, script=None):
    """Submit ``args``'s job; its JobID (prints the jobspec and exits on --dry-run)."""
    import flux.job

    js = jobspec(prog, args, script)
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


def _message(exc):
    """An error as Flux's CLIs print it: ``strerror: 'filename'`` for an OSError."""
    message = getattr(exc, "strerror", None) or str(exc)
    if getattr(exc, "filename", None):
        message += f": '{exc.filename}'"
    return message


def main(prog, argv):
    """Run ``flux PROG ARGV``."""
    from fluxsim.command.job import attach

    try:
        p = parser(prog)
        args = p.parse_args(argv)
        script = None
        if prog == "batch":
            script, args = _batch_script(p, argv, args)
        h = handle()
        if prog == "bulksubmit":
            status = 0
            for command in list(_bulk(args)):
                # a copy each: building a jobspec converts options in place
                job = argparse.Namespace(**{**vars(args), "command": command})
                try:
                    print(submit("submit", job, h).f58)
                except OSError as exc:
                    status = _refused(exc)
            return status
        jobid = submit(prog, args, h, script)
    except (ValueError, TypeError, OSError) as exc:
        if prog == "submit" and isinstance(exc, OSError) and exc.filename is None:
            return _refused(exc)
        return fail(prog, "ERROR: " + _message(exc))
    if prog == "alloc" and args.bg:
        try:
            return _background(h, jobid, args.verbose)
        except OSError as exc:
            return fail(prog, "ERROR: " + _message(exc))
    if prog in ("run", "alloc"):
        return attach(h, jobid, wait_event=getattr(args, "wait", None))
    if not args.quiet:
        print(jobid.f58)
    return 0
