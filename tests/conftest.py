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



def pytest_terminal_summary(terminalreporter):
    """The flux-core Python test count, when those tests ran (also under xdist:
    each file's test records its counts as a report property)."""
    counts = [value for reports in terminalreporter.stats.values() for report in reports
              if getattr(report, "when", None) == "call"
              for key, value in getattr(report, "user_properties", ()) if key == "flux_core"]
    if counts:
        passed = sum(c[0] for c in counts)
        total = sum(c[2] for c in counts)
        terminalreporter.write_line(
            f"flux-core t/python under fluxsim start: {passed} of {total} tests pass "
            f"({len(counts)} files)")
