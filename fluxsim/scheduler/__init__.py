"""Scheduling policies: which pending job gets resources next, and where.

Placement (which ranks and ids) is the resource pool's, identical to flux-core
0.88's ``Rv1Pool``; a policy only decides the order in which jobs are tried.

- ``fifo``: flux-core 0.88 ``sched-simple`` (= ``sched-fifo``): priority, then
  submit order; the head of the queue blocks everyone behind it.
- ``backfill``: flux-core 0.88 ``sched-backfill`` (EASY backfill).
- ``conservative``: a reservation for every queued job, as Fluxion's
  conservative queue policy.
"""

from fluxsim.scheduler.fifo import FIFOScheduler

__all__ = ["FIFOScheduler", "POLICIES", "make_scheduler"]

POLICIES = {"fifo": FIFOScheduler}


def _load_optional():
    try:
        from fluxsim.scheduler.backfill import BackfillScheduler

        POLICIES["backfill"] = BackfillScheduler
    except ImportError:  # pragma: no cover - present in a full install
        pass
    try:
        from fluxsim.scheduler.conservative import ConservativeScheduler

        POLICIES["conservative"] = ConservativeScheduler
    except ImportError:  # pragma: no cover
        pass


_load_optional()


def make_scheduler(policy, instance):
    """The scheduler for ``policy`` (a name from :data:`POLICIES`)."""
    try:
        cls = POLICIES[policy]
    except KeyError:
        raise ValueError(
            f"unknown scheduling policy {policy!r}; valid policies: "
            + ", ".join(sorted(POLICIES))
        ) from None
    return cls(instance)
