"""The services a simulated broker answers, by Flux's topic names (RFC 6 requests).

Each module is one Flux service (job-ingest, job-manager, job-info,
job-list, resource, the broker's own).  A handler takes the instance and a
:class:`~fluxsim.services.request.Request` (lock held) and returns the
response payload, or ``DEFERRED`` when it answers later; an ``OSError``
it raises is the error response.  In-process handles and client
connections reach the same handlers through :func:`serve`, so there is one
implementation of every rule, whatever the transport.
"""

import errno
import functools
import importlib

from fluxsim.services.request import DEFERRED, Request, Sender

__all__ = ["topics", "serve", "Request", "Sender", "DEFERRED"]

_MODULES = ("broker", "info", "ingest", "joblist", "journal", "kvs", "manager", "module",
            "queue", "resource")


@functools.cache
def topics():
    """Topic -> handler, over every service module (loaded on first use: a
    client process imports :mod:`fluxsim.services.request` only)."""
    table = {}
    for name in _MODULES:
        table.update(importlib.import_module(f"fluxsim.services.{name}").TOPICS)
    return table


def serve(inst, request):
    """Answer ``request`` on ``inst`` (lock held): ENOSYS for an unknown
    topic, EPROTO for a payload that is no JSON object or has a field of the
    wrong type."""
    service = topics().get(request.topic)
    try:
        if service is None:
            raise OSError(errno.ENOSYS, f"No service matching {request.topic} is registered")
        if not isinstance(request.payload, dict):
            raise OSError(errno.EPROTO, "Protocol error")
        response = service(inst, request)
    except OSError as exc:
        request.error(exc.errno, exc.strerror)
    except (TypeError, ValueError, AttributeError, KeyError):  # a field of the wrong type
        request.error(errno.EPROTO, "Protocol error")
    else:
        if response is not DEFERRED:
            request.finish(response)
