"""``job_list``, ``job_list_id``, ``get_job`` and ``JobList``: the job-list service's queries.

``JobList`` is the query ``flux jobs`` makes (filters by state and result
names, user, ids), over the ``job_list`` and ``job_list_id`` requests.
"""

import errno
import os
import pwd
from collections.abc import Iterable

from fluxsim.constants import FLUX_USERID_UNKNOWN, Result, State
from fluxsim.future import Future
from fluxsim.job.info import JobInfo
from fluxsim.job.JobID import JobID
from fluxsim.job._waitall import JobFutures
from fluxsim.job._wrapper import send

__all__ = ["JobList", "JobListIdsFuture", "JobListRPC", "job_list", "job_list_inactive",
           "job_list_id", "get_job"]


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


class JobListIdsFuture(JobFutures):
    """``JobListRPC``'s interface over one ``list-id`` request per job id."""

    def get_jobs(self):
        """The records of the jobs found; the others are reported in ``errors``."""
        return self.results(JobListIdRPC.get_job)

    def get_jobinfos(self):
        """The jobs found, as :class:`JobInfo` objects."""
        return [JobInfo(job) for job in self.get_jobs()]


class JobList:
    """A query of job-list as ``flux jobs`` makes it: the caller's jobs by
    default, narrowed by state and result names (``filters``), ``user``
    (a name, a userid or "all"), ``name``, ``queue``, ``since`` and an RFC 31
    ``constraint``; or exactly the jobs ``ids`` (other filters ignored).

    ``jobs()`` gives :class:`JobInfo` objects; a job id that failed is a
    line in ``errors`` (``JobID X unknown``).
    """

    STATES = {
        "depend": int(State.DEPEND),
        "priority": int(State.PRIORITY),
        "sched": int(State.SCHED),
        "run": int(State.RUN),
        "cleanup": int(State.CLEANUP),
        "inactive": int(State.INACTIVE),
        "pending": int(State.PENDING),
        "running": int(State.RUNNING),
        "active": int(State.ACTIVE),
    }
    RESULTS = {
        "completed": int(Result.COMPLETED),
        "failed": int(Result.FAILED),
        "canceled": int(Result.CANCELED),
        "timeout": int(Result.TIMEOUT),
    }

    def __init__(self, flux_handle, attrs=["all"], filters=[], ids=[], user=None,
                 max_entries=1000, since=0.0, name=None, queue=None, constraint=None):
        self.handle = flux_handle
        self.attrs = list(attrs)
        self.states = 0
        self.results = 0
        self.max_entries = max_entries
        self.since = since
        self.name = name
        self.queue = queue
        self.ids = [JobID(jobid) for jobid in ids] if ids else None
        self.errors = []
        for names in filters:
            for fname in names.split(","):
                self.add_filter(fname)
        self.set_user(user)
        self.constraint = constraint

    def set_user(self, user):
        """Only list the jobs of ``user``: a user name, a userid, "all", or
        None for the caller."""
        if user is None:
            self.userid = os.getuid()
        elif user == "all":
            self.userid = FLUX_USERID_UNKNOWN
        else:
            try:
                self.userid = pwd.getpwnam(user).pw_uid
            except KeyError:
                try:
                    self.userid = int(user)
                except ValueError:
                    raise ValueError(f"Invalid user {user} specified") from None

    def add_filter(self, fname):
        """Also list jobs in state or with result ``fname`` (ORed with the others)."""
        fname = fname.lower()
        if fname in self.STATES:
            self.states |= self.STATES[fname]
        elif fname in self.RESULTS:
            self.results |= self.RESULTS[fname]
        else:
            raise ValueError(f"Invalid filter specified: {fname}")

    def fetch_jobs(self):
        """Send the query: a :class:`JobListRPC`, or a :class:`JobListIdsFuture`
        for ``ids``; their ``get_jobs()`` gives the records."""
        if self.ids:
            futures = JobListIdsFuture()
            for jobid in self.ids:
                futures.push(job_list_id(self.handle, jobid, self.attrs))
            return futures
        return job_list(self.handle, max_entries=self.max_entries, attrs=self.attrs,
                        userid=self.userid, states=self.states, results=self.results,
                        since=self.since, name=self.name, queue=self.queue,
                        constraint=self.constraint)

    def jobs(self):
        """The jobs, as :class:`JobInfo` objects (blocks until answered)."""
        future = self.fetch_jobs()
        jobs = future.get_jobs()
        if hasattr(future, "errors"):
            self.errors = future.errors
        return [JobInfo(job) for job in jobs]
