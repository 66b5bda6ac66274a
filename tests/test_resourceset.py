"""ResourceSet behaves as flux-core 0.88's ``flux.resource.ResourceSet``.

Every expected value is recorded from flux-core 0.88.0 (its pure-Python
``Rv1Set`` implementation) on the same inputs.
"""

import json

import pytest

from fluxsim.resource import ResourceSet


def R(ranks, cores="0-3", gpus=None, nodelist=True, props=None, nslots=None, sched=None):
    children = {"core": cores}
    if gpus:
        children["gpu"] = gpus
    execution = {"R_lite": [{"rank": ranks, "children": children}], "starttime": 1.0, "expiration": 9.0}
    if nodelist:
        execution["nodelist"] = [f"n[{ranks}]"]
    if props:
        execution["properties"] = props
    if nslots:
        execution["nslots"] = nslots
    result = {"version": 1, "execution": execution}
    if sched:
        result["scheduling"] = sched
    return result


@pytest.fixture
def a():
    rset = ResourceSet(R("0-3", props={"p": "0-1", "q": "3"}, nslots=4, sched={"x": 1}), keep_scheduling=True)
    rset.state = "up"
    return rset


@pytest.fixture
def b():
    return ResourceSet(R("2-5", cores="2-5", gpus="0", props={"p": "4", "r": "5"}, nodelist=False))


MERGED = (
    "rank[0-1]/core[0-3] rank[2-3]/core[0-5],gpu0 rank[4-5]/core[2-5],gpu0",
    '{"p": "0-1,4", "q": "3", "r": "5"}',
    # ranks without a host name are named rank<N>
    "n[0-3],rank[4-5]",
)

# operation -> (dumps, properties, nodelist, state); none keeps nslots or scheduling
OPERATIONS = {
    "union": (lambda a, b: a | b, (*MERGED, "up")),
    "append": (lambda a, b: a.copy().append(b), (*MERGED, "up")),
    # cores of shared ranks are subtracted, not whole ranks
    "diff": (lambda a, b: a - b, ("rank[0-1]/core[0-3] rank[2-3]/core[0-1]", '{"p": "0-1", "q": "3"}', "n[0-3]", "up")),
    # whole ranks of the left set that the right set also has
    "intersect": (lambda a, b: a & b, ("rank[2-3]/core[0-3]", '{"q": "3"}', "n[2-3]", "up")),
    "remove_ranks": (lambda a, b: a.copy().remove_ranks("1-2"), ("rank[0,3]/core[0-3]", '{"p": "0", "q": "3"}', "n[0,3]", "up")),
    "copy_ranks": (lambda a, b: a.copy_ranks([3, 0, 9]), ("rank[0,3]/core[0-3]", '{"p": "0", "q": "3"}', "n[0,3]", "up")),
    # a constraint copy has no state
    "copy_constraint": (
        lambda a, b: a.copy_constraint('{"or": [{"properties": ["q"]}, {"hostlist": ["n1"]}]}'),
        ("rank[1,3]/core[0-3]", '{"p": "1", "q": "3"}', "n[1,3]", None),
    ),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_result(name, a, b):
    operation, (dumps, properties, nodelist, state) = OPERATIONS[name]
    result = operation(a, b)
    assert (str(result), result.get_properties(), str(result.nodelist), result.state) == (
        dumps,
        properties,
        nodelist,
        state,
    )
    R_out = json.loads(result.encode())
    assert "nslots" not in R_out["execution"] and "scheduling" not in R_out
    assert (R_out["execution"]["starttime"], R_out["execution"]["expiration"]) == (1.0, 9.0)


def test_add_brings_properties_only_with_new_ranks():
    def rset(ranks, props):
        execution = {"R_lite": [{"rank": ranks, "children": {"core": "0-1"}}], "properties": props}
        return ResourceSet({"version": 1, "execution": execution})

    a, b = rset("0-2", {"p": "0"}), rset("2-3", {"p": "2-3", "r": "2"})
    assert a.copy().append(b).get_properties() == '{"p": "0,2-3", "r": "2"}'
    assert a.copy().add(b).get_properties() == '{"p": "0,3"}'


def test_empty_set_encodes_without_nodelist():
    assert ResourceSet().encode() == '{"version": 1, "execution": {"R_lite": [], "starttime": 0.0, "expiration": 0.0}}'


def test_scheduling_key_kept_only_when_asked(a):
    assert a.impl.scheduling == {"x": 1} and json.loads(a.encode())["scheduling"] == {"x": 1}
    assert "scheduling" not in json.loads(ResourceSet(R("0", sched={"y": 2})).encode())


def test_queries(a):
    assert (a.properties, a.count("core"), a.count("gpu"), a.count("x")) == ("p,q", 16, 0, 0)
    assert (a.nnodes, a.ncores, a.ngpus, repr(a.ranks), a.rlist) == (4, 16, 0, "IDset('0-3')", "rank[0-3]/core[0-3]")
    assert a.host_ranks("n[3,1]") == [3, 1]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda a: a.set_property("a^b"), ValueError, "invalid property name 'a^b': '^' is reserved for constraint negation"),
        (lambda a: a.set_property(""), ValueError, "property name must not be empty"),
        (lambda a: a.set_property("z", "2-7"), ValueError, "ranks 4-7 not in resource set"),
        (lambda a: a.set_property("z", "x"), ValueError, "invalid rank idset 'x': IDset(): Invalid argument: x"),
        (lambda a: a.host_ranks("n[3,9-10]"), FileNotFoundError, "hosts 'n[9-10]' not found"),
        (lambda a: ResourceSet(5), TypeError, "ResourceSet cannot be instantiated from <class 'int'>"),
        (lambda a: ResourceSet({"version": 2}), ValueError, "R version 2 not supported"),
    ],
)
def test_errors(a, call, error, message):
    with pytest.raises(error) as info:
        call(a)
    assert str(info.value) == message
