"""Journal consumers: a stream of events, history first, from a journal-style service.

A journal service (``job-manager.events-journal``) answers one streaming
request with its history (unless ``full`` is False), an empty response
(the *sentinel*) where history ends, then each new event as it happens;
``TOPIC-cancel`` with the request's matchtag ends the stream (ENODATA).
A consumer holds the history back until the sentinel, sorts it by
timestamp, and then hands out events one at a time: by :meth:`poll`, or
to a callback set with :meth:`set_callback` while the handle's reactor
runs.  After :meth:`stop` and the last event, the consumer gives None.

Mirrors ``flux.abc.journal`` (flux-core 0.88).
"""

import errno
import time
from abc import ABC, abstractmethod
from collections import deque

from fluxsim.constants import FLUX_RPC_NORESPONSE, FLUX_RPC_STREAMING
from fluxsim.eventlog import EventLogEvent

__all__ = ["JournalEventBase", "JournalConsumerBase"]


class JournalEventBase(EventLogEvent):
    """One journal event (``name``, ``timestamp``, ``context``); an event
    with no name is the empty one that stands for the sentinel."""

    def __init__(self, event):
        event.setdefault("timestamp", time.time())
        super().__init__(event)

    def is_empty(self):
        """True for the empty (sentinel) event."""
        return "name" not in self

    def __str__(self):
        if self.is_empty():
            return f"{self.timestamp:<0.5f} End of historical data stream"
        return f"{self.timestamp:<0.5f} {self.name} {self.context_string}"


class JournalConsumerBase(ABC):
    """Consumer of a journal service ``topic`` (see the module docs).

    ``full``: start with the history; ``since``: only events later than
    this timestamp; ``include_sentinel``: hand out :attr:`SENTINEL_EVENT`
    where history ends.  Subclasses turn responses into events with
    :meth:`process_response` and :meth:`create_event`.
    """

    SENTINEL_EVENT = JournalEventBase({})

    def __init__(self, flux_handle, topic, cancel_topic=None, full=True, since=0.0,
                 include_sentinel=False):
        self.handle = flux_handle
        self.topic = topic
        self.cancel_topic = cancel_topic or f"{topic}-cancel"
        self.full = full
        self.since = since
        self.include_sentinel = include_sentinel
        self.backlog = deque()
        self.rpc = None
        self.cb = None
        self.cb_args = ()
        self.cb_kwargs = {}
        #: True while history is still coming (it is sorted at the sentinel)
        self.processing_inactive = full
        self._then_set = False

    @abstractmethod
    def process_response(self, resp):
        """Keyword arguments for :meth:`create_event` from one response."""
        return {}

    @abstractmethod
    def create_event(self, entry, **kwargs):
        """The event object of one entry of a response's ``events``."""
        return JournalEventBase(entry)

    def is_empty_response(self, resp):
        """True for the sentinel response."""
        return len(resp["events"]) == 0

    @property
    def request_payload(self):
        """The journal request's payload."""
        return {}

    # -- the stream ----------------------------------------------------------------

    def start(self):
        """Send the journal request (again, if called twice: the stream restarts)."""
        self.rpc = self.handle.rpc(self.topic, self.request_payload, 0, FLUX_RPC_STREAMING)
        self._then_set = False
        self._watch()
        return self

    def stop(self):
        """Cancel the request: the events already sent still come, then None."""
        self.handle.rpc(self.cancel_topic, {"matchtag": self.rpc.matchtag}, 0,
                        FLUX_RPC_NORESPONSE)

    def _history_done(self):
        self.processing_inactive = False
        self.backlog = deque(sorted(self.backlog, key=lambda event: event.timestamp))
        if self.include_sentinel:
            self.backlog.append(self.SENTINEL_EVENT)

    def _take(self, resp):
        """Queue the events of one response (None: the end of the stream)."""
        if resp is None:
            self.backlog.append(None)
            return
        kwargs = self.process_response(resp)
        for entry in resp["events"]:
            event = self.create_event(entry, **kwargs)
            if event.timestamp > self.since:
                self.backlog.append(event)

    def _handle_response(self, resp):
        if self.processing_inactive and self.is_empty_response(resp):
            self._history_done()
        else:
            self._take(resp)

    # -- synchronous -----------------------------------------------------------------

    def poll(self, timeout=-1.0):
        """The next event, waiting at most ``timeout`` seconds (TimeoutError);
        None once the stream has ended; RuntimeError before :meth:`start`."""
        if self.rpc is None:
            raise RuntimeError("poll() called before start()")
        while self.processing_inactive:
            self._handle_response(self.rpc.wait_for(timeout).get())
            self.rpc.reset()
        while not self.backlog:
            try:
                resp = self.rpc.wait_for(timeout).get()
            except OSError as exc:
                if exc.errno != errno.ENODATA:
                    raise
                resp = None
            self._take(resp)
            self.rpc.reset()
        return self.backlog.popleft()

    # -- asynchronous ------------------------------------------------------------------

    def set_callback(self, event_cb, *args, **kwargs):
        """Call ``event_cb(event, *args, **kwargs)`` for each event from the
        handle's reactor (history once it is complete and sorted)."""
        self.cb = event_cb
        self.cb_args = args
        self.cb_kwargs = kwargs
        self._watch()
        return self

    def _watch(self):
        if self.rpc is not None and self.cb is not None and not self._then_set:
            self._then_set = True
            self.rpc.then(self._on_response)

    def _on_response(self, future):
        try:
            self._handle_response(future.get())
            if not self.processing_inactive:
                while self.backlog:
                    self.cb(self.backlog.popleft(), *self.cb_args, **self.cb_kwargs)
        except OSError as exc:
            # the end is queued, not handed out: the reactor stops with the stream
            if exc.errno == errno.ENODATA:
                self._take(None)
        finally:
            future.reset()
