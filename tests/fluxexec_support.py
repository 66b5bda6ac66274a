"""Shared pieces of the fluxexec tests: backends to run on, executors, and apps.

The apps live here, in a module the Flux tasks can import (the fixtures put
this directory on the tasks' PYTHONPATH), because Parsl pickles a function
defined in an importable module by reference.
"""

import os
import shutil
import signal
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def real_flux_available():
    """A Flux for fluxexec's "flux" backend: FLUX_URI of an instance (not an
    in-process fluxsim's), or a ``flux`` command where fluxexec looks for one."""
    from fluxexec.backends import find_flux

    uri = os.environ.get("FLUX_URI", "")
    return bool(uri and not uri.startswith("sim://")) or find_flux() is not None


def real_flux_command():
    """Real Flux's ``flux`` command, or None: the one ``FLUXSIM_REAL_FLUX`` names,
    else the one on PATH unless it is fluxsim's (which ``fluxsim start`` puts first
    on its program's PATH)."""
    named = os.environ.get("FLUXSIM_REAL_FLUX")
    if named:
        return named if os.path.exists(named) else None
    flux = shutil.which("flux")
    return None if flux is None or _is_fluxsim_command(flux) else flux


def _is_fluxsim_command(path):
    # fluxsim's flux is a Python script that runs fluxsim.command
    try:
        with open(path, "rb") as f:
            return b"fluxsim.command" in f.read(4096)
    except OSError:
        return False


#: why a test that needs real Flux's command is skipped
NO_REAL_FLUX = "real Flux not found: no flux command on PATH (FLUXSIM_REAL_FLUX may name one)"


BACKENDS = [
    pytest.param("sim", id="sim"),
    pytest.param(
        "flux",
        id="flux",
        marks=[pytest.mark.real, pytest.mark.skipif(not real_flux_available(), reason="real Flux not found: no flux command on PATH")],
    ),
]


def task_environment():
    """Environment variables the tasks need to import this module."""
    path = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [HERE, path]))}


def make_executor(backend, tmp_path, **kwargs):
    """A started fluxexec executor on ``backend``, its working directory under tmp_path."""
    from fluxexec import FluxExecutor

    kwargs.setdefault("sim_resources", {"nnodes": 1, "cores_per_node": 2, "gpus_per_node": 0})
    kwargs.setdefault("working_dir", str(tmp_path / "work"))
    ex = FluxExecutor(backend=backend, **kwargs)
    ex.run_dir = str(tmp_path)
    ex.start()
    return ex


def wait_until(predicate, timeout=30.0, interval=0.02):
    """Wait for a condition the code under test offers no event for; fail on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(interval)


def process_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie of a process we do not own is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


# -- apps -----------------------------------------------------------------------------------------

ERRMSG = "Some error message"


def multiply(x, y):
    return x * y


def bad_foo():
    raise ValueError(ERRMSG)


def rank_info():
    return os.environ.get("FLUX_TASK_RANK"), os.environ.get("FLUX_JOB_SIZE")


def rank_dependent():
    rank = int(os.environ["FLUX_TASK_RANK"])
    if rank != 0:
        raise RuntimeError("rank 1 fails, rank 0 speaks for the app")
    return "rank 0"


def sleep_with_pidfile(path, seconds=120):
    with open(f"{path}.{os.getpid()}.tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(f"{path}.{os.getpid()}.tmp", path)
    time.sleep(seconds)


def exit_with(status, message=""):
    if message:
        print(message, file=sys.stderr, flush=True)
    os._exit(status)


def kill_self(signum=signal.SIGKILL):
    os.kill(os.getpid(), signum)


class Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(a)  # args != (a, b): does not unpickle
        self.lock = None


def raise_unpicklable():
    raise Unpicklable("a", "b")


def environ(name):
    return os.environ.get(name)


def affinity():
    return sorted(os.sched_getaffinity(0))


def whoami():
    return sys.flags.no_site, "parsl" in sys.modules, "dill" in sys.modules
