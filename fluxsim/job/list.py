"""``job_list``, ``job_list_id`` and ``get_job``: the job-list service's queries."""

import errno
import os
from collections.abc import Iterable

from fluxsim.constants import FLUX_USERID_UNKNOWN, State
from fluxsim.future import Future
from fluxsim.job.info import JobInfo
from fluxsim.job._wrapper import send

__all__ = ["JobListRPC", "job_list", "job_list_inactive", "job_list_id", "get_job"]


class JobListRPC(Future):
    """Future of a job-list query: ``get()`` -> ``{"jobs": [...]}``."""

    def get_jobs(self):
        """The job records (dicts), from one response or a stream of them."""
        jobs = []
        while True:
            try:
                response = self.get()
            except OSError as exc:
                if exc.errno == errno.ENODATA:
                    return jobs
                raise
            jobs.extend(response["jobs"])
            if response.get("version", 0) == 0:
                return jobs
            self.reset()

    def get_jobinfos(self):
        """The job records as :class:`JobInfo` objects."""
        for job in self.get_jobs():
            yield JobInfo(job)


class JobListIdRPC(Future):
    """Future of a single-job query."""

    def get_job(self):
        """The job record."""
        return self.get()["job"]

    def get_jobinfo(self):
        """The job record as :class:`JobInfo`."""
        return JobInfo(self.get_job())


def job_list(
    flux_handle,
    max_entries=1000,
    attrs=["all"],
    userid=os.getuid(),
    states=0,
    results=0,
    since=0.0,
    name=None,
    queue=None,
    constraint=None,
):
    """List jobs, newest first (pending, then running, then inactive, as job-list).

    The filters are ANDed with ``constraint`` (RFC 31) as flux's ``job_list`` does.
    """
    terms = [] if constraint is None else [constraint]
    if userid != FLUX_USERID_UNKNOWN:
        terms.append({"userid": [userid]})
    if name:
        terms.append({"name": [name]})
    if queue:
        if isinstance(queue, str):
            queue = [queue]
        if not isinstance(queue, Iterable):
            raise ValueError("queue parameter must be a string or iterable")
        terms.append({"queue": list(queue)})
    if states and results:
        terms.append({"or": [{"states": [states]}, {"results": [results]}]})
    elif states:
        terms.append({"states": [states]})
    elif results:
        terms.append({"results": [results]})
    payload = {"max_entries": int(max_entries), "attrs": attrs, "since": since,
               "constraint": {"and": terms}}
    return send(flux_handle, "job-list.list", payload, JobListRPC)


def job_list_inactive(flux_handle, since=0.0, max_entries=1000, attrs=["all"], name=None,
                      queue=None, constraint=None):
    """Inactive jobs only, of every user."""
    return job_list(flux_handle, max_entries, attrs, FLUX_USERID_UNKNOWN, int(State.INACTIVE),
                    since=since, name=name, queue=queue, constraint=constraint)


def job_list_id(flux_handle, jobid, attrs=["all"]):
    """Query one job."""
    payload = {"id": int(jobid), "attrs": attrs}
    future = send(flux_handle, "job-list.list-id", payload, JobListIdRPC)
    future.jobid = jobid
    return future


def get_job(flux_handle, jobid):
    """A job's information as a dict, or None if there is no such job."""
    try:
        info = job_list_id(flux_handle, jobid).get_jobinfo()
    except FileNotFoundError:
        return None
    return info.to_dict(filtered=False)
