"""fluxsim.job.Jobspec against flux-core 0.88's flux.job.Jobspec.

Expectations come from flux, never from the code under test:

- the canonical jobspecs in ``../shared/flux-fixtures/jobspec`` (flux-core's
  ``t/jobspec``), with the outcome flux 0.88 gives for each: Python
  ``Jobspec``/``JobspecV1`` (as ``t/python/t0010-job.py`` runs them) and
  libjob's ``flux_jobspec1_check`` (as ``t/t0023-jobspec1-validate.t`` runs
  it);
- ``from_command`` output written out literally, and for the full grid of
  arguments built by the RFC 25 rules restated below;
- Flux Standard Duration values from RFC 23.
"""

import datetime
import json
import math
import pathlib
from pathlib import Path

import pytest
import yaml

from fluxsim.job.Jobspec import Jobspec, JobspecV1, jobspec1_check, validate_jobspec
from fluxsim.util import fsd, parse_fsd

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "flux-fixtures" / "jobspec"


def fixture_files(subdir):
    """Parameters for every YAML file in a fixture set, or one skip."""
    directory = FIXTURES / subdir
    if not directory.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{directory} absent"))]
    return [pytest.param(path, id=path.stem) for path in sorted(directory.glob("*.yaml"))]


def expectation(table, path):
    assert path.stem in table, f"no expectation recorded for {path.name}"
    return table[path.stem]


def load(path):
    with open(path) as stream:
        return yaml.safe_load(stream)


# -- fixture expectations (flux 0.88 behaviour) ---------------------------------

# valid/: version-1 files that JobspecV1 also accepts; the rest are version 999
VALID_VERSION_1 = {"basic_v1", "example1", "example2", "use_case_1.9", "use_case_1.10", "use_case_1.11"}

# valid/ files that libjob's V1 structure check also accepts
VALID_LIBJOB_V1 = {"basic_v1", "example1"}

# invalid/: Jobspec.from_yaml_file -> (exception, message); JobspecV1 raises
# the same except where INVALID_V1_OVERRIDES says
INVALID = {
    "attributes_bad_entry": (ValueError, "Extraneous key (foo)"),
    "attributes_not_mapping": (TypeError, "attributes must be a mapping"),
    "attributes_null": (TypeError, "attributes must be a mapping"),
    "constraints_not_object": (TypeError, "constraints must be a mapping"),
    "dependencies_not_array": (TypeError, "attributes.system.dependencies must be a list"),
    "dependency_invalid": (TypeError, "dependency value must be a string"),
    "invalid_yaml1": (yaml.scanner.ScannerError, "mapping values are not allowed here"),
    "missing_attributes": (ValueError, "Missing key (attributes)"),
    "missing_resources": (ValueError, "Missing key (resources)"),
    "missing_tasks": (ValueError, "Missing key (tasks)"),
    "missing_version": (ValueError, "Missing key (version)"),
    "resource_count_bad_exp_min": (ValueError, "min must be > 1 for '^' operator"),
    "resource_count_bad_mult_operand": (ValueError, "operand must be > 1 for '*' or '^' operator"),
    "resource_count_bad_operator": (ValueError, "operator must be one of ['+', '*', '^']"),
    "resource_count_bad_type": (TypeError, "count must be an int or mapping"),
    "resource_count_is_zero": (ValueError, "node, slot, or core count must be > 0"),
    "resource_count_max_lessthan_min": (ValueError, "max must be >= min"),
    "resource_count_min_is_zero": (ValueError, "min must be > 0"),
    "resource_count_min_not_int": (TypeError, "min must be an int"),
    "resource_count_missing_min": (ValueError, "min must be in range"),
    "resource_count_missing_operand": (
        ValueError,
        "operand and operator must both be in range if either is",
    ),
    "resource_count_missing_operator": (
        ValueError,
        "operand and operator must both be in range if either is",
    ),
    "resource_count_negative": (ValueError, "count must be >= 0"),
    "resource_count_operand_is_zero": (ValueError, "operand must be > 0"),
    "resource_count_operator_not_char": (TypeError, "operator must be a single character str"),
    "resource_count_scalar_bad_value": (ValueError, "count string must be a valid idset or range"),
    "resource_exclusive_invalid": (TypeError, "exclusive must be a boolean"),
    "resource_exclusive_not_scalar": (TypeError, "exclusive must be a boolean"),
    "resource_id_not_scalar": (TypeError, "id must be a string"),
    "resource_label_not_scalar": (TypeError, "label must be a string"),
    "resource_missing_count": (ValueError, "count is a required key for resources"),
    "resource_missing_type": (ValueError, "type is a required key for resources"),
    "resource_node_with_notarray": (TypeError, "'int' object is not iterable"),
    "resource_not_mapping": (TypeError, "resource must be a mapping"),
    "resource_slot_not_labelled": (ValueError, "slots must have labels"),
    "resource_slot_with_notarray": (TypeError, "'int' object is not iterable"),
    "resource_type_not_string": (TypeError, "type must be a string"),
    "resource_unit_not_scalar": (TypeError, "unit must be a string"),
    "resources_not_sequence": (TypeError, "resources must be a sequence"),
    "task_command_array_notstring": (TypeError, "command must be a list of strings"),
    "task_command_not_array": (TypeError, "command must be a list of strings"),
    "task_command_zero_length_array": (TypeError, "command array cannot have length of zero"),
    "task_count_empty": (ValueError, "count must have exactly one key set"),
    "task_count_not_mapping": (TypeError, "count must be a mapping"),
    "task_count_per_slot_zero": (ValueError, "count per_slot must be > 0"),
    "task_count_total_and_per_slot": (ValueError, "count must have exactly one key set"),
    "task_count_total_zero": (ValueError, "count total must be > 0"),
    "task_missing_command": (ValueError, "Missing key (command)"),
    "task_missing_count": (ValueError, "Missing key (count)"),
    "task_missing_slot": (ValueError, "Missing key (slot)"),
    "task_not_mapping": (TypeError, "task must be a mapping"),
    "tasks_not_sequence": (TypeError, "tasks must be a sequence"),
    "version_bad_number": (TypeError, "version must be an integer"),
    "version_is_zero": (ValueError, "version must be >= 1"),
    "version_not_scalar": (TypeError, "version must be an integer"),
}

