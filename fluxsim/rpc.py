"""Requests from a handle to its instance's services (``Flux.rpc`` and the ``flux.job`` calls).

A request goes to :mod:`fluxsim.services` in this process, or over a
client connection to a ``fluxsim start`` broker in another; either way it
comes back into a :class:`~fluxsim.future.Future`.  Topics and payloads
are Flux's: str or bytes topics; a dict, a JSON string, or None payload.
"""

import errno
import json
import itertools

from fluxsim.future import Future
from fluxsim.services import Request, Sender, serve

__all__ = ["send", "LocalSender", "FLUX_RPC_STREAMING"]

#: flux_rpc flag: the request may have many responses, ending with ENODATA
FLUX_RPC_STREAMING = 1


def _decode(topic, payload):
    """Topic and payload as Flux's ``rpc`` takes them; a payload that is no
    JSON object comes out as None (the service answers EPROTO)."""
    if isinstance(topic, bytes):
        topic = topic.decode("utf-8", "replace")
    if payload is None:
        payload = {}
    elif isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload) if payload else {}
        except ValueError:
            payload = None
    return topic, payload if isinstance(payload, dict) else None


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


def send_local(inst, sender, topic, payload, future):
    """Serve one request of an in-process handle."""
    sender.track(future)
    with inst.operation():
        serve(inst, Request(topic, payload, sender, future.matchtag))


def send(handle, topic, payload=None, future=None, streaming=False):
    """Send a request on ``handle``; returns its future (``future``, or a new one)."""
    if future is None:
        future = Future(handle, streaming=streaming)
    topic, payload = _decode(topic, payload)
    handle._send(topic, payload, future)
    return future


def closed(future):
    """Fail ``future`` as a request on a closed handle does."""
    future.fulfill_error(OSError(errno.ECONNRESET, "Connection reset by peer"))
    return future
