"""Real Flux or fluxsim, behind the one interface fluxexec uses.

fluxexec is written against flux-core's Python bindings (``flux.Flux``,
``flux.job``); fluxsim offers the same names.  :func:`load` picks one::

    backend = load("auto")             # FLUX_URI, else flux on PATH, else fluxsim
    h = backend.Flux(uri)
    jobid = backend.job.submit(h, backend.job.JobspecV1.from_command(["true"]))

``"flux"`` imports the ``flux`` package; when the running Python cannot find
it, the package directory of the Flux install that ``flux_path`` (or the
``flux`` on PATH) belongs to is added to ``sys.path``, as ``flux python``
reports it.  ``"sim"`` imports fluxsim.  ``"auto"`` takes ``"sim"`` when the
URI in ``FLUX_URI`` is a fluxsim one, ``"flux"`` when ``FLUX_URI`` is set or a
``flux`` command is found, and otherwise ``"sim"`` with a one-line notice.
"""

import errno
import importlib
import logging
import os
import shutil
import subprocess
import sys

__all__ = ["Backend", "load", "find_flux", "BACKENDS"]

logger = logging.getLogger(__name__)

BACKENDS = ("auto", "flux", "sim")

# Errors a live broker answers with: the request reached it.
_ANSWERED = frozenset({errno.ENOSYS, errno.EPERM, errno.EINVAL, errno.EPROTO, errno.ENOENT})


class Backend:
    """One Flux implementation: its ``Flux`` handle class and ``job`` module."""

    def __init__(self, name, module, job, flux_path=None):
        self.name = name
        self.module = module
        self.job = job
        self.flux_path = flux_path

    @property
    def Flux(self):
        """The handle class (``flux.Flux`` or ``fluxsim.Flux``)."""
        return self.module.Flux

    def ping(self, handle, uri):
        """Raise ``OSError`` if the instance behind ``handle`` no longer answers.

        An error response (say ``ENOSYS`` from an instance without
        ``broker.ping``) still proves the broker is there.
        """
        rpc = getattr(handle, "rpc", None)
        if rpc is not None:
            try:
                rpc("broker.ping", {"seq": 0, "pad": ""}).get()
            except OSError as exc:
                if exc.errno not in _ANSWERED:
                    raise
        if self.name == "sim":
            # fluxsim instances live in this process: opening a handle looks
            # the uri up and fails once the instance is gone.
            self.module.Flux(uri)

    def __repr__(self):
        return f"Backend({self.name!r}, {self.module.__name__})"


def find_flux(flux_path=None):
    """The ``flux`` command: ``flux_path`` if given, else the one on PATH (or None)."""
    if flux_path:
        if os.path.isdir(flux_path):
            flux_path = os.path.join(flux_path, "flux")
        return os.path.abspath(flux_path)
    return shutil.which("flux")


def _import_flux(flux_path):
    try:
        return importlib.import_module("flux"), importlib.import_module("flux.job")
    except ImportError:
        if flux_path is None:
            raise
    # Ask the install where its bindings live, as ``flux python`` sees them.
    out = subprocess.run(
        [flux_path, "python", "-c", "import flux,os;print(os.path.dirname(os.path.dirname(flux.__file__)))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if out.returncode != 0:
        raise ImportError(f"{flux_path} python could not import flux: {out.stderr.strip()}")
    path = out.stdout.strip().splitlines()[-1]
    if path not in sys.path:
        sys.path.append(path)
    try:
        return importlib.import_module("flux"), importlib.import_module("flux.job")
    except ImportError as exc:
        raise ImportError(
            f"Flux's Python bindings in {path} do not import in this interpreter ({exc}); "
            "they need cffi, ply and pyyaml here: install the 'flux' extra") from exc


def load(backend="auto", flux_path=None):
    """Import the Flux implementation ``backend`` names and return its :class:`Backend`."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, not {backend!r}")
    uri = os.environ.get("FLUX_URI")
    if backend == "auto":
        if uri and uri.startswith("sim://"):
            backend = "sim"
        elif uri or find_flux(flux_path):
            backend = "flux"
        else:
            logger.warning("fluxexec: no Flux found (FLUX_URI unset, no flux on PATH); running on fluxsim")
            backend = "sim"
    if backend == "sim":
        module = importlib.import_module("fluxsim")
        return Backend("sim", module, importlib.import_module("fluxsim.job"))
    path = find_flux(flux_path)
    module, job = _import_flux(path)
    return Backend("flux", module, job, flux_path=path)
