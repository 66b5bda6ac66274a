"""FluxLauncher: start a block's workers on every node with ``flux run``.

Inside a block that is a Flux instance (a :class:`~fluxexec.FluxProvider`
block of several nodes, or ``flux batch``/``flux alloc`` made by hand), the
worker command runs as one Flux job with ``tasks_per_node`` tasks on each
node::

    flux run -N2 --tasks-per-node=1 bash -c 'process_worker_pool.py ...'

Without ``cores_per_node`` each task's node is allocated whole (``flux run
-N`` does so), so a worker sees all the block's cores and GPUs on its node;
with it, ``--cores`` and ``--gpus-per-node`` ask for that share of each node.
"""

import shlex

from parsl.launchers.base import Launcher

__all__ = ["FluxLauncher"]


class FluxLauncher(Launcher):
    """Parsl launcher: ``flux run -N{nodes} --tasks-per-node={tasks_per_node} ... command``.

    Parameters
    ----------
    cores_per_node : int
        Cores of each node for the workers (None: the whole node).
    gpus_per_node : int
        GPUs of each node for the workers (None: the whole node's, if it is whole).
    overrides : str
        More ``flux run`` options, e.g. ``"--label-io -o cpu-affinity=off"``.
    flux : str
        The ``flux`` command to run (the one on the block's PATH by default).
    """

    def __init__(self, cores_per_node=None, gpus_per_node=None, overrides="", flux="flux", debug=True):
        super().__init__(debug=debug)
        self.cores_per_node = cores_per_node
        self.gpus_per_node = gpus_per_node
        self.overrides = overrides
        self.flux = flux

    def options(self, tasks_per_node, nodes_per_block):
        """The ``flux run`` options (Flux's per-resource ones: per-task ones cannot join them)."""
        options = [f"-N{nodes_per_block}", f"--tasks-per-node={tasks_per_node}"]
        if self.cores_per_node is not None:
            options.append(f"--cores={self.cores_per_node * nodes_per_block}")
        if self.gpus_per_node is not None:
            options.append(f"--gpus-per-node={self.gpus_per_node}")
        return " ".join(options) + (f" {self.overrides}" if self.overrides else "")

    def __call__(self, command, tasks_per_node, nodes_per_block, script_dir=""):
        """The script lines that run ``command`` on every node of the block."""
        run = f"{self.flux} run {self.options(tasks_per_node, nodes_per_block)} bash -c {shlex.quote(command)}"
        if not self.debug:
            return run + "\n"
        return f"echo {shlex.quote('FluxLauncher: ' + run)} >&2\n{run}\n"
