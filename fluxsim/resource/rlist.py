"""R as flux-core's C library librlist writes it (``rlist_to_R``).

The resource module answers in librlist's form, not Python's: an empty set
still has ``nodelist: [""]``, and properties come in the order of
librlist's hash tables (a ``zhashx`` per node, then one over all nodes
walked in rank order), not sorted as Python's ``Rv1Set`` writes them.
``flux resource list`` prints properties in the order it receives them::

    >>> from fluxsim.resource.rv1 import Rv1
    >>> R = Rv1.from_config([{"hosts": "n[0-1]", "cores": "0"},
    ...                      {"hosts": "n0", "properties": ["debug"]},
    ...                      {"hosts": "n1", "properties": ["batch", "bigmem"]}])
    >>> list(to_R(R)["execution"]["properties"])
    ['bigmem', 'debug', 'batch']
"""

from fluxsim import zhashx
from fluxsim.resource import hostlist

__all__ = ["to_R", "properties_order"]


def properties_order(properties):
    """``properties`` (``{name: ranks}``, in the order librlist read them) in the
    order librlist walks them: each rank's names in its own hash order, the
    new ones added, rank by rank, to a hash over all of them."""
    by_rank = {}
    for name, ranks in properties.items():
        for rank in ranks:
            by_rank.setdefault(rank, []).append(name)
    names = {}
    for rank in sorted(by_rank):
        names.update(dict.fromkeys(zhashx.order(by_rank[rank])))
    return {name: properties[name] for name in zhashx.order(list(names))}


def to_R(R):
    """The R version 1 dict of :class:`Rv1` ``R`` as ``rlist_to_R`` makes it
    (no ``scheduling`` key)."""
    out = R.to_dict()
    out.pop("scheduling", None)
    execution = out["execution"]
    execution["nodelist"] = [hostlist.encode(R.nodelist)]
    if "properties" in execution:
        properties = {name: ranks for name, ranks in R.properties.items() if ranks}
        execution["properties"] = {name: execution["properties"][name]
                                   for name in properties_order(properties)}
    return out
