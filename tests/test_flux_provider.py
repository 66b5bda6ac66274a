"""FluxProvider and FluxLauncher: Parsl blocks as Flux jobs (issue #11).

Every Flux outcome asserted here (states, exception notes, exit codes,
refusals) is what real Flux 0.88 with Fluxion gives for the same blocks in
a ``flux start --test-size=2``: the ``real`` tests check the tables there,
and run the end-to-end programs (``tests/programs/flux_provider_*.py``: the
two-model workflow, nested block outcomes, Parsl's own launcher and provider
tests) in a real ``flux start`` as in ``fluxsim start``
(``pytest -m real`` with real Flux's ``flux`` on PATH).
"""

import json
import os
import re
import shlex
import subprocess
import sys

import pytest
from parsl.jobs.states import JobState
from parsl.launchers import SingleNodeLauncher
from parsl.providers.errors import SubmitException

import fluxsim
import fluxsim.job
from dropin_support import broker_uri  # noqa: F401 (fixture)
from fluxexec_support import NO_REAL_FLUX, real_flux_command
from fluxexec import FluxLauncher, FluxProvider
from fluxexec.provider import walltime_seconds

HERE = os.path.dirname(os.path.abspath(__file__))
WORKFLOW = os.path.join(HERE, "programs", "flux_provider_workflow.py")
OUTCOMES_PROGRAM = os.path.join(HERE, "programs", "flux_provider_outcomes.py")
PARSL_TESTS = os.path.join(HERE, "programs", "flux_provider_parsl_tests.py")
BIN = os.path.dirname(sys.executable)


