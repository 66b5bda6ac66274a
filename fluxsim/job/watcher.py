"""``JobWatcher``: follow jobs' events and output from the reactor; ``JobStatus``.

What ``flux submit --watch`` does: for each job, watch its eventlog; at
``start`` its exec eventlog; at ``shell.init`` its output, which goes to
the watcher's streams (or to ``output_callback(jobid, stream, data)``,
called with ``(jobid, None, None)`` when a job's output ends; see
:func:`fluxsim.job.output.output_watch_async`)::

    watcher = JobWatcher(handle, output_callback=cb).start()
    watcher.add_jobid(jobid)
    handle.reactor_run()
    watcher.exitcode  # the highest exit code of the watched jobs

fluxsim draws no progress bar: ``progress=True`` is refused.
"""

import os
import sys
import time
from collections import Counter

from fluxsim.constants import State
from fluxsim.job.event import event_watch_async
from fluxsim.job.info import JobInfo
from fluxsim.job.output import JobExceptionEvent, output_watch_async

__all__ = ["JobStatus", "JobWatcher"]


class JobStatus:
    """A job's simplified status: ``pending``, ``running``, ``complete`` or
    ``failed``, its ``exitcode``, and a count of the events seen."""

    def __init__(self, job):
        if not isinstance(job, JobInfo):
            raise ValueError("JobStatus requires an object of type JobInfo")
        self.id = job.id
        self.status, self.exitcode = self._jobinfo_get_status_and_exitcode(job)
        self._events = Counter()

    def _jobinfo_get_status_and_exitcode(self, job):
        status = job.status
        if status in ("DEPEND", "PRIORITY", "SCHED"):
            return "pending", 0
        if status in ("RUN", "CLEANUP"):
            return "running", 0
        if status == "COMPLETED":
            return "complete", 0
        if status in ("FAILED", "CANCELED", "TIMEOUT"):
            return "failed", job.returncode
        raise ValueError(f"unknown job status {status}")

    @property
    def active(self):
        """True while the job is pending or running."""
        return self.status in ("running", "pending")

    def add_event(self, name):
        """Count one more event ``name``."""
        self._events[name] += 1

    def event_count(self, name):
        """How many events ``name`` were seen."""
        return self._events[name]

    def has_event(self, name):
        """True if an event ``name`` was seen."""
        return self.event_count(name) > 0


