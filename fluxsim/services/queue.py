"""job-manager's queue administration: ``queue-list``, ``queue-status``,
``queue-enable``, ``queue-start`` (``flux queue``), and ``alloc-query``.

Payloads, checks and messages are flux-core 0.88's (job-manager queue.c):
a request for no queue acts on the anonymous queue, or, where named
queues are configured, on all of them only if it says ``all``.
"""

import errno

__all__ = ["TOPICS"]

_TYPES = {"s": str, "b": bool}


def _unpack(payload, spec):
    """``{key: (kind, required)}`` of ``payload`` as jansson unpacks it: a
    missing required key or a value of the wrong type is EPROTO."""
    values = {}
    for key, (kind, required) in spec.items():
        if key not in payload:
            if required:
                raise OSError(errno.EPROTO, "Protocol error")
            values[key] = None
        elif not isinstance(payload[key], _TYPES[kind]):
            raise OSError(errno.EPROTO, "Protocol error")
        else:
            values[key] = payload[key]
    return values


def _targets(table, name, all_queues):
    if name is None and table.named and not all_queues:
        raise OSError(errno.EINVAL, "Use --all to apply this command to all queues")
    return table.targets(name)


def _queue_list(inst, request):
    return {"queues": inst.jobmanager.queues.names}


def _queue_status(inst, request):
    name = _unpack(request.payload, {"name": ("s", False)})["name"]
    return inst.jobmanager.queues.lookup(name).status()


def _queue_enable(inst, request):
    args = _unpack(request.payload, {"name": ("s", False), "enable": ("b", True),
                                     "reason": ("s", False), "all": ("b", True)})
    if not args["enable"] and args["reason"] is None:
        raise OSError(errno.EINVAL, "reason is required for disable")
    for queue in _targets(inst.jobmanager.queues, args["name"], args["all"]):
        if args["enable"]:
            queue.enable()
        else:
            queue.disable(args["reason"])
    return None


def _queue_start(inst, request):
    # nocheckpoint only matters across a restart, which fluxsim has not
    args = _unpack(request.payload, {"name": ("s", False), "start": ("b", True),
                                     "reason": ("s", False), "all": ("b", True),
                                     "nocheckpoint": ("b", False)})
    manager = inst.jobmanager
    for queue in _targets(manager.queues, args["name"], args["all"]):
        if args["start"]:
            manager.start_queue(queue)
        else:
            manager.stop_queue(queue, args["reason"])
    return None


def _alloc_query(inst, request):
    _active, running, pending = inst.jobmanager.counts()
    # every allowed request goes to the scheduler at once: none waits to be sent
    return {"queue_length": 0, "alloc_pending": pending, "running": running}


TOPICS = {
    "job-manager.alloc-query": _alloc_query,
    "job-manager.queue-enable": _queue_enable,
    "job-manager.queue-list": _queue_list,
    "job-manager.queue-start": _queue_start,
    "job-manager.queue-status": _queue_status,
}
