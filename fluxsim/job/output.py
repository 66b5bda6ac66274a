"""Job output: a job's stdout, stderr and shell log from its ``guest.output`` eventlog (RFC 24).

Mirrors ``flux.job.output`` (flux-core 0.88): :func:`job_output` collects
the whole output, the ``*_watch`` functions follow it as it comes, as
events (:func:`output_event_watch`), chunks (:func:`output_watch`) or lines
(:func:`output_watch_lines`), each with an ``_async`` form that returns a
:class:`~fluxsim.future_ext.FutureExt`.  A watch follows the job through
its main eventlog (``start``, and ``exception`` events, which it passes on),
its exec eventlog (``shell.init``: the output eventlog exists) and then
the output eventlog itself, unless ``nowait`` says the output eventlog is
there already.  A job that ends without starting fails the watch with EIO
``job ID never started``.

Log messages (``log`` events) at or below ``log_stderr_level`` go to
stderr, the others to the ``log`` stream.
"""

import base64
import errno
from typing import NamedTuple

from fluxsim.future_ext import FutureExt
from fluxsim.job.event import (
    EventLogEvent,
    JobException,
    event_wait,
    event_watch,
    event_watch_async,
)
from fluxsim.job.JobID import JobID
from fluxsim.job.kvslookup import job_kvs_lookup
from fluxsim.resource.idset import IDset

__all__ = [
    "LOG_QUIET",
    "LOG_FATAL",
    "LOG_ERROR",
    "LOG_WARN",
    "LOG_NOTICE",
    "LOG_DEBUG",
    "LOG_TRACE",
    "Taskset",
    "OutputEvent",
    "LogEvent",
    "OutputHeaderEvent",
    "RedirectEvent",
    "JobExceptionEvent",
    "JobOutput",
    "JobOutputEventWatch",
    "JobOutputWatch",
    "JobOutputWatchLines",
    "job_output",
    "output_event_watch",
    "output_event_watch_async",
    "output_watch",
    "output_watch_async",
    "output_watch_lines",
    "output_watch_lines_async",
]

#: shell log levels (flux/shell.h), for ``log_stderr_level``; -1 sends none to stderr
LOG_QUIET = -1
LOG_FATAL = 0
LOG_ERROR = 3
LOG_WARN = 4
LOG_NOTICE = 5
LOG_DEBUG = 6
LOG_TRACE = 7


class Taskset:
    """A set of task ranks, or all of them (``"all"``/``"*"``).

    ``all`` is True for every task; otherwise ``ids`` is the IDset.
    """

    def __init__(self, tasks):
        self.all = False
        self.ids = None
        if isinstance(tasks, Taskset):
            self.all = tasks.all
            self.ids = None if tasks.ids is None else tasks.ids.copy()
        elif isinstance(tasks, IDset):
            self.ids = tasks.copy()
        elif tasks in ("all", "*"):
            self.all = True
        else:
            self.ids = IDset(tasks)

    def intersect(self, tasks):
        """The tasks in both sets."""
        other = tasks if isinstance(tasks, Taskset) else Taskset(tasks)
        if self.all:
            return Taskset(other)
        if other.all:
            return Taskset(self)
        return Taskset(self.ids.intersect(other.ids))

    def __bool__(self):
        return self.all or len(self.ids) > 0

    def __str__(self):
        return "all" if self.all else str(self.ids)


class _Entry(EventLogEvent):
    """An output eventlog entry of one kind (``name``); ValueError for another."""

    kind = None

    def __init__(self, entry):
        super().__init__(entry)
        if self.name != self.kind:
            raise ValueError(f"event {self.name} is not a {self.kind} event")


class OutputEvent(_Entry):
    """A ``data`` event: ``rank`` (Taskset), ``stream``, ``data`` (decoded text,
    None for an EOF alone), ``eof``; ``labelio`` prefixes each line with its ranks."""

    kind = "data"

    def __init__(self, entry, labelio=False):
        super().__init__(entry)
        context = self.context
        self.rank = Taskset(context["rank"])
        self.stream = context["stream"]
        self.eof = context.get("eof", False)
        self.data = None
        if "data" in context:
            data = context["data"]
            if context.get("encoding") == "base64":
                data = base64.b64decode(data).decode("utf-8", errors="surrogateescape")
            data *= context.get("repeat", 1)
            if labelio:
                data = "\n".join(f"{self.rank}: {line}" for line in data.splitlines()) + "\n"
            self.data = data

    def render(self):
        """The data as printed."""
        return self.data


