"""fluxexec: a Parsl executor that runs every app as a Flux job.

::

    from fluxexec import FluxExecutor
    config = parsl.Config(executors=[FluxExecutor(backend="auto")])

Each app gets its own Flux resource set (tasks, cores, GPUs, nodes; see
:mod:`fluxexec.resources`), runs on every task of its job through the
lightweight :mod:`fluxexec.runner`, and fails with one of the exceptions of
:mod:`fluxexec.errors`.  ``backend="sim"`` runs the same code on fluxsim.

For Parsl's other executors, :class:`FluxProvider` makes each block a Flux
job and :class:`FluxLauncher` starts the workers on its nodes.

The names are loaded on first use: ``python fluxexec/runner.py`` on a Flux
task must not pay for importing Parsl.
"""

from fluxsim.lazy import exports

__all__ = [
    "FluxExecutor",
    "FluxProvider",
    "FluxLauncher",
    "RemoteTraceback",
    "RemoteAppError",
    "FluxJobError",
    "FluxJobException",
    "TaskExitError",
    "NoResultError",
    "SubmitError",
    "InstanceLost",
    "ExecutorShutdown",
]

__getattr__, __dir__ = exports(
    __name__,
    {
        "FluxExecutor": "fluxexec.executor",
        "FluxProvider": "fluxexec.provider",
        "FluxLauncher": "fluxexec.launcher",
        **{name: "fluxexec.errors" for name in __all__[3:]},
    },
    globals(),
)
