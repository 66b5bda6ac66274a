"""``flux resource``: list, info, status, drain, undrain, as flux-core 0.88's.

``list`` and ``info`` are in :mod:`fluxsim.command.resourcelist`, ``status``
and the drain listing in :mod:`fluxsim.command.resourcestatus`.  Errors are
``flux-resource: ERROR: ...``, exit 1, as Flux's command reports them.
"""

import errno

from fluxsim.command import resourcelist, resourcestatus
from fluxsim.command.common import ArgumentParser, SetUpdate, fail, handle

__all__ = ["main"]


def _targets(h, text):
    """An idset of ranks, or a hostlist of the instance's hosts, as an idset string."""
    from fluxsim.resource import hostlist, idset
    from fluxsim.resource.rv1 import Rv1

    try:
        idset.decode(text)
        return text
    except ValueError:
        pass
    R = Rv1.from_dict(h.rpc("resource.status").get()["R"])
    wanted = set(hostlist.decode(text))
    ranks = [rank for rank, info in R.ranks.items() if info.hostname in wanted]
    if not ranks:
        raise ValueError(f"invalid targets: {text}")
    return idset.encode(ranks)


def _drain(args, h):
    if not args.targets:
        return resourcestatus.drain_list(args, h)
    targets = _targets(h, args.targets)
    try:
        h.rpc("resource.drain", {"targets": targets, "reason": " ".join(args.reason),
                                 "mode": "overwrite" if args.force else None}).get()
    except OSError as exc:
        # logged whole, "[Errno N] ..." included, as Flux does
        fail("resource", f"ERROR: {exc}")
        if exc.errno == errno.EEXIST:
            fail("resource", "INFO: Use --force to overwrite existing drain reason")
        return 1
    return 0


def _undrain(args, h):
    h.rpc("resource.undrain", {"targets": _targets(h, args.targets)}).get()
    return 0


def _add_filters(s):
    """``-i`` and ``-q``, of every subcommand that reports resources."""
    s.add_argument("-i", "--include", metavar="TARGETS")
    s.add_argument("-q", "--queue", action=SetUpdate, default=set(), metavar="QUEUE,...")


def _add_output(s):
    s.add_argument("-o", "--format", default="default")
    s.add_argument("-n", "--no-header", action="store_true")


def _parser(prog):
    from fluxsim.util import ColorAction

    p = ArgumentParser(prog=f"flux-{prog}")
    sub = p.add_subparsers(dest="sub", required=True, metavar="COMMAND")
    for name in ("list", "info", "status"):
        s = sub.add_parser(name)
        s.add_argument("-s", "--states", "--state", metavar="STATE,...",
                       default="free,allocated,down" if name == "list" else None)
        _add_filters(s)
        s.add_argument("--skip-empty", action="store_true")
        if name != "status":
            s.add_argument("--no-skip-empty", action="store_true")
        if name != "info":
            _add_output(s)
    sub.choices["status"].add_argument("-L", "--color", action=ColorAction)
    s = sub.add_parser("drain")
    s.add_argument("-f", "--force", action="count", default=0)
    _add_filters(s)
    _add_output(s)
    s.add_argument("-L", "--color", action=ColorAction)
    s.add_argument("targets", nargs="?")
    s.add_argument("reason", nargs="*")
    s = sub.add_parser("undrain")
    s.add_argument("targets")
    return p


_RESOURCE = {"list": resourcelist.list_handler, "info": resourcelist.info,
             "status": resourcestatus.status, "drain": _drain, "undrain": _undrain}


def main(prog, argv):
    """Run ``flux resource ...``."""
    args = _parser(prog).parse_args(argv)
    try:
        return _RESOURCE[args.sub](args, handle()) or 0
    except (OSError, ValueError) as exc:
        return fail(prog, f"ERROR: {getattr(exc, 'strerror', None) or exc}")
