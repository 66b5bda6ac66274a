"""Errors worded as flux's ``flux.wrapper`` words a failing libflux C call.

flux-core's Python bindings call C libraries (libidset, libhostlist, ...)
through a wrapper that turns a failure's errno into ``OSError(errno,
"ENAME: strerror")``; fluxsim's pure-Python versions of those calls raise
the same:

>>> raise error(errno.EINVAL)
Traceback (most recent call last):
...
OSError: [Errno 22] EINVAL: Invalid argument
"""

import errno
import os

__all__ = ["error"]


def error(errnum):
    """The OSError (FileNotFoundError for ENOENT, ...) flux raises for C errno ``errnum``."""
    return OSError(errnum, f"{errno.errorcode[errnum]}: {os.strerror(errnum)}")
