"""The two lanes: fluxsim in this process, or a real ``flux start``.

Both give an *instance* object with ``job`` (the ``flux.job``-like module),
``handle``, ``scheduler`` (``sched-simple`` or ``fluxion``), ``config``,
``settle(ready)``, ``advance(seconds)``, ``reset(jobids, drained)`` and
``close()``.  The real lane keeps one ``flux start`` per resource shape,
scheduler and configuration (:func:`instance_key`) for the life of a
pytest(-xdist) worker, each with its own private config directory and its
own broker sockets, so workers share nothing.
"""

import json
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
    "Pool",
    "restore",
    "find_flux",
    "instance_key",
    "poll_until",
    "resource_toml",
    "scheduler_of",
    "shape_key",
    "toml_text",
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


def instance_key(shape, scheduler=None, config=None):
    """What tells instances apart: shape (with node properties), scheduler, configuration."""
    props = tuple(sorted((shape.get("properties") or {}).items()))
    return shape_key(shape) + props, scheduler, json.dumps(config or {}, sort_keys=True)


def resource_config(shape):
    """The ``[resource]`` table for ``shape`` (fake resources, node properties)."""
    nnodes, cores, gpus = shape_key(shape)
    entry = {"hosts": _hosts(nnodes), "cores": _ids(cores)}
    if gpus:
        entry["gpus"] = _ids(gpus)
    entries = [entry]
    for prop, ranks in sorted((shape.get("properties") or {}).items()):
        entries.append({"hosts": f"node[{ranks}]", "properties": [prop]})
    return {"resource": {"noverify": True, "config": entries}}


def resource_toml(shape):
    """``[[resource.config]]`` for ``shape``, as ``flux start -c DIR`` reads it."""
    return toml_text(resource_config(shape))


def toml_text(config):
    """A Flux configuration dict as TOML (tables, arrays of tables, scalars, arrays)."""
    lines = []
    _toml_table(lines, [], config)
    return "\n".join(lines) + "\n"


def _toml_table(lines, path, table):
    for key, value in table.items():
        if not isinstance(value, dict) and not _is_table_array(value):
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in table.items():
        name = path + [key]
        if isinstance(value, dict):
            plain = [v for v in value.values() if not (isinstance(v, dict) or _is_table_array(v))]
            if plain or not value:
                lines.append(f"[{'.'.join(map(_toml_key, name))}]")
            _toml_table(lines, name, value)
        elif _is_table_array(value):
            for item in value:
                lines.append(f"[[{'.'.join(map(_toml_key, name))}]]")
                _toml_table(lines, name, item)


def _is_table_array(value):
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_key(key):
    bare = key.replace("-", "").replace("_", "").isalnum()
    return key if bare else json.dumps(key)


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ValueError(f"no TOML for {value!r}")


def instance_config(shape, config=None):
    """A case's whole instance configuration: the shape's ``[resource]`` plus its ``config``."""
    return {**(config or {}), **resource_config(shape)}


class SimInstance:
    """A fluxsim instance for one case (virtual clock unless it runs commands)."""

    def __init__(self, shape, clock="virtual", scheduler="sched-simple", config=None):
        import fluxsim
        import fluxsim.job

        self.instance = fluxsim.start(config=instance_config(shape, config), clock=clock,
                                      scheduler=scheduler)
        self.job = fluxsim.job
        self.handle = fluxsim.Flux(self.instance.uri)
        self.clock = clock
        self.scheduler = scheduler
        self.config = config or {}
        if "queues" in self.config:
            _start_queues(self.handle)  # as the real lane starts them

    def settle(self, ready, pending=None):
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


#: The module that provides an instance's ``sched`` service -> the scheduler's name.
SCHEDULER_MODULES = {"sched-simple": "sched-simple", "sched-fluxion-qmanager": "fluxion"}
#: A scheduler's name -> the module that answers its ``sched`` requests.
SCHEDULER_SERVICES = {name: module for module, name in SCHEDULER_MODULES.items()}
#: A ``flux start`` loads Fluxion whenever flux-sched is installed; this makes it load sched-simple.
SCHED_SIMPLE_TOML = '[modules.alternatives]\nsched = "sched-simple"\n'
#: Configuration tables that change what a scheduler decides.
SCHEDULER_TABLES = ("sched-fluxion-resource", "sched-fluxion-qmanager", "queues", "policy")


def scheduler_of(handle):
    """The scheduler an instance loaded: ``sched-simple``, ``fluxion``, another module, or None."""
    mods = handle.rpc("module.list").get()["mods"]
    for mod in mods:
        if "sched" in mod.get("services", []):
            return SCHEDULER_MODULES.get(mod["name"], mod["name"])
    return None


