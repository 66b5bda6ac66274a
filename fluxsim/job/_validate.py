"""The jobspec rules ``flux.job.Jobspec`` enforces (RFC 14, V1: RFC 25), as tables.

Each part of a jobspec (the four sections, a resource vertex, a count range,
a task, the attributes, a dependency) has a table of rules, tried in order;
the first broken rule raises.  A rule is ``(broken, error, message)``, where
``broken(part)`` is true when the part breaks it; :func:`raising` makes a rule
of a function that raises by itself (key sets, nested parts)::

    >>> check(TASK, {"command": ["x"], "slot": "task", "count": {"per_slot": 0}})
    Traceback (most recent call last):
    ...
    ValueError: count per_slot must be > 0

The exception types, the messages and the order of the rules are Flux's: a
jobspec with several faults reports the one Flux reports, and code that
matches on Flux's messages works unchanged.  Where Flux's own check lets a
Python error escape (``len()`` of a number, ``in`` on a number), the rules
perform the same operation, so the same error escapes here.
"""

import numbers
from collections.abc import Iterable, Mapping, Sequence

from fluxsim.resource import idset

__all__ = [
    "SECTIONS",
    "check",
    "raising",
    "check_keys",
    "check_jobspec",
    "check_v1",
    "check_counts",
    "preorder",
]

#: The top-level keys of a jobspec, all required.
SECTIONS = ("resources", "tasks", "attributes", "version")


def check(rules, part):
    """Apply ``rules`` to ``part`` in order; the first broken rule raises."""
    for broken, error, message in rules:
        if broken(part):
            raise error(message)


def raising(function):
    """A rule made of a function that raises by itself (its result is ignored)."""
    return (lambda part: function(part) and False, None, None)


def check_keys(expected, given, optional=False, extra=False):
    """Raise ValueError for a missing key (unless ``optional``) or an unknown one (unless ``extra``).

    With several wrong keys Flux names whichever its set iteration meets
    first; here it is the first in ``expected`` (or ``given``) order, one of
    the answers Flux can give, but the same on every run.
    """
    given = list(given)
    if not optional:
        for key in expected:
            if key not in given:
                raise ValueError(f"Missing key ({key})")
    if not extra:
        for key in given:
            if key not in expected:
                raise ValueError(f"Extraneous key ({key})")


def preorder(vertices):
    """Every resource vertex, parents before children.

    A vertex is yielded before its ``with`` list is read, so a vertex that
    is not a mapping is reported as such instead of failing the walk.
    """
    for vertex in vertices:
        yield vertex
        yield from preorder(vertex.get("with", []))


# -- counts --------------------------------------------------------------------------

RANGE_KEYS = ("min", "max", "operand", "operator")
# a list, because Flux prints it as one in its message
OPERATORS = ["+", "*", "^"]


def _positive_int(key):
    """Rules for an optional range field that must be an int >= 1."""
    return (
        (lambda r: key in r and not isinstance(r[key], int), TypeError, f"{key} must be an int"),
        (lambda r: key in r and r[key] < 1, ValueError, f"{key} must be > 0"),
    )


#: An RFC 14 count range ``{min, max, operand, operator}``.
RANGE = (
    (lambda r: "min" not in r, ValueError, "min must be in range"),
    raising(lambda r: check_keys(RANGE_KEYS, r.keys(), optional=True)),
    *_positive_int("min"),
    *_positive_int("max"),
    *_positive_int("operand"),
    (lambda r: "max" in r and r["max"] < r["min"], ValueError, "max must be >= min"),
    (
        lambda r: ("operand" in r) != ("operator" in r),
        ValueError,
        "operand and operator must both be in range if either is",
    ),
    (
        lambda r: "operator" in r and not (isinstance(r["operator"], str) and len(r["operator"]) == 1),
        TypeError,
        "operator must be a single character str",
    ),
    (lambda r: "operator" in r and r["operator"] not in OPERATORS, ValueError, f"operator must be one of {OPERATORS}"),
    # a geometric or power sequence with operand 1 would never grow
    (
        lambda r: r.get("operator") in ("*", "^") and r["operand"] < 2,
        ValueError,
        "operand must be > 1 for '*' or '^' operator",
    ),
    (lambda r: r.get("operator") == "^" and r["min"] < 2, ValueError, "min must be > 1 for '^' operator"),
)


def _range_of(text):
    """The range a count string such as ``"4+"``, ``"2-8"`` or ``"2-16:2:*"`` stands for.

    The fields are converted with ``int()`` in Flux's order (max before
    min), so a malformed number raises the ValueError Flux raises.
    """
    bounds, *step = text.split(":")
    if len(step) > 2 or ("-" not in bounds and "+" not in bounds):
        raise ValueError("count string must be a valid idset or range")
    spec = {}
    low, dash, high = bounds.partition("-")
    if dash:
        spec["max"] = int(high)
    else:
        low = bounds.rstrip("+")
    spec["min"] = int(low)
    if step:
        spec["operand"] = int(step[0])
        spec["operator"] = step[1] if len(step) == 2 else "+"
    return spec


