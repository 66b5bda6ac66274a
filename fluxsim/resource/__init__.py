"""Resources: idsets, hostlists, R version 1, jobspec requests and the pool.

One module per concept, as in flux-core's ``flux.idset``, ``flux.hostlist``
and ``flux.resource``:

- ``idset``: RFC 22 id sets (``"0-3,5"``), and int bitmask helpers;
- ``hostlist``: RFC 29 host lists (``"node[0-3]"``);
- ``rv1``: ``Rv1``, an R version 1 resource set (RFC 20);
- ``resourceset``: ``ResourceSet``, flux's Python face of an R (set algebra,
  properties, constraints) over an ``Rv1``; ``rv1set``: ``Rv1Set``, flux's
  implementation-class interface to the same;
- ``list``: ``resource_list``, the scheduler's all/down/allocated sets;
- ``report``: ``resource_status``, per-rank states as ``flux resource
  status`` reports them (``flux.resource.status``);
- ``status``: the instance's own drain and offline bookkeeping;
- ``request``: ``ResourceRequest``, what a jobspec asks for;
- ``pool``: ``Pool``, the scheduler's view of free resources and where jobs go.

Names load on first use (light code paths import ``fluxsim.resource.idset``).
"""

from fluxsim.lazy import exports

_WHERE = {
    "InfeasibleRequest": "fluxsim.resource.pool",
    "InsufficientResources": "fluxsim.resource.pool",
    "Pool": "fluxsim.resource.pool",
    "RankInfo": "fluxsim.resource.rv1",
    "ResourceCount": "fluxsim.resource.request",
    "ResourceRequest": "fluxsim.resource.request",
    "ResourceSet": "fluxsim.resource.resourceset",
    "ResourceStatus": "fluxsim.resource.report",
    "Rv1": "fluxsim.resource.rv1",
    "Rv1Set": "fluxsim.resource.rv1set",
    "SchedResourceList": "fluxsim.resource.list",
    "resource_list": "fluxsim.resource.list",
    "resource_status": "fluxsim.resource.report",
}

__all__ = [*sorted(_WHERE), "hostlist", "idset"]

__getattr__, __dir__ = exports(__name__, _WHERE, globals())
