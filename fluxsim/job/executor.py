"""``FluxExecutor`` and ``FluxExecutorFuture``, as in flux.job.executor.

Each future stands for one job: it gets its job id as soon as the job is
submitted, replays and streams the job's main events to event callbacks, and
completes at ``finish`` with the job's exit code (``-signum`` if signalled) or
at a fatal exception with :class:`JobException`.

The parts are flux's: the executor hands ``_SubmitPackage`` and
``_AttachPackage`` objects to a ``_FluxExecutorThread``, which submits them
with :func:`~fluxsim.job.submit.submit_async` and watches each job's eventlog
with :func:`~fluxsim.job.event.event_watch_async`, completing futures from
``then`` callbacks in its handle's reactor (a timer brings it back to the
queue every ``poll_interval``).  The same code serves in-process instances and
``fluxsim start`` brokers alike.  On a virtual clock the thread is not
started: packages are submitted at once, and waiting on a future runs the
reactor in the waiting thread, which advances simulated time.

Differences from flux-core 0.88: ``shutdown(cancel_futures=True)`` cancels the
futures not yet submitted, as documented; flux's raises AttributeError there
(it calls a misspelled ``set_running_or_notify_cancelled``).
"""

import collections
import concurrent.futures
import itertools
import logging
import os
import threading
import time
import weakref

from fluxsim import handle as _handle
from fluxsim.job.event import MAIN_EVENTS, JobException, event_watch_async
from fluxsim.job.submit import submit_async, submit_get_id

__all__ = ["FluxExecutor", "FluxExecutorFuture"]

_SubmitPackage = collections.namedtuple(
    "_SubmitPackage", ["submit_args", "submit_kwargs", "future"]
)


class _AttachPackage:
    """A job id to attach to, and its future (whose job id it sets at once)."""

    __slots__ = ("jobid", "future")

    def __init__(self, jobid, fut):
        self.jobid = jobid
        self.future = fut
        self.future._set_jobid(jobid)


