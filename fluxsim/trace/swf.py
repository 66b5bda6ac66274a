"""The Standard Workload Format (SWF) of the Parallel Workloads Archive.

An SWF file is a header of ``;`` comment lines, many of them ``; Key: value``
(``MaxNodes``, ``MaxProcs``, ``UnixStartTime``, ...), then one line per job
with 18 whitespace-separated fields, ``-1`` meaning unknown::

    >>> import io
    >>> text = "; MaxNodes: 2\\n; MaxProcs: 8\\n1 0 5 60 4 -1 -1 4 120 -1 1 3 1 -1 1 -1 -1 -1\\n"
    >>> trace = read_swf(io.StringIO(text))
    >>> trace.header.max_procs, trace.records[0].run_time, trace.records[0].used_memory
    (8, 60, None)

The fields, in order (:data:`FIELDS`): job number, submit time, wait time,
run time, allocated processors, average CPU time used, used memory,
requested processors, requested time, requested memory, status, user id,
group id, executable number, queue number, partition number, preceding job
number, think time from preceding job.  Times are seconds; numbers are kept
as ints unless written with a fraction.  Unknown values (any negative
number) read as None.

Status (field 11): 1 completed, 0 failed, 5 cancelled; for jobs recorded in
several partial executions (checkpoint, swap), 2 = partial execution to be
continued, 3 = last partial execution, completed, 4 = last partial
execution, failed.  The reader keeps every record as written; what a replay
does with each status is the mapping's business (``fluxsim.trace.mapping``).
"""

import json
from typing import NamedTuple

__all__ = ["FIELDS", "SWFHeader", "SWFRecord", "SWFTrace", "iter_swf", "read_swf"]

FIELDS = (
    "job_number",
    "submit_time",
    "wait_time",
    "run_time",
    "allocated_processors",
    "average_cpu_time",
    "used_memory",
    "requested_processors",
    "requested_time",
    "requested_memory",
    "status",
    "user_id",
    "group_id",
    "executable",
    "queue",
    "partition",
    "preceding_job",
    "think_time",
)

#: Status codes of field 11.
STATUS_FAILED = 0
STATUS_COMPLETED = 1
STATUS_PARTIAL = 2
STATUS_PARTIAL_LAST_COMPLETED = 3
STATUS_PARTIAL_LAST_FAILED = 4
STATUS_CANCELLED = 5


class SWFRecord(NamedTuple):
    """One job line: the 18 SWF fields, None where the trace says -1."""

    job_number: int
    submit_time: float
    wait_time: float
    run_time: float
    allocated_processors: int
    average_cpu_time: float
    used_memory: float
    requested_processors: int
    requested_time: float
    requested_memory: float
    status: int
    user_id: int
    group_id: int
    executable: int
    queue: int
    partition: int
    preceding_job: int
    think_time: float


class SWFHeader:
    """The header comments of an SWF file.

    ``fields`` maps each ``; Key: value`` key to the list of its values in
    file order (``Queue`` and ``Note`` repeat); ``comments`` holds every
    header line without its leading ``;``.
    """

    def __init__(self, fields=None, comments=None):
        self.fields = fields if fields is not None else {}
        self.comments = comments if comments is not None else []

    def get(self, key, default=None):
        """The first value of ``key`` as a string, or ``default``."""
        values = self.fields.get(key)
        return values[0] if values else default

    def _int(self, key):
        value = self.get(key)
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    @property
    def max_nodes(self):
        """``MaxNodes``: nodes in the machine, or None."""
        return self._int("MaxNodes")

    @property
    def max_procs(self):
        """``MaxProcs``: processors in the machine, or None."""
        return self._int("MaxProcs")

    @property
    def max_jobs(self):
        """``MaxJobs``: jobs in the trace, or None."""
        return self._int("MaxJobs")

    @property
    def unix_start_time(self):
        """``UnixStartTime``: the epoch time of submit time 0, or None."""
        return self._int("UnixStartTime")

    def as_dict(self):
        """``{key: first value}`` of every header field."""
        return {key: values[0] for key, values in self.fields.items() if values}

    def __repr__(self):
        return f"<SWFHeader {len(self.fields)} fields>"


