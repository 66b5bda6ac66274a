"""The broker's own services: ``broker.ping``, ``attr.*``, ``config.get``/``config.load``, ``log.append``,
``state-machine.wait``, ``shutdown.start``, and the routing of a request by node id.

Broker attributes follow the broker's attribute table (flux-core
``src/broker/attr.c``): a name must be registered to be set; a *runtime*
attribute may be updated, any other only set once; an *immutable* one
can be neither updated nor removed.  The attributes fluxsim computes
(``size``, ``rank``, ``local-uri``, ``version``, ...) exist from the start
and cannot be removed (flux lets ``version`` and ``rundir`` go).
"""

import errno
import fnmatch

from fluxsim.constants import FLUX_NODEID_ANY
from fluxsim.services import serve
from fluxsim.services.request import DEFERRED

__all__ = ["TOPICS", "route"]

_IMMUTABLE, _RUNTIME = "immutable", "runtime"

#: registered attribute name (or glob) -> its flags, as the broker's table has them
_ATTRS = {
    **dict.fromkeys(
        (
            "rank", "size", "rundir-cleanup", "statedir-cleanup", "security.owner",
            "local-uri", "parent-uri", "instance-level", "jobid", "jobid-path",
            "parent-kvs-namespace", "hostlist", "hostname", "broker.mapping",
            "broker.critical-ranks", "broker.boot-method", "broker.pid", "broker.quorum",
            "broker.quorum-warn", "broker.shutdown-warn", "broker.shutdown-timeout",
            "broker.starttime", "broker.sd-stop-timeout", "broker.uuid", "config.path",
            "log-ring-size", "log-forward-level", "log-critical-level",
            "log-syslog-enable", "log-syslog-level", "log-stderr-mode", "log-level",
            "content.hash", "test-im.*",
        ),
        {_IMMUTABLE},
    ),
    **dict.fromkeys(
        (
            "broker.exit-restart", "broker.module-nopanic", "conf.shell_initrc",
            "conf.shell_pluginpath", "log-stderr-level", "content.dump", "content.restore",
            "test.*", "test-rd.*",
        ),
        {_RUNTIME},
    ),
    **dict.fromkeys(("tbon.interface-hint", "vendor.*"), {_RUNTIME, _IMMUTABLE}),
    **dict.fromkeys(
        (
            "version", "rundir", "statedir", "broker.cleanup-timeout",
            "broker.unload-builtins-timeout", "broker.rc1_path", "broker.rc3_path",
            "broker.rc2_none", "broker.rc2_pgrp", "broker.sd-notify",
            "broker.exit-norestart", "broker.recovery-mode", "tbon.topo",
            "tbon.descendants", "tbon.level", "tbon.maxlevel", "tbon.endpoint",
            "tbon.parent-endpoint", "tbon.zmqdebug", "tbon.zmq_io_threads",
            "tbon.child_rcvhwm", "tbon.prefertcp", "tbon.torpid_min", "tbon.torpid_max",
            "tbon.tcp_user_timeout", "tbon.connect_timeout", "log-filename",
            "content.backing-module", "cron.directory", "test-ro.*", "test-nr.*",
            "tbon.fanout",
        ),
        set(),
    ),
}


def _registered(name):
    """The flags of attribute ``name``; None if it is not registered."""
    for pattern, flags in _ATTRS.items():
        if fnmatch.fnmatchcase(name, pattern):
            return flags
    return None


def _immutable(name):
    return _IMMUTABLE in (_registered(name) or ())


def _name(request):
    name = request.payload.get("name")
    if not isinstance(name, str):
        raise OSError(errno.EPROTO, "Protocol error")
    return name


def route(inst, request, nodeid=FLUX_NODEID_ANY):
    """Serve ``request`` sent to ``nodeid``: every rank of a fluxsim instance is
    its one broker, so any rank of the instance answers; rank 0 has no
    upstream (``FLUX_NODEID_UPSTREAM``), and there is no route to a rank past
    the instance's size."""
    if nodeid != FLUX_NODEID_ANY and nodeid >= inst.R.nnodes:
        request.error(errno.EHOSTUNREACH)
        return
    serve(inst, request)


def _ping(inst, request):
    reply = dict(request.payload)
    reply.update(route=inst.name, userid=request.userid, rolemask=5, rank=request.rank)
    return reply


def _attr_get(inst, request):
    name = _name(request)
    value = str(request.rank) if name == "rank" else inst.attributes().get(name)
    if value is None:
        raise OSError(errno.ENOENT, "No such file or directory")
    return {"value": value, "flags": int(_immutable(name))}


def _attr_set(inst, request):
    name, value = _name(request), request.payload.get("value")
    if not isinstance(value, str):
        raise OSError(errno.EPROTO, "Protocol error")
    flags = _registered(name)
    if flags is None:
        raise OSError(errno.ENOENT, "unknown attribute")
    if name in inst.attributes():
        if _RUNTIME not in flags and not request.payload.get("force"):
            raise OSError(errno.EINVAL, "attribute may not be updated")
        if _immutable(name):
            raise OSError(errno.EPERM, "Operation not permitted")
    inst.attrs[name] = value
    return None


def _attr_rm(inst, request):
    name = _name(request)
    if name in inst.attributes():
        if _immutable(name) or name not in inst.attrs:  # fluxsim computes the latter
            raise OSError(errno.EPERM, "Operation not permitted")
        del inst.attrs[name]
    return None


def _attr_list(inst, request):
    return {"names": sorted(inst.attributes())}


def _config_get(inst, request):
    return inst.conf


def _config_load(inst, request):
    # flux's config.load replaces the whole configuration with the payload
    inst.conf = request.payload
    return None


def _state_machine_wait(inst, request):
    # flux's answers once the broker's state machine has reached RUN (rc1
    # done); an instance that serves requests is there
    return None


def _shutdown_start(inst, request):
    # a fluxsim start broker stops (see fluxsim.broker); an instance that a
    # Python program started is that program's to stop
    if inst.shutdown_hook is None:
        raise OSError(errno.ENOSYS, "Function not implemented")
    inst.shutdown_hook(request)
    return DEFERRED


def _log(inst, request):
    inst.log(request.payload)
    return DEFERRED  # log.append has no response


TOPICS = {
    "attr.get": _attr_get,
    "attr.list": _attr_list,
    "attr.rm": _attr_rm,
    "attr.set": _attr_set,
    "broker.ping": _ping,
    "config.get": _config_get,
    "config.load": _config_load,
    "log.append": _log,
    "shutdown.start": _shutdown_start,
    "state-machine.wait": _state_machine_wait,
}
