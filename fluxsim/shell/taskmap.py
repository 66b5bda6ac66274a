"""RFC 34 task maps: which job shell (nodeid) runs which global task ids.

A taskmap is a list of blocks ``[nodeid, nnodes, ppn, repeat]``: starting at
``nodeid``, each of ``nnodes`` consecutive nodes gets ``ppn`` consecutive task
ids, and the whole block is repeated ``repeat`` times.  The shell builds the
default *block* map from rcalc's per-rank task counts; the ``taskmap`` shell
option may replace it (``cyclic[:N]``, ``manual:MAP``).

>>> m = Taskmap.block([2, 2, 1])
>>> m.encode()
{'version': 1, 'map': [[0, 2, 2, 1], [2, 1, 1, 1]]}
>>> m.taskids(1)
[2, 3]
>>> Taskmap.block([4, 4]).cyclic().encode(wrapped=False)
[[0, 2, 1, 4]]

Block merging and the encodings follow flux-core's libtaskmap, so a map
prints the way ``flux job taskmap`` and the ``shell.start`` event show it.
"""

import json

from fluxsim.resource import idset
from fluxsim.resource.rv1 import json_type

__all__ = ["Taskmap", "remap"]


class Taskmap:
    """An RFC 34 task map, built with ``append()`` as libtaskmap does."""

    __slots__ = ("blocks",)

    def __init__(self, blocks=()):
        #: list of [start, nnodes, ppn, repeat] lists
        self.blocks = [list(b) for b in blocks]

    # --- construction ---

    @classmethod
    def block(cls, ntasks_per_node):
        """The default block map from per-node task counts (shell info.c).

        Raises ``ValueError`` for a node with no tasks: flux's shell cannot
        map it and fails with this same message.
        """
        m = cls()
        for nodeid, ntasks in enumerate(ntasks_per_node):
            if ntasks <= 0:
                raise ValueError(
                    f"taskmap: failed to process rank={nodeid}: Invalid argument"
                )
            m.append(nodeid, 1, ntasks)
        return m

    def append(self, nodeid, nnodes, ppn):
        """Add ``nnodes`` nodes from ``nodeid`` with ``ppn`` tasks each.

        Merges into the last block where libtaskmap would, so encodings match.
        """
        if nodeid < 0 or nnodes <= 0 or ppn <= 0:
            raise ValueError("Invalid argument")
        if self.blocks:
            last = self.blocks[-1]
            start, n, last_ppn, repeat = last
            if nodeid == start + n and ppn == last_ppn and repeat == 1:
                last[1] += nnodes
                self._find_repeats()
                return
            if start == nodeid and n == 1 and nnodes == 1:
                last[2] += ppn
                self._find_repeats()
                return
            if start == nodeid and n == nnodes and last_ppn == ppn:
                last[3] += 1
                return
        self.blocks.append([nodeid, nnodes, ppn, 1])

    def _find_repeats(self):
        merged = self.blocks[:1]
        for block in self.blocks[1:]:
            prev = merged[-1]
            if block[:3] == prev[:3]:
                prev[3] += block[3]
            else:
                merged.append(block)
        self.blocks = merged

    # --- decoding and encoding ---

    @classmethod
    def decode(cls, value):
        """Decode a taskmap as libtaskmap does: an RFC 34 object or bare array
        (or its JSON text), a PMI ``(vector,...)`` mapping, or a raw map
        (each node's task ids, ``;``-separated: ``0-1;2-3``).

        Raises ``ValueError`` with libtaskmap's message on invalid input
        (for JSON that does not parse, Python's message, not jansson's).
        """
        if isinstance(value, str):
            if value == "" or "vector," in value:
                return cls._decode_pmi(value)
            if not any(c in value for c in "({[]})"):
                return cls._decode_raw(value)
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(str(exc)) from None
        if isinstance(value, dict):
            for key in ("version", "map"):
                if key not in value:
                    raise ValueError(f"Object item not found: {key}")
            if json_type(value["version"]) != "integer":
                raise ValueError(f"Expected integer, got {json_type(value['version'])}")
            if value["version"] != 1:
                raise ValueError(f"expected version=1, got {value['version']}")
            value = value["map"]
            if not isinstance(value, list):
                raise ValueError("taskmap must be an array")
        elif not isinstance(value, list):
            raise ValueError("taskmap must be an object or array")
        m = cls()
        for index, entry in enumerate(value):
            if not isinstance(entry, list):
                raise ValueError(f"entry {index} in taskmap is not an array")
            for i in range(4):  # json_unpack "[iiii]": extra items are not checked
                if i >= len(entry):
                    raise ValueError(f"error in taskmap entry: Array index {i} out of range")
                if json_type(entry[i]) != "integer":
                    raise ValueError(
                        f"error in taskmap entry: Expected integer, got {json_type(entry[i])}")
            nodeid, nnodes, ppn, repeat = entry[:4]
            if nodeid < 0 or nnodes <= 0 or ppn <= 0 or repeat <= 0:
                raise ValueError(f"invalid entry [{nodeid},{nnodes},{ppn},{repeat}]")
            m.blocks.append([nodeid, nnodes, ppn, repeat])
        return m

    @classmethod
    def _decode_raw(cls, s):
        """Each ``;``-separated idset is a node's task ids, nodes in order;
        together they must hold every task id from 0 once."""
        runs = []  # (first task id, node id, consecutive tasks)
        for nodeid, text in enumerate(t for t in s.split(";") if t):
            try:
                ranges = idset.ranges(text)
            except ValueError as exc:
                raise ValueError(exc.reason) from None
            for lo, hi in ranges:
                if runs and runs[-1][1] == nodeid and runs[-1][0] + runs[-1][2] == lo:
                    runs[-1][2] += hi - lo + 1
                else:
                    runs.append([lo, nodeid, hi - lo + 1])
        runs.sort(key=lambda run: run[0])
        m = cls()
        end = -1  # the last task id so far
        for first, nodeid, count in runs:
            last = min(end, first + count - 1)
            overlap = last - first
            if overlap == 0:
                raise ValueError(f"duplicate taskid specified: {first}")
            if overlap > 0:
                raise ValueError(f"duplicate taskids specified: {first}-{last}")
            if overlap == -2:
                raise ValueError(f"missing taskid: {last + 1}")
            if overlap < -2:
                raise ValueError(f"missing taskids: {last + 1}-{last - overlap - 1}")
            m.append(nodeid, 1, count)
            end = first + count - 1
        return m

    @classmethod
    def _decode_pmi(cls, s):
        m = cls()
        if s == "":
            return m
        got_vector = False
        for tok in (t.strip() for t in s.split("(")):
            if tok.startswith("vector,"):
                got_vector = True
                continue
            if not tok.rstrip(",)"):
                continue
            if not got_vector:
                raise ValueError("vector prefix must precede blocklist")
            body, closed, _rest = tok.partition(")")
            try:
                if not closed:
                    raise ValueError
                nodeid, count, ppn = (int(x) for x in body.split(","))
            except ValueError:
                raise ValueError(f"unable to parse block: ({tok}") from None
            if nodeid < 0 or count <= 0 or ppn <= 0:
                raise ValueError(f"invalid number in block: ({tok}")
            m.append(nodeid, count, ppn)
        # libtaskmap's "no tasks found" check compares -1 (the count of an
        # unknown map) with 0, so "(vector,)" decodes as the unknown map
        return m

    def encode(self, wrapped=True):
        """The RFC 34 form: ``{"version": 1, "map": [...]}`` or the bare list."""
        blocks = [list(b) for b in self.blocks]
        return {"version": 1, "map": blocks} if wrapped else blocks

    def dumps(self, wrapped=True):
        """Compact JSON text, as flux prints it (``{"version":1,"map":...}``)."""
        return json.dumps(self.encode(wrapped), separators=(",", ":"))

    def encode_pmi(self):
        """PMI-1 ``PMI_process_mapping`` form, e.g. ``(vector,(0,4,4))``."""
        if self.unknown:
            return ""
        parts = []
        for start, nnodes, ppn, repeat in self.blocks:
            parts.extend([f"({start},{nnodes},{ppn})"] * repeat)
        return "(vector," + ",".join(parts) + ")"

    def encode_raw(self, ranges=True):
        """Task ids of each node, ``;``-separated (``flux job taskmap --to=raw``)."""
        if ranges:
            return ";".join(idset.encode(self.taskids(n)) for n in range(self.nnodes))
        return ";".join(
            ",".join(str(i) for i in self.taskids(n)) for n in range(self.nnodes)
        )

    # --- queries ---

    @property
    def unknown(self):
        """True for the empty map, which RFC 34 reads as "mapping unknown"."""
        return not self.blocks

    @property
    def nnodes(self):
        """One past the highest nodeid in the map."""
        return max((b[0] + b[1] for b in self.blocks), default=0)

    @property
    def total_ntasks(self):
        """Number of tasks in the map."""
        return sum(nnodes * ppn * repeat for _, nnodes, ppn, repeat in self.blocks)

    def taskids(self, nodeid):
        """Sorted global task ids that run on ``nodeid`` (empty if none)."""
        ids = []
        current = 0
        for start, nnodes, ppn, repeat in self.blocks:
            for _ in range(repeat):
                if start <= nodeid < start + nnodes:
                    first = current + (nodeid - start) * ppn
                    ids.extend(range(first, first + ppn))
                current += nnodes * ppn
        return sorted(ids)

    def ntasks(self, nodeid):
        """Number of tasks on ``nodeid``."""
        return len(self.taskids(nodeid))

    def nodeid(self, taskid):
        """The nodeid running global task ``taskid``; ``ValueError`` if none."""
        current = 0
        for start, nnodes, ppn, repeat in self.blocks:
            for _ in range(repeat):
                last = current + nnodes * ppn - 1
                if 0 <= taskid <= last:
                    return start + (taskid - current) // ppn
                current = last + 1
        raise ValueError(f"failed to get nodeid for task {taskid}")

    def check(self, new):
        """Raise ``ValueError`` unless ``new`` has the same nodes and tasks."""
        if new.nnodes != self.nnodes:
            raise ValueError(f"got {new.nnodes} nodes, expected {self.nnodes}")
        if new.total_ntasks != self.total_ntasks:
            raise ValueError(
                f"got {new.total_ntasks} total tasks, expected {self.total_ntasks}"
            )

    # --- remapping schemes ---

    def cyclic(self, stride=1):
        """Deal this map's tasks round-robin, ``stride`` at a time (taskmap.cyclic).

        Reproduces flux-core 0.88 exactly, including its quirk: a node that has
        no task yet counts as having -1, so a stride larger than a node's task
        count gives it one task too many; the shell then rejects the map (task
        total differs), fails to map (``ValueError``), or, when the totals
        happen to balance, runs the skewed map.
        """
        new = Taskmap()
        ntasks = self.total_ntasks
        nnodes = self.nnodes
        while ntasks > 0:
            for i in range(nnodes):
                done = new.ntasks(i) or -1
                avail = self.ntasks(i) - done
                if avail == 0:
                    continue
                ppn = min(stride, avail)
                if ppn <= 0:
                    # only after the quirk above over-assigned node i
                    raise ValueError(f"failed to map tasks with cyclic:{stride}")
                new.append(i, 1, ppn)
                ntasks -= ppn
        return new

    def __eq__(self, other):
        return isinstance(other, Taskmap) and self.blocks == other.blocks

    def __repr__(self):
        return f"Taskmap({self.blocks!r})"

    def __str__(self):
        return self.dumps()


