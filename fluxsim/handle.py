"""``fluxsim.Flux`` (and ``flux.Flux``): a handle on a simulated instance, as ``flux.Flux`` is on a broker.

``Flux()`` connects to the instance named by ``FLUX_URI``, ``Flux(uri)`` to a
given one: an instance of this process (``sim://...``, or the
``local://...`` uri of an instance this process serves) is reached
directly, any other ``local://`` uri through its broker's socket (see
:mod:`fluxsim.connector`).  A uri that names no live instance fails as flux
does, with ``ConnectionRefusedError``.

The handle's reactor (:meth:`Flux.reactor_run`) runs the ``then`` callbacks
of its futures and its timer watchers, and returns once none is left
active, as flux's reactor does; timers count the instance's time (simulated
seconds on a virtual clock).
"""

import collections
import errno
import heapq
import itertools
import os
import time

from fluxsim.constants import FLUX_NODEID_ANY, FLUX_RPC_NORESPONSE

__all__ = ["Flux", "TimerWatcher"]


class TimerWatcher:
    """A timer on a handle's reactor, as ``flux.core.watchers.TimerWatcher``:
    ``callback(handle, watcher, revents, args)`` after ``after`` seconds,
    then every ``repeat`` seconds if ``repeat`` > 0."""

    def __init__(self, flux_handle, after, callback, repeat=0.0, args=None):
        self.flux_handle = flux_handle
        self.after = float(after)
        self.repeat = float(repeat)
        self.callback = callback
        self.args = args
        #: the deadline of the armed timer (None: stopped)
        self._due = None
        #: True while its callback waits in the reactor's queue
        self._queued = False
        flux_handle.add_watcher(self)

    def start(self):
        """Arm the timer (a started timer keeps its deadline)."""
        if self._due is None:
            self.flux_handle._arm(self, self.after)
        return self

    def stop(self):
        """Disarm the timer."""
        self.flux_handle._disarm(self)
        return self

    def reset(self, after=None, repeat=None):
        """Re-arm from now with new (or the same) values."""
        self.after = self.after if after is None else float(after)
        self.repeat = self.repeat if repeat is None else float(repeat)
        self.stop()
        self.start()

    def destroy(self):
        """Stop the timer and let the handle forget it."""
        self.stop()
        self.flux_handle.del_watcher(self)

    def _run_callback(self):
        if not self._queued:
            return  # stopped since it came due
        self._queued = False
        self.callback(self.flux_handle, self, 0, self.args)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


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
        self._stop_rc = 0
        self._timers = []  # heap of (deadline, seq, watcher)
        self._timer_seq = itertools.count()
        self._active_watchers = set()
        self._cached_config = None
        #: the transaction flux.kvs.put and friends stage in until commit
        self.aux_txn = None

    # -- requests -------------------------------------------------------------------

    def _send(self, topic, payload, future, nodeid=FLUX_NODEID_ANY):
        """Hand one request to the instance (``future`` None: no response wanted)."""
        if self._sender is not None:
            from fluxsim.rpc import send_local

            send_local(self.instance, self._sender, topic, payload, future, nodeid)
        else:
            self._engine.send(topic, payload, future, nodeid)

    def rpc(self, topic, payload=None, nodeid=FLUX_NODEID_ANY, flags=0):
        """A request to one of the services fluxsim models (:mod:`fluxsim.services`),
        with Flux's topics, payloads, node ids, flags and errors (``flux_rpc(3)``)."""
        from fluxsim.rpc import RPC

        return RPC(self, topic, payload, nodeid, flags)

    # -- reactor --------------------------------------------------------------------

    def _register(self, future):
        self._registered.add(future)

    def _unregister(self, future):
        self._registered.discard(future)

    def _schedule_callback(self, future):
        self._triggers.append(future)
        self._engine.notify()

    def _clock(self):
        """The reactor's time: simulated seconds on a virtual clock, else monotonic."""
        if getattr(self._engine, "clock", "real") == "virtual":
            return self._engine.now
        return time.monotonic()

    def _arm(self, watcher, delay):
        with self._engine.lock:
            self._push(watcher, self._clock() + max(0.0, delay))
            self._engine.notify()

    def _push(self, watcher, due):
        watcher._due = due
        heapq.heappush(self._timers, (due, next(self._timer_seq), watcher))
        if getattr(self._engine, "clock", "real") == "virtual":
            # a virtual clock stops at the deadline only if an event is due there
            self._engine.call_later(due - self._clock(), lambda event: None)

    def _disarm(self, watcher):
        with self._engine.lock:
            watcher._due = None  # its heap entry is dropped when it comes up
            watcher._queued = False

    def _fire_timers(self):
        """Queue the callbacks of due timers (lock held), each once; re-arm repeating
        ones (a timer that fell behind skips the ticks it missed)."""
        now = self._clock()
        while self._timers and self._timers[0][0] <= now:
            due, _seq, watcher = heapq.heappop(self._timers)
            if watcher._due != due:
                continue  # stopped or re-armed since
            watcher._due = None
            if not watcher._queued:
                watcher._queued = True
                self._triggers.append(watcher)
            if watcher.repeat > 0:
                following = due + watcher.repeat
                self._push(watcher, following if following > now else now + watcher.repeat)

    def _timers_active(self):
        while self._timers and self._timers[0][2]._due != self._timers[0][0]:
            heapq.heappop(self._timers)
        return bool(self._timers)

    def _run(self, until=None):
        """The reactor loop: run callbacks and timers until nothing is active,
        ``reactor_stop``, or ``until()`` is true; -1 if the instance is gone."""
        engine = self._engine

        def ready():
            return (bool(self._triggers) or self._stop
                    or (until is not None and until())
                    or (bool(self._timers) and self._timers[0][0] <= self._clock()))

        while True:
            with engine.lock:
                if self._stop:
                    return self._stop_rc
                self._fire_timers()
                if not self._triggers:
                    if until is not None and until():
                        return 0
                    timers = self._timers_active()
                    if until is None and not self._registered and not timers:
                        return 0
                    timeout = self._timers[0][0] - self._clock() if timers else None
                    try:
                        engine.drive(ready, timeout)
                    except TimeoutError:
                        raise  # a virtual clock out of events: the wait could never end
                    except OSError:
                        return -1  # the connection (or the instance) is gone
                    continue
                item = self._triggers.popleft()
            try:
                item._run_callback()
            except Exception:
                # as flux's continuation callback: the future is reset and
                # stopped (not called again if the reactor restarts), and the
                # error leaves the reactor
                with engine.lock:
                    if getattr(item, "_responses", None):
                        item._responses.popleft()
                    self._unregister(item)
                if hasattr(item, "stopped"):
                    item.stopped = True
                raise
            with engine.lock:
                # a plain future answers once; a stream until its end
                if item in self._registered and (
                    not item._streaming or item._finished() or item.stopped
                ):
                    self._unregister(item)

    def reactor_run(self, reactor=None, flags=0):
        """Run ``then`` callbacks and timers until none is active (or ``reactor_stop``);
        returns 0, or a negative value after ``reactor_stop_error`` or a lost connection."""
        self._stop = False
        self._stop_rc = 0
        return self._run()

    def reactor_stop(self, reactor=None):
        """Make :meth:`reactor_run` return."""
        with self._engine.lock:
            self._stop = True
            self._engine.notify()

    def reactor_stop_error(self, reactor=None):
        """Make :meth:`reactor_run` return a negative value."""
        with self._engine.lock:
            self._stop = True
            self._stop_rc = -1
            self._engine.notify()

    def timer_watcher_create(self, after, callback, repeat=0.0, args=None):
        """A :class:`TimerWatcher` on this handle's reactor (start it to arm it)."""
        return TimerWatcher(self, after, callback, repeat=repeat, args=args)

    def add_watcher(self, watcher):
        """Keep a reference to ``watcher`` (as flux's handle does)."""
        self._active_watchers.add(watcher)
        return watcher

    def del_watcher(self, watcher):
        """Forget ``watcher``."""
        self._active_watchers.discard(watcher)

    # -- broker attributes, configuration, log -------------------------------------------

    def _libflux(self, topic, payload):
        """A request made inside libflux (flux_attr_get, flux_attr_set): its error
        comes as the bindings raise a C function's errno, without the service's text."""
        try:
            return self.rpc(topic, payload).get()
        except OSError as exc:
            name = errno.errorcode.get(exc.errno, str(exc.errno))
            raise OSError(exc.errno, f"{name}: {os.strerror(exc.errno)}") from None

    def attr_get(self, attr_name):
        """A broker attribute (``size``, ``rank``, ``local-uri``, ``parent-uri``, ...)."""
        return self._libflux("attr.get", {"name": attr_name})["value"]

    def attr_set(self, attr, value):
        """Set a broker attribute (``test.*`` and the other runtime ones)."""
        if not isinstance(attr, str):
            raise ValueError("Attribute name must be a string")
        if not isinstance(value, str):
            raise ValueError("Attribute value must be a string")
        self._libflux("attr.set", {"name": attr, "value": value})

    def attr_remove(self, attr):
        """Remove a broker attribute."""
        if not isinstance(attr, str):
            raise ValueError("Attribute name must be a string")
        self.rpc("attr.rm", {"name": attr}).get()

    def conf_get(self, key=None, default=None, update=False):
        """The instance configuration (fetched once, again with ``update``), or
        the value at dotted ``key`` (``default`` if unset)."""
        if update or self._cached_config is None:
            self._cached_config = self.rpc("config.get").get()
        conf = self._cached_config
        if key is None:
            return conf
        for part in key.split("."):
            if not isinstance(conf, dict) or part not in conf:
                return default
            conf = conf[part]
        return conf

    def log(self, level, fmt, *args, **kwargs):
        """Append a message to the instance's log (``flux dmesg``)."""
        if isinstance(fmt, bytes):
            fmt = fmt.decode("utf-8", "replace")
        text = fmt % args if args else fmt
        self.rpc("log.append", {"level": int(level), "message": str(text)},
                 flags=FLUX_RPC_NORESPONSE)

    def get_rank(self):
        """This handle's broker rank (always 0)."""
        return 0

    def close(self):
        """Forget the reactor's futures; a client connection closes."""
        with self._engine.lock:
            self._registered.clear()
            self._triggers.clear()
            self._timers.clear()
        if self._sender is None:
            self._engine.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"<fluxsim.Flux {self.uri}>"
