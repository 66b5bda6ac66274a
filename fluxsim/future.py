"""Futures as flux's bindings have them: ``get``, ``then``, ``wait_for``, ``reset``, ``stop``.

A future is the caller's side of one request to a service (see
:mod:`fluxsim.services`).  Its handle's *engine* fulfils it: the simulated
instance itself for an in-process handle, or the client connection of a
handle in another process; both offer ``lock``, ``drive(ready, timeout)``
and ``notify()``.  Streaming futures (event watches) queue several
responses; ``reset`` moves to the next one, and a stream ends with
ENODATA, as a flux streaming RPC does.  ``then`` callbacks run in
:meth:`fluxsim.Flux.reactor_run` of the handle the future belongs to,
once per response, until the future is stopped.
"""

import collections
import errno

__all__ = ["Future", "FutureExt", "invalid_argument"]


def invalid_argument():
    """The OSError flux's C wrappers raise for an invalid argument (a NULL handle, bad flags)."""
    return OSError(errno.EINVAL, "EINVAL: Invalid argument")


class Future:
    """A response (or stream of responses) from a simulated instance."""

    def __init__(self, handle, streaming=False):
        if handle is None:
            raise invalid_argument()
        self._handle = handle
        self._inst = handle._engine
        self._responses = collections.deque()
        self._callback = None
        self._cb_args = ()
        self._cb_kwargs = {}
        self._streaming = streaming
        #: True once :meth:`stop` was called: the ``then`` callback is not called again
        self.stopped = False
        #: the request's matchtag on its handle (0: not sent)
        self.matchtag = 0
        #: if set, ``listener(value, exc)`` takes each response instead of the queue
        self._listener = None

    # -- fulfilment (engine side, lock held) ----------------------------------------

    def fulfill(self, value):
        """Queue a response."""
        if self._listener is not None:
            self._listener(value, None)
            return
        self._responses.append((value, None))
        self._ready()

    def fulfill_error(self, exc):
        """Queue an error response (an exception instance)."""
        if self._listener is not None:
            self._listener(None, exc)
            return
        self._responses.append((None, exc))
        self._ready()

    def _ready(self):
        if self._callback is not None and not self.stopped:
            self._handle._schedule_callback(self)
        self._inst.notify()

    # -- consumer side ---------------------------------------------------------------

    def is_ready(self):
        """True if a response is waiting."""
        with self._inst.lock:
            return bool(self._responses)

    def wait_for(self, timeout=-1.0):
        """Block until a response is waiting; TimeoutError after ``timeout`` seconds."""
        with self._inst.lock:
            if not self._inst.drive(lambda: bool(self._responses), timeout):
                raise TimeoutError(errno.ETIMEDOUT, "Connection timed out")
        return self

    def _take(self, autoreset=True):
        """Wait for the current response and return it, raising an error response
        (an error stays: a stream ends with it)."""
        self.wait_for()
        with self._inst.lock:
            value, exc = self._responses[0]
            if autoreset and exc is None:
                self._responses.popleft()
        if exc is not None:
            raise exc
        return value

    def get(self):
        """The response's value (raises the error of an error response)."""
        return self._take(autoreset=False)

    def error_string(self):
        """The text of an error response, None if the response is no error."""
        with self._inst.lock:
            if self._responses and self._responses[0][1] is not None:
                return self._responses[0][1].strerror
        return None

    def reset(self):
        """Move on to the next response of a streaming future."""
        with self._inst.lock:
            if self._responses and self._responses[0][1] is None:
                self._responses.popleft()

    def then(self, callback, *args, timeout=-1.0, **kwargs):
        """Call ``callback(future, *args, **kwargs)`` from the reactor for each
        response; with ``timeout`` >= 0, the future fails with ETIMEDOUT if no
        response comes in that many seconds."""
        if callback is None:
            raise ValueError("Callback cannot be None")
        with self._inst.lock:
            self._callback = callback
            self._cb_args = args
            self._cb_kwargs = kwargs
            self._handle._register(self)
            # one callback per response, as flux calls it once per fulfilment
            for _ in self._responses:
                self._handle._schedule_callback(self)
        if timeout is not None and timeout >= 0:
            self._handle.timer_watcher_create(timeout, self._expire).start()
        return self

    def _expire(self, handle, watcher, revents, args):
        with self._inst.lock:
            if not self._responses:
                self.fulfill_error(OSError(errno.ETIMEDOUT, "Connection timed out"))

    def stop(self):
        """Stop calling the ``then`` callback (a stream's later responses included)."""
        with self._inst.lock:
            self.stopped = True
            self._handle._unregister(self)

    def get_flux(self):
        """The handle this future belongs to."""
        return self._handle

    def _run_callback(self):
        callback = self._callback
        if callback is None or self.stopped:
            return
        callback(self, *self._cb_args, **self._cb_kwargs)

    def _finished(self):
        """True once a stream has delivered its end (an error, ENODATA included)."""
        return bool(self._responses) and self._responses[-1][1] is not None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False



def __getattr__(name):
    # flux.future's other class, built on Future: loaded on first use
    if name == "FutureExt":
        from fluxsim.future_ext import FutureExt

        return FutureExt
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
