"""``flux resource``: list, status, info, drain, undrain."""

import sys
import time

from fluxsim.command.common import ArgumentParser, fail, handle

__all__ = ["main"]


def _rset(R):
    from fluxsim.resource.rv1 import Rv1

    return Rv1.from_dict(R)


def _counts(rset):
    return rset.nnodes, rset.ncores, rset.ngpus


def _list(args, h):
    from flux.resource import resource_list

    rl = resource_list(h).get()
    print("     STATE NNODES NCORES NGPUS NODELIST")
    for name in ("free", "allocated", "down"):
        rset = rl[name]
        nnodes, ncores, ngpus = _counts(rset)
        print(f"{name:>10} {nnodes:>6} {ncores:>6} {ngpus:>5} {rset.nodelist}")
    return 0


def _info(args, h):
    from flux.resource import resource_list

    nnodes, ncores, ngpus = _counts(resource_list(h).get().all)
    print(f"{nnodes} Nodes, {ncores} Cores, {ngpus} GPUs")
    return 0


def _status(args, h):
    from fluxsim.resource import hostlist, idset

    status = h.rpc("resource.status").get()
    from flux.resource import resource_list

    busy = set(resource_list(h).get().allocated.ranks)
    R = _rset(status["R"])
    drained = set()
    for ranks in status["drain"]:
        drained.update(idset.decode(ranks))
    offline = set(idset.decode(status["offline"]))
    rows = {}
    for rank, info in R.ranks.items():
        # a drained rank that still runs a job is draining
        state = ("draining" if rank in busy else "drained") if rank in drained else "avail"
        up = "✗" if rank in offline else "✔"
        rows.setdefault((state, up), []).append(info.hostname)
    print("       STATEUP NNODES NODELIST")  # sic, as flux-core 0.88 prints it
    for (state, up), hosts in rows.items():
        print(f"{state:>12} {up} {len(hosts):>6} {hostlist.encode(hosts)}")
    return 0


def _targets(h, text):
    """An idset of ranks, or a hostlist of the instance's hosts, as an idset string."""
    from fluxsim.resource import hostlist, idset

    try:
        idset.decode(text)
        return text
    except ValueError:
        pass
    R = _rset(h.rpc("resource.status").get()["R"])
    wanted = set(hostlist.decode(text))
    ranks = [rank for rank, info in R.ranks.items() if info.hostname in wanted]
    if not ranks:
        raise ValueError(f"invalid targets: {text}")
    return idset.encode(ranks)


def _drain(args, h):
    if not args.targets:
        status = h.rpc("resource.status").get()
        print("TIMESTAMP            STATE    RANKS     REASON")
        for ranks, entry in status["drain"].items():
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(entry["timestamp"]))
            print(f"{stamp:<20} drained  {ranks:<9} {entry['reason']}")
        return 0
    try:
        targets = _targets(h, args.targets)
        h.rpc("resource.drain", {"targets": targets, "reason": " ".join(args.reason),
                                 "mode": "overwrite" if args.force else None}).get()
    except (OSError, ValueError) as exc:
        return fail("resource", getattr(exc, "strerror", None) or str(exc))
    return 0


def _undrain(args, h):
    try:
        h.rpc("resource.undrain", {"targets": _targets(h, args.targets)}).get()
    except (OSError, ValueError) as exc:
        return fail("resource", getattr(exc, "strerror", None) or str(exc))
    return 0


def _parser(prog):
    p = ArgumentParser(prog=f"flux-{prog}")
    sub = p.add_subparsers(dest="sub", required=True, metavar="COMMAND")
    for name in ("list", "info", "status"):
        sub.add_parser(name)
    s = sub.add_parser("drain")
    s.add_argument("-f", "--force", action="count", default=0)
    s.add_argument("targets", nargs="?")
    s.add_argument("reason", nargs="*")
    s = sub.add_parser("undrain")
    s.add_argument("targets")
    return p


_RESOURCE = {"list": _list, "info": _info, "status": _status, "drain": _drain,
             "undrain": _undrain}


def main(prog, argv):
    """Run ``flux resource ...``."""
    args = _parser(prog).parse_args(argv)
    try:
        return _RESOURCE[args.sub](args, handle())
    except OSError as exc:
        print(f"flux-{prog}: {exc.strerror or exc}", file=sys.stderr)
        return 1
