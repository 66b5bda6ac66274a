"""libjob's jobspec V1 structure check (``flux_jobspec1_check()`` in flux-core's C library).

Stricter than :class:`~fluxsim.job.Jobspec.JobspecV1` about shape: the first
resource must be a ``node`` holding exactly one ``slot``, or a ``slot``; a
slot holds one ``core`` vertex and optionally one ``gpu``, with integer
counts and no unknown keys; only the first task is examined.  This is the
check flux-core's ``t/t0023-jobspec1-validate.t`` applies to its ``valid_v1``,
``invalid`` and ``invalid_v1`` test jobspecs, and the errors carry libjob's
texts, jansson's wording included::

    >>> check({"resources": [], "tasks": [], "attributes": {}, "version": 1})
    Traceback (most recent call last):
    ...
    ValueError: resources section: Array index 0 out of range
"""

import json
from collections import abc

from fluxsim.resource.rv1 import json_type

__all__ = ["check"]


class _Unpack:
    """Just enough of jansson's json_unpack() to word errors as libjob does.

    flux_jobspec1_check() describes problems found by json_unpack_ex() with
    jansson's own texts ("Object item not found: count"), so these helpers
    produce the same texts for the formats it uses.
    """

    @classmethod
    def check(cls, value, kind):
        """Check a value against format character ``kind`` (s, i, b, o)."""
        expected = {
            "s": ("string", ("string",)),
            "i": ("integer", ("integer",)),
            "b": ("true or false", ("true", "false")),
        }
        if kind not in expected:
            return value
        label, accepted = expected[kind]
        actual = json_type(value)
        if actual not in accepted:
            raise ValueError(f"Expected {label}, got {actual}")
        if kind == "i":
            # 'i' stores into a C int, wrapping anything wider
            value = (value + 2**31) % 2**32 - 2**31
        return value

    @classmethod
    def object(cls, obj, fields, strict):
        """Unpack ``{s:k ...[!]}``: fields are (key, kind, optional) triples."""
        if json_type(obj) != "object":
            raise ValueError(f"Expected object, got {json_type(obj)}")
        values = {}
        for key, kind, optional in fields:
            if key not in obj:
                if optional:
                    continue
                raise ValueError(f"Object item not found: {key}")
            values[key] = cls.check(obj[key], kind)
        if strict:
            known = {key for key, _, _ in fields}
            extra = [key for key in obj if key not in known]
            if extra:
                raise ValueError(
                    f"{len(extra)} object item(s) left unpacked: {', '.join(extra)}"
                )
        return values

    @classmethod
    def first(cls, array):
        """Unpack ``[o]`` (not strict: items after the first are ignored)."""
        if json_type(array) != "array":
            raise ValueError(f"Expected array, got {json_type(array)}")
        if len(array) == 0:
            raise ValueError("Array index 0 out of range")
        return array[0]


def _prefixed(prefix, func, *args):
    """Call func, prefixing any ValueError message with ``prefix: ``."""
    try:
        return func(*args)
    except ValueError as exc:
        raise ValueError(f"{prefix}: {exc}") from None


def _check_tasks(tasks):
    task = _prefixed("tasks section", _Unpack.first, tasks)
    fields = (("command", "o", False), ("slot", "s", False), ("count", "o", False))
    task = _prefixed("tasks section", _Unpack.object, task, fields, True)
    command = task["command"]
    if json_type(command) != "array":
        raise ValueError("tasks command must be an array")
    if len(command) < 1:
        raise ValueError("tasks command array length must be >= 1")
    if not all(isinstance(arg, str) for arg in command):
        raise ValueError("tasks command array entry must be a string")
    count = task["count"]
    if not isinstance(count, abc.Mapping) or len(count) != 1:
        raise ValueError("tasks count must have exactly one key set")
    for key in ("per_slot", "total"):
        if key in count and json_type(count[key]) == "integer":
            if _Unpack.check(count[key], "i") < 1:
                raise ValueError(f"tasks {key} count must be >= 1")
            return
    raise ValueError("tasks count object is malformed")


# The keys libjob unpacks from each kind of vertex (strictly: no others),
# and how many children its "with" array may have.
_VERTEX_FIELDS = {
    "slot": (
        ("type", "s", False),
        ("count", "i", False),
        ("with", "o", False),
        ("label", "s", False),
        ("exclusive", "b", True),
    ),
    "node": (
        ("type", "s", False),
        ("count", "i", False),
        ("with", "o", False),
        ("unit", "s", True),
    ),
}
_CHILDREN = {"slot": ((1, 2), "1-2"), "node": ((1,), "1")}