INVALID_V1_OVERRIDES = {
    "version_bad_number": (ValueError, "version must be 1"),
    "version_is_zero": (ValueError, "version must be 1"),
    "version_not_scalar": (ValueError, "version must be 1"),
}

# invalid/: flux_jobspec1_check() error text (invalid_yaml1 is not YAML)
INVALID_LIBJOB = {
    "attributes_bad_entry": "attributes.system.duration must be a number",
    "attributes_not_mapping": "attributes must be an object",
    "attributes_null": "attributes must be an object",
    "constraints_not_object": "attributes.system.constraints must be a dictionary",
    "dependencies_not_array": "attributes.system.dependencies must be an array",
    "dependency_invalid": (
        "attributes.system.dependencies elements must contain scheme and value strings"
    ),
    "invalid_yaml1": None,
    "missing_attributes": "jobspec object: Object item not found: attributes",
    "missing_resources": "jobspec object: Object item not found: resources",
    "missing_tasks": "jobspec object: Object item not found: tasks",
    "missing_version": "jobspec object: Object item not found: version",
    "resource_count_bad_exp_min": "slot vertex: Expected integer, got object",
    "resource_count_bad_mult_operand": "slot vertex: Expected integer, got object",
    "resource_count_bad_operator": "slot vertex: Expected integer, got object",
    "resource_count_bad_type": "slot vertex: Expected integer, got array",
    "resource_count_is_zero": "slot count must be >= 1",
    "resource_count_max_lessthan_min": "slot vertex: Expected integer, got object",
    "resource_count_min_is_zero": "slot vertex: Expected integer, got object",
    "resource_count_min_not_int": "slot vertex: Expected integer, got object",
    "resource_count_missing_min": "slot vertex: Expected integer, got object",
    "resource_count_missing_operand": "slot vertex: Expected integer, got object",
    "resource_count_missing_operator": "slot vertex: Expected integer, got object",
    "resource_count_negative": "slot with type must be core or gpu",
    "resource_count_operand_is_zero": "slot vertex: Expected integer, got object",
    "resource_count_operator_not_char": "slot vertex: Expected integer, got object",
    "resource_count_scalar_bad_value": "slot vertex: Expected integer, got string",
    "resource_exclusive_invalid": "slot with: 1 object item(s) left unpacked: exclusive",
    "resource_exclusive_not_scalar": "slot vertex: Expected true or false, got array",
    "resource_id_not_scalar": "slot vertex: 1 object item(s) left unpacked: id",
    "resource_label_not_scalar": "slot vertex: Expected string, got array",
    "resource_missing_count": "slot with: Object item not found: count",
    "resource_missing_type": "slot with: Object item not found: type",
    "resource_node_with_notarray": "node with must be an array",
    "resource_not_mapping": "resource vertex: Expected object, got array",
    "resource_slot_not_labelled": "slot vertex: Object item not found: label",
    "resource_slot_with_notarray": "slot with must be an array",
    "resource_type_not_string": "slot with: Expected string, got array",
    "resource_unit_not_scalar": "slot vertex: 1 object item(s) left unpacked: unit",
    "resources_not_sequence": "resources section: Expected array, got object",
    "task_command_array_notstring": "tasks command array entry must be a string",
    "task_command_not_array": "tasks command must be an array",
    "task_command_zero_length_array": "tasks command array length must be >= 1",
    "task_count_empty": "tasks count must have exactly one key set",
    "task_count_not_mapping": "tasks count must have exactly one key set",
    "task_count_per_slot_zero": "tasks per_slot count must be >= 1",
    "task_count_total_and_per_slot": "tasks count must have exactly one key set",
    "task_count_total_zero": "tasks total count must be >= 1",
    "task_missing_command": "tasks section: Object item not found: command",
    "task_missing_count": "tasks section: Object item not found: count",
    "task_missing_slot": "tasks section: Object item not found: slot",
    "task_not_mapping": "tasks section: Expected object, got string",
    "tasks_not_sequence": "tasks section: Expected array, got object",
    "version_bad_number": "jobspec object: Expected integer, got real",
    "version_is_zero": "only version 1 jobspec is supported",
    "version_not_scalar": "jobspec object: Expected integer, got object",
}

