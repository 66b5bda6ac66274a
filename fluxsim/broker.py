"""``fluxsim start``: a simulated broker process, as ``flux start`` runs one.

The instance runs on the real clock in this process and is served on
``local://<rundir>/local-0`` (:mod:`fluxsim.listener`).  The initial
program (COMMAND, or an interactive shell) runs with ``FLUX_URI`` set to
it, fluxsim's ``flux`` command first on ``PATH`` and fluxsim's ``flux``
package first on ``PYTHONPATH``, so programs written against Flux run
unchanged.  ``fluxsim start`` exits with the program's status (128 + N if
signal N ended it) once everything it started is stopped: the program's
process group, every job's tasks, the socket and the run directory.  With
``-Sbroker.rc2_none`` there is no program: the instance serves until a
signal stops it.

Options are ``flux start``'s, where they apply::

    fluxsim start [--test-size=N] [--test-hosts=HOSTLIST] [-c PATH]
                  [--conf=KEY=VALUE ...] [-S ATTR=VALUE ...] [-o OPTIONS] [COMMAND...]

With no size and no resources configured, the instance has this machine's
cores and GPUs, as a singleton ``flux start`` has.
"""

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time

__all__ = ["main", "parser", "resources", "program_environment"]

#: Environment variables of a parent instance that must not leak into a child.
_PARENT_ONLY = ("FLUX_JOB_ID", "FLUX_JOB_SIZE", "FLUX_JOB_NNODES", "FLUX_TASK_RANK",
                "FLUX_TASK_LOCAL_ID", "FLUX_KVS_NAMESPACE", "FLUX_JOB_TMPDIR")


def parser():
    """``flux start``'s options that a simulated broker honours."""
    p = argparse.ArgumentParser(
        prog="flux start", description="Start a simulated Flux instance (fluxsim).")
    p.add_argument("-s", "--test-size", type=int, metavar="N",
                   help="the number of brokers (nodes) of the instance")
    p.add_argument("--test-hosts", metavar="HOSTLIST",
                   help="the hostnames of the test brokers")
    p.add_argument("-c", "--config-path", metavar="PATH",
                   help="a TOML config file, or a directory of them")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                   help="set a config key (a TOML value)")
    p.add_argument("-S", "--setattr", action="append", default=[], metavar="ATTR=VALUE",
                   help="set a broker attribute")
    p.add_argument("-o", "--broker-opts", action="append", default=[], metavar="OPTIONS",
                   help="broker options, e.g. -Sattr=value (comma separated)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="be chatty")
    p.add_argument("command", nargs=argparse.REMAINDER, help="the initial program")
    return p


def _key_value(option, text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise SystemExit(f"flux-start: {option} requires KEY=VALUE, not {text!r}")
    return key, value


def configuration(args):
    """The instance config of ``-c`` and ``--conf``."""
    from fluxsim import config as _config

    conf = _config.load(args.config_path) if args.config_path else {}
    for text in args.conf:
        key, value = _key_value("--conf", text)
        _config.set_key(conf, key, _config.parse_value(value))
    return conf


def attributes(args):
    """Broker attributes of ``-S`` and ``-o,-S...``."""
    attrs = {}
    for text in args.setattr:
        key, value = _key_value("--setattr", text)
        attrs[key] = value
    for opts in args.broker_opts:
        for opt in opts.split(","):
            if opt.startswith("-S"):
                key, value = _key_value("-S", opt[2:])
                attrs[key] = value
    return attrs


def _local_gpus():
    """GPUs this machine shows (NVIDIA device nodes), as hwloc would count them."""
    try:
        names = os.listdir("/dev")
    except OSError:
        return 0
    return sum(1 for n in names if n.startswith("nvidia") and n[len("nvidia"):].isdigit())


def _enclosing_R():
    """R of the job this broker runs in (``flux batch``/``alloc``), or None."""
    jobid, uri = os.environ.get("FLUX_JOB_ID"), os.environ.get("FLUX_URI")
    if not jobid or not uri:
        return None
    from fluxsim.handle import Flux
    from fluxsim.job import JobID, job_info_lookup

    try:
        handle = Flux(uri)
    except OSError:
        return None
    try:
        return job_info_lookup(handle, JobID(jobid), ["R"]).get_decode()["R"]
    except (OSError, ValueError):
        return None
    finally:
        handle.close()


def resources(args, conf):
    """``fluxsim.start`` keywords for the instance's resources: the config's,
    else the enclosing job's allocation, else this machine's."""
    if "resource" in conf or "fake-resources" in conf:
        return {}
    if not args.test_size:
        R = _enclosing_R()
        if R is not None:
            return {"R": R}
    size = args.test_size or 1
    if size < 1:
        raise SystemExit("flux-start: --test-size must be >= 1")
    # discovered as Flux's brokers discover them: every test broker runs on
    # this machine, whatever --test-hosts calls it (that names the brokers)
    return {"nnodes": size, "cores_per_node": os.cpu_count() or 1,
            "gpus_per_node": _local_gpus(), "hosts": [socket.gethostname()] * size}


def broker_attributes(args):
    """``hostlist``, ``hostname`` and ``broker.mapping`` of the test brokers:
    ``--test-hosts`` names them, else this machine's name; all run here."""
    from fluxsim.resource import hostlist

    size = args.test_size or 1
    hosts = hostlist.decode(args.test_hosts) if args.test_hosts else [socket.gethostname()] * size
    return {"hostlist": hostlist.encode(hosts), "hostname": hosts[0],
            "broker.mapping": f"[[0,1,{size},1]]"}


def program_environment(uri, bindir, parent_env=None):
    """The environment of the initial program: ``FLUX_URI``, and fluxsim's
    ``flux`` command (in ``bindir``) and package found first."""
    from fluxsim import dropin

    env = dict(os.environ if parent_env is None else parent_env)
    for name in _PARENT_ONLY:
        env.pop(name, None)
    env["FLUX_URI"] = uri
    env["PATH"] = os.pathsep.join(filter(None, (dropin.write_command(bindir), env.get("PATH"))))
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, (dropin.PYTHONPATH, dropin.PACKAGE_ROOT, env.get("PYTHONPATH"))))
    return env


