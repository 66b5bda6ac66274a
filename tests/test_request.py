"""Jobspec resource requests read as flux-core 0.88's scheduler reads them.

Expected values: flux-core's t/python/t0039-rv1pool.py (TestFromJobspec,
TestFromJobspecNonV1, TestRangeAlloc), the count forms and messages
documented in flux/resource/ResourceCount.py and Rv1Pool.py, and the
canonical jobspecs in ../shared/flux-fixtures (flux-core t/jobspec/).
"""

import pathlib

import pytest

from fluxsim.resource import ResourceCount, ResourceRequest

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "shared" / "flux-fixtures" / "jobspec"


def jobspec(resources, version=1, system=None):
    """A jobspec around ``resources`` (attributes.system defaults to duration 60)."""
    attributes = {"system": {"duration": 60.0} if system is None else system}
    return {"version": version, "resources": resources, "tasks": [], "attributes": attributes}


def slots(count, cores=1, gpus=None, **slot):
    children = [{"type": "core", "count": cores}]
    if gpus is not None:
        children.append({"type": "gpu", "count": gpus})
    return [{"type": "slot", "count": count, **slot, "with": children}]


def nodes(count, slot_count=1, cores=1, **node):
    return [{"type": "node", "count": count, **node, "with": slots(slot_count, cores)}]


def test_slot_jobspec():
    # t0039 test_valid_v1_parses
    r = ResourceRequest.from_jobspec(jobspec(slots(2)))
    assert (r.nnodes, r.nslots, r.slot_size, r.duration) == (0, 2, 1, 60.0)


def test_node_jobspec():
    # t0039 test_fixed_count_nnodes_max_equals_nnodes
    r = ResourceRequest.from_jobspec(jobspec(nodes(2)))
    assert (r.nnodes, r.nnodes_max, r.nslots) == (2, 2, 2)


def test_totals():
    r = ResourceRequest.from_jobspec(jobspec(slots(3, cores=2, gpus=1)))
    assert (r.ncores, r.ngpus, r.gpu_per_slot) == (6, 3, 1)


@pytest.mark.parametrize(
    "spec, message",
    [
        # t0039 test_v1_missing_system_raises / test_v1_missing_duration_raises;
        # t2300-sched-simple.t greps the first message
        (
            jobspec(slots(1)) | {"attributes": {}},
            "getting duration: Object item not found: system",
        ),
        (jobspec(slots(1), system={}), "getting duration: Object item not found: duration"),
        # Rv1Pool.ResourceRequest.from_jobspec
        (jobspec([]), "jobspec has no resources"),
        (jobspec([{"type": "node", "count": 1}]), "Unable to determine slot count"),
        (jobspec([{"type": "slot", "count": 1}]), "Unable to determine slot size"),
    ],
)
def test_unreadable_jobspec(spec, message):
    with pytest.raises(ValueError, match=message):
        ResourceRequest.from_jobspec(spec)


def test_non_v1_needs_no_system_attributes():
    # t0039 test_non_v1_missing_system_accepted
    spec = jobspec(slots(1), version=9999) | {"attributes": {}}
    assert ResourceRequest.from_jobspec(spec).duration == 0.0


def test_non_v1_version_accepted():
    # t0039 test_nonv1_version_accepted (use_case_2.5)
    r = ResourceRequest.from_jobspec(jobspec(slots(10), version=999))
    assert (r.nnodes, r.nslots, r.slot_size) == (0, 10, 1)


def test_exclusive_slots_become_nodes():
    # t0039 test_exclusive_slot_jobspec_normalizes_nnodes
    r = ResourceRequest.from_jobspec(jobspec(slots(3, exclusive=True)))
    assert (r.nnodes, r.nslots, r.exclusive) == (3, 3, True)


def test_empty_constraints_are_none():
    # t0039 test_empty_constraints_dict_treated_as_none
    spec = jobspec(slots(1), system={"duration": 60.0, "constraints": {}})
    assert ResourceRequest.from_jobspec(spec).constraint is None


def test_constraints_kept():
    constraint = {"properties": ["fast"]}
    spec = jobspec(slots(1), system={"duration": 1, "constraints": constraint})
    r = ResourceRequest.from_jobspec(spec)
    assert r.constraint == constraint


def test_jobspec_kept():
    # t0039 test_jobspec_stored_on_request
    spec = jobspec(slots(1))
    assert ResourceRequest.from_jobspec(spec).jobspec is spec


def test_unknown_toplevel_type_skipped():
    # t0039 test_unknown_toplevel_type_skipped (use_case_1.9)
    spec = jobspec([{"type": "ssd", "count": 100000, "exclusive": True}] + nodes(1))
    r = ResourceRequest.from_jobspec(spec)
    assert (r.nnodes, r.nslots, r.slot_size, r.exclusive) == (1, 1, 1, False)


def test_counts_above_the_node_multiply_it():
    # t0039 test_complex_hierarchy_nodefactor (use_case_1.10 shape):
    # rack(5) -> slot(2) -> node(1, exclusive) -> slot(1) -> core(2)
    spec = jobspec(
        [
            {
                "type": "rack",
                "count": 5,
                "with": [{"type": "slot", "count": 2, "with": nodes(1, cores=2, exclusive=True)}],
            }
        ]
    )
    r = ResourceRequest.from_jobspec(spec)
    assert (r.nnodes, r.nslots, r.slot_size, r.exclusive) == (10, 10, 2, True)


