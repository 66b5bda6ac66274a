"""Futures as flux's bindings have them: ``get``, ``then``, ``wait_for``, ``reset``.

A future is the caller's side of one request to a service (see
:mod:`fluxsim.services`).  Its handle's *engine* fulfils it: the simulated
instance itself for an in-process handle, or the client connection of a
handle in another process; both offer ``lock``, ``drive(ready, timeout)``
and ``notify()``.  Streaming futures (event watches) queue several
responses; ``reset`` moves to the next one, and a stream ends with
ENODATA, as a flux streaming RPC does.  ``then`` callbacks run in
:meth:`fluxsim.Flux.reactor_run` of the handle the future belongs to.
"""

import collections
import errno

__all__ = ["Future"]


class Future:
    """A response (or stream of responses) from a simulated instance."""

    def __init__(self, handle, streaming=False):
        self._handle = handle
        self._inst = handle._engine
        self._responses = collections.deque()
        self._callback = None
        self._cb_args = ()
        self._cb_kwargs = {}
        self._streaming = streaming
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
        if self._callback is not None:
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

    def reset(self):
        """Move on to the next response of a streaming future."""
        with self._inst.lock:
            if self._responses and self._responses[0][1] is None:
                self._responses.popleft()

    def then(self, callback, *args, timeout=-1.0, **kwargs):
        """Call ``callback(future, *args, **kwargs)`` from the reactor when ready."""
        with self._inst.lock:
            self._callback = callback
            self._cb_args = args
            self._cb_kwargs = kwargs
            self._handle._register(self)
            # one callback per response, as flux calls it once per fulfilment
            for _ in self._responses:
                self._handle._schedule_callback(self)
        return self

    def stop(self):
        """Stop calling the ``then`` callback."""
        with self._inst.lock:
            self._callback = None
            self._handle._unregister(self)

    def get_flux(self):
        """The handle this future belongs to."""
        return self._handle

    def _run_callback(self):
        callback = self._callback
        if callback is None:
            return
        callback(self, *self._cb_args, **self._cb_kwargs)

    def _finished(self):
        """True once a stream has delivered its end (an error, ENODATA included)."""
        return bool(self._responses) and self._responses[-1][1] is not None
