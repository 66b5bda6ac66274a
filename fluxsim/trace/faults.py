"""Faults for what-if studies: nodes that go down or are drained at given times.

A :class:`Fault` names a time (seconds from the start of the replay), an
action and a set of ranks (an RFC 22 idset such as ``"0-3,7"``):

- ``down``: the nodes fail.  The scheduler stops using them and every job
  running on one gets the fatal exception the real instance raises when a
  job shell's node is lost (job-exec: type ``exec``, severity 0, note
  ``node failure on HOST (rank N)``); the job is killed and its other
  resources return to the pool.
- ``up``: the nodes are back and schedulable.
- ``drain``: ``flux resource drain``: no new work on the nodes; jobs running
  there go on to their end.
- ``undrain``: ``flux resource undrain``.

Faults come as a list, or from a CSV (``time,action,ranks[,reason]``, with a
header line) or JSON (a list of objects with those keys) file::

    >>> import io
    >>> read_faults(io.StringIO("time,action,ranks\\n3600,down,0-1\\n7200,up,0-1\\n"))
    [Fault(3600.0, 'down', '0-1'), Fault(7200.0, 'up', '0-1')]
"""

import csv
import io
import json

from fluxsim.resource import idset

__all__ = ["ACTIONS", "Fault", "apply_fault", "read_faults"]

ACTIONS = ("down", "up", "drain", "undrain")


class Fault:
    """One fault: at ``time``, ``action`` on ``ranks`` (an idset string)."""

    __slots__ = ("time", "action", "ranks", "reason")

    def __init__(self, time, action, ranks, reason=""):
        if action not in ACTIONS:
            raise ValueError(f"fault action must be one of {', '.join(ACTIONS)}, not {action!r}")
        time = float(time)
        if time < 0:
            raise ValueError(f"fault time must be >= 0, not {time}")
        if not isinstance(ranks, str):
            ranks = idset.encode(sorted(int(r) for r in ranks))
        self.time = time
        self.action = action
        self.ranks = ranks
        self.reason = reason or ""

    @property
    def rank_list(self):
        """The ranks as a sorted list of ints."""
        return list(idset.decode(self.ranks))

    def __eq__(self, other):
        if not isinstance(other, Fault):
            return NotImplemented
        return (self.time, self.action, self.ranks) == (other.time, other.action, other.ranks)

    def __repr__(self):
        return f"Fault({self.time!r}, {self.action!r}, {self.ranks!r})"


def read_faults(path_or_file):
    """Read faults from a CSV or JSON file (see the module docstring)."""
    if hasattr(path_or_file, "read"):
        text = path_or_file.read()
    else:
        with open(path_or_file, encoding="utf-8") as f:
            text = f.read()
    if text.lstrip()[:1] in ("[", "{"):
        entries = json.loads(text)
        if isinstance(entries, dict):
            entries = entries.get("faults", [])
    else:
        entries = list(csv.DictReader(io.StringIO(text)))
    faults = []
    for i, entry in enumerate(entries, 1):
        try:
            faults.append(
                Fault(entry["time"], entry["action"], str(entry["ranks"]), entry.get("reason") or "")
            )
        except KeyError as exc:
            raise ValueError(f"fault {i}: missing {exc.args[0]!r}") from None
    return sorted(faults, key=lambda f: f.time)


def apply_fault(status, fault, now):
    """Apply ``fault`` to a :class:`~fluxsim.resource.status.ResourceStatus`.

    Both replay engines call this.  A drain of a drained rank keeps it
    drained, an undrain of a rank that is not drained does nothing.
    Returns ``(lost, due)``: the ranks whose running jobs now fail (a set),
    and whether a scheduling pass is due.
    """
    ranks = fault.rank_list
    action = fault.action
    if action == "drain":
        return set(), status.drain(ranks, fault.reason, now, overwrite=True)
    if action == "undrain":
        return set(), status.undrain([rank for rank in ranks if rank in status.drained])
    if action == "up":
        return set(), status.up(ranks)
    lost, due = status.down(ranks)
    return set(lost), due
