"""Fluxion in fluxsim: placements, R, errors and queue policies.

Expected values were recorded on flux-core 0.88.0 with flux-sched 0.54.0
(``flux start --test-size=4`` on ``node[0-3]``, 4 cores and 2 GPUs each,
mock execution keeping every job running), one sequence of jobs per match
policy on a fresh instance.  The conformance suite has the full cases
(``conformance/golden/fluxion``); these are the matcher's unit tests.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fluxsim
import fluxsim.job as fj
from fluxsim.fluxion.config import FluxionConfig, match_policy, read
from fluxsim.fluxion.graph import MATCH_ERROR, UNSATISFIABLE, FluxionPool
from fluxsim.fluxion.request import FluxionRequest, parse
from fluxsim.fluxion.stdsort import introsort
from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources
from fluxsim.resource.rv1 import END_OF_TIME, RankInfo, Rv1
from fluxsim.scheduler import choose


def n(tasks=1, cores=1, gpus=0, nodes=0, exclusive=False, duration=0.0):
    return FluxionRequest(nodes, exclusive, tasks if not nodes else max(1, tasks // nodes),
                          cores, gpus, duration)


def placements(policy, requests, shape=(4, 4, 2)):
    pool = FluxionPool(Rv1.from_shape(*shape), FluxionConfig(policy))
    return [pool.match(i + 1, r, 100)[1].dumps() for i, r in enumerate(requests)]


SEQUENCE = [n()] * 6 + [n(6), n(1, nodes=1), n(1, gpus=1)]

# flux submit -n1 x6, -n6, -N1 -n1, -n1 -g1 (recorded; the spec's §2.8)
RECORDED = {
    "high": ["rank0/core3", "rank1/core3", "rank2/core3", "rank3/core3", "rank0/core2",
             "rank1/core2", "rank[0-1]/core1 rank[2-3]/core[1-2]", "rank3/core0",
             "rank0/core0,gpu1"],
    "low": ["rank0/core0", "rank1/core0", "rank2/core0", "rank3/core0", "rank0/core1",
            "rank1/core1", "rank[0-1]/core2 rank[2-3]/core[1-2]", "rank0/core3",
            "rank1/core3,gpu0"],
    "lonode": ["rank0/core0", "rank0/core1", "rank0/core2", "rank0/core3", "rank1/core0",
               "rank1/core1", "rank1/core[2-3] rank2/core[0-3]", "rank3/core0",
               "rank3/core1,gpu0"],
    "hinode": ["rank3/core3", "rank3/core2", "rank3/core1", "rank3/core0", "rank2/core3",
               "rank2/core2", "rank1/core[0-3] rank2/core[0-1]", "rank0/core3",
               "rank0/core2,gpu1"],
}


@pytest.mark.parametrize("policy", sorted(RECORDED))
def test_policies_place_as_fluxion(policy):
    assert placements(policy, SEQUENCE) == RECORDED[policy]


def test_first_visits_untouched_nodes_then_by_weight():
    # four -n1: untouched nodes by uniq_id, highest first; then weights (free cores)
    assert placements("first", [n()] * 6) == [
        "rank3/core3", "rank2/core3", "rank1/core3", "rank0/core3", "rank3/core2",
        "rank2/core2"]


def test_first_weights_go_stale_when_a_job_is_freed():
    pool = FluxionPool(Rv1.from_shape(4, 4, 2), FluxionConfig("first"))
    a = pool.match(1, n(3, nodes=1), 0)[1]
    assert a.dumps() == "rank3/core[1-3]"
    for jobid in (2, 3, 4):
        pool.match(jobid, n(), 0)
    pool.free(1)
    # node3 is idle again but keeps its weight of 1: node2 (weight 3) comes first
    assert pool.match(5, n(), 0)[1].dumps() == "rank2/core2"


def test_node_exclusive_policies_take_whole_nodes():
    whole = "core[0-3],gpu[0-1]"
    assert placements("lonodex", [n()] * 4) == [f"rank{r}/{whole}" for r in (0, 1, 2, 3)]
    assert placements("hinodex", [n()] * 4) == [f"rank{r}/{whole}" for r in (3, 2, 1, 0)]
    assert placements("firstnodex", [n()] * 4) == [f"rank{r}/{whole}" for r in (3, 2, 1, 0)]
    assert placements("lonodex", [n(6)]) == [f"rank[0-1]/{whole}"]


def test_high_ties_fall_as_std_sort_leaves_them():
    # recorded: 8 nodes x 4 cores, policy high, twelve -n1 jobs
    got = placements("high", [n()] * 12, shape=(8, 4, 0))
    assert got == [f"rank{r}/core3" for r in (0, 5, 1, 4, 7, 3, 2, 6)] + [
        f"rank{r}/core2" for r in (0, 3, 1, 2)]


def test_r_is_written_as_fluxion_writes_it():
    pool = FluxionPool(Rv1.from_shape(4, 4, 2), FluxionConfig("low"))
    for jobid in range(1, 7):
        pool.match(jobid, n(), 100.7)
    R = pool.match(7, n(6), 100.7)[1].to_dict()
    # grouped by children, ordered by their text; no nslots; whole seconds
    assert R == {"version": 1, "execution": {
        "R_lite": [{"rank": "2-3", "children": {"core": "1-2"}},
                   {"rank": "0-1", "children": {"core": "2"}}],
        "nodelist": ["node[0-3]"], "starttime": 100, "expiration": END_OF_TIME}}


def test_expiration_is_start_plus_whole_seconds():
    pool = FluxionPool(Rv1.from_shape(1, 4), FluxionConfig())
    R = pool.match(1, n(duration=299.5), 1000.9)[1]
    assert (R.starttime, R.expiration) == (1000, 1300)


def test_unsatisfiable_and_match_errors_have_fluxions_notes():
    with fluxsim.start(nnodes=4, cores_per_node=4, gpus_per_node=2, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        notes = []
        for kwargs in ({"num_tasks": 17}, {"num_nodes": 5, "num_tasks": 5},
                       {"num_tasks": 1, "gpus_per_task": 3}, {"num_tasks": 1, "cores_per_task": 5}):
            jobid = fj.submit(h, fj.JobspecV1.from_command(["true"], **kwargs))
            inst.run(until=inst.now + 1)
            notes.append(fj.event_wait(h, jobid, "exception").context["note"])
        spec = fj.JobspecV1.from_command(["true"])
        spec.duration = 400000000 * 86400.0
        jobid = fj.submit(h, spec)
        inst.run(until=inst.now + 1)
        notes.append(fj.event_wait(h, jobid, "exception").context["note"])
    assert notes == [UNSATISFIABLE] * 4 + [MATCH_ERROR]


def test_a_socket_request_is_unsatisfiable_when_its_turn_comes():
    spec = {"version": 1, "resources": [{"type": "slot", "count": 1, "label": "task",
             "with": [{"type": "socket", "count": 1}]}], "attributes": {"system": {}}}
    request = parse(spec)
    pool = FluxionPool(Rv1.from_shape(1, 1), FluxionConfig())
    with pytest.raises(OSError, match="unsatisfiable"):
        pool.match(1, request, 0)


def test_fcfs_head_blocks_and_nothing_backfills():
    pool = FluxionPool(Rv1.from_shape(2, 2), FluxionConfig())
    pool.match(1, n(2, nodes=1, duration=100), 0)
    with pytest.raises(InsufficientResources):
        pool.match(2, n(2, nodes=2), 0)


def test_easy_reserves_the_head_and_backfills_what_ends_before():
    # 4 nodes; J1 -N3 -t100 runs; J2 -N2 -t50 is reserved at J1's end;
    # J4 -N1 -t10 backfills on the free node, J3 -N1 -t200 would overlap J2
    pool = FluxionPool(Rv1.from_shape(4, 1), FluxionConfig())
    assert pool.match(1, n(3, nodes=3, duration=100), 0)[0] == "alloc"
    assert pool.match(2, n(2, nodes=2, duration=50), 0, reserve=True) == ("reserve", 100)
    with pytest.raises(InsufficientResources):
        pool.match(3, n(1, nodes=1, duration=200), 0)
    assert pool.match(4, n(1, nodes=1, duration=10), 0)[0] == "alloc"


def test_drained_node_is_never_picked_and_node_shortage_is_unsatisfiable():
    pool = FluxionPool(Rv1.from_shape(4, 4), FluxionConfig())
    pool.mark_down([3])
    assert pool.match(1, n(), 0)[1].dumps() == "rank2/core3"
    # Fluxion's precheck: more nodes than are up, under fcfs
    with pytest.raises(OSError, match="unsatisfiable"):
        pool.match(2, n(4, nodes=4), 0)


def test_config_defaults_and_errors():
    config = read({})
    assert (config.match_policy, config.match_format, config.queue_policy,
            config.queue_depth, config.reservation_depth) == ("first", "rv1_nosched", "fcfs", 32, 0)
    assert read({"sched-fluxion-qmanager": {"queue-policy": "easy"}}).reservation_depth == 1
    assert read({"sched-fluxion-qmanager": {"queue-policy": "hybrid"}}).reservation_depth == 64
    assert read({"sched-fluxion-qmanager": {"queue-policy": "conservative",
                                            "queue-params": "queue-depth=8"}}).reservation_depth == 8
    with pytest.raises(ValueError, match="invalid policy option: bogus"):
        match_policy("bogus")
    with pytest.raises(ValueError, match="'locality' is not modeled by fluxsim; modeled policies: first"):
        match_policy("locality")
    with pytest.raises(ValueError, match="accepts only low or high"):
        match_policy("policy=mid")
    with pytest.raises(ValueError, match="requires true or false, got maybe"):
        match_policy("policy=low node_exclusive=maybe")
    with pytest.raises(ValueError, match=r"Unknown option \(foo\)"):
        read({"sched-fluxion-resource": {"foo": 1}})
    with pytest.raises(ValueError, match="Numerical result out of range"):
        read({"sched-fluxion-qmanager": {"queue-params": "queue-depth=0"}})


def test_choosing_the_scheduler_as_flux_start_does():
    assert choose() == ("fluxion", "fluxion")
    assert choose(policy="backfill") == ("sched-simple", "backfill")
    alternative = {"modules": {"alternatives": {"sched": "sched-simple"}}}
    assert choose(conf=alternative) == ("sched-simple", "fifo")
    assert choose("fluxion", conf=alternative) == ("fluxion", "fluxion")
    with pytest.raises(ValueError, match="valid schedulers: fluxion, sched-simple"):
        choose("slurm")
    with pytest.raises(ValueError, match="queue-policy"):
        choose("fluxion", "backfill")


def test_introsort_is_a_sort():
    items = [((i * 7919) % 101,) for i in range(300)]
    assert introsort(list(items)) == sorted(items)


def test_hold_and_expedite_reorder_fluxions_queue():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)

        def job(run):
            spec = fj.JobspecV1.from_command(["true"])
            spec.setattr("system.exec.test", {"run_duration": run})
            return fj.submit(h, spec)

        a, b, c, d = job("10s"), job("10s"), job("10s"), job("10s")
        for jobid, urgency in ((c, 31), (d, 0)):  # expedite c, hold d
            h.rpc("job-manager.urgency", {"id": jobid, "urgency": urgency}).get()
        inst.run(until=35)
        started = sorted((fj.event_wait(h, j, "alloc").timestamp, j) for j in (a, b, c))
        assert [j for _t, j in started] == [a, c, b]
        assert inst.jobmanager.jobs[d].R is None


class _ScoresEverything(FluxionPool):
    """Fluxion's matcher without the early stop: every free core of every node scored."""

    def _ranking(self, c, g, by_node):
        return None


