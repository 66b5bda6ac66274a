"""``job_kvs_lookup``, ``job_info_lookup`` and ``JobKVSLookup``: a job's jobspec, R and eventlogs.

With ``original=True`` the jobspec is the one the user submitted: the
payload of the signed ``J`` (flux-security's ``none`` mechanism,
``HEADER.PAYLOAD.none`` in base64), not the current one with updates applied.
"""

import base64
import json

from fluxsim.constants import FLUX_JOB_LOOKUP_CURRENT
from fluxsim.future import Future
from fluxsim.job._waitall import JobFutures
from fluxsim.job.JobID import JobID
from fluxsim.job._wrapper import send

__all__ = ["JobInfoLookupRPC", "JobKVSLookup", "JobKVSLookupFuture", "job_info_lookup",
           "job_kvs_lookup"]


def _decode(data, key):
    try:
        data[key] = json.loads(data[key])
    except json.JSONDecodeError:
        pass  # left as the string it is, as flux does


def _decode_special(data):
    for key in ("jobspec", "R"):
        if key in data and isinstance(data[key], str):
            _decode(data, key)


class JobInfoLookupRPC(Future):
    """Future of a job-info lookup: ``get()`` -> ``{"id": ..., key: str}``."""

    jobid = None

    def get_decode(self):
        """Like ``get()``, with ``jobspec`` and ``R`` decoded to dicts."""
        data = dict(self.get())
        _decode_special(data)
        return data


def job_info_lookup(flux_handle, jobid, keys=["jobspec"], flags=0):
    """Look up KVS keys of a job."""
    payload = {"id": int(jobid), "keys": list(keys), "flags": flags}
    future = send(flux_handle, "job-info.lookup", payload, JobInfoLookupRPC)
    future.jobid = jobid
    return future


def _lookup_keys(keys, original):
    """The keys to ask for: ``J`` instead of ``jobspec`` for the original jobspec."""
    keys = list(keys)
    if original and "jobspec" in keys:
        keys.remove("jobspec")
        if "J" not in keys:
            keys.append("J")
    return keys


def _original_jobspec(J):
    return base64.b64decode(J.split(".")[1]).decode()


def _update_keys(data, decode, keys, original):
    """Put the original jobspec (from ``J``) where ``jobspec`` was asked for."""
    if original and "jobspec" in keys:
        data["jobspec"] = _original_jobspec(data["J"])
        if decode:
            _decode(data, "jobspec")
        if "J" not in keys:
            data.pop("J")


def _flags(base):
    # the current jobspec and R have the eventlog's updates applied
    return 0 if base else FLUX_JOB_LOOKUP_CURRENT


def job_kvs_lookup(flux_handle, jobid, keys=["jobspec"], decode=True, original=False, base=False):
    """A job's KVS data as a dict, or None if the job (or a key) does not exist."""
    rpc = job_info_lookup(flux_handle, jobid, _lookup_keys(keys, original), _flags(base))
    try:
        data = rpc.get_decode() if decode else dict(rpc.get())
    except FileNotFoundError:
        return None
    _update_keys(data, decode, keys, original)
    return data


class JobKVSLookupFuture(JobFutures):
    """The lookups of several jobs; a job that failed is a line in ``errors``."""

    def get(self):
        """The responses of the jobs found."""
        return self.results(lambda child: dict(child.get()))

    def get_decode(self):
        """As :meth:`get`, with ``jobspec`` and ``R`` decoded."""
        return self.results(JobInfoLookupRPC.get_decode)


class JobKVSLookup:
    """KVS data (``keys``) of the jobs ``ids``, as ``flux job info`` reads it.

    ``decode``: ``jobspec`` and ``R`` as dicts; ``original``: the submitted
    jobspec; ``base``: without the eventlog's updates.  ``data()`` gives one
    dict per job found; the others are lines in ``errors``.
    """

    def __init__(self, flux_handle, ids=[], keys=["jobspec"], decode=True, original=False,
                 base=False):
        self.handle = flux_handle
        self.keys = list(keys)
        self.ids = [JobID(jobid) for jobid in ids] if ids else []
        self.decode = decode
        self.original = original
        self.base = base
        self.errors = []
        self.keyslookup = _lookup_keys(self.keys, original)

    def fetch_data(self):
        """Send the lookups: a :class:`JobKVSLookupFuture`."""
        futures = JobKVSLookupFuture()
        for jobid in self.ids:
            futures.push(job_info_lookup(self.handle, jobid, self.keyslookup, _flags(self.base)))
        return futures

    def data(self):
        """The data of every job found (blocks until answered)."""
        future = self.fetch_data()
        data = future.get_decode() if self.decode else future.get()
        self.errors = future.errors
        for job_data in data:
            _update_keys(job_data, self.decode, self.keys, self.original)
        return data
