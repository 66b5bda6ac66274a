"""Fixtures of the drop-in tests: a handle on an in-process instance or on a
``fluxsim start`` broker in another process (import ``broker_uri`` and ``h``)."""

import os
import re
import subprocess
import sys

import pytest

import fluxsim
from fluxexec_support import NO_REAL_FLUX, real_flux_command

FLUXSIM = os.path.join(os.path.dirname(sys.executable), "fluxsim")
#: real Flux's ``flux`` command, or None (see ``real_flux_command``)
REAL_FLUX = real_flux_command()
#: the ``start`` commands a script is run under: fluxsim's, and real Flux's where it exists
STARTS = [
    pytest.param([sys.executable, "-m", "fluxsim.cli", "start"], id="fluxsim"),
    pytest.param([REAL_FLUX or "flux", "start"], id="flux", marks=[
        pytest.mark.real, pytest.mark.skipif(REAL_FLUX is None, reason=NO_REAL_FLUX)]),
]

#: a line of a broker's log on stderr ("Nov 30 17:23:07.413289 UTC 2026 job-exec.err[0]: ...")
BROKER_LOG = re.compile(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d+ \w+ \d{4} ")


def program_output(start, program, tmp_path, size, *options):
    """The stdout lines of ``sh -c PROGRAM``, the initial program of a ``start``
    command (one of ``STARTS``) of ``size`` brokers; it must exit 0."""
    proc = subprocess.run([*start, f"--test-size={size}", *options, "sh", "-c", program],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


#: a job id in Flux's F58 form
JOBID = re.compile(r"ƒ[0-9A-Za-z]+")


def program_lines(start, program, tmp_path, size, *options):
    """:func:`program_output` as the drop-in tests compare it with Flux's: job ids
    as ``ID``, broker log lines (their times, their order) left out."""
    return [JOBID.sub("ID", line) for line in program_output(start, program, tmp_path, size, *options)
            if not BROKER_LOG.match(line)]


#: four 4-core nodes node0..node3 (resource.noverify: any host may start them)
FOUR_NODES_TOML = """\
[resource]
noverify = true

[[resource.config]]
hosts = "node[0-3]"
cores = "0-3"
"""


def four_node_lines(start, program, tmp_path):
    """:func:`program_lines` of ``program`` in four brokers node[0-3] whose R
    is :data:`FOUR_NODES_TOML` (R's hosts as the brokers', on Flux too)."""
    (tmp_path / "instance.toml").write_text(FOUR_NODES_TOML)
    return program_lines(start, program, tmp_path, 4, "--test-hosts=node[0-3]", "-c", str(tmp_path))


@pytest.fixture(scope="module")
def broker_uri(tmp_path_factory):
    """A 2-rank ``fluxsim start`` broker in another process (stops at end-of-file)."""
    proc = subprocess.Popen(
        [FLUXSIM, "start", "--test-size=2", "sh", "-c", 'echo "$FLUX_URI"; read line || true'],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=tmp_path_factory.mktemp("broker"),
    )
    uri = proc.stdout.readline().strip()
    yield uri
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0


@pytest.fixture(params=["in-process", "cross-process"])
def h(request):
    """A handle on a 2-rank instance: in this process, or through a broker's socket."""
    if request.param == "cross-process":
        handle = fluxsim.Flux(request.getfixturevalue("broker_uri"))
        yield handle
        handle.close()
        return
    with fluxsim.start(nnodes=2, cores_per_node=2) as inst:
        yield fluxsim.Flux(inst.uri)