def _count_string(vertex):
    """A string count: an RFC 22 idset, else a range in string form."""
    text = vertex["count"]
    try:
        idset.decode(text)
    except ValueError:
        check(RANGE, _range_of(text))


# Only node, slot and core need at least one; a count of 0 of anything else
# (say gpu) is a valid way to ask for none.
_AT_LEAST_ONE = ("node", "slot", "core")

_INT_COUNT = (
    (lambda v: v["type"] in _AT_LEAST_ONE and v["count"] < 1, ValueError, "node, slot, or core count must be > 0"),
    (lambda v: v["count"] < 0, ValueError, "count must be >= 0"),
)

# The forms a vertex count may take, tried in order (a bool passes as an int,
# as in Flux).
_COUNT_FORMS = (
    (Mapping, lambda v: check(RANGE, v["count"])),
    (str, _count_string),
    (int, lambda v: check(_INT_COUNT, v)),
)


def _vertex_count(vertex):
    for form, check_form in _COUNT_FORMS:
        if isinstance(vertex["count"], form):
            check_form(vertex)
            return
    raise TypeError("count must be an int or mapping")


def _string_field(key):
    return (lambda v: key in v and not isinstance(v[key], str), TypeError, f"{key} must be a string")


#: One resource vertex, not its children (:func:`preorder` reaches those).
VERTEX = (
    (lambda v: not isinstance(v, Mapping), TypeError, "resource must be a mapping"),
    (lambda v: "type" not in v, ValueError, "type is a required key for resources"),
    (lambda v: not isinstance(v["type"], str), TypeError, "type must be a string"),
    (lambda v: "count" not in v, ValueError, "count is a required key for resources"),
    raising(_vertex_count),
    _string_field("id"),
    _string_field("unit"),
    _string_field("label"),
    # "in" compares with ==, so Flux takes 0 and 1 as booleans too
    (lambda v: "exclusive" in v and v["exclusive"] not in (True, False), TypeError, "exclusive must be a boolean"),
    (lambda v: v["type"] == "slot" and "label" not in v, ValueError, "slots must have labels"),
)


# -- tasks -------------------------------------------------------------------------


def _task_count_int(key):
    """Rules for ``count.<key>`` of a task, when it is the key given."""
    return (
        (
            lambda t: key in t["count"] and not isinstance(t["count"][key], int),
            TypeError,
            f"count {key} must be an int",
        ),
        (lambda t: key in t["count"] and t["count"][key] <= 0, ValueError, f"count {key} must be > 0"),
    )


def _not_string_list(command):
    # a str is a Sequence of str too, and Flux rejects it
    return isinstance(command, str) or not (
        isinstance(command, Sequence) and all(isinstance(arg, str) for arg in command)
    )


#: One entry of the ``tasks`` section.
TASK = (
    (lambda t: not isinstance(t, Mapping), TypeError, "task must be a mapping"),
    raising(lambda t: check_keys(("command", "slot", "count"), t.keys(), extra=True)),
    (lambda t: not isinstance(t["count"], Mapping), TypeError, "count must be a mapping"),
    (lambda t: len(t["count"]) != 1, ValueError, "count must have exactly one key set"),
    (
        lambda t: t["count"].keys().isdisjoint(("per_slot", "per_resource", "total")),
        ValueError,
        "count per_slot, per_resource, or total must be set",
    ),
    *_task_count_int("total"),
    *_task_count_int("per_slot"),
    (lambda t: not isinstance(t["slot"], str), TypeError, "slot must be a string"),
    (
        lambda t: "attributes" in t and not isinstance(t["attributes"], Mapping),
        TypeError,
        "attributes must be a mapping",
    ),
    (lambda t: len(t["command"]) == 0, TypeError, "command array cannot have length of zero"),
    (lambda t: _not_string_list(t["command"]), TypeError, "command must be a list of strings"),
)


# -- attributes ----------------------------------------------------------------------

#: One RFC 26 dependency.
DEPENDENCY = (
    raising(lambda d: check_keys(("scheme", "value"), d.keys(), extra=True)),
    (lambda d: not isinstance(d["scheme"], str), TypeError, "dependency scheme must be a string"),
    (lambda d: not isinstance(d["value"], str), TypeError, "dependency value must be a string"),
)


def _dependencies(system):
    if "dependencies" in system:
        for dependency in system["dependencies"]:
            check(DEPENDENCY, dependency)


# RFC 31 property names may not contain the constraint syntax's operators.
_PROPERTY_SYNTAX = "&'\"`|()"


def _property(name):
    if any(char in _PROPERTY_SYNTAX for char in name):
        raise TypeError(f"invalid character in property '{name}'")


