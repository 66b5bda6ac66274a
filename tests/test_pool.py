"""The resource pool places jobs exactly as flux-core 0.88's Rv1Pool.

Expected values: flux-core's t/python/t0039-rv1pool.py and
t/t2300-sched-simple.t, the messages of flux/resource/Rv1Pool.py, and, for
random workloads, a plain sort-everything implementation of Rv1Pool's
algorithm written below (``ReferencePool``).
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxsim.resource import (
    InfeasibleRequest,
    InsufficientResources,
    Pool,
    ResourceCount,
    ResourceRequest,
    Rv1,
)

_UNSET = object()


def rr(
    nnodes=0,
    nslots=1,
    slot_size=1,
    gpu_per_slot=0,
    duration=0.0,
    constraint=None,
    exclusive=False,
    nnodes_max=_UNSET,
    nslots_max=_UNSET,
):
    """A request from flat counts, like t0039's ``rr()`` helper."""
    if nnodes_max is _UNSET:
        nnodes_max = nnodes
    if nslots_max is _UNSET:
        nslots_max = nslots
    if nnodes > 0:
        per_node = nslots // nnodes
        node_count = ResourceCount(nnodes, nnodes_max)
        slot_count = ResourceCount(per_node, per_node)
    else:
        node_count, slot_count = None, ResourceCount(nslots, nslots_max)
    return ResourceRequest(
        node_count, slot_count, slot_size, gpu_per_slot, duration, constraint, exclusive
    )


def R(ranks, cores, hosts, gpus=None, properties=None, expiration=0):
    children = {"core": cores}
    if gpus:
        children["gpu"] = gpus
    execution = {
        "R_lite": [{"rank": ranks, "children": children}],
        "starttime": 0,
        "expiration": expiration,
        "nodelist": [hosts],
    }
    if properties:
        execution["properties"] = properties
    return Rv1.from_dict({"version": 1, "execution": execution})


# t0039 fixtures
R_4x4 = R("0-3", "0-3", "node[0-3]")
R_2x2 = R("0-1", "0-1", "node[0-1]")
R_gpu = R("0-1", "0-3", "gpu[0-1]", gpus="0-1")
R_1gpu_per_node = R("0-1", "0-3", "gpu[0-1]", gpus="0")
R_props = R("0-3", "0-1", "node[0-3]", properties={"fast": "0-1", "slow": "2-3"})
R_issue2473 = Rv1.from_dict(
    {
        "version": 1,
        "execution": {
            "R_lite": [
                {"rank": "0", "children": {"core": "0-3"}},
                {"rank": "1-2", "children": {"core": "0-1"}},
            ],
            "nodelist": ["node0", "node1", "node2"],
        },
    }
)
R_uneven = Rv1.from_dict(
    {
        "version": 1,
        "execution": {
            "R_lite": [
                {"rank": "0", "children": {"core": "0-3"}},
                {"rank": "1", "children": {"core": "0-1"}},
            ],
            "nodelist": ["big", "small"],
        },
    }
)


def summaries(pool, requests):
    return [pool.alloc(jobid, request).dumps() for jobid, request in enumerate(requests, 1)]


# -- placement -----------------------------------------------------------------


def test_sched_simple_spreads_single_core_jobs():
    # t2300-sched-simple.t "check allocations for running jobs": 2 nodes x 2
    # cores, four 1-core jobs.
    pool = Pool(R_2x2)
    expected = ["rank0/core0", "rank1/core0", "rank0/core1", "rank1/core1"]
    assert summaries(pool, [rr()] * 4) == expected


def test_sched_simple_reuses_freed_core():
    # t2300: cancel job 3 (rank0/core1); the waiting job 5 gets rank0/core1.
    pool = Pool(R_2x2)
    summaries(pool, [rr()] * 4)
    with pytest.raises(InsufficientResources):
        pool.alloc(5, rr())
    pool.free(3)
    assert pool.alloc(5, rr()).dumps() == "rank0/core1"


def test_worst_fit_picks_larger_node():
    # t0039 TestRv1PoolWorstFit
    assert Pool(R_uneven).alloc(1, rr()).nodelist == ["big"]


