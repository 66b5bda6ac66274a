"""``FluxExecutor`` and ``FluxExecutorFuture``, as in flux.job.executor.

Each future stands for one job: it gets its job id as soon as the job is
submitted, replays and streams the job's main events to event callbacks, and
completes at ``finish`` with the job's exit code (``-signum`` if signalled) or
at a fatal exception with :class:`JobException`.

On a real clock one thread per executor submits jobs and delivers events
(callbacks run there, as in flux).  On a virtual clock there is no thread:
submission is immediate, and waiting on a future advances simulated time.

Difference from flux-core 0.88: ``shutdown(cancel_futures=True)`` cancels the
futures not yet submitted, as documented; flux's raises AttributeError there
(it calls a misspelled ``set_running_or_notify_cancelled``).
"""

import collections
import concurrent.futures
import errno
import itertools
import logging
import os
import threading

from fluxsim import handle as _handle
from fluxsim.constants import (
    FLUX_JOB_URGENCY_DEFAULT,
    FLUX_JOB_DEBUG,
    FLUX_JOB_NOVALIDATE,
    FLUX_JOB_PRE_SIGNED,
    FLUX_JOB_WAITABLE,
)
from fluxsim.eventlog import EventLogEvent
from fluxsim.future import Future
from fluxsim.job.event import MAIN_EVENTS, JobEventWatchFuture, JobException
from fluxsim.job.submit import _jobspec_string
from fluxsim.job.JobID import JobID
from fluxsim.rpc import send

__all__ = ["FluxExecutor", "FluxExecutorFuture"]