def _parent_level():
    """The parent instance's ``instance-level`` (-1 if not inside one)."""
    uri = os.environ.get("FLUX_URI")
    if not uri:
        return -1
    try:
        from fluxsim.handle import Flux

        handle = Flux(uri)
        try:
            return int(handle.attr_get("instance-level"))
        finally:
            handle.close()
    except (OSError, ValueError):
        return -1


def _post_uri(path):
    """Inside a job: tell the enclosing instance where this one listens, as a
    nested Flux instance does (a ``memo`` ``uri=ssh://HOST/PATH``; ``flux uri
    JOBID`` reads it)."""
    jobid, uri = os.environ.get("FLUX_JOB_ID"), os.environ.get("FLUX_URI")
    if not jobid or not uri:
        return
    from fluxsim.handle import Flux
    from fluxsim.job import JobID

    try:
        handle = Flux(uri)
        try:
            handle.rpc("job-manager.memo", {"id": int(JobID(jobid)),
                                            "memo": {"uri": f"ssh://{socket.gethostname()}{path}"}}).get()
        finally:
            handle.close()
    except (OSError, ValueError):
        pass  # not inside a job of a reachable instance


def _exit_status(returncode):
    return 128 - returncode if returncode < 0 else returncode


class _Forward:
    """The broker's "deadly" signals go to the initial program, as flux-core's
    broker passes them on; one that comes before the program starts is
    delivered as soon as it does (or ends the start, if it never does).

    SIGALRM is among them: it is what a job that reaches its time limit
    gets, so a nested instance (``flux batch``, a provider's block) ends
    with its program's status, 128 + 14, and leaves nothing running."""

    # flux-core's broker.c, signal_is_deadly(); on 0.88.0 the program of a nested
    # block gets SIGTERM when it is cancelled, SIGALRM at its time limit
    SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGALRM)

    def __init__(self):
        self.child = None
        self.pending = None
        self._old = {}

    def __enter__(self):
        self._old = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        return self

    def __exit__(self, *exc):
        for s, handler in self._old.items():
            signal.signal(s, handler)

    def _handle(self, signum, frame):
        if self.child is None:
            self.pending = signum
            return
        try:
            self.child.send_signal(signum)
        except OSError:
            pass

    def started(self, child):
        """The program is running: deliver what came before."""
        self.child = child
        if self.pending is not None:
            self._handle(self.pending, None)