class LogEvent(_Entry):
    """A shell ``log`` event: ``rank``, ``level`` (``levelstr``), ``message``,
    and ``component``, ``file``, ``line`` where given."""

    kind = "log"

    #: level -> prefix (levels 0-2 are all fatal to the shell; notice has none)
    log_level_string = ["FATAL", "FATAL", "FATAL", "ERROR", " WARN", "", "DEBUG", "TRACE"]

    def __init__(self, entry):
        super().__init__(entry)
        context = self.context
        self.level = context["level"]
        self.rank = Taskset(context["rank"])
        self.message = context["message"]
        self.component = context.get("component")
        self.file = context.get("file")
        self.line = context.get("line", -1)

    @property
    def levelstr(self):
        """The level's prefix word."""
        return self.log_level_string[self.level]

    def render(self, include_file_and_line=False):
        """The message as the shell prints it: ``flux-shell[RANK]: LEVEL: ...``."""
        parts = [f"flux-shell[{self.rank}]"]
        if self.levelstr:
            parts.append(self.levelstr)
        if self.component:
            parts.append(self.component)
        if include_file_and_line and self.file:
            parts.append(f"{self.file}:{self.line}")
        return ": ".join(parts) + ": " + self.message


class OutputHeaderEvent(_Entry):
    """The RFC 24 ``header``: ``version``, per-stream counts and encodings."""

    kind = "header"

    def __init__(self, entry):
        super().__init__(entry)
        context = self.context
        self.version = context["version"]
        self.stdout_count = context["count"]["stdout"]
        self.stderr_count = context["count"]["stderr"]
        self.stdout_encoding = context["encoding"]["stdout"]
        self.stderr_encoding = context["encoding"]["stderr"]


class RedirectEvent(_Entry):
    """A ``redirect`` event: ``stream`` of ``rank`` goes to the file ``path``."""

    kind = "redirect"

    def __init__(self, entry):
        super().__init__(entry)
        self.stream = self.context["stream"]
        self.rank = Taskset(self.context["rank"])
        self.path = self.context["path"]

    def render(self):
        """``RANKS: STREAM redirected to PATH``."""
        return f"{self.rank}: {self.stream} redirected to {self.path}"


class JobExceptionEvent(_Entry):
    """A job ``exception`` event met while watching output."""

    kind = "exception"

    def __init__(self, entry):
        super().__init__(entry)
        self.severity = self.context["severity"]
        self.exc_type = self.context["type"]
        self.note = self.context["note"]

    def render(self):
        """``job.exception: type=TYPE severity=N NOTE``."""
        text = f"job.exception: type={self.exc_type} severity={self.severity}"
        return f"{text} {self.note}" if self.note else text


class JobOutput(NamedTuple):
    """A job's whole output: ``stdout``, ``stderr`` and ``log`` text."""

    stdout: str
    stderr: str
    log: str


_KINDS = {cls.kind: cls for cls in (LogEvent, OutputHeaderEvent, RedirectEvent, JobExceptionEvent)}


def _parse(entry, labelio=False):
    """An entry (dict, JSON line or EventLogEvent) as the class of its kind."""
    if entry is None:
        return None
    event = entry if isinstance(entry, EventLogEvent) else EventLogEvent(entry)
    if event.name == "data":
        return OutputEvent(event, labelio)
    if event.name not in _KINDS:
        raise ValueError(f"event {event.name} is not a supported output event type")
    return _KINDS[event.name](event)


def _route(event, tasks, log_stderr_level):
    """The stream an event's text goes to (None: it is left out)."""
    if event.name == "data":
        return event.stream if event.rank.intersect(tasks) else None
    if event.name == "log":
        return "stderr" if event.level <= log_stderr_level else "log"
    if event.name == "exception":
        return "stderr"
    return None


class _Collector:
    """Gathers the text of output entries into stdout, stderr and log."""

    def __init__(self, tasks, labelio, log_stderr_level):
        self.tasks = Taskset(tasks)
        self.labelio = labelio
        self.level = log_stderr_level
        self.streams = {"stdout": [], "stderr": [], "log": []}

    def add(self, entry):
        event = _parse(entry, self.labelio)
        stream = _route(event, self.tasks, self.level)
        text = event.render() if stream is not None else None
        if text:
            self.streams[stream].append(text)

    def result(self):
        return JobOutput(*("".join(self.streams[k]) for k in ("stdout", "stderr", "log")))


