"""Parsl resource specifications end to end: app -> fluxexec -> Flux job -> tasks.

Each environment case of ``cases/environment.yaml`` whose request is a Parsl
resource specification is run again as a Parsl app through fluxexec on the
lane's instance; every task of the app's job reports its layout, which must
equal the layout real Flux, with the same scheduler, gave the same request
when it was recorded.
"""

import os

import pytest

from conformance.backends import SimInstance, restore
from conformance.model import load_cases, load_golden
from conformance.session import parse_task_lines

SPEC_KEYS = ("num_tasks", "cores_per_task", "gpus_per_task", "num_nodes", "exclusive")
CASES = [
    c
    for c in load_cases()
    if c.file == "environment" and set(c.steps[0]["submit"]) - {"job", "env"} <= set(SPEC_KEYS)
]


def report(outdir, parsl_resource_specification=None):
    """Runs on every task: write this task's layout where the test reads it."""
    import os

    env = os.environ
    line = " ".join(
        [
            env["FLUX_TASK_RANK"],
            env["FLUX_TASK_LOCAL_ID"],
            env["FLUX_JOB_SIZE"],
            env["FLUX_JOB_NNODES"],
            env.get("CUDA_VISIBLE_DEVICES", "unset"),
            env["FLUX_URI"].rsplit("/", 1)[-1],
        ]
    )
    with open(os.path.join(outdir, env["FLUX_TASK_RANK"]), "w") as f:
        f.write(line + "\n")
    return True


@pytest.fixture
def parsl_app(flux_lane, flux_scheduler, _real_pool, tmp_path_factory):
    """(a Parsl python app on fluxexec connected to a fresh instance of the lane, its scheduler).

    Fresh for every app: the golden layouts are a fresh scheduler's, and
    Fluxion's choices depend on the jobs it matched before.
    """
    parsl = pytest.importorskip("parsl")
    from fluxexec import FluxExecutor

    shape = CASES[0].shape
    if flux_lane == "sim":
        inst = SimInstance(shape, clock="real", scheduler=flux_scheduler)
        uri, scheduler = inst.instance.uri, inst.scheduler
    else:
        flux = _real_pool.get(shape, flux_scheduler)
        restore(flux)
        flux.clean = False
        inst, uri, scheduler = None, flux.uri, flux.scheduler
    saved = os.environ.get("FLUX_URI")
    os.environ["FLUX_URI"] = uri
    executor = FluxExecutor(backend="auto")
    config = parsl.Config(
        executors=[executor],
        run_dir=str(tmp_path_factory.mktemp("runinfo")),
        initialize_logging=False,
    )
    dfk = parsl.load(config)
    try:
        yield parsl.python_app(report, executors=[executor.label]), scheduler
    finally:
        dfk.cleanup()
        parsl.clear()
        if saved is None:
            os.environ.pop("FLUX_URI", None)
        else:
            os.environ["FLUX_URI"] = saved
        if inst is not None:
            inst.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_resource_specification_layout(case, parsl_app, tmp_path):
    app, scheduler = parsl_app
    golden = load_golden(case.file, scheduler)
    if not golden or case.name not in golden["cases"]:
        pytest.skip(f"{case.id}: no {scheduler} golden outcome")
    expected = golden["cases"][case.name][-1]["a"]["tasks"]
    args = case.steps[0]["submit"]
    spec = {k: args[k] for k in SPEC_KEYS if k in args}
    assert app(str(tmp_path), parsl_resource_specification=spec).result(timeout=120)
    text = "".join(p.read_text() for p in sorted(tmp_path.iterdir()))
    assert parse_task_lines(text) == expected
