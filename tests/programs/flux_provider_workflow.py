"""A Parsl workflow on FluxProvider blocks, run inside a 2-node Flux instance.

    fluxsim start --test-size=2 python flux_provider_workflow.py RUN_DIR
    flux start --test-size=2 python flux_provider_workflow.py RUN_DIR      # real Flux

The README's config for both models on one instance: ``fluxexec.FluxExecutor``
("jobs") runs the apps that carry a resource specification, each as its own
Flux job, and HighThroughputExecutors on FluxProvider blocks run the small
ones: "one" on one-node blocks (a plain Flux job, Parsl's SingleNodeLauncher),
"two" on two-node blocks (a nested instance, FluxLauncher), one core per node
each so both blocks fit at once.  It runs apps on both blocks, scales "one"
in, runs shaped apps on "jobs" in the cores that freed while "two" runs more,
cleans up, and prints one JSON line of what it saw for the test to check.
"""

import json
import os
import sys
import time

import flux
import flux.job
import parsl
from parsl import python_app
from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.launchers import SingleNodeLauncher

from fluxexec import FluxExecutor, FluxLauncher, FluxProvider

#: Set in every block's environment (FluxProvider's ``environment``): it tells
#: this run's worker processes, and their spawned children, from any other.
MARKER = "FLUXEXEC_TEST_RUN"


@python_app(executors=["one"])
def square_one(x):
    import os

    return x * x, os.environ.get("FLUX_JOB_ID")


@python_app(executors=["two"])
def square_two(x):
    import os

    return x * x, os.environ.get("FLUX_TASK_RANK"), os.environ.get("PARSL_CORES")


@python_app(executors=["one"])
def marker():
    import os

    return os.environ.get("FLUXEXEC_TEST_RUN")


@python_app(executors=["jobs"])
def shaped(x, parsl_resource_specification={}):
    import os

    env = {name: os.environ.get(name) for name in ("FLUX_JOB_ID", "FLUX_JOB_SIZE", "FLUX_JOB_NNODES", "FLUX_TASK_RANK")}
    return x * x, env


def executor(label, nodes, launcher, run_dir):
    return HighThroughputExecutor(
        label=label,
        address="127.0.0.1",
        max_workers_per_node=1,
        provider=FluxProvider(
            nodes_per_block=nodes,
            cores_per_node=1,
            walltime="00:10:00",
            environment={MARKER: run_dir},
            launcher=launcher,
        ),
    )


def until(condition, what, timeout=120):
    """Wait for a condition Parsl offers no event for (workers connecting)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.2)


def wait_clean(h, jobid):
    """Wait for the job's clean event: its processes are gone, its resources free.
    (event_wait would raise at the cancel exception that comes first.)"""
    for event in flux.job.event_watch(h, flux.job.JobID(jobid)):
        if event.name == "clean":
            return


def info(h, jobid):
    job = flux.job.job_list_id(h, flux.job.JobID(jobid)).get_jobinfo()
    return {"name": job.name, "state": job.state, "result": job.result, "nnodes": job.nnodes,
            "ntasks": job.ntasks, "ncores": job.ncores}


def f58(jobid):
    return flux.job.JobID(jobid).f58plain


def workers(run_dir):
    """Live processes started in this run's blocks: those whose environment has MARKER.

    A zombie is dead already (only its parent, or an init that does not reap, keeps it).
    """
    marker = f"{MARKER}={run_dir}".encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in environ and state != "Z":
            found.append(f"{pid} {cmdline[:200]}")
    return found


def main(run_dir):
    h = flux.Flux()
    dfk = parsl.load(
        Config(
            executors=[
                FluxExecutor(label="jobs", working_dir=os.path.join(run_dir, "jobs")),
                executor("one", 1, SingleNodeLauncher(), run_dir),
                executor("two", 2, FluxLauncher(), run_dir),
            ],
            strategy="none",
            run_dir=run_dir,
        )
    )
    one, two = dfk.executors["one"], dfk.executors["two"]
    ones = [square_one(i).result() for i in range(4)]
    out = {
        "one": [value for value, _ in ones],
        "two": [square_two(i).result() for i in range(4)],
        "marker": marker().result() == run_dir,
    }
    until(lambda: len(two.connected_managers()) == 2, "two managers of the two-node block")
    out["two_managers"] = len(two.connected_managers())
    blocks = {label: dict(ex.blocks_to_job_id) for label, ex in (("one", one), ("two", two))}
    out["blocks"] = {label: {b: info(h, j) for b, j in jobs.items()} for label, jobs in blocks.items()}
    out["block_jobs"] = blocks
    out["one_in_block"] = {f58(jobid) for _, jobid in ones} == set(blocks["one"].values())

    out["workers_running"] = len(workers(run_dir))  # the scan sees them while they run

    out["scaled_in"] = one.scale_in(1)
    jobid = blocks["one"][out["scaled_in"][0]]
    wait_clean(h, jobid)
    out["scaled_in_job"] = info(h, jobid)
    out["scaled_in_status"] = one.provider.status([jobid])[0].state.name

    # the cores "one" gave back: one on each node, while "two" holds the others
    specs = {"spread": {"num_tasks": 2, "num_nodes": 2}, "single": {"num_tasks": 1, "cores_per_task": 1}}
    futures = {name: shaped(i, parsl_resource_specification=spec) for i, (name, spec) in enumerate(specs.items(), 2)}
    beside = [square_two(i) for i in range(4)]
    out["jobs"] = {}
    for name, future in futures.items():
        value, env = future.result()
        out["jobs"][name] = {"value": value, "env": env, "job": info(h, env["FLUX_JOB_ID"]),
                             "jobid": f58(env["FLUX_JOB_ID"])}
    out["two_beside"] = [value for value, _, _ in (f.result() for f in beside)]

    dfk.cleanup()
    for jobid in blocks["two"].values():
        wait_clean(h, jobid)
    out["after_cleanup"] = {j: info(h, j)["result"] for j in blocks["two"].values()}
    out["active_after_cleanup"] = [f58(job.id) for job in flux.job.JobList(h, filters=["pending", "running"]).jobs()]
    out["workers_left"] = workers(run_dir)
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
