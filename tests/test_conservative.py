"""ConservativeScheduler: a reservation for every queued job (Fluxion's conservative).

Hand-worked on 2 nodes x 4 cores.  A (4 cores, 10 s) runs on rank 0; the
head B needs 6 cores, so it is reserved at 10 (4 cores of rank 0 and 2 of
rank 1, by worst-fit).  A 2-core job C with a long limit fits beside that
reservation: conservative starts it now, EASY (which only backfills jobs
that end by the shadow) makes it wait.  A 3-core C would overlap B's
reservation: both policies make it wait.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluxsim.resource.pool import InsufficientResources, Pool
from fluxsim.resource.request import ResourceCount, ResourceRequest
from fluxsim.resource.rv1 import Rv1
from fluxsim.scheduler import POLICIES
from fluxsim.scheduler.conservative import ConservativeScheduler, place
from fluxsim.trace import TraceJob, Workload, jobspec, replay


def job(name, cores, limit, run, submit=0.0):
    spec = jobspec(ncores=cores, duration=limit, run_duration=run, name=name)
    return TraceJob(name, submit, spec, ncores=cores)


def starts(policy, jobs, mode="fast", **kw):
    r = replay(Workload(jobs), nnodes=2, cores_per_node=4, policy=policy, mode=mode, **kw)
    return {rec.name: rec.start for rec in r.records}


def test_registered_with_fluxion_default_depth():
    assert POLICIES["conservative"] is ConservativeScheduler
    assert ConservativeScheduler.queue_depth == 32


@pytest.mark.parametrize("mode", ["fast", "instance"])
@pytest.mark.parametrize(
    "policy, c_cores, expected",
    [
        ("conservative", 2, {"A": 0.0, "B": 10.0, "C": 0.0}),
        ("backfill", 2, {"A": 0.0, "B": 10.0, "C": 10.0}),
        ("conservative", 3, {"A": 0.0, "B": 10.0, "C": 20.0}),
        ("backfill", 3, {"A": 0.0, "B": 10.0, "C": 20.0}),
    ],
)
def test_starts_beside_reservations_only(mode, policy, c_cores, expected):
    jobs = [job("A", 4, 10, 10), job("B", 6, 10, 10), job("C", c_cores, 100, 5)]
    assert starts(policy, jobs, mode) == expected


def test_no_job_delays_any_job_ahead_of_it():
    # D (1 core, 100 s) fits now and beside B's reservation (10-20), but it
    # would hold a core that C's reservation (20-30, all 8 cores) needs: it
    # waits for C.
    jobs = [
        job("A", 4, 10, 10),
        job("B", 6, 10, 10),
        job("C", 8, 10, 10),
        job("D", 1, 100, 100),
    ]
    cons = starts("conservative", jobs)
    assert cons == {"A": 0.0, "B": 10.0, "C": 20.0, "D": 30.0}


def test_queue_depth_limits_the_jobs_considered():
    # C fits on the free core before B's reservation at 10, but with a queue
    # depth of 1 only B (the head after A started) is looked at.
    jobs = [job("A", 7, 10, 10), job("B", 8, 10, 10), job("C", 1, 5, 5)]
    assert starts("conservative", jobs)["C"] == 0.0
    assert starts("conservative", jobs, queue_depth=1)["C"] == 20.0


def test_a_job_without_duration_holds_its_reservation_forever():
    jobs = [job("A", 4, 10, 10), job("B", 6, 0, 10), job("C", 2, 100, 5)]
    # B has no limit: reserved at 10 for ever; C (2 cores) fits beside it on rank 1
    assert starts("conservative", jobs) == {"A": 0.0, "B": 10.0, "C": 0.0}


# -- place(): the pool's worst-fit rule on counts -------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    used=st.lists(st.integers(0, 4), min_size=4, max_size=4),
    nslots=st.integers(1, 12),
    slot_size=st.integers(1, 3),
    by_nodes=st.booleans(),
    exclusive=st.booleans(),
)
def test_place_agrees_with_the_pool(used, nslots, slot_size, by_nodes, exclusive):
    R = Rv1.from_shape(4, 4)
    pool = Pool(R)
    for rank, n in enumerate(used):
        if n:
            pool.alloc(100 + rank, ResourceRequest(
                None, ResourceCount(n, n), 1, constraint={"ranks": [rank]}))
    if by_nodes:
        nnodes = min(nslots, 4)
        request = ResourceRequest(ResourceCount(nnodes, nnodes), ResourceCount(1, 1), slot_size,
                                  exclusive=exclusive)
    else:
        request = ResourceRequest(None, ResourceCount(nslots, nslots), slot_size)
    free = [4 - n for n in used]
    counted = place(free, [0] * 4, [4] * 4, request)
    try:
        got = pool.alloc(1, request)
    except InsufficientResources:
        assert counted is None
        return
    except OSError:
        return  # infeasible: place() is never asked
    assert counted == {rank: (len(info.cores), 0) for rank, info in got.ranks.items()}