class FluxExecutorFuture(concurrent.futures.Future):
    """A ``concurrent.futures.Future`` for one Flux job, with job id and events."""

    EVENTS = MAIN_EVENTS

    def __init__(self, owning_thread_id, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._owning_thread_id = owning_thread_id
        self._jobid_condition = threading.Condition()
        self._jobid = None
        self._jobid_set = False
        self._jobid_exception = None
        self._jobid_callbacks = []
        self._event_lock = threading.RLock()
        self._events_occurred = {name: [] for name in self.EVENTS}
        self._event_callbacks = {name: [] for name in self.EVENTS}
        self._driver = None  # set for virtual-clock instances

    def _set_jobid(self, jobid, exc=None):
        """Set the job id (executor use); callbacks then run."""
        if self._jobid_set:
            raise RuntimeError("invalid state: jobid already set")
        with self._jobid_condition:
            self._jobid = jobid
            self._jobid_set = True
            self._jobid_exception = exc
            self._jobid_condition.notify_all()
            callbacks = list(self._jobid_callbacks)
        for callback in callbacks:
            self._invoke_flux_callback(callback)

    def add_done_callback(self, fn):
        """As ``concurrent.futures.Future.add_done_callback``; returns ``self``."""
        super().add_done_callback(fn)
        return self

    def jobid(self, timeout=None):
        """The job id; TimeoutError if not yet known within ``timeout``."""
        if not self._jobid_set and self._driver is not None:
            self._driver(lambda: self._jobid_set)
        with self._jobid_condition:
            if not self._jobid_set:
                self._jobid_condition.wait(timeout)
            if not self._jobid_set:
                raise concurrent.futures.TimeoutError()
        if self._jobid_exception is not None:
            raise self._jobid_exception
        return self._jobid

    def add_jobid_callback(self, callback):
        """Call ``callback(future)`` once the job id is known; returns ``self``."""
        with self._jobid_condition:
            if not self._jobid_set:
                self._jobid_callbacks.append(callback)
                return self
        self._invoke_flux_callback(callback)
        return self

    def _invoke_flux_callback(self, callback, *args):
        try:
            callback(self, *args)
        except Exception:  # a user callback must not break the executor
            logging.getLogger(__name__).exception("exception calling callback for %r", self)

    def _check_wait(self):
        if not self.done():
            if threading.get_ident() == self._owning_thread_id:
                raise RuntimeError("Cannot wait for future from inside callback")
            if self._driver is not None:
                self._driver(self.done)

    def exception(self, timeout=None):
        """As ``concurrent.futures.Future.exception`` (advances a virtual clock)."""
        self._check_wait()
        return super().exception(timeout)

    def result(self, timeout=None):
        """The job's exit code, ``-signum``, or raises JobException / OSError."""
        self._check_wait()
        return super().result(timeout)

    def set_exception(self, exception):
        """Set the exception; a job that was never submitted gets an error job id."""
        if not self._jobid_set:
            self._set_jobid(
                None, RuntimeError(f"job could not be submitted due to {exception!r}")
            )
        return super().set_exception(exception)

    def cancel(self):
        """Cancel the future if its job is not yet submitted (not the Flux job)."""
        if self.cancelled():
            return True
        cancelled = super().cancel()
        if cancelled and not self._jobid_set:
            self._set_jobid(None, concurrent.futures.CancelledError())
        return cancelled

    def add_event_callback(self, event, callback):
        """Call ``callback(future, event)`` for every ``event`` (past ones at once)."""
        if event not in self.EVENTS:
            raise ValueError(event)
        with self._event_lock:
            self._event_callbacks[event].append(callback)
            for entry in list(self._events_occurred[event]):
                self._invoke_flux_callback(callback, entry)
        return self

    def _set_event(self, entry):
        """Record an event and run its callbacks (executor use)."""
        if entry.name not in self.EVENTS:
            raise ValueError(entry.name)
        with self._event_lock:
            self._events_occurred[entry.name].append(entry)
            for callback in list(self._event_callbacks[entry.name]):
                self._invoke_flux_callback(callback, entry)


class FluxExecutor:
    """Submit jobspecs, get :class:`FluxExecutorFuture` objects (see module docs)."""

    _counter = itertools.count().__next__
    EVENTS = MAIN_EVENTS

    def __init__(
        self,
        threads=1,
        thread_name_prefix="",
        poll_interval=0.1,
        handle_args=(),
        handle_kwargs={},
    ):
        if threads < 0:
            raise ValueError("the number of threads must be > 0")
        self._handle = _handle.Flux(*handle_args, **handle_kwargs)
        self._engine = self._handle._engine
        self._lock = threading.Condition()
        self._pending = collections.deque()  # (kind, args, kwargs, future) to submit
        self._updates = collections.deque()  # (kind, future, value, exc) to handle
        self._active = set()
        self._shutdown = False
        self._broken = False
        self._virtual = getattr(self._engine, "clock", "real") == "virtual"
        self._thread = None
        if not self._virtual:
            prefix = thread_name_prefix or f"{type(self).__name__}-{self._counter()}"
            self._thread = threading.Thread(target=self._run, name=f"{prefix}-0", daemon=True)
            self._thread.start()

    # -- public API ---------------------------------------------------------------

    def submit(self, *args, **kwargs):
        """Submit a jobspec (as ``flux.job.submit`` minus the handle)."""
        return self._create_future("submit", args, kwargs)

    def attach(self, jobid):
        """A future for an already-submitted job."""
        return self._create_future("attach", (jobid,), {})

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Stop accepting work; with ``wait``, return once every future is done."""
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                while self._pending:
                    _kind, _args, _kwargs, future = self._pending.popleft()
                    future.cancel()
            self._lock.notify_all()
        if self._virtual:
            if wait:
                self._drive(lambda: not self._active)
            return
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown(wait=True)
        return False

    # -- internals ------------------------------------------------------------------

    def _create_future(self, kind, args, kwargs):
        if self._broken:
            raise RuntimeError("Executor is broken, new futures cannot be scheduled")
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            owner = self._thread.ident if self._thread is not None else None
            future = FluxExecutorFuture(owner)
            if self._virtual:
                future._driver = self._drive
            if kind == "attach":
                future._set_jobid(JobID(args[0]))
            self._pending.append((kind, args, kwargs, future))
            self._lock.notify_all()
        if self._virtual:
            self._submit_pending()
        return future

    def _drive(self, ready):
        """Virtual clock: advance the instance until ``ready()``, handling responses."""
        engine = self._engine
        while True:
            self._deliver()
            if ready():
                return
            with engine.lock:
                if self._updates:
                    continue
                engine.drive(lambda: bool(self._updates))

    def _submit_pending(self):
        while True:
            with self._lock:
                if not self._pending:
                    return
                kind, args, kwargs, future = self._pending.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            self._start(kind, args, kwargs, future)

    def _listen(self, kind, future):
        """A response hook: queue the request's responses for the executor thread
        (called with the engine's lock held)."""

        def listener(value, exc):
            self._updates.append((kind, future, value, exc))
            with self._lock:
                self._lock.notify_all()

        return listener

    def _start(self, kind, args, kwargs, future):
        """Send the job's submit (or, to attach, its eventlog watch)."""
        self._active.add(future)
        if kind == "attach":
            self._watch(future)
            return
        try:
            text = _jobspec_string(args[0] if args else kwargs.pop("jobspec"))
            flags = _submit_flags(kwargs)
            payload = {"J": text, "urgency": args[1] if len(args) > 1 else
                       flags.get("urgency", FLUX_JOB_URGENCY_DEFAULT), "flags": flags["flags"]}
        except Exception as exc:  # a bad argument fails only this future
            self._active.discard(future)
            future.set_exception(exc)
            return
        request = Future(self._handle)
        request._listener = self._listen("submit", future)
        send(self._handle, "job-ingest.submit", payload, request)

    def _watch(self, future):
        """Stream the job's main eventlog to ``future``."""
        watch = JobEventWatchFuture(self._handle)
        watch._listener = self._listen("event", future)
        payload = {"id": int(future._jobid), "path": "eventlog", "flags": 0}
        send(self._handle, "job-info.eventlog-watch", payload, watch)

    def _deliver(self):
        """Handle queued responses (outside the engine's lock): job ids, then events."""
        while True:
            try:
                kind, future, value, exc = self._updates.popleft()
            except IndexError:
                return
            if kind == "submit":
                self._submitted(future, value, exc)
            elif exc is not None:
                self._ended(future, exc)
            else:
                self._event(future, EventLogEvent(value["event"]))

    def _submitted(self, future, value, exc):
        if exc is not None:
            self._active.discard(future)
            future.set_exception(exc)
            return
        future._set_jobid(JobID(value["id"]))
        self._watch(future)

    def _ended(self, future, exc):
        """The eventlog stream ended: at ``clean`` (ENODATA), or in error."""
        self._active.discard(future)
        if future.done():
            return
        if isinstance(exc, FileNotFoundError):
            exc = ValueError("job ID does not match any job")
        future.set_exception(exc)

    def _event(self, future, event):
        if event.name in future.EVENTS:
            future._set_event(event)
        if future.done():
            return
        if event.name == "finish":
            status = event.context["status"]
            if os.WIFEXITED(status):
                future.set_result(os.WEXITSTATUS(status))
            elif os.WIFSIGNALED(status):
                future.set_result(-os.WTERMSIG(status))
            else:
                future.set_exception(ValueError(status))
        elif event.name == "exception" and event.context["severity"] == 0:
            future.set_exception(JobException(event))

    def _run(self):
        """Executor thread: submit queued jobs and handle responses until shut down and idle."""
        try:
            while True:
                self._submit_pending()
                self._deliver()
                with self._lock:
                    if self._shutdown and not self._pending and not self._active and not self._updates:
                        return
                    if not self._pending and not self._updates:
                        self._lock.wait(0.5)
                if not self._engine.running and not self._updates:
                    raise OSError(errno.ECONNRESET, "Connection reset by peer")
        except Exception as exc:
            self._broken = True
            for future in list(self._active):
                if not future.done():
                    future.set_exception(exc)
            with self._lock:
                while self._pending:
                    self._pending.popleft()[3].set_exception(exc)
            self._active.clear()


def _submit_flags(kwargs):
    allowed = ("urgency", "waitable", "debug", "pre_signed", "novalidate")
    unknown = set(kwargs) - set(allowed)
    if unknown:
        raise TypeError(f"submit() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    flags = 0
    for name, bit in (
        ("pre_signed", FLUX_JOB_PRE_SIGNED),
        ("debug", FLUX_JOB_DEBUG),
        ("waitable", FLUX_JOB_WAITABLE),
        ("novalidate", FLUX_JOB_NOVALIDATE),
    ):
        if kwargs.get(name):
            flags |= bit
    out = {"flags": flags}
    if "urgency" in kwargs:
        out["urgency"] = kwargs["urgency"]
    return out
