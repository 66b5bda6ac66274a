"""The broker side of ``local://``: an instance served on an owner-only Unix socket.

As flux-core's connector-local does, a :class:`Listener` accepts clients
on ``<rundir>/local-0`` (mode 0600 in a 0700 directory; no TCP), refuses a
client of another user, and hands each request to the instance's services
(:mod:`fluxsim.services`); when a client goes away, its streams and waits
are stopped.
"""

import logging
import os
import queue
import socket
import struct
import threading
import time

from fluxsim import wire
from fluxsim.constants import FLUX_NODEID_ANY
from fluxsim.services import Request, Sender
from fluxsim.services.broker import route

__all__ = ["Listener"]

_CRED = struct.Struct("3i")


def _peer_uid(sock):
    pid, uid, gid = _CRED.unpack(
        sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size)
    )
    return uid


class _Client(Sender):
    """One connected client: reads its requests, writes its responses in order."""

    def __init__(self, listener, sock, userid):
        super().__init__(userid)
        self.listener = listener
        self.sock = sock
        self.outbox = queue.SimpleQueue()
        self.reader = threading.Thread(target=self._read, name="fluxsim-client", daemon=True)
        self.writer = threading.Thread(target=self._write, name="fluxsim-client-w", daemon=True)

    def start(self):
        self.reader.start()
        self.writer.start()

    def deliver(self, request, payload, error):
        if not request.matchtag:
            return  # FLUX_RPC_NORESPONSE
        message = {"matchtag": request.matchtag}
        if error is None:
            message["payload"] = payload
        else:
            message["errnum"], message["errstr"] = error
        self.outbox.put(message)

    def _write(self):
        try:
            while True:
                message = self.outbox.get()
                if message is None:
                    return
                if isinstance(message, threading.Event):
                    message.set()  # a flush: everything before it is written
                    continue
                wire.send(self.sock, message)
        except OSError:
            self.stop()  # the client is gone: the reader ends too
        finally:
            self.reader.join()
            self.sock.close()

    def _read(self):
        inst = self.listener.instance
        try:
            while True:
                try:
                    message = wire.receive(self.sock)
                except OSError:
                    message = None
                if message is None:
                    return
                topic, tag = message.get("topic"), message.get("matchtag")
                nodeid = message.get("nodeid", FLUX_NODEID_ANY)
                rank = message.get("rank", 0)
                if not isinstance(topic, str) or not isinstance(tag, int) \
                        or not isinstance(nodeid, int) or not isinstance(rank, int):
                    return  # not a fluxsim client: drop it
                try:
                    with inst.operation():
                        route(inst, Request(topic, message.get("payload"), self, tag,
                                            message.get("streaming") is True, rank), nodeid)
                except OSError:
                    return  # the instance stopped
        finally:
            with inst.lock:
                self.cancel_all()
            self.outbox.put(None)
            self.listener._forget(self)
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def flush(self, timeout=5.0):
        """Wait until the responses queued so far are written (or the client is gone)."""
        written = threading.Event()
        self.outbox.put(written)
        deadline = time.monotonic() + timeout
        while not written.wait(0.05):
            if not self.writer.is_alive() or time.monotonic() > deadline:
                return

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Listener:
    """Serves ``instance`` on the Unix socket ``path`` until :meth:`close`."""

    def __init__(self, instance, path):
        self.instance = instance
        self.path = path
        self._clients = set()
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            self._sock.bind(path)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        self._sock.listen(64)
        self.uri = f"local://{path}"
        self._thread = threading.Thread(target=self._accept, name="fluxsim-listener", daemon=True)
        self._thread.start()

    def _accept(self):
        owner = self.instance.owner
        while True:
            try:
                sock, _ = self._sock.accept()
            except OSError:
                return
            try:
                uid = _peer_uid(sock)
            except OSError:
                sock.close()
                continue
            if uid != owner:
                logging.getLogger(__name__).warning("refused a client of user %d", uid)
                sock.close()
                continue
            client = _Client(self, sock, uid)
            with self._lock:
                self._clients.add(client)
            client.start()

    def _forget(self, client):
        with self._lock:
            self._clients.discard(client)

    def close(self):
        """Stop accepting, disconnect every client, remove the socket."""
        wire.hang_up(self._sock)
        self._thread.join()
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            client.flush()  # the last responses (a shutdown's ENODATA) go out first
            client.stop()
            client.writer.join()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