def _initial_program(args):
    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        return [os.environ.get("SHELL", "/bin/sh")]
    if len(command) == 1 and any(c.isspace() or c in ";&|<>$()'\"" for c in command[0]):
        return ["/bin/sh", "-c", command[0]]  # one argument: a shell command line
    return command


def run(args):
    """Start the instance, run the initial program, stop everything; its status."""
    with _Forward() as forward:
        return _run(args, forward)


def _run(args, forward):
    import fluxsim
    from fluxsim.listener import Listener

    conf = configuration(args)
    try:
        inst = fluxsim.start(config=conf, **resources(args, conf))
    except (ValueError, OSError) as exc:
        print(f"flux-start: {exc}", file=sys.stderr)
        return 1
    listener = None
    child = None
    shutdown = _Shutdown(forward)
    try:
        _offline_beyond(inst, args.test_size)
        level = _parent_level() + 1
        inst.attrs.update({"instance-level": str(level), **broker_attributes(args)})
        if level > 0:
            inst.attrs["parent-uri"] = os.environ["FLUX_URI"]
        inst.attrs.update(attributes(args))
        listener = Listener(inst, os.path.join(inst.rundir, "local-0"))
        inst.serve_as(listener.uri)
        inst.shutdown_hook = shutdown.request
        _post_uri(listener.path)
        if "broker.rc2_none" in inst.attrs:
            return _serve_until_stopped(forward, shutdown)
        command = _initial_program(args)
        env = program_environment(listener.uri, os.path.join(inst.rundir, "bin"))
        session = not sys.stdin.isatty()
        if forward.pending is not None:
            return 128 + forward.pending
        if shutdown.requested.is_set():
            return 0
        try:
            child = subprocess.Popen(command, env=env, start_new_session=session)
        except OSError as exc:
            print(f"flux-start: {command[0]}: {exc.strerror}", file=sys.stderr)
            return 127 if isinstance(exc, FileNotFoundError) else 126
        started = time.monotonic()
        forward.started(child)
        returncode = child.wait()
        status = _exit_status(returncode)
        level, line = _program_end(command, returncode, time.monotonic() - started)
        shutdown.lines.append((level, line))
        if level <= _LOG_STDERR_LEVEL:
            print(f"{_log_time()} {line}", file=sys.stderr, flush=True)
        if session:
            _kill_group(child.pid, signal.SIGKILL)  # what the program left behind
        if status and args.test_size:
            # flux start's launcher reports each broker that failed
            print(f"flux-start: 0 (pid {os.getpid()}) exited with rc={status}", file=sys.stderr)
        return status
    finally:
        if child is not None and child.poll() is None:
            _stop(child)
        if listener is not None:
            with inst.lock:
                shutdown.finish()
            listener.close()
        inst.shutdown()


_LOG_ERR, _LOG_INFO = 3, 6
#: The broker's ``log-stderr-level``: what it logs at this level or worse goes to stderr.
_LOG_STDERR_LEVEL = _LOG_ERR


def _program_end(command, returncode, seconds):
    """``(level, log line)`` of the initial program's end (``Popen.returncode``:
    negative for a signal), as the broker's runat logs it."""
    status = _exit_status(returncode)
    what = (signal.strsignal(-returncode) or f"Signal {-returncode}") if returncode < 0 else "Exited"
    level, name = (_LOG_ERR, "err") if status else (_LOG_INFO, "info")
    return level, f"broker.{name}[0]: rc2.0: {' '.join(command)} {what} (rc={status}) {seconds:.1f}s"


