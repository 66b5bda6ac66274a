"""fluxsim's ``flux`` command: flux-core 0.88's subcommands that scripts and tools use.

``fluxsim start`` puts this command first on ``PATH`` of everything it runs,
so a script that calls ``flux run ...`` or ``flux jobs`` runs unchanged on
a simulated instance.  Each subcommand keeps flux-core's option names,
exit codes and default output; an unknown subcommand or option fails with
Flux's message.
"""

import importlib
import sys

__all__ = ["main", "SUBCOMMANDS"]

#: subcommand -> module of fluxsim.command that runs it (its ``main(prog, argv)``)
SUBCOMMANDS = {
    "alloc": "submit",
    "batch": "submit",
    "broker": "start",
    "bulksubmit": "submit",
    "cancel": "job",
    "config": "config",
    "env": "instance",
    "exec": "exec",
    "getattr": "instance",
    "hostlist": "hostlist",
    "job": "job",
    "kvs": "kvs",
    "jobs": "jobs",
    "lsattr": "instance",
    "module": "module",
    "pgrep": "pgrep",
    "pkill": "pgrep",
    "proxy": "proxy",
    "python": "instance",
    "queue": "queue",
    "resource": "resource",
    "run": "submit",
    "shutdown": "shutdown",
    "start": "start",
    "submit": "submit",
    "uri": "instance",
    "version": "instance",
}

_USAGE = """Usage: flux [OPTIONS] COMMAND ARGS
  -h, --help             Display this message.
  -v, --verbose          Be verbose about environment and command search
  -V, --version          Display command and component versions

Common commands from flux-core (simulated by fluxsim):
""" + "".join(f"   {name}\n" for name in sorted(SUBCOMMANDS))


def main(argv=None):
    """Run ``flux ARGS``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        stream = sys.stdout if argv else sys.stderr
        stream.write(_USAGE)
        return 0 if argv else 1
    if argv[0] in ("-V", "--version"):
        argv = ["version"]
    name = argv[0]
    module = SUBCOMMANDS.get(name)
    if module is None:
        print(f"flux: `{name}' is not a flux command.  See 'flux --help'", file=sys.stderr)
        return 1
    runner = importlib.import_module(f"fluxsim.command.{module}")
    try:
        return runner.main(name, argv[1:]) or 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
