"""What libflux checks before a request leaves: a handle, not a null pointer.

flux.job's and flux.kvs' functions call libflux (libjob, libkvs) through
cffi, and libflux fails a call on a NULL handle with EINVAL before anything
is sent.  In pure Python a null pointer is ``None``, so ``ffi.NULL`` is
``None``, and every ``fluxsim.job`` and ``fluxsim.kvs`` request goes through
:func:`send`, which applies that check once for all of them.
"""

import errno

from fluxsim import rpc
from fluxsim.future import Future

__all__ = ["ffi", "send"]


class _FFI:
    """The one cffi name programs use from ``flux.job``: ``ffi.NULL``."""

    NULL = None


#: ``flux.job.ffi`` (``from flux.job import ffi``; ``ffi.NULL``)
ffi = _FFI()


def send(handle, topic, payload=None, future=Future):
    """:func:`fluxsim.rpc.send` into ``future(handle)`` (a Future class, or any
    callable making one), after libjob's check of the handle."""
    if handle is None:
        raise OSError(errno.EINVAL, "EINVAL: Invalid argument")
    return rpc.send(handle, topic, payload, future(handle))
