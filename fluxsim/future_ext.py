"""``FutureExt``: a future fulfilled from Python, as ``flux.future.FutureExt`` is.

A FutureExt stands for work made of several requests behind one future
(the job output watches of :mod:`fluxsim.job.output` chain three eventlog
watches).  Its *init callback* ``init_cb(future, *args, **kwargs)`` starts
that work the first time the future is used, and the work calls
:meth:`FutureExt.fulfill` (once or many times) or
:meth:`FutureExt.fulfill_error`:

- with ``then(cb)``, on the future's own handle: its reactor runs the
  chained callbacks and ``cb`` alike; a FutureExt never holds the reactor
  once it has called back, the requests it waits on do;
- with a blocking ``get()``, on a handle of its own whose reactor runs
  only that work until a value is there (flux_future_get(3) runs a
  temporary reactor the same way).  So init callbacks use
  ``future.get_flux()``, never a handle of their own, as flux asks.

Values are fulfilled as JSON (a tuple comes back a list), as Flux passes them.

>>> f = FutureExt(lambda fut: fut.fulfill({"a": (1, 2)}), flux_handle=h)  # doctest: +SKIP
>>> f.get()  # doctest: +SKIP
{'a': [1, 2]}
"""

import errno
import json
import weakref

from fluxsim.future import Future

__all__ = ["FutureExt"]


class FutureExt(Future):
    """An empty future that Python code fulfills (see the module docs)."""

    def __init__(self, init_cb, *args, flux_handle=None, **kw_args):
        if flux_handle is None:
            raise OSError(errno.EINVAL, "EINVAL: Invalid argument")
        super().__init__(flux_handle, streaming=True)
        self.init_cb = init_cb
        self.init_args = args
        self.init_kwargs = kw_args
        self._flux = None  # the handle the work runs on, once started
        self._timer = None
        self._waiting = False  # a blocking get runs the reactor

    # -- starting the work --------------------------------------------------------

    def _start(self, handle):
        if self._flux is None:
            self._flux = handle
            self.init_cb(self, *self.init_args, **self.init_kwargs)

    def get_flux(self):
        """The handle the work runs on (this future's own until it started)."""
        return self._flux if self._flux is not None else self._handle

    def _private_handle(self):
        """A handle on the same instance with a reactor of its own, closed
        when this future goes away."""
        from fluxsim.handle import Flux

        handle = Flux(self._handle.uri)
        weakref.finalize(self, handle.close)
        return handle

    # -- fulfilment -----------------------------------------------------------------

    def fulfill(self, result=None):
        """Add ``result`` (anything JSON can encode) as the next value."""
        value = json.loads(json.dumps(result))
        with self._inst.lock:
            super().fulfill(value)
        self._answered()

    def fulfill_error(self, errnum=None, errstr=None):
        """Add an error (OSError ``errnum``, ``errstr``): ``get`` raises it."""
        exc = errnum if isinstance(errnum, OSError) else OSError(errnum, errstr)
        with self._inst.lock:
            super().fulfill_error(exc)
        self._answered()

    def _answered(self):
        if self._timer is not None:
            self._timer.stop()
        if self._waiting:
            self._flux.reactor_stop()  # the blocking get has its value

    # -- consumer side ----------------------------------------------------------------

    def wait_for(self, timeout=-1.0):
        """Run the work on a private reactor until a value is there (``timeout`` is
        not modelled: the work's own requests end it)."""
        if self._flux is None:
            self._start(self._private_handle())
        self._waiting = True
        try:
            while not self.is_ready():
                self._flux.reactor_run()
                if not self.is_ready():
                    # nothing left that could fulfill it (flux would wait forever)
                    raise OSError(errno.EDEADLK, "Resource deadlock avoided")
        finally:
            self._waiting = False
        return self

    def then(self, callback, *args, timeout=-1.0, **kwargs):
        """Call ``callback(future, *args, **kwargs)`` on each value, from this
        future's handle's reactor; ETIMEDOUT if ``timeout`` seconds pass
        without one (counted again from each ``reset``)."""
        self._start(self._handle)
        super().then(callback, *args, **kwargs)
        if timeout is not None and timeout >= 0:
            self._timer = self._handle.timer_watcher_create(timeout, self._expired).start()
        return self

    def _expired(self, handle, watcher, revents, args):
        self.fulfill_error(errno.ETIMEDOUT, "Connection timed out")

    def reset(self):
        """Move to the next value; a ``then`` timeout starts again."""
        super().reset()
        if self._timer is not None and not self.is_ready():
            self._timer.reset()

    def _run_callback(self):
        try:
            super()._run_callback()
        except Exception:
            # as flux's continuation callback: a callback that raised is not
            # called again when the reactor runs next
            self.stop()
            raise

    def _finished(self):
        # the reactor is held by the requests this future waits on, not by it
        return True
