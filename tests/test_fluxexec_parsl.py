"""fluxexec under Parsl's DataFlowKernel: python and bash apps, walltime, monitoring."""


import pytest

import parsl
from parsl import bash_app, python_app
from parsl.app.errors import AppTimeout, BashExitFailure, MissingOutputs
from parsl.data_provider.files import File

from fluxexec import FluxExecutor


pytestmark = pytest.mark.usefixtures("importable_apps")


@pytest.fixture
def dfk(tmp_path, request):
    monitoring = getattr(request, "param", None)
    config = parsl.Config(
        executors=[FluxExecutor(backend="sim", sim_resources={"nnodes": 1, "cores_per_node": 2})],
        run_dir=str(tmp_path / "runinfo"),
        monitoring=monitoring,
        strategy="none",
    )
    dfk = parsl.load(config)
    yield dfk
    dfk.cleanup()
    parsl.clear()


@python_app
def add(a, b, parsl_resource_specification={}):
    return a + b


@python_app
def size(parsl_resource_specification={}):
    import os

    return int(os.environ["FLUX_JOB_SIZE"])


@bash_app
def echo(word, stdout=None, stderr=None):
    return f"echo {word} rank $FLUX_TASK_RANK"


@bash_app
def fail(code):
    return f"exit {code}"


@bash_app
def touch_nothing(outputs=()):
    return "true"


@bash_app
def sleeper(walltime=None):
    return "sleep 30"


def test_python_app(dfk):
    assert add(1, 2).result(timeout=60) == 3


def test_resource_specification_reaches_flux(dfk):
    assert size(parsl_resource_specification={"num_tasks": 2}).result(timeout=60) == 2


def test_invalid_resource_specification_fails_the_app(dfk):
    from parsl.executors.errors import InvalidResourceSpecification

    with pytest.raises(InvalidResourceSpecification):
        add(1, 2, parsl_resource_specification={"tasks": 2}).result(timeout=60)


def test_bash_app_runs_its_command_as_the_job(dfk, tmp_path):
    out = tmp_path / "out.txt"
    assert echo("hello", stdout=str(out)).result(timeout=60) == 0
    assert out.read_text() == "hello rank 0\n"


def test_bash_app_exit_status_is_bash_exit_failure(dfk):
    with pytest.raises(BashExitFailure) as info:
        fail(3).result(timeout=60)
    assert info.value.exitcode == 3


def test_bash_app_missing_outputs(dfk, tmp_path):
    with pytest.raises(MissingOutputs):
        touch_nothing(outputs=[File(str(tmp_path / "never"))]).result(timeout=60)


def test_bash_app_walltime_is_app_timeout(dfk):
    with pytest.raises(AppTimeout):
        sleeper(walltime=1).result(timeout=60)


def _monitoring():
    try:
        from parsl.monitoring import MonitoringHub
        import sqlalchemy  # noqa: F401
    except ImportError:
        return pytest.param(None, marks=pytest.mark.skip(reason="parsl[monitoring] not installed"))
    return MonitoringHub(resource_monitoring_interval=1)


@pytest.mark.parametrize("dfk", [_monitoring()], indirect=True, ids=["monitoring"])
def test_monitoring_hub_works_with_the_default_radio(dfk):
    assert add(2, 3).result(timeout=60) == 5