class JobWatcher:
    """Watch the events and output of several jobs (``flux submit --watch``)."""

    class JobWatchStatus(JobStatus):
        """A :class:`JobStatus` with the job's streams and the event that ends its watch."""

        def __init__(self, job, stdout, stderr, wait="clean"):
            super().__init__(job)
            self.stdout = stdout
            self.stderr = stderr
            self.wait = wait

    def __init__(
        self,
        flux_handle,
        jobs=None,
        progress=False,
        jps=False,
        wait="clean",
        watch=True,
        log_events=False,
        log_status=False,
        stdout=sys.stdout,
        stderr=sys.stderr,
        labelio=False,
        starttime=None,
        output_callback=None,
    ):
        if progress:
            raise ValueError("fluxsim's JobWatcher draws no progress bar")
        self.flux_handle = flux_handle
        self.progress = None
        self.wait = wait
        self.watch = watch
        self.t0 = starttime
        self.log_events = log_events
        self.log_status = log_status
        self.output_callback = output_callback
        if output_callback is None:
            self.stdout = self._reopen(stdout)
            self.stderr = self._reopen(stderr)
        self.labelio = labelio
        self.exitcode = 0
        self.show_progress = False
        if jobs:
            self.add_jobs(*jobs)

    @staticmethod
    def _reopen(stream):
        """``stream`` as UTF-8 with surrogate escapes (job output may be any bytes)."""
        try:
            stream.reconfigure(encoding="utf-8", errors="surrogateescape")
            return stream
        except AttributeError:
            return open(stream.fileno(), mode="w", encoding="utf-8",
                        errors="surrogateescape", closefd=False)

    @staticmethod
    def _status_to_exitcode(status):
        if os.WIFEXITED(status):
            return os.WEXITSTATUS(status)
        if os.WIFSIGNALED(status):
            return 128 + os.WTERMSIG(status)
        return status

    def start(self):
        """Start watching (returns self)."""
        return self

    def stop(self):
        """Stop (returns self)."""
        return self

    def add_jobs(self, *jobs, stdout=None, stderr=None, wait="clean"):
        """Watch ``jobs`` (:class:`JobInfo`); their output goes to ``stdout`` and
        ``stderr`` (the watcher's by default) until event ``wait``."""
        if self.output_callback is None:
            stdout = self.stdout if stdout is None else stdout
            stderr = self.stderr if stderr is None else stderr
        for job in jobs:
            if not self.t0 or job.t_submit < self.t0:
                self.t0 = job.t_submit
            status = self.JobWatchStatus(job, stdout, stderr, wait=wait)
            event_watch_async(self.flux_handle, job.id).then(self._event_watch_cb, status)
        return self

    def add_jobid(self, jobid, stdout=None, stderr=None, wait="clean"):
        """Watch job ``jobid`` (taken to be pending)."""
        job = JobInfo({"id": jobid, "state": int(State.SCHED), "t_submit": time.time()})
        return self.add_jobs(job, stdout=stdout, stderr=stderr, wait=wait)

    def _log(self, job, timestamp, msg):
        print(f"{job.id.f58}: {timestamp - self.t0:4.3f}s: {msg}", file=job.stderr)

    def _log_event(self, job, event, event_prefix=""):
        if self.log_events and event is not None:
            self._log(job, event.timestamp, f"{event_prefix}{event.name} {event.context_string}")

    def _event_watch_cb(self, future, job):
        event = future.get_event()
        if event is None:
            return
        job.add_event(event.name)
        self.t0 = min(self.t0, event.timestamp)
        self._log_event(job, event)
        if event.name == "exception" and event.context["severity"] == 0:
            if not job.has_event("start"):
                self.exitcode = max(self.exitcode, 1)
                job.status = "failed"
            if not job.has_event("shell.init"):
                # to the output callback if there is one (flux prints to job.stderr,
                # which is None then)
                self._write(job, "stderr", JobExceptionEvent(event).render() + "\n")
        elif event.name == "alloc":
            job.status = "running"
        elif event.name == "start":
            if self.watch or job.wait.startswith("exec."):
                event_watch_async(
                    self.flux_handle, job.id, eventlog="guest.exec.eventlog"
                ).then(self._exec_event_cb, job, future)
        elif event.name == "finish":
            status = event.context["status"]
            self.exitcode = max(self.exitcode, self._status_to_exitcode(status))
            job.status = "failed" if status > 0 else "complete"
            if self.log_status:
                self._log(job, event.timestamp, f"{job.status}: status={status}")
        if job.wait and job.wait == event.name:
            future.cancel(stop=True)

    def _exec_event_cb(self, future, job, main_eventlog_future):
        event = future.get_event()
        if event is None:
            return
        self._log_event(job, event, event_prefix="exec.")
        if self.watch and event.name == "shell.init":
            # nowait: the output eventlog exists once the shell is up
            output_watch_async(
                self.flux_handle, job.id, labelio=self.labelio, nowait=True
            ).then(self._output_watch_cb, job)
            if not job.wait or not job.wait.startswith("exec."):
                future.cancel(stop=True)
        if job.wait and job.wait == f"exec.{event.name}":
            future.cancel(stop=True)
            main_eventlog_future.cancel(stop=True)

    def _write(self, job, stream, data):
        if self.output_callback is not None:
            self.output_callback(job.id, stream, data)
            return
        if stream is None:
            job.stdout.flush()
            job.stderr.flush()
            return
        out = getattr(job, stream)
        if self.labelio:
            for line in data.splitlines(keepends=True):
                out.write(f"{job.id}: {line}")
        else:
            out.write(data)

    def _output_watch_cb(self, future, job):
        self._write(job, *future.get_output())
