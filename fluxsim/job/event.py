"""Job eventlogs: ``event_watch``, ``event_wait``, ``JobException``, ``MAIN_EVENTS``.

A watch replays the eventlog so far, then streams new entries; the main
eventlog ends after ``clean``, the exec eventlog after ``done``.
"""

import errno

from fluxsim.eventlog import EventLogEvent
from fluxsim.future import Future
from fluxsim.job._wrapper import send
from fluxsim.unsigned import unsigned

__all__ = [
    "MAIN_EVENTS",
    "EventLogEvent",
    "JobEventWatchFuture",
    "JobException",
    "event_watch_async",
    "event_watch",
    "event_wait",
]

MAIN_EVENTS = frozenset(
    {
        "submit",
        "depend",
        "priority",
        "flux-restart",
        "urgency",
        "alloc",
        "free",
        "start",
        "release",
        "finish",
        "clean",
        "debug",
        "exception",
    }
)

class JobEventWatchFuture(Future):
    """A streaming future of :class:`EventLogEvent`; ``None`` marks the end."""

    def __init__(self, handle):
        super().__init__(handle, streaming=True)

    def get_event(self, autoreset=True):
        """The next event, or None once the eventlog is complete."""
        try:
            value = self._take(autoreset=autoreset)
        except OSError as exc:
            if exc.errno == errno.ENODATA:
                return None
            raise
        return EventLogEvent(value["event"])

    def cancel(self, stop=False):
        """Stop watching: the stream ends (and with ``stop``, its callback too)."""
        if stop:
            self.stop()
        send(self._handle, "job-info.eventlog-watch-cancel", {"matchtag": self.matchtag})


def watch_eventlog(flux_handle, jobid, eventlog="eventlog", listener=None):
    """Send a job-info eventlog watch; ``listener(value, exc)``, if given, takes
    each response (engine side) instead of the future's queue, for the
    futures libjob builds on a watch (``flux_job_result``)."""

    def watch(handle):
        future = JobEventWatchFuture(handle)
        future._listener = listener
        return future

    payload = {"id": unsigned(jobid, 64), "path": eventlog, "flags": 0}
    return send(flux_handle, "job-info.eventlog-watch", payload, watch)


def event_watch_async(flux_handle, jobid, eventlog="eventlog"):
    """Watch a job eventlog; returns a :class:`JobEventWatchFuture`."""
    return watch_eventlog(flux_handle, jobid, eventlog)


def event_watch(flux_handle, jobid, eventlog="eventlog"):
    """Generator over a job's events, old and new, until the eventlog ends."""
    watcher = event_watch_async(flux_handle, jobid, eventlog)
    event = watcher.get_event()
    while event is not None:
        yield event
        event = watcher.get_event()


class JobException(Exception):
    """A job ``exception`` event; severity 0 is fatal."""

    def __init__(self, event):
        self.timestamp = event.timestamp
        self.type = event.context["type"]
        self.note = event.context["note"]
        self.severity = event.context["severity"]
        super().__init__()

    def __str__(self):
        return f"job.exception: type={self.type}: {self.note}"


def event_wait(flux_handle, jobid, name, eventlog="eventlog", raiseJobException=True):
    """Wait for event ``name``; JobException on a fatal exception first,
    OSError(ENODATA) if the eventlog ends without it."""
    for event in event_watch(flux_handle, jobid, eventlog):
        if event.name == name:
            return event
        if (
            raiseJobException
            and event.name == "exception"
            and event.context["severity"] == 0
        ):
            raise JobException(event)
    raise OSError(errno.ENODATA, f"eventlog ended before event='{name}'")
