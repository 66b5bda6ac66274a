"""``flux shutdown [OPTIONS] [TARGET]``: stop an instance, as flux-core 0.88 does.

The target is the enclosing instance, or a job id or uri resolved as
``flux uri`` resolves it (a nested instance: ``flux alloc --bg``'s).  The
command sends ``shutdown.start`` and, unless ``--background``, prints the
broker's log messages (``--quiet``: warnings and worse; ``-v``: all) until
the instance has stopped.  fluxsim's broker logs only its initial
program's end; it keeps no KVS to garbage-collect or dump, so ``--gc``,
``--skip-gc``, ``--dump``, ``-y`` and ``-n`` change nothing.
"""

import errno
import sys

from fluxsim.command.common import ArgumentParser, fail

__all__ = ["main"]

_LOG_WARNING, _LOG_INFO, _LOG_DEBUG = 4, 6, 7

_USAGE = """\
Usage: flux shutdown [OPTIONS] [TARGET]
Shut down the Flux instance
  -h, --help             Display this message.
      --skip-gc          Skip KVS garbage collection this time, if already
                         enabled
      --gc               Garbage collect KVS (short for --dump=auto)
      --dump=PATH        Dump KVS content to specified archive file using
                         flux-dump(1).
      --background       Exit the command immediately after initiating shutdown
      --quiet            Show only log messages <= LOG_WARNING level
  -v, --verbose=[LEVEL]  Increase log verbosity: 0=show log messages <= LOG_INFO
                         level (default), 1=show all log messages
  -y, --yes              Answer yes to any yes/no questions
  -n, --no               Answer no to any yes/no questions
"""


def _parser():
    p = ArgumentParser(prog="flux shutdown")
    add = p.add_argument
    add("--skip-gc", action="store_true")
    add("--gc", action="store_true")
    add("--dump", metavar="PATH")
    add("--background", action="store_true")
    add("--quiet", action="store_true")
    add("-v", "--verbose", nargs="?", const=1, default=0, type=int, metavar="LEVEL")
    add("-y", "--yes", action="store_true")
    add("-n", "--no", action="store_true")
    add("target", nargs="*")
    return p


def main(prog, argv):
    """Run ``flux shutdown ARGV``."""
    import flux
    from flux.constants import FLUX_RPC_STREAMING

    from fluxsim.command.instance import resolve_as_flux_uri

    args = _parser().parse_args(argv)
    if len(args.target) > 1:
        sys.stderr.write(_USAGE)
        return 1
    level = _LOG_WARNING if args.quiet else _LOG_INFO if not args.verbose else _LOG_DEBUG
    try:
        if args.target:
            target = args.target[0]
            uri = resolve_as_flux_uri(target)
            if uri is None:
                return fail("shutdown", f"failed to resolve target {target} to a Flux URI")
            h = flux.Flux(uri)
        else:
            h = flux.Flux()
    except OSError as exc:
        return fail("shutdown", f"error connecting to Flux: {exc.strerror}")
    flags = 0 if args.background else FLUX_RPC_STREAMING
    future = h.rpc("shutdown.start", {"loglevel": level}, flags=flags)
    try:
        if args.background:
            future.get()
            return 0
        while True:
            sys.stderr.write(future.get()["log"])
            future.reset()
    except OSError as exc:
        if exc.errno == errno.ENODATA and not args.background:
            return 0
        return fail("shutdown", exc.strerror)
