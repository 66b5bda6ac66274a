"""Resource specifications: every bad one named by its key, every good one a faithful jobspec."""

import subprocess
import sys

import pytest
from parsl.executors.errors import InvalidResourceSpecification

from fluxexec import resources

BAD = [
    ({"num_tasks": 0}, "num_tasks", "an int >= 1"),
    ({"num_tasks": 2.0}, "num_tasks", "an int >= 1"),
    ({"num_tasks": True}, "num_tasks", "an int >= 1"),
    ({"cores_per_task": "2"}, "cores_per_task", "an int >= 1"),
    ({"cores_per_task": 0}, "cores_per_task", "an int >= 1"),
    ({"gpus_per_task": -1}, "gpus_per_task", "an int >= 0"),
    ({"num_nodes": 0}, "num_nodes", "an int >= 1"),
    ({"num_nodes": 3, "num_tasks": 2}, "num_nodes", "must not be greater than num_tasks"),
    ({"num_nodes": 2}, "num_nodes", "must not be greater than num_tasks"),
    ({"exclusive": "yes"}, "exclusive", "a bool"),
    ({"exclusive": True}, "exclusive", "needs num_nodes"),
    ({"duration": 0}, "duration", "seconds > 0"),
    ({"duration": -5}, "duration", "seconds > 0"),
    ({"duration": "10x"}, "duration", "Flux Standard Duration"),
    ({"duration": float("inf")}, "duration", "seconds > 0"),
    # RFC 23 / flux.util.parse_fsd: the suffix must end the string.
    ({"duration": "2h "}, "duration", "Flux Standard Duration"),
    ({"duration": "1ns"}, "duration", "ms, s, m, h or d"),
    ({"duration": "-1m"}, "duration", "seconds > 0"),
    ({"duration": "0s"}, "duration", "seconds > 0"),
    # parse_fsd reads "inf" as forever, but Flux's jobspec refuses a
    # duration that is not finite ("duration must be a normal, finite value").
    ({"duration": "inf"}, "duration", "finite"),
    # flux's parse_fsd scales units through timedelta: OverflowError here.
    ({"duration": "1e10d"}, "duration", "Flux Standard Duration"),
    ({"queue": ""}, "queue", "a non-empty str"),
    ({"queue": 3}, "queue", "a non-empty str"),
    ({"urgency": 32}, "urgency", "an int from 0 to 31"),
    ({"urgency": -1}, "urgency", "an int from 0 to 31"),
    ({"cpu_affinity": "socket"}, "cpu_affinity", "'on', 'off', 'per-task'"),
    ({"gpu_affinity": 1}, "gpu_affinity", "'on', 'off', 'per-task'"),
    ({"environment": {"A": 1}}, "environment", "mapping of variable names to str values"),
    ({"environment": ["A=1"]}, "environment", "mapping of variable names to str values"),
    ({"environment_policy": "none"}, "environment_policy", "'inherit', 'clean'"),
    ({"name": ""}, "name", "a non-empty str"),
    ({"cwd": 3}, "cwd", "a path"),
    ({"tasks": 2}, "tasks", "valid keys: " + ", ".join(sorted(resources.KEYS))),
    ({"cores": 1, "memory": 1}, "cores", "valid keys: "),
]


@pytest.mark.parametrize("spec, key, valid", BAD, ids=[f"{k}-{i}" for i, (_, k, _) in enumerate(BAD)])
def test_bad_specification_names_key_and_valid_set(spec, key, valid):
    with pytest.raises(InvalidResourceSpecification) as info:
        resources.validate(spec)
    assert info.value.invalid_keys == {key}
    assert key in str(info.value)
    assert valid in str(info.value)


@pytest.mark.parametrize("spec", [[("num_tasks", 1)], "num_tasks=1", 3])
def test_specification_must_be_a_dict(spec):
    with pytest.raises(InvalidResourceSpecification, match="must be a dict"):
        resources.validate(spec)


@pytest.mark.parametrize("spec", [None, {}])
def test_empty_specification_is_one_task_one_core(spec):
    request = resources.validate(spec)
    assert (request.num_tasks, request.cores_per_task, request.gpus_per_task, request.num_nodes) == (1, 1, 0, None)


def test_none_means_unset_for_keys_without_default():
    request = resources.validate({"num_nodes": None, "duration": None, "queue": None})
    assert (request.num_nodes, request.duration, request.queue) == (None, None, None)


# Expected values from RFC 23 as flux.util.parse_fsd reads it: the number is
# Python's float() (underscores and leading blanks allowed), then a unit.
@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("10ms", 0.01),
        ("1.5m", 90.0),
        ("2h", 7200.0),
        ("1d", 86400.0),
        ("1_000", 1000.0),
        (" 5", 5.0),
        ("1e2s", 100.0),
        (30, 30.0),
        (0.5, 0.5),
    ],
)
def test_duration_accepts_flux_standard_duration(text, seconds):
    assert resources.parse_duration(text) == pytest.approx(seconds)
    assert resources.validate({"duration": text}).duration == text


def test_checking_a_specification_does_not_import_the_simulator():
    code = ("import sys, fluxexec.resources; "
            "print('fluxsim.instance' in sys.modules, 'simpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def job_modules():
    import fluxsim.job

    modules = [pytest.param(fluxsim.job, id="fluxsim")]
    try:
        import flux.job
    except ImportError:
        pass
    else:
        modules.append(pytest.param(flux.job, id="flux", marks=pytest.mark.real))
    return modules


FULL = {
    "num_tasks": 4,
    "cores_per_task": 2,
    "gpus_per_task": 1,
    "num_nodes": 2,
    "exclusive": True,
    "duration": "10m",
    "queue": "batch",
    "urgency": 20,
    "cpu_affinity": "per-task",
    "gpu_affinity": "off",
    "environment": {"OMP_NUM_THREADS": "2"},
    "environment_policy": "clean",
    "name": "solver",
    "cwd": "/",
}


@pytest.mark.parametrize("job", job_modules())
def test_jobspec_matches_flux_from_command(job):
    request = resources.validate(FULL)
    env = resources.environment(request, base={"PATH": "/bin", "SECRET": "x"})
    spec = resources.jobspec(job, ["true"], request, env=env, stdout="o", stderr="e")
    expected = job.JobspecV1.from_command(
        ["true"],
        num_tasks=4,
        cores_per_task=2,
        gpus_per_task=1,
        num_nodes=2,
        exclusive=True,
        duration=600.0,
        environment={"PATH": "/bin", "OMP_NUM_THREADS": "2"},
        cwd="/",
        name="solver",
        output="o",
        error="e",
        queue="batch",
    )
    expected.setattr_shell_option("cpu-affinity", "per-task")
    expected.setattr_shell_option("gpu-affinity", "off")
    assert spec.jobspec == expected.jobspec


@pytest.mark.parametrize("job", job_modules())
def test_walltime_caps_duration(job):
    request = resources.validate({"duration": 60})
    spec = resources.jobspec(job, ["true"], request, duration=5.0)
    assert spec.duration == 5.0


def test_inherit_policy_copies_the_environment():
    request = resources.validate({"environment": {"B": "2"}})
    assert resources.environment(request, base={"A": "1"}) == {"A": "1", "B": "2"}
