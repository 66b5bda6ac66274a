"""Scheduling policies: which pending job gets resources next, and where.

Every policy is a :class:`~fluxsim.scheduler.base.Scheduler` (RFC 27's
alloc / cancel / prioritize / free / resource_update, and a ``schedule``
pass), driven the same way by the live instance and by the trace replay.
Placement (which ranks and ids) is the resource pool's, identical to
flux-core 0.88's ``Rv1Pool``; a policy decides the order in which jobs are
tried and which may start now.

- ``fifo``: flux-core 0.88 ``sched-simple`` (= ``sched-fifo``): priority, then
  submit order; the head of the queue blocks everyone behind it.
- ``backfill``: flux-core 0.88 ``sched-backfill`` (EASY backfill).
- ``conservative``: a reservation for every queued job, as Fluxion's
  conservative queue policy.
"""

from fluxsim.scheduler.backfill import BackfillScheduler
from fluxsim.scheduler.base import Scheduler
from fluxsim.scheduler.conservative import ConservativeScheduler
from fluxsim.scheduler.fifo import FIFOScheduler

__all__ = ["Scheduler", "FIFOScheduler", "BackfillScheduler", "ConservativeScheduler",
           "POLICIES", "make_scheduler"]

POLICIES = {
    cls.name: cls for cls in (FIFOScheduler, BackfillScheduler, ConservativeScheduler)
}


def make_scheduler(policy, host, R, **params):
    """The scheduler for ``policy`` (a name from :data:`POLICIES`) on ``host``, over ``R``.

    ``params`` are the policy's tunables (``queue_depth`` where it has one).
    """
    try:
        cls = POLICIES[policy]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown scheduling policy {policy!r}; valid policies: "
            + ", ".join(sorted(POLICIES))
        ) from None
    return cls(host, R, **params)
