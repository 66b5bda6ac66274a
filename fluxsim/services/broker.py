"""The broker's own services: ``broker.ping``, ``attr.get``/``attr.list``, ``config.get``, ``log.append``."""

import errno

from fluxsim.services.request import DEFERRED

__all__ = ["TOPICS"]


def _ping(inst, request):
    reply = dict(request.payload)
    reply.update(route=inst.name, userid=request.userid, rolemask=5, rank=0)
    return reply


def _attr_get(inst, request):
    name = request.payload.get("name")
    if not isinstance(name, str):
        raise OSError(errno.EPROTO, "Protocol error")
    value = inst.attributes().get(name)
    if value is None:
        raise OSError(errno.ENOENT, "No such file or directory")
    return {"name": name, "value": value, "flags": 0}


def _attr_list(inst, request):
    return {"names": sorted(inst.attributes())}


def _config_get(inst, request):
    return inst.conf


def _log(inst, request):
    inst.log(request.payload)
    return DEFERRED  # log.append has no response


TOPICS = {
    "attr.get": _attr_get,
    "attr.list": _attr_list,
    "broker.ping": _ping,
    "config.get": _config_get,
    "log.append": _log,
}