def _log_time():
    """The time a broker's log line on stderr starts with (``Nov 30 18:46:41.666327 UTC 2026``)."""
    now = time.time()
    local = time.localtime(now)
    return f"{time.strftime('%b %e %H:%M:%S', local)}.{int(now % 1 * 1e6):06d} {time.strftime('%Z %Y', local)}"


def _serve_until_stopped(forward, shutdown):
    """No initial program (``-Sbroker.rc2_none``, as ``flux alloc --bg`` asks):
    serve until ``flux shutdown`` (exit 0) or a deadly signal (exit 1), as
    flux-core's broker does (recorded on 0.88.0: such a job, shut down,
    finishes with status 0; cancelled or expired, with 256)."""
    while forward.pending is None:
        if shutdown.requested.wait(0.1):  # the signal handler runs between waits
            return 0
    return 1


class _Shutdown:
    """``flux shutdown`` of this broker: its ``shutdown.start`` requests.

    The first request stops the instance: a broker without an initial
    program stops serving, else the program gets SIGHUP, as flux-core's
    broker hangs up its rc2.  Each request that takes a stream (``flux
    shutdown`` without ``--background``) gets the broker's log messages up
    to its ``loglevel`` and ENODATA once the instance has stopped; fluxsim
    logs one, the program's end, as flux-core's does (``broker.err[0]:
    rc2.0: CMD Hangup (rc=129) 0.0s``).  One that takes no stream is
    answered at once.
    """

    def __init__(self, forward):
        self.forward = forward
        self.requested = threading.Event()
        self.streams = []  # (request, loglevel)
        self.lines = []  # (level, text)

    def request(self, request):
        """``shutdown.start`` (the broker thread, instance lock held)."""
        level = request.payload.get("loglevel", _LOG_INFO)
        if isinstance(level, bool) or not isinstance(level, int):
            raise OSError(errno.EPROTO, "Protocol error")
        if request.streaming:
            entry = (request, level)
            self.streams.append(entry)
            request.defer(lambda: self.streams.remove(entry))
        else:
            request.finish()
        if not self.requested.is_set():
            self.requested.set()
            child = self.forward.child
            if child is not None:
                try:
                    child.send_signal(signal.SIGHUP)
                except OSError:
                    pass

    def finish(self):
        """The instance has stopped: each stream gets its log lines, then ENODATA."""
        for request, level in list(self.streams):
            for line_level, text in self.lines:
                if line_level <= level:
                    request.respond({"log": text + "\n"})
            request.end()
        self.streams.clear()


def _offline_beyond(inst, size):
    """Configured ranks that no broker of ``--test-size`` runs on are offline,
    as on ``flux start`` (recorded on flux-core 0.88.0: ``avail*``, ``down``)."""
    nranks = inst.resources.nranks
    if size and nranks > size:
        inst.down(range(size, nranks))


def _kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
        return True
    except OSError:
        return False


def _stop(child):
    """Stop the initial program and its process group: SIGTERM, then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, None)):
        if not _kill_group(child.pid, sig):
            child.send_signal(sig)
        try:
            child.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _check_test_hosts(args):
    """``--test-hosts`` names one host a test broker, as flux start requires."""
    if args.test_hosts is None:
        return
    if not args.test_size:
        raise SystemExit("flux-start: --test-hosts only works with --test-size")
    from fluxsim.resource import hostlist

    try:
        count = len(hostlist.decode(args.test_hosts))
    except ValueError:
        raise SystemExit("flux-start: could not decode --test-hosts hostlist") from None
    if count != args.test_size:
        raise SystemExit("flux-start: --test-hosts hostlist has incorrect size")


def main(argv=None):
    """``fluxsim start ...``"""
    args = parser().parse_args(argv)
    _check_test_hosts(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