# invalid_v1/: JobspecV1 outcome (None: the Python class accepts it) and the
# flux_jobspec1_check() error, which rejects every one of them
INVALID_V1 = {
    "core_count_invalid": (
        (ValueError, "node, slot, or core count must be > 0"),
        "slot core count must be >= 1",
    ),
    "duration_missing": (
        (ValueError, "attributes.system.duration is a required key"),
        "attributes.system.duration is required",
    ),
    "gpu_count_invalid": ((ValueError, "count must be >= 0"), "slot gpu count must be >= 0"),
    "node_vertex_missing_count": (
        (ValueError, "count is a required key for resources"),
        "node vertex: Object item not found: count",
    ),
    "node_vertex_with_notarray": (
        (TypeError, "'int' object is not iterable"),
        "slot with must be an array",
    ),
    "node_vertex_with_toomany": (
        (TypeError, "'NoneType' object is not iterable"),
        "node with array must have 1 elements",
    ),
    "node_vertex_zero_count": (
        (ValueError, "node, slot, or core count must be > 0"),
        "node count must be >= 1",
    ),
    "res_type_unknown": (None, "unknown resource vertex type"),
    "slot_node": (None, "slot with type must be core or gpu"),
    "task_count_per_resource": (
        (ValueError, "count per_slot or total must be set"),
        "tasks count object is malformed",
    ),
    "version_wrong": ((ValueError, "version must be 1"), "only version 1 jobspec is supported"),
    "with_toomany": (None, "slot with array must have 1-2 elements"),
    "with_whatnow": (None, "slot with type must be core or gpu"),
}


def assert_raises(expected, func, *args):
    exc_type, message = expected
    with pytest.raises(exc_type) as excinfo:
        func(*args)
    assert str(excinfo.value).split("\n")[0] == message


# -- fixtures: valid ----------------------------------------------------------------


@pytest.mark.parametrize("path", fixture_files("valid"))
def test_valid_jobspec_constructs(path):
    jobspec = Jobspec.from_yaml_file(path)
    assert jobspec.jobspec == load(path)


@pytest.mark.parametrize("path", fixture_files("valid"))
def test_valid_jobspec_validates_by_version(path):
    ok, jobspec = validate_jobspec(json.dumps(load(path)))
    assert ok is True
    expected_class = JobspecV1 if path.stem in VALID_VERSION_1 else Jobspec
    assert type(jobspec) is expected_class


@pytest.mark.parametrize("path", fixture_files("valid"))
def test_valid_jobspec_as_v1(path):
    if path.stem in VALID_VERSION_1:
        JobspecV1.from_yaml_file(path)
    else:
        assert_raises((ValueError, "version must be 1"), JobspecV1.from_yaml_file, path)


@pytest.mark.parametrize("path", fixture_files("valid"))
def test_valid_jobspec_libjob_v1_check(path):
    if path.stem in VALID_LIBJOB_V1:
        jobspec1_check(load(path))
    else:
        with pytest.raises(ValueError):
            jobspec1_check(load(path))


@pytest.mark.parametrize("path", fixture_files("valid_v1"))
def test_valid_v1_jobspec_passes_every_validator(path):
    assert type(JobspecV1.from_yaml_file(path)) is JobspecV1
    Jobspec.from_yaml_file(path)
    ok, jobspec = validate_jobspec(json.dumps(load(path)), require_version=1)
    assert ok is True and type(jobspec) is JobspecV1
    jobspec1_check(load(path))


# -- fixtures: invalid --------------------------------------------------------------


@pytest.mark.parametrize("path", fixture_files("invalid"))
def test_invalid_jobspec_rejected(path):
    assert_raises(expectation(INVALID, path), Jobspec.from_yaml_file, path)


