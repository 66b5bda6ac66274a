"""Replay in virtual time: hand-worked schedules, faults, and both engines agreeing.

Every hand-worked case runs on both engines (``mode="fast"`` and a full
``fluxsim.Instance``); the expected times follow from the documented rules:
FIFO never starts a job before the one ahead of it, EASY backfill starts a
later job only if it ends by the head's shadow time, a job is killed at its
time limit, a node failure kills the jobs on the node.
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fluxsim.trace import Fault, SWFMapping, TraceJob, Workload, jobspec, load_swf, replay

MODES = ["fast", "instance"]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GAIA = SHARED / "traces" / "UniLu-Gaia-2014-2.swf"


def job(name, submit=0.0, cores=None, nodes=None, limit=0.0, run=None, cancel_at=None,
        urgency=16, cpn=4, wait_status=0):
    spec = jobspec(ncores=cores, nnodes=nodes, cores_per_node=cpn, duration=limit,
                   run_duration=run, wait_status=wait_status, name=name)
    return TraceJob(name, submit, spec, urgency=urgency, cancel_at=cancel_at,
                    nnodes=nodes or 0, ncores=cores or 0)


def starts(result):
    return {r.name: r.start for r in result.records}


@pytest.mark.parametrize("mode", MODES)
def test_fifo_head_blocks_everyone_behind_it(mode):
    w = Workload([
        job("A", cores=2, limit=10, run=10),
        job("B", cores=4, limit=10, run=10),
        job("C", cores=1, limit=5, run=5),
    ])
    r = replay(w, nnodes=1, cores_per_node=4, policy="fifo", mode=mode)
    assert starts(r) == {"A": 0.0, "B": 10.0, "C": 20.0}
    assert [rec.order for rec in r.records] == [0, 1, 2]
    assert [rec.end for rec in r.records] == [10.0, 20.0, 25.0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "c_limit, c_start",
    [
        (5, 0.0),    # ends at 5 <= shadow 10: backfilled
        (10, 0.0),   # ends exactly at the shadow: still allowed (<=)
        (15, 20.0),  # would end after the shadow: waits for B
        (0, 20.0),   # no duration: never backfilled
    ],
)
def test_easy_backfill_uses_the_shadow_time(mode, c_limit, c_start):
    w = Workload([
        job("A", cores=2, limit=10, run=10),
        job("B", cores=4, limit=10, run=10),
        job("C", cores=1, limit=c_limit, run=5),
    ])
    r = replay(w, nnodes=1, cores_per_node=4, policy="backfill", mode=mode)
    assert starts(r) == {"A": 0.0, "B": 10.0, "C": c_start}


@pytest.mark.parametrize("mode", MODES)
def test_no_shadow_when_the_blocking_job_has_no_duration(mode):
    # A runs for 10 s but has no time limit: the head's reservation time is
    # unknown, so sched-backfill backfills nothing.
    w = Workload([
        job("A", cores=2, limit=0, run=10),
        job("B", cores=4, limit=10, run=10),
        job("C", cores=1, limit=1, run=1),
    ])
    r = replay(w, nnodes=1, cores_per_node=4, policy="backfill", mode=mode)
    assert starts(r) == {"A": 0.0, "B": 10.0, "C": 20.0}


@pytest.mark.parametrize("mode", MODES)
def test_time_limit_timeout_and_failed_exit(mode):
    # (jobspecs of one run time share their exec section: never edit one)
    failing = job("F", cores=1, limit=10, run=5, wait_status=256)
    w = Workload([job("T", cores=1, limit=10, run=20), failing, job("tie", cores=1, limit=10, run=10),
                  job("OK", cores=1, limit=10, run=9)])
    r = replay(w, nnodes=1, cores_per_node=4, mode=mode)
    t, f, tie, ok = r.records
    assert (t.end, t.result, t.exception, t.status) == (10.0, "TIMEOUT", "timeout", 14)
    assert (f.end, f.result, f.exception, f.status) == (5.0, "FAILED", None, 256)
    # run time == limit: the time limit wins, as in flux-core 0.88, where R's
    # expiration counts from the alloc and the run from exec's start (recorded:
    # conformance golden failures::testconf-run-duration-unparsed-keeps-duration)
    assert (tie.end, tie.result, tie.status) == (10.0, "TIMEOUT", 14)
    assert (ok.end, ok.result, ok.status) == (9.0, "COMPLETED", 0)


@pytest.mark.parametrize("mode", MODES)
def test_cancel_pending_and_running(mode):
    w = Workload([
        job("A", cores=4, limit=100, run=100, cancel_at=30),
        job("B", cores=4, limit=10, run=10, cancel_at=5),
        job("C", cores=4, limit=10, run=10),
    ])
    r = replay(w, nnodes=1, cores_per_node=4, mode=mode)
    a, b, c = r.records
    assert (a.start, a.end, a.result, a.status) == (0.0, 30.0, "CANCELED", 15)
    assert (b.start, b.end, b.result, b.status) == (None, 5.0, "CANCELED", None)
    assert (c.start, c.end) == (30.0, 40.0)


@pytest.mark.parametrize("mode", MODES)
def test_node_failure_kills_its_jobs_and_is_not_scheduled_until_up(mode):
    w = Workload([
        job("A", nodes=1, limit=200, run=100),          # rank 0
        job("B", nodes=1, limit=200, run=100),          # rank 1
        job("C", submit=20, nodes=2, limit=10, run=10),
    ])
    faults = [Fault(10, "down", "0"), Fault(50, "up", "0")]
    r = replay(w, nnodes=2, cores_per_node=4, mode=mode, faults=faults, policy="fifo")
    a, b, c = r.records
    assert (a.end, a.result, a.exception, a.status) == (10.0, "FAILED", "exec", 15)
    assert a.R.rank_idset() == "0" and b.R.rank_idset() == "1"
    assert (b.end, b.result) == (100.0, "COMPLETED")
    # C needs both nodes: rank 0 is down until 50 and rank 1 busy until 100
    assert (c.start, c.R.rank_idset()) == (100.0, "0-1")


@pytest.mark.parametrize("mode", MODES)
def test_drain_lets_running_jobs_finish_but_places_nothing_new(mode):
    w = Workload([
        job("A", cores=4, limit=200, run=100),           # rank 0 (lowest of equals)
        job("B", submit=20, cores=4, limit=10, run=10),  # rank 1 is drained
    ])
    faults = [Fault(10, "drain", "1"), Fault(60, "undrain", "1")]
    r = replay(w, nnodes=2, cores_per_node=4, mode=mode, faults=faults, policy="fifo")
    a, b = r.records
    assert (a.end, a.result) == (100.0, "COMPLETED")
    assert (b.start, b.R.rank_idset()) == (60.0, "1")


@pytest.mark.parametrize("mode", MODES)
def test_infeasible_request_is_denied_and_held_job_never_runs(mode):
    w = Workload([
        job("big", cores=16, limit=10, run=10),
        job("held", cores=1, limit=10, run=10, urgency=0),
        job("ok", cores=1, limit=10, run=10),
    ])
    r = replay(w, nnodes=2, cores_per_node=4, mode=mode)
    big, held, ok = r.records
    assert (big.start, big.end, big.result, big.exception) == (None, 0.0, "FAILED", "alloc")
    assert (held.start, held.end, held.result) == (None, None, None)
    assert ok.start == 0.0


@pytest.mark.parametrize("mode", MODES)
def test_urgency_orders_the_queue(mode):
    w = Workload([
        job("A", cores=4, limit=10, run=10),
        job("low", cores=4, limit=10, run=10, urgency=10),
        job("high", cores=4, limit=10, run=10, urgency=20),
    ])
    r = replay(w, nnodes=1, cores_per_node=4, mode=mode)
    # all three are queued before the pass at t=0: priority, then submit order
    assert starts(r) == {"high": 0.0, "A": 10.0, "low": 20.0}


def test_progress_is_reported():
    seen = []
    w = Workload([job(str(i), cores=1, limit=1, run=1) for i in range(600)])
    replay(w, nnodes=1, cores_per_node=4, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(256, 600), (512, 600)]


def test_bad_mode_and_missing_size():
    with pytest.raises(ValueError, match="mode must be one of fast, instance"):
        replay(Workload([]), nnodes=1, cores_per_node=1, mode="slow")
    with pytest.raises(ValueError, match="give nnodes and cores_per_node"):
        replay(Workload([]))


# -- the two engines agree -----------------------------------------------------------

job_strategy = st.builds(
    lambda submit, size, by_nodes, limit, run, cancel: (submit, size, by_nodes, limit, run, cancel),
    st.integers(0, 30),
    st.integers(1, 6),
    st.booleans(),
    st.sampled_from([0, 3, 5, 8, 12]),
    st.integers(1, 10),
    st.one_of(st.none(), st.integers(0, 40)),
)
fault_strategy = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from(["down", "up", "drain", "undrain"]),
              st.integers(0, 2)),
    max_size=3,
)


def _workload(entries):
    jobs = []
    for i, (submit, size, by_nodes, limit, run, cancel) in enumerate(entries):
        if by_nodes:
            jobs.append(job(str(i), submit, nodes=min(size, 3), limit=limit, run=run, cancel_at=cancel))
        else:
            jobs.append(job(str(i), submit, cores=size, limit=limit, run=run, cancel_at=cancel))
    return Workload(jobs)


@pytest.mark.parametrize("policy", ["fifo", "backfill", "conservative"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(job_strategy, min_size=1, max_size=25), faults=fault_strategy)
def test_fast_engine_matches_the_instance(policy, entries, faults):
    w = _workload(entries)
    fs = [Fault(t, action, str(rank)) for t, action, rank in faults]
    fast = replay(w, nnodes=3, cores_per_node=4, policy=policy, faults=fs, mode="fast")
    inst = replay(w, nnodes=3, cores_per_node=4, policy=policy, faults=fs, mode="instance")
    assert [r.key() for r in fast.records] == [r.key() for r in inst.records]


@pytest.mark.skipif(not GAIA.exists(), reason="shared trace not available")
@pytest.mark.parametrize("policy", ["fifo", "backfill", "conservative"])
def test_gaia_first_500_jobs_both_engines(policy):
    w = load_swf(GAIA, SWFMapping(), limit=500)
    fast = replay(w, nnodes=151, cores_per_node=14, policy=policy, mode="fast")
    inst = replay(w, nnodes=151, cores_per_node=14, policy=policy, mode="instance")
    assert [r.key() for r in fast.records] == [r.key() for r in inst.records]
    for trace_job, rec in zip(w, fast.records):
        assert rec.start is not None and rec.start >= rec.submit
        assert rec.ncores == trace_job.ncores  # one-core slots: exactly the processors asked
    if policy == "fifo":
        # equal priorities: FIFO starts jobs in submit order
        assert [rec.order for rec in fast.records] == list(range(len(w)))
