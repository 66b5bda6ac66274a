"""A job's KVS directory (RFC 16), as job-info and the KVS read it.

``job.<dothex id>.`` holds ``J``, ``R`` (once allocated), ``eventlog``,
``jobspec``, and, once execution begins, ``guest.`` with ``exec.eventlog``
and, if a job shell runs, ``input`` and ``output`` (RFC 24 eventlogs).  fluxsim
keeps none of these as text: each is rendered from the job when read.

The output eventlog is the one the job shell keeps (``job.output``, see
:mod:`fluxsim.output`).
"""

import base64
import json

__all__ = ["KEYS", "GUEST_KEYS", "line", "listing", "output_events", "guest_ready", "value"]

#: the keys of a job directory (``guest`` is a directory)
KEYS = ("J", "R", "eventlog", "guest", "jobspec")
#: the keys of its ``guest`` directory (``exec`` is a directory)
GUEST_KEYS = ("exec", "input", "output")


def line(event):
    """An eventlog entry as the KVS holds it: one JSON object, one line (RFC 18)."""
    return json.dumps(event, separators=(",", ":")) + "\n"


def _lines(events):
    return "".join(line(e) for e in events)


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def _signed(job):
    """J: the jobspec signed with flux-security's ``none`` mechanism."""
    header = "version\0i1\0userid\0i%d\0mechanism\0snone\0" % job.userid
    return f"{_b64(header)}.{_b64(json.dumps(job.jobspec))}.none"


def _event(timestamp, name, context):
    return {"timestamp": timestamp, "name": name, "context": context}


def guest_ready(job):
    """True once the job's guest directory exists (its exec eventlog has begun)."""
    return bool(job.exec_eventlog)


def output_events(job):
    """The ``guest.output`` eventlog's entries so far, None before it exists."""
    output = getattr(job, "output", None)
    return None if output is None else output.events


def _input_events(job):
    """The input eventlog of a job whose shell runs: its header (stdin is empty)."""
    header = {"version": 1, "encoding": {"stdin": "UTF-8"}, "count": {"stdin": 1}, "options": {}}
    return [_event(job.exec_eventlog[0].timestamp, "header", header)]


def value(job, key):
    """The text of ``key`` (relative to the job directory), None if there is
    no such value (a directory, or a key not written yet)."""
    if key == "J":
        return _signed(job)
    if key == "jobspec":
        return json.dumps(job.jobspec)
    if key == "R":
        return None if job.R is None else job.R.encode()
    if key == "eventlog":
        return _lines(job.eventlog)
    if not guest_ready(job):
        return None
    if key == "guest.exec.eventlog":
        return _lines(job.exec_eventlog)
    if output_events(job) is None:
        return None  # no job shell (mock execution): no input or output
    if key == "guest.input":
        return _lines(_input_events(job))
    if key == "guest.output":
        return _lines(output_events(job))
    return None


def listing(job, key):
    """The names in directory ``key`` of the job directory ("" is the job
    directory itself), as {name: is a directory}; None if no such directory."""
    if key == "":
        names = [k for k in KEYS if (k != "R" or job.R is not None)
                 and (k != "guest" or guest_ready(job))]
        return {k: k == "guest" for k in names}
    if not guest_ready(job):
        return None
    if key == "guest":
        names = [k for k in GUEST_KEYS if k == "exec" or output_events(job) is not None]
        return {k: k == "exec" for k in names}
    if key == "guest.exec":
        return {"eventlog": False}
    return None
