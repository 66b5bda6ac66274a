"""Throughput of no-op apps: fluxexec vs Parsl's FluxExecutor vs raw Flux jobs (vs HTEX blocks).

All run on the same Flux instance in one process, one after the other:

* ``raw``    -- N ``true`` jobs through ``flux.job.FluxExecutor`` (Flux's own ceiling);
* ``fluxexec`` -- N no-op Parsl apps through ``fluxexec.FluxExecutor``;
* ``parsl``  -- N no-op Parsl apps through ``parsl.executors.FluxExecutor``;
* ``htex``   -- with ``--htex``: N no-op one-core apps through a HighThroughputExecutor
  whose one block is a ``fluxexec.FluxProvider`` job (the whole node, a worker per core).

Each reports tasks/s from the first submission to the last result, and the
ratios fluxexec/parsl, fluxexec/raw and htex/raw.  ::

    python benchmarks/bench_executors.py --backend flux -n 100   # real Flux
    python benchmarks/bench_executors.py --backend sim -n 100    # fluxsim
    python benchmarks/bench_executors.py --backend flux -n 2000 --skip-parsl --htex
    fluxsim start python benchmarks/bench_executors.py --backend flux -n 2000 --skip-parsl --htex

With ``--backend flux`` and no ``FLUX_URI``, the script re-runs itself under
``flux start`` (the ``flux`` on PATH, or ``--flux``).  On fluxsim, Parsl's
executor is pointed at the in-process instance: ``flux``/``flux.job`` are
aliased to fluxsim's modules and its launch command runs a stand-in for its
instance manager that reports the fluxsim URI over Parsl's own ZMQ protocol.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Parsl's FluxExecutor manager protocol (parsl/executors/flux/flux_instance_manager.py),
# for a fluxsim instance that lives in the benchmark's own process.
SIM_MANAGER = r"""
import sys, zmq
protocol, host, port, uri = sys.argv[1:5]
with zmq.Context() as ctx, ctx.socket(zmq.REQ) as s:
    s.connect(f"{protocol}://127.0.0.1:{port}")
    s.send(b"")            # path of the flux package: already importable
    s.recv()
    s.send(uri.encode())
    s.recv()               # shutdown
"""


def noop():
    return None


def _sim_job_for_parsl():
    """fluxsim.job, but taking the instance URI as bytes, as Parsl's executor passes it."""
    import types

    import fluxsim.job

    class FluxExecutor(fluxsim.job.FluxExecutor):
        def __init__(self, *args, handle_args=(), **kwargs):
            handle_args = tuple(a.decode() if isinstance(a, bytes) else a for a in handle_args)
            super().__init__(*args, handle_args=handle_args, **kwargs)

    module = types.ModuleType("flux.job")
    module.__dict__.update(vars(fluxsim.job))
    module.FluxExecutor = FluxExecutor
    return module


def bench_raw(job, uri, n):
    spec = job.JobspecV1.from_command(["true"])
    t0 = time.perf_counter()
    with job.FluxExecutor(handle_args=(uri,)) as fx:
        futures = [fx.submit(spec) for _ in range(n)]
        codes = [f.result() for f in futures]
    elapsed = time.perf_counter() - t0
    assert codes == [0] * n, codes
    return elapsed


def bench_parsl_apps(executor, n, workdir):
    import parsl
    from parsl import python_app

    config = parsl.Config(executors=[executor], run_dir=os.path.join(workdir, "runinfo"), strategy="none")
    dfk = parsl.load(config)
    try:
        app = python_app(noop, executors=[executor.label])
        app().result()  # warm-up: instance up, first job through
        t0 = time.perf_counter()
        futures = [app() for _ in range(n)]
        for f in futures:
            f.result()
        return time.perf_counter() - t0
    finally:
        dfk.cleanup()
        parsl.clear()


def htex_executor():
    """A HighThroughputExecutor on one FluxProvider block of the instance in FLUX_URI."""
    from parsl.executors import HighThroughputExecutor

    from fluxexec import FluxProvider

    return HighThroughputExecutor(
        label="htex", address="127.0.0.1", provider=FluxProvider(init_blocks=1, max_blocks=1, walltime=None)
    )


