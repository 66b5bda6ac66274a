"""The Flux instance an executor runs its jobs on: connected to, or started.

Three ways to have one:

* :class:`Connected` -- an instance that already runs (``FLUX_URI``, e.g.
  inside ``flux alloc``/``flux batch``); the executor neither starts nor stops it.
* :class:`Simulated` -- a fluxsim instance in this process (``fluxsim.start``).
* :class:`Launched` -- ``flux start`` submitted through a Parsl provider, so
  that its launcher spreads the instance over the block's nodes.

A launched instance tells the executor its URI without any network listener:
its initial program (this file, run as a script under ``flux start``) writes
the URI into a file in the executor's working directory, which only the
user can read (0700), then waits for the executor's ``fluxexec.stop``
event.  Reaching the instance is authenticated by Flux itself (the local
connector's socket is owner-only; ``ssh://`` from another host goes through
ssh)::

    flux start python .../fluxexec/instance.py WORKDIR/instance.uri

This file is also run as that initial program, so it imports only the
standard library at the top.
"""

import json
import os
import socket
import sys
import time

URI_FILE = "instance.uri"
STOP_EVENT = "fluxexec.stop"
DEFAULT_LAUNCH_CMD = "{flux} start {python} {manager} {uri_file}"


class Instance:
    """A Flux instance: its ``uri`` and whether this executor owns it."""

    owned = False

    def __init__(self, uri):
        self.uri = uri

    def check(self):
        """Return a reason string if the instance is known to be gone, else None."""
        return None

    def stop(self, backend, timeout=30.0):
        """Stop the instance if this executor started it."""

    def __repr__(self):
        return f"{type(self).__name__}({self.uri!r})"


class Connected(Instance):
    """An instance that was running before the executor started (``FLUX_URI``)."""


class Simulated(Instance):
    """A fluxsim instance started by the executor."""

    owned = True

    #: Inactive jobs the executor's own fluxsim keeps (``job-manager.inactive-num-limit``):
    #: their results have been delivered, so older ones are purged, as a
    #: system instance purges them; ``sim_resources`` may say otherwise (-1: keep all).
    INACTIVE_NUM_LIMIT = 1000

    #: Its heartbeat: the purge removes at most 100 jobs a beat, so Flux's 2 s
    #: would let the table grow whenever apps finish faster than 50 a second.
    HEARTBEAT_PERIOD = "0.1s"

    def __init__(self, fluxsim, resources):
        options = {"inactive_num_limit": self.INACTIVE_NUM_LIMIT, **resources}
        if "config" not in options:
            options["config"] = {"heartbeat": {"period": self.HEARTBEAT_PERIOD}}
        if options["inactive_num_limit"] == -1:
            del options["inactive_num_limit"]
        self.sim = fluxsim.start(clock="real", **options)
        # it is there to run the executor's apps: queues a config names
        # (which start stopped, as on a real flux start) are started
        self.sim.start_queues()
        super().__init__(self.sim.uri)

    def stop(self, backend, timeout=30.0):
        self.sim.shutdown()


def machine_resources():
    """This machine's shape, as ``sim_resources``: one node, its cores and GPUs."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    try:
        gpus = sum(1 for name in os.listdir("/dev") if name.startswith("nvidia") and name[6:].isdigit())
    except OSError:
        gpus = 0
    return {"nnodes": 1, "cores_per_node": cores, "gpus_per_node": gpus}


class Launched(Instance):
    """``flux start`` run through a Parsl provider; its initial program reports the URI."""

    owned = True

    def __init__(self, provider, working_dir, flux_path, launch_cmd=None, label="fluxexec"):
        self.provider = provider
        self.uri_file = os.path.join(working_dir, URI_FILE)
        manager = os.path.abspath(__file__)
        command = (launch_cmd or DEFAULT_LAUNCH_CMD).format(
            flux=flux_path,
            python=sys.executable,
            manager=manager,
            uri_file=self.uri_file,
            # Parsl's FluxExecutor launch_cmd placeholders, so its custom
            # launch commands keep working: the manager reads "file PATH 0".
            protocol="file",
            hostname=self.uri_file,
            port=0,
        )
        if getattr(provider, "script_dir", None) is None:
            provider.script_dir = working_dir
        self.command = command
        self.job_id = provider.submit(command, 1, f"parsl.{label}.flux")
        if not self.job_id:
            raise RuntimeError(f"the provider did not start the Flux instance ({command})")
        super().__init__(None)

    def check(self):
        status = self.provider.status([self.job_id])[0]
        if status.terminal:
            return f"provider job {self.job_id} is {status.state.name}" + (f": {status.message}" if status.message else "")
        return None

    def wait_uri(self, timeout, stop_event=None, poll=0.1):
        """Wait for the initial program's URI file; return the URI to connect to."""
        deadline = time.monotonic() + timeout
        next_check = 0.0
        while not os.path.exists(self.uri_file):
            now = time.monotonic()
            if now > deadline:
                raise TimeoutError(f"the Flux instance did not report its URI within {timeout} s")
            if now >= next_check:
                reason = self.check()
                if reason:
                    raise RuntimeError(f"the Flux instance did not start: {reason}")
                next_check = now + 2.0
            if stop_event is not None and stop_event.wait(poll):
                raise RuntimeError("executor shut down while the Flux instance started")
            elif stop_event is None:
                time.sleep(poll)
        with open(self.uri_file) as f:
            info = json.load(f)
        uri = info["uri"]
        if info.get("host") != socket.gethostname() and uri.startswith("local://"):
            uri = "ssh://" + info["host"] + uri[len("local://") :]
        self.uri = uri
        return uri

    def stop(self, backend, timeout=30.0):
        if self.uri is not None:
            try:
                backend.Flux(self.uri).event_send(STOP_EVENT)
            except Exception:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.check() is None:
            time.sleep(0.2)
        if self.check() is None:
            self.provider.cancel([self.job_id])
        try:
            os.unlink(self.uri_file)
        except FileNotFoundError:
            pass


def serve(uri_file):
    """The initial program: publish the instance's URI, then wait to be stopped."""
    try:
        import flux
    except ImportError:
        # The interpreter is the executor's, not Flux's: ask Flux where its
        # bindings are (under ``flux start`` the flux command is on PATH).
        import subprocess

        out = subprocess.run(
            ["flux", "python", "-c", "import flux,os;print(os.path.dirname(os.path.dirname(flux.__file__)))"],
            capture_output=True,
            text=True,
            check=True,
        )
        sys.path.append(out.stdout.strip().splitlines()[-1])
        import flux

    h = flux.Flux()
    h.event_subscribe(STOP_EVENT)
    info = {"uri": h.attr_get("local-uri"), "host": socket.gethostname(), "pid": os.getpid()}
    tmp = f"{uri_file}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(info, f)
    os.replace(tmp, uri_file)
    h.event_recv()  # subscribed to STOP_EVENT only; a topic argument trips flux 0.88


def main(argv=None):
    """``instance.py URI_FILE`` (or Parsl's ``instance.py file URI_FILE 0``)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 3 and argv[0] == "file":
        argv = argv[1:2]
    if len(argv) != 1:
        print("usage: instance.py URI_FILE", file=sys.stderr)
        return 2
    serve(argv[0])
    return 0


if __name__ == "__main__":
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    sys.exit(main())
