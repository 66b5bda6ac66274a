"""The job shell's output: task stdout and stderr in the ``guest.output`` eventlog (RFC 24).

flux-core's shell writes what its tasks print into the job's ``guest.output``
eventlog unless the jobspec redirects a stream to a file: a ``header``
event when the shell starts (before ``shell.init``), a ``redirect`` event
for each stream that goes to a file, then a ``data`` event per line of a
task's stream (``{"stream", "rank", "data"}``, base64-encoded when not
UTF-8) and one ``{"stream", "rank", "eof": true}`` when the task closes it,
and ``log`` events for the shell's own messages (those up to level NOTICE
plus the ``verbose`` shell option: a failed task start, and with
``verbose`` each task's completion and the shell's exit).  job-info serves
the eventlog (``job.output.events``, see :mod:`fluxsim.services.jobdir`).

When data appears: streamed.  A task's default stdout and stderr are pipes
that one reader thread per instance drains as the task writes; each
complete line becomes a ``data`` event at once (a trailing partial line
at EOF), as the shell's line buffering does, and the raw bytes also go to
the instance's per-job file (:meth:`fluxsim.instance.Instance.output_path`),
which fluxsim's own clients read.  As in Flux, a task completes only once it
has exited *and* closed both streams, so every ``data``/``eof`` event of a
job precedes its ``complete``.  Redirected streams are written by the
task directly, as before.

>>> log = OutputLog(inst.jobmanager, job, ntasks=1)  # doctest: +SKIP
>>> log.header(); log.data("stdout", 0, b"hi\\n")  # doctest: +SKIP
"""

import base64
import os
import selectors
import threading

from fluxsim.eventlog import EventLogEvent
from fluxsim.waker import Waker

__all__ = ["OutputLog", "OutputReader", "LOG_FATAL", "LOG_NOTICE", "LOG_DEBUG"]

#: shell log levels (flux/shell.h): a message is logged at or below NOTICE + verbose
LOG_FATAL = 0
LOG_NOTICE = 5
LOG_DEBUG = 6

#: the name job-info serves this eventlog under, and the watchers' ``which``
PATH = "guest.output"


def _encode(stream, rank, data):
    """A ``data`` context as libioencode builds it (UTF-8 text, else base64)."""
    context = {"stream": stream, "rank": str(rank)}
    try:
        context["data"] = data.decode("utf-8")
    except UnicodeDecodeError:
        context["encoding"] = "base64"
        context["data"] = base64.b64encode(data).decode("ascii")
    return context


class OutputLog:
    """One job's ``guest.output`` eventlog, as its leader shell writes it.

    Methods run with the instance lock held; each appended event goes to
    the job's watchers as ``watcher(job, "guest.output", event)``.
    """

    __slots__ = ("manager", "job", "events", "ntasks", "verbose", "files", "_open", "_waiters",
                 "_spawning")

    def __init__(self, manager, job, ntasks, verbose=0):
        #: the job manager, whose clock stamps the events
        self.manager = manager
        self.job = job
        self.events = []
        self.ntasks = ntasks
        self.verbose = verbose
        #: stream -> the instance's file that also gets the stream's bytes
        self.files = {}
        self._open = {}  # taskid -> streams not yet at EOF
        self._waiters = {}  # taskid -> called once the task's streams are closed
        self._spawning = True

    def _append(self, name, context):
        event = EventLogEvent(
            {"timestamp": self.manager.event_timestamp(), "name": name, "context": context}
        )
        self.events.append(event)
        for watcher in list(self.job.watchers):
            watcher(self.job, PATH, event)

    # -- what the shell posts -------------------------------------------------

    def header(self):
        """The RFC 24 header: UTF-8 streams, one of each per task, no options."""
        self._append(
            "header",
            {
                "version": 1,
                "encoding": {"stdout": "UTF-8", "stderr": "UTF-8"},
                "count": {"stdout": self.ntasks, "stderr": self.ntasks},
                "options": {},
            },
        )

    def redirect(self, stream, path):
        """``stream`` of every task goes to the file ``path``."""
        ranks = "0" if self.ntasks == 1 else f"[0-{self.ntasks - 1}]"
        self._append("redirect", {"stream": stream, "rank": ranks, "path": path})

    def log(self, rank, level, message, component=None):
        """A message of shell ``rank``, kept if the shell's verbosity logs ``level``."""
        if level > LOG_NOTICE + self.verbose:
            return
        context = {"rank": rank, "level": level, "message": message}
        if component is not None:
            context["component"] = component
        self._append("log", context)

    def data(self, stream, taskid, data):
        """Bytes task ``taskid`` wrote to ``stream`` (one line, or a last partial one)."""
        self._append("data", _encode(stream, taskid, data))

    # -- task streams ----------------------------------------------------------

    def stream(self, stream, taskid):
        """A sink for task ``taskid``'s ``stream``: feed it bytes, then ``b""`` at EOF."""
        self._open[taskid] = self._open.get(taskid, 0) + 1
        return _Stream(self, stream, taskid, self.files.get(stream))

    def _closed(self, stream, taskid):
        self._append("data", {"stream": stream, "rank": str(taskid), "eof": True})
        self._open[taskid] -= 1
        if self._open[taskid] == 0:
            del self._open[taskid]
            waiter = self._waiters.pop(taskid, None)
            if waiter is not None:
                waiter()
        self._close_files()

    def when_open(self, taskid, fn):
        """True if task ``taskid`` still has a stream open: ``fn()`` runs at its EOF."""
        if taskid not in self._open:
            return False
        self._waiters[taskid] = fn
        return True

    def spawned(self):
        """Every task is started (or failed to): files close with the last stream."""
        self._spawning = False
        self._close_files()

    def _close_files(self):
        if self._spawning or self._open:
            return
        for f in self.files.values():
            f.close()
        self.files.clear()

    def close(self):
        """The job is done: release the files whatever is left open."""
        self._spawning = False
        self._open.clear()
        self._close_files()


