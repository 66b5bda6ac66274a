"""fluxexec on fluxsim, as a Parsl test configuration.

Runs Parsl's general test suite against fluxexec without a Flux install::

    pytest <site-packages>/parsl/tests --config tests/parsl_config.py \
        -k "not cleannet and not unix_filesystem_permissions_required"

(``-k`` is Parsl's own filter for its Flux CI job.)
"""

from parsl.config import Config

from fluxexec import FluxExecutor


def fresh_config():
    return Config(executors=[FluxExecutor(backend="sim")])
