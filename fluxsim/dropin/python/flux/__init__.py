"""flux-core 0.88's ``flux`` package, served by fluxsim (see :mod:`fluxsim.dropin`)."""

from fluxsim.dropin.alias import install

install()

from fluxsim.handle import Flux  # noqa: E402

# flux-core's ``import flux`` loads flux.constants (through flux.core.handle)
import flux.constants  # noqa: E402,F401

__all__ = ["core", "kvs", "rpc", "constants", "Flux"]