class _Stream:
    """One task stream: the shell's line buffer."""

    __slots__ = ("log", "name", "taskid", "file", "partial")

    def __init__(self, log, name, taskid, file):
        self.log = log
        self.name = name
        self.taskid = taskid
        self.file = file
        self.partial = []  # the chunks of a line not yet ended

    def __call__(self, data):
        log = self.log
        if not data:
            if self.partial:
                log.data(self.name, self.taskid, b"".join(self.partial))
                self.partial = []
            log._closed(self.name, self.taskid)
            return
        if self.file is not None and not self.file.closed:
            self.file.write(data)
        if b"\n" not in data:
            self.partial.append(data)  # a long line costs no copies until it ends
            return
        lines = data.split(b"\n")
        self.partial.append(lines[0])
        lines[0] = b"".join(self.partial)
        rest = lines.pop()
        self.partial = [rest] if rest else []
        for line in lines:
            log.data(self.name, self.taskid, line + b"\n")


class OutputReader:
    """Drains the task pipes of one instance on a thread of its own.

    Each round reads what every ready pipe holds, then hands the bytes to
    their sinks in one instance operation (at the current time, lock held).
    """

    def __init__(self, instance):
        self.instance = instance
        self._lock = threading.Lock()
        self._incoming = []
        self._thread = None
        self._stopping = False
        self._waker = None

    def add(self, pipe, sink):
        """Read ``pipe`` (a file object) into ``sink`` until EOF, then close it."""
        with self._lock:
            if self._stopping:
                pipe.close()
                return
            self._incoming.append((pipe, sink))
            if self._thread is None:
                self._selector = selectors.DefaultSelector()
                self._waker = Waker(self._selector)
                self._thread = threading.Thread(
                    target=self._run, name=f"{self.instance.name}-output", daemon=True
                )
                self._thread.start()
            self._wake()

    def _wake(self):
        # lock held: the thread closes the pipe under it
        if self._waker is not None:
            self._waker.wake()

    def stop(self):
        """End the thread (instance shutdown); the pipes close with it."""
        with self._lock:
            self._stopping = True
            self._wake()

    def _run(self):
        selector = self._selector
        try:
            while self._round(selector):
                pass
        finally:
            for key in list(selector.get_map().values()):
                if key.data is not None:
                    key.fileobj.close()
            selector.close()
            with self._lock:
                self._waker.close()
                self._waker = None
                for pipe, _sink in self._incoming:
                    pipe.close()
                self._incoming.clear()

    def _round(self, selector):
        ready = []
        for key, _ in selector.select():
            if key.data is None:
                self._waker.drain()
                continue
            try:
                data = os.read(key.fileobj.fileno(), 65536)
            except OSError:
                data = b""
            if not data:
                selector.unregister(key.fileobj)
                key.fileobj.close()
            ready.append((key.data, data))
        with self._lock:
            if self._stopping:
                return False
            for pipe, sink in self._incoming:
                selector.register(pipe, selectors.EVENT_READ, sink)
            self._incoming.clear()
        if ready:
            try:
                with self.instance.operation():
                    for sink, data in ready:
                        sink(data)
            except OSError:  # the instance stopped
                return False
        return True
