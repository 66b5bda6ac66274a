"""``job_kvs_lookup`` / ``job_info_lookup``: a job's jobspec, R and eventlogs."""

import errno
import json

from fluxsim.future import Future

__all__ = ["JobInfoLookupRPC", "job_info_lookup", "job_kvs_lookup"]


class JobInfoLookupRPC(Future):
    """Future of a job-info lookup: ``get()`` -> ``{"id": ..., key: str}``."""

    def get_decode(self):
        """Like ``get()``, with ``jobspec`` and ``R`` decoded to dicts."""
        data = dict(self.get())
        for key in ("jobspec", "R"):
            if key in data and isinstance(data[key], str):
                data[key] = json.loads(data[key])
        return data


def _value(job, key):
    if key == "jobspec":
        return json.dumps(job.jobspec)
    if key == "R":
        return None if job.R is None else job.R.encode()
    if key == "eventlog":
        return "".join(json.dumps(e) + "\n" for e in job.eventlog)
    if key in ("guest.exec.eventlog", "exec.eventlog"):
        return "".join(json.dumps(e) + "\n" for e in job.exec_eventlog)
    return None


def job_info_lookup(flux_handle, jobid, keys=["jobspec"], flags=0):
    """Look up KVS keys of a job."""
    future = JobInfoLookupRPC(flux_handle)
    inst = flux_handle.instance
    with inst.operation():
        job = inst.jobmanager.jobs.get(int(jobid))
        data = {"id": int(jobid)}
        if job is None:
            future.fulfill_error(FileNotFoundError(errno.ENOENT, "No such file or directory"))
            return future
        for key in keys:
            value = _value(job, key)
            if value is None:
                future.fulfill_error(
                    FileNotFoundError(errno.ENOENT, "No such file or directory")
                )
                return future
            data[key] = value
        future.fulfill(data)
    return future


def job_kvs_lookup(flux_handle, jobid, keys=["jobspec"], decode=True, original=False, base=False):
    """A job's KVS data as a dict, or None if the job (or a key) does not exist."""
    rpc = job_info_lookup(flux_handle, jobid, list(keys))
    try:
        return rpc.get_decode() if decode else rpc.get()
    except FileNotFoundError:
        return None