@pytest.mark.parametrize("policy", ["lonode", "hinode", "lonodex", "hinodex"])
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_node_centric_walk_stops_only_where_scoring_everything_agrees(policy, data):
    # Nodes of different sizes and names (repeated numbers, none) make some
    # nodes' scores overlap; there the walk must score everything.
    nnodes = data.draw(st.integers(1, 8))
    ranks = {}
    for rank in range(nnodes):
        number = data.draw(st.sampled_from(["", "1", "1", "7", str(rank)]))
        ncores = data.draw(st.sampled_from([1, 2, 3, 4, 8, 16, 70]))
        ranks[rank] = RankInfo(rank, f"n{number}", frozenset(range(ncores)),
                               frozenset(range(data.draw(st.integers(0, 3)))))
    R = Rv1(ranks)
    fast, full = (cls(R, FluxionConfig(policy)) for cls in (FluxionPool, _ScoresEverything))
    if data.draw(st.booleans()):
        # Node factors this close happen only past 10,000 vertices (where
        # Fluxion's uniq_id mod 10,000 wraps): set them, to overlap scores.
        factor = data.draw(st.lists(st.integers(0, 40), min_size=nnodes, max_size=nnodes))
        fast.factor = full.factor = factor
    for jobid in range(1, 25):
        if fast._jobs and data.draw(st.booleans()):
            done = data.draw(st.sampled_from(sorted(fast._jobs)))
            fast.free(done)
            full.free(done)
            continue
        request = n(tasks=data.draw(st.integers(1, 40)), cores=data.draw(st.integers(1, 8)),
                    gpus=data.draw(st.integers(0, 1)), nodes=data.draw(st.integers(0, 2)))
        outcomes = []
        for pool in (fast, full):
            try:
                outcomes.append(pool.match(jobid, request, 100)[1].dumps())
            except (InsufficientResources, InfeasibleRequest) as exc:
                outcomes.append(type(exc).__name__)
        assert outcomes[0] == outcomes[1], request


