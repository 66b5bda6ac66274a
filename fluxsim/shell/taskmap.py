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
        """Decode an RFC 34 map: object, bare array, JSON text or PMI vector.

        Raises ``ValueError`` with libtaskmap's message on invalid input.
        """
        if isinstance(value, str):
            if value == "" or "vector," in value:
                return cls._decode_pmi(value)
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(str(exc)) from None
        if isinstance(value, dict):
            if "version" not in value or "map" not in value:
                raise ValueError("taskmap object requires version and map")
            if value["version"] != 1:
                raise ValueError(f"expected version=1, got {value['version']}")
            value = value["map"]
        if not isinstance(value, list):
            raise ValueError("taskmap must be an array")
        m = cls()
        for index, entry in enumerate(value):
            if not isinstance(entry, list):
                raise ValueError(f"entry {index} in taskmap is not an array")
            if len(entry) != 4 or not all(
                isinstance(x, int) and not isinstance(x, bool) for x in entry
            ):
                raise ValueError(f"error in taskmap entry: {json.dumps(entry)}")
            nodeid, nnodes, ppn, repeat = entry
            if nodeid < 0 or nnodes <= 0 or ppn <= 0 or repeat <= 0:
                raise ValueError(f"invalid entry [{nodeid},{nnodes},{ppn},{repeat}]")
            m.blocks.append([nodeid, nnodes, ppn, repeat])
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
                raise ValueError("vector prefix must preceed blocklist")
            body = tok.split(")", 1)[0]
            try:
                nodeid, count, ppn = (int(x) for x in body.split(","))
            except ValueError:
                raise ValueError(f"unable to parse block: ({tok}") from None
            if nodeid < 0 or count <= 0 or ppn <= 0:
                raise ValueError(f"invalid number in block: ({tok}")
            m.append(nodeid, count, ppn)
        if m.total_ntasks == 0:
            raise ValueError("no tasks found in PMI_process_mapping")
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