def remap(taskmap, option):
    """Apply the ``taskmap`` shell option to the default block ``taskmap``.

    ``option`` is the jobspec form ``{"scheme": S, "value": V}`` (or the
    ``--taskmap`` string ``"S[:V]"``); ``None`` keeps the block map.
    Supported schemes: block, cyclic[:N], manual:MAP.  Raises ``ValueError``
    with the shell's message when the job would fail.
    """
    if option is None:
        return taskmap
    if isinstance(option, str):
        scheme, _, value = option.partition(":")
    else:
        try:
            scheme = option["scheme"]
        except (KeyError, TypeError):
            raise ValueError("failed to parse taskmap shell option") from None
        value = option.get("value") or ""
    if scheme == "block":
        if value:
            raise ValueError(f"block taskmap does not accept a value (got {value})")
        return taskmap
    if scheme == "manual":
        try:
            new = Taskmap.decode(value)
        except ValueError as exc:
            raise ValueError(f"taskmap={value}: {exc}") from None
    elif scheme == "cyclic":
        stride = 1
        if value:
            try:
                stride = int(value, 10)
            except ValueError:
                stride = 0
            if stride <= 0:
                raise ValueError(f"invalid cyclic stride: {value}")
        new = taskmap.cyclic(stride)
    else:
        # flux would call a taskmap.<scheme> plugin; hostfile needs real
        # hostnames and other schemes are external plugins.
        raise ValueError(f"failed to map tasks with scheme={scheme}")
    if new.unknown:
        raise ValueError("invalid taskmap: mapping is unknown")
    try:
        taskmap.check(new)
    except ValueError as exc:
        raise ValueError(f"invalid taskmap: {exc}") from None
    return new
