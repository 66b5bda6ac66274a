"""``flux module list [-l]``: the instance's broker modules, as flux-core 0.88 prints them.

The modules are those ``module.list`` answers (see
:mod:`fluxsim.services.module`); the columns and their widths are
``flux-module``'s, a module's services less its own name, cut to eight
characters with ``+`` under ``-l``, which adds each module's path.
fluxsim loads and removes no modules: its other subcommands are refused.
"""

import sys

from fluxsim.command.common import ArgumentParser, fail, handle

__all__ = ["main"]


def _services(module, limit=0):
    text = ",".join(name for name in module["services"] if name != module["name"])
    if limit and len(text) > limit:
        text = text[:limit - 1] + "+"
    return text


def _list(argv):
    p = ArgumentParser(prog="flux-module list")
    p.add_argument("-l", "--long", action="store_true", help="include each module's path")
    args = p.parse_args(argv)
    mods = handle().rpc("module.list").get()["mods"]
    if args.long:
        print(f"{'Module':<25.25} {'Idle':>4}  S Sendq Recvq {'Service':<8} Path")
    else:
        print(f"{'Module':<25} {'Idle':>4}  S Sendq Recvq Service")
    for m in mods:
        line = f"{m['name']:<25.25} {m['idle']:>4}  R {m['sendqueue']:>5} {m['recvqueue']:>5} "
        if args.long:
            print(f"{line}{_services(m, 8):<8} {m['path']}")
        else:
            print(f"{line}{_services(m)}")
    return 0


def main(prog, argv):
    """Run ``flux module ARGV``."""
    if not argv:
        return fail("module", "missing subcommand")
    if argv[0] == "list":
        return _list(argv[1:])
    print(f"flux-module: {argv[0]}: fluxsim loads and removes no modules", file=sys.stderr)
    return 1
