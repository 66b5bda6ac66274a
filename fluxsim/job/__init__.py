"""fluxsim.job: flux-core 0.88's ``flux.job`` API over a simulated instance.

Mirrors ``flux.job`` file for file (``submit``, ``event``, ``wait``, ``kill``,
``list``, ``kvslookup``, ``executor``, ``Jobspec``, ``JobID``), so changing
``import flux.job`` to ``import fluxsim.job`` is the whole port.
"""

from fluxsim.eventlog import EventLogEvent
from fluxsim.job.event import (
    MAIN_EVENTS,
    JobEventWatchFuture,
    JobException,
    event_wait,
    event_watch,
    event_watch_async,
)
from fluxsim.job.executor import FluxExecutor, FluxExecutorFuture
from fluxsim.job.info import JobInfo, JobInfoFormat, job_fields_to_attrs
from fluxsim.job.kvs import job_kvs, job_kvs_guest
from fluxsim.job._wrapper import ffi
from fluxsim.job.JobID import JobID, id_encode, id_parse
from fluxsim.job.journal import JournalConsumer
from fluxsim.job.Jobspec import Jobspec, JobspecV1, validate_jobspec
from fluxsim.job._utils import BatchConfig
from fluxsim.job.kill import (
    cancel,
    cancel_async,
    job_raise,
    job_raise_async,
    kill,
    kill_async,
)
from fluxsim.job.kvslookup import JobKVSLookup, job_info_lookup, job_kvs_lookup
from fluxsim.job.list import JobList, get_job, job_list, job_list_id, job_list_inactive
from fluxsim.job.output import (
    job_output,
    output_event_watch,
    output_event_watch_async,
    output_watch,
    output_watch_async,
    output_watch_lines,
    output_watch_lines_async,
)
from fluxsim.job.submit import submit, submit_async, submit_get_id
from fluxsim.job.timeleft import timeleft
from fluxsim.job.wait import result, result_async, wait, wait_async, wait_get_status
from fluxsim.job.watcher import JobWatcher

__all__ = [
    "BatchConfig",
    "EventLogEvent",
    "FluxExecutor",
    "FluxExecutorFuture",
    "JobEventWatchFuture",
    "JobException",
    "JobID",
    "JobInfo",
    "JobInfoFormat",
    "JobKVSLookup",
    "JobList",
    "Jobspec",
    "JobspecV1",
    "JobWatcher",
    "JournalConsumer",
    "MAIN_EVENTS",
    "cancel",
    "cancel_async",
    "event_wait",
    "event_watch",
    "event_watch_async",
    "ffi",
    "get_job",
    "id_encode",
    "id_parse",
    "job_fields_to_attrs",
    "job_info_lookup",
    "job_kvs",
    "job_kvs_guest",
    "job_kvs_lookup",
    "job_list",
    "job_list_id",
    "job_list_inactive",
    "job_output",
    "job_raise",
    "job_raise_async",
    "kill",
    "kill_async",
    "output_event_watch",
    "output_event_watch_async",
    "output_watch",
    "output_watch_async",
    "output_watch_lines",
    "output_watch_lines_async",
    "result",
    "result_async",
    "submit",
    "submit_async",
    "submit_get_id",
    "timeleft",
    "validate_jobspec",
    "wait",
    "wait_async",
    "wait_get_status",
]