@pytest.mark.parametrize("policy", ["lonode", "hinode"])
def test_node_requests_on_nodes_of_one_number_are_sorted_as_fluxion_sorts_ties(policy):
    # 20 hosts that all read as node id 1: node candidates tie, and past 16
    # of them std::sort's order decides, so the walk may not stop early.
    R = Rv1([RankInfo(rank, "n1", frozenset(range(4)), frozenset()) for rank in range(20)])
    fast, full = (cls(R, FluxionConfig(policy)) for cls in (FluxionPool, _ScoresEverything))
    for jobid in range(1, 6):
        request = n(tasks=2, nodes=2)
        assert fast.match(jobid, request, 100)[1].dumps() == full.match(jobid, request, 100)[1].dumps()


def test_not_now_holds_while_only_allocations_follow_and_ends_with_a_release():
    # "not now" is remembered by the request's numbers (a backfill walk asks
    # job after job of one shape); an allocation only takes, so the answer
    # stays; a free or a node coming up may change it
    pool = FluxionPool(Rv1.from_shape(2, 2), FluxionConfig())
    pool.match(1, n(3, duration=100), 0)
    for jobid, request in ((2, n(2)), (3, n(2, duration=50)), (4, n(2))):
        with pytest.raises(InsufficientResources):
            pool.match(jobid, request, 0)
    assert pool.match(5, n(1), 0)[0] == "alloc"
    with pytest.raises(InsufficientResources):
        pool.match(6, n(2), 0)
    pool.free(1)
    assert pool.match(6, n(2), 0)[0] == "alloc"
    pool.mark_down([0, 1])
    pool.free(5)
    pool.free(6)
    with pytest.raises(InsufficientResources):
        pool.match(7, n(2, duration=10), 0)  # nothing up, not more nodes asked for than exist
    pool.mark_up([0])
    assert pool.match(7, n(2, duration=10), 0)[0] == "alloc"