def _hosts(hosts):
    # Flux decodes the hostlist and checks it against the enclosing instance;
    # a validator runs outside any instance (and without a hostlist decoder
    # here), so only the argument types are checked, with Flux's messages.
    if isinstance(hosts, str):
        return
    if not isinstance(hosts, Iterable):
        raise TypeError(f"Hostlist(): expected string or Iterable, got {type(hosts)}")
    for host in hosts:
        if not isinstance(host, str):
            raise TypeError(f"Hostlist(): expected string or Iterable, got {type(host)}")


def _ranks(ranks):
    # flux.idset.decode also takes an int or an iterable of ints
    if isinstance(ranks, Iterable) and not isinstance(ranks, str):
        ranks = ",".join(str(rank) for rank in sorted(ranks))
    elif isinstance(ranks, int):
        ranks = str(ranks)
    if not isinstance(ranks, str):
        # Flux fails while building its own message here; this is the error
        # that reaches the caller
        raise TypeError('can only concatenate str (not "type") to str')
    try:
        idset.decode(ranks)
    except ValueError:
        raise ValueError(f"IDset(): Invalid argument: {ranks}") from None


def check_constraint(constraint):
    """Check an RFC 31 constraint object (operators nest through and/or/not)."""
    if not isinstance(constraint, Mapping):
        raise TypeError("constraints must be a mapping")
    for operator, args in constraint.items():
        if not isinstance(operator, str):
            raise TypeError(f"constraint operation {operator} is not a string")
        if not isinstance(args, Sequence):
            raise TypeError(f"argument to constraint {operator} must be a sequence")
        check_arg = _CONSTRAINT_ARGS.get(operator)
        if check_arg is None:
            raise TypeError(f"unknown constraint operator '{operator}'")
        for arg in args:
            check_arg(arg)


#: How each RFC 31 operator's arguments are checked.
_CONSTRAINT_ARGS = {
    "and": check_constraint,
    "or": check_constraint,
    "not": check_constraint,
    "properties": _property,
    "hostlist": _hosts,
    "ranks": _ranks,
}

#: ``attributes.system``: only the entries Flux checks at submission.
SYSTEM = (
    (
        lambda s: "dependencies" in s and not isinstance(s["dependencies"], Sequence),
        TypeError,
        "attributes.system.dependencies must be a list",
    ),
    raising(_dependencies),
    raising(lambda s: "constraints" in s and check_constraint(s["constraints"])),
)

#: The ``attributes`` section.
ATTRIBUTES = (
    raising(lambda a: check_keys(("system", "user"), a.keys(), optional=True)),
    raising(lambda a: "system" in a and check(SYSTEM, a["system"])),
)

#: The four sections themselves, as a dict of them.
SECTION_TYPES = (
    (lambda j: not isinstance(j["resources"], Sequence), TypeError, "resources must be a sequence"),
    (lambda j: not isinstance(j["tasks"], Sequence), TypeError, "tasks must be a sequence"),
    (lambda j: not isinstance(j["attributes"], Mapping), TypeError, "attributes must be a mapping"),
    (lambda j: not isinstance(j["version"], int), TypeError, "version must be an integer"),
    (lambda j: j["version"] < 1, ValueError, "version must be >= 1"),
)


def check_jobspec(jobspec):
    """Check a jobspec dict against the RFC 14 rules ``flux.job.Jobspec`` applies."""
    check(SECTION_TYPES, jobspec)
    for vertex in preorder(jobspec["resources"]):
        check(VERTEX, vertex)
    for task in jobspec["tasks"]:
        check(TASK, task)
    check(ATTRIBUTES, jobspec["attributes"])


# -- version 1 (RFC 25) --------------------------------------------------------------

#: What V1 adds for the attributes: a numeric ``system.duration``.
V1_ATTRIBUTES = (
    (lambda a: "system" not in a, ValueError, "attributes.system is a required key"),
    (lambda a: not isinstance(a["system"], Mapping), ValueError, "attributes.system must be a mapping"),
    (lambda a: "duration" not in a["system"], ValueError, "attributes.system.duration is a required key"),
    (
        lambda a: not isinstance(a["system"]["duration"], numbers.Number),
        ValueError,
        "attributes.system.duration must be a number",
    ),
)

#: What V1 adds for a task: no ``per_resource`` count.
V1_TASK = (
    (lambda t: t["count"].keys().isdisjoint(("per_slot", "total")), ValueError, "count per_slot or total must be set"),
)


def check_counts(resources):
    """Raise ValueError unless every count in the resource tree is a plain int (V1)."""
    for vertex in resources:
        count, kind = vertex["count"], vertex["type"]
        if not isinstance(count, int):
            raise ValueError(
                f"resource count must be an integer for type '{kind}' (got '{type(count).__name__}')"
            )
        check_counts(vertex.get("with", []))


def check_v1(jobspec):
    """Check what RFC 25 adds, on a jobspec that passed :func:`check_jobspec`."""
    check(V1_ATTRIBUTES, jobspec["attributes"])
    for task in jobspec["tasks"]:
        check(V1_TASK, task)
    check_counts(jobspec["resources"])
