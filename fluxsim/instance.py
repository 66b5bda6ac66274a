"""A simulated Flux instance: resources, clock, job manager, scheduler, exec.

``fluxsim.start(...)`` is ``flux start`` with ``[fake-resources]``: it returns
an :class:`Instance` whose ``uri`` any number of :class:`fluxsim.Flux` handles
open in the same process.  Several instances may live side by side.

Two clocks::

    with fluxsim.start(nnodes=2, cores_per_node=4) as inst:        # real time
        h = fluxsim.Flux(inst.uri)                                 # real processes

    inst = fluxsim.start(nnodes=2, cores_per_node=4, clock="virtual")
    ...submit...; inst.run()                                       # jumps event to event

On the real clock a broker thread owns the simpy environment: it keeps
simulated time equal to wall time, fires timers and reaps task processes
(through pidfds, so it never reaps a process it did not start).  On the
virtual clock there is no thread: time moves in :meth:`Instance.run` and in
any blocking call, which advances the simulation until it can answer.
"""

import atexit
import collections
import contextlib
import errno
import itertools
import json
import logging
import os
import selectors
import shutil
import socket
import tempfile
import threading
import time

import simpy

from fluxsim import config as _config
from fluxsim.execution import Execution
from fluxsim.constants import FLUX_JOB_NOVALIDATE as FLAG_NOVALIDATE
from fluxsim.jobmanager import JobManager, queue_of
from fluxsim.queues import Queues
from fluxsim.resource import hostlist
from fluxsim.services.kvsstore import KVSStore
from fluxsim.resource.rv1 import Rv1
from fluxsim.resource.status import ResourceStatus, node_failure
from fluxsim.scheduler import choose, make_scheduler
from fluxsim.waker import Waker
from fluxsim.constants import State

__all__ = ["Instance", "start", "find", "lookup", "CLOCKS"]

CLOCKS = ("real", "virtual")

#: The flux-core version fluxsim mirrors (``flux getattr version``).
FLUX_VERSION = "0.88.0"
#: Log messages an instance keeps (the broker's ring buffer).
LOG_BUFFER = 1000

#: The longest single sleep of a real-clock wait (seconds); longer waits loop.
MAX_WAIT = 3600.0

_registry = {}
_registry_lock = threading.Lock()
_counter = itertools.count()


@atexit.register
def _shutdown_all():
    """An instance left running at exit still stops its tasks."""
    with _registry_lock:
        live = list(_registry.values())
    for inst in live:
        inst.shutdown()


def find(uri):
    """The live instance of this process that ``uri`` names, or None.

    Its ``sim://`` uri (task uris ``.../local-N`` too), or the ``local://``
    uri it is served on (:meth:`Instance.serve_as`).
    """
    base = uri
    head, _, tail = uri.rpartition("/")
    if tail.startswith("local-") and head.startswith("sim://"):
        base = head
    with _registry_lock:
        return _registry.get(base)


def lookup(uri):
    """The live instance of this process that ``uri`` names; ConnectionRefusedError if none."""
    inst = find(uri)
    if inst is None:
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    return inst


