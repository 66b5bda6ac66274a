"""resource: ``drain``, ``undrain`` and ``status``, as the resource module answers."""

import errno

from fluxsim.resource import idset

__all__ = ["TOPICS", "drain_info"]


def _targets(inst, payload):
    # the range is checked by the resource status, for every caller
    try:
        return list(idset.decode(str(payload.get("targets", ""))))
    except ValueError:
        raise OSError(errno.EINVAL, "invalid idset") from None


def _drain(inst, request):
    payload = request.payload
    ranks = _targets(inst, payload)
    reason = payload.get("reason", "")
    if not isinstance(reason, str):
        raise OSError(errno.EPROTO, "Protocol error")
    overwrite = payload.get("mode") is not None
    if inst.resources.drain(ranks, reason, inst.timestamp(), overwrite=overwrite):
        inst.request_schedule()
    return None


def _undrain(inst, request):
    if inst.resources.undrain(_targets(inst, request.payload)):
        inst.request_schedule()
    return None


def drain_info(drained):
    """``{idset: {"timestamp", "reason"}}``: drained ranks grouped by when and why."""
    groups = {}
    for rank, (timestamp, reason) in sorted(drained.items()):
        groups.setdefault((round(timestamp), reason), []).append(rank)
    return {
        idset.encode(ranks): {"timestamp": float(t), "reason": reason}
        for (t, reason), ranks in groups.items()
    }


def _status(inst, request):
    offline = sorted(inst.resources.offline)
    online = [r for r in range(inst.R.nnodes) if r not in inst.resources.offline]
    R = inst.R.to_dict()
    R.pop("scheduling", None)
    return {
        "R": R,
        "drain": drain_info(inst.resources.drained),
        "online": idset.encode(online),
        "offline": idset.encode(offline),
        "exclude": "",
        "torpid": "",
    }


def union(Rs):
    """One R holding every rank, core and GPU of the R sets ``Rs``."""
    from fluxsim.resource.rv1 import RankInfo, Rv1

    merged = {}
    for R in Rs:
        for info in R.ranks.values():
            host, cores, gpus = merged.get(info.rank, (info.hostname, frozenset(), frozenset()))
            merged[info.rank] = (host, cores | info.cores, gpus | info.gpus)
    return Rv1(RankInfo(rank, host, cores, gpus) for rank, (host, cores, gpus) in merged.items())


def _allocated(inst):
    """The resources of the active jobs, as one R."""
    return union(job.R for job in inst.jobmanager.jobs.values()
                 if job.active and job.R is not None)


def _down_ranks(inst):
    """The ranks offline or drained, in order."""
    return sorted(set(inst.resources.offline) | set(inst.resources.drained))


def _fluxion_R(R):
    """An R as Fluxion's resource-status writes it: whole-second times,
    ``nodelist`` before them, and null for an empty set."""
    if not R.ranks:
        return None
    out = R.to_dict()
    execution = out["execution"]
    out["execution"] = {"R_lite": execution["R_lite"], "nodelist": execution["nodelist"],
                        "starttime": 0, "expiration": 0}
    return out


def _sched_status(inst, request):
    """``sched.resource-status``: all, allocated and down R, as ``flux resource list``
    reads it, in the form the instance's scheduler writes (recorded, flux-core
    0.88.0 and flux-sched 0.54.0: sched-simple leaves ``nodelist`` out of the
    allocated and down sets; Fluxion writes null for an empty one)."""
    allocated = _allocated(inst)
    down = _down_ranks(inst)
    down = inst.R.copy_ranks(down) if down else union([])
    if inst.scheduler_name == "fluxion":
        return {"all": _fluxion_R(inst.R), "down": _fluxion_R(down),
                "allocated": _fluxion_R(allocated)}
    allocated.has_nodelist = down.has_nodelist = False
    return {"all": inst.R.to_dict(), "allocated": allocated.to_dict(),
            "down": down.to_dict()}


def _resource_sched_status(inst, request):
    """``resource.sched-status``: what ``sched.resource-status`` answers, as the
    resource module computes it (``flux resource list`` asks it first): in
    librlist's form, every set with its nodelist and properties, ``allocated``
    from the job manager's view of the jobs."""
    from fluxsim.resource.rlist import to_R
    from fluxsim.resource.rv1 import Rv1

    # the inventory (R as librlist wrote it), read back as the resource module does
    inventory = Rv1.from_dict(to_R(inst.R))
    all_R = to_R(inventory)
    down = _down_ranks(inst)
    allocated = _allocated(inst)
    ranks = set(allocated.ranks)
    allocated.properties = {name: members & ranks
                            for name, members in Rv1.from_dict(all_R).properties.items()
                            if members & ranks}
    return {"all": all_R, "down": to_R(inventory.copy_ranks(down)),
            "allocated": to_R(allocated)}


TOPICS = {
    "resource.sched-status": _resource_sched_status,
    "sched.resource-status": _sched_status,
    "resource.drain": _drain,
    "resource.status": _status,
    "resource.undrain": _undrain,
}
