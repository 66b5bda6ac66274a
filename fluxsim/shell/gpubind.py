"""GPU binding: the GPUs each task sees through ``CUDA_VISIBLE_DEVICES``.

The shell's ``gpu-affinity`` option (default ``on``) gives every task all the
GPUs of its rank, or ``-1`` when the rank has none, so a job without GPUs
cannot use a node's GPUs by accident.  ``per-task`` hands each local task
``ngpus // ntasks`` GPUs, lowest ids first (so with more tasks than GPUs each
task gets none and an empty ``CUDA_VISIBLE_DEVICES``; flux-shell-options(5)
says tasks would share, but 0.88's code does this).  ``map:LIST`` takes
explicit sets as ``cpu-affinity=map:`` does, and ``off`` sets nothing.

>>> from types import SimpleNamespace
>>> rank = SimpleNamespace(ntasks=2, gpu_ids=(0, 1, 2, 3))
>>> cuda_visible_devices(rank)
['0,1,2,3', '0,1,2,3']
>>> cuda_visible_devices(rank, {"gpu-affinity": "per-task"})
['0,1', '2,3']
>>> cuda_visible_devices(SimpleNamespace(ntasks=1, gpu_ids=()))
['-1']
"""

from .affinity import parse_cpuset_list

__all__ = ["cuda_visible_devices", "gpu_affinity", "gpu_affinity_option"]


def gpu_affinity_option(options):
    """The ``gpu-affinity`` policy from shell ``options`` (default ``on``)."""
    opt = (options or {}).get("gpu-affinity", "on")
    return opt if isinstance(opt, str) else "on"


def gpu_affinity(rank, options=None):
    """GPU ids each local task of ``rank`` is given, or ``None`` when off.

    Returns one tuple per local task, in local id order.
    """
    opt = gpu_affinity_option(options)
    if opt == "off":
        return None
    if rank.ntasks <= 0:
        return []
    if opt == "per-task":
        per_task = len(rank.gpu_ids) // rank.ntasks
        ids = list(rank.gpu_ids)
        return [tuple(ids[i * per_task:(i + 1) * per_task]) for i in range(rank.ntasks)]
    if opt.startswith("map:"):
        return parse_cpuset_list(opt[4:], rank.ntasks)
    return [tuple(rank.gpu_ids)] * rank.ntasks


def cuda_visible_devices(rank, options=None):
    """``CUDA_VISIBLE_DEVICES`` of each local task of ``rank``, or ``None``.

    A comma list (never ranges), ``"-1"`` for the shared set of a rank
    without GPUs, ``""`` for a per-task/map task given no GPU.
    """
    opt = gpu_affinity_option(options)
    sets = gpu_affinity(rank, options)
    if sets is None:
        return None
    if opt == "per-task" or opt.startswith("map:"):
        return [",".join(str(i) for i in s) for s in sets]
    shared = ",".join(str(i) for i in rank.gpu_ids) or "-1"
    return [shared] * rank.ntasks
