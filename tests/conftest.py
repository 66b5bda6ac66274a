"""Fixtures shared by the fluxexec tests (apps live in ``fluxexec_support``)."""

import pytest


@pytest.fixture
def importable_apps(monkeypatch):
    """Let tasks import the test apps: PYTHONPATH as ``fluxexec_support`` needs it."""
    from fluxexec_support import task_environment

    monkeypatch.setenv("PYTHONPATH", task_environment()["PYTHONPATH"])


@pytest.fixture(scope="module")
def executor(request, tmp_path_factory):
    """A started fluxexec executor per backend (modules parametrize ``backend``)."""
    from fluxexec_support import make_executor

    backend = request.param
    ex = make_executor(backend, tmp_path_factory.mktemp(backend))
    yield ex
    ex.shutdown()


def pytest_generate_tests(metafunc):
    """Run every ``executor`` test on each backend, unless it picks its own."""
    if "executor" not in metafunc.fixturenames:
        return
    if any("executor" in m.args[0] for m in metafunc.definition.iter_markers("parametrize")):
        return
    from fluxexec_support import BACKENDS

    metafunc.parametrize("executor", BACKENDS, indirect=True, scope="module")
