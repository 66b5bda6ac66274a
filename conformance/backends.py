"""The two lanes: fluxsim in this process, or a real ``flux start``.

Both give an *instance* object with ``job`` (the ``flux.job``-like module),
``handle``, ``settle(ready)``, ``advance(seconds)``, ``reset(jobids,
drained)`` and ``close()``.  The real lane keeps one ``flux start`` per
resource shape for the life of a pytest(-xdist) worker, each with its own
private config directory and its own broker sockets, so workers share
nothing.
"""

import os
import shutil
import subprocess
import tempfile
import time

# One "find flux" rule for the project: fluxexec's (re-exported here for the
# plugin and the recorder).
from fluxexec.backends import find_flux, load

__all__ = [
    "SimInstance",
    "RealFlux",
    "ConnectedFlux",
    "RealInstance",
    "find_flux",
    "poll_until",
    "resource_toml",
    "shape_key",
]


def shape_key(shape):
    """A hashable resource shape (nnodes, cores_per_node, gpus_per_node)."""
    return (
        int(shape.get("nnodes", 1)),
        int(shape.get("cores_per_node", 1)),
        int(shape.get("gpus_per_node", 0)),
    )


def _hosts(nnodes):
    return f"node[0-{nnodes - 1}]" if nnodes > 1 else "node0"


def _ids(n):
    return f"0-{n - 1}" if n > 1 else "0"


def resource_toml(shape):
    """``[[resource.config]]`` for ``shape``, as ``flux start -c DIR`` reads it."""
    nnodes, cores, gpus = shape_key(shape)
    lines = [
        "[resource]",
        "noverify = true",
        "[[resource.config]]",
        f'hosts = "{_hosts(nnodes)}"',
        f'cores = "{_ids(cores)}"',
    ]
    if gpus:
        lines.append(f'gpus = "{_ids(gpus)}"')
    return "\n".join(lines) + "\n"


def resource_config(shape):
    """:func:`resource_toml` parsed, as ``flux start -c`` reads it."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(resource_toml(shape))


class SimInstance:
    """A fluxsim instance for one case (virtual clock unless it runs commands)."""

    def __init__(self, shape, clock="virtual"):
        import fluxsim
        import fluxsim.job

        self.instance = fluxsim.start(config=resource_config(shape), clock=clock)
        self.job = fluxsim.job
        self.handle = fluxsim.Flux(self.instance.uri)
        self.clock = clock

    def settle(self, ready):
        if self.clock == "virtual":
            # let zero-length timers fire, as a real broker's do within ms
            self.instance.run(until=self.instance.now + 0.01)
        else:
            poll_until(ready, quiet=0.02, interval=0.005)

    def advance(self, seconds):
        if self.clock == "virtual":
            self.instance.run(until=self.instance.now + seconds)
        else:
            time.sleep(seconds)

    def reset(self, jobids, drained):
        self.close()

    def close(self):
        self.instance.shutdown()


#: The golden outcomes are sched-simple's: a ``flux start`` loads Fluxion
#: instead whenever flux-sched is installed, unless told otherwise.
SCHEDULER = "sched-simple"
SCHED_TOML = f'[modules.alternatives]\nsched = "{SCHEDULER}"\n'


def scheduler_of(handle):
    """The name of the scheduler module an instance loaded (None if none)."""
    mods = handle.rpc("module.list").get()["mods"]
    for mod in mods:
        if "sched" in mod.get("services", []):
            return mod["name"]
    return None


class RealFlux:
    """One ``flux start --test-size=N`` with fake resources, for one shape."""

    def __init__(self, shape, flux=None):
        self.flux = flux or find_flux()
        if self.flux is None:
            raise RuntimeError("no flux command on PATH")
        nnodes, _cores, _gpus = shape_key(shape)
        self.dir = tempfile.mkdtemp(prefix="conformance-flux-")
        os.chmod(self.dir, 0o700)
        confdir = os.path.join(self.dir, "conf")
        os.mkdir(confdir)
        with open(os.path.join(confdir, "resource.toml"), "w") as f:
            f.write(resource_toml(shape))
        with open(os.path.join(confdir, "sched.toml"), "w") as f:
            f.write(SCHED_TOML)
        urifile = os.path.join(self.dir, "uri")
        self.proc = subprocess.Popen(
            [
                self.flux,
                "start",
                f"--test-size={nnodes}",
                f"--test-hosts={_hosts(nnodes)}",
                "-c",
                confdir,
                "sh",
                "-c",
                f'echo "$FLUX_URI" > {urifile}.tmp && mv {urifile}.tmp {urifile} && read _',
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, "broker.log"), "wb"),
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not os.path.exists(urifile):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = open(os.path.join(self.dir, "broker.log")).read()
                self.close()
                raise RuntimeError(f"flux start failed:\n{log}")
            time.sleep(0.05)
        self.uri = open(urifile).read().strip()
        backend = load("flux", flux_path=self.flux)
        self.job = backend.job
        self.handle = backend.Flux(self.uri)

    def close(self):
        """End the instance: its initial program exits when stdin closes."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def same_shape(R, shape):
    """True if R v1 ``R`` is exactly the resource set the suite builds for ``shape``."""
    from fluxsim.resource.rv1 import Rv1

    want = Rv1.from_config(resource_config(shape))
    have = Rv1.from_dict(R)
    return list(have.ranks.values()) == list(want.ranks.values())


class ConnectedFlux:
    """The instance in FLUX_URI, used for a shape when its resources match it."""

    def __init__(self, uri):
        backend = load("flux")
        self.uri = uri
        self.job = backend.job
        self.handle = backend.Flux(uri)

    @classmethod
    def for_shape(cls, shape):
        """The FLUX_URI instance if it is real Flux with exactly ``shape``, else None.

        Only without parallel xdist workers: placements are only comparable
        on an instance no one else submits to.
        """
        uri = os.environ.get("FLUX_URI")
        if not uri or uri.startswith("sim://"):
            return None
        if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
            return None
        flux = cls(uri)
        R = flux.handle.rpc("resource.status", nodeid=0).get()["R"]
        if not same_shape(R, shape) or scheduler_of(flux.handle) != SCHEDULER:
            return None
        return flux

    def close(self):
        """Leave the instance running: it is not ours."""


class RealInstance:
    """A case's view of a shared :class:`RealFlux`."""

    def __init__(self, flux):
        self.flux = flux
        self.job = flux.job
        self.handle = flux.handle

    def settle(self, ready):
        poll_until(ready, quiet=0.15)

    def advance(self, seconds):
        time.sleep(seconds)

    def reset(self, jobids, drained):
        """Leave the instance as the next case expects it: no jobs, nothing drained."""
        for jobid in jobids:
            try:
                self.job.cancel(self.handle, jobid)
            except OSError:
                pass  # already inactive
        for ranks in drained:
            self.handle.rpc("resource.undrain", {"targets": ranks}, nodeid=0).get()
        for jobid in jobids:
            self.job.result(self.handle, jobid)

    def close(self):
        pass


def poll_until(ready, quiet=0.2, limit=20.0, interval=0.02):
    """Wait until ``ready()`` has held for ``quiet`` seconds (at most ``limit``)."""
    deadline = time.monotonic() + limit
    since = None
    while time.monotonic() < deadline:
        if ready():
            if since is None:
                since = time.monotonic()
            elif time.monotonic() - since >= quiet:
                return True
        else:
            since = None
        time.sleep(interval)
    return False
