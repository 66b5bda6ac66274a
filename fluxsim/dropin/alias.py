"""``flux.X`` is ``fluxsim.Y``: one module object under flux-core 0.88's name.

A meta path finder serves each ``flux.*`` module by importing the fluxsim
module that implements it, so ``flux.job.JobID is fluxsim.job.JobID`` and
there is one implementation behind both names.  A name fluxsim does not
model fails to import, as a module missing from flux-core would.
"""

import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["ALIASES", "install", "target"]

#: flux-core's module name -> fluxsim's, where they differ.  Any other
#: ``flux.X`` is ``fluxsim.X``.
ALIASES = {
    # flux.core holds the handle; fluxsim.dropin stands in as its package
    "flux.core": "fluxsim.dropin",
    "flux.core.handle": "fluxsim.handle",
    "flux.hostlist": "fluxsim.resource.hostlist",
    "flux.idset": "fluxsim.resource.idset",
    # fluxsim.resource.status is the instance's drain bookkeeping; flux's is the report
    "flux.resource.status": "fluxsim.resource.report",
    # flux.cli is the package of flux's job submission commands
    "flux.cli": "fluxsim.command",
    "flux.cli.plugin": "fluxsim.command.plugin",
}

_PREFIX = "flux."


def target(fullname):
    """The fluxsim module behind ``fullname`` (a ``flux.*`` name)."""
    if fullname in ALIASES:
        return ALIASES[fullname]
    return "fluxsim." + fullname[len(_PREFIX):]


class _Loader(importlib.abc.Loader):
    def __init__(self, module):
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        # the import system stamped the alias's spec on the module: the
        # module keeps its own, so that reloads and pickles use fluxsim's name
        module.__spec__ = self.spec


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target_module=None):
        if not fullname.startswith(_PREFIX):
            return None
        name = target(fullname)
        if importlib.util.find_spec(name) is None:
            return None
        module = importlib.import_module(name)
        return importlib.util.spec_from_loader(
            fullname, _Loader(module), is_package=hasattr(module, "__path__")
        )


_FINDER = _Finder()


def install():
    """Serve ``flux.*`` from fluxsim (idempotent)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
