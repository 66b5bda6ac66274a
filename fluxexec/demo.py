"""``python -m fluxexec.demo``: a Parsl workflow on an embedded Flux (fluxsim).

Apps ask for different resource sets; each runs as one Flux job on a
simulated 4-node instance (4 cores and 2 GPUs a node) and reports, from every
task, where it landed: task rank, node, bound CPUs and visible GPUs.  The
same script runs unchanged on real Flux with ``--backend flux``.
"""

import argparse
import os
import tempfile

REQUESTS = [
    ("one task", {}),
    ("4 tasks", {"num_tasks": 4}),
    ("2 tasks x 2 cores", {"num_tasks": 2, "cores_per_task": 2}),
    ("3 tasks on 2 nodes", {"num_tasks": 3, "num_nodes": 2}),
    ("2 tasks x 1 GPU", {"num_tasks": 2, "gpus_per_task": 1}),
    ("4 tasks, 4 nodes, exclusive", {"num_tasks": 4, "num_nodes": 4, "exclusive": True}),
]


def where(parsl_resource_specification=None):
    """Runs on every task of the job; rank 0's answer is the app's result."""
    import os

    uri = os.environ.get("FLUX_URI", "")
    line = (
        f"task {os.environ['FLUX_TASK_RANK']}/{os.environ['FLUX_JOB_SIZE']}"
        f" on broker rank {uri.rsplit('local-', 1)[-1]}"
        f" cpus={sorted(os.sched_getaffinity(0))}"
        f" gpus={os.environ.get('CUDA_VISIBLE_DEVICES', '-')}"
    )
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fluxexec.demo", description=__doc__)
    parser.add_argument("--backend", default="sim", choices=("sim", "flux", "auto"))
    args = parser.parse_args(argv)

    import parsl
    from parsl import python_app

    from fluxexec import FluxExecutor

    executor = FluxExecutor(
        backend=args.backend,
        sim_resources={"nnodes": 4, "cores_per_node": 4, "gpus_per_node": 2},
    )
    rundir = tempfile.mkdtemp(prefix="fluxexec-demo-")
    config = parsl.Config(executors=[executor], run_dir=rundir, initialize_logging=False)
    app = python_app(where, executors=[executor.label])
    with parsl.load(config):
        futures = [(label, app(parsl_resource_specification=spec)) for label, spec in REQUESTS]
        print(f"{'request':30} {'flux job':10} rank 0 of the job")
        for label, future in futures:
            result = future.result()
            exec_fu = future.task_record.get("exec_fu")
            jobid = getattr(exec_fu, "parsl_executor_task_id", "?")
            print(f"{label:30} {str(jobid):10} {result}")
        # an unknown key fails only its own app, with the valid keys named
        bad = app(parsl_resource_specification={"tasks": 4})
        try:
            bad.result()
        except Exception as exc:
            print(f"\n{{'tasks': 4}} -> {type(exc).__name__}: {exc}")
    parsl.clear()
    os.environ.pop("FLUX_URI", None)


if __name__ == "__main__":
    main()
