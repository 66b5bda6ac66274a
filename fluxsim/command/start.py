"""``flux start`` and ``flux broker``: a nested simulated instance (see :mod:`fluxsim.broker`).

``flux batch`` and ``flux alloc`` jobs run ``flux broker`` as one task per
node, and a real nested instance is those brokers together.  A simulated
instance is one process: the task of rank 0 runs it, on the job's
allocation, and the other ranks' tasks have nothing to do and exit.
"""

import os

__all__ = ["main"]


def main(prog, argv):
    """``flux start [OPTIONS] [COMMAND...]`` or ``flux broker [OPTIONS] [COMMAND...]``"""
    from fluxsim import broker

    if prog == "broker" and os.environ.get("FLUX_TASK_RANK", "0") != "0":
        return 0
    return broker.main(argv)
