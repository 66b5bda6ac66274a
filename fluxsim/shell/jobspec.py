"""What the job shell reads from jobspec: task count, slot shape, options.

The shell does not use the scheduler's view of the request.  It counts slots
in the jobspec (times the node count when nodes were requested), divides R's
cores and gpus by the slot count to get cores and gpus per slot, and reads the
task count (``total``, or one ``per_slot``).  When R records ``nslots`` that
count wins.  This mirrors flux-core's src/shell/jobspec.c, quirks included.

>>> from fluxsim.shell.rcalc import Rcalc
>>> R = {"version": 1, "execution": {"R_lite": [
...     {"rank": "0-1", "children": {"core": "0-1"}}]}}
>>> js = {"version": 1, "attributes": {"system": {}},
...       "tasks": [{"command": ["true"], "count": {"total": 3}}],
...       "resources": [{"type": "node", "count": 2, "with": [
...           {"type": "slot", "count": 2, "label": "task",
...            "with": [{"type": "core", "count": 1}]}]}]}
>>> s = ShellJobspec.parse(js, Rcalc(R))
>>> (s.task_count, s.slot_count, s.cores_per_slot, s.node_count)
(3, 4, 1, 2)
"""

import dataclasses

__all__ = ["ShellJobspec"]


def _integer(x):
    return isinstance(x, int) and not isinstance(x, bool)


class _SlotCount:
    """State shared across the recursive slot search (two C out-params)."""

    __slots__ = ("slot_count", "node_specified", "error")

    def __init__(self):
        self.slot_count = -1
        self.node_specified = False
        self.error = None


def _get_slot_count(state, resources, level):
    # A literal port of recursive_get_slot_count(): the first slot found
    # wins, a later slot or node invalidates the count, and errors raised
    # below level 0 only show as "Missing slot resource".
    if not isinstance(resources, list) or not resources:
        state.error = (
            f"level {level}: Malformed jobspec: resource entry missing or not a list"
        )
        return -1
    for entry in resources:
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str) \
                or "count" not in entry:
            state.error = f"level {level}: malformed resource entry"
            return -1
        rtype = entry["type"]
        count = entry["count"]
        if rtype == "slot":
            if state.slot_count > 0:
                state.error = "slot resource encountered after slot resource"
                state.slot_count = -1
                return -1
            if not _integer(count):
                state.error = "count must be integer for slot resource"
                return -1
            state.slot_count = count
            return count
        if rtype == "node":
            if state.node_specified:
                state.error = "node resource encountered after node resource"
                state.slot_count = -1
                return -1
            state.node_specified = True
        if entry.get("with"):
            _get_slot_count(state, entry["with"], level + 1)
    if level == 0 and state.slot_count < 1:
        state.error = "Missing slot resource"
    return state.slot_count


def _node_exclusive(resources):
    for entry in resources:
        if not isinstance(entry, dict):
            return False
        if entry.get("type") == "node":
            return bool(entry.get("exclusive", False))
        if entry.get("with"):
            return _node_exclusive(entry["with"])
    return False


@dataclasses.dataclass
class ShellJobspec:
    """The jobspec fields the shell uses (flux's ``struct jobspec``).

    ``node_count`` and ``slots_per_node`` are -1 when the jobspec did not ask
    for nodes.  ``per_resource`` is "node"/"core" when the ``per-resource``
    shell option is set, else ``None``.  ``name`` is
    ``attributes.system.job.name`` when set.
    """

    version: int
    task_count: int
    slot_count: int
    cores_per_slot: int
    gpus_per_slot: int
    slots_per_node: int
    node_count: int
    node_exclusive: bool
    command: list
    cwd: str | None
    environment: dict
    options: dict
    per_resource: str | None = None
    per_resource_count: int = 0
    name: str | None = None

    @classmethod
    def parse(cls, jobspec, rcalc):
        """Read ``jobspec`` (a dict) against ``rcalc`` (the job's R).

        Raises ``ValueError`` with the shell's message where flux's shell
        fails with "error parsing jobspec".
        """
        try:
            version = jobspec["version"]
            resources = jobspec["resources"]
            task = jobspec["tasks"][0]
            command = task["command"]
            count = task["count"]
            system = jobspec["attributes"].get("system", {})
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ValueError(f"invalid jobspec: missing {exc}") from None
        if not _integer(version):
            raise ValueError("invalid jobspec: version must be an integer")
        # the shell unpacks these as objects (cwd as a string): anything else
        # is an error parsing jobspec
        if not isinstance(system, dict):
            raise ValueError("attributes.system is not object type")
        for key, kind in (("environment", dict), ("shell", dict), ("job", dict), ("cwd", str)):
            value = system.get(key)
            if value is not None and not isinstance(value, kind):
                name = "string" if kind is str else "object"
                raise ValueError(f"attributes.system.{key} is not {name} type")
        environment = system.get("environment")
        options = (system.get("shell") or {}).get("options") or {}
        if not isinstance(options, dict):
            raise ValueError("attributes.system.shell.options is not object type")

        node_count = slots_per_node = -1
        if rcalc.total_slots > 0:
            slot_count = rcalc.total_slots
            if not isinstance(resources, list) or not resources \
                    or not isinstance(resources[0], dict) \
                    or not isinstance(resources[0].get("type"), str):
                raise ValueError("invalid jobspec: malformed resources")
            if resources[0]["type"] == "node":
                node_count = rcalc.total_nodes
                slots_per_node = slot_count // node_count
        else:
            state = _SlotCount()
            if _get_slot_count(state, resources, 0) < 0:
                raise ValueError(state.error or "Missing slot resource")
            slot_count = state.slot_count
            if state.node_specified:
                node_count = rcalc.total_nodes
                slots_per_node = slot_count
                slot_count *= node_count
        if slot_count <= 0:
            # flux divides by it; jobspec validation keeps it positive
            raise ValueError("slot count must be > 0")
        cores_per_slot = rcalc.total_cores // slot_count
        gpus_per_slot = rcalc.total_gpus // slot_count

        if not isinstance(count, dict) or len(count) != 1:
            raise ValueError("tasks count must have exactly one key set")
        if _integer(count.get("total")):
            task_count = count["total"]
        elif _integer(count.get("per_slot")):
            if count["per_slot"] != 1:
                raise ValueError(f"per_slot count: expected 1 got {count['per_slot']}")
            task_count = slot_count
        else:
            raise ValueError("Unable to parse tasks count")
        if not isinstance(command, list) or not command \
                or not all(isinstance(arg, str) for arg in command):
            raise ValueError("Malformed command entry")

        per_resource = None
        per_resource_count = 0
        if "per-resource" in options:
            opt = options["per-resource"]
            if not isinstance(opt, dict) or not isinstance(opt.get("type"), str) \
                    or not _integer(opt.get("count", 1)):
                raise ValueError("invalid per-resource section")
            per_resource = opt["type"]
            per_resource_count = opt.get("count", 1)
            if per_resource_count <= 0:
                raise ValueError("per-resource.count must be > 0")

        return cls(
            version=version,
            task_count=task_count,
            slot_count=slot_count,
            cores_per_slot=cores_per_slot,
            gpus_per_slot=gpus_per_slot,
            slots_per_node=slots_per_node,
            node_count=node_count,
            node_exclusive=_node_exclusive(resources),
            command=command,
            cwd=system.get("cwd"),
            environment=dict(environment or {}),
            options=dict(options),
            per_resource=per_resource,
            per_resource_count=per_resource_count,
            name=(system.get("job") or {}).get("name"),
        )
