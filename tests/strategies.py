"""Hypothesis strategies for fluxsim's property tests, and their example budget.

Jobspecs come in two kinds: what ``JobspecV1.from_command`` builds (valid),
and those jobspecs with random mutations of the parts Flux reads (exec.test,
shell options, duration, environment, constraints, cwd, the sections
themselves), most of them invalid.  Resource shapes are small (1-4 nodes,
1-4 cores, 0-2 GPUs) so that jobs contend.

``examples(n)`` is the ``settings`` every property test uses: ``n``
examples in CI, or ``FLUXSIM_HYPOTHESIS_EXAMPLES`` of them for a long run::

    FLUXSIM_HYPOTHESIS_EXAMPLES=2000 pytest -n 2 tests/test_properties_*.py
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from fluxsim.job import JobspecV1

__all__ = [
    "examples",
    "json_values",
    "fsd_strings",
    "shapes",
    "from_command_args",
    "jobspecs",
    "valid_jobspecs",
    "urgencies",
    "exec_tests",
    "constraints",
    "mock_jobspecs",
    "operations",
    "OUT_OF_RANGE",
]


def examples(n):
    """Settings for a property test: ``n`` examples, or ``$FLUXSIM_HYPOTHESIS_EXAMPLES``."""
    count = int(os.environ.get("FLUXSIM_HYPOTHESIS_EXAMPLES") or n)
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- JSON -----------------------------------------------------------------------------

_EDGE_INTS = [0, 1, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**32, 2**63, -(2**63) - 1, 2**64]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.sampled_from(_EDGE_INTS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
#: Any JSON value (no NaN or infinity: JSON has neither).
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)

#: JSON values whose strings cannot name a program that would do anything
#: (for commands on the real clock).
safe_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["true", "", "/nonexistent"])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)

#: Flux Standard Durations, good and bad, as strtod and fsd_parse_duration meet them.
fsd_strings = st.one_of(
    st.sampled_from(
        ["0", "0s", "0.01s", "1s", "1.5", "10ms", "2m", "1h", "1d", "inf", "infinity", "-1",
         "-1s", "1e-3", "1e3s", "", " 5", "0x10", "nan", "1h ", "abc", "1.5x", "5sec", "INF",
         ".5", "1e400", "0x1p-3s"]
    ),
    st.text(alphabet="0123456789.sSmhd-+e x", max_size=6),
)


# -- resource shapes --------------------------------------------------------------------

#: ``(nnodes, cores_per_node, gpus_per_node)`` of a small instance.
shapes = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2))


# -- jobspecs ---------------------------------------------------------------------------

def _count(low, high):
    # mostly in range, sometimes out of it or of the wrong type
    return st.one_of(st.integers(low, high), st.integers(-2, 0), st.none(), st.just(1.5),
                     st.just("2"), st.booleans())


#: Keyword arguments of ``JobspecV1.from_command`` (some out of range).
from_command_args = st.fixed_dictionaries(
    {
        "num_tasks": _count(1, 6),
        "cores_per_task": _count(1, 4),
        "gpus_per_task": _count(0, 2),
        "num_nodes": _count(1, 4),
        "exclusive": st.one_of(st.booleans(), json_scalars),
    }
)

_good_from_command = st.fixed_dictionaries(
    {
        "num_tasks": st.integers(1, 6),
        "cores_per_task": st.integers(1, 3),
        "gpus_per_task": st.one_of(st.none(), st.integers(0, 2)),
        "num_nodes": st.one_of(st.none(), st.integers(1, 3)),
        "exclusive": st.booleans(),
    }
)


@st.composite
def valid_jobspecs(draw, command=("true",)):
    """A jobspec dict that ``from_command`` builds for ``command``, with a random duration."""
    args = draw(_good_from_command)
    if args["num_nodes"] is None:
        args["exclusive"] = False
    else:
        args["num_nodes"] = min(args["num_nodes"], args["num_tasks"])
    duration = draw(st.sampled_from([None, 0, 1, 5, 30, "2s", "1m"]))
    js = JobspecV1.from_command(list(command), environment={}, duration=duration, **args)
    return js.jobspec


#: ``attributes.system.exec.test``: mostly well-formed, often not.
exec_tests = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "run_duration": st.one_of(fsd_strings, json_values),
            "wait_status": st.one_of(st.sampled_from([0, 256, 9, 15, 2**31]), json_values),
            "mock_exception": st.one_of(st.sampled_from(["init", "run", "other"]), json_values),
            "override": st.one_of(st.integers(0, 2), json_values),
            "reattach_finish": st.one_of(st.integers(0, 1), json_values),
        },
    ),
    json_values,
)

_constraint_leaf = st.one_of(
    st.fixed_dictionaries({"properties": st.lists(st.sampled_from(["foo", "^foo", "bar", "a|b"]),
                                                  max_size=2)}),
    st.fixed_dictionaries({"hostlist": st.one_of(st.sampled_from(["node[0-1]", "fluxsim0", "x"]),
                                                 st.lists(st.sampled_from(["node0", "y"]),
                                                          max_size=2))}),
    st.fixed_dictionaries({"ranks": st.one_of(st.sampled_from(["0", "0-1", "3", "9", "a"]),
                                              st.lists(st.sampled_from(["0", "1-2", "x"]),
                                                       max_size=2))}),
)
#: RFC 31 constraints (some naming what no rank has), and garbage.
constraints = st.one_of(
    st.recursive(
        _constraint_leaf,
        lambda inner: st.dictionaries(st.sampled_from(["and", "or", "not"]),
                                      st.lists(inner, max_size=2), min_size=1, max_size=1),
        max_leaves=3,
    ),
    json_values,
)

_shell_options = st.one_of(
    st.dictionaries(
        st.sampled_from(["cpu-affinity", "gpu-affinity", "verbose", "output", "exit-timeout",
                         "per-resource", "mpi", "signal", "nosetpgrp", "pmi", "env-expand",
                         "hwloc", "taskmap"]),
        json_values,
        max_size=3,
    ),
    json_values,
)

_SYSTEM = ("attributes", "system")
# (path, strategy of the value set there); the value None at a path's end
# deletes the key instead
_MUTATIONS = [
    (_SYSTEM + ("exec", "test"), exec_tests),
    (_SYSTEM + ("exec",), json_values),
    (_SYSTEM + ("shell", "options"), _shell_options),
    (_SYSTEM + ("shell",), json_values),
    (_SYSTEM + ("duration",), st.one_of(json_values, st.sampled_from([0, 1, 2.5, 1e9, -1]))),
    (_SYSTEM + ("environment",), st.one_of(st.dictionaries(st.text(max_size=4), st.text(max_size=4),
                                                           max_size=2), json_values)),
    (_SYSTEM + ("constraints",), constraints),
    (_SYSTEM + ("cwd",), st.one_of(st.sampled_from(["/", "/nonexistent"]), json_values)),
    (_SYSTEM + ("job", "name"), json_values),
    (_SYSTEM, json_values),
    (("attributes",), json_values),
    (("attributes", "user"), json_values),
    (("resources",), json_values),
    (("resources", 0, "count"), json_values),
    (("resources", 0, "with"), json_values),
    (("resources", 0, "type"), st.sampled_from(["node", "slot", "core", "gpu", "socket", ""])),
    (("tasks", 0, "count"), json_values),
    (("version",), json_values),
]
# what a task runs: on the real clock, nothing but true or a missing program
_COMMAND_MUTATIONS = [(("tasks",), json_values), (("tasks", 0, "command"), json_values)]
_SAFE_COMMAND_MUTATIONS = [(path, safe_json_values) for path, _ in _COMMAND_MUTATIONS]


def _apply(spec, path, value, delete):
    """Set (or delete) ``path`` in ``spec``, creating dicts on the way where there are none."""
    node = spec
    for key in path[:-1]:
        try:
            child = node[key]
        except (KeyError, IndexError, TypeError):
            if not isinstance(node, dict):
                return
            child = node[key] = {}
        if not isinstance(child, (dict, list)):
            if not isinstance(node, (dict, list)):
                return
            child = node[key] = {}
        node = child
    key = path[-1]
    try:
        if delete:
            del node[key]
        else:
            node[key] = value
    except (KeyError, IndexError, TypeError):
        pass


@st.composite
def jobspecs(draw, real=False):
    """A jobspec dict: one ``from_command`` built, then (maybe) randomly mutated.

    ``real``: for the real clock, where a task's command is only ever
    ``true`` or a program that does not exist.
    """
    spec = draw(valid_jobspecs())
    mutations = _MUTATIONS + (_SAFE_COMMAND_MUTATIONS if real else _COMMAND_MUTATIONS)
    for index in draw(st.lists(st.integers(0, len(mutations) - 1), max_size=3)):
        path, values = mutations[index]
        delete = draw(st.integers(0, 9)) == 0
        _apply(spec, path, None if delete else draw(values), delete)
    return spec


#: Urgencies, mostly valid, sometimes out of range or not integers.
urgencies = st.one_of(
    st.sampled_from([16, 16, 0, 31, 1, 30]),
    st.integers(-5, 40),
    st.sampled_from([2**31, True, 1.0, "16", None]),
)


# -- operation sequences ---------------------------------------------------------------

@st.composite
def mock_jobspecs(draw, real=False):
    """A valid jobspec, mock-executed as exec.test says (on the real clock
    briefly, or a real ``true`` now and then)."""
    spec = draw(valid_jobspecs())
    if real:
        runs = st.sampled_from(["0.01s", "0.02s", "0.05s", "0"])
    else:
        runs = st.one_of(st.sampled_from(["0", "1s", "2.5s", "5s", "20s", "inf", "-1s", "x"]),
                         fsd_strings)
    test = draw(st.fixed_dictionaries({"run_duration": runs}, optional={
        "wait_status": st.sampled_from([0, 256, 9]),
        "mock_exception": st.sampled_from(["init", "run"]),
        "override": st.just(1),
    }))
    if draw(st.integers(0, 7)) == 0:
        return spec  # no exec.test: a real `true`, or the duration on a virtual clock
    spec["attributes"]["system"]["exec"] = {"test": test}
    return spec


# rank numbers modulo the instance's size; OUT_OF_RANGE names a rank it lacks
OUT_OF_RANGE = -1
_ranks = st.lists(st.one_of(*[st.integers(0, 3)] * 9, st.just(OUT_OF_RANGE)),
                  min_size=1, max_size=3)
_via = st.sampled_from(["method", "rpc"])


def operations(real=False):
    """One operation on an instance: ``(name, *arguments)``; job arguments
    index the jobs submitted so far, rank arguments are taken modulo the
    instance's size (see ``OUT_OF_RANGE``).  Submissions are the most frequent."""
    submit = st.tuples(st.just("submit"), mock_jobspecs(real),
                       st.sampled_from([16, 16, 0, 31, 5]), st.sampled_from([False, False, True]))
    return st.one_of(
        submit,
        submit,
        submit,
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("kill"), st.integers(0, 20), st.sampled_from([0, 9, 15, 10, -1, 100])),
        st.tuples(st.just("raise"), st.integers(0, 20), st.sampled_from([0, 1, 7, 8, -1]),
                  st.sampled_from(["cancel", "exec", "test", "timeout"])),
        st.tuples(st.just("urgency"), st.integers(0, 20), st.sampled_from([0, 16, 31, 5, -1, 32])),
        st.tuples(st.just("drain"), _ranks, _via),
        st.tuples(st.just("undrain"), _ranks, _via),
        st.tuples(st.just("down"), _ranks),
        st.tuples(st.just("up"), _ranks),
        st.tuples(st.just("advance"), st.sampled_from([0, 0.5, 1, 3, 10])),
        st.tuples(st.just("advance"), st.sampled_from([0.5, 1, 3, 10])),
    )
