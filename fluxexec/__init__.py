"""fluxexec: a Parsl executor that runs every app as a Flux job.

::

    from fluxexec import FluxExecutor
    config = parsl.Config(executors=[FluxExecutor(backend="auto")])

Each app gets its own Flux resource set (tasks, cores, GPUs, nodes; see
:mod:`fluxexec.resources`), runs on every task of its job through the
lightweight :mod:`fluxexec.runner`, and fails with one of the exceptions of
:mod:`fluxexec.errors`.  ``backend="sim"`` runs the same code on fluxsim.

The names are loaded on first use: ``python fluxexec/runner.py`` on a Flux
task must not pay for importing Parsl.
"""

import importlib

__all__ = [
    "FluxExecutor",
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

_WHERE = {"FluxExecutor": "fluxexec.executor", **{name: "fluxexec.errors" for name in __all__[1:]}}


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'fluxexec' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