@pytest.mark.parametrize("path", fixture_files("invalid"))
def test_invalid_jobspec_rejected_as_v1(path):
    expected = INVALID_V1_OVERRIDES.get(path.stem, expectation(INVALID, path))
    assert_raises(expected, JobspecV1.from_yaml_file, path)


@pytest.mark.parametrize("path", fixture_files("invalid"))
def test_invalid_jobspec_rejected_by_validate_jobspec(path):
    if path.stem == "invalid_yaml1":
        pytest.skip("not YAML, so there is no JSON to validate")
    expected = INVALID_V1_OVERRIDES.get(path.stem, expectation(INVALID, path))
    assert_raises(expected, validate_jobspec, json.dumps(load(path)), 1)


@pytest.mark.parametrize("path", fixture_files("invalid"))
def test_invalid_jobspec_rejected_by_libjob_v1_check(path):
    message = expectation(INVALID_LIBJOB, path)
    if message is None:
        pytest.skip("not YAML (t0023 skips it too)")
    assert_raises((ValueError, message), jobspec1_check, load(path))


@pytest.mark.parametrize("path", fixture_files("invalid_v1"))
def test_invalid_v1_python_validator(path):
    python_outcome, _ = expectation(INVALID_V1, path)
    if python_outcome is None:
        # flux's Python JobspecV1 accepts these; only libjob rejects them
        assert type(JobspecV1.from_yaml_file(path)) is JobspecV1
    else:
        assert_raises(python_outcome, JobspecV1.from_yaml_file, path)


@pytest.mark.parametrize("path", fixture_files("invalid_v1"))
def test_invalid_v1_rejected_by_libjob_v1_check(path):
    _, message = expectation(INVALID_V1, path)
    assert_raises((ValueError, message), jobspec1_check, load(path))


@pytest.mark.parametrize("subdir", ["valid", "valid_v1", "invalid", "invalid_v1"])
def test_every_recorded_fixture_exists(subdir):
    # guards against the tables silently covering nothing
    if not (FIXTURES / subdir).is_dir():
        pytest.skip(f"{FIXTURES / subdir} absent")
    tables = {"invalid": INVALID, "invalid_v1": INVALID_V1}
    found = {path.stem for path in (FIXTURES / subdir).glob("*.yaml")}
    if subdir in tables:
        assert found == set(tables[subdir])
    else:
        assert found


# -- resource iteration (t0010-job.py test_06_iter, test_07_count) ---------------


@pytest.fixture
def use_case_2_4():
    path = FIXTURES / "valid" / "use_case_2.4.yaml"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    return Jobspec.from_yaml_file(path)


def test_iter_visits_every_resource(use_case_2_4):
    resources = list(use_case_2_4)
    assert len(resources) == 7
    assert len([r for r in resources if r["type"] == "core"]) == 2
    assert len([r for r in resources if r["type"] == "slot"]) == 2


def test_resource_counts(use_case_2_4):
    counts = use_case_2_4.resource_counts()
    assert (counts["node"], counts["slot"], counts["core"], counts["memory"]) == (1, 11, 16, 64)
    assert counts["nonexistent"] == 0


def test_resource_walk_multiplies_counts():
    jobspec = JobspecV1.from_command(["x"], num_tasks=4, cores_per_task=3, num_nodes=2, environment={})
    walk = [(parent and parent["type"], res["type"], count) for parent, res, count in jobspec.resource_walk()]
    assert walk == [(None, "node", 2), ("node", "slot", 4), ("slot", "core", 12)]


# -- from_command: literal expectations ----------------------------------------------

FROM_COMMAND_CASES = [
    (
        {},
        [{"type": "slot", "count": 1, "with": [{"type": "core", "count": 1}], "label": "task"}],
        {"per_slot": 1},
    ),
    (
        {"num_tasks": 4, "cores_per_task": 2},
        [{"type": "slot", "count": 4, "with": [{"type": "core", "count": 2}], "label": "task"}],
        {"per_slot": 1},
    ),
    (
        {"num_tasks": 4, "cores_per_task": 2, "num_nodes": 2},
        [
            {
                "type": "node",
                "count": 2,
                "with": [
                    {"type": "slot", "count": 2, "with": [{"type": "core", "count": 2}], "label": "task"}
                ],
            }
        ],
        {"per_slot": 1},
    ),
    (
        # uneven: 3 slots per node, and a total so one slot stays empty
        {"num_tasks": 5, "num_nodes": 2},
        [
            {
                "type": "node",
                "count": 2,
                "with": [
                    {"type": "slot", "count": 3, "with": [{"type": "core", "count": 1}], "label": "task"}
                ],
            }
        ],
        {"total": 5},
    ),
    (
        {"num_tasks": 2, "gpus_per_task": 1},
        [
            {
                "type": "slot",
                "count": 2,
                "with": [{"type": "core", "count": 1}, {"type": "gpu", "count": 1}],
                "label": "task",
            }
        ],
        {"per_slot": 1},
    ),
    (
        {"num_tasks": 2, "gpus_per_task": 0},
        [{"type": "slot", "count": 2, "with": [{"type": "core", "count": 1}], "label": "task"}],
        {"per_slot": 1},
    ),
    (
        {"num_tasks": 3, "cores_per_task": 4, "gpus_per_task": 2, "num_nodes": 3, "exclusive": True},
        [
            {
                "type": "node",
                "count": 3,
                "exclusive": True,
                "with": [
                    {
                        "type": "slot",
                        "count": 1,
                        "with": [{"type": "core", "count": 4}, {"type": "gpu", "count": 2}],
                        "label": "task",
                    }
                ],
            }
        ],
        {"per_slot": 1},
    ),
]


