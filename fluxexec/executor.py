"""The Parsl executor: every app a Flux job with its own resource set.

::

    import parsl
    from parsl import python_app
    from fluxexec import FluxExecutor

    parsl.load(parsl.Config(executors=[FluxExecutor()]))   # FLUX_URI, flux, or fluxsim

    @python_app
    def rank_sum(parsl_resource_specification={}):
        import os
        return int(os.environ["FLUX_JOB_SIZE"])

    print(rank_sum(parsl_resource_specification={"num_tasks": 4}).result())   # 4

How a task travels: ``submit`` checks the resource specification
(:mod:`fluxexec.resources`), writes the app with Parsl's serializer into a
task file in the private working directory, and hands a jobspec that runs
:mod:`fluxexec.runner` on every task to a ``flux.job.FluxExecutor`` -- which
submits in batches and follows each job's eventlog.  When the job's
``finish`` (or fatal ``exception``) event arrives, a callback on that thread
reads rank 0's result file, resolves the future, and removes the task's files.

Nothing is ever left hanging: a job exception, a failed task, a lost
instance (a heartbeat every ``heartbeat_period`` seconds, and the provider
job's status when the executor launched the instance) and ``shutdown`` each
resolve every outstanding future with its own exception (:mod:`fluxexec.errors`).
"""

import concurrent.futures as cf
import itertools
import logging
import os
import pickle
import signal
import sys
import tempfile
import threading
import weakref
from functools import partial

from parsl.app.errors import AppBadFormatting, AppTimeout, BadStdStreamFile, BashAppNoReturn, BashExitFailure, MissingOutputs
from parsl.executors.base import ParslExecutor
from parsl.monitoring.radios.filesystem import FilesystemRadio
from parsl.serialize import deserialize
from parsl.serialize.facade import unpack_buffers
from parsl.serialize.errors import SerializationError
from parsl.utils import RepresentationMixin

from fluxexec import backends, resources, runner, serialize
from fluxexec import instance as instances
from fluxexec.errors import (
    ExecutorShutdown,
    FluxJobError,
    FluxJobException,
    InstanceLost,
    NoResultError,
    RemoteAppError,
    RemoteTraceback,
    SubmitError,
    TaskExitError,
)

__all__ = ["FluxExecutor", "TaskFuture"]

logger = logging.getLogger(__name__)

RUNNER = os.path.abspath(runner.__file__)
STDERR_TAIL_LINES = 20
STDERR_TAIL_BYTES = 4096


def _wrap_error_code():
    from parsl.app.errors import wrap_error

    return wrap_error(lambda: None).__code__


_WRAP_ERROR_CODE = _wrap_error_code()
_BASH_ERRORS = {
    "AppBadFormatting": AppBadFormatting,
    "BashAppNoReturn": BashAppNoReturn,
    "BadStdStreamFile": BadStdStreamFile,
}


def _unwrap(func):
    """(mode, function to ship, app name) for what Parsl hands ``submit``.

    Parsl wraps every app in ``wrap_error``, which turns exceptions into
    return values and whose pickle imports all of Parsl on the worker.  The
    runner catches exceptions itself, so the wrapper is dropped; a bash app's
    ``remote_side_bash_executor`` is replaced by the runner's bash mode.
    """
    name = getattr(func, "__name__", "app")
    if getattr(func, "__code__", None) is _WRAP_ERROR_CODE and hasattr(func, "__wrapped__"):
        inner = func.__wrapped__
        if isinstance(inner, partial) and getattr(inner.func, "__name__", "") == "remote_side_bash_executor" and inner.args:
            from parsl.app.bash import remote_side_bash_executor

            if inner.func is remote_side_bash_executor and len(inner.args) == 1 and not inner.keywords:
                app = inner.args[0]
                return "bash", app, getattr(app, "__name__", name)
        return "python", inner, name
    return "python", func, name