def test_nnodes_spreads_across_nodes():
    # t0039 TestRv1PoolIssue2473.test_nnodes_spreads_across_nodes
    assert Pool(R_issue2473).alloc(1, rr(3, 3, 1)).dumps() == "rank[0-2]/core0"


def test_nnodes_reuses_partially_filled_node():
    # t0039 TestRv1PoolIssue2473.test_nnodes_reuses_partially_filled_node
    pool = Pool(R_issue2473)
    pool.alloc(1, rr(1, 1, 1))
    assert pool.alloc(2, rr(2, 2, 1)).dumps() == "rank0/core1 rank1/core0"


@pytest.mark.parametrize(
    "request_, ncores, nnodes",
    [
        # t0039 TestRv1PoolAlloc and TestRv1PoolExclusive
        (rr(0, 1, 1), 1, 1),
        (rr(0, 4, 2), 8, 2),
        (rr(2, 4, 1), 4, 2),
        (rr(1, 1, 1, exclusive=True), 4, 1),
    ],
    ids=["one slot", "multi-core slots", "two nodes", "exclusive node"],
)
def test_allocation_size(request_, ncores, nnodes):
    R = Pool(R_4x4).alloc(1, request_)
    assert (R.ncores, R.nnodes) == (ncores, nnodes)


def test_gpu_slots():
    # t0039 TestRv1PoolGPU.test_alloc_with_gpu
    R = Pool(R_gpu).alloc(1, rr(0, 2, 1, gpu_per_slot=1))
    assert (R.ncores, R.ngpus) == (2, 2)


def test_flux_observed_gpu_summary():
    # flux-core 0.88.0 on two 4-core 1-GPU nodes: after ``-N2 -n2`` took
    # core0 of both, ``-n1 -g1 --requires=host:node1`` got rank1/core0,gpu0
    # ... with the first job's cores on both ranks: core1.
    pool = Pool(R("0-1", "0-3", "node[0-1]", gpus="0"))
    pool.alloc(1, rr(2, 2, 1))
    R1 = pool.alloc(2, rr(0, 1, 1, gpu_per_slot=1, constraint={"hostlist": ["node1"]}))
    assert R1.dumps() == "rank1/core1,gpu0"


@pytest.mark.parametrize(
    "request_, nnodes, ncores",
    [
        # t0039 TestRangeAlloc
        (rr(nnodes=2, nslots=2, nnodes_max=4), 4, 4),
        (rr(nnodes=2, nslots=2, nnodes_max=3), 3, 3),
        (rr(nnodes=2, nslots=2, nnodes_max=8), 4, 4),
        (rr(nnodes=1, nslots=1, nnodes_max=None), 4, 4),
        (rr(nnodes=0, nslots=2, nslots_max=16), 4, 16),
        (rr(nnodes=0, nslots=2, nslots_max=6), 2, 6),
        (rr(nnodes=0, nslots=1, nslots_max=None), 4, 16),
    ],
)
def test_ranges_take_up_to_their_maximum(request_, nnodes, ncores):
    R = Pool(R_4x4).alloc(1, request_)
    assert (R.nnodes, R.ncores) == (nnodes, ncores)


def test_range_settles_for_its_minimum():
    # t0039 test_nnodes_bounded_range_min_satisfied
    pool = Pool(R_4x4)
    pool.mark_down("2-3")
    assert pool.alloc(1, rr(nnodes=2, nslots=2, nnodes_max=4)).nnodes == 2


def test_lowest_free_ids_are_taken():
    # Rv1Pool._select_resources takes sorted(free)[:n] of cores and GPUs.
    pool = Pool(R("0", "0-7", "n0", gpus="0-3"))
    pool.alloc(1, rr(0, 1, 1, gpu_per_slot=1))
    pool.alloc(2, rr(0, 1, 1, gpu_per_slot=1))
    pool.free(1)
    assert pool.alloc(3, rr(0, 2, 1, gpu_per_slot=1)).dumps() == "rank0/core[0,2],gpu[0,2]"


