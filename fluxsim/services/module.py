"""``module.list``: the broker modules an instance runs, as flux-core 0.88 lists them.

fluxsim has no modules; it answers with those a ``flux start`` of flux-core
0.88 loads on rank 0 (recorded), with the instance's scheduler among them:
Fluxion's three (``sched-fluxion-qmanager`` serves ``sched``), or
sched-simple (``sched-backfill`` under the backfill policy, and fluxsim's own
``sched-conservative`` under conservative).  A tool that asks which scheduler
an instance runs (``flux module list | grep sched``) gets its answer.  Every
module is running and never idle; each path is ``builtin``, as fluxsim loads
no DSO.
"""

from fluxsim.scheduler import FLUXION

__all__ = ["TOPICS", "modules"]

#: flux-core 0.88's modules other than the scheduler's: name -> the services it
#: registers besides its own name (recorded with ``module.list``)
_CORE = {
    "config": [], "connector-local": [], "content": [], "content-sqlite": ["content-backing"],
    "cron": [], "groups": [], "heartbeat": [], "job-exec": [], "job-info": [],
    "job-ingest": [], "job-list": [], "job-manager": [], "kvs": [], "kvs-watch": [],
    "overlay": [], "resource": [], "rexec": [],
}
#: the scheduler's modules and their services, in the order of the services' names
_FLUXION = {
    "sched-fluxion-feasibility": ["feasibility", "sched-fluxion-feasibility"],
    "sched-fluxion-qmanager": ["sched-fluxion-qmanager", "sched"],
    "sched-fluxion-resource": ["sched-fluxion-resource"],
}
_SCHED_SIMPLE = {"fifo": "sched-simple", "backfill": "sched-backfill",
                 "conservative": "sched-conservative"}


def modules(inst):
    """``{module name: its services}`` of ``inst``."""
    found = {name: [name, *services] for name, services in _CORE.items()}
    if inst.scheduler_name == FLUXION:
        found.update(_FLUXION)
    else:
        name = _SCHED_SIMPLE[inst.policy]
        found[name] = [name, "feasibility", "sched"]
    return found


def _list(inst, request):
    return {"mods": [{"name": name, "path": "builtin", "idle": 0, "status": 1,
                      "services": services, "sendqueue": 0, "recvqueue": 0}
                     for name, services in modules(inst).items()]}


TOPICS = {"module.list": _list}
