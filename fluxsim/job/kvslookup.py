"""``job_kvs_lookup`` / ``job_info_lookup``: a job's jobspec, R and eventlogs."""

import json

from fluxsim.future import Future
from fluxsim.job._wrapper import send

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


def job_info_lookup(flux_handle, jobid, keys=["jobspec"], flags=0):
    """Look up KVS keys of a job."""
    payload = {"id": int(jobid), "keys": list(keys), "flags": flags}
    return send(flux_handle, "job-info.lookup", payload, JobInfoLookupRPC)


def job_kvs_lookup(flux_handle, jobid, keys=["jobspec"], decode=True, original=False, base=False):
    """A job's KVS data as a dict, or None if the job (or a key) does not exist."""
    rpc = job_info_lookup(flux_handle, jobid, list(keys))
    try:
        return rpc.get_decode() if decode else rpc.get()
    except FileNotFoundError:
        return None
