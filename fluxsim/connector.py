"""The client side of a ``local://`` uri: a connection to a ``fluxsim start`` broker.

A :class:`Connection` is the engine of a handle in another process than the
instance: it sends requests over the broker's Unix socket and a reader
thread fulfils their futures, so a future blocks, times out and calls back
exactly as an in-process one does.  Every rank of a fluxsim instance is the
one broker, so ``local://DIR/local-N`` reaches ``DIR/local-0`` when no
socket of its own exists.  An ``ssh://HOST/PATH`` uri (what a nested
instance posts, and ``flux uri`` prints) reaches the socket at ``PATH``
directly: Flux runs ``flux relay`` over ssh on HOST, and every fluxsim
instance runs on this machine.
"""

import errno
import itertools
import os
import re
import socket
import threading
import time

from fluxsim import wire
from fluxsim.constants import FLUX_NODEID_ANY

__all__ = ["Connection", "connect", "socket_path"]

_RANK_SOCKET = re.compile(r"local-(\d+)$")


def socket_path(uri):
    """The socket path of a ``local://`` or ``ssh://`` uri; ConnectionRefusedError if there is none."""
    if uri.startswith("local://"):
        path = uri[len("local://"):]
    elif uri.startswith("ssh://") and "/" in uri[len("ssh://"):]:
        path = "/" + uri[len("ssh://"):].split("/", 1)[1]
    else:
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    if os.path.isdir(path):
        path = os.path.join(path, "local-0")
    if not os.path.exists(path) and _RANK_SOCKET.search(os.path.basename(path)):
        path = os.path.join(os.path.dirname(path), "local-0")
    return path


def connect(uri):
    """A :class:`Connection` to the broker at ``uri``."""
    path = socket_path(uri)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except FileNotFoundError:
        sock.close()
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused") from None
    except OSError:
        sock.close()
        raise
    named = _RANK_SOCKET.search(uri)
    return Connection(sock, int(named[1]) if named else 0)


class Connection:
    """One client connection; the engine of its handle's futures."""

    clock = "real"

    def __init__(self, sock, rank=0):
        self._sock = sock
        #: the broker rank the uri names (``local-N``): requests carry it, so
        #: that the one broker answers as rank N would (``rank`` attribute)
        self.rank = rank
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._write = threading.Lock()
        self._futures = {}
        self._tags = itertools.count(1)
        self.running = True
        self._reader = threading.Thread(target=self._read, name="fluxsim-connector", daemon=True)
        self._reader.start()

    def send(self, topic, payload, future, nodeid=FLUX_NODEID_ANY):
        """Send one request; its responses go to ``future`` (None: no response)."""
        with self.lock:
            if not self.running:
                if future is not None:
                    future.fulfill_error(OSError(errno.ECONNRESET, "Connection reset by peer"))
                return
            matchtag = 0
            if future is not None:
                matchtag = future.matchtag = next(self._tags)
                self._futures[matchtag] = future
        message = {"topic": topic, "payload": payload, "matchtag": matchtag, "nodeid": nodeid}
        if future is not None and future._streaming:
            message["streaming"] = True
        if self.rank:
            message["rank"] = self.rank
        try:
            with self._write:
                wire.send(self._sock, message)
        except OSError:
            self._lost()

    def _read(self):
        while True:
            try:
                message = wire.receive(self._sock)
            except OSError:
                message = None
            if message is None:
                self._lost()
                return
            with self.lock:
                self._deliver(message)

    def _deliver(self, message):
        tag = message.get("matchtag")
        future = self._futures.get(tag)
        if future is None:
            return
        if "errnum" in message:
            del self._futures[tag]
            future.fulfill_error(OSError(message["errnum"], message.get("errstr", "")))
        else:
            if not future._streaming:
                del self._futures[tag]
            future.fulfill(message.get("payload"))

    def _lost(self):
        """The broker went away: every open request fails, as flux's do."""
        with self.lock:
            if not self.running:
                return
            self.running = False
            futures, self._futures = self._futures, {}
            for future in futures.values():
                future.fulfill_error(OSError(errno.ECONNRESET, "Connection reset by peer"))
            self.changed.notify_all()

    def drive(self, ready, timeout=None):
        """Block until ``ready()`` (lock held by caller); False on timeout."""
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        while not ready():
            if not self.running:
                raise OSError(errno.ECONNRESET, "Connection reset by peer")
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            self.changed.wait(remaining)
        return True

    def notify(self):
        """Wake threads blocked in :meth:`drive`."""
        self.changed.notify_all()

    def close(self):
        """Close the connection (the broker stops this client's streams and waits)."""
        wire.hang_up(self._sock)
        if threading.current_thread() is not self._reader:
            self._reader.join()
