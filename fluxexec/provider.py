"""FluxProvider: Parsl blocks as Flux jobs.

A Parsl provider asks a resource manager for blocks and runs the executor's
worker command in each.  Here every block is one Flux job, submitted with
the ``flux`` Python API to the instance in ``FLUX_URI`` (or ``uri``), real
Flux or fluxsim alike::

    from parsl.executors import HighThroughputExecutor
    from fluxexec import FluxLauncher, FluxProvider

    HighThroughputExecutor(provider=FluxProvider(
        nodes_per_block=2, cores_per_node=4, walltime="00:30:00",
        queue="batch", launcher=FluxLauncher()))

A one-node block is a plain job (its launcher starts the workers inside
it); a block of more nodes, or one with a :class:`~fluxexec.FluxLauncher`,
is a nested Flux instance, as ``flux batch -N`` makes one, so that the
launcher's ``flux run`` spreads the workers over the block's nodes.

Parsl's block states come from Flux's job states and results
(:data:`STATES`, :data:`RESULTS`); a job that ended with an exception
carries Flux's exception note as the status message.
"""

import errno
import logging
import os
import threading

from parsl.jobs.states import JobState, JobStatus
from parsl.launchers import SingleNodeLauncher
from parsl.launchers.base import Launcher
from parsl.launchers.errors import BadLauncher
from parsl.providers.base import ExecutionProvider
from parsl.providers.errors import SubmitException
from parsl.utils import RepresentationMixin

from fluxexec.launcher import FluxLauncher
from fluxexec.resources import parse_duration

__all__ = ["FluxProvider", "STATES", "RESULTS", "walltime_seconds", "job_status"]

logger = logging.getLogger(__name__)

#: Parsl's state of an active Flux job, by Flux job state name.
STATES = {
    "NEW": JobState.PENDING,
    "DEPEND": JobState.PENDING,
    "PRIORITY": JobState.PENDING,
    "SCHED": JobState.PENDING,
    "RUN": JobState.RUNNING,
    # the job's processes are gone but its resources are not yet freed
    # (as Slurm's COMPLETING, which Parsl maps to RUNNING)
    "CLEANUP": JobState.RUNNING,
}

#: Parsl's state of an inactive Flux job, by Flux job result name.
RESULTS = {
    "COMPLETED": JobState.COMPLETED,
    "FAILED": JobState.FAILED,
    "CANCELED": JobState.CANCELLED,
    "TIMEOUT": JobState.TIMEOUT,
}

#: What :meth:`FluxProvider.status` asks job-list for.
ATTRS = ["state", "result", "urgency", "waitstatus", "exception_occurred", "exception_type", "exception_note"]


def walltime_seconds(walltime):
    """Seconds in a walltime: Parsl's ``"HH:MM:SS"``, or a Flux Standard Duration / seconds.

    ``"01:30:00"`` is 5400; anything without a colon (``"90m"``, ``5400``)
    is read by fluxexec's one duration rule, :func:`fluxexec.resources.parse_duration`.
    """
    if isinstance(walltime, str) and ":" in walltime:
        parts = walltime.split(":")  # Parsl's wtime_to_minutes reads it so
        try:
            if len(parts) != 3:
                raise ValueError
            hours, minutes, seconds = int(parts[0]), int(parts[1]), float(parts[2])
        except ValueError:
            raise ValueError(f"walltime must be HH:MM:SS, not {walltime!r}") from None
        return hours * 3600 + minutes * 60 + seconds
    return parse_duration(walltime)


def job_status(info, stdout_path=None, stderr_path=None):
    """Parsl's ``JobStatus`` for a Flux ``JobInfo`` (state, result, urgency, exception)."""
    if info.state != "INACTIVE":
        state = STATES.get(info.state, JobState.UNKNOWN)
        if state == JobState.PENDING and info.urgency == 0:
            state = JobState.HELD  # urgency 0 is Flux's hold
        return JobStatus(state, stdout_path=stdout_path, stderr_path=stderr_path)
    exception = info.exception
    return JobStatus(
        RESULTS.get(info.result, JobState.UNKNOWN),
        message=(exception.note or exception.type) if exception.occurred else None,
        exit_code=info.returncode if isinstance(info.returncode, int) else None,
        stdout_path=stdout_path,
        stderr_path=stderr_path,
    )