def _children(kind, vertex):
    """Unpack a ``kind`` vertex as libjob does and return its ``with`` array."""
    vertex = _prefixed(f"{kind} vertex", _Unpack.object, vertex, _VERTEX_FIELDS[kind], True)
    if vertex["count"] < 1:
        raise ValueError(f"{kind} count must be >= 1")
    children = vertex["with"]
    if json_type(children) != "array":
        raise ValueError(f"{kind} with must be an array")
    sizes, sizes_text = _CHILDREN[kind]
    if len(children) not in sizes:
        raise ValueError(f"{kind} with array must have {sizes_text} elements")
    return children


def _check_slot(slot):
    for child in _children("slot", slot):
        fields = (("type", "s", False), ("count", "i", False))
        child = _prefixed("slot with", _Unpack.object, child, fields, True)
        if child["type"] not in ("core", "gpu"):
            raise ValueError("slot with type must be core or gpu")
        min_count = 1 if child["type"] == "core" else 0
        if child["count"] < min_count:
            raise ValueError(f"slot {child['type']} count must be >= {min_count}")


def _check_node(node):
    _check_slot(_children("node", node)[0])


def _check_resources(resources):
    vertex = _prefixed("resources section", _Unpack.first, resources)
    fields = (("type", "s", False),)
    vertex_type = _prefixed("resource vertex", _Unpack.object, vertex, fields, False)["type"]
    if vertex_type == "node":
        _check_node(vertex)
    elif vertex_type == "slot":
        _check_slot(vertex)
    else:
        raise ValueError("unknown resource vertex type")


def _check_system(system):
    has_duration = False
    for key, value in system.items():
        kind = json_type(value)
        if key == "duration":
            if kind not in ("integer", "real"):
                raise ValueError("attributes.system.duration must be a number")
            has_duration = True
        elif key == "environment" and kind != "object":
            raise ValueError("attributes.system.environment must be a dictionary")
        elif key == "constraints" and kind != "object":
            raise ValueError("attributes.system.constraints must be a dictionary")
        elif key == "dependencies":
            if kind != "array":
                raise ValueError("attributes.system.dependencies must be an array")
            for entry in value:
                if json_type(entry) != "object":
                    raise ValueError(
                        "attributes.system.dependencies elements must be an object"
                    )
                if not all(isinstance(entry.get(k), str) for k in ("scheme", "value")):
                    raise ValueError(
                        "attributes.system.dependencies elements"
                        " must contain scheme and value strings"
                    )
        elif key == "shell" and kind == "object" and "options" in value:
            if json_type(value["options"]) != "object":
                raise ValueError("attributes.shell.options must be a dictionary")
    if not has_duration:
        raise ValueError("attributes.system.duration is required")


def _check_attributes(attributes):
    if json_type(attributes) != "object":
        raise ValueError("attributes must be an object")
    has_system = False
    for key, value in attributes.items():
        # a non-object has no members, so it fails the "values" test
        empty = not isinstance(value, abc.Mapping) or len(value) == 0
        if key == "user":
            if empty:
                raise ValueError("if present, attributes.user must contain values")
        elif key == "system":
            if empty:
                raise ValueError("if present, attributes.system must contain values")
            _check_system(value)
            has_system = True
        else:
            raise ValueError(f"unknown attributes section {key}")
    if not has_system:
        raise ValueError("attributes.system is required")


def check(jobspec):
    """Check a jobspec (a dict, or JSON str/bytes) as ``flux_jobspec1_check()`` does.

    Raises:
        ValueError: with libjob's error text, if the check fails (or the
            JSON does not parse).
    """
    if isinstance(jobspec, (str, bytes)):
        obj = json.loads(jobspec)
    else:
        # C sees JSON, so judge what JSON would carry (tuples become arrays)
        obj = json.loads(json.dumps(jobspec))
    fields = (
        ("resources", "o", False),
        ("tasks", "o", False),
        ("attributes", "o", False),
        ("version", "i", False),
    )
    top = _prefixed("jobspec object", _Unpack.object, obj, fields, True)
    if top["version"] != 1:
        raise ValueError("only version 1 jobspec is supported")
    _check_resources(top["resources"])
    _check_tasks(top["tasks"])
    _check_attributes(top["attributes"])
