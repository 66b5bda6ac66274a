"""Packages whose public names load on first use (PEP 562).

``import fluxsim`` and ``import fluxexec`` stay cheap: a light submodule
(``fluxsim.fsd``, ``fluxexec.resources``) does not pull in the simulator,
simpy or Parsl.  A package's ``__init__`` says where each name lives::

    __getattr__, __dir__ = exports(__name__, {"start": "fluxsim.instance"}, globals())
"""

import importlib

__all__ = ["exports"]


def exports(package, where, namespace):
    """``(__getattr__, __dir__)`` for ``package``: ``where`` maps a name to its module."""

    def __getattr__(name):
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