class Instance:
    """One simulated Flux instance (see the module docstring)."""

    def __init__(self, R, clock="real", policy=None, name=None, conf=None, scheduler=None):
        if clock not in CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, not {clock!r}")
        self.conf = _config.load(conf)
        age_limit, num_limit = _config.purge_limits(self.conf)
        self.R = R
        self.clock = clock
        #: ``fluxion`` or ``sched-simple``, and the policy run (see :func:`fluxsim.scheduler.choose`)
        self.scheduler_name, self.policy = choose(scheduler, policy, self.conf)
        self.owner = os.getuid()
        #: the KVS's namespaces (what users commit; the job directories are the job manager's)
        self.kvs = KVSStore(self.owner)
        self.name = name or f"fluxsim-{os.getpid()}-{next(_counter)}"
        self.uri = f"sim://{self.name}"
        self.env = simpy.Environment()
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        #: named queues as ingest applies them (``[queues.NAME]``); none, as a plain flux start has
        self.queues = Queues(self.conf)
        self.jobmanager = JobManager(self, age_limit, num_limit,
                                     _config.heartbeat_period(self.conf),
                                     queues=self.queues.requires)
        self.scheduler = make_scheduler(self.policy, self.jobmanager, R, conf=self.conf)
        self.pool = self.scheduler.pool
        self.resources = ResourceStatus(self.scheduler, R.nnodes)
        self.execution = Execution(self)
        self.running = True
        #: broker attributes beyond the computed ones (``flux start -S``)
        self.attrs = {}
        #: the instance's log (``flux dmesg``): the latest log.append payloads
        self.logbuf = collections.deque(maxlen=LOG_BUFFER)
        #: ``shutdown.start``'s handler: a ``fluxsim start`` broker sets one (see fluxsim.broker)
        self.shutdown_hook = None
        self._uris = [self.uri]
        self._t0_wall = time.time()
        self._t0_mono = time.monotonic()
        self._epoch = self._t0_wall if clock == "real" else 0.0
        self._sched_requested = False
        self._in_schedule = False
        self._rundir = None
        self._selector = None
        self._thread = None
        self._procs = {}
        if clock == "real":
            self._start_broker()
        with _registry_lock:
            _registry[self.uri] = self

    # -- time ------------------------------------------------------------------

    @property
    def now(self):
        """Seconds since the instance started (simulated time, as simpy's ``env.now``)."""
        return self.env.now

    def timestamp(self):
        """Event timestamp: epoch seconds on the real clock, ``now`` on the virtual one."""
        return self._epoch + self.env.now

    def call_later(self, delay, fn):
        """Run ``fn(event)`` after ``delay`` simulated seconds."""
        event = self.env.timeout(max(0.0, delay))
        event.callbacks.append(fn)
        self._wake()
        return event

    def _advance(self):
        """Bring simulated time up to wall time and fire what is due (real clock)."""
        if self.clock != "real":
            return
        target = time.monotonic() - self._t0_mono
        env = self.env
        while env.peek() <= target:
            env.step()
        if target > env.now:
            env._now = target  # simpy keeps no public setter; time only moves forward
        self._flush()

    def _flush(self):
        """Process every event due at the current time, scheduling after each.

        A broker handles simultaneous events one reactor turn at a time, and
        its scheduler runs in between (a job that frees resources is followed
        by a pass before the next one ends), so fluxsim schedules after every
        event rather than once per instant.
        """
        env = self.env
        while True:
            if self._sched_requested:
                self._run_scheduler()
            if env.peek() > env.now:
                break
            env.step()
        if self.clock == "real":
            self.changed.notify_all()

    def run(self, until=None):
        """Advance a virtual clock (as ``simpy.Environment.run``): to ``until``, or until idle."""
        if self.clock != "virtual":
            raise RuntimeError("run() drives a virtual clock; this instance runs in real time")
        with self.lock:
            self._flush()
            env = self.env
            if until is not None and until <= env.now:
                return
            while env.peek() != float("inf") and (until is None or env.peek() <= until):
                env.step()
                self._flush()
            if until is not None and until > env.now:
                env._now = until

    def drive(self, ready, timeout=None):
        """Block until ``ready()`` is true (lock held by caller); False on timeout.

        A virtual clock advances event by event meanwhile; when it runs out of
        events ``ready()`` can never become true, and TimeoutError says so
        instead of hanging.
        """
        if self.clock == "virtual":
            env = self.env
            self._flush()
            while not ready():
                if env.peek() == float("inf"):
                    raise TimeoutError(
                        "fluxsim: the virtual clock has no more events, "
                        "so this wait could never end"
                    )
                env.step()
                self._flush()
            return True
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        while not ready():
            if not self.running:
                raise OSError(38, "Function not implemented")  # ENOSYS: broker gone
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            self.changed.wait(None if remaining is None else min(remaining, MAX_WAIT))
        return True

    def notify(self):
        """Wake threads blocked in :meth:`drive`."""
        self.changed.notify_all()

    @contextlib.contextmanager
    def operation(self):
        """Hold the lock at the current time for one request; process its effects after."""
        with self.lock:
            if not self.running:
                raise OSError(errno.ECONNRESET, "Connection reset by peer")
            self._advance()
            yield
            self._flush()
            self._wake()

    # -- requests ------------------------------------------------------------------

    def submit(self, jobspec, urgency=16, flags=0, userid=None):
        """Ingest a jobspec (JSON string or dict) as job-ingest does; returns the job.

        Raises OSError(EINVAL) for bad JSON or urgency and PermissionError(EPERM)
        with the validator's message for an invalid jobspec, like flux 0.88.
        """
        from fluxsim.job.Jobspec import validate_jobspec

        if isinstance(jobspec, (str, bytes)):
            try:
                spec = json.loads(jobspec)
            except ValueError as exc:
                raise OSError(errno.EINVAL, f"jobspec: invalid JSON: {exc}") from None
        else:
            spec = jobspec
        if not isinstance(spec, (dict, list)):
            # jansson's json_loadb takes only an object or an array
            raise OSError(errno.EINVAL, "jobspec: invalid JSON: '[' or '{' expected")
        if not isinstance(urgency, int) or not 0 <= urgency <= 31:
            raise OSError(errno.EINVAL, "urgency range is [0:31]")
        if not flags & FLAG_NOVALIDATE:
            try:
                validate_jobspec(json.dumps(spec), 1)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                msg = exc.args[0] if exc.args else str(exc)
                raise PermissionError(errno.EPERM, str(msg)) from None
            self.queues.validate(spec)
        queue = queue_of(spec)
        if self.queues:
            spec = self.queues.apply(spec, queue)
        request = self.scheduler.parse(spec)
        uid = self.owner if userid is None else userid
        return self.jobmanager.submit(spec, request, urgency, flags, uid)

    # -- scheduler ------------------------------------------------------------------

    def request_schedule(self):
        """Ask for a scheduling pass once the current operation is done."""
        self._sched_requested = True

    def _run_scheduler(self):
        if self._in_schedule:
            return
        self._in_schedule = True
        try:
            while self._sched_requested:
                self._sched_requested = False
                self.scheduler.run()
        finally:
            self._in_schedule = False

    def free(self, job):
        """Return a job's resources to the scheduler."""
        self.scheduler.free(job)
        self.request_schedule()

    # -- administration --------------------------------------------------------------

    def drain(self, ranks, reason=""):
        """``flux resource drain RANKS REASON``: schedule nothing new on ``ranks``."""
        self._request("resource.drain", {"targets": _idset_str(ranks), "reason": reason})

    def undrain(self, ranks):
        """``flux resource undrain RANKS``: make ``ranks`` schedulable again."""
        self._request("resource.undrain", {"targets": _idset_str(ranks)})

    def start_queues(self):
        """``flux queue start --all``: schedule every queue's jobs (named queues
        start stopped, as on a real ``flux start``)."""
        self._request("job-manager.queue-start", {"start": True, "all": True})

    def _request(self, topic, payload):
        """Serve one request as the instance owner; raise its error."""
        from fluxsim import Flux

        Flux(self.uri).rpc(topic, payload).get()

    def down(self, ranks):
        """The brokers on ``ranks`` are lost: nothing new runs there, and every
        job running there fails with job-exec's ``exec`` exception."""
        with self.operation():
            lost, due = self.resources.down(_rank_list(ranks))
            self.fail_jobs_on(set(lost))
            if due:
                self.request_schedule()

    def fail_jobs_on(self, lost):
        """Raise job-exec's ``exec`` exception on every job running on a ``lost`` rank."""
        if not lost:
            return
        manager = self.jobmanager
        for job in list(manager.jobs.values()):
            if job.state == State.RUN and job.R is not None:
                note = node_failure(self.R, job.R, lost)
                if note is not None:
                    manager.exec_exception(job, "exec", 0, note)

    def up(self, ranks):
        """The brokers on ``ranks`` are back."""
        with self.operation():
            if self.resources.up(_rank_list(ranks)):
                self.request_schedule()

    @property
    def drained(self):
        """``{rank: reason}`` of the drained ranks."""
        return {rank: reason for rank, (_, reason) in self.resources.drained.items()}

    # -- broker attributes and log ------------------------------------------------------

    def attributes(self):
        """The broker attributes (all strings), as ``flux getattr`` shows them."""
        values = {
            "size": str(self.R.nnodes),
            "rank": "0",
            "local-uri": self._uris[-1],
            "instance-level": "0",
            "version": FLUX_VERSION,
            "rundir": self.rundir,
            "broker.pid": str(os.getpid()),
            "security.owner": str(os.getuid()),
            # one broker a node, as on a cluster: the command's broker sets its own
            "hostlist": hostlist.encode(self.R.nodelist),
            "hostname": self.R.nodelist[0] if self.R.nodelist else socket.gethostname(),
            "broker.mapping": json.dumps([[0, self.R.nnodes, 1, 1]], separators=(",", ":")),
        }
        values.update(self.attrs)
        return values

    def log(self, payload):
        """Keep one log message (a ``log.append`` payload)."""
        self.logbuf.append(payload)

    def serve_as(self, uri):
        """Make this process's handles reach the instance by ``uri`` too."""
        with _registry_lock:
            _registry[uri] = self
        self._uris.append(uri)

    # -- files -------------------------------------------------------------------------

    @property
    def rundir(self):
        """A private directory for this instance's job output (created on demand)."""
        if self._rundir is None:
            self._rundir = tempfile.mkdtemp(prefix=f"{self.name}-")
        return self._rundir

    def output_path(self, job, stream):
        """Where a job's stdout or stderr goes when the jobspec names no file."""
        return os.path.join(self.rundir, f"{job.id}.{stream}")

    # -- real-clock broker thread ----------------------------------------------------

    def _start_broker(self):
        self._selector = selectors.DefaultSelector()
        self._waker = Waker(self._selector)
        self._thread = threading.Thread(
            target=self._broker_loop, name=f"{self.name}-broker", daemon=True
        )
        self._thread.start()

    def _wake(self):
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._waker.wake()

    def watch_process(self, proc, on_exit):
        """Call ``on_exit(proc)`` (lock held) when ``proc`` exits."""
        fd = os.pidfd_open(proc.pid)
        self._procs[fd] = (proc, on_exit)
        self._selector.register(fd, selectors.EVENT_READ, fd)
        self._wake()

    def _broker_loop(self):
        try:
            self._broker_serve()
        except BaseException:
            # an engine bug must not leave callers waiting forever
            logging.getLogger(__name__).exception("fluxsim broker %s failed", self.uri)
            with self.lock:
                self.running = False
                self.notify()
            raise

    def _broker_serve(self):
        while True:
            with self.lock:
                if not self.running:
                    return
                self._advance()
                nxt = self.env.peek()
                timeout = None
                if nxt != float("inf"):
                    # a far timer (a huge duration) is waited for in steps:
                    # the selector takes no timeout beyond a C int of ms
                    timeout = min(MAX_WAIT, max(0.0, nxt - (time.monotonic() - self._t0_mono)))
            for key, _ in self._selector.select(timeout):
                if key.data is None:
                    self._waker.drain()
                    continue
                self._reap(key.data)

    def _reap(self, fd):
        with self.lock:
            entry = self._procs.pop(fd, None)
            try:
                self._selector.unregister(fd)
            except (KeyError, ValueError):
                pass
            os.close(fd)
            if entry is None:
                return
            proc, on_exit = entry
            proc.wait()
            if not self.running:
                return  # a stopped broker reports nothing, as a dead one cannot
            self._advance()
            on_exit(proc)
            self._flush()

    # -- lifecycle -------------------------------------------------------------------

    def shutdown(self):
        """Stop the instance: kill running tasks, end the broker, forget the uri."""
        with _registry_lock:
            for uri in self._uris:
                _registry.pop(uri, None)
        with self.lock:
            if not self.running:
                return
            self.running = False
            self.execution.shutdown()
            self.notify()
        if self._thread is not None:
            self._wake()
            self._thread.join()
            for fd, (proc, _cb) in list(self._procs.items()):
                try:
                    proc.kill()
                except OSError:
                    pass
                proc.wait()
                os.close(fd)
            self._procs.clear()
            self._selector.close()
            self._waker.close()
        if self._rundir is not None:
            shutil.rmtree(self._rundir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
        return False

    def __repr__(self):
        return f"<fluxsim.Instance {self.uri} clock={self.clock} policy={self.policy}>"


def _idset_str(ranks):
    from fluxsim.resource import idset

    return ranks if isinstance(ranks, str) else idset.encode(ranks)


def _rank_list(ranks):
    from fluxsim.resource import idset

    if isinstance(ranks, int):
        return [ranks]
    if isinstance(ranks, str):
        try:
            return list(idset.decode(ranks))
        except ValueError:
            raise OSError(errno.EINVAL, "invalid idset") from None
    return list(ranks)


def _fake_resources(table):
    """R of a ``[fake-resources]`` table, as flux-core 0.88's rc1 builds it."""
    if not isinstance(table, dict) or "nnodes" not in table:
        raise ValueError("[fake-resources] table requires the 'nnodes' key")
    nnodes = table["nnodes"]
    prefix = table.get("host-prefix", "fake")
    hosts = [f"{prefix}{i}" for i in range(nnodes)] if isinstance(nnodes, int) else None
    return Rv1.from_shape(nnodes, table.get("cores-per-node", 64),
                          table.get("gpus-per-node", 0), hosts=hosts)


def start(
    nnodes=1,
    cores_per_node=None,
    gpus_per_node=0,
    hosts=None,
    clock="real",
    policy=None,
    R=None,
    config=None,
    inactive_age_limit=None,
    inactive_num_limit=None,
    scheduler=None,
):
    """Start a simulated instance, like ``flux start`` with fake resources.

    The resource set comes from one of: ``R`` (an R v1 dict or JSON string),
    the ``[resource]`` table of ``config`` (the instance configuration: a
    dict, or a TOML file path as ``flux start -c`` reads; a bare
    ``[resource]`` table or its ``config`` array also works), or the shape
    ``nnodes`` x ``cores_per_node`` (+ ``gpus_per_node``) on ``hosts``.
    ``cores_per_node`` defaults to this machine's CPU count.  A
    ``[fake-resources]`` table (``nnodes``, ``cores-per-node``,
    ``gpus-per-node``, ``host-prefix``) builds R as flux-core's does.

    ``inactive_age_limit`` (a Flux Standard Duration string) and
    ``inactive_num_limit`` set ``[job-manager]``'s purge limits (default:
    unlimited, as in Flux).

    The scheduler is ``scheduler`` (``"fluxion"`` or ``"sched-simple"``), or
    the config's ``modules.alternatives.sched``, or sched-simple when a
    sched-simple ``policy`` (``fifo``, ``backfill``, ``conservative``) is
    given, or else Fluxion, as a ``flux start`` with flux-sched installed
    loads.  Fluxion's match and queue policies come from the config's
    ``[sched-fluxion-resource]`` and ``[sched-fluxion-qmanager]`` tables.
    """
    conf = _config.load(config)
    if inactive_age_limit is not None or inactive_num_limit is not None:
        table = dict(conf.get("job-manager") or {})
        if inactive_age_limit is not None:
            table["inactive-age-limit"] = inactive_age_limit
        if inactive_num_limit is not None:
            table["inactive-num-limit"] = inactive_num_limit
        conf["job-manager"] = table
    if R is not None:
        if isinstance(R, Rv1):
            rset = R
        elif isinstance(R, (str, bytes)):
            rset = Rv1.loads(R)
        else:
            rset = Rv1.from_dict(R)
    elif "resource" in conf:
        rset = Rv1.from_config(conf)
    elif "fake-resources" in conf:
        rset = _fake_resources(conf["fake-resources"])
    else:
        if cores_per_node is None:
            cores_per_node = os.cpu_count() or 1
        for key, value, low in (
            ("nnodes", nnodes, 1),
            ("cores_per_node", cores_per_node, 1),
            ("gpus_per_node", gpus_per_node, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{key} must be an integer >= {low}, not {value!r}")
        rset = Rv1.from_shape(nnodes, cores_per_node, gpus_per_node, hosts=hosts)
    return Instance(rset, clock=clock, policy=policy, conf=conf, scheduler=scheduler)
