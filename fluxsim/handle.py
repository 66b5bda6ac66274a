"""``fluxsim.Flux``: a handle on a simulated instance, as ``flux.Flux`` is on a broker.

``Flux()`` connects to the instance named by ``FLUX_URI``, ``Flux(uri)`` to a
given one; a uri that names no live instance fails as flux does, with
``ConnectionRefusedError``.  The handle's reactor runs the ``then`` callbacks
of its futures.
"""

import collections
import os


__all__ = ["Flux"]


class Flux:
    """A connection to a simulated Flux instance."""

    def __init__(self, url=None, flags=0, handle=None):
        if isinstance(url, bytes):
            url = url.decode()
        if url is None:
            url = os.environ.get("FLUX_URI")
            if url is None:
                raise FileNotFoundError(2, "No such file or directory")
        if not isinstance(url, str):
            # what cffi says when flux_open() is given something else
            raise TypeError(
                f"initializer for ctype 'char *' must be a bytes or list or tuple, "
                f"not {type(url).__name__}"
            )
        self.uri = url
        # imported here: the instance imports exec and the schedulers, which
        # import fluxsim.job, whose package imports this module
        from fluxsim.instance import lookup

        self.instance = lookup(url)
        self.flags = flags
        self._registered = set()
        self._triggers = collections.deque()
        self._stop = False

    # -- reactor --------------------------------------------------------------------

    def _register(self, future):
        self._registered.add(future)

    def _unregister(self, future):
        self._registered.discard(future)

    def _schedule_callback(self, future):
        self._triggers.append(future)
        self.instance.notify()

    def reactor_run(self, reactor=None, flags=0):
        """Run ``then`` callbacks until no future awaits one (or ``reactor_stop``)."""
        inst = self.instance
        self._stop = False
        while True:
            with inst.lock:
                if self._stop:
                    return 0
                if not self._triggers:
                    if not self._registered:
                        return 0
                    inst.drive(lambda: bool(self._triggers) or self._stop)
                    if self._stop:
                        return 0
                future = self._triggers.popleft()
            future._run_callback()
            with inst.lock:
                # a plain future answers once; a stream until its end
                if not future._streaming or future._finished():
                    self._unregister(future)

    def reactor_stop(self, reactor=None):
        """Make :meth:`reactor_run` return."""
        with self.instance.lock:
            self._stop = True
            self.instance.notify()

    # -- RPCs ---------------------------------------------------------------------------

    def rpc(self, topic, payload=None, nodeid=0, flags=0):
        """The broker RPCs whose effect fluxsim models, with flux's errors
        (see :mod:`fluxsim.rpc`)."""
        from fluxsim import rpc as _rpc

        return _rpc.call(self, topic, payload or {})

    # -- small broker queries -----------------------------------------------------

    def attr_get(self, attr_name):
        """Broker attributes fluxsim knows: ``size``, ``rank``, ``local-uri``, ``parent-uri``."""
        inst = self.instance
        values = {
            "size": str(inst.R.nnodes),
            "rank": "0",
            "local-uri": inst.uri,
            "instance-level": "0",
            "version": "0.88.0",
        }
        try:
            return values[attr_name]
        except KeyError:
            raise FileNotFoundError(2, "No such file or directory") from None

    def get_rank(self):
        """This handle's broker rank (always 0)."""
        return 0

    def close(self):
        """Forget the reactor's futures."""
        with self.instance.lock:
            self._registered.clear()
            self._triggers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"<fluxsim.Flux {self.uri}>"