def _bash_streams(kwargs):
    """A bash app's stdout/stderr as ``(path, mode)``, and its walltime, for the runner.

    Checked here with Parsl's own ``get_std_fname_mode``, so that a bad
    specification fails with the exception Parsl's remote side raises.
    """
    from parsl.data_provider.files import File
    from parsl.utils import get_std_fname_mode

    streams = {}
    for fdname in ("stdout", "stderr"):
        spec = kwargs.get(fdname)
        if spec is None:
            streams[fdname] = None
        elif isinstance(spec, File):
            streams[fdname] = (os.fspath(spec), "w")
        else:
            streams[fdname] = get_std_fname_mode(fdname, spec)
    walltime = kwargs.get("walltime")
    streams["walltime"] = float(walltime) if walltime is not None else None
    return streams


def _tail(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - STDERR_TAIL_BYTES))
            data = f.read()
    except OSError:
        return ""
    lines = data.decode(errors="replace").splitlines()[-STDERR_TAIL_LINES:]
    return "\n".join(lines)


class _Result:
    """A task's return value (as opposed to the exception it fails with)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class TaskFuture(cf.Future):
    """The future of one app on fluxexec.

    ``parsl_executor_task_id`` is the Flux job id, set as soon as Flux has
    assigned it (always before the future completes).  ``cancel()`` cancels
    the Flux job whether it is pending or running.  ``running()`` is true
    from the job's ``start`` event until the future completes.
    """

    def __init__(self, task):
        super().__init__()
        self._task = task

    def cancel(self):
        return self._task.cancel()

    def running(self):
        return self._task.started and not self.done()

    @property
    def jobid(self):
        """The Flux job id, or None while it is not known."""
        return self._task.jobid


class _Task:
    """One app on its way through Flux."""

    __slots__ = (
        "executor",
        "id",
        "future",
        "flux_future",
        "jobid",
        "started",
        "mode",
        "name",
        "kwargs",
        "walltime",
        "jobspec",
        "urgency",
        "paths",
        "lock",
    )

    def __init__(self, executor, task_id, mode, name, kwargs, walltime, paths):
        self.executor = executor
        self.id = task_id
        self.mode = mode
        self.name = name
        self.kwargs = kwargs
        self.walltime = walltime
        self.paths = paths  # task file, result file, stdout, stderr
        self.flux_future = None
        self.jobid = None
        self.started = False
        self.jobspec = None
        self.urgency = 16
        self.lock = threading.Lock()
        self.future = TaskFuture(self)

    def cancel(self):
        executor = self.executor()
        with self.lock:
            if self.future.done():
                return self.future.cancelled()
            cf.Future.cancel(self.future)
            self.future.set_running_or_notify_cancel()
            flux_future = self.flux_future
        if flux_future is not None and executor is not None:
            executor._cancel_flux(self, flux_future)
        elif executor is not None:
            executor._forget(self)
        return True

    def fail(self, exc):
        """Resolve the future with ``exc`` unless it is already resolved."""
        with self.lock:
            if self.future.done():
                return False
            self.future.set_exception(exc)
            return True

    def succeed(self, value):
        with self.lock:
            if self.future.done():
                return False
            self.future.set_result(value)
            return True


class FluxExecutor(ParslExecutor, RepresentationMixin):
    """A Parsl executor that runs every app as a Flux job with its own resources.

    A drop-in replacement for ``parsl.executors.FluxExecutor``: it takes the
    same arguments, and adds:

    backend
        ``"flux"`` (real Flux: the instance in ``FLUX_URI``, or one started
        through ``provider``), ``"sim"`` (fluxsim in this process, shaped by
        ``sim_resources``), or ``"auto"``: ``FLUX_URI``, else a ``flux`` on
        PATH, else fluxsim with a one-line notice.
    sim_resources
        ``{"nnodes": ..., "cores_per_node": ..., "gpus_per_node": ...}`` for
        ``"sim"``; default: this machine's shape.
    keep_files
        Keep each task's files (task, result, stdout, stderr) in the working
        directory after the task completes, for debugging.
    remote_monitoring_radio
        How tasks report to Parsl's monitoring; default: a ``FilesystemRadio``
        in the run directory (no network listener).
    heartbeat_period
        Seconds between checks that the instance (and the provider job
        holding it) is alive; a lost instance fails all outstanding tasks.
    start_timeout
        Seconds to wait for a provider-launched instance to report its URI.

    The arguments it shares with Parsl's FluxExecutor: ``provider`` (only
    used to launch an instance: ``backend="flux"`` without ``FLUX_URI``;
    default ``LocalProvider()``), ``working_dir`` (private directory for
    task files, created 0700; default: a new directory in the run
    directory), ``label``, ``flux_executor_kwargs`` (passed to
    ``flux.job.FluxExecutor``), ``flux_path`` (the ``flux`` command) and
    ``launch_cmd`` (how the provider starts the instance; placeholders
    ``{flux}``, ``{python}``, ``{manager}``, ``{uri_file}``).

    Resource specification keys: see :mod:`fluxexec.resources`.
    """

    def __init__(
        self,
        provider=None,
        working_dir=None,
        label="FluxExecutor",
        flux_executor_kwargs={},
        flux_path=None,
        launch_cmd=None,
        backend="auto",
        sim_resources=None,
        keep_files=False,
        remote_monitoring_radio=None,
        heartbeat_period=2.0,
        start_timeout=600.0,
    ):
        super().__init__()
        if backend not in backends.BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(map(repr, backends.BACKENDS))}, not {backend!r}")
        if provider is None:
            from parsl.providers import LocalProvider

            provider = LocalProvider()
        self.provider = provider
        self.working_dir = working_dir
        self.label = label
        self.flux_executor_kwargs = flux_executor_kwargs
        self.flux_path = flux_path
        self.launch_cmd = launch_cmd
        self.backend = backend
        self.sim_resources = sim_resources
        self.keep_files = keep_files
        self.remote_monitoring_radio = remote_monitoring_radio if remote_monitoring_radio is not None else FilesystemRadio()
        self.heartbeat_period = heartbeat_period
        self.start_timeout = start_timeout

        self._backend = None
        self._instance = None
        self._fx = None  # the flux.job.FluxExecutor
        self._ctl = None  # handle for cancel and heartbeat, used under _ctl_lock
        self._ctl_lock = threading.Lock()
        self._lock = threading.Lock()
        self._tasks = {}  # task id -> _Task, until resolved
        self._waiting = []  # tasks submitted before a launched instance was ready
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._shutdown = False
        self._lost = None
        self._made_dir = False
        self._started = False
        self._counter = itertools.count()
        self._watchdog = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self):
        """Connect to or start the Flux instance; called by the DFK."""
        super().start()
        self._started = True
        self._make_working_dir()
        self._compile_runner()
        self._backend = backends.load(self.backend, self.flux_path)
        uri = os.environ.get("FLUX_URI")
        if self._backend.name == "sim":
            if uri and uri.startswith("sim://") and self._sim_alive(uri):
                self._instance = instances.Connected(uri)
            else:
                self._instance = instances.Simulated(
                    self._backend.module, self.sim_resources or instances.machine_resources()
                )
            self._connect()
        elif uri:
            self._instance = instances.Connected(uri)
            self._connect()
        else:
            self._instance = instances.Launched(
                self.provider, self.working_dir, self._backend.flux_path, self.launch_cmd, self.label
            )
        self._watchdog = threading.Thread(target=self._watch, name=f"{self.label}-watchdog", daemon=True)
        self._watchdog.start()

    def _sim_alive(self, uri):
        """Whether ``uri`` names a fluxsim instance living in this process."""
        try:
            self._backend.Flux(uri)
        except OSError:
            return False
        return True

    @staticmethod
    def _compile_runner():
        """Make sure the runner's bytecode is cached: each task loads it."""
        import importlib.util
        import py_compile

        try:
            cached = importlib.util.cache_from_source(RUNNER)
            if not os.path.exists(cached) or os.path.getmtime(cached) < os.path.getmtime(RUNNER):
                py_compile.compile(RUNNER, cfile=cached, doraise=True)
        except (OSError, py_compile.PyCompileError, NotImplementedError):
            logger.debug("Executor could not cache the runner's bytecode", exc_info=True)

    def _make_working_dir(self):
        if self.working_dir is None:
            os.makedirs(self.run_dir, exist_ok=True)
            self.working_dir = tempfile.mkdtemp(prefix=f"{self.label}-", dir=self.run_dir)
            self._made_dir = True
        else:
            self.working_dir = os.path.abspath(self.working_dir)
            if not os.path.isdir(self.working_dir):
                self._made_dir = True
            os.makedirs(self.working_dir, mode=0o700, exist_ok=True)
        os.chmod(self.working_dir, 0o700)

    def _connect(self):
        """Open the handles on the instance; submissions flow from here on."""
        backend, uri = self._backend, self._instance.uri
        self._ctl = backend.Flux(uri)
        kwargs = {"poll_interval": 0.01, **self.flux_executor_kwargs, "handle_args": (uri,)}
        self._fx = backend.job.FluxExecutor(**kwargs)
        with self._lock:
            waiting, self._waiting = self._waiting, []
            self._ready.set()
        for task in waiting:
            self._submit_to_flux(task)

    def _watch(self):
        """Start a launched instance, then check every heartbeat that it lives."""
        if not self._ready.is_set():
            try:
                self._instance.wait_uri(self.start_timeout, self._stopping)
                self._connect()
            except Exception as exc:
                if not self._stopping.is_set():
                    self._lose(f"could not start the Flux instance: {exc}")
                return
        while not self._stopping.wait(self.heartbeat_period):
            reason = self._probe()
            if reason is not None and not self._stopping.is_set():
                self._lose(reason)
                return

    def _probe(self):
        """Why the instance is gone, or None if it answers."""
        try:
            reason = self._instance.check()
            if reason is None:
                with self._ctl_lock:
                    self._backend.ping(self._ctl, self._instance.uri)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
        return reason

    def _lose(self, reason):
        """The instance is gone: fail every outstanding task, refuse new ones."""
        with self._lock:
            if self._lost is not None or self._shutdown:
                return
            self._lost = InstanceLost(self.label, reason)
            tasks = list(self._tasks.values()) + self._waiting
            self._waiting = []
        logger.error("Executor %s lost its Flux instance: %s", self.label, reason)
        for task in tasks:
            task.fail(self._lost)
            self._forget(task)
        if self._fx is not None:
            self._fx.shutdown(wait=False)

    def shutdown(self):
        """Cancel outstanding jobs, fail their futures, stop an instance this executor started."""
        with self._lock:
            if self._shutdown:
                return
            self._shutdown = True
            tasks = list(self._tasks.values()) + self._waiting
            self._waiting = []
        self._stopping.set()
        error = ExecutorShutdown(self.label)
        for task in tasks:
            task.fail(error)
        if self._fx is not None and self._lost is None:
            for task in tasks:
                if task.flux_future is not None:
                    self._cancel_flux(task, task.flux_future)
            pending = [t.flux_future for t in tasks if t.flux_future is not None]
            cf.wait(pending, timeout=10.0)
        if self._fx is not None:
            # not cancel_futures=True: flux 0.88 then calls a misspelt
            # set_running_or_notify_cancelled(); its futures are cancelled already.
            self._fx.shutdown(wait=False)
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join(timeout=10.0)
        # its thread ends once no job is left: before the instance goes, so
        # that it does not see its instance vanish under it
        for thread in getattr(self._fx, "_executor_threads", ()):
            thread.join(timeout=10.0)
        if self._instance is not None and self._instance.owned:
            try:
                self._instance.stop(self._backend)
            except Exception:
                logger.exception("Executor %s: stopping the Flux instance failed", self.label)
        for task in tasks:
            self._forget(task, force=True)
        if self._made_dir and not self.keep_files:
            try:
                os.rmdir(self.working_dir)
            except OSError:
                pass
        super().shutdown()

    def monitor_resources(self):
        """Resource monitoring works: each task is a process tree of its own."""
        return True

    # -- submission ----------------------------------------------------------------------------------

    def submit(self, func, resource_specification, *args, **kwargs):
        """Run ``func(*args, **kwargs)`` as a Flux job shaped by ``resource_specification``.

        Raises ``InvalidResourceSpecification`` for a bad specification
        (see :mod:`fluxexec.resources`), before anything reaches Flux.
        """
        if self._shutdown:
            raise ExecutorShutdown(self.label)
        if self._lost is not None:
            raise self._lost
        if not self._started:
            raise RuntimeError(f"executor {self.label} has not been started")
        request = resources.validate(resource_specification)
        mode, func, name = _unwrap(func)
        walltime = None
        extra = None
        if mode == "bash":
            extra = _bash_streams(kwargs)  # raises as Parsl's remote side would
            walltime = extra["walltime"]
        try:
            payload = serialize.pack_apply_message(func, args, kwargs, extra)
        except Exception as exc:
            raise SerializationError(name) from exc
        task_id = next(self._counter)
        base = os.path.join(self.working_dir, str(task_id))
        paths = (base + ".task", base + ".result", base + ".out", base + ".err")
        task = _Task(weakref.ref(self), task_id, mode, name, kwargs if mode == "bash" else None, walltime, paths)
        try:
            fd = os.open(paths[0], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(b"%s %s\n" % (runner.MAGIC, mode.encode()))
                f.write(payload)
            task.jobspec = resources.jobspec(
                self._backend.job,
                runner.command(sys.executable, paths[0], paths[1], RUNNER),
                request,
                name=name,
                stdout=paths[2],
                stderr=paths[3],
            )
            task.urgency = request.urgency
        except BaseException:
            self._remove_files(task)
            raise
        with self._lock:
            if self._shutdown:
                self._remove_files(task)
                raise ExecutorShutdown(self.label)
            if self._lost is not None:
                self._remove_files(task)
                raise self._lost
            self._tasks[task_id] = task
            ready = self._ready.is_set()
            if not ready:
                self._waiting.append(task)
        if ready:
            self._submit_to_flux(task)
        return task.future

    def _submit_to_flux(self, task):
        try:
            with task.lock:
                if task.future.done():
                    self._forget(task)
                    return
                task.flux_future = fut = self._fx.submit(task.jobspec, urgency=task.urgency)
            task.jobspec = None
            fut.add_jobid_callback(partial(self._on_jobid, task))
            fut.add_event_callback("start", partial(self._on_start, task))
            fut.add_done_callback(partial(self._on_done, task))
        except Exception as exc:
            # The flux.job.FluxExecutor refuses work once its connection broke.
            if self._lost is None and not self._shutdown:
                self._lose(f"{type(exc).__name__}: {exc}")
            task.fail(self._lost or ExecutorShutdown(self.label))
            self._forget(task)

    # -- job events (on the flux.job.FluxExecutor's thread) -----------------------------------------

    @staticmethod
    def _on_jobid(task, fut):
        try:
            jobid = fut.jobid(0)
        except Exception:
            return
        if jobid is not None:
            task.jobid = jobid
            task.future.parsl_executor_task_id = task.jobid

    @staticmethod
    def _on_start(task, fut, event):
        task.started = True

    def _on_done(self, task, fut):
        outcome = None
        if not task.future.done():
            try:
                outcome = self._outcome(task, fut)
            except Exception as exc:  # never leave a future hanging on our own bug
                logger.exception("Executor %s: completing task %s failed", self.label, task.jobid)
                outcome = exc
        # Files go before the future resolves: whoever waits on it may look.
        self._forget(task)
        if isinstance(outcome, _Result):
            task.succeed(outcome.value)
        elif outcome is not None:
            task.fail(outcome)

    def _outcome(self, task, fut):
        """The task's :class:`_Result`, or the exception it fails with."""
        if fut.cancelled():
            return ExecutorShutdown(self.label)
        exc = fut.exception()
        if exc is not None:
            return self._job_failure(task, exc)
        status = fut.result()
        if task.mode == "bash":
            return self._bash_outcome(task, status)
        if status != 0:
            return TaskExitError(task.jobid, status, _tail(task.paths[3]))
        try:
            with open(task.paths[1], "rb") as f:
                buffers = unpack_buffers(f.read())
        except FileNotFoundError:
            return NoResultError(task.jobid, task.paths[1], _tail(task.paths[3]))
        summary = pickle.loads(buffers[0])
        payload = buffers[1] if len(buffers) > 1 else b""
        if summary["status"] == "result":
            return _Result(deserialize(payload))
        return self._app_exception(summary, payload)

    def _job_failure(self, task, exc):
        job = self._backend.job
        if isinstance(exc, job.JobException):
            if task.walltime is not None and exc.type == "timeout":
                return AppTimeout(f"App {task.name} exceeded walltime: {task.walltime:g} seconds")
            return FluxJobException(task.jobid, exc.type, exc.note, exc.severity)
        if self._lost is not None:
            return self._lost
        if isinstance(exc, OSError) and task.jobid is None:
            return SubmitError(str(exc))
        # Perhaps the connection to the instance broke: check now rather than
        # at the next heartbeat, so that the other tasks learn it too.
        reason = self._probe()
        if reason is not None:
            self._lose(reason)
            return self._lost or ExecutorShutdown(self.label)
        return FluxJobError(task.jobid, f"{type(exc).__name__}: {exc}")

    @staticmethod
    def _app_exception(summary, payload):
        exc = None
        if payload:
            try:
                exc = deserialize(payload)
            except Exception:
                exc = None
        if not isinstance(exc, BaseException):
            return RemoteAppError(summary["type"], summary["message"], summary["traceback"])
        exc.__cause__ = RemoteTraceback(summary["traceback"])
        return exc

    def _bash_outcome(self, task, status):
        try:
            with open(task.paths[1], "rb") as f:
                buffers = unpack_buffers(f.read())
        except FileNotFoundError:
            pass
        else:  # the runner failed before it became the command
            summary = pickle.loads(buffers[0])
            if summary["status"] == "bash_error":
                return _BASH_ERRORS[summary["kind"]](summary["text"])
            return self._app_exception(summary, buffers[1] if len(buffers) > 1 else b"")
        if task.walltime and status in (128 + signal.SIGALRM, -signal.SIGALRM):
            return AppTimeout(f"App {task.name} exceeded walltime: {task.walltime:g} seconds")
        if status != 0:
            return BashExitFailure(task.name, status)
        missing = [f for f in task.kwargs.get("outputs", []) if not os.path.exists(f.filepath)]
        if missing:
            return MissingOutputs(f"Missing outputs from app {task.name}", missing)
        return _Result(0)

    # -- cancel and clean up -------------------------------------------------------------------------

    def _cancel_flux(self, task, flux_future):
        """Make sure the Flux job of a cancelled or abandoned task does not run."""
        if flux_future.cancel():
            self._forget(task)  # never reached Flux
            return
        flux_future.add_jobid_callback(self._cancel_job)

    def _cancel_job(self, flux_future):
        try:
            jobid = flux_future.jobid(0)
        except Exception:
            return
        if jobid is None or self._ctl is None:
            return
        try:
            with self._ctl_lock:
                self._backend.job.cancel(self._ctl, jobid, "cancelled by Parsl")
        except OSError:
            pass  # already inactive

    def _forget(self, task, force=False):
        """Drop a resolved task: it no longer counts as outstanding; its files go
        once its Flux job (if any) is over, or now if ``force``."""
        with self._lock:
            self._tasks.pop(task.id, None)
        if force or task.flux_future is None or task.flux_future.done():
            self._remove_files(task)

    def _remove_files(self, task):
        if self.keep_files:
            return
        for path in task.paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError:
                logger.warning("Executor %s: could not remove %s", self.label, path)

    @property
    def outstanding(self):
        """Number of tasks submitted and not yet resolved."""
        with self._lock:
            return len(self._tasks)
