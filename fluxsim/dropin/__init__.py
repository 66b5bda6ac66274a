"""fluxsim as a drop-in Flux: the ``flux`` package and the ``flux`` command.

``python/`` goes first on ``PYTHONPATH`` and ``bin/`` first on ``PATH`` of
whatever ``fluxsim start`` runs, so programs written against flux-core
(``import flux``, ``flux run ...``) run unchanged on a simulated instance.
"""

import os
import sys

__all__ = ["PYTHONPATH", "PACKAGE_ROOT", "write_command"]

_HERE = os.path.dirname(os.path.abspath(__file__))
#: The directory holding the ``flux`` package.
PYTHONPATH = os.path.join(_HERE, "python")
#: The directory holding the ``fluxsim`` package (the ``flux`` package imports it).
PACKAGE_ROOT = os.path.dirname(os.path.dirname(_HERE))

_COMMAND = """#!{python}
import sys
from fluxsim.command import main
sys.exit(main())
"""


def write_command(bindir):
    """Write the ``flux`` command into ``bindir`` (run by this Python); returns ``bindir``."""
    os.makedirs(bindir, mode=0o700, exist_ok=True)
    path = os.path.join(bindir, "flux")
    with open(path, "w", encoding="utf-8") as f:
        f.write(_COMMAND.format(python=sys.executable))
    os.chmod(path, 0o700)
    return bindir
