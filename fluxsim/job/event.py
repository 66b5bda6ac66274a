"""Job eventlogs: ``event_watch``, ``event_wait``, ``JobException``, ``MAIN_EVENTS``.

A watch replays the eventlog so far, then streams new entries; the main
eventlog ends after ``clean``, the exec eventlog after ``done``.
"""

import errno

from fluxsim.eventlog import EventLogEvent
from fluxsim.future import END, Future

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

#: eventlog paths a watch accepts, and the event that ends each
_EVENTLOGS = {
    "eventlog": ("eventlog", "clean"),
    "guest.exec.eventlog": ("exec.eventlog", "done"),
    "exec.eventlog": ("exec.eventlog", "done"),
}


class JobEventWatchFuture(Future):
    """A streaming future of :class:`EventLogEvent`; ``None`` marks the end."""

    def __init__(self, handle):
        super().__init__(handle)
        self._streaming = True
        self._job = None
        self._watcher = None

    def get_event(self, autoreset=True):
        """The next event, or None once the eventlog is complete."""
        value = self._take(autoreset=autoreset)
        return None if value is END else value

    def cancel(self, stop=False):
        """Stop watching: the stream ends."""
        with self._inst.lock:
            if self._job is not None and self._watcher in self._job.watchers:
                self._job.watchers.remove(self._watcher)
                self.fulfill(END)


def event_watch_async(flux_handle, jobid, eventlog="eventlog"):
    """Watch a job eventlog; returns a :class:`JobEventWatchFuture`."""
    future = JobEventWatchFuture(flux_handle)
    inst = flux_handle.instance
    with inst.operation():
        job = inst.jobmanager.jobs.get(int(jobid))
        key = _EVENTLOGS.get(eventlog)
        if job is None or key is None:
            future.fulfill_error(FileNotFoundError(errno.ENOENT, "No such file or directory"))
            return future
        name, last = key
        log = job.eventlog if name == "eventlog" else job.exec_eventlog
        for event in log:
            future.fulfill(EventLogEvent(event))
        if _complete(job, name, log, last):
            future.fulfill(END)
            return future

        def watcher(watched, which, event):
            if which != name:
                return
            future.fulfill(EventLogEvent(event))
            if event.name == last:
                watched.watchers.remove(watcher)
                future.fulfill(END)

        future._job = job
        future._watcher = watcher
        job.watchers.append(watcher)
    return future


def _complete(job, name, log, last):
    if log and log[-1].name == last:
        return True
    # an exec eventlog that never started is complete once the job is inactive
    return name == "exec.eventlog" and not job.active


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
