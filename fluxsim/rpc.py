"""Broker services reached through ``Flux.rpc``: urgency, drain, undrain, purge.

Only the services whose effect on scheduling fluxsim models are here; each
answers with the payload and errors flux-core 0.88 gives (``flux job
urgency``, ``flux resource drain`` and ``undrain`` send these requests).
"""

import errno
import json

from fluxsim.future import Future
from fluxsim.jobmanager import PURGE_BATCH_MAX
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
    # the range is checked by the resource status, for every caller
    try:
        return list(idset.decode(str(payload.get("targets", ""))))
    except ValueError:
        raise OSError(errno.EINVAL, "invalid idset") from None


def _drain(inst, payload):
    ranks = _targets(inst, payload)
    reason = payload.get("reason", "")
    if not isinstance(reason, str):
        raise OSError(errno.EPROTO, "Protocol error")
    overwrite = payload.get("mode") is not None
    if inst.resources.drain(ranks, reason, inst.timestamp(), overwrite=overwrite):
        inst.request_schedule()
    return None


def _undrain(inst, payload):
    if inst.resources.undrain(_targets(inst, payload)):
        inst.request_schedule()
    return None


def _purge(inst, payload):
    # job-manager purge.c's checks, in its order, with its messages
    try:
        age, num, batch, force = (payload[k] for k in ("age_limit", "num_limit", "batch", "force"))
    except KeyError:
        raise OSError(errno.EPROTO, "Protocol error") from None
    numbers = (int, float)
    if (
        not isinstance(age, numbers) or isinstance(age, bool)
        or any(not isinstance(v, int) or isinstance(v, bool) for v in (num, batch))
        or not isinstance(force, bool)
    ):
        raise OSError(errno.EPROTO, "Protocol error")
    if age != -1 and age < 0:
        raise OSError(errno.EINVAL, "if set, age limit must be >= 0")
    if num != -1 and num < 0:
        raise OSError(errno.EINVAL, "if set, num limit must be >= 0")
    if not 1 <= batch <= PURGE_BATCH_MAX:
        raise OSError(errno.EINVAL, f"batch must be >= 1 and <= {PURGE_BATCH_MAX}")
    age = None if age == -1 else float(age)
    num = None if num == -1 else num
    manager = inst.jobmanager
    if not force:
        return {"count": manager.purge_count(age, num)}
    return {"count": len(manager.purge(age, num, batch))}


def _ping(inst, payload):
    reply = dict(payload)
    reply.update(route=inst.name, userid=inst.owner, rolemask=5, rank=0)
    return reply


TOPICS = {
    "broker.ping": _ping,
    "job-manager.purge": _purge,
    "job-manager.urgency": _urgency,
    "resource.drain": _drain,
    "resource.undrain": _undrain,
}


def _decode(topic, payload):
    """Topic and payload as Flux's ``rpc`` takes them: str or bytes; a dict,
    a JSON string, or None.  A payload that is no JSON object is EPROTO."""
    if isinstance(topic, bytes):
        topic = topic.decode("utf-8", "replace")
    if payload is None:
        payload = {}
    elif isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload) if payload else {}
        except ValueError:
            payload = None
    return topic, payload if isinstance(payload, dict) else None


def call(handle, topic, payload):
    """Serve ``topic`` on the handle's instance; returns a fulfilled Future."""
    future = Future(handle)
    inst = handle.instance
    topic, payload = _decode(topic, payload)
    with inst.operation():
        service = TOPICS.get(topic)
        if service is None:
            future.fulfill_error(OSError(errno.ENOSYS, "Function not implemented"))
            return future
        try:
            if payload is None:
                raise OSError(errno.EPROTO, "Protocol error")
            future.fulfill(service(inst, payload))
        except OSError as exc:
            future.fulfill_error(exc)
        except (TypeError, ValueError, AttributeError):  # a field of the wrong type
            future.fulfill_error(OSError(errno.EPROTO, "Protocol error"))
    return future
