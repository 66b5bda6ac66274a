"""``fluxsim start``: a broker process that programs written against Flux reach unchanged.

Expected behaviour is ``flux start``'s (flux-core 0.88.0, recorded on a real
instance where a message or exit code is compared): the initial program's
exit status, ``FLUX_URI=local://<rundir>/local-0``, an owner-only socket,
nothing left behind.
"""

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time

import pytest

import fluxsim
from dropin_support import BROKER_LOG, FOUR_NODES_TOML, STARTS
from fluxsim.listener import Listener

START = [sys.executable, "-m", "fluxsim.cli", "start"]


def _start(*command, size=1, timeout=120, **kwargs):
    return subprocess.run(START + [f"--test-size={size}", *command], capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def test_exit_status_is_the_initial_programs():
    assert _start("sh", "-c", "exit 3").returncode == 3
    assert _start("true").returncode == 0


def test_a_signalled_program_exits_128_plus_the_signal():
    assert _start("sh", "-c", "kill -TERM $$").returncode == 128 + signal.SIGTERM


# stderr of a failed initial program, recorded on flux-core 0.88.0 (after the log line's time;
# the program's run time as Ts)
FAILED_PROGRAM = [
    ([], ["sh", "-c", "exit 3"], ["broker.err[0]: rc2.0: sh -c exit 3 Exited (rc=3) Ts"]),
    (["--test-size=2"], ["sh", "-c", "exit 3"],
     ["broker.err[0]: rc2.0: sh -c exit 3 Exited (rc=3) Ts", "flux-start: 0 (pid PID) exited with rc=3"]),
    ([], ["sh", "-c", "kill -TERM $$"], ["broker.err[0]: rc2.0: sh -c kill -TERM $$ Terminated (rc=143) Ts"]),
    ([], ["true"], []),
]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("options, program, lines", FAILED_PROGRAM,
                         ids=["exit-3", "exit-3-two-brokers", "terminated", "success"])
def test_a_failed_program_is_logged_on_stderr(start, options, program, lines, tmp_path):
    proc = subprocess.run([*start, *options, *program], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, stdin=subprocess.DEVNULL)
    logged = []
    for line in proc.stderr.splitlines():
        if BROKER_LOG.match(line):
            line = re.sub(r" \d+\.\ds$", " Ts", BROKER_LOG.sub("", line))
        logged.append(re.sub(r"\(pid \d+\)", "(pid PID)", line))
    assert logged == lines


def test_one_argument_is_a_shell_command_line():
    out = _start("echo a; echo b").stdout.split()
    assert out == ["a", "b"]


def test_the_program_gets_a_local_uri_and_the_flux_package():
    code = "import flux, os; h = flux.Flux(); print(os.environ['FLUX_URI']); " \
           "print(h.attr_get('size')); print(flux.__name__, h.attr_get('local-uri'))"
    proc = _start(sys.executable, "-c", code, size=3)
    assert proc.returncode == 0, proc.stderr
    uri, size, line = proc.stdout.splitlines()
    assert uri.startswith("local://") and uri.endswith("/local-0")
    assert size == "3"
    assert line == f"flux {uri}"


def test_socket_and_rundir_are_owner_only_and_removed_after():
    code = textwrap.dedent("""
        import os, stat
        path = os.environ["FLUX_URI"][len("local://"):]
        print(path)
        print(oct(stat.S_IMODE(os.stat(path).st_mode)))
        print(oct(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)))
    """)
    proc = _start(sys.executable, "-c", code)
    path, sock_mode, dir_mode = proc.stdout.split()
    assert (sock_mode, dir_mode) == ("0o600", "0o700")
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))


def test_a_job_submitted_from_another_process_runs_and_its_tasks_reach_the_instance():
    code = textwrap.dedent(f"""
        import sys, flux, flux.job
        h = flux.Flux()
        task = [{sys.executable!r}, "-c",
                "import flux; h = flux.Flux(); print(h.attr_get('size'))"]
        js = flux.job.JobspecV1.from_command(task, num_tasks=2, num_nodes=2)
        js.stdout = sys.argv[1]
        jobid = flux.job.submit(h, js, waitable=True)
        print(flux.job.wait(h, jobid).success, flux.job.result(h, jobid).returncode)
    """)
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"dropin-{os.getpid()}.out")
    try:
        proc = _start(sys.executable, "-c", code, out, size=2)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["True", "0"]
        with open(out) as f:
            assert f.read().split() == ["2", "2"]
    finally:
        if os.path.exists(out):
            os.unlink(out)