@pytest.mark.parametrize("kwargs, resources, task_count", FROM_COMMAND_CASES)
def test_from_command_literal(kwargs, resources, task_count):
    jobspec = JobspecV1.from_command(["app", "arg"], environment={}, **kwargs)
    assert jobspec.jobspec == {
        "resources": resources,
        "tasks": [{"command": ["app", "arg"], "slot": "task", "count": task_count}],
        "attributes": {"system": {"duration": 0, "environment": {}}},
        "version": 1,
    }


def test_from_command_json_text():
    # key order is part of what flux emits
    jobspec = JobspecV1.from_command(["true"], num_tasks=4, cores_per_task=2, num_nodes=2, environment={})
    assert jobspec.dumps() == (
        '{"resources": [{"type": "node", "count": 2, "with": [{"type": "slot", "count": 2, '
        '"with": [{"type": "core", "count": 2}], "label": "task"}]}], '
        '"tasks": [{"command": ["true"], "slot": "task", "count": {"per_slot": 1}}], '
        '"attributes": {"system": {"duration": 0, "environment": {}}}, "version": 1}'
    )


# -- from_command: every combination, by the RFC 25 rules -------------------------


def rfc25_request(num_tasks, cores, gpus, nodes, exclusive):
    """The resources and task count RFC 25 / flux document for from_command.

    One slot per task holding the task's cores (and GPUs, if any).  With a
    node count, each node holds ceil(tasks / nodes) slots; if that leaves
    spare slots the task count is a total instead of one per slot.
    """
    slot_contents = [{"type": "core", "count": cores}]
    if gpus:
        slot_contents.append({"type": "gpu", "count": gpus})
    if nodes is None:
        slot = {"type": "slot", "count": num_tasks, "with": slot_contents, "label": "task"}
        return [slot], {"per_slot": 1}
    slot = {"type": "slot", "count": -(-num_tasks // nodes), "with": slot_contents, "label": "task"}
    node = {"type": "node", "count": nodes}
    if exclusive:
        node["exclusive"] = True
    node["with"] = [slot]
    count = {"per_slot": 1} if num_tasks % nodes == 0 else {"total": num_tasks}
    return [node], count


GRID = [
    (num_tasks, cores, gpus, nodes, exclusive)
    for num_tasks in range(1, 7)
    for cores in (1, 2, 3)
    for gpus in (None, 0, 1, 2)
    for nodes in (None, 1, 2, 3, 4, 5, 6)
    for exclusive in (False, True)
]


@pytest.mark.parametrize("num_tasks, cores, gpus, nodes, exclusive", GRID)
def test_from_command_grid(num_tasks, cores, gpus, nodes, exclusive):
    kwargs = dict(
        num_tasks=num_tasks,
        cores_per_task=cores,
        gpus_per_task=gpus,
        num_nodes=nodes,
        exclusive=exclusive,
        environment={},
    )
    if nodes is None and exclusive:
        assert_raises(
            (ValueError, "exclusive can only be set with a node count"),
            lambda: JobspecV1.from_command(["x"], **kwargs),
        )
        return
    if nodes is not None and nodes > num_tasks:
        assert_raises(
            (ValueError, "node count must not be greater than task count"),
            lambda: JobspecV1.from_command(["x"], **kwargs),
        )
        return
    jobspec = JobspecV1.from_command(["x"], **kwargs)
    resources, task_count = rfc25_request(num_tasks, cores, gpus, nodes, exclusive)
    assert jobspec.resources == resources
    assert jobspec.tasks == [{"command": ["x"], "slot": "task", "count": task_count}]
    if exclusive:
        # libjob's node vertex format has no "exclusive" key, so flux's C
        # check rejects what flux's own Python builds here
        message = "node vertex: 1 object item(s) left unpacked: exclusive"
        assert_raises((ValueError, message), jobspec1_check, jobspec)
    else:
        jobspec1_check(jobspec)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_tasks": 0}, "task count must be a integer >= 1"),
        ({"num_tasks": 2.0}, "task count must be a integer >= 1"),
        ({"num_tasks": "2"}, "task count must be a integer >= 1"),
        ({"cores_per_task": 0}, "cores per task must be an integer >= 1"),
        ({"cores_per_task": 1.5}, "cores per task must be an integer >= 1"),
        ({"gpus_per_task": -1}, "gpus per task must be an integer >= 0"),
        ({"gpus_per_task": 1.0}, "gpus per task must be an integer >= 0"),
        ({"num_nodes": 0}, "node count must be an integer >= 1 (if set)"),
        ({"num_nodes": 1.0}, "node count must be an integer >= 1 (if set)"),
        ({"num_tasks": 2, "num_nodes": 3}, "node count must not be greater than task count"),
        ({"exclusive": True}, "exclusive can only be set with a node count"),
        ({"num_tasks": 0, "cores_per_task": 0}, "task count must be a integer >= 1"),
        ({"environment": "PATH=/bin"}, "environment must be a mapping"),
        ({"env_expand": "X"}, "env_expand must be a mapping"),
        ({"rlimits": 5}, "rlimits must be a mapping"),
        ({"cwd": 5}, "cwd must be a string"),
        ({"duration": -1}, "duration must not be negative"),
    ],
)
def test_from_command_errors(kwargs, message):
    kwargs.setdefault("environment", {})
    assert_raises((ValueError, message), lambda: JobspecV1.from_command(["x"], **kwargs))