class SWFTrace:
    """A parsed SWF file: its :class:`SWFHeader` and :class:`SWFRecord` list."""

    def __init__(self, header, records, source=""):
        self.header = header
        self.records = records
        self.source = source

    def __len__(self):
        return len(self.records)

    def __repr__(self):
        return f"<SWFTrace {len(self.records)} records from {self.source or '?'}>"


def _number(text):
    try:
        value = int(text)
    except ValueError:
        value = float(text)  # ValueError here is the caller's to report
    return None if value < 0 else value


def _values(parts):
    # The hot path of _number, inlined: a token with a "." can only be a
    # float, and one without is almost always an int; anything else (1e3,
    # inf, a typo) raises here and goes through _number.
    try:
        return [None if (v := float(p) if "." in p else int(p)) < 0 else v for p in parts]
    except ValueError:
        return [_number(p) for p in parts]


def _parse_header_line(line, header):
    text = line[1:].strip()
    header.comments.append(text)
    key, sep, value = text.partition(":")
    key = key.strip()
    # "; Key: value" with a one-word key; column banners and prose are
    # comments only.
    if sep and key and " " not in key and "|" not in key:
        header.fields.setdefault(key, []).append(value.strip())


def _job_lines(lines, header, limit):
    # (line number, line, fields) of each job line; header lines go to header
    count = 0
    for lineno, line in enumerate(lines, 1):
        # split() and strip() agree on whitespace, so the first token tells
        # a blank line and a comment line apart without stripping each line.
        parts = line.split()
        if not parts:
            continue
        if parts[0][0] == ";":
            if header is not None:
                _parse_header_line(line.strip(), header)
            continue
        if limit is not None and count >= limit:
            return
        count += 1
        yield lineno, line, parts


def _record(source, lineno, line, parts):
    if len(parts) != 18:
        raise ValueError(f"{source}:{lineno}: expected 18 fields, found {len(parts)}")
    try:
        values = _values(parts)
    except ValueError:
        raise ValueError(f"{source}:{lineno}: not a number in {line.strip()!r}") from None
    return SWFRecord._make(values)


def _records_at_once(texts):
    """The records of job lines given as their comma-joined fields, or None.

    The JSON decoder (C) reads all the numbers in one call, several times
    faster than converting field by field.  JSON numbers read as int() and
    float() read them; anything else -- a line without 18 fields, a field
    that is no plain JSON number ("+5", "007", "inf", a typo) -- gives None,
    and the caller reads field by field, reporting errors by line.
    """
    if not texts:
        return []
    text = "[[" + "],[".join(texts) + "]]"
    try:
        # Digits, signs, points and exponents only, so that the decoder
        # meets numbers and this text's own brackets and commas, or fails.
        if text.encode("ascii").translate(None, b"0123456789-.eE,[]"):
            return None
        rows = json.loads(text)
        if len(rows) != len(texts) or set(map(len, rows)) != {18}:
            return None
        make = SWFRecord._make
        return [make([None if v < 0 else v for v in row]) for row in rows]
    except (ValueError, TypeError):  # not ASCII, not JSON, a nested list
        return None


def _open(path_or_file):
    if hasattr(path_or_file, "read"):
        return path_or_file, getattr(path_or_file, "name", "<stream>"), False
    return open(path_or_file, encoding="utf-8", errors="replace"), str(path_or_file), True


def iter_swf(path_or_file, limit=None):
    """Yield the :class:`SWFRecord` of each job line (header skipped).

    ``path_or_file`` is a path or an open text file; ``limit`` stops after
    that many records.  Raises ValueError naming the line for a line that
    does not have 18 numeric fields.
    """
    f, source, close = _open(path_or_file)
    try:
        for job in _job_lines(f, None, limit):
            yield _record(source, *job)
    finally:
        if close:
            f.close()


def read_swf(path_or_file, limit=None):
    """Read a whole SWF file (or its first ``limit`` records) as an :class:`SWFTrace`."""
    f, source, close = _open(path_or_file)
    header = SWFHeader()
    lines, texts = [], []
    try:
        for lineno, line, parts in _job_lines(f, header, limit):
            lines.append((lineno, line))
            texts.append(",".join(parts))
    finally:
        if close:
            f.close()
    records = _records_at_once(texts)
    if records is None:
        records = [_record(source, lineno, line, line.split()) for lineno, line in lines]
    return SWFTrace(header, records, source)