def test_what_the_program_leaves_running_is_stopped():
    # the program exits and leaves a process behind in its group
    proc = _start("sh", "-c", "sleep 300 & echo $!")
    pid = int(proc.stdout.split()[0])
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the background process outlived fluxsim start")


def test_a_killed_fluxsim_start_stops_its_program():
    child = subprocess.Popen(START + ["sh", "-c", "echo $$; sleep 300"],
                             stdout=subprocess.PIPE, text=True)
    pid = int(child.stdout.readline())
    child.send_signal(signal.SIGTERM)
    assert child.wait(30) == 128 + signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)


def test_an_unknown_program_fails_as_a_shell_would():
    assert _start("no-such-program-here").returncode == 127


def test_a_client_of_another_user_is_refused(tmp_path, monkeypatch):
    inst = fluxsim.start(nnodes=1, cores_per_node=1)
    path = str(tmp_path / "local-0")
    monkeypatch.setattr(inst, "owner", inst.owner + 1)  # this process is now "another user"
    listener = Listener(inst, path)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        sock.settimeout(10)
        assert sock.recv(1) == b""  # closed without a word
        sock.close()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        listener.close()
        inst.shutdown()
    assert not os.path.exists(path)


# -- --test-size and --test-hosts, recorded on flux-core 0.88.0 (both schedulers) ----------

FEWER_BROKERS = [
    "       STATEUP NNODES NODELIST",
    "       avail ✔      3 node[0-2]",
    "      avail* ✗      1 node3",
    "     STATE NNODES NCORES NGPUS NODELIST",
    "      free      3     12     0 node[0-2]",
    " allocated      0      0     0 ",
    "      down      1      4     0 node3",
]


@pytest.mark.parametrize("start", STARTS)
def test_configured_ranks_beyond_the_test_size_are_offline(start, tmp_path):
    # four configured hosts, three test brokers: the fourth rank has no broker
    (tmp_path / "instance.toml").write_text(FOUR_NODES_TOML)
    proc = subprocess.run(
        [*start, "--test-size=3", "--test-hosts=node[0-2]", "-c", str(tmp_path),
         "--conf=modules.alternatives.sched=sched-simple",
         "sh", "-c", "flux resource status; flux resource list"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == FEWER_BROKERS


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("options, message", [
    (["--test-size=3", "--test-hosts=node[0-3]"], "--test-hosts hostlist has incorrect size"),
    (["--test-hosts=node[0-3]"], "--test-hosts only works with --test-size"),
    (["--test-size=2", "--test-hosts=node["], "could not decode --test-hosts hostlist"),
])
def test_test_hosts_must_name_each_broker(start, options, message, tmp_path):
    proc = subprocess.run([*start, *options, "true"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (1, f"flux-start: {message}")


# recorded on flux-core 0.88.0: --test-hosts names the brokers (their hostlist,
# hostname and mapping attributes); R is discovered, and every test broker runs
# on this machine, so without a [resource] config each rank is this host
TEST_HOSTS_PROGRAM = "flux getattr hostlist; flux getattr hostname; flux getattr broker.mapping; " \
    "flux resource list -no '{nnodes} {nodelist}'; flux run -N2 -o cpu-affinity=off hostname"


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("options, expected", [
    (["--test-hosts=node[0-1]"], ["node[0-1]", "node0", "[[0,1,2,1]]", "2 HOST,HOST", "HOST", "HOST"]),
    ([], ["HOST,HOST", "HOST", "[[0,1,2,1]]", "2 HOST,HOST", "HOST", "HOST"]),
])
def test_test_hosts_name_the_brokers_not_the_resources(start, options, expected, tmp_path):
    proc = subprocess.run([*start, "--test-size=2", *options, "sh", "-c", TEST_HOSTS_PROGRAM],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    host = re.compile(rf"(?<![\w.-]){re.escape(socket.gethostname())}(?![\w.-])")
    assert [host.sub("HOST", line) for line in proc.stdout.splitlines()] == expected
