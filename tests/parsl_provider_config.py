"""HighThroughputExecutor on a FluxProvider block, as a Parsl test configuration.

Parsl's own ``htex_local`` configuration (``parsl/tests/configs/htex_local.py``)
with its ``LocalProvider`` replaced by :class:`fluxexec.FluxProvider`: the
block is a Flux job of the instance in ``FLUX_URI``.  Run Parsl's general
suite with it inside an instance, real Flux or fluxsim::

    fluxsim start pytest <site-packages>/parsl/tests --config tests/parsl_provider_config.py \
        -k "not cleannet and not unix_filesystem_permissions_required"
    flux start pytest ...   # the same, on real Flux

(``tox -e parsl-provider`` runs it on fluxsim.)
"""

from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.launchers import SimpleLauncher

from fluxexec import FluxProvider


def fresh_config():
    return Config(
        executors=[
            HighThroughputExecutor(
                label="htex_flux",
                loopback_address="::1",
                worker_debug=True,
                cores_per_worker=1,
                encrypted=True,
                provider=FluxProvider(
                    init_blocks=1,
                    max_blocks=1,
                    # the one block serves the whole suite: no time limit
                    walltime=None,
                    launcher=SimpleLauncher(),
                ),
            )
        ],
        strategy="none",
    )
