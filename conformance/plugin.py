"""pytest plugin (entry point ``pytest11``): lane and scheduler options, instance fixtures, summary.

``--flux-backend=sim`` (default) runs cases on fluxsim in this process;
``--flux-backend=real`` on real Flux: the instance in FLUX_URI when its
resources are exactly the shape a case needs (e.g. one started with
``flux start -c DIR`` on the suite's ``resource_toml``), its scheduler and
scheduler configuration are the case's and no other xdist worker shares it,
otherwise one ``flux start --test-size=N`` per resource shape, scheduler and
configuration per xdist worker, torn down when the worker ends.  Without a
``flux`` command (and no FLUX_URI) the real lane skips, saying so once; with
one whose Python bindings do not import here, it stops with a usage error.

``--flux-scheduler=fluxion|sched-simple`` picks the scheduler: the real
lane starts its instances with it (and fails if one loads another); without
it, each case runs on whatever scheduler its instance loaded and is
compared with that scheduler's golden outcomes.  The sim lane runs every
test on each scheduler (Fluxion and sched-simple) unless told one.
"""

import os

import pytest

from conformance.backends import Pool, RealInstance, SimInstance, find_flux
from conformance.model import SCHEDULERS
from fluxexec.backends import load

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
    group.addoption(
        "--flux-scheduler",
        choices=SCHEDULERS,
        default=None,
        help="scheduler to run the cases on (default: sim lane both; "
        "real lane whatever each instance loads, compared with that scheduler's goldens)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "conformance_case: one conformance case")
    config._conformance = {}
    config._conformance_policies = {}
    if config.getoption("--flux-backend", "sim") == "real" and find_flux() is not None:
        # a flux whose bindings do not import here would fail every case alike
        try:
            load("flux")
        except ImportError as exc:
            raise pytest.UsageError(f"--flux-backend=real: {exc}") from None


@pytest.fixture(scope="session")
def flux_lane(request):
    """``"sim"`` or ``"real"``; the real lane skips when no flux is found."""
    lane = request.config.getoption("--flux-backend")
    if lane == "real" and find_flux() is None and not os.environ.get("FLUX_URI"):
        pytest.skip(NO_FLUX)
    return lane


def pytest_generate_tests(metafunc):
    """On the sim lane, without ``--flux-scheduler``, every test runs on each scheduler."""
    if "flux_scheduler" not in metafunc.fixturenames:
        return
    config = metafunc.config
    if config.getoption("--flux-backend") != "sim" or config.getoption("--flux-scheduler"):
        return
    metafunc.parametrize("flux_scheduler", SCHEDULERS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def flux_scheduler(request, flux_lane):
    """The scheduler a test runs on; None on the real lane means each instance's own."""
    scheduler = request.config.getoption("--flux-scheduler")
    if flux_lane == "real":
        return scheduler
    return getattr(request, "param", None) or scheduler


@pytest.fixture(scope="session")
def _real_pool(flux_lane):
    """This worker's real instances (:class:`conformance.backends.Pool`), closed at the end."""
    pool = Pool(connect=True)
    yield pool
    pool.close()


@pytest.fixture
def case_instance(flux_lane, flux_scheduler, _real_pool):
    """Factory: an instance for a case (its shape, clock, scheduler and config), closed afterwards.

    Skips a case that does not apply to the scheduler.
    """
    made = []

    def make(case):
        if flux_scheduler is not None and flux_scheduler not in case.schedulers:
            pytest.skip(f"{case.id}: only for {', '.join(case.schedulers)}")
        if flux_lane == "sim":
            inst = SimInstance(
                case.shape, clock=case.clock, scheduler=flux_scheduler, config=case.config
            )
        else:
            flux = _real_pool.get(case.shape, flux_scheduler, case.config)
            if flux.scheduler not in case.schedulers:
                only = ", ".join(case.schedulers)
                pytest.skip(f"{case.id}: only for {only}, the instance runs {flux.scheduler}")
            inst = RealInstance(flux)
        made.append(inst)
        return inst

    yield make
    for inst in made:
        inst.close()


#: The resource shape of :func:`flux_api`'s instance.
API_SHAPE = {"nnodes": 4, "cores_per_node": 4, "gpus_per_node": 2}


@pytest.fixture
def flux_api(flux_lane, flux_scheduler, _real_pool, tmp_path):
    """(job module, handle) on a 4-node, 4-core, 2-GPU instance of the lane."""
    if flux_lane == "sim":
        inst = SimInstance(API_SHAPE, clock="real", scheduler=flux_scheduler)
        yield inst.job, inst.handle
        inst.close()
        return
    flux = _real_pool.get(API_SHAPE, flux_scheduler)
    flux.clean = False
    yield flux.job, flux.handle


@pytest.fixture
def flux_api_scheduler(flux_lane, flux_scheduler, _real_pool):
    """The scheduler :func:`flux_api`'s instance runs."""
    if flux_lane == "sim":
        return flux_scheduler
    return _real_pool.get(API_SHAPE, flux_scheduler).scheduler


def pytest_runtest_logreport(report):
    """Count each case's verdict under the scheduler and the policy it ran on (xdist
    carries user properties)."""
    if report.when != "call" or report.skipped or "test_cases.py::test_case[" not in report.nodeid:
        return
    config = getattr(pytest_runtest_logreport, "config", None)
    if config is None:
        return
    properties = dict(report.user_properties)
    scheduler = properties.get("flux_scheduler", "unknown")
    policy = properties.get("flux_policy", str(scheduler))
    for table, key in ((config._conformance, scheduler), (config._conformance_policies, policy)):
        counts = table.setdefault(key, [0, 0])
        counts[1] += 1
        counts[0] += report.passed


def pytest_sessionstart(session):
    pytest_runtest_logreport.config = session.config


def pytest_terminal_summary(terminalreporter, config):
    stats = getattr(config, "_conformance", None)
    if not stats:
        return
    agreed = sum(a for a, _ in stats.values())
    total = sum(t for _, t in stats.values())
    lane = config.getoption("--flux-backend")
    terminalreporter.write_line(
        f"conformance: {agreed}/{total} cases agreed (backend={lane}; {_per(stats)})"
    )
    terminalreporter.write_line(f"conformance by policy: {_per(config._conformance_policies)}")


def _per(counts):
    return ", ".join(f"{key} {a}/{t}" for key, (a, t) in sorted(counts.items()))
