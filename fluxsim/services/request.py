"""One request to a service, and the way back to its sender (RFC 6).

A service answers through its :class:`Request`: once, or as a stream that
ends with ENODATA, as Flux's streaming RPCs do.  The sender is what the
request came through (an in-process handle or a client connection); it
knows how to deliver a response, and keeps the open streams it can cancel.
"""

import errno
import os

__all__ = ["Request", "DEFERRED", "Sender"]

#: What a service returns when it answers later (a wait, a stream).
DEFERRED = object()


class Sender:
    """Where requests come from: delivers responses, tracks open streams."""

    def __init__(self, userid):
        self.userid = userid
        #: matchtag -> the open streaming :class:`Request`
        self.streams = {}

    def deliver(self, request, payload, error):
        """Send ``payload`` (a dict or None) or ``error`` ((errnum, text)) back."""
        raise NotImplementedError

    def stop_stream(self, matchtag, topic):
        """A ``*-cancel`` request: stop this sender's stream ``matchtag`` of ``topic``.
        Returns DEFERRED, as the cancel itself has no response."""
        stream = self.streams.get(matchtag)
        if stream is not None and stream.topic == topic:
            stream.stop()
        return DEFERRED

    def cancel_all(self):
        """The sender is gone: stop every stream and wait it had open."""
        for request in list(self.streams.values()):
            request.stop()


class Request:
    """A request: ``topic``, ``payload`` (a dict), its sender and matchtag,
    whether the sender takes a stream of responses (``FLUX_RPC_STREAMING``),
    and the rank of the broker the sender is connected to."""

    __slots__ = ("topic", "payload", "sender", "matchtag", "streaming", "rank", "on_stop", "done")

    def __init__(self, topic, payload, sender, matchtag=0, streaming=False, rank=0):
        self.topic = topic
        self.payload = payload
        self.sender = sender
        self.matchtag = matchtag
        self.streaming = streaming
        self.rank = rank
        #: called (no arguments) when the sender stops a deferred request
        self.on_stop = None
        self.done = False

    @property
    def userid(self):
        """The sender's user id (RFC 6 ``userid``)."""
        return self.sender.userid

    def respond(self, payload=None):
        """Answer (one response of a stream, or the only one)."""
        if not self.done:
            self.sender.deliver(self, payload, None)

    def finish(self, payload=None):
        """The one response of a deferred request."""
        if self.done:
            return
        self.done = True
        self.sender.streams.pop(self.matchtag, None)
        self.sender.deliver(self, payload, None)

    def error(self, errnum, text=None):
        """Answer with an error; this ends a stream."""
        if self.done:
            return
        self.done = True
        self.sender.streams.pop(self.matchtag, None)
        self.sender.deliver(self, None, (errnum, text or os.strerror(errnum)))

    def end(self):
        """End a stream, as Flux does: with ENODATA."""
        self.error(errno.ENODATA)

    def defer(self, on_stop):
        """Answer later; ``on_stop()`` undoes the registration if the sender goes away."""
        self.on_stop = on_stop
        if self.matchtag:
            self.sender.streams[self.matchtag] = self
        return DEFERRED

    def follow(self, callbacks, callback, on_stop=None):
        """Answer later from ``callback``, kept in the list ``callbacks`` (a job's
        watchers, the job manager's listeners) until it removes itself or the
        sender goes away (then ``on_stop()`` too, if given)."""
        callbacks.append(callback)

        def unfollow():
            if callback in callbacks:
                callbacks.remove(callback)
            if on_stop is not None:
                on_stop()

        return self.defer(unfollow)

    def stop(self):
        """The sender cancelled this request (or went away): unregister, end it."""
        self.sender.streams.pop(self.matchtag, None)
        if self.on_stop is not None:
            self.on_stop()
            self.on_stop = None
        self.end()
