"""pytest plugin (entry point ``pytest11``): lane option, instance fixtures, summary.

``--flux-backend=sim`` (default) runs cases on fluxsim in this process;
``--flux-backend=real`` on real Flux: the instance in FLUX_URI when its
resources are exactly the shape a case needs (e.g. one started with
``flux start -c DIR`` on the suite's ``resource_toml``) and no other xdist
worker shares it, otherwise one
``flux start --test-size=N`` per resource shape per xdist worker, torn down
when the worker ends.  Without a ``flux`` command (and no FLUX_URI) the real
lane skips, saying so once.
"""


import pytest

import os

from conformance.backends import (
    ConnectedFlux,
    RealFlux,
    RealInstance,
    SimInstance,
    find_flux,
    shape_key,
)

LANES = ("sim", "real")
NO_FLUX = "real Flux not found: no flux command on PATH"


def pytest_addoption(parser):
    group = parser.getgroup("conformance")
    group.addoption(
        "--flux-backend",
        choices=LANES,
        default="sim",
        help="run the conformance suite on fluxsim (sim, default) or real Flux (real)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "conformance_case: one conformance case")
    config._conformance = {"agreed": 0, "total": 0}


@pytest.fixture(scope="session")
def flux_lane(request):
    """``"sim"`` or ``"real"``; the real lane skips when no flux is found."""
    lane = request.config.getoption("--flux-backend")
    if lane == "real" and find_flux() is None and not os.environ.get("FLUX_URI"):
        pytest.skip(NO_FLUX)
    return lane


@pytest.fixture(scope="session")
def _real_pool(flux_lane):
    pool = {}
    yield pool
    for flux in pool.values():
        flux.close()


@pytest.fixture
def case_instance(flux_lane, _real_pool):
    """Factory: an instance for a case (its shape and clock), closed afterwards."""
    made = []

    def make(case):
        if flux_lane == "sim":
            inst = SimInstance(case.shape, clock=case.clock)
        else:
            inst = RealInstance(real_flux(_real_pool, case.shape))
        made.append(inst)
        return inst

    yield make
    for inst in made:
        inst.close()


@pytest.fixture
def flux_api(flux_lane, _real_pool, tmp_path):
    """(job module, handle) on a 4-node, 4-core, 2-GPU instance of the lane."""
    shape = {"nnodes": 4, "cores_per_node": 4, "gpus_per_node": 2}
    if flux_lane == "sim":
        inst = SimInstance(shape, clock="real")
        yield inst.job, inst.handle
        inst.close()
        return
    flux = real_flux(_real_pool, shape)
    yield flux.job, flux.handle


def real_flux(pool, shape):
    """This worker's real instance for ``shape``: FLUX_URI's if it fits, else started."""
    key = shape_key(shape)
    if key not in pool:
        pool[key] = ConnectedFlux.for_shape(shape) or RealFlux(shape)
    return pool[key]


def pytest_runtest_logreport(report):
    if report.when != "call" or "test_cases.py::test_case[" not in report.nodeid:
        return
    stats = getattr(pytest_runtest_logreport, "config", None)
    if stats is None:
        return
    stats._conformance["total"] += 1
    if report.passed:
        stats._conformance["agreed"] += 1


def pytest_sessionstart(session):
    pytest_runtest_logreport.config = session.config


def pytest_terminal_summary(terminalreporter, config):
    stats = getattr(config, "_conformance", None)
    if not stats or not stats["total"]:
        return
    lane = config.getoption("--flux-backend")
    terminalreporter.write_line(
        f"conformance: {stats['agreed']}/{stats['total']} cases agreed (backend={lane})"
    )
