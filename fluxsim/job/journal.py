"""The job manager's journal: every job's main eventlog events in one stream.

Mirrors ``flux.job.journal`` (flux-core 0.88): a :class:`JournalConsumer`
reads ``job-manager.events-journal`` (see :mod:`fluxsim.abc.journal` for
history, the sentinel and :meth:`~JournalConsumer.poll`), and hands out
:class:`JournalEvent` objects: RFC 21 events with their ``jobid``, the
redacted jobspec on ``submit`` and R on ``alloc``.

>>> consumer = JournalConsumer(h).start()  # doctest: +SKIP
>>> consumer.poll(timeout=5.0).name  # doctest: +SKIP
'submit'
"""

from fluxsim.abc.journal import JournalConsumerBase, JournalEventBase
from fluxsim.job.JobID import JobID

__all__ = ["JournalEvent", "JournalConsumer", "SENTINEL_EVENT"]


class JournalEvent(JournalEventBase):
    """A job manager journal event: ``jobid``, ``name``, ``timestamp``,
    ``context``, and ``jobspec`` (submit) or ``R`` (alloc), else None."""

    def __init__(self, jobid, event, jobspec=None, R=None):
        super().__init__(event)
        self.jobid = JobID(jobid)
        self.jobspec = jobspec if self.get("name") == "submit" else None
        self.R = R if self.get("name") == "alloc" else None

    def is_empty(self):
        """True for the sentinel's empty event (job id -1)."""
        return self.jobid == -1

    def __str__(self):
        if self.is_empty():
            return "-1: End of historical data stream"
        words = [f"{self.jobid.f58}:", f"{self.timestamp:<0.5f}", self.name, self.context_string]
        if self.jobspec:
            words.append(f"jobspec={self.jobspec}")
        if self.R:
            words.append(f"R={self.R}")
        return " ".join(word for word in words if word)


#: The empty event that marks the end of history (``include_sentinel=True``).
SENTINEL_EVENT = JournalEvent(-1, {})


class JournalConsumer(JournalConsumerBase):
    """Consumer of ``job-manager.events-journal``: all jobs' events, history
    first unless ``full`` is False, newer than ``since``; the sentinel as
    :data:`SENTINEL_EVENT` with ``include_sentinel``."""

    SENTINEL_EVENT = SENTINEL_EVENT

    def __init__(self, flux_handle, full=True, since=0.0, include_sentinel=False):
        super().__init__(flux_handle, "job-manager.events-journal", full=full, since=since,
                         include_sentinel=include_sentinel)

    @property
    def request_payload(self):
        return {"full": self.full}

    def process_response(self, resp):
        return {"jobid": resp.get("id"), "jobspec": resp.get("jobspec"), "R": resp.get("R")}

    def create_event(self, entry, jobid=-1, jobspec=None, R=None):
        return JournalEvent(jobid, entry, jobspec=jobspec, R=R)
