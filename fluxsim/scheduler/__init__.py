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
- ``fluxion``: Fluxion (flux-sched 0.54), its match policy and queue policy
  read from the instance's ``[sched-fluxion-resource]`` and
  ``[sched-fluxion-qmanager]`` tables (:mod:`fluxsim.fluxion`).

Which one an instance runs is chosen as ``flux start`` chooses its
scheduler module: :func:`choose`.
"""

from fluxsim.scheduler.backfill import BackfillScheduler
from fluxsim.scheduler.base import Scheduler
from fluxsim.scheduler.conservative import ConservativeScheduler
from fluxsim.scheduler.fifo import FIFOScheduler

__all__ = ["Scheduler", "FIFOScheduler", "BackfillScheduler", "ConservativeScheduler",
           "POLICIES", "SCHEDULERS", "DEFAULT_SCHEDULER", "FLUXION", "choose", "make_scheduler"]

POLICIES = {
    cls.name: cls for cls in (FIFOScheduler, BackfillScheduler, ConservativeScheduler)
}


#: The scheduler "policy" that is Fluxion (its queue policy is configured).
FLUXION = "fluxion"
#: Schedulers ``fluxsim.start(scheduler=...)`` knows: Fluxion and flux-core's own.
SCHEDULERS = (FLUXION, "sched-simple")
#: What ``flux start`` loads when flux-sched is installed, as on production
#: systems: Fluxion's modules outrank sched-simple.
DEFAULT_SCHEDULER = FLUXION
#: ``modules.alternatives.sched`` values -> (scheduler, policy).
_MODULES = {
    "sched-simple": ("sched-simple", "fifo"),
    "sched-fifo": ("sched-simple", "fifo"),
    "sched-backfill": ("sched-simple", "backfill"),
    "sched-fluxion-qmanager": (FLUXION, None),
}


def _alternative(conf):
    modules = (conf or {}).get("modules")
    alternatives = modules.get("alternatives") if isinstance(modules, dict) else None
    if not isinstance(alternatives, dict) or "sched" not in alternatives:
        return None
    module = alternatives["sched"]
    if module not in _MODULES:
        raise ValueError(
            f"modules.alternatives.sched: unknown scheduler module {module!r}; "
            f"valid modules: {', '.join(_MODULES)}"
        )
    return _MODULES[module]


def choose(scheduler=None, policy=None, conf=None):
    """``(scheduler, policy)`` for an instance, as ``flux start`` picks its module.

    ``scheduler`` (``fluxion`` or ``sched-simple``) wins; else the config's
    ``modules.alternatives.sched``; else a sched-simple ``policy`` means
    sched-simple; else :data:`DEFAULT_SCHEDULER`.  The policy of Fluxion is
    :data:`FLUXION` (its queue policy comes from the config).
    """
    if scheduler is not None and scheduler not in SCHEDULERS:
        raise ValueError(
            f"unknown scheduler {scheduler!r}; valid schedulers: {', '.join(SCHEDULERS)}")
    if scheduler is None:
        alternative = _alternative(conf)
        if alternative is not None:
            scheduler = alternative[0]
            policy = policy if policy is not None else alternative[1]
        elif policy is not None and policy != FLUXION:
            scheduler = "sched-simple"
        else:
            scheduler = DEFAULT_SCHEDULER
    if scheduler == FLUXION:
        if policy not in (None, FLUXION):
            raise ValueError(
                f"policy {policy!r} is a sched-simple policy; Fluxion's queue policy is "
                "set by [sched-fluxion-qmanager] queue-policy (fcfs, easy, hybrid, conservative)"
            )
        return FLUXION, FLUXION
    if policy == FLUXION:
        raise ValueError("policy 'fluxion' needs scheduler='fluxion'")
    return "sched-simple", policy if policy is not None else "fifo"


def make_scheduler(policy, host, R, conf=None, **params):
    """The scheduler for ``policy`` on ``host``, over ``R``.

    ``policy`` is a name from :data:`POLICIES`, or :data:`FLUXION` (then
    ``conf``, the instance configuration, sets its match and queue
    policies).  ``params`` are the policy's tunables (``queue_depth`` where
    it has one).
    """
    if policy == FLUXION:
        from fluxsim.fluxion.qmanager import FluxionScheduler

        return FluxionScheduler(host, R, conf=conf, **params)
    try:
        cls = POLICIES[policy]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown scheduling policy {policy!r}; valid policies: "
            + ", ".join(sorted([*POLICIES, FLUXION]))
        ) from None
    return cls(host, R, **params)
