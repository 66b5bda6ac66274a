"""Workload traces: read them, replay them in virtual time, measure, draw.

A trace becomes a :class:`Workload` (SWF through an explicit
:class:`SWFMapping`, or a JSON/CSV job list), :func:`replay` runs it on a
simulated instance under a scheduling policy with optional :class:`Fault`
events, :func:`job_metrics` / :func:`run_metrics` measure the outcome, and
``fluxsim.trace.plot`` draws it::

    from fluxsim.trace import load_swf, SWFMapping, replay, run_metrics

    workload = load_swf("UniLu-Gaia-2014-2.swf", SWFMapping(resources="cores"))
    result = replay(workload, nnodes=151, cores_per_node=14, policy="backfill")
    print(run_metrics(result)["mean_wait"])

The command line front end is ``fluxsim simulate`` (``fluxsim.cli``).
"""

from fluxsim.trace.faults import Fault, read_faults
from fluxsim.trace.joblist import read_joblist, write_joblist
from fluxsim.trace.mapping import SWFMapping, load_swf
from fluxsim.trace.metrics import job_metrics, run_metrics
from fluxsim.trace.replay import JobRecord, ReplayResult, replay
from fluxsim.trace.swf import SWFHeader, SWFRecord, SWFTrace, iter_swf, read_swf
from fluxsim.trace.workload import TraceJob, Workload, jobspec

__all__ = [
    "Fault",
    "JobRecord",
    "ReplayResult",
    "SWFHeader",
    "SWFMapping",
    "SWFRecord",
    "SWFTrace",
    "TraceJob",
    "Workload",
    "iter_swf",
    "job_metrics",
    "jobspec",
    "load_swf",
    "read_faults",
    "read_joblist",
    "read_swf",
    "replay",
    "run_metrics",
    "write_joblist",
]