# -- the allocated R -----------------------------------------------------------


def test_nslots_is_the_allocated_slot_count():
    # t0039 test_nslots_stored_in_R and test_nslots_in_alloc_R
    R_ = Pool(R_4x4).alloc(1, rr(nnodes=2, nslots=2, nnodes_max=4))
    assert R_.to_dict()["execution"]["nslots"] == 4
    assert Pool(R_4x4).alloc(1, rr(0, 4, 1)).to_dict()["execution"]["nslots"] == 4


def test_allocation_has_nodelist():
    # t0039 test_alloc_result_has_nodelist
    assert Pool(R_4x4).alloc(1, rr()).to_dict()["execution"]["nodelist"] == ["node0"]


@pytest.mark.parametrize("prop, other", [("fast", "slow"), ("slow", "fast")])
def test_allocation_carries_its_ranks_properties(prop, other):
    # t0039 test_alloc_propagates_properties, test_alloc_excludes_unmatched_properties
    R = Pool(R_props).alloc(1, rr(constraint={"properties": [prop]}))
    assert prop in R.properties and other not in R.properties


def test_allocation_carries_scheduling_key():
    # t0039 test_scheduling_propagates_to_alloc
    rv1 = R("0-3", "0-3", "node[0-3]")
    rv1.scheduling = {"graph": {"nodes": [], "edges": []}}
    assert Pool(rv1).alloc(1, rr()).to_dict()["scheduling"] == rv1.scheduling


@pytest.mark.parametrize(
    "duration, pool_expiration, expiration",
    [
        # t0039 test_alloc_with_duration_records_end_time (and the two
        # following); sched-fifo stamps starttime=now and the same expiration.
        (3600.0, 0, 1000.0 + 3600.0),
        (0.0, 0, 0.0),
        (0.0, 9999.0, 9999.0),
        (60.0, 9999.0, 1060.0),
    ],
)
def test_expiration_and_end_time(duration, pool_expiration, expiration):
    pool = Pool(R("0-3", "0-3", "node[0-3]", expiration=pool_expiration))
    R_ = pool.alloc(1, rr(duration=duration), now=1000.0)
    assert (R_.starttime, R_.expiration) == (1000.0, expiration)
    assert pool.job_end_times() == [(1, expiration)]


# -- insufficient / infeasible --------------------------------------------------


U = "unsatisfiable request: need "
R_2x1gpu = R("0-1", "0-3", "node[0-1]", gpus="0")