def real_flux():
    """Real Flux's ``flux`` command (``real_flux_command``) and its Python
    bindings' directory, or None."""
    flux = real_flux_command()
    if flux is None:
        return None
    out = subprocess.run(
        [flux, "python", "-c", "import flux,os;print(os.path.dirname(os.path.dirname(flux.__file__)))"],
        capture_output=True, text=True,
    )
    return (flux, out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else None


@pytest.fixture(scope="module")
def inst():
    """A 2-node, 2-core instance in this process (Fluxion, as flux start loads it)."""
    with fluxsim.start(nnodes=2, cores_per_node=2) as instance:
        yield instance


@pytest.fixture
def provider(inst, tmp_path):
    """Make a FluxProvider on ``inst`` whose block output goes to tmp_path."""

    def make(**options):
        p = FluxProvider(uri=inst.uri, **options)
        p.script_dir = str(tmp_path)
        return p

    return make


def watch_until(inst, jobid, names):
    """Wait for the first of the job's events ``names``; its name."""
    h = fluxsim.Flux(inst.uri)
    for event in fluxsim.job.event_watch(h, fluxsim.job.JobID(jobid)):
        if event.name in names:
            return event.name


# name, provider options, command, (Parsl state, message, exit code) on real Flux
OUTCOMES = [
    ("completed", {"cores_per_node": 1}, "true", ("COMPLETED", None, 0)),
    ("exit code", {"cores_per_node": 1}, "exit 3", ("FAILED", None, 3)),
    ("walltime", {"cores_per_node": 1, "walltime": "00:00:01"}, "sleep 60", ("TIMEOUT", "resource allocation expired", 142)),
    ("too many nodes", {"nodes_per_block": 3}, "true", ("FAILED", 'alloc denied due to type="unsatisfiable"', 1)),
    ("too many cores", {"cores_per_node": 99}, "true", ("FAILED", 'alloc denied due to type="unsatisfiable"', 1)),
    ("unknown property", {"cores_per_node": 1, "constraint": "nosuchprop"}, "true",
     ("FAILED", 'alloc denied due to type="unsatisfiable"', 1)),
]


@pytest.mark.parametrize("options, command, expected", [o[1:] for o in OUTCOMES], ids=[o[0] for o in OUTCOMES])
def test_block_outcome(inst, provider, options, command, expected):
    p = provider(**options)
    jobid = p.submit(command, 1, "parsl.test.block-0")
    watch_until(inst, jobid, {"clean"})
    status = p.status([jobid])[0]
    assert (status.state.name, status.message, status.exit_code) == expected
    assert status.terminal


# provider options Flux refuses at submission, and Flux's message
REFUSED = [
    ({"queue": "nope"}, "[Errno 22] 'nope' is not a valid queue"),
    ({"constraint": "foo:bar"}, "[Errno 1] unknown constraint operator 'foo'"),
]


# blocks that are nested instances (two nodes), cancelled once their program runs or reaching their
# time limit -> Parsl's (state, message, exit code), as flux-core 0.88.0 + flux-sched 0.54.0 give them
# in a flux start --test-size=2: the nested broker passes SIGTERM (cancel) or SIGALRM (time limit) on
# to its initial program and exits with the program's status, 128 + the signal.  (Within the nested
# broker's own start-up, its first 1-2 s here, real Flux gives 1 or 129 instead: fluxsim's broker
# has no start-up to hit.)  Before fluxsim forwarded SIGALRM, a timed-out nested block lived
# on until its program ended by itself (exit code 0): the programs sleep a minute, so that
# such a regression fails on the exit code, not on the instance's 600 s timeout.
NESTED = [
    ("nested cancelled", {"nodes_per_block": 2, "cores_per_node": 1}, "echo started; sleep 60", True,
     ("CANCELLED", "cancel", 143)),
    ("nested walltime", {"nodes_per_block": 2, "cores_per_node": 1, "walltime": "00:00:05"}, "echo started; sleep 60",
     False, ("TIMEOUT", "resource allocation expired", 142)),
]


@pytest.mark.parametrize("options, message", REFUSED, ids=["queue", "constraint"])
def test_refused_block_raises_submit_exception_with_fluxs_message(provider, options, message):
    with pytest.raises(SubmitException) as info:
        provider(**options).submit("true", 1, "parsl.test.block-0")
    assert str(info.value.__cause__) == message


def test_submit_returns_f58_of_a_job_named_after_the_block(inst, provider):
    p = provider(cores_per_node=1)
    jobid = p.submit("true", 1, "parsl.htex.block-7")
    assert jobid.startswith("f") and fluxsim.job.JobID(jobid).f58plain == jobid
    info = fluxsim.job.job_list_id(fluxsim.Flux(inst.uri), fluxsim.job.JobID(jobid)).get_jobinfo()
    assert info.name == "parsl.htex.block-7"
    watch_until(inst, jobid, {"clean"})


def test_cancel_running_block(inst, provider):
    p = provider(cores_per_node=1)
    jobid = p.submit("sleep 60", 1, "parsl.test.block-0")
    assert watch_until(inst, jobid, {"start", "clean"}) == "start"
    assert p.status([jobid])[0].state == JobState.RUNNING
    assert p.cancel([jobid]) == [True]
    watch_until(inst, jobid, {"clean"})
    status = p.status([jobid])[0]
    assert (status.state, status.message) == (JobState.CANCELLED, "cancel")
    # Flux: "job is inactive"; nothing is left to cancel
    assert p.cancel([jobid]) == [True]


def test_cancel_unknown_job_fails(provider):
    assert provider().cancel(["f1"]) == [False]


def test_urgency_zero_is_held_until_cancelled(inst, provider):
    p = provider(cores_per_node=1, urgency=0)
    jobid = p.submit("true", 1, "parsl.test.block-0")
    assert p.status([jobid])[0].state == JobState.HELD
    assert p.cancel([jobid]) == [True]
    watch_until(inst, jobid, {"clean"})
    status = p.status([jobid])[0]
    assert (status.state, status.message, status.exit_code) == (JobState.CANCELLED, "cancel", -128)


def test_status_keeps_block_output_paths(inst, provider, tmp_path):
    p = provider(cores_per_node=1, launcher=SingleNodeLauncher(debug=False))
    jobid = p.submit("echo out; echo err >&2", 1, "parsl.test.block-3")
    watch_until(inst, jobid, {"clean"})
    status = p.status([jobid])[0]
    assert status.stdout_path == str(tmp_path / "parsl.test.block-3.stdout")
    assert (status.stdout, status.stderr) == ("out\n", "err\n")


@pytest.mark.parametrize(
    "walltime, seconds",
    [("00:10:00", 600), ("01:30:00", 5400), ("00:00:01", 1), ("90m", 5400), ("2h", 7200), (30, 30)],
)
def test_walltime_seconds(walltime, seconds):
    assert walltime_seconds(walltime) == seconds


@pytest.mark.parametrize("walltime", ["1:2", "01:xx:00", "00:10:00:00", "10 minutes"])
def test_bad_walltime_fails_the_config(walltime):
    with pytest.raises(ValueError):
        FluxProvider(walltime=walltime)


def job_modules():
    """fluxsim.job, and flux.job where the real bindings import."""
    modules = [pytest.param(fluxsim.job, id="fluxsim")]
    try:
        import flux.job
    except ImportError:
        pass
    else:
        if "fluxsim" not in getattr(flux, "__file__", ""):
            modules.append(pytest.param(flux.job, id="flux", marks=pytest.mark.real))
    return modules


# provider options -> (attribute path, value) of the block's jobspec, as real Flux builds it
JOBSPEC = [
    ({"walltime": "01:30:00"}, "system.duration", 5400.0),
    ({"walltime": "90m"}, "system.duration", 5400.0),
    ({"queue": "batch"}, "system.queue", "batch"),
    ({"bank": "chemistry"}, "system.bank", "chemistry"),
    ({"constraint": "gpu and host:node1"}, "system.constraints",
     {"and": [{"properties": ["gpu"]}, {"hostlist": ["node1"]}]}),
    ({"constraint": "big or -small"}, "system.constraints",
     {"or": [{"properties": ["big"]}, {"not": [{"properties": ["small"]}]}]}),
    ({"constraint": {"properties": ["big"]}}, "system.constraints", {"properties": ["big"]}),
    ({"environment": {"PARSL_TEST": "1"}}, "system.environment.PARSL_TEST", "1"),
    ({"nodes_per_block": 2}, "system.shell.options.per-resource", {"type": "node"}),
]


@pytest.mark.parametrize("job", job_modules())
@pytest.mark.parametrize("options, path, value", JOBSPEC, ids=[p for _, p, _ in JOBSPEC])
def test_jobspec_attribute(job, options, path, value):
    spec = FluxProvider(**options).jobspec(job, "true", 1, "parsl.test.block-0")
    assert spec.getattr(path) == value


# provider options -> resources of the block's jobspec (whole nodes unless cores_per_node is given)
RESOURCES = [
    ({}, [{"type": "node", "count": 1, "exclusive": True,
           "with": [{"type": "slot", "count": 1, "label": "task", "with": [{"type": "core", "count": 1}]}]}]),
    ({"cores_per_node": 2}, [{"type": "node", "count": 1,
                              "with": [{"type": "slot", "count": 1, "label": "task", "with": [{"type": "core", "count": 2}]}]}]),
    ({"nodes_per_block": 2, "cores_per_node": 2, "gpus_per_node": 1},
     [{"type": "node", "count": 2, "with": [{"type": "slot", "count": 1, "label": "task",
                                             "with": [{"type": "core", "count": 2}, {"type": "gpu", "count": 1}]}]}]),
    ({"nodes_per_block": 2, "cores_per_node": 2, "exclusive": True},
     [{"type": "node", "count": 2, "exclusive": True,
       "with": [{"type": "slot", "count": 1, "label": "task", "with": [{"type": "core", "count": 2}]}]}]),
]


def _sorted(resources):
    return json.loads(json.dumps(resources, sort_keys=True))


@pytest.mark.parametrize("job", job_modules())
@pytest.mark.parametrize("options, resources", RESOURCES, ids=["whole node", "cores", "2 nodes gpus", "2 nodes exclusive"])
def test_jobspec_resources(job, options, resources):
    spec = FluxProvider(**options).jobspec(job, "true", 1, "parsl.test.block-0")
    assert _sorted(spec.jobspec["resources"]) == _sorted(resources)


@pytest.mark.parametrize(
    "options, nested",
    [({}, False), ({"nodes_per_block": 2}, True), ({"launcher": FluxLauncher()}, True)],
    ids=["one node", "two nodes", "flux launcher"],
)
def test_block_is_a_nested_instance_where_a_launcher_needs_one(options, nested):
    spec = FluxProvider(**options).jobspec(fluxsim.job, "true", 1, "parsl.test.block-0")
    command = spec.jobspec["tasks"][0]["command"]
    assert (command[:2] == ["flux", "broker"]) is nested
    script = spec.getattr("system.files.script.data") if nested else command[2]
    assert script.startswith("#!/bin/bash\n")


def test_script_runs_worker_init_and_exports_parsl_cores_before_the_launcher():
    p = FluxProvider(cores_per_node=4, worker_init="module load python", launcher=SingleNodeLauncher())
    script = p.script("process_worker_pool.py", 2)
    assert script.index("module load python") < script.index("export PARSL_CORES=2") < script.index("process_worker_pool.py")


LAUNCHES = [
    ({}, 1, 2, "flux run -N2 --tasks-per-node=1 bash -c 'pool --x 1'"),
    ({"cores_per_node": 4, "gpus_per_node": 1}, 1, 2,
     "flux run -N2 --tasks-per-node=1 --cores=8 --gpus-per-node=1 bash -c 'pool --x 1'"),
    ({"overrides": "--label-io"}, 2, 1, "flux run -N1 --tasks-per-node=2 --label-io bash -c 'pool --x 1'"),
]


@pytest.mark.parametrize("options, tasks_per_node, nodes, line", LAUNCHES, ids=["whole nodes", "cores gpus", "overrides"])
def test_flux_launcher_command(options, tasks_per_node, nodes, line):
    assert FluxLauncher(debug=False, **options)("pool --x 1", tasks_per_node, nodes) == line + "\n"


# FluxLauncher options -> resources and per-resource option of its `flux run`, as real Flux's
# `flux run --dry-run` gives them (for a 2-node block, one task per node)
LAUNCH_JOBSPECS = [
    ({}, [{"type": "node", "count": 2, "exclusive": True,
           "with": [{"type": "slot", "count": 1, "label": "task", "with": [{"type": "core", "count": 1}]}]}]),
    ({"cores_per_node": 4, "gpus_per_node": 1},
     [{"type": "node", "count": 2, "with": [{"type": "slot", "count": 1, "label": "task",
                                             "with": [{"type": "core", "count": 4}, {"type": "gpu", "count": 1}]}]}]),
]


def flux_commands():
    """fluxsim's ``flux`` command, and real Flux's where it is found."""
    commands = [pytest.param("fluxsim", id="fluxsim")]
    if real_flux_command() is not None:
        commands.append(pytest.param(real_flux_command(), id="flux", marks=pytest.mark.real))
    return commands


@pytest.mark.parametrize("flux", flux_commands())
@pytest.mark.parametrize("options, resources", LAUNCH_JOBSPECS, ids=["whole nodes", "cores gpus"])
def test_flux_launcher_run_line_is_a_valid_flux_run(request, flux, options, resources, tmp_path):
    from fluxsim import dropin

    env = dict(os.environ)
    env.pop("FLUX_URI", None)
    if flux == "fluxsim":
        # fluxsim's flux run connects before it looks at --dry-run (Flux's does not)
        env["FLUX_URI"] = request.getfixturevalue("broker_uri")
        flux = os.path.join(dropin.write_command(str(tmp_path / "bin")), "flux")
        env["PYTHONPATH"] = os.pathsep.join([dropin.PYTHONPATH, dropin.PACKAGE_ROOT])
    line = FluxLauncher(debug=False, **options)("pool --x 1", 1, 2)
    _, run, *argv = shlex.split(line)
    out = subprocess.run([flux, run, "--dry-run", *argv], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    spec = json.loads(out.stdout)
    assert _sorted(spec["resources"]) == _sorted(resources)
    assert spec["attributes"]["system"]["shell"]["options"]["per-resource"] == {"type": "node", "count": 1}
    assert spec["tasks"][0]["command"] == ["bash", "-c", "pool --x 1"]


def test_provider_round_trips_its_representation():
    p = FluxProvider(nodes_per_block=2, walltime="00:30:00", queue="batch", launcher=FluxLauncher(cores_per_node=2))
    again = eval(repr(p), {"FluxProvider": FluxProvider, "FluxLauncher": FluxLauncher})
    assert repr(again) == repr(p) and "queue='batch'" in repr(p)


def run_in_instance(start, env, tmp_path, program, *args, tag="RESULT"):
    """Run a program in a 2-node instance; the JSON it printed after ``tag``."""
    out = subprocess.run(
        [*start, "--test-size=2", sys.executable, program, *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith(tag + " ")]
    assert out.returncode == 0 and lines, out.stdout[-2000:] + out.stderr[-4000:]
    return json.loads(lines[-1][len(tag) + 1:])


def run_workflow(start, env, tmp_path):
    """The workflow script's findings (see tests/programs/flux_provider_workflow.py)."""
    return run_in_instance(start, env, tmp_path, WORKFLOW, str(tmp_path / "run"))


# the resource specifications of the workflow's "jobs" apps -> (value, rank 0's FLUX_JOB_SIZE and
# FLUX_JOB_NNODES, the job's nnodes, ntasks and ncores in job-list), by Flux's rules: one core per task
SHAPED = {
    "spread": (4, {"FLUX_JOB_SIZE": "2", "FLUX_JOB_NNODES": "2", "FLUX_TASK_RANK": "0"}, (2, 2, 2)),
    "single": (9, {"FLUX_JOB_SIZE": "1", "FLUX_JOB_NNODES": "1", "FLUX_TASK_RANK": "0"}, (1, 1, 1)),
}


def check_workflow(result):
    assert result["one"] == [0, 1, 4, 9]
    assert result["one_in_block"]  # FLUX_JOB_ID of the workers is the block's job
    assert [value for value, _, _ in result["two"]] == [0, 1, 4, 9]
    assert {cores for _, _, cores in result["two"]} == {"1"}  # PARSL_CORES in the block
    assert result["marker"]  # the provider's environment reached the workers
    assert result["two_managers"] == 2  # FluxLauncher put a worker pool on each node
    one, two = result["blocks"]["one"]["0"], result["blocks"]["two"]["0"]
    assert (one["name"], one["state"], one["nnodes"]) == ("parsl.one.block-0", "RUN", 1)
    assert (two["name"], two["state"], two["nnodes"]) == ("parsl.two.block-0", "RUN", 2)
    assert result["scaled_in"] == ["0"]
    assert result["scaled_in_job"]["result"] == "CANCELED"
    assert result["scaled_in_status"] == "CANCELLED"
    # resource-specification apps: each its own Flux job of its shape, beside the "two" block
    jobs = result["jobs"]
    for name, (value, env, shape) in SHAPED.items():
        job = jobs[name]
        assert job["value"] == value
        assert {k: job["env"][k] for k in env} == env
        assert (job["job"]["name"], job["job"]["nnodes"], job["job"]["ntasks"], job["job"]["ncores"]) == ("shaped", *shape)
    block_ids = {j for blocks in result["block_jobs"].values() for j in blocks.values()}
    assert len({job["jobid"] for job in jobs.values()} | block_ids) == len(jobs) + len(block_ids)
    assert result["two_beside"] == [0, 1, 4, 9]
    assert set(result["after_cleanup"].values()) == {"CANCELED"}
    assert result["active_after_cleanup"] == []
    assert result["workers_running"] >= 3  # a worker pool per node of each block, and their children
    assert result["workers_left"] == []


@pytest.fixture(params=["fluxsim", pytest.param("flux", marks=pytest.mark.real)])
def start(request):
    """``fluxsim start``, or real Flux's ``flux start``, and the environment to run Parsl in it."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    env.pop("FLUX_URI", None)
    if request.param == "fluxsim":
        return [os.path.join(BIN, "fluxsim"), "start"], env
    found = real_flux()
    if found is None:
        pytest.skip(NO_REAL_FLUX)
    flux, bindings = found
    env["PATH"] = os.pathsep.join([BIN, os.path.dirname(flux), os.environ.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [bindings, os.environ.get("PYTHONPATH")]))
    return [flux, "start"], env


def test_workflow(start, tmp_path):
    check_workflow(run_workflow(*start, tmp_path))


def run_outcomes(start, env, tmp_path, cases):
    """The outcomes program's ``[state, message, exit code]`` for ``[options, command, cancel]`` cases."""
    return run_in_instance(start, env, tmp_path, OUTCOMES_PROGRAM, json.dumps(cases), tag="OUTCOMES")


def test_nested_block_outcomes(start, tmp_path):
    cases = [[options, command, cancel] for _, options, command, cancel, _ in NESTED]
    assert run_outcomes(*start, tmp_path, cases) == [list(outcome) for *_, outcome in NESTED]


@pytest.mark.parametrize("start", [pytest.param("flux", marks=pytest.mark.real)], indirect=True)
def test_outcome_tables_are_real_fluxs(start, tmp_path):
    cases = [[options, command, False] for _, options, command, _ in OUTCOMES]
    cases += [[options, "true", False] for options, _ in REFUSED]
    expected = [list(outcome) for *_, outcome in OUTCOMES] + [f"refused: {message}" for _, message in REFUSED]
    assert run_outcomes(*start, tmp_path, cases) == expected


#: ``flux start pytest tests/programs/flux_provider_parsl_tests.py`` on flux-core 0.88.0 + flux-sched 0.54.0
PARSL_TESTS_REAL = {"passed": 4}


def test_parsl_launcher_and_provider_tests(start, tmp_path):
    command, env = start
    out = subprocess.run(
        [*command, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:warnings", PARSL_TESTS],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|skipped|error)", summary)}
    assert counts == PARSL_TESTS_REAL, out.stdout[-3000:] + out.stderr[-3000:]
