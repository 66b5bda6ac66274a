"""Parsl's own provider tests on FluxProvider: a pytest plugin that makes Parsl's ``LocalProvider`` a Flux job.

Parsl tests its provider contract (``test_providers/test_local_provider.py``:
submit, status, exit codes, block stdout and stderr), HighThroughputExecutor
blocks (``test_htex/``: connected, disconnected and failing blocks, drain,
manager selection by block) and scaling (``test_scaling/``: scale in and
out, block errors, shutdown) with blocks from ``parsl.providers.LocalProvider``.
Loaded with ``-p``, this module puts :class:`LocalFluxProvider` in its place
before those test modules import it, so every block they ask for is a Flux job
of the instance in ``FLUX_URI``; the test bodies run unchanged::

    PYTHONPATH=tests fluxsim start --test-size=8 pytest <site-packages>/parsl/tests \\
        --config local -p parsl_local_provider_on_flux -k "..."

A block is a whole node, as a ``LocalProvider`` block has the whole machine;
``--test-size=8`` lets the tests' up to five blocks run at once.
"""

import parsl.providers
from parsl.launchers import SingleNodeLauncher

from fluxexec import FluxProvider

__all__ = ["LocalFluxProvider"]


class LocalFluxProvider(FluxProvider):
    """``LocalProvider``'s constructor; each block a one-node Flux job without a time limit."""

    def __init__(
        self,
        nodes_per_block=1,
        launcher=SingleNodeLauncher(),
        init_blocks=1,
        min_blocks=0,
        max_blocks=1,
        worker_init="",
        cmd_timeout=30,
        parallelism=1,
    ):
        super().__init__(
            nodes_per_block=nodes_per_block,
            launcher=launcher,
            init_blocks=init_blocks,
            min_blocks=min_blocks,
            max_blocks=max_blocks,
            worker_init=worker_init,
            parallelism=parallelism,
            walltime=None,
        )
        self.cmd_timeout = cmd_timeout  # LocalProvider's; Flux calls need no timeout


# before pytest imports Parsl's test modules: they take the name at import
parsl.providers.LocalProvider = LocalFluxProvider