def test_from_command_default_environment_is_os_environ(monkeypatch):
    monkeypatch.setenv("FLUXSIM_TEST_VAR", "1")
    jobspec = JobspecV1.from_command(["x"])
    assert jobspec.environment["FLUXSIM_TEST_VAR"] == "1"


def test_from_command_options():
    jobspec = JobspecV1.from_command(
        ["x"],
        environment={"A": "1"},
        env_expand={"B": "{{tmpdir}}"},
        rlimits={"nofile": 12000},
        duration="10m",
        cwd="/my/cwd",
        name="test",
        input="in",
        output="out",
        error="err",
        label_io=True,
        unbuffered=True,
        queue="testq",
        bank="testbank",
    )
    assert jobspec.attributes == {
        "system": {
            "duration": 600.0,
            "environment": {"A": "1"},
            "shell": {
                "options": {
                    "env-expand": {"B": "{{tmpdir}}"},
                    "rlimit": {"nofile": 12000},
                    "input": {"stdin": {"type": "file", "path": "in"}, "batch-timeout": 0.0},
                    "output": {
                        "stdout": {"type": "file", "path": "out", "label": True, "buffer": {"type": "none"}},
                        "stderr": {"type": "file", "path": "err", "label": True, "buffer": {"type": "none"}},
                        "batch-timeout": 0.05,
                    },
                }
            },
            "cwd": "/my/cwd",
            "job": {"name": "test"},
            "queue": "testq",
            "bank": "testbank",
        }
    }


@pytest.mark.parametrize("output", ["none", "kvs"])
def test_from_command_output_none_or_kvs_keeps_default(output):
    jobspec = JobspecV1.from_command(["x"], environment={}, output=output, error=output, label_io=True)
    assert jobspec.output is None and jobspec.error is None
    assert "shell" not in jobspec.attributes["system"]


# -- nested instances (t0010-job.py test_22, test_23) -------------------------------


def test_from_nest_command():
    jobspec = JobspecV1.from_nest_command(
        ["sleep", "0"], num_slots=4, num_nodes=2, broker_opts=["-v"], environment={}
    )
    assert jobspec.tasks[0]["command"] == ["flux", "broker", "-v", "sleep", "0"]
    assert jobspec.getattr("shell.options") == {
        "per-resource": {"type": "node"},
        "mpi": "none",
        "exit-timeout": "none",
    }
    assert jobspec.resources[0]["count"] == 2


def test_from_nest_command_conf_goes_to_files():
    jobspec = JobspecV1.from_nest_command(["true"], conf={"a": 1}, environment={})
    assert jobspec.tasks[0]["command"] == ["flux", "broker", "-c{{tmpdir}}/conf.json", "true"]
    assert jobspec.getattr("system.files") == {"conf.json": {"mode": 0o100600, "data": {"a": 1}}}


def test_from_batch_command():
    jobspec = JobspecV1.from_batch_command(
        "#!/bin/sh\nsleep 0", "testjob", args=["a"], environment={}, duration=60.0, queue="q"
    )
    assert jobspec.tasks[0]["command"] == ["flux", "broker", "{{tmpdir}}/script", "a"]
    assert jobspec.getattr("system.job.name") == "testjob"
    assert jobspec.getattr("system.files.script") == {
        "mode": 0o100700,
        "data": "#!/bin/sh\nsleep 0",
        "encoding": "utf-8",
    }
    assert jobspec.duration == 60
    assert jobspec.queue == "q"


