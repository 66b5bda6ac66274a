"""``job_kvs`` / ``job_kvs_guest``: a job's KVS directory, and its guest directory."""

import os

from fluxsim.job.JobID import JobID
from fluxsim.kvs import get_dir

__all__ = ["job_kvs", "job_kvs_guest"]


def job_kvs(flux_handle, jobid):
    """The job's directory (``job.<dothex id>.``) as a :class:`~fluxsim.kvs.KVSDir`."""
    return get_dir(flux_handle, JobID(jobid).kvs + ".")


def job_kvs_guest(flux_handle, jobid):
    """The job's guest directory; in a job (``FLUX_KVS_NAMESPACE`` set), the
    root of the job's own namespace, as libjob's ``flux_job_kvs_guest_key``."""
    if os.environ.get("FLUX_KVS_NAMESPACE"):
        return get_dir(flux_handle, ".")
    return get_dir(flux_handle, JobID(jobid).kvs + ".guest.")
