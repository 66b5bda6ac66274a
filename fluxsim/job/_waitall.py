"""One request per job id, answered together: ``JobList(ids=...)`` and ``JobKVSLookup``.

flux-core gathers such requests in a ``WaitAllFuture`` and reports a job
that failed as a line in ``errors`` instead of raising: ``JobID X unknown``
for a job that does not exist, ``rpc: STRERROR`` otherwise.
"""

import errno

from fluxsim.job.JobID import JobID

__all__ = ["JobFutures"]


class JobFutures:
    """The futures of one request per job (each has ``jobid``), and their errors."""

    def __init__(self):
        self.children = []
        self.errors = []

    def push(self, future):
        """Add the future of one job's request."""
        self.children.append(future)

    def wait_for(self, timeout=-1.0):
        """Wait until every request is answered; return self."""
        for child in self.children:
            child.wait_for(timeout)
        return self

    def results(self, get):
        """``get(child)`` of every child that succeeded; failures go to ``errors``."""
        self.wait_for()
        out = []
        for child in self.children:
            try:
                out.append(get(child))
            except OSError as err:
                if err.errno == errno.ENOENT:
                    self.errors.append(f"JobID {JobID(child.jobid).orig_str} unknown")
                else:
                    self.errors.append(f"rpc: {err.strerror}")
        return out
