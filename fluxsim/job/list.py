"""``job_list``, ``job_list_id`` and ``get_job``: the job-list service's queries."""

import errno
import os

from fluxsim.future import Future
from fluxsim.job.info import JobInfo, job_record

__all__ = ["JobListRPC", "job_list", "job_list_inactive", "job_list_id", "get_job"]


class JobListRPC(Future):
    """Future of a job-list query: ``get()`` -> ``{"jobs": [...]}``."""

    def get_jobs(self):
        """The job records (dicts)."""
        return self.get()["jobs"]

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
    """List jobs, newest first (pending, then running, then inactive, as job-list)."""
    future = JobListRPC(flux_handle)
    inst = flux_handle.instance
    with inst.operation():
        jobs = list(inst.jobmanager.jobs.values())
        out = []
        for job in sorted(jobs, key=_list_order):
            if states and not (int(job.state) & states):
                continue
            if results and (job.active or not (int(job.result()) & results)):
                continue
            if name and job.name != name:
                continue
            if since and not job.active and job.t_inactive <= since:
                continue
            out.append(job_record(job))
            if max_entries and len(out) >= max_entries:
                break
        future.fulfill({"jobs": out})
    return future


def _list_order(job):
    # job-list: pending by priority then id, running and inactive newest first
    if job.active and job.state < 16:
        return (0, -(job.priority or 0), job.id)
    if job.active:
        return (1, -job.t_run, 0)
    return (2, -job.t_inactive, 0)


def job_list_inactive(flux_handle, since=0.0, max_entries=1000, attrs=["all"], name=None, queue=None):
    """Inactive jobs only."""
    return job_list(flux_handle, max_entries, attrs, states=64, since=since, name=name)


def job_list_id(flux_handle, jobid, attrs=["all"]):
    """Query one job."""
    future = JobListIdRPC(flux_handle)
    inst = flux_handle.instance
    with inst.operation():
        job = inst.jobmanager.jobs.get(int(jobid))
        if job is None:
            future.fulfill_error(FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT)))
        else:
            future.fulfill({"job": job_record(job)})
    return future


def get_job(flux_handle, jobid):
    """A job's information as a dict, or None if there is no such job."""
    try:
        info = job_list_id(flux_handle, jobid).get_jobinfo()
    except FileNotFoundError:
        return None
    return info.to_dict(filtered=False)
