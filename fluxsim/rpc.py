"""Requests from a handle to its instance's services (``Flux.rpc``, ``flux.rpc.RPC`` and the ``flux.job`` calls).

A request goes to :mod:`fluxsim.services` in this process, or over a
client connection to a ``fluxsim start`` broker in another; either way it
comes back into a :class:`~fluxsim.future.Future`.  Arguments are Flux's
(``flux_rpc(3)``): a str or bytes topic; a dict, a JSON string, or None
payload; a node id (``FLUX_NODEID_ANY``, a rank, ``FLUX_NODEID_UPSTREAM``);
flags ``FLUX_RPC_STREAMING`` (many responses, ending with ENODATA) and
``FLUX_RPC_NORESPONSE`` (none: the future is ready at once, and ``get``
fails with EINVAL as flux_rpc_get does on it).
"""

import errno
import itertools
import json

from fluxsim.constants import FLUX_NODEID_ANY, FLUX_RPC_NORESPONSE, FLUX_RPC_STREAMING
from fluxsim.future import Future, invalid_argument
from fluxsim.services import Request, Sender
from fluxsim.unsigned import unsigned

__all__ = ["RPC", "send", "LocalSender", "FLUX_RPC_STREAMING", "FLUX_RPC_NORESPONSE"]


def encode_topic(topic):
    """A topic as a str; errors as flux's ``encode_topic``."""
    if topic is None:
        raise OSError(errno.EINVAL, "Topic must not be None/NULL")
    if isinstance(topic, bytes):
        return topic.decode("utf-8", "replace")
    if not isinstance(topic, str):
        raise TypeError(errno.EINVAL, f"Topic must be a string, not {type(topic)}")
    return topic


def _decode(payload):
    """A payload as a dict; one that is no JSON object comes out as None (the
    service answers EPROTO)."""
    if payload is None:
        payload = {}
    elif isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload) if payload else {}
        except ValueError:
            payload = None
    return payload if isinstance(payload, dict) else None


def _nodeid(nodeid):
    """A node id as flux_rpc's ``uint32_t`` takes it."""
    return unsigned(nodeid, 32)


class LocalSender(Sender):
    """An in-process handle as a sender: responses go straight into its futures."""

    def __init__(self, userid):
        super().__init__(userid)
        self.futures = {}
        self._tags = itertools.count(1)

    def track(self, future):
        """Give ``future`` a matchtag and route responses to it."""
        future.matchtag = next(self._tags)
        self.futures[future.matchtag] = future

    def deliver(self, request, payload, error):
        future = self.futures.get(request.matchtag)
        if future is None:
            return
        if error is not None:
            del self.futures[request.matchtag]
            future.fulfill_error(OSError(*error))
            return
        if not future._streaming:
            del self.futures[request.matchtag]
        future.fulfill(payload)


def send_local(inst, sender, topic, payload, future, nodeid=FLUX_NODEID_ANY):
    """Serve one request of an in-process handle (``future`` None: no response)."""
    from fluxsim.services.broker import route

    if future is not None:
        sender.track(future)
    with inst.operation():
        route(inst, Request(topic, payload, sender, future.matchtag if future else 0,
                            future is not None and future._streaming), nodeid)


def send(handle, topic, payload=None, future=None, streaming=False,
         nodeid=FLUX_NODEID_ANY, flags=0):
    """Send a request on ``handle``; returns its future (``future``, or a new one)."""
    topic = encode_topic(topic)
    nodeid = _nodeid(nodeid)
    if flags & ~(FLUX_RPC_STREAMING | FLUX_RPC_NORESPONSE):
        raise invalid_argument()
    if future is None:
        future = Future(handle, streaming=streaming or bool(flags & FLUX_RPC_STREAMING))
    if flags & FLUX_RPC_NORESPONSE:
        handle._send(topic, _decode(payload), None, nodeid)
        with handle._engine.lock:
            future.fulfill_error(invalid_argument())
        return future
    handle._send(topic, _decode(payload), future, nodeid)
    return future


class RPC(Future):
    """One request and its response(s), as ``flux.rpc.RPC``."""

    def __init__(self, flux_handle, topic, payload=None, nodeid=FLUX_NODEID_ANY, flags=0):
        super().__init__(flux_handle, streaming=bool(flags & FLUX_RPC_STREAMING))
        send(flux_handle, topic, payload, self, nodeid=nodeid, flags=flags)

    def get_str(self):
        """The response payload as JSON text (None for an empty response)."""
        value = self.get()
        return None if value is None else json.dumps(value, ensure_ascii=False)