@pytest.mark.parametrize(
    "rv1, request_, message",
    [
        # t2300 "unsatisfiable request is canceled" (-n1 -c3 on 2x2 cores)
        (
            R_2x2,
            rr(0, 1, 3),
            U + "1 slot(s) of 3 core(s), only 0 such slot(s) available (total cores: 4)",
        ),
        # t0039 test_nslots_exceeds_per_node_slot_capacity
        (
            R_2x2,
            rr(0, 5, 1),
            U + "5 slot(s) of 1 core(s), only 4 such slot(s) available (total cores: 4)",
        ),
        # t0039 test_nnodes_more_than_pool_eoverflow, test_nnodes_eoverflow
        (R_4x4, rr(5, 5, 1), U + "5 node(s) with 1 cores each, only 4 eligible"),
        (R_4x4, rr(2, 16, 4), U + "2 node(s) with 32 cores each, only 0 eligible"),
        # t0039 test_gpu_eoverflow_no_gpu_nodes
        (
            R_4x4,
            rr(0, 1, 1, gpu_per_slot=1),
            U + "1 slot(s) with 1 GPU(s) each, only 0 available (total GPUs: 0)",
        ),
        # t0039 test_gpu_per_slot_fits_total_but_not_per_node
        (
            R_1gpu_per_node,
            rr(0, 1, 1, gpu_per_slot=2),
            U + "1 slot(s) with 2 GPU(s) each, only 0 available (total GPUs: 2)",
        ),
        # the node and exclusive messages of Rv1Pool._check_feasibility
        (
            R_gpu,
            rr(1, 2, 1, gpu_per_slot=2),
            U + "1 node(s) with 2 cores and 4 GPUs each, only 0 eligible",
        ),
        (R_4x4, rr(8, 8, 1, exclusive=True), U + "8 exclusive node(s), only 4 eligible"),
        # t0039 test_property_constraint_eoverflow
        (
            R_props,
            rr(0, 10, 1, constraint={"properties": ["fast"]}),
            U + "10 slot(s) of 1 core(s), only 4 such slot(s) available (total cores: 4)",
        ),
        # flux-core 0.88.0 (flux submit -n3 -c1 -g1 on two 1-GPU nodes)
        (
            R_2x1gpu,
            rr(0, 3, 1, gpu_per_slot=1),
            U + "3 slot(s) with 1 GPU(s) each, only 2 available (total GPUs: 2)",
        ),
    ],
)
def test_infeasible_message(rv1, request_, message):
    with pytest.raises(InfeasibleRequest) as exc:
        Pool(rv1).alloc(1, request_)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    "request_, kind",
    [
        (ResourceRequest(ResourceCount(1, 4, (1, 2, 4)), ResourceCount(1, 1), 1), "node"),
        (ResourceRequest(None, ResourceCount(2, 8, (2, 4, 8)), 1), "slot"),
    ],
)
def test_discrete_counts_are_infeasible(request_, kind):
    # t0039 test_stepped_node_count_raises / test_stepped_slot_count_raises
    message = (
        f"{kind} count specifies discrete valid values that this scheduler does not "
        "support; use a simple min-max range instead"
    )
    with pytest.raises(InfeasibleRequest, match=message):
        Pool(R_4x4).alloc(1, request_)
    with pytest.raises(InfeasibleRequest, match=message):
        Pool(R_4x4).check_feasibility(request_)


def test_insufficient_when_exhausted():
    # t0039 test_enospc_when_exhausted
    pool = Pool(R_4x4)
    pool.alloc(1, rr(0, 16, 1))
    with pytest.raises(InsufficientResources, match="insufficient resources"):
        pool.alloc(2, rr())


def test_failed_alloc_changes_nothing():
    pool = Pool(R_4x4)
    pool.alloc(1, rr(0, 12, 1))
    generation = pool.generation
    with pytest.raises(InsufficientResources):
        pool.alloc(2, rr(0, 5, 1))
    assert (pool.generation, pool.ncores_free) == (generation, 4)


@pytest.mark.parametrize("error", [InsufficientResources, InfeasibleRequest])
def test_exceptions_are_oserrors(error):
    # ResourcePoolImplementation.py: both derive from OSError.
    assert issubclass(error, OSError)


def test_check_feasibility_ignores_allocations():
    # t0039 test_feasible_even_when_pool_exhausted
    pool = Pool(R_4x4)
    pool.alloc(1, rr(0, 16, 1))
    pool.check_feasibility(rr(0, 8, 1))


def test_check_feasibility_ignores_down_ranks():
    pool = Pool(R_4x4)
    pool.mark_down("all")
    pool.check_feasibility(rr(4, 4, 1))


# -- availability, jobs, copies ---------------------------------------------------


@pytest.mark.parametrize("ranks", ["0-1", [0, 1], range(2)])
def test_mark_down_skips_ranks(ranks):
    pool = Pool(R_4x4)
    pool.mark_down(ranks)
    assert pool.alloc(1, rr(2, 2, 1)).rank_idset() == "2-3"


def test_mark_down_all_then_up_one():
    # t0039 TestRv1PoolUpDown.test_mark_up_single
    pool = Pool(R_4x4)
    pool.mark_down("all")
    pool.mark_up("0")
    assert pool.alloc(1, rr()).dumps() == "rank0/core0"
    assert (pool.is_up(0), pool.is_up(1)) == (True, False)


def test_free_on_down_rank_returns_when_up():
    pool = Pool(R_4x4)
    pool.alloc(1, rr(1, 4, 1))
    pool.mark_down("0")
    pool.free(1)
    pool.mark_up("0")
    assert pool.ncores_free == 16