class _FluxExecutorThread(threading.Thread):
    """Submits packages and completes their futures from job events.

    ``exit_event`` tells that the executor shut down; ``packages_to_handle``
    is the deque the executor fills; ``submit_lock`` (the executor's) is held
    while a package is taken from it.
    """

    def __init__(
        self,
        broken_event,
        exit_event,
        packages_to_handle,
        poll_interval,
        handle_args,
        handle_kwargs,
        submit_lock=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.__broken_event = broken_event
        self.__exit_event = exit_event
        self.__packages_to_handle = packages_to_handle
        self.__poll_interval = poll_interval
        self.__submit_lock = submit_lock or threading.RLock()
        self.__flux_handle = _handle.Flux(*handle_args, **handle_kwargs)
        self.__running_user_futures = set()

    @property
    def virtual(self):
        """True if the handle's instance runs on a virtual clock (the thread is not started)."""
        return getattr(self.__flux_handle._engine, "clock", "real") == "virtual"

    def run(self):
        try:
            self.__run()
        except Exception as exc:
            # the executor is broken: fail every future, now and until it shuts down
            self.__broken_event.set()
            for fut in self.__running_user_futures:
                if not fut.done():
                    fut.set_exception(exc)
            while self.__packages_to_handle or not self.__exit_event.is_set():
                try:
                    package = self.__packages_to_handle.popleft()
                except IndexError:
                    time.sleep(0.01)
                else:
                    package.future.set_exception(exc)
            raise

    def __run(self):
        self.__flux_handle.timer_watcher_create(
            self.__poll_interval, self.__submit_new_jobs, repeat=self.__poll_interval
        ).start()
        while self.__work_remains():
            self.__submit_new_jobs(reactor_run=False)
            if self.__flux_handle.reactor_run() < 0:
                raise RuntimeError("reactor start failed")

    def __work_remains(self):
        """False once the executor shut down and every package and future is done."""
        return (
            not self.__exit_event.is_set()
            or self.__packages_to_handle
            or self.__running_user_futures
        )

    def __submit_new_jobs(self, *_, reactor_run=True):
        """Submit what the executor queued (also the poll timer's callback)."""
        if not self.__work_remains() and reactor_run:
            self.__flux_handle.reactor_stop()
        if not self.__running_user_futures and not self.__packages_to_handle:
            time.sleep(self.__poll_interval)
        self.__handle_packages()

    def __handle_packages(self):
        while True:
            with self.__submit_lock:
                try:
                    package = self.__packages_to_handle.popleft()
                except IndexError:
                    return
            if package.future.set_running_or_notify_cancel():
                if isinstance(package, _SubmitPackage):
                    self.__handle_submit(package)
                else:
                    self.__handle_attach(package)

    def __handle_submit(self, package):
        try:
            submit_async(
                self.__flux_handle, *package.submit_args, **package.submit_kwargs
            ).then(self.__submission_callback, package.future)
        except Exception as submit_exc:  # a bad argument fails only this future
            package.future.set_exception(submit_exc)
        else:
            self.__running_user_futures.add(package.future)

    def __handle_attach(self, package):
        try:
            event_watch_async(self.__flux_handle, package.jobid).then(
                self.__event_update, package.future
            )
        except Exception as event_exc:  # a bad job id fails only this future
            package.future.set_exception(event_exc)
        else:
            self.__running_user_futures.add(package.future)

    def __submission_callback(self, submission_future, user_future):
        try:
            jobid = submit_get_id(submission_future)
        except Exception as submit_exc:
            user_future.set_exception(submit_exc)
            self.__running_user_futures.discard(user_future)
        else:
            user_future._set_jobid(jobid)
            event_watch_async(self.__flux_handle, jobid).then(
                self.__event_update, user_future
            )

    def __event_update(self, event_future, user_future):
        """One eventlog response: record the event, complete the future at
        ``finish`` or a fatal exception; the end of the eventlog (or an error)
        lets the future go."""
        event = None
        try:
            event = event_future.get_event()
        except FileNotFoundError:
            user_future.set_exception(ValueError("job ID does not match any job"))
        except Exception as unknown_exc:
            user_future.set_exception(unknown_exc)
        if event is None:
            self.__running_user_futures.discard(user_future)
            return
        if event.name in user_future.EVENTS:
            user_future._set_event(event)
        if user_future.done():
            return
        if event.name == "finish":
            status = event.context["status"]
            if os.WIFEXITED(status):
                user_future.set_result(os.WEXITSTATUS(status))
            elif os.WIFSIGNALED(status):
                user_future.set_result(-os.WTERMSIG(status))
            else:
                user_future.set_exception(ValueError(status))
        elif event.name == "exception" and event.context["severity"] == 0:
            user_future.set_exception(JobException(event))

    def _drive(self, ready):
        """Virtual clock: submit what is queued, then run the reactor in the
        calling thread until ``ready()``."""
        self.__handle_packages()
        self.__flux_handle._run(until=ready)

    def _idle(self):
        """True once no package or future of this thread is left (virtual clock)."""
        return not self.__packages_to_handle and not self.__running_user_futures


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
        self._submission_queues = [collections.deque() for _ in range(threads)]
        self._next_thread = 0
        # reentrant: a caller may hold it (to queue several packages at once)
        # and still submit; the executor threads take packages under it
        self._shutdown_lock = self._lock = threading.RLock()
        self._broken_event = threading.Event()
        self._shutdown_event = threading.Event()
        thread_name_prefix = thread_name_prefix or f"{type(self).__name__}-{self._counter()}"
        self._executor_threads = [
            _FluxExecutorThread(
                self._broken_event,
                self._shutdown_event,
                deque,
                poll_interval,
                handle_args,
                handle_kwargs,
                submit_lock=self._shutdown_lock,
                name=f"{thread_name_prefix}-{i}",
                daemon=True,
            )
            for i, deque in enumerate(self._submission_queues)
        ]
        self._virtual = any(thread.virtual for thread in self._executor_threads)
        if not self._virtual:
            for thread in self._executor_threads:
                thread.start()
        self._finalizer = weakref.finalize(
            self, self._shutdown_threads, self._shutdown_event, self._executor_threads
        )

    def submit(self, *args, **kwargs):
        """Submit a jobspec (as ``flux.job.submit`` minus the handle); returns its future."""
        return self._create_future(_SubmitPackage, args, kwargs)

    def attach(self, jobid):
        """A future for an already-submitted job; a job id Flux refuses fails the future."""
        return self._create_future(_AttachPackage, jobid)

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Stop accepting work; with ``wait``, return once every future is done."""
        with self._shutdown_lock:
            self._shutdown_event.set()
            if cancel_futures:
                for deque in self._submission_queues:
                    while deque:
                        future = deque.popleft().future
                        future.cancel()
                        future.set_running_or_notify_cancel()
        if not wait:
            return
        for thread in self._executor_threads:
            if self._virtual:
                thread._drive(thread._idle)
            elif thread is not threading.current_thread():
                thread.join()

    def _create_future(self, factory, *factory_args):
        if self._broken_event.is_set():
            raise RuntimeError("Executor is broken, new futures cannot be scheduled")
        with self._shutdown_lock:
            if self._shutdown_event.is_set():
                raise RuntimeError("cannot schedule new futures after shutdown")
            thread = self._executor_threads[self._next_thread]
            fut = FluxExecutorFuture(thread.ident)
            self._submission_queues[self._next_thread].append(factory(*factory_args, fut))
            self._next_thread = (self._next_thread + 1) % len(self._submission_queues)
        if self._virtual:
            fut._driver = thread._drive
            thread._drive(lambda: True)  # submit now: the job enters at the current time
        return fut

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown(wait=True)
        return False

    @staticmethod
    def _shutdown_threads(event, threads):
        """Tell the threads to finish, and wait for them (the executor's finalizer)."""
        event.set()
        for thread in threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join()
