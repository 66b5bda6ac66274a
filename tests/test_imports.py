"""Every module imports on its own, first thing in a fresh interpreter.

``import fluxsim`` is lazy, so the order in which modules load depends on
what a program imports first; an import cycle shows up only for some first
imports.  Each module here is imported first by a fresh interpreter.
"""

import pkgutil
import subprocess
import sys

import pytest

import conformance
import fluxexec
import fluxsim


def modules():
    for package in (fluxsim, fluxexec, conformance):
        yield package.__name__
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith("__main__"):
                yield info.name


@pytest.mark.parametrize("module", sorted(modules()))
def test_module_imports_first(module):
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