def test_free_is_tolerant():
    # t0039 test_free_tolerant
    pool = Pool(R_4x4)
    pool.alloc(1, rr())
    pool.free(1)
    pool.free(1)
    assert pool.ncores_free == 16


def test_update_expiration():
    # t0039 TestRv1PoolUpdateExpiration
    pool = Pool(R_4x4)
    pool.alloc(1, rr(duration=3600.0))
    pool.update_expiration(1, 9999.0)
    pool.update_expiration(999, 5000.0)
    assert pool.job_end_times() == [(1, 9999.0)]


def test_allocated_returns_the_allocation():
    pool = Pool(R_4x4)
    R_ = pool.alloc(7, rr())
    assert pool.allocated(7) is R_


def test_double_alloc_is_refused():
    pool = Pool(R_4x4)
    pool.alloc(1, rr())
    with pytest.raises(ValueError, match="already has an allocation"):
        pool.alloc(1, rr())


def test_copy_preserves_allocations():
    # t0039 TestRv1PoolCopy.test_copy_preserves_allocation
    pool = Pool(R_4x4)
    pool.alloc(1, rr(0, 4, 1))
    sim = pool.copy()
    with pytest.raises(InsufficientResources):
        sim.alloc(2, rr(0, 16, 1))
    assert sim.alloc(3, rr(0, 12, 1)).ncores == 12


def test_copy_is_independent():
    # t0039 TestRv1PoolCopy.test_copy_is_independent
    pool = Pool(R_4x4)
    pool.alloc(1, rr(0, 4, 1))
    sim = pool.copy()
    sim.free(1)
    sim.mark_down("3")
    assert (pool.ncores_free, pool.is_up(3)) == (12, True)


def test_counts():
    pool = Pool(R_gpu)
    pool.alloc(1, rr(0, 3, 1, gpu_per_slot=1))
    pool.mark_down("1")
    assert (pool.nnodes, pool.ncores, pool.ngpus) == (2, 8, 4)
    assert (pool.nnodes_up, pool.ncores_free, pool.ngpus_free) == (1, 2, 0)


def test_a_rank_without_free_cores_keeps_its_free_gpus_and_gets_them_back():
    # the rank leaves the walk's buckets while full, and returns when freed
    pool = Pool(Rv1.from_shape(1, 2, 2))
    pool.alloc(1, rr(0, 2, 1))
    assert (pool.ncores_free, pool.ngpus_free) == (0, 2)
    with pytest.raises(InsufficientResources):
        pool.alloc(2, rr(0, 1, 1, gpu_per_slot=1))
    pool.free(1)
    assert pool.alloc(2, rr(0, 1, 1, gpu_per_slot=2)).dumps() == "rank0/core0,gpu[0-1]"


def test_pool_accepts_r_dict():
    assert Pool(R_4x4.to_dict()).ncores == 16


# -- random workloads against a sort-everything reference -------------------------