def test_from_batch_command_needs_shebang():
    assert_raises(
        (ValueError, "nested sleep does not appear to start with '#!'"),
        JobspecV1.from_batch_command,
        "sleep 0",
        "nested sleep",
    )


# -- per_resource -----------------------------------------------------------------


def test_per_resource_nodes_and_cores():
    jobspec = JobspecV1.per_resource(
        ["x"], ncores=8, nnodes=2, per_resource_type="core", per_resource_count=1, environment={}
    )
    assert jobspec.resources == [
        {
            "type": "node",
            "count": 2,
            "with": [{"type": "slot", "count": 1, "with": [{"type": "core", "count": 4}], "label": "task"}],
        }
    ]
    assert jobspec.getattr("shell.options.per-resource") == {"type": "core", "count": 1}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "must specify node or core count with per_resource"),
        ({"nnodes": 2}, "Specifying nnodes also requires ncores or exclusive"),
        ({"ncores": 3, "nnodes": 2}, "number of cores must be evenly divisible by node count"),
        ({"ncores": 1, "nnodes": 2}, "number of cores cannot be less than nnodes"),
        ({"per_resource_type": "gpu", "per_resource_count": 1}, "Invalid per_resource_type='gpu' specified"),
        ({"per_resource_type": "node"}, "must specify a per_resource_count with per_resource_type"),
        ({"ncores": 2, "gpus_per_node": 1}, "gpus_per_node must be specified with nnodes"),
    ],
)
def test_per_resource_errors(kwargs, message):
    assert_raises((ValueError, message), lambda: JobspecV1.per_resource(["x"], environment={}, **kwargs))


# -- attributes, properties --------------------------------------------------------


@pytest.fixture
def jobspec():
    return JobspecV1.from_command(["x"], environment={})


@pytest.mark.parametrize(
    "value, seconds",
    [
        (0, 0.0),
        (60, 60.0),
        (2.5, 2.5),
        ("0", 0.0),
        ("1m", 60.0),
        ("2.5h", 9000.0),
        ("10ms", 0.01),
        (datetime.timedelta(minutes=2), 120.0),
    ],
)
def test_duration(jobspec, value, seconds):
    jobspec.duration = value
    assert jobspec.duration == seconds
    assert isinstance(jobspec.duration, float)


@pytest.mark.parametrize(
    "value, expected",
    [
        (-1, (ValueError, "duration must not be negative")),
        ("-1", (ValueError, "invalid Flux standard duration")),
        ("1x", (ValueError, "invalid Flux standard duration")),
        ("inf", (ValueError, "duration must be a normal, finite value")),
        (float("nan"), (ValueError, "duration must be a normal, finite value")),
        (None, (TypeError, "duration must be an int, float, string, or timedelta")),
        ([1], (TypeError, "duration must be an int, float, string, or timedelta")),
    ],
)
def test_duration_errors(jobspec, value, expected):
    assert_raises(expected, setattr, jobspec, "duration", value)


@pytest.mark.parametrize(
    "attr, option, stream",
    [
        ("stdout", "output", "stdout"),
        ("output", "output", "stdout"),
        ("stderr", "output", "stderr"),
        ("error", "output", "stderr"),
        ("stdin", "input", "stdin"),
        ("input", "input", "stdin"),
    ],
)
def test_stdio_paths_are_shell_options(jobspec, attr, option, stream):
    assert getattr(jobspec, attr) is None
    setattr(jobspec, attr, pathlib.Path("file.txt"))
    assert getattr(jobspec, attr) == "file.txt"
    assert jobspec.getattr(f"shell.options.{option}.{stream}") == {"type": "file", "path": "file.txt"}


def test_stdio_path_type_error(jobspec):
    assert_raises(
        (TypeError, "The path must be a string or pathlib object, got int"),
        setattr,
        jobspec,
        "stdout",
        5,
    )


def test_cwd_environment_queue(jobspec):
    jobspec.cwd = pathlib.Path("/tmp")
    jobspec.environment = {"A": "B"}
    jobspec.queue = "batch"
    assert (jobspec.cwd, jobspec.environment, jobspec.queue) == ("/tmp", {"A": "B"}, "batch")
    assert_raises((TypeError, "queue must be a string"), setattr, jobspec, "queue", 1)


def test_unbuffered_round_trip(jobspec):
    assert jobspec.unbuffered is False
    jobspec.unbuffered = True
    assert jobspec.unbuffered is True
    jobspec.unbuffered = False
    assert jobspec.unbuffered is False
    # the options unbuffered added are gone again, empty levels included
    assert "shell" not in jobspec.attributes["system"]
    assert_raises((TypeError, "unbuffered must be True or False"), setattr, jobspec, "unbuffered", 1)


