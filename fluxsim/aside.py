"""Work done aside: a function run in a forked child while the caller goes on.

``fluxsim simulate`` writes one CSV row a job, a tenth of the whole command
on a large trace, while it works out the summary and draws the plots: on a
machine of two cores that is time saved.  Where ``os.fork`` is missing, or
other threads run (a fork copies the calling thread alone), the function
runs in line, before the caller's work.
"""

import contextlib
import os
import pickle
import sys
import threading

__all__ = ["aside"]


@contextlib.contextmanager
def aside(function, *args, **kwargs):
    """Run ``function(*args, **kwargs)`` while the ``with`` body runs.

    On leaving, the child is waited for, and what it raised is raised (the
    exception itself, pickled), unless the body raised first.
    """
    if not hasattr(os, "fork") or threading.active_count() > 1:
        function(*args, **kwargs)
        yield
        return
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the child's copy of what is buffered is lost with it
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(read_end, write_end, function, args, kwargs)
    os.close(write_end)
    try:
        yield
    finally:
        with os.fdopen(read_end, "rb") as pipe:
            raised = pipe.read()
        _, status = os.waitpid(pid, 0)
    if raised:
        raise pickle.loads(raised)
    if status:
        raise OSError(f"{getattr(function, '__name__', function)} ended with wait status {status}")


def _child(read_end, write_end, function, args, kwargs):
    """The forked side: run, report what was raised, and end without the
    parent's exit handlers (they are the parent's to run)."""
    status = 1
    try:
        os.close(read_end)
        try:
            function(*args, **kwargs)
            status = 0
        except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
            try:
                raised = pickle.dumps(exc)
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                raised = pickle.dumps(OSError(f"{type(exc).__name__}: {exc}"))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(raised)
    finally:
        os._exit(status)