class ReferencePool:
    """Rv1Pool's algorithm as flux-core 0.88 writes it: sort all ranks per alloc."""

    def __init__(self, rv1):
        self.rv1 = rv1
        self.free_cores = {r: set(i.cores) for r, i in rv1.ranks.items()}
        self.free_gpus = {r: set(i.gpus) for r, i in rv1.ranks.items()}
        self.up = {r: True for r in rv1.ranks}
        self.jobs = {}

    def allowed(self, req):
        if req.constraint is None:
            return set(self.rv1.ranks)
        return self.rv1.constraint_ranks(req.constraint)

    def alloc(self, jobid, req):
        allowed = self.allowed(req)
        candidates = []
        for rank, info in self.rv1.ranks.items():
            fc, fg = self.free_cores[rank], self.free_gpus[rank]
            need = len(info.cores) if req.exclusive else req.slot_size
            if not self.up[rank] or len(fc) < need or len(fg) < req.gpu_per_slot:
                continue
            if rank in allowed:
                candidates.append(rank)
        candidates.sort(
            key=lambda r: (len(self.free_cores[r]), len(self.free_gpus[r])), reverse=True
        )
        taken = {}
        if req.nnodes > 0:
            per_node = req.nslots // req.nnodes
            for rank in candidates:
                if req.nnodes_max is not None and len(taken) >= req.nnodes_max:
                    break
                fc, fg = sorted(self.free_cores[rank]), sorted(self.free_gpus[rank])
                if req.exclusive:
                    if len(fc) < len(self.rv1.ranks[rank].cores):
                        continue
                    taken[rank] = (fc, fg)
                else:
                    ncores, ngpus = per_node * req.slot_size, per_node * req.gpu_per_slot
                    if len(fc) >= ncores and len(fg) >= ngpus:
                        taken[rank] = (fc[:ncores], fg[:ngpus])
            if len(taken) < req.nnodes:
                self.feasibility(req)
                raise InsufficientResources("insufficient resources")
            nslots = per_node * len(taken)
        else:
            nslots = 0
            for rank in candidates:
                if req.nslots_max is not None and nslots >= req.nslots_max:
                    break
                fc, fg = sorted(self.free_cores[rank]), sorted(self.free_gpus[rank])
                fit = len(fc) // req.slot_size
                if req.gpu_per_slot:
                    fit = min(fit, len(fg) // req.gpu_per_slot)
                if req.nslots_max is not None:
                    fit = min(fit, req.nslots_max - nslots)
                if fit > 0:
                    taken[rank] = (fc[: fit * req.slot_size], fg[: fit * req.gpu_per_slot])
                    nslots += fit
            if nslots < req.nslots:
                self.feasibility(req)
                raise InsufficientResources("insufficient resources")
        for rank, (cores, gpus) in taken.items():
            self.free_cores[rank] -= set(cores)
            self.free_gpus[rank] -= set(gpus)
        self.jobs[jobid] = taken
        return {rank: (sorted(c), sorted(g)) for rank, (c, g) in sorted(taken.items())}, nslots

    def feasibility(self, req):
        allowed = self.allowed(req)
        infos = [i for r, i in self.rv1.ranks.items() if r in allowed]
        ss, gps = req.slot_size, req.gpu_per_slot
        if req.exclusive:
            n = sum(1 for i in infos if len(i.cores) >= ss and len(i.gpus) >= gps)
            need = max(req.nnodes, 1)
            if n < need:
                raise InfeasibleRequest(f"{U}{need} exclusive node(s), only {n} eligible")
        elif req.nnodes > 0:
            per = req.nslots // req.nnodes
            n = sum(1 for i in infos if len(i.cores) >= per * ss and len(i.gpus) >= per * gps)
            if n < req.nnodes:
                g = f" and {per * gps} GPUs" if per * gps else ""
                raise InfeasibleRequest(
                    f"{U}{req.nnodes} node(s) with {per * ss} cores{g} each, only {n} eligible"
                )
        else:
            n = sum(len(i.cores) // ss for i in infos)
            if n < req.nslots:
                total = sum(len(i.cores) for i in infos)
                raise InfeasibleRequest(
                    f"unsatisfiable request: need {req.nslots} slot(s) of {ss} core(s), "
                    f"only {n} such slot(s) available (total cores: {total})"
                )
            if gps:
                n = sum(min(len(i.cores) // ss, len(i.gpus) // gps) for i in infos)
                if n < req.nslots:
                    total = sum(len(i.gpus) for i in infos)
                    raise InfeasibleRequest(
                        f"unsatisfiable request: need {req.nslots} slot(s) with {gps} GPU(s) each, "
                        f"only {n} available (total GPUs: {total})"
                    )

    def free(self, jobid):
        for rank, (cores, gpus) in self.jobs.pop(jobid, {}).items():
            self.free_cores[rank] |= set(cores)
            self.free_gpus[rank] |= set(gpus)


@st.composite
def resource_sets(draw):
    nranks = draw(st.integers(1, 10))
    ranks = sorted(draw(st.sets(st.integers(0, 20), min_size=nranks, max_size=nranks)))
    shape = st.tuples(st.sampled_from([1, 2, 3, 4, 8]), st.integers(0, 2))
    shapes = draw(st.lists(shape, min_size=1, max_size=3))
    R_lite = []
    for rank in ranks:
        cores, gpus = draw(st.sampled_from(shapes))
        children = {"core": f"0-{cores - 1}" if cores > 1 else "0"}
        if gpus:
            children["gpu"] = f"0-{gpus - 1}" if gpus > 1 else "0"
        R_lite.append({"rank": str(rank), "children": children})
    fast = draw(st.sets(st.sampled_from(ranks)))
    execution = {"R_lite": R_lite, "nodelist": [",".join(f"n{r}" for r in ranks)]}
    if fast:
        execution["properties"] = {"fast": ",".join(map(str, sorted(fast)))}
    return Rv1.from_dict({"version": 1, "execution": execution})


@st.composite
def requests(draw):
    exclusive = draw(st.booleans())
    slot_size = draw(st.sampled_from([1, 1, 2, 3, 4, 8]))
    gpus = draw(st.sampled_from([0, 0, 1, 2]))
    constraint = draw(
        st.sampled_from(
            [
                None,
                None,
                None,
                {"properties": ["fast"]},
                {"not": [{"properties": ["fast"]}]},
                {"hostlist": ["n[0-5]"]},
            ]
        )
    )
    if draw(st.booleans()):
        nnodes = draw(st.integers(1, 4))
        per_node = draw(st.integers(1, 3))
        nmax = draw(st.sampled_from([nnodes, nnodes, nnodes + 2, None]))
        return rr(nnodes, nnodes * per_node, slot_size, gpus, 0.0, constraint, exclusive, nmax)
    nslots = draw(st.integers(1, 12))
    smax = draw(st.sampled_from([nslots, nslots, nslots + 5, None]))
    return rr(0, nslots, slot_size, gpus, 0.0, constraint, exclusive, nslots_max=smax)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("alloc"), requests()),
        st.tuples(st.just("free"), st.integers(1, 30)),
        st.tuples(st.just("down"), st.lists(st.integers(0, 20), max_size=3)),
        st.tuples(st.just("up"), st.lists(st.integers(0, 20), max_size=3)),
    ),
    max_size=40,
)


def outcome(fn):
    try:
        return fn()
    except (InsufficientResources, InfeasibleRequest) as exc:
        return type(exc).__name__, str(exc)


@settings(max_examples=300, deadline=None)
@given(rv1=resource_sets(), ops=operations)
def test_placement_identical_to_reference(rv1, ops):
    pool, ref = Pool(rv1), ReferencePool(rv1)
    jobid = 0
    for op, arg in ops:
        if op == "alloc":
            jobid += 1

            def ours(jobid=jobid, arg=arg):
                R_ = pool.alloc(jobid, arg)
                placement = {r: (sorted(i.cores), sorted(i.gpus)) for r, i in R_.ranks.items()}
                return placement, R_.nslots

            assert outcome(ours) == outcome(lambda jobid=jobid, arg=arg: ref.alloc(jobid, arg))
        elif op == "free":
            pool.free(arg)
            ref.free(arg)
        else:
            ranks = [r for r in arg if r in rv1.ranks]
            getattr(pool, f"mark_{op}")(ranks)
            for r in ranks:
                ref.up[r] = op == "up"
    assert pool.ncores_free == sum(len(c) for r, c in ref.free_cores.items() if ref.up[r])


@settings(max_examples=50, deadline=None)
@given(rv1=resource_sets(), ops=operations)
def test_copy_behaves_as_original(rv1, ops):
    pool = Pool(rv1)
    jobid = 0
    for op, arg in ops[: len(ops) // 2]:
        if op == "alloc":
            jobid += 1
            outcome(lambda: pool.alloc(jobid, arg))
        elif op == "free":
            pool.free(arg)
    sim = pool.copy()
    for op, arg in ops[len(ops) // 2 :]:
        if op == "alloc":
            jobid += 1
            a = outcome(lambda: pool.alloc(jobid, arg).dumps())
            b = outcome(lambda: sim.alloc(jobid, arg).dumps())
            assert a == b
        elif op == "free":
            pool.free(arg)
            sim.free(arg)

