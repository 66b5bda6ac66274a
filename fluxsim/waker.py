"""A self-pipe: any thread can wake a thread blocked in a selector.

The broker thread (timers, task exits) and the output reader (task pipes)
each block in ``select``; a request or a new pipe from another thread
writes one byte here to make the select return.
"""

import os
import selectors

__all__ = ["Waker"]


class Waker:
    """The pipe, registered in ``selector`` with data ``None``."""

    def __init__(self, selector):
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        selector.register(self._read, selectors.EVENT_READ, None)

    def wake(self):
        """Make the selector return (from any thread)."""
        try:
            os.write(self._write, b"x")
        except OSError:  # full (a wake-up is pending anyway) or closed
            pass

    def drain(self):
        """Consume the wake-ups (the selector's thread, once it returned)."""
        try:
            os.read(self._read, 4096)
        except BlockingIOError:
            pass

    def close(self):
        """Close both ends (after the selector stopped watching)."""
        os.close(self._read)
        os.close(self._write)