def _start_queues(handle):
    # named queues start stopped; the cases expect them to schedule
    payload = {"start": True, "all": True, "nocheckpoint": False}
    handle.rpc("job-manager.queue-start", payload, nodeid=0).get()


class RealFlux:
    """One ``flux start --test-size=N`` with fake resources, for one shape.

    ``scheduler`` (``sched-simple`` or ``fluxion``) is the scheduler to load,
    None for whatever ``flux start`` loads; ``config`` more configuration
    (written as TOML next to the shape's ``resource.toml``).  ``scheduler``
    is the one it loaded.
    """

    def __init__(self, shape, flux=None, scheduler=None, config=None):
        self.clean = True  # as a fresh flux start leaves it (see restore)
        self.flux = flux or find_flux()
        if self.flux is None:
            raise RuntimeError("no flux command on PATH")
        nnodes, _cores, _gpus = shape_key(shape)
        self.config = config or {}
        self.dir = tempfile.mkdtemp(prefix="conformance-flux-")
        os.chmod(self.dir, 0o700)
        confdir = os.path.join(self.dir, "conf")
        os.mkdir(confdir)
        with open(os.path.join(confdir, "resource.toml"), "w") as f:
            f.write(resource_toml(shape))
        if scheduler == "sched-simple":
            with open(os.path.join(confdir, "sched.toml"), "w") as f:
                f.write(SCHED_SIMPLE_TOML)
        if self.config:
            with open(os.path.join(confdir, "case.toml"), "w") as f:
                f.write(toml_text(self.config))
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
        self.scheduler = scheduler_of(self.handle)
        if scheduler is not None and self.scheduler != scheduler:
            self.close()
            raise RuntimeError(
                f"asked flux start for {scheduler}, but the instance loaded {self.scheduler!r} "
                f"as its scheduler ({self.flux})"
            )
        if "queues" in self.config:
            _start_queues(self.handle)

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
    same_ranks = list(have.ranks.values()) == list(want.ranks.values())
    return same_ranks and have.properties == want.properties


def same_scheduler_config(have, want):
    """True if configuration ``have`` sets the scheduler as ``want`` does."""
    return all((have or {}).get(t, {}) == (want or {}).get(t, {}) for t in SCHEDULER_TABLES)


class ConnectedFlux:
    """The instance in FLUX_URI, used for a shape when its resources match it.

    One that runs Fluxion is made fresh before its first case: its active
    jobs are canceled and Fluxion reloaded (:func:`restore`).
    """

    def __init__(self, uri):
        backend = load("flux")
        self.flux = find_flux()
        self.uri = uri
        self.job = backend.job
        self.handle = backend.Flux(uri)
        self.scheduler = scheduler_of(self.handle)
        self.config = self.handle.rpc("config.get").get()
        # Fluxion's history is unknown: the first case makes it fresh (see restore)
        self.clean = self.scheduler != "fluxion"

    @classmethod
    def for_shape(cls, shape, scheduler=None, config=None):
        """The FLUX_URI instance if it is real Flux with exactly ``shape``, else None.

        It must also run ``scheduler`` (any, if None) configured as
        ``config`` says.  Only without parallel xdist workers: placements are
        only comparable on an instance no one else submits to.
        """
        uri = os.environ.get("FLUX_URI")
        if not uri or uri.startswith("sim://"):
            return None
        if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
            return None
        flux = cls(uri)
        R = flux.handle.rpc("resource.status", nodeid=0).get()["R"]
        if not same_shape(R, shape) or flux.scheduler not in SCHEDULER_MODULES.values():
            return None
        if scheduler is not None and flux.scheduler != scheduler:
            return None
        if not same_scheduler_config(flux.config, config):
            return None
        return flux

    def close(self):
        """Leave the instance running: it is not ours."""


