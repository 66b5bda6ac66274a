"""The job shell: how flux-core 0.88 lays out a job's tasks and their environment.

In Flux a job shell runs on each node of a job.  From the job's R and jobspec
it decides how many tasks each node runs (rcalc), which global task ids they
get (the RFC 34 taskmap), which cores and GPUs they are bound to, and what
environment they start with.  This package computes all of that for every
node at once, so fluxsim reports what real Flux would, without running a
shell.  One module per concept, named after flux-core's src/shell files:

- ``rcalc``: task distribution over R (``Rcalc``, ``format_rcalc``)
- ``jobspec``: what the shell reads from jobspec (``ShellJobspec``)
- ``taskmap``: RFC 34 task maps and the ``taskmap`` option (``Taskmap``)
- ``info``: the whole plan (``shell_info`` -> ``ShellInfo`` of ``ShellRank``)
- ``affinity``, ``gpubind``: per-task cores and GPUs (reported, never applied)
- ``environ``: each task's environment (``task_environment``)
- ``mustache``: ``{{id}}``-style templates in output paths and env-expand

>>> R = {"version": 1, "execution": {"R_lite": [
...     {"rank": "0-1", "children": {"core": "0-3", "gpu": "0-1"}}]}}
>>> info = shell_info(R, ntasks=4)
>>> info.taskmap.dumps()
'{"version":1,"map":[[0,2,2,1]]}'
>>> env = task_environment({}, "ƒ2", info, 3, rundir="/run/flux")
>>> env["FLUX_TASK_RANK"], env["FLUX_TASK_LOCAL_ID"], env["CUDA_VISIBLE_DEVICES"]
('3', '1', '0,1')
"""

from .affinity import cpu_affinity
from .environ import job_tmpdir, local_uri, shell_environment, task_environment
from .gpubind import cuda_visible_devices, gpu_affinity
from .info import ShellInfo, ShellRank, shell_info
from .jobspec import ShellJobspec
from .rcalc import Rcalc, RcalcRankInfo, format_rcalc
from .taskmap import Taskmap

__all__ = [
    "Rcalc",
    "RcalcRankInfo",
    "ShellInfo",
    "ShellJobspec",
    "ShellRank",
    "Taskmap",
    "cpu_affinity",
    "cuda_visible_devices",
    "format_rcalc",
    "gpu_affinity",
    "job_tmpdir",
    "local_uri",
    "shell_environment",
    "shell_info",
    "task_environment",
]
