"""Resources: idsets, hostlists, R version 1, jobspec requests and the pool.

One module per concept, as in flux-core's ``flux.idset``, ``flux.hostlist``
and ``flux.resource``:

- ``idset``: RFC 22 id sets (``"0-3,5"``), and int bitmask helpers;
- ``hostlist``: RFC 29 host lists (``"node[0-3]"``);
- ``rv1``: ``Rv1``, an R version 1 resource set (RFC 20);
- ``resourceset``: ``ResourceSet``, flux's Python face of an R (set algebra,
  properties, constraints) over an ``Rv1``;
- ``request``: ``ResourceRequest``, what a jobspec asks for;
- ``pool``: ``Pool``, the scheduler's view of free resources and where jobs go.
"""

from fluxsim.resource import hostlist, idset
from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources, Pool
from fluxsim.resource.request import ResourceCount, ResourceRequest
from fluxsim.resource.resourceset import ResourceSet
from fluxsim.resource.rv1 import RankInfo, Rv1

__all__ = [
    "InfeasibleRequest",
    "InsufficientResources",
    "Pool",
    "RankInfo",
    "ResourceCount",
    "ResourceRequest",
    "ResourceSet",
    "Rv1",
    "hostlist",
    "idset",
]
