"""R as Fluxion's match writers write it (``rv1_nosched``, ``rv1``, ``rv1_shorthand``).

It differs from sched-simple's R in ways a client can see:

- no ``nslots``; ``starttime`` and ``expiration`` are whole seconds;
- ranks with identical children share one R_lite entry, and the entries are
  ordered by the text of their children (``{"core": "1-2"}`` before
  ``{"core": "2"}``), not by rank;
- ``nodelist`` is one hostlist of every host, in rank order;
- ``rv1`` and ``rv1_shorthand`` add the allocation as a JSON Graph
  (``scheduling``): cores and GPUs, then their node, then the cluster.
"""

import json

from fluxsim.resource import hostlist, idset
from fluxsim.resource.rv1 import Rv1

__all__ = ["FluxionR"]


class FluxionR(Rv1):
    """An allocation's R, written as Fluxion writes it."""

    def _fluxion_groups(self):
        groups = {}
        for rank, info in self.ranks.items():
            children = {"core": idset.encode(info.cores)}
            if info.gpus:
                children["gpu"] = idset.encode(info.gpus)
            text = json.dumps(children)
            groups.setdefault(text, (children, []))[1].append(rank)
        return [groups[text] for text in sorted(groups)]

    def to_dict(self):
        R_lite = [
            {"rank": idset.encode(ranks), "children": children}
            for children, ranks in self._fluxion_groups()
        ]
        execution = {
            "R_lite": R_lite,
            "nodelist": [hostlist.encode(self.nodelist)],
        }
        if self.properties:
            execution["properties"] = {
                name: idset.encode(members)
                for name, members in sorted(self.properties.items())
                if members
            }
        execution["starttime"] = self.starttime
        execution["expiration"] = self.expiration
        R = {"version": 1, "execution": execution}
        if self.scheduling:
            R["scheduling"] = self.scheduling
        return R


def jgf(pool, selected, exclusive_nodes, shorthand=False, named=False):
    """The ``scheduling`` key of ``rv1``/``rv1_shorthand``: the allocation as a JSON Graph.

    Vertices leaves first (a node's GPUs, then its cores), then the node,
    then the cluster; one containment edge from each parent to each child.
    ``shorthand``: a node allocated whole stands for its children.
    ``named``: the graph carries ``writer`` (Fluxion's shorthand writer adds
    it from the first whole node it abbreviates on, to every later R).
    """
    topo = pool._topo
    vertices, edges = [], []
    cluster = pool.cluster_name

    def vertex(uniq, kind, vid, rank, path, exclusive):
        meta = {"type": kind, "id": vid, "rank": rank, "paths": {"containment": path}}
        if exclusive:
            meta["exclusive"] = True
        vertices.append({"id": str(uniq), "metadata": meta})

    for pos, cores, gpus in sorted(selected):
        rank = topo.rank[pos]
        host = topo.hostname[pos]
        node_uniq = pool.uniq[pos]
        whole = pos in exclusive_nodes
        if not (shorthand and whole):
            for kind, mask, first in (("gpu", gpus, node_uniq + 1),
                                      ("core", cores, node_uniq + 1 + topo.ngpus[pos])):
                for i, vid in enumerate(idset.from_mask(topo.gpus[pos] if kind == "gpu"
                                                        else topo.cores[pos])):
                    if mask >> vid & 1:
                        uniq = first + i
                        vertex(uniq, kind, vid, rank, f"/{cluster}/{host}/{kind}{vid}", True)
                        edges.append({"source": str(node_uniq), "target": str(uniq)})
        vertex(node_uniq, "node", pool.node_id[pos], rank, f"/{cluster}/{host}", whole)
        edges.append({"source": "0", "target": str(node_uniq)})
    vertex(0, "cluster", 0, -1, f"/{cluster}", False)
    graph = {"graph": {"nodes": vertices, "edges": edges}}
    if named:
        graph["writer"] = "fluxion:jgf_shorthand"
    return graph
