"""Abstract bases flux-core 0.88 offers for clients of its journal services (``flux.abc``)."""

from fluxsim.abc.journal import JournalConsumerBase, JournalEventBase

__all__ = ["JournalConsumerBase", "JournalEventBase"]
