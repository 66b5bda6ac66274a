"""A workload: the jobs a trace replays, each a jobspec with a submit time.

Every reader (SWF, JSON, CSV) produces a :class:`Workload`, and the replay
consumes one, so the readers and the simulator never meet.  A
:class:`TraceJob` carries the jobspec that ``flux submit`` would have built
(``jobspec()`` below), the time it is submitted, and what the trace says
about how it ends: mock execution runs it for ``run_duration`` seconds
(``attributes.system.exec.test.run_duration``), Flux kills it at its time
limit ``duration``, and ``cancel_at`` replays a ``flux cancel``::

    >>> job = TraceJob("1", submit=0.0, jobspec=jobspec(ncores=4, duration=60, run_duration=30))
    >>> job.jobspec["resources"][0]["count"], job.duration, job.run_duration
    (4, 60.0, 30.0)
"""

__all__ = ["TraceJob", "Workload", "jobspec"]


def _fsd(seconds):
    # RFC 23 duration: whole seconds print as integers so real Flux and
    # fluxsim read the same value.
    if float(seconds).is_integer():
        return f"{int(seconds)}s"
    return f"{seconds!r}s"


# Jobs of one size share one (read-only) resources list: a trace has
# thousands of jobs but few sizes, and the replay parses each list once.
_RESOURCES = {}


def _resources(ncores, nnodes, cores_per_node):
    key = (ncores, nnodes, cores_per_node if nnodes is not None else None)
    resources = _RESOURCES.get(key)
    if resources is not None:
        return resources
    if nnodes is not None:
        resources = [
            {
                "type": "node",
                "count": int(nnodes),
                "exclusive": True,
                "with": [
                    {
                        "type": "slot",
                        "count": 1,
                        "with": [{"type": "core", "count": int(cores_per_node)}],
                        "label": "task",
                    }
                ],
            }
        ]
    else:
        resources = [
            {
                "type": "slot",
                "count": int(ncores),
                "with": [{"type": "core", "count": 1}],
                "label": "task",
            }
        ]
    if len(_RESOURCES) < 100000:
        _RESOURCES[key] = resources
    return resources


# Jobs of one run duration and exit status share one (read-only) exec
# section, whose mock-execution plan the replay then works out once.
_EXEC = {}


def _exec(run_duration, wait_status):
    key = (run_duration, wait_status)
    section = _EXEC.get(key)
    if section is None:
        test = {}
        if run_duration is not None:
            test["run_duration"] = _fsd(run_duration)
        if wait_status:
            test["wait_status"] = wait_status
        section = {"test": test}
        if len(_EXEC) < 100000:
            _EXEC[key] = section
    return section


# Every trace job runs one task per slot: one (read-only) tasks list for all.
_TASKS = [{"command": ["true"], "slot": "task", "count": {"per_slot": 1}}]


def jobspec(
    ncores=None,
    nnodes=None,
    cores_per_node=1,
    duration=0.0,
    run_duration=None,
    wait_status=0,
    name=None,
):
    """The V1 jobspec ``flux submit`` builds for one trace job.

    ``ncores=P`` is ``flux submit -n P`` (P one-core slots, anywhere);
    ``nnodes=N`` is ``flux submit -N N --exclusive`` (whole nodes; the slot
    holds ``cores_per_node`` cores so one task per core fits).  ``duration``
    is the time limit (0: none).  ``run_duration`` and ``wait_status`` go to
    ``attributes.system.exec.test``, flux-core's mock execution, which
    fluxsim's virtual clock honours too.  Jobspecs share their ``tasks``
    list, those of the same size their ``resources`` list, and those of the
    same run duration and status their ``exec`` section: treat all three as
    read-only.
    """
    if (ncores is None) == (nnodes is None):
        raise ValueError("give exactly one of ncores and nnodes")
    resources = _resources(ncores, nnodes, cores_per_node)
    system = {"duration": float(duration)}
    if name is not None:
        system["job"] = {"name": str(name)}
    if run_duration is not None or wait_status:
        system["exec"] = _exec(run_duration, int(wait_status))
    return {
        "resources": resources,
        "tasks": _TASKS,
        "attributes": {"system": system},
        "version": 1,
    }


