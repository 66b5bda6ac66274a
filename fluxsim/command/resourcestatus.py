"""``flux resource status`` and the drain listing of ``flux resource drain``, as flux-core 0.88's.

::

    $ flux resource status
           STATEUP NNODES NODELIST
           avail ✔      2 node[0,3]
        draining ✔      1 node2
         drained ✔      1 node1

Ranks are grouped by state (avail, exclude, allocated, torpid,
housekeeping, draining, drained) and by online or offline; lines that
print the same but for their counts and node lists are merged (drained
ranks with the same reason and time, under a format that shows them).
Empty states are skipped unless ``-s`` names them; ``drain`` stands for
draining and drained.  The same options (``-s``, ``-q``, ``-i``, ``-o``
with named formats, ``-n``, ``-L``, ``--skip-empty``), messages and exit
codes as Flux.
"""

from fluxsim.command.common import fail, format_string
from fluxsim.resource.hostlist import Hostlist
from fluxsim.resource.idset import IDset
from fluxsim.util import AltField, Deduplicator, OutputFormat

__all__ = ["FORMATS", "DRAIN_FORMATS", "ResourceStatusLine", "status", "drain_list"]

_UP = "{state:>12} {color_up}{up:>2}{color_off} {nnodes:>6} "
#: flux-core 0.88's named formats of ``flux resource status -o``
FORMATS = {
    "default": ("Default flux-resource status format string", _UP + "{nodelist}"),
    "long": ("Long flux-resource status format string", _UP + "+:{reason:<30.30} {nodelist}"),
}
_TIME = "{timestamp!d:%b%d %R::<12} {state:<8.8} "
#: flux-core 0.88's named formats of ``flux resource drain -o``
DRAIN_FORMATS = {
    "long": ("Long flux-resource drain format string",
             _TIME + "{ranks:<8.8+} +:{reason:<30.30} {nodelist}"),
    "default": ("Default flux-resource drain format string",
                _TIME + "{reason:<30.30+} {nodelist}"),
}

_HEADINGS = {
    "state": "STATE", "statex": "STATE", "nnodes": "NNODES", "ranks": "RANKS",
    "nodelist": "NODELIST", "reason": "REASON", "timestamp": "TIME", "status": "STATUS",
    "up": "UP", "up.ascii": "UP", "color_up": "", "color_off": "",
}

#: the states ``-s`` takes
STATES = ("all", "online", "avail", "offline", "exclude", "drain", "draining", "drained",
          "torpid", "allocated", "housekeeping")
_DEFAULT_STATES = "avail,exclude,draining,drained,torpid,housekeeping"


class ResourceStatusLine:
    """The ranks (and hosts) of one line: a state, online or not, and for a
    drained rank its reason and time."""

    def __init__(self, state, online, ranks, hosts, reason="", timestamp=""):
        self._state = state
        self._online = online
        self.hostlist = Hostlist(hosts)
        self._ranks = IDset(ranks)
        self.reason = reason
        self.timestamp = timestamp

    def update(self, ranks, hosts):
        """Add ``ranks`` and ``hosts`` (a merged line)."""
        self._ranks.add(ranks)
        self.hostlist.append(hosts)
        self.hostlist.sort()

    @property
    def statex(self):
        """The state without the offline mark."""
        return self._state

    @property
    def state(self):
        """The state, with ``*`` if offline."""
        return self._state + ("" if self._online else "*")

    @property
    def offline(self):
        return not self._online

    @property
    def status(self):
        return "online" if self._online else "offline"

    @property
    def color_up(self):
        return "\033[01;32m" if self._online else "\033[01;31m"

    @property
    def color_off(self):
        return "\033[0;0m"

    @property
    def up(self):
        return AltField("✔", "y") if self._online else AltField("✗", "n")

    @property
    def nodelist(self):
        return str(self.hostlist)

    @property
    def ranks(self):
        return str(self._ranks)

    @property
    def nnodes(self):
        return len(self.hostlist)


def _lines(rstatus, states, formatter, online_too, offline_too):
    """The merged lines of ``states`` (a set)."""
    lines = Deduplicator(formatter, except_fields=["nodelist", "ranks", "nnodes"],
                         combine=lambda line, other: line.update(other.ranks, other.hostlist))
    wanted = [(True, online_too), (False, offline_too)]
    for state in ("avail", "exclude", "allocated", "torpid", "housekeeping"):
        if states & {state, "all"}:
            for online, shown in wanted:
                if shown:
                    ranks = rstatus[state].intersect(rstatus["online" if online else "offline"])
                    lines.append(ResourceStatusLine(state, online, ranks,
                                                    rstatus.nodelist[ranks]))
    for state in ("draining", "drained"):
        if not states & {state, "all"}:
            continue
        ranks = rstatus[state]
        if not ranks and online_too:
            lines.append(ResourceStatusLine(state, True, "", ""))
        for rank in ranks:
            online = rank in rstatus.online
            if online_too if online else offline_too:
                info = rstatus.get_drain_info(rank)
                lines.append(ResourceStatusLine(state, online, rank, rstatus.nodelist[rank],
                                                timestamp=info.timestamp, reason=info.reason))
    return lines


def _valid_states():
    fail("resource", "INFO: valid states: " + ",".join(STATES))


def _state_list(text):
    """``-s``'s states, checked; online/offline alone add the default states,
    ``drain`` is draining and drained."""
    states = (text or _DEFAULT_STATES).split(",")
    for state in states:
        if state not in STATES:
            fail("resource", f"ERROR: Invalid resource state {state} specified")
            _valid_states()
            raise SystemExit(1)
    if not [state for state in states if state not in ("online", "offline")]:
        states.extend(_DEFAULT_STATES.split(","))
    if "drain" in states:
        states.remove("drain")
        states.extend(("draining", "drained"))
    return states


def status(args, h, formats=FORMATS, tool_table="status"):
    """``flux resource status``."""
    from fluxsim.command.resourcelist import apply_filters
    from fluxsim.resource.report import resource_status

    if args.states == "help":
        _valid_states()
        return 0
    states = _state_list(args.states)
    fmt = format_string("resource", tool_table, formats, args.format)
    rstatus = resource_status(h).get()
    config = h.rpc("config.get").get() if args.queue else None
    apply_filters(rstatus, rstatus.rset, config, args)
    formatter = OutputFormat(fmt, headings=_HEADINGS)
    if not args.color.enabled:
        formatter = formatter.copy(except_fields=["color_up", "color_off"])
    skip_empty = args.skip_empty or not args.states
    online_too = "online" in states or "offline" not in states
    offline_too = "offline" in states or "online" not in states
    for drain_state in ("draining", "drained"):
        if "all" in states or drain_state in states:
            rstatus.torpid -= rstatus.get_idset(drain_state)
    lines = [line for line in _lines(rstatus, set(states), formatter, online_too, offline_too)
             if line.nnodes or not (skip_empty or line.offline and "offline" not in states)]
    formatter.print_items(lines, no_header=args.no_header)
    return 0


def drain_list(args, h):
    """``flux resource drain`` without targets: the drained ranks."""
    args.states = "drain"
    args.skip_empty = True
    return status(args, h, formats=DRAIN_FORMATS, tool_table="drain")