def test_deep_nesting_is_a_value_error():
    # t0039 test_deeply_nested_jobspec_raises_valueerror (issue #7687)
    vertex = {"type": "core", "count": 1}
    for _ in range(2000):
        vertex = {"type": "slot", "count": 1, "with": [vertex]}
    with pytest.raises(ValueError, match="depth"):
        ResourceRequest.from_jobspec(jobspec([vertex]))


@pytest.mark.parametrize(
    "count, nnodes, nnodes_max, nslots, nslots_max",
    [
        # t0039 test_from_jobspec_range_dict, test_from_jobspec_unbounded_range
        ({"min": 2, "max": 4}, 2, 4, 2, 4),
        ({"min": 1}, 1, None, 1, None),
    ],
)
def test_node_ranges(count, nnodes, nnodes_max, nslots, nslots_max):
    r = ResourceRequest.from_jobspec(jobspec(nodes(count, cores=2)))
    assert (r.nnodes, r.nnodes_max) == (nnodes, nnodes_max)
    assert (r.nslots, r.nslots_max) == (nslots, nslots_max)


# -- ResourceCount: the forms listed in ResourceCount.from_count_spec's docstring


@pytest.mark.parametrize(
    "spec, mn, mx, values",
    [
        (4, 4, 4, None),
        ({"min": 2, "max": 8}, 2, 8, None),
        ({"min": 2}, 2, None, None),
        ({"min": 2, "max": 8, "operator": "*", "operand": 2}, 2, 8, (2, 4, 8)),
        ("2-5", 2, 5, None),
        ("2+", 2, None, None),
        ("2-8:2:*", 2, 8, (2, 4, 8)),
        ("1,7-9", 1, 9, (1, 7, 8, 9)),
        ("[2-5]", 2, 5, None),
        ("3", 3, 3, None),
        ({"min": 2, "max": 8, "operator": "+", "operand": 3}, 2, 8, (2, 5, 8)),
        ({"min": 2, "max": 20, "operator": "^", "operand": 2}, 2, 20, (2, 4, 16)),
    ],
)
def test_count_forms(spec, mn, mx, values):
    assert ResourceCount.from_count_spec(spec) == ResourceCount(mn, mx, values)


@pytest.mark.parametrize(
    "spec, message",
    [
        # messages of flux/resource/ResourceCount.py
        (0, "RFC 14 count: integer count must be >= 1, got 0"),
        ({"min": 0}, "RFC 14 count: min must be >= 1, got 0"),
        ({"min": 3, "max": 2}, "RFC 14 count: max must be >= min, got max=2 min=3"),
        ({"min": 2, "operator": "*", "operand": 2}, "RFC 14 unbounded count with operator='\\*'"),
        ("2+:2:*", "RFC 45 unbounded count with operator='\\*' operand=2"),
        ({"min": 1, "max": 4, "operator": "/"}, "RFC 14 count: operator '/' is not supported"),
        ({"min": 1, "max": 4, "operator": "*"}, "operator '\\*' requires operand > 1, got 1"),
        ({"min": 1, "max": 4, "operator": "^", "operand": 2}, "'\\^' requires min >= 2, got 1"),
        ("5-2", "RFC 14 count: max must be >= min, got max=2 min=5"),
    ],
)
def test_bad_counts(spec, message):
    with pytest.raises(ValueError, match=message):
        ResourceCount.from_count_spec(spec)


def test_valid_counts_largest_first():
    # ResourceCount.valid_counts docstring: values <= available, descending.
    assert list(ResourceCount(2, 8).valid_counts(5)) == [5, 4, 3, 2]
    assert list(ResourceCount(2, 8, (2, 4, 8)).valid_counts(7)) == [4, 2]
    assert list(ResourceCount(3, None).valid_counts(2)) == []


def test_scaled():
    assert ResourceCount(2, 8, (2, 4, 8)).scaled(3) == ResourceCount(6, 24, (6, 12, 24))


# -- flux-core's canonical V1 jobspecs (t/jobspec/valid_v1)


@pytest.mark.parametrize(
    "name, nnodes, nslots, slot_size, gpu_per_slot",
    [
        # Read off each file (RFC 25 node -> slot -> core/gpu counts).
        ("example1", 4, 4, 2, 0),
        ("use_case_1.1", 4, 4, 1, 0),
        ("use_case_2.2", 0, 10, 2, 0),
        ("use_case_2.3", 0, 10, 2, 1),
        ("use_case_2.4", 4, 16, 1, 1),
    ],
)
def test_canonical_v1_jobspecs(name, nnodes, nslots, slot_size, gpu_per_slot):
    yaml = pytest.importorskip("yaml")
    path = FIXTURES / "valid_v1" / f"{name}.yaml"
    if not path.exists():
        pytest.skip("shared flux fixtures not available")
    r = ResourceRequest.from_jobspec(yaml.safe_load(path.read_text()))
    assert (r.nnodes, r.nslots) == (nnodes, nslots)
    assert (r.slot_size, r.gpu_per_slot) == (slot_size, gpu_per_slot)


def test_zero_gpus_refused_though_rfc25_valid():
    # valid_v1/gpu_count_zero.yaml is valid RFC 25 but flux-core 0.88's
    # scheduler refuses it (ResourceCount: counts are at least 1).
    spec = jobspec(slots(1, gpus=0))
    with pytest.raises(ValueError, match="integer count must be >= 1, got 0"):
        ResourceRequest.from_jobspec(spec)