def job_output(flux_handle, jobid, tasks="*", labelio=False, nowait=False,
               log_stderr_level=LOG_TRACE):
    """A job's output as a :class:`JobOutput`, once the job's output is complete.

    ``tasks`` (an idset) limits it to those tasks; ``labelio`` labels each
    line with its task.  With ``nowait`` it is the output so far, and
    FileNotFoundError if the output eventlog does not exist yet.  Raises
    FileNotFoundError for an unknown job and JobException for a job that
    ended with a fatal exception before its shell started.
    """
    jobid = JobID(jobid)
    collector = _Collector(tasks, labelio, log_stderr_level)
    if nowait:
        found = job_kvs_lookup(flux_handle, jobid, keys=["guest.output"])
        if found is None:
            raise FileNotFoundError(f"job {jobid} does not exist or output not ready")
        for line in found["guest.output"].splitlines():
            collector.add(line)
        return collector.result()
    try:
        event_wait(flux_handle, jobid, "shell.init", "guest.exec.eventlog")
    except OSError:
        # the exec eventlog ended without a shell: a fatal exception says why
        event = event_wait(flux_handle, jobid, "exception")
        if event is not None and event.context["severity"] == 0:
            raise JobException(event) from None
        raise
    for event in event_watch(flux_handle, jobid, "guest.output"):
        collector.add(event)
    return collector.result()


class JobOutputEventWatch(FutureExt):
    """Output events of a job as they come (see :func:`output_event_watch_async`).

    Follows the main eventlog to ``start`` (passing on ``exception``
    events), the exec eventlog to ``shell.init``, then the output eventlog;
    it ends (a None value) once the output eventlog ends and the job has
    finished, so that no exception is missed.
    """

    def __init__(self, flux_handle, jobid, labelio=False, nowait=False):
        self.labelio = labelio
        self.nowait = nowait
        self.started = False
        self.finished = False
        self.closed = False  # the output eventlog ended
        super().__init__(self._watch_init, JobID(jobid), flux_handle=flux_handle)

    def get_event(self, autoreset=True):
        """The next event (an :class:`OutputEvent`, :class:`LogEvent`, ...), None at the end."""
        entry = self.get()
        if entry is None:
            return None
        if autoreset:
            self.reset()
        return _parse(entry, labelio=self.labelio)

    def _watch_init(self, future, jobid):
        handle = future.get_flux()
        if self.nowait:
            event_watch_async(handle, int(jobid), eventlog="guest.output").then(self._on_output)
        else:
            event_watch_async(handle, int(jobid)).then(self._on_main, jobid)

    def _on_main(self, future, jobid):
        # errors are passed on, not raised: a raise in a callback stops the reactor
        try:
            event = future.get_event()
        except OSError as exc:
            text = f"job {jobid} not found" if exc.errno == errno.ENOENT else exc.strerror
            self.fulfill_error(exc.errno, text)
            return
        if event is None:
            if not self.started:
                # EIO: ENODATA would read as a normal end, ENOENT as an unknown job
                self.fulfill_error(errno.EIO, f"job {jobid} never started")
            return
        if event.name == "exception":
            self.fulfill(event)
        elif event.name == "start":
            self.started = True
            event_watch_async(
                future.get_flux(), int(jobid), eventlog="guest.exec.eventlog"
            ).then(self._on_exec, jobid)
        elif event.name == "finish":
            self.finished = True
            future.cancel(stop=True)  # later exceptions are not reported
            if self.closed:
                self.fulfill()

    def _on_exec(self, future, jobid):
        try:
            event = future.get_event()
        except OSError as exc:
            self.fulfill_error(exc.errno, exc.strerror)
            return
        if event is not None and event.name == "shell.init":
            event_watch_async(
                future.get_flux(), int(jobid), eventlog="guest.output"
            ).then(self._on_output)
            future.cancel(stop=True)

    def _on_output(self, future):
        try:
            event = future.get_event(autoreset=False)
        except OSError as exc:
            self.fulfill_error(exc.errno, exc.strerror)
            return
        if event is None:
            self.closed = True
            # with nowait the main eventlog is not followed: the job counts as finished
            if self.nowait or self.finished:
                self.fulfill()
            return
        self.fulfill(event)
        future.reset()


class JobOutputWatch(FutureExt):
    """Output of a job as ``(stream, text)`` chunks (see :func:`output_watch_async`)."""

    def __init__(self, flux_handle, jobid, labelio=False, log_stderr_level=LOG_TRACE,
                 nowait=False):
        self.labelio = labelio
        self.log_stderr_level = log_stderr_level
        self.nowait = nowait
        super().__init__(self._watch_init, JobID(jobid), flux_handle=flux_handle)

    def _watch_init(self, future, jobid):
        JobOutputEventWatch(
            future.get_flux(), jobid, labelio=self.labelio, nowait=self.nowait
        ).then(self._on_event)

    def _on_event(self, future):
        try:
            event = future.get_event()
        except OSError as exc:
            self.fulfill_error(exc.errno, exc.strerror)
            return
        if event is None:
            self.fulfill((None, None))
        elif event.name == "data":
            if event.data is not None:
                self.fulfill((event.stream, event.render()))
        elif event.name in ("log", "redirect", "exception"):
            # these are messages for the user: to stderr (log: by level)
            stream = "stderr"
            if event.name == "log" and event.level > self.log_stderr_level:
                stream = "log"
            self.fulfill((stream, event.render() + "\n"))

    def get_output(self):
        """The next ``(stream, data)``; ``(None, None)`` at the end."""
        result = self.get()
        self.reset()
        return result


