"""The job shell's view of a job: its ranks, their tasks, and the taskmap.

``shell_info()`` runs the job shell's start-up planning for every rank at
once, in flux-core's order: read jobspec against R, distribute tasks with
rcalc (or per-resource), build the block taskmap, apply the ``taskmap`` shell
option, then trim the spare slot of an uneven jobspec v1 split (flux-core
#7174).  Each ``ShellRank`` is what one job shell knows about its node.

>>> R = {"version": 1, "execution": {"R_lite": [
...     {"rank": "0-1", "children": {"core": "0-3"}}]}}
>>> info = shell_info(R, ntasks=6)
>>> [(r.rank, r.taskids) for r in info.ranks]
[(0, (0, 1, 2)), (1, (3, 4, 5))]
>>> info.taskmap.dumps()
'{"version":1,"map":[[0,2,3,1]]}'
>>> info.task(4)[1]
1
"""

import dataclasses

from fluxsim.resource import idset

from .jobspec import ShellJobspec
from .rcalc import Rcalc
from .taskmap import Taskmap, remap

__all__ = ["ShellInfo", "ShellRank", "shell_info"]


@dataclasses.dataclass(frozen=True)
class ShellRank:
    """One job shell: a broker rank of the job and the tasks it runs.

    ``nodeid`` is the shell rank (index in the job), ``rank`` the broker
    rank.  ``taskids`` are the global task ids it runs, in local id order.
    ``cores``/``gpus`` are the idset strings rcalc reports (after any trim),
    ``core_ids``/``gpu_ids`` the same as tuples; ``ncores`` is the allocated
    count.  ``hostname`` is ``None`` when R did not name the node.
    """

    nodeid: int
    rank: int
    hostname: str | None
    ntasks: int
    taskids: tuple
    ncores: int
    cores: str
    gpus: str
    core_ids: tuple
    gpu_ids: tuple

    def rank_info(self):
        """The shell's rank info object (``flux_shell_get_rank_info()``)."""
        return {
            "id": self.nodeid,
            "name": self.hostname,
            "broker_rank": self.rank,
            "ntasks": self.ntasks,
            "taskids": idset.encode(self.taskids),
            "resources": {"ncores": self.ncores, "cores": self.cores, "gpus": self.gpus},
        }


@dataclasses.dataclass(frozen=True)
class ShellInfo:
    """The task layout of a whole job, as its shells compute it.

    ``ranks`` holds one ``ShellRank`` per nodeid.  ``options`` are the shell
    options (``attributes.system.shell.options``), ``jobspec`` the parsed
    ``ShellJobspec`` when one was given.
    """

    ranks: tuple
    taskmap: Taskmap
    total_ntasks: int
    options: dict
    jobspec: ShellJobspec | None = None
    #: global task id -> (index in ranks, local id), for ``task()``
    _tasks: dict = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def size(self):
        """Number of shells (nodes) in the job: ``FLUX_JOB_NNODES``."""
        return len(self.ranks)

    def rank(self, broker_rank):
        """The ``ShellRank`` on broker rank ``broker_rank`` (``KeyError``)."""
        for r in self.ranks:
            if r.rank == broker_rank:
                return r
        raise KeyError(broker_rank)

    def task(self, taskid):
        """``(ShellRank, local id)`` of global task ``taskid`` (``KeyError``)."""
        if not self._tasks:
            for i, r in enumerate(self.ranks):
                for local_id, t in enumerate(r.taskids):
                    self._tasks[t] = (i, local_id)
        i, local_id = self._tasks[taskid]
        return self.ranks[i], local_id


def _wants_adjust(js, total_ntasks):
    # flux applies the #7174 trim this narrowly (shell.c).
    return (
        js is not None
        and js.version == 1
        and not js.node_exclusive
        and js.per_resource is None
        and js.node_count > 1
        and js.slot_count > total_ntasks
    )


def shell_info(R, jobspec=None, *, ntasks=None, cores_per_slot=0,
               per_resource=None, options=None):
    """Plan the tasks of a job on allocation ``R`` like flux's job shells.

    Give either ``jobspec`` (an RFC 14/25 dict: task count, slots, shell
    options all come from it) or ``ntasks`` (with optional ``cores_per_slot``,
    as rcalc's ``-c``).  ``per_resource=("node"|"core", count)`` and
    ``options`` override what the jobspec says.  Raises ``ValueError`` with
    the shell's message wherever flux's shell would fail to start, and
    ``OSError(EINVAL)`` when rcalc cannot distribute the tasks.
    """
    rcalc = Rcalc(R)
    js = None
    if jobspec is not None:
        js = ShellJobspec.parse(jobspec, rcalc)
        if ntasks is None:
            ntasks = js.task_count
            cores_per_slot = js.cores_per_slot
        if per_resource is None and js.per_resource is not None:
            per_resource = (js.per_resource, js.per_resource_count)
        if options is None:
            options = js.options
    options = dict(options or {})
    if per_resource is not None:
        rcalc.distribute_per_resource(*per_resource)
    elif ntasks is None:
        raise TypeError("shell_info() needs a jobspec or ntasks")
    else:
        rcalc.distribute(ntasks, cores_per_slot)

    taskmap = Taskmap.block([ri.ntasks for ri in rcalc])
    taskmap = remap(taskmap, options.get("taskmap"))
    rcalc.update_map(taskmap)
    if _wants_adjust(js, rcalc.total_ntasks):
        rcalc.normalize_resources_per_task(js.cores_per_slot, js.gpus_per_slot)

    ranks = tuple(
        ShellRank(
            nodeid=ri.nodeid,
            rank=ri.rank,
            hostname=ri.hostname,
            ntasks=ri.ntasks,
            taskids=tuple(taskmap.taskids(ri.nodeid)),
            ncores=ri.ncores,
            cores=ri.cores,
            gpus=ri.gpus,
            core_ids=ri.core_ids,
            gpu_ids=ri.gpu_ids,
        )
        for ri in rcalc
    )
    return ShellInfo(
        ranks=ranks,
        taskmap=taskmap,
        total_ntasks=rcalc.total_ntasks,
        options=options,
        jobspec=js,
    )