class RealInstance:
    """A case's view of a shared :class:`RealFlux` (or :class:`ConnectedFlux`)."""

    def __init__(self, flux):
        if not flux.clean:
            restore(flux)
        flux.clean = False
        self.flux = flux
        self.job = flux.job
        self.handle = flux.handle
        self.scheduler = flux.scheduler
        self.config = flux.config

    def settle(self, ready, pending=None):
        poll_until(ready, quiet=0.15)
        if pending is not None and pending():
            # A pending job may still wait for its scheduler's answer: on a
            # loaded machine Fluxion denied an unsatisfiable job more than
            # 0.15 s after its priority event.  A round trip through the
            # scheduler, then the job manager, lets any answer queued before
            # it through; a quiet spell then lets its events reach the KVS.
            self._round_trip()
            poll_until(ready, quiet=0.15)

    def _round_trip(self):
        modules = [SCHEDULER_SERVICES.get(self.scheduler, self.scheduler)] if self.scheduler else []
        for module in modules + ["job-manager"]:
            try:
                self.handle.rpc(f"{module}.stats-get", nodeid=0).get()
            except OSError:
                pass  # a module that does not answer it (ENOSYS): the quiet spell alone

    def advance(self, seconds):
        time.sleep(seconds)

    def reset(self, jobids, drained):
        """Leave the instance as the next case expects it: no jobs, nothing drained."""
        for ranks in drained:
            self.handle.rpc("resource.undrain", {"targets": ranks}, nodeid=0).get()
        cancel_and_wait(self.job, self.handle, jobids)
        if self.scheduler == "fluxion":
            reload_fluxion(self.flux.flux, self.flux.uri, self.handle)
        self.flux.clean = True

    def close(self):
        pass


def cancel_and_wait(job, handle, jobids):
    """Cancel ``jobids`` (those already inactive are left) and wait until each has ended."""
    for jobid in jobids:
        try:
            job.cancel(handle, jobid)
        except OSError:
            pass  # already inactive
    for jobid in jobids:
        job.result(handle, jobid)


def restore(flux):
    """Leave a real instance as a fresh ``flux start`` does: no active jobs, a fresh Fluxion.

    For instances that tests other than the cases used (they set ``clean``
    False); cases clean up after themselves (:meth:`RealInstance.reset`).
    """
    active = flux.job.job_list(flux.handle, max_entries=0, attrs=[], states=ACTIVE_STATES)
    cancel_and_wait(flux.job, flux.handle, [job["id"] for job in active.get_jobs()])
    if flux.scheduler == "fluxion":
        reload_fluxion(flux.flux, flux.uri, flux.handle)
    flux.clean = True


#: flux-core's FLUX_JOB_STATE_ACTIVE (every state but INACTIVE).
ACTIVE_STATES = 62


#: Fluxion's modules, dependents first.
FLUXION_MODULES = ("sched-fluxion-qmanager", "sched-fluxion-feasibility", "sched-fluxion-resource")


def reload_fluxion(flux, uri, handle):
    """Give an idle instance's Fluxion a fresh resource graph, as a new ``flux start`` has.

    Fluxion's choice depends on the jobs it matched before, not only on
    what is allocated now (on an idle instance the same request lands on
    other nodes after other jobs), so every case starts from a fresh one.
    ``flux modprobe`` removes and loads the modules with the arguments
    rc1 gave them.
    """
    env = {**os.environ, "FLUX_URI": uri}
    for args in (["remove", *FLUXION_MODULES], ["load", *FLUXION_MODULES[:2]]):
        subprocess.run([flux, "modprobe", *args], env=env, check=True, capture_output=True)
    if not poll_until(lambda: _fluxion_up(handle), quiet=0.0):
        raise RuntimeError("Fluxion did not come back up after a reload")


def _fluxion_up(handle):
    try:
        status = handle.rpc("sched.resource-status", nodeid=0).get()
    except OSError:
        return False
    return not status.get("down")


class Pool:
    """Real instances by :func:`instance_key`, started on first use.

    At most ``size`` are kept (the least recently used is closed first):
    every configuration a case file carries is an instance of its own.
    With ``connect``, the instance in FLUX_URI serves where it fits
    (:meth:`ConnectedFlux.for_shape`).
    """

    def __init__(self, size=4, connect=False, flux=None):
        self.size = size
        self.connect = connect
        self.flux = flux
        self.instances = {}

    def get(self, shape, scheduler=None, config=None):
        """The instance for ``shape``, ``scheduler`` (None: flux start's own) and ``config``."""
        key = instance_key(shape, scheduler, config)
        if key in self.instances:
            self.instances[key] = self.instances.pop(key)  # now the most recently used
            return self.instances[key]
        while len(self.instances) >= self.size:
            self.instances.pop(next(iter(self.instances))).close()
        found = self.connect and ConnectedFlux.for_shape(shape, scheduler, config)
        self.instances[key] = found or RealFlux(
            shape, flux=self.flux, scheduler=scheduler, config=config
        )
        return self.instances[key]

    def close(self):
        """Close every instance (a connected one stays up: it is not ours)."""
        while self.instances:
            self.instances.popitem()[1].close()


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