class TraceJob:
    """One job of a workload.

    Attributes:
        name: the job's id in the trace (SWF job number, list id), a string.
        submit: submit time, seconds from the start of the trace.
        jobspec: the V1 jobspec dict to submit.
        urgency: Flux urgency (0-31; 16 is the default).
        userid: the submitting user (SWF field 12), or None for the owner.
        cancel_at: replay ``flux cancel`` at this time (None: never).
        status: what the trace says happened ("completed", "failed",
            "cancelled", or None when unknown); informational.
        nnodes, ncores: the size the mapping asked for (nodes is 0 for a
            request by cores).
    """

    __slots__ = (
        "name",
        "submit",
        "jobspec",
        "urgency",
        "userid",
        "cancel_at",
        "status",
        "nnodes",
        "ncores",
    )

    def __init__(
        self,
        name,
        submit,
        jobspec,
        urgency=16,
        userid=None,
        cancel_at=None,
        status=None,
        nnodes=0,
        ncores=0,
    ):
        self.name = str(name)
        self.submit = float(submit)
        self.jobspec = jobspec
        self.urgency = urgency
        self.userid = userid
        self.cancel_at = cancel_at
        self.status = status
        self.nnodes = nnodes
        self.ncores = ncores

    @property
    def duration(self):
        """The time limit, ``attributes.system.duration`` (0.0: none)."""
        return float(self.jobspec["attributes"]["system"].get("duration", 0.0))

    @property
    def run_duration(self):
        """The mock run time in seconds, or None when the jobspec sets none."""
        from fluxsim.util import parse_fsd

        try:
            value = self.jobspec["attributes"]["system"]["exec"]["test"]["run_duration"]
        except KeyError:
            return None
        return parse_fsd(value)

    def __repr__(self):
        return f"<TraceJob {self.name} submit={self.submit}>"


class Workload:
    """An ordered list of :class:`TraceJob` plus where it came from.

    Attributes:
        jobs: the jobs, sorted by submit time (ties keep trace order).
        source: a description of the input (a file name).
        skipped: ``{reason: count}`` of input records not turned into jobs.
        header: metadata from the input (SWF header fields), a dict.
    """

    def __init__(self, jobs, source="", skipped=None, header=None):
        jobs = list(jobs)
        # sorted() is stable: jobs submitted together keep their trace order,
        # which becomes their job id order and so their FIFO order.
        self.jobs = sorted(jobs, key=_submit_key)
        self.source = source
        self.skipped = dict(skipped or {})
        self.header = dict(header or {})

    def __len__(self):
        return len(self.jobs)

    def __iter__(self):
        return iter(self.jobs)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Workload(self.jobs[index], self.source, self.skipped, self.header)
        return self.jobs[index]

    def shifted(self):
        """This workload with submit times moved so the first job is at 0."""
        if not self.jobs:
            return self
        t0 = self.jobs[0].submit
        if t0 == 0:
            return self
        for job in self.jobs:
            job.submit -= t0
            if job.cancel_at is not None:
                job.cancel_at -= t0
        return self

    @property
    def max_cores(self):
        """Largest request in cores (by-cores jobs), 0 if none."""
        return max((j.ncores for j in self.jobs if not j.nnodes), default=0)

    @property
    def max_nodes(self):
        """Largest request in nodes (by-nodes jobs), 0 if none."""
        return max((j.nnodes for j in self.jobs), default=0)

    def __repr__(self):
        return f"<Workload {len(self.jobs)} jobs from {self.source or '?'}>"


def _submit_key(job):
    return job.submit

