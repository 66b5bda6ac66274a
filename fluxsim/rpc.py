"""Broker services reached through ``Flux.rpc``: urgency, drain, undrain.

Only the services whose effect on scheduling fluxsim models are here; each
answers with the payload and errors flux-core 0.88 gives (``flux job
urgency``, ``flux resource drain`` and ``undrain`` send these requests).
"""

import errno

from fluxsim.future import Future
from fluxsim.resource import idset

__all__ = ["call", "TOPICS"]


def _urgency(inst, payload):
    # checks in job-manager urgency.c's order, with its messages
    urgency = payload.get("urgency")
    if not isinstance(urgency, int) or not 0 <= urgency <= 31:
        raise OSError(errno.EINVAL, "urgency value is out of range")
    job = inst.jobmanager.jobs.get(payload.get("id"))
    if job is None:
        raise OSError(errno.EINVAL, "unknown job")
    if not job.active:
        raise OSError(errno.EINVAL, "job is inactive")
    if job.R is not None:
        raise OSError(errno.EINVAL, "urgency cannot be changed once resources are allocated")
    old = job.urgency
    inst.jobmanager.set_urgency(job, urgency, inst.owner)
    return {"old_urgency": old}


def _targets(inst, payload):
    try:
        ranks = idset.decode(str(payload.get("targets", "")))
    except ValueError:
        raise OSError(errno.EINVAL, "invalid idset") from None
    size = inst.R.nnodes
    if any(r >= size for r in ranks):
        raise OSError(errno.EINVAL, "idset is out of range")
    return ranks


def _drain(inst, payload):
    ranks = _targets(inst, payload)
    for rank in ranks:
        if rank in inst.drained and payload.get("mode") is None:
            raise OSError(errno.EEXIST, f"rank {rank} already drained")
    for rank in ranks:
        inst.drained[rank] = payload.get("reason", "")
    inst.pool.mark_down(ranks)
    return None


def _undrain(inst, payload):
    ranks = _targets(inst, payload)
    for rank in ranks:
        if rank not in inst.drained:
            raise OSError(errno.EEXIST, f"rank {rank} not drained")
    for rank in ranks:
        del inst.drained[rank]
    inst.pool.mark_up(ranks)
    inst.request_schedule()
    return None


def _ping(inst, payload):
    reply = dict(payload)
    reply.update(route=inst.name, userid=inst.owner, rolemask=5, rank=0)
    return reply


TOPICS = {
    "broker.ping": _ping,
    "job-manager.urgency": _urgency,
    "resource.drain": _drain,
    "resource.undrain": _undrain,
}


def call(handle, topic, payload):
    """Serve ``topic`` on the handle's instance; returns a fulfilled Future."""
    future = Future(handle)
    inst = handle.instance
    with inst.operation():
        service = TOPICS.get(topic)
        if service is None:
            future.fulfill_error(OSError(errno.ENOSYS, "Function not implemented"))
            return future
        try:
            future.fulfill(service(inst, payload))
        except OSError as exc:
            future.fulfill_error(exc)
    return future