def test_a_constrained_request_not_now_becomes_never_when_its_nodes_are_held_for_good():
    # a node request under a constraint is denied when too few of its nodes
    # stay free to the end of the graph (held whole, without end): an
    # allocation can do that, so its "not now" is not remembered
    pool = FluxionPool(Rv1.from_shape(3, 2), FluxionConfig())
    both = {"hostlist": ["node[0-1]"]}
    for jobid, node in ((1, "node0"), (5, "node2")):  # one idle node left: not now
        pool.match(jobid, FluxionRequest(0, False, 1, 1, 0, 100.0, {"hostlist": [node]}), 0)
    with pytest.raises(InsufficientResources):
        pool.match(2, FluxionRequest(2, True, 1, 2, 0, 10.0, both), 0)
    pool.match(3, FluxionRequest(1, True, 1, 2, 0, 0.0, {"hostlist": ["node1"]}), 0)
    with pytest.raises(InfeasibleRequest):
        pool.match(4, FluxionRequest(2, True, 1, 2, 0, 10.0, both), 0)


def test_no_room_beside_a_reservation_holds_for_longer_windows_until_the_reservation_goes():
    # 3 one-core nodes: J1 runs to 100, J2 (all three) is reserved from 100;
    # a job that would run into the reservation has no room, one that ends
    # before it backfills, and once the reservation is dropped there is room
    pool = FluxionPool(Rv1.from_shape(3, 1), FluxionConfig())
    pool.match(1, n(1, duration=100), 0)
    assert pool.match(2, n(3, nodes=3, duration=50), 0, reserve=True) == ("reserve", 100)
    for jobid, duration in ((3, 200), (4, 300), (5, 101)):
        with pytest.raises(InsufficientResources):
            pool.match(jobid, n(1, duration=duration), 0)
    assert pool.match(6, n(1, duration=10), 0)[0] == "alloc"
    with pytest.raises(InsufficientResources):
        pool.match(7, n(1, duration=200), 0)
    pool.cancel_reservations([2])
    assert pool.match(7, n(1, duration=200), 0)[0] == "alloc"


