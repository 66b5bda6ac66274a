"""Eventlog entries (RFC 18) as Flux's Python bindings present them.

An eventlog is a list of ``{"timestamp", "name", "context"}`` entries; each job
has a main eventlog (RFC 21) and an exec eventlog.  :class:`EventLogEvent` is a
dict with attribute access, so code that handles flux's events handles ours.
"""

import json

__all__ = ["EventLogEvent"]


class EventLogEvent(dict):
    """One eventlog entry: a dict with ``name``, ``timestamp`` and ``context``."""

    def __init__(self, event):
        if isinstance(event, str):
            event = json.loads(event)
        super().__init__(event)
        if "context" not in self:
            self["context"] = {}

    def __str__(self):
        return "{0.timestamp:<0.5f}: {0.name} {0.context}".format(self)

    @property
    def name(self):
        """The event name, e.g. ``"alloc"``."""
        return self["name"]

    @property
    def timestamp(self):
        """Seconds since the epoch (real clock) or since start (virtual clock)."""
        return self["timestamp"]

    @property
    def context(self):
        """The event's context object (empty dict when it has none)."""
        return self["context"]

    @property
    def context_string(self):
        """The context as compact, key-sorted JSON, as ``flux job eventlog`` prints it."""
        if not self.context:
            return ""
        return json.dumps(
            self.context, ensure_ascii=False, separators=(",", ":"), sort_keys=True
        )