class FluxProvider(ExecutionProvider, RepresentationMixin):
    """Parsl execution provider whose blocks are Flux jobs.

    Parameters
    ----------
    nodes_per_block : int
        Nodes per block; more than one makes the block a nested Flux instance.
    cores_per_node : int
        Cores per node of a block.  None: whole nodes (as ``flux batch -N``).
        Set, it is also ``PARSL_CORES`` in the block, for the executor.
    gpus_per_node : int
        GPUs per node of a block (None: none, unless the nodes are whole).
    exclusive : bool
        Allocate the block's nodes whole; forced when ``cores_per_node`` is None.
    walltime : str
        Time limit of a block, Parsl's ``"HH:MM:SS"`` (or a Flux Standard
        Duration); the job's ``attributes.system.duration``.  None: unlimited.
    queue, bank : str
        Flux queue to submit to and bank to charge (None: the defaults).
    constraint : str or dict
        Node constraint: a ``--requires`` expression (``"gpu and host:node[1-4]"``)
        or an RFC 31 object; the job's ``attributes.system.constraints``.
    urgency : int
        Flux job urgency, 0 (held) to 31 (expedite); 16 is Flux's default.
    environment : dict
        Variables set in the block over this process's environment.
    worker_init : str
        Shell commands run before the launcher, e.g. ``"module load python"``.
    launcher : Launcher
        Starts the workers inside the block: :class:`~fluxexec.FluxLauncher`
        for multi-node blocks, Parsl's ``SingleNodeLauncher`` (default) on one node.
    init_blocks, min_blocks, max_blocks, parallelism :
        Parsl's scaling parameters, as for every provider.
    uri : str
        The Flux instance to submit to; None: ``FLUX_URI``.
    """

    def __init__(
        self,
        nodes_per_block=1,
        cores_per_node=None,
        gpus_per_node=None,
        exclusive=False,
        walltime="00:10:00",
        queue=None,
        bank=None,
        constraint=None,
        urgency=16,
        environment=None,
        worker_init="",
        launcher=SingleNodeLauncher(),
        init_blocks=1,
        min_blocks=0,
        max_blocks=1,
        parallelism=1,
        uri=None,
    ):
        if not isinstance(launcher, Launcher):
            raise BadLauncher(launcher)
        if walltime is not None:
            walltime_seconds(walltime)  # a bad walltime fails the config, not every block
        self.nodes_per_block = nodes_per_block
        self.cores_per_node = cores_per_node
        self.gpus_per_node = gpus_per_node
        self.mem_per_node = None  # a jobspec V1 cannot ask for memory
        self.exclusive = exclusive
        self.walltime = walltime
        self.queue = queue
        self.bank = bank
        self.constraint = constraint
        self.urgency = urgency
        self.environment = environment
        self.worker_init = worker_init
        self.launcher = launcher
        self.init_blocks = init_blocks
        self.min_blocks = min_blocks
        self.max_blocks = max_blocks
        self.parallelism = parallelism
        self.uri = uri
        self.script_dir = None
        self.resources = {}  # job id -> {"job_id", "status", "stdout_path", "stderr_path"}
        self._label = "flux"
        self._backend = None
        self._handle = None
        # Parsl calls submit/status from its poller thread and cancel from
        # the thread that shuts down; a Flux handle serves one at a time.
        self._lock = threading.Lock()

    @property
    def label(self):
        """Parsl's name for this kind of provider."""
        return self._label

    @property
    def status_polling_interval(self):
        """Seconds between Parsl's ``status`` calls (a job-list query per active block)."""
        return 5

    def _flux(self):
        """The ``flux`` bindings and a handle on the instance, made on first use."""
        if self._handle is None:
            from fluxexec import backends

            uri = self.uri or os.environ.get("FLUX_URI")
            # a sim:// instance lives in this process and only fluxsim reaches it
            self._backend = backends.load("sim" if uri and uri.startswith("sim://") else "flux")
            self._handle = self._backend.Flux(uri) if uri else self._backend.Flux()
        return self._backend.job, self._handle

    def nested(self):
        """Whether a block is a nested Flux instance rather than a plain job."""
        return self.nodes_per_block > 1 or isinstance(self.launcher, FluxLauncher)

    def output_paths(self, job_name):
        """Where a block's stdout and stderr go: beside Parsl's submit scripts (else Flux's KVS)."""
        if not self.script_dir:
            return {}
        base = os.path.join(os.path.abspath(self.script_dir), job_name)
        return {"stdout_path": base + ".stdout", "stderr_path": base + ".stderr"}

    def script(self, command, tasks_per_node):
        """The block's batch script: worker_init, PARSL_CORES, then the launcher."""
        lines = ["#!/bin/bash", self.worker_init]
        if self.cores_per_node is not None:
            lines.append(f"export PARSL_CORES={self.cores_per_node // max(tasks_per_node, 1)}")
        lines.append(self.launcher(command, tasks_per_node, self.nodes_per_block, self.script_dir or ""))
        return "\n".join(lines) + "\n"

    def jobspec(self, job, command, tasks_per_node, job_name):
        """The ``JobspecV1`` of one block (``job`` is the ``flux.job`` module)."""
        whole = self.exclusive or self.cores_per_node is None
        options = {
            "duration": None if self.walltime is None else walltime_seconds(self.walltime),
            "environment": {**os.environ, **(self.environment or {})},
            "cwd": os.getcwd(),
            "queue": self.queue,
            "bank": self.bank,
        }
        paths = self.output_paths(job_name)
        if paths:
            options["output"], options["error"] = paths["stdout_path"], paths["stderr_path"]
        script = self.script(command, tasks_per_node)
        if self.nested():
            spec = job.JobspecV1.from_batch_command(
                script,
                job_name,
                num_slots=self.nodes_per_block,
                cores_per_slot=self.cores_per_node or 1,
                gpus_per_slot=self.gpus_per_node,
                num_nodes=self.nodes_per_block,
                exclusive=whole,
                **options,
            )
        else:
            spec = job.JobspecV1.from_command(
                ["/bin/bash", "-c", script],
                cores_per_task=self.cores_per_node or 1,
                gpus_per_task=self.gpus_per_node,
                num_nodes=1,
                exclusive=whole,
                name=job_name,
                **options,
            )
        if isinstance(self.constraint, str):
            spec.apply_options(requires=[self.constraint])
        elif self.constraint is not None:
            spec.setattr("system.constraints", self.constraint)
        return spec

    def submit(self, command, tasks_per_node, job_name="parsl.flux"):
        """Submit one block running ``command``; return its Flux job id (f58).

        Raises Parsl's ``SubmitException`` with Flux's message when Flux
        refuses the job (an unknown queue, a malformed constraint, ...).
        """
        with self._lock:
            job, h = self._flux()
            try:
                spec = self.jobspec(job, command, tasks_per_node, job_name)
                jobid = job.JobID(job.submit(h, spec, urgency=self.urgency)).f58plain
            except (OSError, ValueError, TypeError) as exc:
                raise SubmitException(job_name, f"Flux refused the block: {exc}") from exc
        paths = self.output_paths(job_name)
        self.resources[jobid] = {"job_id": jobid, "status": JobStatus(JobState.PENDING, **paths), **paths}
        logger.debug("block %s is Flux job %s", job_name, jobid)
        return jobid

    def status(self, job_ids):
        """Parsl's ``JobStatus`` of each job, from Flux's job-list (terminal ones are kept).

        Only this provider's blocks are looked up: job-list's ``list-id``
        waits for a job id it has not seen yet rather than failing.
        """
        active = [j for j in job_ids if j in self.resources and not self.resources[j]["status"].terminal]
        if active:
            with self._lock:
                job, h = self._flux()
                # one request per job, all in flight at once
                futures = [job.job_list_id(h, job.JobID(j), attrs=ATTRS) for j in active]
                for jobid, future in zip(active, futures):
                    record = self.resources[jobid]
                    try:
                        info = future.get_jobinfo()
                    except OSError as exc:
                        # e.g. purged: Flux no longer knows the job
                        logger.warning("Flux job %s: %s", jobid, exc)
                        record["status"] = JobStatus(JobState.UNKNOWN, message=str(exc))
                        continue
                    record["status"] = job_status(info, record.get("stdout_path"), record.get("stderr_path"))
        return [self.resources[j]["status"] if j in self.resources else JobStatus(JobState.UNKNOWN) for j in job_ids]

    def cancel(self, job_ids):
        """Cancel each job (``flux cancel``); True where Flux accepted or the job had ended."""
        done = []
        with self._lock:
            job, h = self._flux()
            futures = [job.cancel_async(h, job.JobID(j)) for j in job_ids]
            for jobid, future in zip(job_ids, futures):
                try:
                    future.get()
                    done.append(True)
                except OSError as exc:
                    logger.debug("cancel %s: %s", jobid, exc)
                    # Flux's "job is inactive": nothing is left to cancel
                    done.append(exc.errno == errno.ENOENT and exc.strerror == "job is inactive")
        return done
