"""Parsl's own launcher and provider tests, given FluxLauncher and FluxProvider.

Parsl parametrizes its launcher tests (``parsl/tests/unit/test_launchers.py``)
over its own launcher classes and runs its provider contract
(``parsl/tests/test_providers/test_local_provider.py``: ``_run_tests``) on a
``LocalProvider``; here the same test functions take fluxexec's.  Run it
inside an instance, where the launcher's ``flux run`` and the provider's
blocks really run::

    fluxsim start pytest tests/programs/flux_provider_parsl_tests.py
    flux start pytest tests/programs/flux_provider_parsl_tests.py      # real Flux

(The launcher tests that need a ``script_dir`` or a ``WrappedLauncher`` are
about launchers that write command scripts: FluxLauncher writes none.)
"""

from parsl.launchers import SingleNodeLauncher
from parsl.tests.test_providers import test_local_provider as provider_tests
from parsl.tests.unit import test_launchers as launcher_tests

from fluxexec import FluxLauncher, FluxProvider


def test_launcher_script_execution():
    # Parsl's mocks stand in for srun, mpiexec, ...; flux is the instance's own
    launcher_tests.test_launcher_script_execution(FluxLauncher, False)


def test_launcher_with_empty_script_dir():
    launcher_tests.test_launcher_with_empty_script_dir(FluxLauncher, False)


def test_launcher_bash_syntax():
    launcher_tests.test_launcher_bash_syntax(FluxLauncher)


def test_provider_contract(tmp_path):
    # as Parsl's test_local_channel, with a FluxProvider
    provider = FluxProvider(launcher=SingleNodeLauncher(debug=False))
    provider.script_dir = str(tmp_path)
    provider_tests._run_tests(provider)