def run(backend, n, skip_parsl=False, htex=False):
    from fluxexec import backends

    sim_instance = None
    if backend == "sim":
        import fluxsim

        sim_instance = fluxsim.start(nnodes=1, cores_per_node=os.cpu_count() or 2)
        os.environ["FLUX_URI"] = sim_instance.uri
    b = backends.load(backend)
    uri = os.environ["FLUX_URI"]
    workdir = tempfile.mkdtemp(prefix="bench-executors-")
    # under `fluxsim start`, the flux package is fluxsim's
    instance = "fluxsim" if "fluxsim" in (b.module.__file__ or "") else "flux"
    results = {"backend": backend, "instance": instance, "n": n, "cores": os.cpu_count()}
    try:
        results["raw"] = n / bench_raw(b.job, uri, n)

        from fluxexec import FluxExecutor as FluxExec

        results["fluxexec"] = n / bench_parsl_apps(
            FluxExec(label="fluxexec", backend=backend, working_dir=os.path.join(workdir, "fluxexec")), n, workdir
        )

        if htex:
            results["htex"] = n / bench_parsl_apps(htex_executor(), n, workdir)

        if not skip_parsl:
            from parsl.executors import FluxExecutor as ParslFlux

            wd = os.path.join(workdir, "parsl")
            if backend == "sim":
                import types

                shim = types.ModuleType("flux")
                shim.__dict__.update(vars(sys.modules["fluxsim"]))
                shim.job = sys.modules["flux.job"] = _sim_job_for_parsl()
                sys.modules["flux"] = shim
                manager = os.path.join(workdir, "sim_manager.py")
                with open(manager, "w") as f:
                    f.write(SIM_MANAGER)
                launch = f"{sys.executable} {manager} {{protocol}} {{hostname}} {{port}} {uri}"
                ex = ParslFlux(label="parsl", working_dir=wd, flux_path=sys.executable, launch_cmd=launch)
            else:
                # Its manager runs under the executor's Python, which must import flux.
                import flux

                flux_pkgs = os.path.dirname(os.path.dirname(flux.__file__))
                os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [flux_pkgs, os.environ.get("PYTHONPATH")]))
                # No "flux start": its manager reports the instance it runs in, this one.
                ex = ParslFlux(label="parsl", working_dir=wd, launch_cmd="{python} {manager} {protocol} {hostname} {port}")
            results["parsl"] = n / bench_parsl_apps(ex, n, workdir)
    finally:
        if sim_instance is not None:
            sim_instance.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    results["fluxexec/raw"] = results["fluxexec"] / results["raw"]
    if "htex" in results:
        results["htex/raw"] = results["htex"] / results["raw"]
    if "parsl" in results:
        results["fluxexec/parsl"] = results["fluxexec"] / results["parsl"]
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=("flux", "sim"), default="sim")
    p.add_argument("-n", type=int, default=100, help="apps (and raw jobs) per executor")
    p.add_argument("--flux", help="flux command for --backend flux (default: on PATH)")
    p.add_argument("--skip-parsl", action="store_true", help="leave out Parsl's FluxExecutor")
    p.add_argument("--htex", action="store_true", help="add HTEX on a FluxProvider block")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    if args.backend == "flux" and not os.environ.get("FLUX_URI"):
        flux = args.flux or shutil.which("flux")
        if flux is None:
            p.error("no flux command: put one on PATH or pass --flux")
        cmd = [flux, "start", "--test-size=1", sys.executable, os.path.abspath(__file__), *sys.argv[1:]]
        return subprocess.call(cmd)
    sys.path.insert(0, ROOT)
    results = run(args.backend, args.n, args.skip_parsl, args.htex)
    if args.json:
        print(json.dumps(results))
    else:
        print(f"backend={results['backend']} instance={results['instance']} n={results['n']} cores={results['cores']}")
        for key in ("raw", "fluxexec", "parsl", "htex"):
            if key in results:
                print(f"  {key:9s} {results[key]:8.1f} tasks/s")
        for key in ("fluxexec/parsl", "fluxexec/raw", "htex/raw"):
            if key in results:
                print(f"  {key:15s} {results[key]:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