def test_a_walk_passes_over_refused_numbers_but_not_a_window_beyond_the_graph():
    # one core until 1000: A runs to 100, B (the head) is reserved at 100,
    # D is refused for now, and C, of D's numbers, asks for more time than
    # the graph has: the walk must not pass over it as D's twin, it is
    # denied at once (a match fails with EINVAL)
    from fluxsim.trace import TraceJob, Workload, jobspec, replay

    R = Rv1.from_shape(1, 1)
    R.expiration = 1000.0

    def job(name, limit, run):
        return TraceJob(name, 0.0, jobspec(ncores=1, duration=limit, run_duration=run))

    w = Workload([job("A", 100, 100), job("B", 10, 10), job("D", 50, 5), job("C", 5000, 5)])
    records = {r.name: r for r in replay(w, R=R, scheduler="fluxion",
                                         config={"sched-fluxion-qmanager": {"queue-policy": "easy"}}).records}
    assert (records["C"].end, records["C"].exception, records["C"].start) == (0.0, "alloc", None)
    assert [records[x].start for x in "ABD"] == [0.0, 100.0, 110.0]


def test_try_match_answers_not_now_with_none_where_match_raises():
    pool = FluxionPool(Rv1.from_shape(1, 2), FluxionConfig())
    assert pool.try_match(1, n(2, duration=100), 0)[0] == "alloc"
    assert pool.try_match(2, n(1), 0) is None
    with pytest.raises(InsufficientResources):
        pool.match(2, n(1), 0)
    assert pool.try_match(3, n(1, duration=10), 0, reserve=True) == ("reserve", 100)
    with pytest.raises(InfeasibleRequest):
        pool.try_match(4, n(3), 0)  # never: it is denied, not "not now"