@pytest.mark.parametrize(
    "key, path",
    [
        ("duration", ["system", "duration"]),
        ("system.duration", ["system", "duration"]),
        ("attributes.system.duration", ["system", "duration"]),
        ("user.note", ["user", "note"]),
        ("a.b", ["system", "a", "b"]),
    ],
)
def test_setattr_getattr_key_prefixes(jobspec, key, path):
    jobspec.setattr(key, 42)
    node = jobspec.attributes
    for part in path:
        node = node[part]
    assert node == 42
    assert jobspec.getattr(key) == 42


def test_getattr_missing_is_keyerror(jobspec):
    with pytest.raises(KeyError):
        jobspec.getattr("system.nonexistent")


def test_setattr_through_a_string_is_typeerror(jobspec):
    jobspec.cwd = "/x"
    with pytest.raises(TypeError, match="^failed to set attributes.system.cwd.y to 1: "):
        jobspec.setattr("cwd.y", 1)


def test_setattr_shell_option(jobspec):
    jobspec.setattr_shell_option("verbose", 2)
    assert jobspec.attributes["system"]["shell"]["options"]["verbose"] == 2


def test_add_file(jobspec, tmp_path):
    local = tmp_path / "local.txt"
    local.write_text("hello")
    jobspec.add_file("inline", "a\nb\n")
    jobspec.add_file("config", {"k": "v"}, perms=0o644)
    jobspec.add_file("copy", str(local))
    files = jobspec.getattr("system.files")
    assert files["inline"] == {"mode": 0o100600, "data": "a\nb\n", "encoding": "utf-8"}
    assert files["config"] == {"mode": 0o100644, "data": {"k": "v"}}
    assert files["copy"]["data"] == "hello" and files["copy"]["size"] == 5
    assert_raises((TypeError, "data must be a Mapping or string"), jobspec.add_file, "bad", 5)


def test_dumps_keeps_non_ascii(jobspec):
    jobspec.setattr("user.name", "ƒoo")
    assert '"ƒoo"' in jobspec.dumps()
    assert json.loads(jobspec.dumps()) == jobspec.jobspec


def test_repr_and_str(jobspec):
    assert repr(jobspec).startswith("JobspecV1([{'type': 'slot'")
    assert repr(jobspec).endswith("version=1)")
    assert str(jobspec) == str(jobspec.jobspec)


# -- validate_jobspec arguments ----------------------------------------------------


def test_validate_jobspec_accepts_objects_str_and_bytes(jobspec):
    for arg in (jobspec, jobspec.dumps(), jobspec.dumps().encode()):
        ok, result = validate_jobspec(arg)
        assert ok is True and isinstance(result, JobspecV1)


def test_validate_jobspec_json_null():
    assert validate_jobspec("null") == (1, "Unable to parse JSON")


def test_validate_jobspec_bad_arguments():
    with pytest.raises(OSError, match="jobspec must not be None/NULL"):
        validate_jobspec(None)
    with pytest.raises(TypeError, match="jobspec must be a Jobspec or string"):
        validate_jobspec(5)


def test_validate_jobspec_require_version_1_forces_v1_rules():
    jobspec = {
        "version": 2,
        "resources": [{"type": "slot", "count": 1, "label": "t", "with": [{"type": "core", "count": 1}]}],
        "tasks": [{"command": ["x"], "slot": "t", "count": {"per_slot": 1}}],
        "attributes": {},
    }
    assert validate_jobspec(json.dumps(jobspec))[0] is True
    assert_raises((ValueError, "version must be 1"), validate_jobspec, json.dumps(jobspec), 1)


# -- Flux Standard Duration (RFC 23) -------------------------------------------------


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("0", 0.0),
        ("30", 30.0),
        ("1.5", 1.5),
        ("10s", 10.0),
        ("10ms", 0.01),
        ("1m", 60.0),
        ("2.5h", 9000.0),
        ("1d", 86400.0),
        ("1e3", 1000.0),
        # float() parsing, as in flux: surrounding spaces are fine
        (" 1 m", 60.0),
        ("inf", math.inf),
        ("INFINITY", math.inf),
    ],
)
def test_parse_fsd(text, seconds):
    assert parse_fsd(text) == seconds


@pytest.mark.parametrize("text", ["", "-1", "-1m", "1x", "m", "1.5.5s", "nan", "infs", "1mm"])
def test_parse_fsd_invalid(text):
    assert_raises((ValueError, "invalid Flux standard duration"), parse_fsd, text)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0s"),
        (0.0005, "0s"),
        (1.5, "1.500s"),
        (12.5, "12.5s"),
        (90, "1.5m"),
        (3600, "1h"),
        (5400, "1.5h"),
        (2 * 86400, "2d"),
        (math.inf, "inf"),
    ],
)
def test_fsd(seconds, text):
    assert fsd(seconds) == text
