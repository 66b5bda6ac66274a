"""``fluxsim.Flux`` (and ``flux.Flux``): a handle on a simulated instance, as ``flux.Flux`` is on a broker.

``Flux()`` connects to the instance named by ``FLUX_URI``, ``Flux(uri)`` to a
given one: an instance of this process (``sim://...``, or the
``local://...`` uri of an instance this process serves) is reached
directly, any other ``local://`` uri through its broker's socket (see
:mod:`fluxsim.connector`).  A uri that names no live instance fails as flux
does, with ``ConnectionRefusedError``.  The handle's reactor runs the
``then`` callbacks of its futures.
"""

import collections
import errno
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
                raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        if not isinstance(url, str):
            # what cffi says when flux_open() is given something else
            raise TypeError(
                f"initializer for ctype 'char *' must be a bytes or list or tuple, "
                f"not {type(url).__name__}"
            )
        self.uri = url
        # imported here: the instance imports exec and the schedulers, which
        # import fluxsim.job, whose package imports this module
        from fluxsim.instance import find

        self.instance = find(url)
        if self.instance is not None:
            from fluxsim.rpc import LocalSender

            self._engine = self.instance
            self._sender = LocalSender(self.instance.owner)
        else:
            from fluxsim.connector import connect

            self._engine = connect(url)
            self._sender = None
        self.flags = flags
        self._registered = set()
        self._triggers = collections.deque()
        self._stop = False

    # -- requests -------------------------------------------------------------------

    def _send(self, topic, payload, future):
        """Hand one request to the instance (see :func:`fluxsim.rpc.send`)."""
        if self._sender is not None:
            from fluxsim.rpc import send_local

            send_local(self.instance, self._sender, topic, payload, future)
        else:
            self._engine.send(topic, payload, future)

    def rpc(self, topic, payload=None, nodeid=0, flags=0):
        """A request to one of the services fluxsim models (:mod:`fluxsim.services`),
        with Flux's topics, payloads and errors."""
        from fluxsim import rpc as _rpc

        return _rpc.send(self, topic, payload, streaming=bool(flags & _rpc.FLUX_RPC_STREAMING))

    # -- reactor --------------------------------------------------------------------

    def _register(self, future):
        self._registered.add(future)

    def _unregister(self, future):
        self._registered.discard(future)

    def _schedule_callback(self, future):
        self._triggers.append(future)
        self._engine.notify()

    def reactor_run(self, reactor=None, flags=0):
        """Run ``then`` callbacks until no future awaits one (or ``reactor_stop``)."""
        engine = self._engine
        self._stop = False
        while True:
            with engine.lock:
                if self._stop:
                    return 0
                if not self._triggers:
                    if not self._registered:
                        return 0
                    engine.drive(lambda: bool(self._triggers) or self._stop)
                    if self._stop:
                        return 0
                future = self._triggers.popleft()
            future._run_callback()
            with engine.lock:
                # a plain future answers once; a stream until its end
                if not future._streaming or future._finished():
                    self._unregister(future)

    def reactor_stop(self, reactor=None):
        """Make :meth:`reactor_run` return."""
        with self._engine.lock:
            self._stop = True
            self._engine.notify()

    # -- small broker queries -----------------------------------------------------

    def attr_get(self, attr_name):
        """A broker attribute (``size``, ``rank``, ``local-uri``, ``parent-uri``, ...)."""
        return self.rpc("attr.get", {"name": attr_name}).get()["value"]

    def conf_get(self, key=None, default=None):
        """The instance configuration, or the value at dotted ``key`` (``default`` if unset)."""
        conf = self.rpc("config.get").get()
        if key is None:
            return conf
        for part in key.split("."):
            if not isinstance(conf, dict) or part not in conf:
                return default
            conf = conf[part]
        return conf

    def log(self, level, fmt, *args, **kwargs):
        """Append a message to the instance's log (``flux dmesg``)."""
        text = fmt % args if args else fmt
        self.rpc("log.append", {"level": int(level), "message": str(text)})

    def get_rank(self):
        """This handle's broker rank (always 0)."""
        return 0

    def close(self):
        """Forget the reactor's futures; a client connection closes."""
        with self._engine.lock:
            self._registered.clear()
            self._triggers.clear()
        if self._sender is None:
            self._engine.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"<fluxsim.Flux {self.uri}>"
