"""Messages between a client and a ``fluxsim start`` broker: length-prefixed JSON.

Each message is a 4-byte big-endian length and one JSON object:
``{"topic", "payload", "matchtag", "nodeid"}`` for a request (matchtag 0:
no response wanted; ``"streaming": true`` for ``FLUX_RPC_STREAMING``), ``{"matchtag", "payload"}`` or ``{"matchtag",
"errnum", "errstr"}`` for a response (the fields of an RFC 3 message that
fluxsim's services use).
"""

import json
import socket
import struct

__all__ = ["send", "receive", "hang_up", "MAX_MESSAGE"]

_HEADER = struct.Struct(">I")
#: The largest message either side accepts (bytes).
MAX_MESSAGE = 1 << 30


def send(sock, message):
    """Write one message (a dict) to ``sock``."""
    data = json.dumps(message, separators=(",", ":")).encode()
    sock.sendall(_HEADER.pack(len(data)) + data)


def _exactly(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def receive(sock):
    """Read one message from ``sock``; None at end of stream or on a bad message."""
    header = _exactly(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE:
        return None
    data = _exactly(sock, size)
    if data is None:
        return None
    try:
        message = json.loads(data)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def hang_up(sock):
    """Shut ``sock`` down both ways (waking a reader blocked on it) and close it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