class JobOutputWatchLines(FutureExt):
    """Output of a job line by line (see :func:`output_watch_lines_async`)."""

    def __init__(self, flux_handle, jobid, labelio=False, log_stderr_level=LOG_TRACE,
                 nowait=False, keepends=False):
        self.labelio = labelio
        self.log_stderr_level = log_stderr_level
        self.nowait = nowait
        self.keepends = keepends
        super().__init__(self._watch_lines_init, JobID(jobid), flux_handle=flux_handle)

    def _watch_lines_init(self, future, jobid):
        JobOutputWatch(
            future.get_flux(),
            jobid,
            labelio=self.labelio,
            log_stderr_level=self.log_stderr_level,
            nowait=self.nowait,
        ).then(self._on_output)

    def _on_output(self, future):
        try:
            stream, data = future.get_output()
        except OSError as exc:
            self.fulfill_error(exc.errno, exc.strerror)
            return
        if data is None:
            self.fulfill((None, None))
            return
        # a chunk holds whole lines but for a last partial one (no line buffering here)
        for line in data.splitlines(keepends=self.keepends):
            self.fulfill((stream, line))

    def getline(self):
        """The next ``(stream, line)``; ``(None, None)`` at the end."""
        result = self.get()
        self.reset()
        return result


def output_event_watch_async(flux_handle, jobid, labelio=False, nowait=False):
    """A :class:`JobOutputEventWatch`: ``get_event()`` gives each output event
    (EIO ``job ID never started`` if the job ends before starting)."""
    return JobOutputEventWatch(flux_handle, jobid, labelio=labelio, nowait=nowait)


def output_watch_async(flux_handle, jobid, labelio=False, log_stderr_level=LOG_TRACE,
                       nowait=False):
    """A :class:`JobOutputWatch`: ``get_output()`` gives ``(stream, data)``,
    stream one of stdout, stderr, log; exceptions and redirects are
    reported on stderr."""
    return JobOutputWatch(flux_handle, jobid, labelio=labelio,
                          log_stderr_level=log_stderr_level, nowait=nowait)


def output_watch_lines_async(flux_handle, jobid, labelio=False, log_stderr_level=LOG_TRACE,
                             nowait=False, keepends=False):
    """A :class:`JobOutputWatchLines`: ``getline()`` gives ``(stream, line)``."""
    return JobOutputWatchLines(flux_handle, jobid, labelio=labelio,
                               log_stderr_level=log_stderr_level, nowait=nowait,
                               keepends=keepends)


def _generate(future, take):
    """Yield ``take(future)`` until it marks the end (None, or a pair ending in None)."""
    item = take(future)
    while item is not None and (not isinstance(item, (list, tuple)) or item[1] is not None):
        yield item
        item = take(future)


def output_event_watch(flux_handle, jobid, labelio=False, nowait=False):
    """Generator over a job's output events (blocks for each)."""
    watcher = output_event_watch_async(flux_handle, JobID(jobid), labelio=labelio, nowait=nowait)
    yield from _generate(watcher, JobOutputEventWatch.get_event)


def output_watch(flux_handle, jobid, labelio=False, log_stderr_level=LOG_TRACE, nowait=False):
    """Generator over a job's output as ``(stream, data)`` chunks."""
    watcher = output_watch_async(flux_handle, JobID(jobid), labelio=labelio,
                                 log_stderr_level=log_stderr_level, nowait=nowait)
    yield from _generate(watcher, JobOutputWatch.get_output)


def output_watch_lines(flux_handle, jobid, labelio=False, log_stderr_level=LOG_TRACE,
                       nowait=False, keepends=False):
    """Generator over a job's output as ``(stream, line)`` pairs."""
    watcher = output_watch_lines_async(flux_handle, JobID(jobid), labelio=labelio,
                                       log_stderr_level=log_stderr_level, nowait=nowait,
                                       keepends=keepends)
    yield from _generate(watcher, JobOutputWatchLines.getline)
